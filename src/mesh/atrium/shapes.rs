//! Distance-field primitives (mm) and the seeded noise used by [`super::sdf`].

use super::V3;
use crate::mesh::geometry::{cross, dot, norm, sub};

pub(crate) fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
pub(crate) fn scale(a: V3, s: f64) -> V3 {
    [a[0] * s, a[1] * s, a[2] * s]
}
pub(crate) fn unit(a: V3) -> V3 {
    let n = norm(a);
    if n > 0.0 {
        scale(a, 1.0 / n)
    } else {
        a
    }
}
pub(crate) fn lerp(a: f64, b: f64, s: f64) -> f64 {
    a + (b - a) * s
}
pub(crate) fn smoothstep(e0: f64, e1: f64, x: f64) -> f64 {
    let s = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    s * s * (3.0 - 2.0 * s)
}
/// Rotate `v` about the unit axis `k` by `angle` (rad), Rodrigues.
pub(crate) fn rotate(v: V3, k: V3, angle: f64) -> V3 {
    let (s, c) = angle.sin_cos();
    let kxv = cross(k, v);
    let kv = dot(k, v);
    [
        v[0] * c + kxv[0] * s + k[0] * kv * (1.0 - c),
        v[1] * c + kxv[1] * s + k[1] * kv * (1.0 - c),
        v[2] * c + kxv[2] * s + k[2] * kv * (1.0 - c),
    ]
}

/// An orthonormal basis of the plane with unit normal `n`.
pub(crate) fn plane_basis(n: V3) -> (V3, V3) {
    let helper = if n[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let e1 = unit(cross(n, helper));
    (e1, cross(n, e1))
}

/// Approximate distance to an axis-aligned ellipsoid of semi-axes `r`
/// centred at the origin (Quilez's bound: exact sign, near-exact near the
/// surface).
pub(crate) fn ellipsoid_sdf(p: V3, r: V3) -> f64 {
    let q = [p[0] / r[0], p[1] / r[1], p[2] / r[2]];
    let k0 = norm(q);
    let k1 = norm([q[0] / r[0], q[1] / r[1], q[2] / r[2]]);
    if k1 < 1e-12 {
        return -r[0].min(r[1]).min(r[2]);
    }
    k0 * (k0 - 1.0) / k1
}

/// Approximate distance to an ellipse of semi-axes (a, b) in its plane.
pub(crate) fn ellipse_sdf(u: f64, v: f64, a: f64, b: f64) -> f64 {
    let k0 = (u / a).hypot(v / b);
    let k1 = (u / (a * a)).hypot(v / (b * b));
    if k1 < 1e-12 {
        return -a.min(b);
    }
    k0 * (k0 - 1.0) / k1
}

/// Exact distance to a capped cylinder from `a` to `b` of radius `r`.
pub(crate) fn capped_cylinder_sdf(p: V3, a: V3, b: V3, r: f64) -> f64 {
    let ba = sub(b, a);
    let pa = sub(p, a);
    let baba = dot(ba, ba);
    let paba = dot(pa, ba);
    let x = norm(sub(scale(pa, baba), scale(ba, paba))) - r * baba;
    let y = (paba - baba * 0.5).abs() - baba * 0.5;
    let x2 = x * x;
    let y2 = y * y * baba;
    let d = if x.max(y) < 0.0 {
        -x2.min(y2)
    } else {
        (if x > 0.0 { x2 } else { 0.0 }) + (if y > 0.0 { y2 } else { 0.0 })
    };
    d.signum() * d.abs().sqrt() / baba
}

/// Polynomial smooth minimum with blending width `k` (mm): equal to
/// `min(a, b)` wherever |a - b| >= k.
pub(crate) fn smin(a: f64, b: f64, k: f64) -> f64 {
    let h = (k - (a - b).abs()).max(0.0) / k;
    a.min(b) - h * h * k * 0.25
}

/// Smooth maximum, the mirror of [`smin`].
pub(crate) fn smax(a: f64, b: f64, k: f64) -> f64 {
    -smin(-a, -b, k)
}

/// A capped cylinder from `a` to `b` of radius `r` whose end edges are
/// rounded with radius `e` (sharp 90-degree edges make surface nets emit
/// non-manifold edges).
pub(crate) fn rounded_cylinder_sdf(p: V3, a: V3, b: V3, r: f64, e: f64) -> f64 {
    let ax = unit(sub(b, a));
    capped_cylinder_sdf(p, add(a, scale(ax, e)), sub(b, scale(ax, e)), r - e) - e
}

/// Exact distance to a capsule (segment `a`-`b`, radius `r`).
pub(crate) fn capsule_sdf(p: V3, a: V3, b: V3, r: f64) -> f64 {
    let ba = sub(b, a);
    let pa = sub(p, a);
    let h = (dot(pa, ba) / dot(ba, ba)).clamp(0.0, 1.0);
    norm(sub(pa, scale(ba, h))) - r
}

/// Distance along the ray from the origin in unit direction `d` to the
/// surface of the ellipsoid with semi-axes `r`.
pub(crate) fn ray_to_ellipsoid(d: V3, r: V3) -> f64 {
    1.0 / ((d[0] / r[0]).powi(2) + (d[1] / r[1]).powi(2) + (d[2] / r[2]).powi(2)).sqrt()
}

pub(crate) fn inside_ellipsoid(p: V3, r: V3) -> bool {
    (p[0] / r[0]).powi(2) + (p[1] / r[1]).powi(2) + (p[2] / r[2]).powi(2) < 1.0
}

/// Largest offset `h` along `n` (to 0.1 mm, then refined) such that every
/// point of `outline(h)` is `inside` the body. None if no h >= 0 works.
pub(crate) fn fit_plane_cut(
    r: V3,
    n: V3,
    inside: impl Fn(V3) -> bool,
    outline: impl Fn(f64) -> Vec<V3>,
) -> Option<f64> {
    let ok = |h: f64| outline(h).into_iter().all(&inside);
    // Scan down from the surface (the fit need not be monotonic in h once
    // the mitral cut is involved), then refine by bisection.
    let top = ray_to_ellipsoid(n, r);
    let steps = (top / 0.1).ceil() as usize;
    let k = (0..=steps).find(|&k| ok(top - 0.1 * k as f64))?;
    let (mut lo, mut hi) = (top - 0.1 * k as f64, top - 0.1 * k as f64 + 0.1);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// Seeded 3D value noise in [-1, 1].
#[derive(Debug, Clone)]
pub struct Noise {
    pub seed: u64,
}

impl Noise {
    fn hash(&self, i: i64, j: i64, k: i64) -> f64 {
        // splitmix64 of the lattice coordinates and the seed.
        let mut z = self
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add((i as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
            .wrapping_add((j as u64).wrapping_mul(0x94D0_49BB_1331_11EB))
            .wrapping_add((k as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    fn value(&self, p: V3) -> f64 {
        let fl = [p[0].floor(), p[1].floor(), p[2].floor()];
        let f = [p[0] - fl[0], p[1] - fl[1], p[2] - fl[2]];
        let s = f.map(|x| x * x * x * (x * (x * 6.0 - 15.0) + 10.0));
        let (i, j, k) = (fl[0] as i64, fl[1] as i64, fl[2] as i64);
        let mut acc = 0.0;
        for c in 0..8 {
            let (di, dj, dk) = (c & 1, (c >> 1) & 1, (c >> 2) & 1);
            let w = (if di == 1 { s[0] } else { 1.0 - s[0] })
                * (if dj == 1 { s[1] } else { 1.0 - s[1] })
                * (if dk == 1 { s[2] } else { 1.0 - s[2] });
            acc += w * self.hash(i + di as i64, j + dj as i64, k + dk as i64);
        }
        acc
    }

    /// Two octaves, |result| <= 1, at wavelength `lambda` (mm).
    pub fn at(&self, p: V3, lambda: f64) -> f64 {
        let q = scale(p, 1.0 / lambda);
        0.7 * self.value(q) + 0.3 * self.value(add(scale(q, 2.0), [17.3, -4.1, 9.7]))
    }
}
