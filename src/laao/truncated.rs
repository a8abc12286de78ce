//! Truncated appendages. Imaging-derived surfaces often end the appendage
//! at a cap (the edge of the segmented volume, or a cut closed by a patch)
//! rather than at its closed tip; what is left may be only a stump or a
//! funnel, shorter than any landing zone. With region tags the appendage is
//! still there to measure: its ostium is where the tagged stump meets the
//! body, and its depth is a lower bound. Units: mm.
//!
//! Such a stump is traced from its whole distal end (all tagged nodes near
//! the deepest one), not from one node: geodesic rings from one point of a
//! blunt end spread across it and give no axis. Its ostium is the neck:
//! walking from the end toward the body, the last cross-section before the
//! first lasting jump into the body (the area leaps, or the loop is lost).
//! The wall's flare is not used, as it is for a whole appendage: a stump
//! cut near its mouth is often all funnel, flaring everywhere.

use super::centreline::{geodesic, trace, Station};
use super::contour::{plane_basis, unit};
use super::detect::{centroid_of, Start};
use super::measure::STEP;
use super::ostium::beyond_plane;
use super::section::{plane_section, Section, Surface, JUMP};
use super::traced::Traced;
use crate::mesh::geometry::{dist, dot, sub, V3};

/// Nodes within this height of the deepest tagged node (mm) form the
/// distal end: about one triangle row of a 1-2 mm imaging mesh.
const END_BAND: f64 = 1.0;
/// The trace from the end goes at most this far (geodesic mm): a stump
/// too short for a landing zone meets the body well within it.
const MAX_TRACE: f64 = 40.0;
/// A jump into the body must last this long along the trace (mm), so that
/// one odd section on a coarse or noisy wall does not end the appendage.
const PERSIST: f64 = 1.0;

/// The distal end of a truncated appendage.
#[derive(Debug, Clone)]
pub(super) struct Cap {
    /// Its nodes (the trace's geodesic sources).
    pub(super) nodes: Vec<u32>,
    /// Centroid of those nodes (mm): the tip reported.
    pub(super) centre: V3,
}

/// The tagged nodes (`in_app`) within [`END_BAND`] of the deepest one
/// along `axis` from `origin`.
pub(super) fn end_patch(s: &Surface, in_app: &[bool], origin: V3, axis: V3) -> Option<Cap> {
    let h = |v: usize| dot(sub(s.nodes[v], origin), axis);
    let top = (0..s.nodes.len())
        .filter(|&v| in_app[v])
        .map(h)
        .fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return None;
    }
    let inside: Vec<bool> = (0..s.nodes.len())
        .map(|v| in_app[v] && h(v) >= top - END_BAND)
        .collect();
    let nodes: Vec<u32> = (0..s.nodes.len() as u32)
        .filter(|&v| inside[v as usize])
        .collect();
    Some(Cap {
        centre: centroid_of(s, &nodes),
        nodes,
    })
}

/// The neck among `stations` (end -> body): the last cross-section before
/// the first jump into the body that lasts [`PERSIST`] mm. None when the
/// trace never leaves the stump.
fn neck(stations: &[Station], step: f64) -> Option<usize> {
    let persist = (PERSIST / step).ceil() as usize;
    let mut last: Option<(usize, f64)> = None;
    let mut away = 0;
    for (k, st) in stations.iter().enumerate() {
        let ok = st.section.as_ref().ok().filter(|x| {
            let c = x.lumen();
            dist(c.center, st.centre) < 0.25 * c.min_diameter_mm + 1.0
        });
        match (ok, last) {
            (Some(x), None) => last = Some((k, x.contour.area_mm2)),
            (Some(x), Some((_, a))) if x.contour.area_mm2 <= JUMP * a && away == 0 => {
                last = Some((k, x.contour.area_mm2));
            }
            (_, Some((j, a))) => {
                // A section back within the jump of the neck's area ends
                // the departure (a single odd section).
                if ok.is_some_and(|x| x.contour.area_mm2 <= JUMP * a) {
                    away = 0;
                    last = Some((k, ok.map_or(a, |x| x.contour.area_mm2)));
                    continue;
                }
                away += 1;
                if away >= persist {
                    return Some(j);
                }
            }
            (None, None) => {}
        }
    }
    None
}

/// Largest tilt of the ostium plane from the traced axis (degrees).
const MAX_TILT: f64 = 30.0;

/// The plane through the neck's centre, within [`MAX_TILT`] of the traced
/// axis, that cuts the least area: the section perpendicular to a tube's
/// axis is its smallest through a given centre, and a stump's trace is too
/// short to fix its axis (on a coarse mesh its direction swings by tens of
/// degrees from one station to the next). Planes whose loop strays from
/// the centre (they cut into the body) are skipped.
fn least_area_plane(s: &Surface, sec: Section, axis: V3) -> (Section, V3) {
    let c = sec.lumen().center;
    let (e1, e2) = plane_basis(axis);
    let mut best = (sec, axis);
    for tilt in [10.0f64, 20.0, MAX_TILT] {
        for k in 0..12 {
            let az = (k as f64 * 30.0).to_radians();
            let (st, ct) = tilt.to_radians().sin_cos();
            let n =
                unit([0, 1, 2].map(|d| ct * axis[d] + st * (az.cos() * e1[d] + az.sin() * e2[d])));
            if let Ok(x) = plane_section(s, c, n) {
                let l = x.lumen();
                if dist(l.center, c) < 0.25 * l.min_diameter_mm + 1.0
                    && l.area_mm2 < best.0.lumen().area_mm2
                {
                    best = (x, n);
                }
            }
        }
    }
    best
}

/// Trace the truncated appendage of `start` (whose `cap` is its distal
/// end) and place its ostium at the neck.
pub(super) fn trace_truncated(s: &Surface, start: &Start) -> Result<Traced, String> {
    let cap = start
        .cap
        .as_ref()
        .ok_or("no distal end to trace the truncated appendage from")?;
    let d = geodesic(s, &cap.nodes, None);
    let margin = (2.0 * PERSIST / STEP).ceil() as usize + 2;
    let stop = |sts: &[Station]| neck(sts, STEP).is_some_and(|k| sts.len() > k + margin);
    let stations = trace(s, &d, STEP, MAX_TRACE, 3, stop, |sts| neck(sts, STEP));
    let k = neck(&stations, STEP)
        .ok_or("the truncated appendage never opens into a wider body along its trace")?;
    let st = &stations[k];
    let first = st
        .section
        .clone()
        .map_err(|e| format!("at the truncated appendage's neck: {e}"))?;
    let (ostium, axis) = least_area_plane(s, first, st.axis);
    let beyond = beyond_plane(s, start.tip, ostium.lumen().center, axis);
    Ok(Traced {
        ostium_axis: axis,
        ostium_station: k,
        ostium,
        beyond,
        stations,
    })
}
