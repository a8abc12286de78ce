//! Colour maps for scalar fields: Turbo for activation times (LAT, ms) and
//! Moreland's smooth cool-warm diverging map for membrane potential (Vm, mV).
//!
//! Every map takes a value and the physical range it spans (`min` maps to the
//! low end, `max` to the high end, values outside are clamped) and returns an
//! sRGB colour. NaN (for example "never activated") maps to [`NAN_COLOR`], a
//! neutral grey that no map produces at full lightness, so it reads as "no
//! data" rather than as a value.

use std::sync::OnceLock;

/// Colour of NaN values: a neutral mid grey.
pub const NAN_COLOR: [u8; 3] = [150, 150, 150];

/// Entries in the lookup tables used by the renderer (one byte of resolution,
/// finer than the eye separates along any of these maps).
pub const LUT_SIZE: usize = 256;

/// Which colour map to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMap {
    /// Google's Turbo rainbow (dark blue, cyan, green, yellow, red): the
    /// default for activation maps, low = early.
    #[default]
    Turbo,
    /// Moreland's smooth cool-warm (blue, light grey, red): diverging, for Vm.
    CoolWarm,
}

impl ColorMap {
    /// Colour of `value` on a map spanning `min..=max` (physical units).
    /// A reversed range (`max < min`) reverses the map; an empty or
    /// non-finite range gives the middle colour.
    pub fn map(self, value: f64, min: f64, max: f64) -> [u8; 3] {
        match normalise(value, min, max) {
            Some(t) => self.at(t),
            None => NAN_COLOR,
        }
    }

    /// Colour at position `t` in [0, 1] along the map (clamped).
    pub fn at(self, t: f64) -> [u8; 3] {
        let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
        match self {
            ColorMap::Turbo => turbo(t),
            ColorMap::CoolWarm => cool_warm(t),
        }
    }

    /// The map sampled at `LUT_SIZE` evenly spaced positions, entry `i` at
    /// `t = i / (LUT_SIZE - 1)`. Cached: the cool-warm map costs a colour
    /// space round trip per sample.
    pub fn lut(self) -> &'static [[u8; 3]; LUT_SIZE] {
        static TURBO: OnceLock<[[u8; 3]; LUT_SIZE]> = OnceLock::new();
        static COOL_WARM: OnceLock<[[u8; 3]; LUT_SIZE]> = OnceLock::new();
        let cell = match self {
            ColorMap::Turbo => &TURBO,
            ColorMap::CoolWarm => &COOL_WARM,
        };
        cell.get_or_init(|| {
            let mut table = [[0u8; 3]; LUT_SIZE];
            for (i, c) in table.iter_mut().enumerate() {
                *c = self.at(i as f64 / (LUT_SIZE - 1) as f64);
            }
            table
        })
    }
}

/// Turbo colour of `value` on `min..=max`: the default map for LAT (ms).
pub fn map(value: f64, min: f64, max: f64) -> [u8; 3] {
    ColorMap::Turbo.map(value, min, max)
}

/// Position of `value` in `min..=max` as t in [0, 1]; `None` for NaN values.
/// Infinite values clamp to the ends; an empty or non-finite range gives 0.5.
pub fn normalise(value: f64, min: f64, max: f64) -> Option<f64> {
    if value.is_nan() {
        return None;
    }
    let span = max - min;
    if !span.is_finite() || span == 0.0 {
        return Some(0.5);
    }
    Some(((value - min) / span).clamp(0.0, 1.0))
}

/// Turbo at t in [0, 1].
///
/// Source: the degree-5 polynomial fit of the Turbo LUT by Ruofei Du, published
/// with the colour map itself (Anton Mikhailov, "Turbo, An Improved Rainbow
/// Colormap for Visualization", Google AI Blog, 2019-08-20; GLSL approximation
/// gist mikhailov-work/0d177465a8151eb6ede1768d51d476c7, Apache-2.0).
/// Coefficients are per channel for 1, t, t^2, t^3, t^4, t^5.
pub fn turbo(t: f64) -> [u8; 3] {
    const R: [f64; 6] = [
        0.135_721_38,
        4.615_392_60,
        -42.660_322_58,
        132.131_082_34,
        -152.942_393_96,
        59.286_379_43,
    ];
    const G: [f64; 6] = [
        0.091_402_61,
        2.194_188_39,
        4.842_966_58,
        -14.185_033_33,
        4.277_298_57,
        2.829_566_04,
    ];
    const B: [f64; 6] = [
        0.106_673_30,
        12.641_946_08,
        -60.582_048_36,
        110.362_767_71,
        -89.903_109_12,
        27.348_249_73,
    ];
    let t = t.clamp(0.0, 1.0);
    // Horner evaluation of the degree-5 polynomial.
    let poly = |c: &[f64; 6]| c.iter().rev().fold(0.0, |acc, &k| acc * t + k);
    [to_byte(poly(&R)), to_byte(poly(&G)), to_byte(poly(&B))]
}

/// Moreland's smooth cool-warm diverging map at t in [0, 1].
///
/// Source: Kenneth Moreland, "Diverging Color Maps for Scientific
/// Visualization", ISVC 2009, doi:10.1007/978-3-642-10520-3_9: interpolate the
/// end points sRGB (59, 76, 192) and (180, 4, 38) in the polar Msh form of
/// CIELAB, through an unsaturated white of magnitude 88 in the middle, with
/// the hue spin of his section 3. This reproduces his published 33-entry table.
pub fn cool_warm(t: f64) -> [u8; 3] {
    let cool = msh_from_srgb([59, 76, 192]);
    let warm = msh_from_srgb([180, 4, 38]);
    srgb_from_msh(interpolate_msh(cool, warm, t.clamp(0.0, 1.0)))
}

fn to_byte(c: f64) -> u8 {
    (c.clamp(0.0, 1.0) * 255.0).round() as u8
}

// --- Moreland's Msh colour space -------------------------------------------

/// D65 reference white, XYZ with Y = 1.
const WHITE: [f64; 3] = [0.950_47, 1.0, 1.088_83];

fn msh_from_srgb(c: [u8; 3]) -> [f64; 3] {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(c[0]), lin(c[1]), lin(c[2]));
    let xyz = [
        0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b,
        0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b,
        0.019_333_9 * r + 0.119_192_0 * g + 0.950_304_1 * b,
    ];
    let f = |t: f64| {
        if t > 0.008_856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (
        f(xyz[0] / WHITE[0]),
        f(xyz[1] / WHITE[1]),
        f(xyz[2] / WHITE[2]),
    );
    let (l, a, bb) = (116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz));
    let m = (l * l + a * a + bb * bb).sqrt();
    let s = if m > 0.0 { (l / m).acos() } else { 0.0 };
    let h = bb.atan2(a);
    [m, s, h]
}

fn srgb_from_msh([m, s, h]: [f64; 3]) -> [u8; 3] {
    let l = m * s.cos();
    let a = m * s.sin() * h.cos();
    let bb = m * s.sin() * h.sin();
    let fy = (l + 16.0) / 116.0;
    let fx = a / 500.0 + fy;
    let fz = fy - bb / 200.0;
    let finv = |f: f64| {
        let f3 = f * f * f;
        if f3 > 0.008_856 {
            f3
        } else {
            (f - 16.0 / 116.0) / 7.787
        }
    };
    let (x, y, z) = (
        finv(fx) * WHITE[0],
        finv(fy) * WHITE[1],
        finv(fz) * WHITE[2],
    );
    let r = 3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z;
    let g = -0.969_266_0 * x + 1.876_010_8 * y + 0.041_556_0 * z;
    let b = 0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z;
    let gamma = |v: f64| {
        let v = v.clamp(0.0, 1.0);
        if v <= 0.003_130_8 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        }
    };
    [to_byte(gamma(r)), to_byte(gamma(g)), to_byte(gamma(b))]
}

/// Moreland's "adjust hue": when one end is unsaturated, give it a hue spun
/// away from the saturated end so the interpolation does not bend through
/// an unrelated hue.
fn adjust_hue([m, s, h]: [f64; 3], m_unsat: f64) -> f64 {
    if m >= m_unsat {
        return h;
    }
    let spin = s * (m_unsat * m_unsat - m * m).sqrt() / (m * s.sin());
    if h > -std::f64::consts::FRAC_PI_3 {
        h + spin
    } else {
        h - spin
    }
}

fn interpolate_msh(mut c1: [f64; 3], mut c2: [f64; 3], mut t: f64) -> [f64; 3] {
    const SAT: f64 = 0.05;
    // Saturated ends of distant hues: go through white in the middle.
    if c1[1] > SAT && c2[1] > SAT && (c1[2] - c2[2]).abs() > std::f64::consts::FRAC_PI_3 {
        let m_mid = c1[0].max(c2[0]).max(88.0);
        if t < 0.5 {
            c2 = [m_mid, 0.0, 0.0];
            t *= 2.0;
        } else {
            c1 = [m_mid, 0.0, 0.0];
            t = 2.0 * t - 1.0;
        }
    }
    if c1[1] < SAT && c2[1] > SAT {
        c1[2] = adjust_hue(c2, c1[0]);
    } else if c2[1] < SAT && c1[1] > SAT {
        c2[2] = adjust_hue(c1, c2[0]);
    }
    [
        (1.0 - t) * c1[0] + t * c2[0],
        (1.0 - t) * c1[1] + t * c2[1],
        (1.0 - t) * c1[2] + t * c2[2],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
        (0..3).all(|i| (i32::from(a[i]) - i32::from(b[i])).abs() <= tol)
    }

    #[test]
    fn cool_warm_matches_morelands_published_table() {
        // Entries 0, 1, 8, 16 and 32 of the 33-entry table in Moreland (2009).
        let table = [
            (0.0, [59, 76, 192]),
            (1.0 / 32.0, [68, 90, 204]),
            (0.25, [141, 176, 254]),
            (0.5, [221, 221, 221]),
            (1.0, [180, 4, 38]),
        ];
        for (t, want) in table {
            let got = cool_warm(t);
            assert!(close(got, want, 2), "t = {t}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn turbo_runs_from_blue_through_green_to_red() {
        let low = turbo(0.1);
        let mid = turbo(0.5);
        let high = turbo(0.9);
        assert!(low[2] > low[0] && low[2] > low[1], "{low:?}");
        assert!(mid[1] > mid[0] && mid[1] > mid[2], "{mid:?}");
        assert!(high[0] > high[1] && high[0] > high[2], "{high:?}");
    }

    #[test]
    fn nan_is_grey_and_out_of_range_clamps() {
        assert_eq!(map(f64::NAN, 0.0, 100.0), NAN_COLOR);
        assert_eq!(map(-50.0, 0.0, 100.0), turbo(0.0));
        assert_eq!(map(500.0, 0.0, 100.0), turbo(1.0));
        assert_eq!(map(f64::INFINITY, 0.0, 100.0), turbo(1.0));
        assert_eq!(map(3.0, 7.0, 7.0), turbo(0.5));
        assert_eq!(ColorMap::CoolWarm.map(-80.0, -80.0, 20.0), cool_warm(0.0));
    }

    #[test]
    fn lut_ends_are_the_map_ends() {
        for cm in [ColorMap::Turbo, ColorMap::CoolWarm] {
            let lut = cm.lut();
            assert_eq!(lut[0], cm.at(0.0));
            assert_eq!(lut[LUT_SIZE - 1], cm.at(1.0));
        }
    }
}
