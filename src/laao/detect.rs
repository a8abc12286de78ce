//! Where the appendage is: the tip the user gives; else the appendage
//! region tag ([`super::APPENDAGE_TAG`] next to [`super::BODY_TAG`]): the
//! tip is the tagged node deepest along the tag border's normal; else
//! detection: the surface's extremities (farthest-point sampling on
//! geodesic distance) are each traced coarsely and the appendage is the
//! largest blind-ended protrusion with a neck (depth x body-to-ostium
//! diameter ratio). Units: mm.

use super::centreline::{extremities, nearest_node};
use super::contour::unit;
use super::measure::MeasureOptions;
use super::section::Surface;
use super::traced::trace_from;
use super::truncated::Cap;
use super::{APPENDAGE_TAG, BODY_TAG};
use crate::mesh::geometry::{dot, sub, V3};
use crate::{Error, Result};
use rayon::prelude::*;

/// Spacing of the centreline stations (mm) when screening candidates.
const SCREEN_STEP: f64 = 1.0;
/// Extremities tried when detecting the appendage.
const CANDIDATES: usize = 10;
/// How much wider than the ostium the body must be (area-derived diameters).
const NECK_RATIO: f64 = 1.3;

pub(super) fn no_appendage(why: &str) -> Error {
    Error::Unsupported(format!("no appendage found: {why}"))
}

pub(super) fn centroid_of(s: &Surface, nodes: &[u32]) -> V3 {
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
pub(super) fn border_normal(s: &Surface, border: &[u32], toward: V3) -> V3 {
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
pub(super) struct Start {
    pub(super) tip: u32,
    pub(super) found_by: &'static str,
    /// Tag-border nodes, when the ostium comes from the region tags.
    pub(super) border: Option<Vec<u32>>,
    /// A second tip candidate, tried when tracing from `tip` fails.
    pub(super) alt_tip: Option<u32>,
    /// The flat cap that closes a truncated appendage (then `tip` is the
    /// cap node nearest its centre, and the trace starts from the whole cap).
    pub(super) cap: Option<Cap>,
}

impl Start {
    /// The appendage's distal end: the cap's centre, else the tip node (mm).
    pub(super) fn tip_point(&self, s: &Surface) -> V3 {
        self.cap
            .as_ref()
            .map_or(s.nodes[self.tip as usize], |c| c.centre)
    }
}

pub(super) fn tag_border(s: &Surface) -> Option<(Vec<u32>, Vec<bool>)> {
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

/// Find the start of the measurement (see the module doc).
pub(super) fn find_start(s: &Surface, opts: &MeasureOptions) -> Result<Start> {
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
            cap: None,
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
                cap: None,
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
                cap: None,
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
    // The second try is the other extremity inside the chosen pouch whose
    // own pouch is the largest (its neck is the same ostium): on a tight
    // bend (a chicken wing) the elbow can outscore the tip, and a trace
    // from the elbow may find no neck.
    let alt = |tip: u32| {
        let inside = &pouches.iter().find(|(_, c, _)| *c == tip)?.2;
        pouches
            .iter()
            .filter(|(_, c, _)| *c != tip && inside[*c as usize])
            .max_by_key(|(_, _, nodes)| size(nodes))
            .map(|(_, c, _)| *c)
    };
    match best {
        Some((_, tip)) => Ok(Start {
            tip,
            found_by: "detected",
            border: None,
            alt_tip: alt(tip),
            cap: None,
        }),
        None => Err(no_appendage(
            "no blind-ended protrusion with a neck (tube-like part meeting a wider body); \
             give the tip with --tip X,Y,Z",
        )),
    }
}
