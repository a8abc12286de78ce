//! Tracing the centreline from a tip and locating the ostium on it: from
//! the walk (see [`super::ostium`]), or, with region tags, at the tag
//! border itself: its closed loop, smoothed along its length and measured
//! in its least-squares plane (robust to noise and uneven triangles);
//! where the border is not one closed loop, the section where it crosses
//! the centreline. Units: mm.

use super::centreline::{geodesic, trace, Station};
use super::contour::{unit, Contour};
use super::detect::{border_normal, centroid_of, Start};
use super::measure::STEP;
use super::ostium::{
    beyond_plane, find_ostium, refine_ostium, reorient_ostium, tag_border_loop, Beyond,
};
use super::section::{plane_section, smooth_loop, Section, Surface, FLARE_MAX};
use super::{APPENDAGE_TAG, BODY_TAG};
use crate::mesh::geometry::{dist, dot, sub, V3};

/// Half-width of the running average along the tag border (mm): it shrinks
/// a 12 mm radius by about 1 % (0.1 mm) while averaging out sub-mm noise
/// and the zig-zag of a border that follows triangle edges.
const BORDER_SMOOTH: f64 = 3.0;

/// Everything measured from a tip, before the contours are finished.
pub(super) struct Traced {
    pub(super) stations: Vec<Station>,
    pub(super) ostium: Section,
    pub(super) ostium_station: usize,
    /// Unit normal of the ostium plane, toward the tip.
    pub(super) ostium_axis: V3,
    pub(super) beyond: Beyond,
}

/// Trace from `tip` and locate the ostium (from `border` when given).
pub(super) fn trace_from(
    s: &Surface,
    start: &Start,
    step: f64,
    passes: usize,
) -> std::result::Result<Traced, String> {
    // From a cap, the rings run parallel to its rim down the appendage.
    let d = match &start.cap {
        Some(cap) => geodesic(s, &cap.nodes, None),
        None => geodesic(s, &[start.tip], None),
    };
    let dmax = d
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let g_max = 0.75 * dmax;
    let border_side = |st: &Station, b: &[u32]| {
        b.iter()
            .map(|&v| dot(sub(s.nodes[v as usize], st.centre), st.axis))
            .sum::<f64>()
            / b.len() as f64
    };
    let margin = (4.0 / step).ceil() as usize + 2;
    // The border's centroid and least-squares plane normal (toward the
    // tip): a station's centre past that plane is in the body.
    let plane = start.border.as_ref().map(|b| {
        let bc = centroid_of(s, b);
        (bc, border_normal(s, b, unit(sub(start.tip_point(s), bc))))
    });
    let stop = |sts: &[Station]| match (&start.border, plane) {
        (Some(b), Some((bc, n))) => {
            sts.len() > margin && {
                let st = &sts[sts.len() - 1 - margin];
                border_side(st, b) > 0.0 && dot(sub(st.centre, bc), n) < 0.0
            }
        }
        (Some(b), None) => sts.len() > margin && border_side(&sts[sts.len() - 1 - margin], b) > 0.0,
        _ => find_ostium(sts, step).is_some_and(|k| sts.len() > k + margin + (8.0 / step) as usize),
    };
    // Where the previous round met the ostium, so that later rounds go
    // straight past it (see [`trace`]): with tags, the first station on
    // the body side of the border nearest its centroid; a side lobe near
    // the neck would otherwise pull the ring centroids and tilt the planes.
    let neck = |sts: &[Station]| match &start.border {
        Some(b) => {
            let bc = centroid_of(s, b);
            (1..sts.len())
                .filter(|&k| border_side(&sts[k - 1], b) < 0.0 && border_side(&sts[k], b) >= 0.0)
                .min_by(|&x, &y| dist(sts[x].centre, bc).total_cmp(&dist(sts[y].centre, bc)))
                .map(|k| k - 1)
        }
        None => find_ostium(sts, step),
    };
    let stations = trace(s, &d, step, g_max, passes, stop, neck);
    if stations.is_empty() {
        return Err("the surface around the tip is too small to trace".into());
    }
    let (k, ostium) = match &start.border {
        Some(b) => {
            let bc = centroid_of(s, b);
            // The tag border is the ostium by definition: its closed loop,
            // smoothed along its length (noise and uneven triangles make it
            // zig-zag) and measured in the border's least-squares plane. A
            // section in that plane would instead cross the noisy wall back
            // and forth along the whole border, and a walk along noisy
            // sections would place it off the border.
            let toward = unit(sub(start.tip_point(s), bc));
            let ax = border_normal(s, b, toward);
            if let (Some(lp), true) = (
                tag_border_loop(s, APPENDAGE_TAG, BODY_TAG),
                toward != [0.0; 3],
            ) {
                let contour = Contour::from_loop(smooth_loop(&lp, BORDER_SMOOTH), ax);
                let oc = contour.center;
                // The centreline keeps the stations on the tip side of
                // the ostium plane, up to the crossing nearest the ostium
                // centre (a bent appendage's tip can fold back across the
                // plane far from it).
                let h = |k: usize| dot(sub(stations[k].centre, oc), ax);
                let near = |k: &usize| dist(stations[*k].centre, oc);
                let k = (1..stations.len())
                    .filter(|&k| h(k - 1) > 0.0 && h(k) <= 0.0)
                    .min_by(|x, y| near(x).total_cmp(&near(y)))
                    .or_else(|| (0..stations.len()).min_by(|x, y| near(x).total_cmp(&near(y))))
                    .unwrap_or(0);
                let beyond = beyond_plane(s, start.tip, oc, ax);
                let sec = Section {
                    contour,
                    trimmed: None,
                    flare: 0.0,
                    gap_mm: 0.0,
                };
                return Ok(Traced {
                    stations,
                    ostium: sec,
                    ostium_station: k,
                    ostium_axis: ax,
                    beyond,
                });
            }
            // A broken border: where it crosses the traced centreline. Mean
            // signed height of the border over each station's plane:
            // negative while the plane is on the tip side of the border. The
            // crossing nearest the border's centroid counts (stations at the
            // very tip have no reliable direction).
            let k = (1..stations.len())
                .filter(|&k| {
                    border_side(&stations[k - 1], b) < 0.0 && border_side(&stations[k], b) >= 0.0
                })
                .min_by(|&x, &y| {
                    dist(stations[x].centre, bc).total_cmp(&dist(stations[y].centre, bc))
                })
                .ok_or("the appendage tag border never crosses the centreline")?;
            let (h0, h1) = (
                border_side(&stations[k - 1], b),
                border_side(&stations[k], b),
            );
            let t = if h1 > h0 { -h0 / (h1 - h0) } else { 0.0 };
            let st = &stations[k - 1];
            let p = [
                st.centre[0] - st.axis[0] * t * step,
                st.centre[1] - st.axis[1] * t * step,
                st.centre[2] - st.axis[2] * t * step,
            ];
            let sec =
                plane_section(s, p, st.axis).map_err(|e| format!("at the tagged ostium: {e}"))?;
            if sec.flare <= FLARE_MAX {
                (k - 1, sec)
            } else {
                // The tag border dips into the flaring body wall: keep the
                // last appendage-like plane before it.
                let j = (0..k)
                    .rev()
                    .find(|&j| {
                        stations[j]
                            .section
                            .as_ref()
                            .is_ok_and(|x| x.flare <= FLARE_MAX)
                    })
                    .ok_or("no appendage-like cross-section before the tag border")?;
                let span = (k - j) as f64 * step;
                let sec = refine_ostium(s, &stations[j], span, step <= STEP)
                    .ok_or("the ostium section vanished")?;
                (j, sec)
            }
        }
        None => {
            let k = find_ostium(&stations, step)
                .ok_or("no neck where a tube-like part meets a wider body")?;
            let sec = refine_ostium(s, &stations[k], step, step <= STEP)
                .ok_or("the ostium section vanished")?;
            if step <= STEP {
                let (sec, axis) = reorient_ostium(s, start.tip, &stations[k], sec, step);
                let beyond = beyond_plane(s, start.tip, sec.contour.center, axis);
                return Ok(Traced {
                    ostium_axis: axis,
                    stations,
                    ostium: sec,
                    ostium_station: k,
                    beyond,
                });
            }
            (k, sec)
        }
    };
    let beyond = beyond_plane(s, start.tip, ostium.contour.center, stations[k].axis);
    Ok(Traced {
        ostium_axis: stations[k].axis,
        stations,
        ostium,
        ostium_station: k,
        beyond,
    })
}
