//! Sections along the finished centreline: the landing zone and the
//! diameter-versus-depth profile, kept only where the plane lies in the
//! appendage. Units: mm.

use super::contour::unit;
use super::measure::ProfileSample;
use super::section::{plane_section, Section, Surface, FLARE_MAX, JUMP};
use super::wall_axis::{local_axis, Wall};
use crate::mesh::geometry::{dist, sub, V3};
use crate::{Error, Result};

/// Point and unit direction (toward the tip) at arc length `arc` along the
/// polyline `line` (body -> tip), direction taken over +-1.5 mm.
pub fn point_at(line: &[V3], arc: f64) -> (V3, V3) {
    let at = |a: f64| -> V3 {
        let mut acc = 0.0;
        for w in line.windows(2) {
            let l = dist(w[0], w[1]);
            if acc + l >= a && l > 0.0 {
                let t = ((a - acc) / l).clamp(0.0, 1.0);
                return [
                    w[0][0] + t * (w[1][0] - w[0][0]),
                    w[0][1] + t * (w[1][1] - w[0][1]),
                    w[0][2] + t * (w[1][2] - w[0][2]),
                ];
            }
            acc += l;
        }
        line.last().copied().unwrap_or([0.0; 3])
    };
    (at(arc), unit(sub(at(arc + 1.5), at(arc - 1.5))))
}

/// Length of the polyline `line` (mm).
pub fn arc_length(line: &[V3]) -> f64 {
    line.windows(2).map(|w| dist(w[0], w[1])).sum()
}

/// The section at arc length `arc` along `line`, perpendicular to the
/// appendage's local axis there ([`local_axis`] of the appendage's `wall`,
/// for an ostium `diameter` mm wide).
pub(super) fn section_on_line(
    s: &Surface,
    line: &[V3],
    arc: f64,
    wall: &Wall,
    diameter: f64,
) -> std::result::Result<Section, String> {
    let (p, a) = point_at(line, arc);
    plane_section(s, p, local_axis(wall, p, a, diameter))
}

/// Is `sec`, cut at `p`, a section of the appendage (not of the body
/// beside it): its wall does not flare like the body's, its centre stays
/// near `p`, and it is not much larger than the ostium (the neck).
pub(super) fn inside_appendage(sec: &Section, p: V3, ostium: &Section) -> bool {
    sec.flare <= FLARE_MAX
        && dist(sec.lumen().center, p) < 0.25 * sec.lumen().min_diameter_mm + 1.0
        && sec.contour.area_mm2 <= JUMP * ostium.contour.area_mm2
}

/// The landing-zone section `depth` mm beyond the ostium: at arc length
/// `arc` along the centreline, perpendicular to the local axis of the wall
/// (see [`section_on_line`]); where that plane leaves the
/// appendage (a short or wide appendage whose traced centreline bends into
/// its cap), the plane parallel to the ostium at that depth along its
/// normal, with the note to give; an error when neither lies in the
/// appendage.
pub(super) fn landing_zone(
    s: &Surface,
    line: &[V3],
    arc: f64,
    ostium: &Section,
    ost_axis: V3,
    depth: f64,
    wall: &Wall,
) -> Result<(Section, Option<String>)> {
    let (p, _) = point_at(line, arc);
    let first = section_on_line(s, line, arc, wall, ostium.lumen().area_diameter_mm);
    if let Ok(sec) = &first {
        if inside_appendage(sec, p, ostium) {
            return Ok((sec.clone(), None));
        }
    }
    let n = unit(ost_axis);
    let c = ostium.lumen().center;
    let q = [
        c[0] + n[0] * depth,
        c[1] + n[1] * depth,
        c[2] + n[2] * depth,
    ];
    match plane_section(s, q, n) {
        Ok(sec) if inside_appendage(&sec, q, ostium) => Ok((
            sec,
            Some(format!(
                "the centreline's landing-zone plane left the appendage; the landing zone is \
                 the plane parallel to the ostium {depth:.1} mm beyond it"
            )),
        )),
        other => {
            let why = match (first, other) {
                (Err(e), _) | (_, Err(e)) => e,
                _ => "its plane cuts the atrial body, not the appendage".to_string(),
            };
            Err(Error::Unsupported(format!(
                "laa measure: no landing-zone contour {depth:.1} mm beyond the ostium: {why}"
            )))
        }
    }
}

/// The diameter-versus-depth profile: the ostium, then a section every
/// `step` mm along `line` from arc length `ostium_arc` to 1 mm short of
/// the tip. Only true sections of the appendage are kept: near a tight
/// bend a perpendicular plane can also cut the far wall or the body, and
/// such a loop is not a diameter of the appendage.
pub(super) fn profile(
    s: &Surface,
    line: &[V3],
    ostium_arc: f64,
    ostium: &Section,
    step: f64,
    wall: &Wall,
) -> Vec<ProfileSample> {
    let total = arc_length(line);
    let mut out = vec![ProfileSample {
        depth_mm: 0.0,
        contour: ostium.lumen().clone(),
    }];
    let diameter = ostium.lumen().area_diameter_mm;
    let mut d = step;
    while ostium_arc + d < total - 1.0 {
        let (p, _) = point_at(line, ostium_arc + d);
        if let Ok(sec) = section_on_line(s, line, ostium_arc + d, wall, diameter) {
            if inside_appendage(&sec, p, ostium) {
                out.push(ProfileSample {
                    depth_mm: d,
                    contour: sec.lumen().clone(),
                });
            }
        }
        d += step;
    }
    out
}
