//! The appendage's first bend along the device's deployment axis, and a
//! morphology description from the measured numbers.
//!
//! A device body is straight: it is delivered along the ostium normal (the
//! axis the centreline leaves the ostium along) and cannot follow the lumen
//! round a bend. So the depth it can use is the depth along that axis up to
//! the first bend, not the depth of the tip (a chicken-wing appendage that
//! bends 110 degrees 14 mm in is about 31 mm deep to its tip, yet a device
//! meets its wall soon after 14 mm).
//!
//! **Bend threshold**: the centreline's direction, taken over +-3 mm, turning
//! more than [`BEND_THRESHOLD_DEG`] = 30 degrees away from the deployment
//! axis is a bend. Beyond 30 degrees the lumen moves sideways by at least
//! half of every millimetre it goes deeper (sin 30 = 0.5), so a straight
//! device body meets the outer wall within about one device radius of
//! going on; below it, a lumen that compresses the device by 10-30 %
//! (LAAO.md, Watchman FLX) still holds it. So the depth to the bend is the
//! depth along the axis of the point where the turn crosses 30 degrees
//! (a bend of radius 11 mm starting 14 mm in: 14 + 11 sin 30 = 19.5 mm),
//! not where it starts: taking the start (tried first, at 15 degrees) left
//! the chicken wing 11.5 mm and refused even the 7.5 mm Amulet lobe, which
//! the 30-degree argument says still holds.
//!
//! **Morphology** (LAAO.md): the four classes are unreliable between readers
//! (kappa about 0.24), so the description states the measured bend angle and
//! depths and names the nearest class as "-like": a turn of more than
//! [`SHARP_BEND_DEG`] = 80 degrees (the main axis angulated below 100 degrees,
//! the criterion of Veinot et al., Circulation 1997, that LAAO.md quotes) is
//! chicken-wing-like; an appendage shallower than its widest ostium
//! diameter is cauliflower-like (short and broad); otherwise windsock-like
//! (one dominant lobe). Side lobes (cactus) are not assessed. Units: mm,
//! degrees.

use super::centreline::{geodesic, ring_centres};
use super::contour::unit;
use super::landing::{arc_length, point_at};
use super::section::Surface;
use crate::mesh::geometry::{dot, sub, V3};
use serde::Serialize;

/// A turn of the centreline away from the deployment axis larger than this
/// (degrees) is a bend (see the module doc for why 30).
pub const BEND_THRESHOLD_DEG: f64 = 30.0;
/// A bend of more than this (degrees) is sharp: chicken-wing-like.
pub const SHARP_BEND_DEG: f64 = 80.0;
/// Half-width of the span over which the centreline's direction is taken
/// (mm): wide enough that the re-centred stations' sideways wobble on a
/// noisy wall does not read as a turn.
const DIRECTION_SPAN: f64 = 3.0;
/// The last stretch of the centreline (mm) before the tip is not judged:
/// the line ends on a surface node of the tip cap, which can lie off the
/// lumen's axis.
const TIP_MARGIN: f64 = 3.0;
/// Spacing of the stations the direction is sampled at (mm).
const SAMPLE: f64 = 0.5;

/// The first bend of the appendage beyond the ostium.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bend {
    /// Largest angle (degrees) between the centreline beyond the bend and
    /// the deployment axis.
    pub angle_deg: f64,
    /// Depth (mm) along the deployment axis, from the ostium plane, of the
    /// point where the turn crosses [`BEND_THRESHOLD_DEG`]: the room a
    /// straight device has.
    pub depth_mm: f64,
    /// Arc length (mm) along the centreline from the ostium to that point.
    pub arc_mm: f64,
}

/// The nearest of the classic morphology classes (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MorphologyClass {
    ChickenWing,
    Windsock,
    Cauliflower,
    /// Truncated appendage: not classified.
    Unknown,
}

impl MorphologyClass {
    pub fn label(self) -> &'static str {
        match self {
            MorphologyClass::ChickenWing => "chicken-wing-like",
            MorphologyClass::Windsock => "windsock-like",
            MorphologyClass::Cauliflower => "cauliflower-like",
            MorphologyClass::Unknown => "not classified",
        }
    }
}

/// Morphology: the nearest class and a sentence with the numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Morphology {
    pub class: MorphologyClass,
    pub description: String,
}

/// The first bend of `line` (body -> tip) beyond the ostium at arc length
/// `ostium_arc`, against the deployment axis `axis` through `ostium_centre`;
/// None when the centreline stays within [`BEND_THRESHOLD_DEG`] of the axis.
pub fn first_bend(line: &[V3], ostium_arc: f64, ostium_centre: V3, axis: V3) -> Option<Bend> {
    let axis = unit(axis);
    let end = arc_length(line) - TIP_MARGIN;
    let at = |a: f64| point_at(line, a).0;
    let deviation = |a: f64| {
        let d = unit(sub(at(a + DIRECTION_SPAN), at(a - DIRECTION_SPAN)));
        dot(d, axis).clamp(-1.0, 1.0).acos().to_degrees()
    };
    // (arc, deviation) from the ostium toward the tip, short of the margin.
    let samples: Vec<(f64, f64)> = (0..)
        .map(|k| ostium_arc + k as f64 * SAMPLE)
        .take_while(|&a| a + DIRECTION_SPAN <= end)
        .map(|a| (a, deviation(a)))
        .collect();
    let crossed = samples
        .iter()
        .position(|&(_, dev)| dev > BEND_THRESHOLD_DEG)?;
    // Where the deviation crosses the threshold, between two samples.
    let start = match crossed.checked_sub(1).map(|k| samples[k]) {
        Some((a0, d0)) => {
            let (a1, d1) = samples[crossed];
            a0 + (a1 - a0) * ((BEND_THRESHOLD_DEG - d0) / (d1 - d0)).clamp(0.0, 1.0)
        }
        None => ostium_arc,
    };
    let angle = samples[crossed..]
        .iter()
        .map(|&(_, dev)| dev)
        .fold(0.0, f64::max);
    Some(Bend {
        angle_deg: angle,
        depth_mm: dot(sub(at(start), ostium_centre), axis).max(0.0),
        arc_mm: start - ostium_arc,
    })
}

/// The direction (unit) of the appendage's lumen near its far end: the
/// surface node farthest from the ostium rim along the wall of the
/// appendage (`beyond`: its nodes beyond the ostium plane through
/// `ostium_centre` with normal `axis`), and the centres of the geodesic
/// rings 4 to 10 mm from it. The centreline ends at the point deepest along
/// the axis, which in a sharply bent appendage is the outer wall of the
/// bend, not its far end: this sees the bend's full turn. None when the
/// rings cannot be found.
pub(super) fn distal_direction(
    s: &Surface,
    beyond: &[bool],
    ostium_centre: V3,
    axis: V3,
) -> Option<V3> {
    let axis = unit(axis);
    let rim: Vec<u32> = (0..s.nodes.len() as u32)
        .filter(|&v| beyond[v as usize] && dot(sub(s.nodes[v as usize], ostium_centre), axis) < 1.0)
        .collect();
    if rim.is_empty() {
        return None;
    }
    let from_rim = geodesic(s, &rim, Some(beyond));
    let far = (0..s.nodes.len() as u32)
        .filter(|&v| from_rim[v as usize].is_finite())
        .max_by(|&a, &b| from_rim[a as usize].total_cmp(&from_rim[b as usize]))?;
    let from_far = geodesic(s, &[far], Some(beyond));
    let rings = ring_centres(s, &from_far, 2.0, 11.0);
    // Rings at 2, 4, ... mm: skip the cap's first ring, span the rest (on
    // the chicken wing 2-8 mm gives 69 degrees, 4-10 mm 77, the truth 110:
    // the far end's rings still feel the cap).
    let (near, deep) = (rings.get(1)?, rings.last()?);
    let d = sub(*near, *deep);
    (crate::mesh::geometry::norm(d) > 2.0).then(|| unit(d))
}

/// The angle (degrees) between `dir` and `axis`.
pub fn angle_deg(dir: V3, axis: V3) -> f64 {
    dot(unit(dir), unit(axis))
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

/// The morphology of an appendage `depth_mm` deep (to its tip) with an
/// ostium `ostium_max_mm` wide at most and the first bend `bend`.
pub fn describe(
    bend: Option<&Bend>,
    depth_mm: f64,
    ostium_max_mm: f64,
    truncated: bool,
) -> Morphology {
    if truncated {
        return Morphology {
            class: MorphologyClass::Unknown,
            description: "not classified: the appendage is truncated, its tip is not in the mesh"
                .to_string(),
        };
    }
    let bend_words = match bend {
        Some(b) => format!(
            "its main axis bends {:.0}° {:.1} mm beyond the ostium (along the deployment axis)",
            b.angle_deg, b.depth_mm
        ),
        None => {
            format!("its main axis stays within {BEND_THRESHOLD_DEG:.0}° of the deployment axis")
        }
    };
    let (class, what) = match bend {
        Some(b) if b.angle_deg > SHARP_BEND_DEG => (
            MorphologyClass::ChickenWing,
            format!("a sharp bend (more than {SHARP_BEND_DEG:.0}°) of the main lobe"),
        ),
        _ if depth_mm < ostium_max_mm => (
            MorphologyClass::Cauliflower,
            format!(
                "short and broad: {depth_mm:.1} mm deep, less than its widest ostium diameter \
                 ({ostium_max_mm:.1} mm)"
            ),
        ),
        _ => (
            MorphologyClass::Windsock,
            format!("one dominant lobe {depth_mm:.1} mm deep"),
        ),
    };
    Morphology {
        class,
        description: format!(
            "{}: {what}; {bend_words}. Morphology classes vary between readers; the numbers \
             are what count (side lobes not assessed)",
            class.label()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A centreline: 10 mm in the body, `straight` mm along +z, then an arc
    /// of radius `r` turning by `turn` degrees toward +x, then 10 mm on.
    fn bent_line(straight: f64, r: f64, turn: f64) -> Vec<V3> {
        let mut line = vec![];
        let mut z = -10.0;
        while z <= straight {
            line.push([0.0, 0.0, z]);
            z += 0.25;
        }
        let n = (turn / 1.0).ceil() as usize;
        for k in 1..=n {
            let t = (turn * k as f64 / n as f64).to_radians();
            line.push([r * (1.0 - t.cos()), 0.0, straight + r * t.sin()]);
        }
        let t = turn.to_radians();
        let end = [r * (1.0 - t.cos()), 0.0, straight + r * t.sin()];
        for k in 1..=40 {
            let s = k as f64 * 0.25;
            line.push([end[0] + s * t.sin(), 0.0, end[2] + s * t.cos()]);
        }
        line
    }

    #[test]
    fn a_110_degree_bend_after_14_mm_is_found_where_it_turns_30_degrees() {
        let line = bent_line(14.0, 11.0, 110.0);
        let b = first_bend(&line, 10.0, [0.0; 3], [0.0, 0.0, 1.0]).expect("a bend");
        assert!((b.angle_deg - 110.0).abs() < 3.0, "{b:?}");
        // 14 + 11 sin 30 = 19.5 mm; the +-3 mm chord turns a little later.
        assert!((b.depth_mm - 19.5).abs() < 1.0, "{b:?}");
        let m = describe(Some(&b), 31.0, 23.0, false);
        assert_eq!(m.class, MorphologyClass::ChickenWing);
        assert!(m.description.contains("110°"), "{}", m.description);
    }

    #[test]
    fn a_straight_appendage_or_a_gentle_curve_has_no_bend() {
        assert_eq!(
            first_bend(&bent_line(40.0, 11.0, 0.0), 10.0, [0.0; 3], [0.0, 0.0, 1.0]),
            None
        );
        assert_eq!(
            first_bend(
                &bent_line(14.0, 20.0, 25.0),
                10.0,
                [0.0; 3],
                [0.0, 0.0, 1.0]
            ),
            None
        );
        let m = describe(None, 40.0, 24.0, false);
        assert_eq!(m.class, MorphologyClass::Windsock);
        let m = describe(None, 19.0, 25.0, false);
        assert_eq!(m.class, MorphologyClass::Cauliflower);
    }
}
