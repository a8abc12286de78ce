//! Appendage measurement: centreline, cross-sections, ostium, landing zone,
//! depth and the diameter-versus-depth profile.
//!
//! How the appendage is found, in order: the tip the user gives; else the
//! appendage region tag ([`super::APPENDAGE_TAG`] next to [`super::BODY_TAG`]):
//! the tip is the tagged node farthest (geodesically) from the tag border;
//! else detection: the surface's extremities (farthest-point sampling on
//! geodesic distance) are each traced and the appendage is the largest
//! blind-ended protrusion with a neck (depth x body-to-ostium diameter ratio), see [`find_ostium`].
//!
//! The ostium is the most proximal cross-section, walking from the tip, that
//! still lies wholly in the appendage: its wall everywhere within 45 degrees
//! of the local axis (the body wall flares out) and its area not jumping;
//! brief violations (a side lobe's mouth) are tolerated. With region tags the
//! ostium is the tag border itself: its closed loop, smoothed along its length
//! and measured in its least-squares plane (robust to noise and uneven
//! triangles); where the border is not one closed loop, the section where it
//! crosses the centreline. Units: mm.

use super::centreline::{extremities, geodesic, nearest_node, smooth, trace, Station};
use super::contour::{unit, Contour};
use super::ostium::{beyond_plane, find_ostium, refine_ostium, tag_border_loop, Beyond};
use super::section::{plane_section, smooth_loop, Section, Surface, FLARE_MAX, JUMP};
use super::{APPENDAGE_TAG, BODY_TAG};
use crate::mesh::geometry::{dist, dot, sub, V3};
use crate::{Error, Mesh, Result};
use rayon::prelude::*;
use serde::Serialize;

/// What to measure and how.
#[derive(Debug, Clone)]
pub struct MeasureOptions {
    /// Appendage tip (mm). None: from the appendage region tag, else detected.
    pub tip: Option<V3>,
    /// Depth of the landing-zone plane beyond the ostium plane (mm).
    pub landing_zone_depth_mm: f64,
    /// Spacing of the diameter-versus-depth profile (mm).
    pub profile_step_mm: f64,
}

impl Default for MeasureOptions {
    fn default() -> Self {
        MeasureOptions {
            tip: None,
            landing_zone_depth_mm: 10.0,
            profile_step_mm: 1.0,
        }
    }
}

/// One sample of the diameter-versus-depth profile.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileSample {
    /// Depth beyond the ostium, along the centreline (mm).
    pub depth_mm: f64,
    pub contour: Contour,
}

/// The measured appendage.
#[derive(Debug, Clone, Serialize)]
pub struct LaaMeasurement {
    /// Ostium contour; its normal points into the appendage (toward the tip).
    pub ostium: Contour,
    pub landing_zone: Contour,
    pub landing_zone_depth_mm: f64,
    /// Distance from the ostium plane to the deepest point of the appendage
    /// (the tip), along the ostium normal (mm).
    pub depth_mm: f64,
    pub tip: V3,
    /// Centreline from the atrial body to the tip (mm).
    pub centreline: Vec<V3>,
    /// Arc length along the centreline at which the ostium lies (mm).
    pub ostium_arc_mm: f64,
    pub profile: Vec<ProfileSample>,
    /// How the appendage was found: "tip", "region tag" or "detected".
    pub found_by: String,
    /// What the measurement had to work around (a hole closed in a contour).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Spacing of the centreline stations (mm) for the final measurement and
/// for screening candidates in detection.
const STEP: f64 = 0.5;
const SCREEN_STEP: f64 = 1.0;
/// Extremities tried when detecting the appendage.
const CANDIDATES: usize = 10;
/// How much wider than the ostium the body must be (area-derived diameters).
const NECK_RATIO: f64 = 1.3;
/// Length of the straight centreline piece drawn into the body (mm).
const BODY_REACH: f64 = 10.0;
/// Half-width of the running average along the tag border (mm): it shrinks
/// a 12 mm radius by about 1 % (0.1 mm) while averaging out sub-mm noise
/// and the zig-zag of a border that follows triangle edges.
const BORDER_SMOOTH: f64 = 3.0;

fn no_appendage(why: &str) -> Error {
    Error::Unsupported(format!("no appendage found: {why}"))
}

fn centroid_of(s: &Surface, nodes: &[u32]) -> V3 {
    let mut c = [0.0; 3];
    let w = 1.0 / nodes.len().max(1) as f64;
    for &v in nodes {
        for (ck, pk) in c.iter_mut().zip(s.nodes[v as usize]) {
            *ck += pk * w;
        }
    }
    c
}

/// Unit normal of the plane best fitting the tag-border nodes, on the side
/// of `toward` (the direction from the border to the appendage). The tip is
/// first sought as the appendage's deepest point along it, as the depth is
/// measured along the ostium normal; the direction to the appendage's
/// centroid leans toward a side lobe or a bend. Falls back to `toward` when
/// the border is degenerate (a line or a point).
fn border_normal(s: &Surface, border: &[u32], toward: V3) -> V3 {
    let m = centroid_of(s, border);
    let mut cov = [[0.0; 3]; 3];
    for &v in border {
        let r = sub(s.nodes[v as usize], m);
        for a in 0..3 {
            for b in 0..3 {
                cov[a][b] += r[a] * r[b];
            }
        }
    }
    // Smallest eigenvector of cov = largest of (trace I - cov): power
    // iteration from `toward`.
    let tr = cov[0][0] + cov[1][1] + cov[2][2];
    if border.len() < 3 || tr <= 0.0 {
        return toward;
    }
    let mut v = toward;
    for _ in 0..50 {
        let w = unit(
            [0, 1, 2].map(|a| tr * v[a] - (cov[a][0] * v[0] + cov[a][1] * v[1] + cov[a][2] * v[2])),
        );
        if w == [0.0; 3] {
            return toward;
        }
        v = w;
    }
    if dot(v, toward) < 0.0 {
        [-v[0], -v[1], -v[2]]
    } else {
        v
    }
}

/// Where the appendage is and how it was found.
struct Start {
    tip: u32,
    found_by: &'static str,
    /// Tag-border nodes, when the ostium comes from the region tags.
    border: Option<Vec<u32>>,
    /// A second tip candidate, tried when tracing from `tip` fails.
    alt_tip: Option<u32>,
}

fn tag_border(s: &Surface) -> Option<(Vec<u32>, Vec<bool>)> {
    let mut in_app = vec![false; s.nodes.len()];
    let mut in_body = vec![false; s.nodes.len()];
    for (t, &r) in s.tris.iter().zip(&s.tri_region) {
        for &v in t {
            if r == APPENDAGE_TAG {
                in_app[v as usize] = true;
            } else if r == BODY_TAG {
                in_body[v as usize] = true;
            }
        }
    }
    let border: Vec<u32> = (0..s.nodes.len() as u32)
        .filter(|&v| in_app[v as usize] && in_body[v as usize])
        .collect();
    if border.is_empty() {
        None
    } else {
        Some((border, in_app))
    }
}

/// Everything measured from a tip, before the contours are finished.
struct Traced {
    stations: Vec<Station>,
    ostium: Section,
    ostium_station: usize,
    /// Unit normal of the ostium plane, toward the tip.
    ostium_axis: V3,
    beyond: Beyond,
}

/// Trace from `tip` and locate the ostium (from `border` when given).
fn trace_from(
    s: &Surface,
    start: &Start,
    step: f64,
    passes: usize,
) -> std::result::Result<Traced, String> {
    let d = geodesic(s, &[start.tip], None);
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
        (
            bc,
            border_normal(s, b, unit(sub(s.nodes[start.tip as usize], bc))),
        )
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
            let toward = unit(sub(s.nodes[start.tip as usize], bc));
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

/// Find the start of the measurement (see the module doc).
fn find_start(s: &Surface, opts: &MeasureOptions) -> Result<Start> {
    if let Some(tip) = opts.tip {
        if tip.iter().any(|c| !c.is_finite()) {
            return Err(Error::Unsupported(format!(
                "laa measure: tip {tip:?} is not a finite point (mm)"
            )));
        }
        let (v, d) = nearest_node(s, tip);
        let tol = 2.0 + 2.0 * s.mean_edge_mm;
        if d > tol {
            return Err(Error::Unsupported(format!(
                "tip outside the mesh: ({:.1}, {:.1}, {:.1}) mm is {d:.1} mm from the nearest surface \
                 node; expected a point on the appendage wall (within {tol:.1} mm)",
                tip[0], tip[1], tip[2]
            )));
        }
        return Ok(Start {
            tip: v,
            found_by: "tip",
            border: None,
            alt_tip: None,
        });
    }
    if let Some((border, in_app)) = tag_border(s) {
        // The tip: the tagged node deepest along the axis from the border's
        // centroid to the appendage's (geodesic farthest could be a side
        // lobe's end).
        let app: Vec<u32> = (0..s.nodes.len() as u32)
            .filter(|&v| in_app[v as usize])
            .collect();
        let bc = centroid_of(s, &border);
        let toward = unit(sub(centroid_of(s, &app), bc));
        let deepest = |axis: V3| {
            app.iter().copied().max_by(|&a, &b| {
                let h = |v: u32| dot(sub(s.nodes[v as usize], bc), axis);
                h(a).total_cmp(&h(b))
            })
        };
        let tip = deepest(border_normal(s, &border, toward));
        if let (Some(tip), true) = (tip, toward != [0.0; 3]) {
            return Ok(Start {
                tip,
                found_by: "region tag",
                border: Some(border),
                alt_tip: deepest(toward).filter(|&v| v != tip),
            });
        }
    }
    // Detection: screen every extremity coarsely, keep the largest blind
    // pouch with a neck.
    let cands = extremities(s, CANDIDATES);
    let total_area: f64 = s.tri_areas().sum();
    let pouches: Vec<(f64, u32, Vec<bool>)> = cands
        .par_iter()
        .filter_map(|&c| {
            let st = Start {
                tip: c,
                found_by: "detected",
                border: None,
                alt_tip: None,
            };
            let t = trace_from(s, &st, SCREEN_STEP, 1).ok()?;
            let ost_d = t.ostium.contour.area_diameter_mm;
            // The body it opens into: the median section traced past the
            // neck (the median, as oblique cuts through the body and its
            // veins give a few huge loops).
            let mut past: Vec<f64> = t.stations[t.ostium_station + 1..]
                .iter()
                .filter_map(|st| st.section.as_ref().ok())
                .map(|x| x.contour.area_diameter_mm)
                .collect();
            past.sort_by(f64::total_cmp);
            let body_d = past.get(past.len() / 2).copied().unwrap_or(0.0);
            // A blind pouch (no hole), a minority of the surface, clearly
            // narrower at its neck than the body it opens into (but not a
            // pinhole on a curved wall), and deeper than a dimple.
            let b = t.beyond;
            let pouch = !b.open
                && b.area < 0.5 * total_area
                && body_d >= NECK_RATIO * ost_d
                && ost_d >= 0.25 * body_d
                && b.depth >= (0.25 * ost_d).max(3.0);
            // Score: depth times neck contrast, so a deep pouch behind a
            // clear neck beats both a shallow vein stub and a wide false neck.
            pouch.then_some((b.depth * body_d / ost_d, c, b.nodes))
        })
        .collect();
    // A pouch inside a bigger one (a side lobe, the inner wall of a bend)
    // is part of it: only outermost pouches compete.
    let size = |nodes: &[bool]| nodes.iter().filter(|&&x| x).count();
    let best = pouches
        .iter()
        .filter(|(_, c, mine)| {
            !pouches
                .iter()
                .any(|(_, o, nodes)| o != c && nodes[*c as usize] && size(nodes) > size(mine))
        })
        .map(|(score, c, _)| (*score, *c))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, tip)) => Ok(Start {
            tip,
            found_by: "detected",
            border: None,
            alt_tip: None,
        }),
        None => Err(no_appendage(
            "no blind-ended protrusion with a neck (tube-like part meeting a wider body); \
             give the tip with --tip X,Y,Z",
        )),
    }
}

/// Point and unit direction (toward the tip) at arc length `arc` along the
/// polyline `line` (body -> tip), direction taken over +-1.5 mm.
fn point_at(line: &[V3], arc: f64) -> (V3, V3) {
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

fn arc_length(line: &[V3]) -> f64 {
    line.windows(2).map(|w| dist(w[0], w[1])).sum()
}

fn section_on_line(s: &Surface, line: &[V3], arc: f64) -> std::result::Result<Section, String> {
    let (p, a) = point_at(line, arc);
    plane_section(s, p, a)
}

/// Is `sec`, cut at `p`, a section of the appendage (not of the body
/// beside it): its wall does not flare like the body's, its centre stays
/// near `p`, and it is not much larger than the ostium (the neck).
fn inside_appendage(sec: &Section, p: V3, ostium: &Section) -> bool {
    sec.flare <= FLARE_MAX
        && dist(sec.contour.center, p) < 0.25 * sec.contour.min_diameter_mm + 1.0
        && sec.contour.area_mm2 <= JUMP * ostium.contour.area_mm2
}

/// The landing-zone section `depth` mm beyond the ostium: perpendicular to
/// the centreline at arc length `arc`; where that plane leaves the
/// appendage (a short or wide appendage whose traced centreline bends into
/// its cap), the plane parallel to the ostium at that depth along its
/// normal, with a note; an error when neither lies in the appendage.
fn landing_zone(
    s: &Surface,
    line: &[V3],
    arc: f64,
    ostium: &Section,
    ost_axis: V3,
    depth: f64,
    notes: &mut Vec<String>,
) -> Result<Section> {
    let (p, _) = point_at(line, arc);
    let first = section_on_line(s, line, arc);
    if let Ok(sec) = &first {
        if inside_appendage(sec, p, ostium) {
            return Ok(sec.clone());
        }
    }
    let n = unit(ost_axis);
    let c = ostium.contour.center;
    let q = [
        c[0] + n[0] * depth,
        c[1] + n[1] * depth,
        c[2] + n[2] * depth,
    ];
    match plane_section(s, q, n) {
        Ok(sec) if inside_appendage(&sec, q, ostium) => {
            notes.push(format!(
                "the centreline's landing-zone plane left the appendage; the landing zone is \
                 the plane parallel to the ostium {depth:.1} mm beyond it"
            ));
            Ok(sec)
        }
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

/// Measure the appendage of `mesh`.
pub fn measure(mesh: &Mesh, opts: &MeasureOptions) -> Result<LaaMeasurement> {
    let bad_opt = |what: &str, v: f64| {
        Error::Unsupported(format!(
            "laa measure: {what} must be a positive number of mm, got {v}"
        ))
    };
    if !(opts.profile_step_mm.is_finite() && opts.profile_step_mm > 0.0) {
        return Err(bad_opt("profile step", opts.profile_step_mm));
    }
    if !(opts.landing_zone_depth_mm.is_finite() && opts.landing_zone_depth_mm >= 0.0) {
        return Err(bad_opt("landing-zone depth", opts.landing_zone_depth_mm));
    }
    let s = Surface::from_mesh(mesh)?;
    let start = find_start(&s, opts)?;
    let mut start = start;
    let mut traced = trace_from(&s, &start, STEP, 3);
    if let (Err(_), Some(alt)) = (&traced, start.alt_tip) {
        let retry = Start {
            tip: alt,
            found_by: start.found_by,
            border: start.border.clone(),
            alt_tip: None,
        };
        if let Ok(t) = trace_from(&s, &retry, STEP, 3) {
            traced = Ok(t);
            start = retry;
        }
    }
    let t = traced.map_err(|e| match start.found_by {
        "tip" => no_appendage(&format!("from the given tip: {e}")),
        _ => no_appendage(&e),
    })?;
    // The tip must lie beyond the ostium plane: a plane tilted past the tip
    // (a side lobe's mouth taken for the neck) would report a depth of 0.
    if t.beyond.depth <= 0.0 {
        return Err(no_appendage(
            "the ostium plane found does not separate the tip from the body \
             (depth 0 mm); give the tip with --tip X,Y,Z",
        ));
    }
    let mut notes = Vec::new();
    if t.beyond.open && start.border.is_none() {
        notes.push("the mesh has a hole beyond the ostium; depth may be short".to_string());
    }
    let ost_axis = t.ostium_axis;
    let ost_c = t.ostium.contour.center;
    // Centreline, tip -> body: tip node, re-centred stations up to the
    // ostium, the ostium centre, then straight into the body.
    let mut tip_side: Vec<V3> = vec![s.nodes[start.tip as usize]];
    for st in &t.stations[..t.ostium_station] {
        tip_side.push(match &st.section {
            Ok(sec) => sec.contour.center,
            Err(_) => st.centre,
        });
    }
    // Near the ostium the traced sections still feel the body (and, on a
    // noisy wall, their centres wander sideways): the centreline leaves the
    // ostium centre along the ostium normal and joins the traced one
    // gradually, over one ostium diameter. Only where the ostium plane
    // comes from the tag border: a plane from the walk is itself a traced
    // section and no truer than its neighbours.
    let reach_in = t.ostium.contour.area_diameter_mm.max(1.0);
    let blend = if start.border.is_some() {
        tip_side.len()
    } else {
        0
    };
    for p in tip_side.iter_mut().take(blend) {
        let h = dot(sub(*p, ost_c), ost_axis);
        let w = (1.0 - h / reach_in).clamp(0.0, 1.0);
        let on_axis = [0, 1, 2].map(|d| ost_c[d] + ost_axis[d] * h.max(0.0));
        *p = [0, 1, 2].map(|d| w * on_axis[d] + (1.0 - w) * p[d]);
    }
    // With the ostium from the tag border the line is also smoothed harder
    // (about +-4 mm): on a noisy wall the traced centres wander sideways and
    // would lengthen the arc to the landing zone.
    let mut line = if start.border.is_some() {
        smooth(&smooth(&tip_side, 8), 8)
    } else {
        smooth(&tip_side, 2)
    };
    line[0] = s.nodes[start.tip as usize];
    line.push(ost_c);
    let reach = (BODY_REACH / STEP) as usize;
    for j in 1..=reach {
        let r = j as f64 * STEP;
        line.push([
            ost_c[0] - ost_axis[0] * r,
            ost_c[1] - ost_axis[1] * r,
            ost_c[2] - ost_axis[2] * r,
        ]);
    }
    line.reverse();
    let ostium_arc = BODY_REACH;
    let total = arc_length(&line);
    let mut ostium = t.ostium.contour.clone();
    ostium.normal = unit(ost_axis);
    if t.ostium.gap_mm > 0.0 {
        notes.push(format!(
            "ostium contour closed across a {:.1} mm hole",
            t.ostium.gap_mm
        ));
    }
    let lz_arc = ostium_arc + opts.landing_zone_depth_mm;
    if lz_arc > total - 1.0 {
        return Err(Error::Unsupported(format!(
            "laa measure: landing-zone depth {:.1} mm lies beyond the appendage centreline ({:.1} mm \
             from the ostium to the tip)",
            opts.landing_zone_depth_mm,
            total - ostium_arc
        )));
    }
    if opts.landing_zone_depth_mm >= t.beyond.depth - 1.0 {
        return Err(Error::Unsupported(format!(
            "laa measure: landing-zone depth {:.1} mm does not fit in the appendage ({:.1} mm \
             deep from the ostium plane to the tip); give a smaller depth",
            opts.landing_zone_depth_mm, t.beyond.depth
        )));
    }
    let landing = if opts.landing_zone_depth_mm == 0.0 {
        t.ostium.clone()
    } else {
        landing_zone(
            &s,
            &line,
            lz_arc,
            &t.ostium,
            ost_axis,
            opts.landing_zone_depth_mm,
            &mut notes,
        )?
    };
    if landing.gap_mm > 0.0 {
        notes.push(format!(
            "landing-zone contour closed across a {:.1} mm hole",
            landing.gap_mm
        ));
    }
    let mut profile = vec![ProfileSample {
        depth_mm: 0.0,
        contour: ostium.clone(),
    }];
    let mut d = opts.profile_step_mm;
    while ostium_arc + d < total - 1.0 {
        // Keep only true sections of the appendage: near a tight bend a
        // perpendicular plane can also cut the far wall or the body, and
        // such a loop is not a diameter of the appendage.
        let (p, _) = point_at(&line, ostium_arc + d);
        if let Ok(sec) = section_on_line(&s, &line, ostium_arc + d) {
            if inside_appendage(&sec, p, &t.ostium) {
                profile.push(ProfileSample {
                    depth_mm: d,
                    contour: sec.contour,
                });
            }
        }
        d += opts.profile_step_mm;
    }
    Ok(LaaMeasurement {
        ostium,
        landing_zone: landing.contour,
        landing_zone_depth_mm: opts.landing_zone_depth_mm,
        depth_mm: t.beyond.depth,
        tip: s.nodes[start.tip as usize],
        centreline: line,
        ostium_arc_mm: ostium_arc,
        profile,
        found_by: start.found_by.to_string(),
        notes,
    })
}

/// The cross-section perpendicular to the centreline at `depth_mm` beyond the
/// ostium (along the centreline; negative: on the body side), for a device
/// family's own landing-zone depth.
pub fn section_at_depth(mesh: &Mesh, m: &LaaMeasurement, depth_mm: f64) -> Result<Contour> {
    if !depth_mm.is_finite() {
        return Err(Error::Unsupported(format!(
            "laa section: depth {depth_mm} is not a number of mm"
        )));
    }
    let total = arc_length(&m.centreline);
    let arc = m.ostium_arc_mm + depth_mm;
    if arc < 0.0 || arc > total - 0.5 {
        return Err(Error::Unsupported(format!(
            "laa section: depth {depth_mm:.1} mm is outside the centreline ({:.1} to {:.1} mm from the ostium)",
            -m.ostium_arc_mm,
            total - m.ostium_arc_mm
        )));
    }
    let s = Surface::from_mesh(mesh)?;
    section_on_line(&s, &m.centreline, arc)
        .map(|sec| sec.contour)
        .map_err(|e| {
            Error::Unsupported(format!(
                "laa section at {depth_mm:.1} mm beyond the ostium: {e}"
            ))
        })
}
