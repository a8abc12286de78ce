//! The appendage centreline, traced from the tip toward the atrial body.
//!
//! Two stages. First the rings of equal geodesic distance from the tip (the
//! level sets of a Dijkstra distance on the surface graph) give a rough axis:
//! on a tube they are loops around it, and because they follow the surface
//! they turn with a bent (chicken-wing) appendage. Then each point is
//! re-centred on the planar cross-section perpendicular to the local
//! direction (the centroid of the loop that encloses it), twice, with
//! smoothing in between. Units: mm.

use super::contour::unit;
use super::section::{level_chains_among, plane_section, Section, Surface, FLARE_MAX};
use crate::mesh::geometry::{dist, sub, V3};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(PartialEq)]
struct Item(f64, u32);
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

/// Graph (edge-path) distance in mm from `sources` to every node; nodes
/// outside `allowed` (when given) are never entered. Unreached: infinity.
pub fn geodesic(s: &Surface, sources: &[u32], allowed: Option<&[bool]>) -> Vec<f64> {
    let mut d = vec![f64::INFINITY; s.nodes.len()];
    let mut heap = BinaryHeap::new();
    for &v in sources {
        d[v as usize] = 0.0;
        heap.push(Item(0.0, v));
    }
    relax(s, &mut d, heap, allowed);
    d
}

fn relax(s: &Surface, d: &mut [f64], mut heap: BinaryHeap<Item>, allowed: Option<&[bool]>) {
    while let Some(Item(dv, v)) = heap.pop() {
        if dv > d[v as usize] {
            continue;
        }
        for &(w, l) in s.neighbours(v) {
            if allowed.is_some_and(|a| !a[w as usize]) {
                continue;
            }
            let nd = dv + l;
            if nd < d[w as usize] {
                d[w as usize] = nd;
                heap.push(Item(nd, w));
            }
        }
    }
}

/// Extremities of the surface by farthest-point sampling on geodesic
/// distance: each pick is the node farthest from all earlier picks, so the
/// first picks are the tips of the longest protrusions (Hilaga-style
/// extremities). The seed is the node farthest from the surface centroid.
pub fn extremities(s: &Surface, count: usize) -> Vec<u32> {
    let c = s.centroid();
    let seed = (0..s.nodes.len())
        .max_by(|&a, &b| dist(s.nodes[a], c).total_cmp(&dist(s.nodes[b], c)))
        .unwrap_or(0) as u32;
    let mut d = geodesic(s, &[seed], None);
    let mut picks = vec![seed];
    while picks.len() < count {
        let Some(far) = (0..d.len())
            .filter(|&v| d[v].is_finite())
            .max_by(|&a, &b| d[a].total_cmp(&d[b]))
        else {
            break;
        };
        if d[far] <= 0.0 {
            break;
        }
        picks.push(far as u32);
        d[far] = 0.0;
        let mut heap = BinaryHeap::new();
        heap.push(Item(0.0, far as u32));
        relax(s, &mut d, heap, None);
    }
    picks
}

/// The node nearest to `p`, with its distance (mm).
pub fn nearest_node(s: &Surface, p: V3) -> (u32, f64) {
    let mut best = (0u32, f64::INFINITY);
    for (i, &q) in s.nodes.iter().enumerate() {
        let d = dist(p, q);
        if d < best.1 {
            best = (i as u32, d);
        }
    }
    best
}

/// Centroids of the geodesic rings around the tip, every `step` mm up to
/// `g_max`: at each level the ring continuing the previous one (nearest
/// centroid) is kept, so a side lobe's separate rings do not pull the axis.
pub fn ring_centres(s: &Surface, dist_tip: &[f64], step: f64, g_max: f64) -> Vec<V3> {
    let mut out: Vec<V3> = Vec::new();
    // Unreached nodes count as far away.
    let far = |v: u32| {
        let d = dist_tip[v as usize];
        if d.is_finite() {
            d
        } else {
            1e9
        }
    };
    // Each level only cuts the triangles whose distance range spans it:
    // sorted by their nearest node, the candidates are a short run.
    let span: Vec<(f64, f64)> = s
        .tris
        .iter()
        .map(|t| {
            let d = t.map(far);
            (d[0].min(d[1]).min(d[2]), d[0].max(d[1]).max(d[2]))
        })
        .collect();
    let mut by_min: Vec<u32> = (0..s.tris.len() as u32).collect();
    by_min.sort_unstable_by(|&a, &b| span[a as usize].0.total_cmp(&span[b as usize].0));
    let widest = span
        .iter()
        .map(|&(lo, hi)| hi - lo)
        .filter(|w| *w < 1e8)
        .fold(0.0, f64::max);
    let mut g = step;
    while g <= g_max {
        // A triangle is cut when its nodes fall on both sides of g (a node
        // at exactly g counts as beyond it).
        let first = by_min.partition_point(|&t| span[t as usize].0 < g - widest);
        let last = by_min.partition_point(|&t| span[t as usize].0 < g);
        let mut cut: Vec<u32> = by_min[first..last]
            .iter()
            .copied()
            .filter(|&t| span[t as usize].1 >= g)
            .collect();
        cut.sort_unstable();
        let chains = level_chains_among(s, cut.into_iter(), |v| far(v) - g);
        let pick = match out.last() {
            None => chains
                .iter()
                .max_by(|a, b| a.length().total_cmp(&b.length())),
            Some(&prev) => chains
                .iter()
                .filter(|c| c.points.len() >= 3)
                .min_by(|a, b| dist(a.centroid(), prev).total_cmp(&dist(b.centroid(), prev))),
        };
        match pick {
            Some(c) => out.push(c.centroid()),
            None => break,
        }
        g += step;
    }
    out
}

/// Moving average over `half` points on each side (ends kept in place).
pub fn smooth(points: &[V3], half: usize) -> Vec<V3> {
    let n = points.len();
    (0..n)
        .map(|i| {
            let h = half.min(i).min(n - 1 - i);
            let mut c = [0.0; 3];
            for p in &points[i - h..=i + h] {
                for k in 0..3 {
                    c[k] += p[k];
                }
            }
            let m = (2 * h + 1) as f64;
            [c[0] / m, c[1] / m, c[2] / m]
        })
        .collect()
}

/// Unit directions toward the tip (points ordered tip -> body), each from
/// the point `span` places nearer the tip. One-sided on purpose: near the
/// ostium the points beyond it already drift into the body and would tilt
/// the plane; the lag in a bend (span / bend radius) costs only a few degrees.
pub fn directions_to_tip(points: &[V3], span: usize) -> Vec<V3> {
    (0..points.len())
        .map(|i| {
            let a = i.saturating_sub(span);
            let b = if a == i {
                (i + span).min(points.len() - 1)
            } else {
                i
            };
            unit(sub(points[a], points[b]))
        })
        .collect()
}

/// Unit direction of the least-squares line through `points` (ordered
/// tip -> body), pointing toward the first (tip) end.
pub fn line_direction(points: &[V3]) -> V3 {
    let n = points.len() as f64;
    let mut m = [0.0; 3];
    for p in points {
        for k in 0..3 {
            m[k] += p[k] / n;
        }
    }
    let mut cov = [[0.0; 3]; 3];
    for p in points {
        let r = sub(*p, m);
        for a in 0..3 {
            for b in 0..3 {
                cov[a][b] += r[a] * r[b];
            }
        }
    }
    // Power iteration from the end-to-end chord converges fast: the
    // points lie close to a line.
    let mut v = unit(sub(points[0], points[points.len() - 1]));
    if v == [0.0; 3] {
        return v;
    }
    for _ in 0..20 {
        let w = [0, 1, 2].map(|a| cov[a][0] * v[0] + cov[a][1] * v[1] + cov[a][2] * v[2]);
        let w = unit(w);
        if w == [0.0; 3] {
            break;
        }
        v = w;
    }
    let chord = sub(points[0], points[points.len() - 1]);
    if v[0] * chord[0] + v[1] * chord[1] + v[2] * chord[2] < 0.0 {
        [-v[0], -v[1], -v[2]]
    } else {
        v
    }
}

/// The centre of the lumen cut at `c`, or `c` itself unless the section
/// is a wall-like loop (not the cap, not the body) whose centre stays near
/// the point: a loop that swallowed part of the body, or a tilted cut
/// through the cap or a bend, would drag the centreline away.
pub fn recentre(section: &std::result::Result<Section, String>, c: V3) -> V3 {
    match section {
        Ok(x)
            if x.flare <= FLARE_MAX
                && dist(x.lumen().center, c) < 0.25 * x.lumen().min_diameter_mm =>
        {
            x.lumen().center
        }
        _ => c,
    }
}

/// A point of the traced centreline with its cross-section.
#[derive(Debug, Clone)]
pub struct Station {
    pub centre: V3,
    /// Unit direction toward the tip.
    pub axis: V3,
    /// The perpendicular cross-section, or why there is none.
    pub section: std::result::Result<Section, String>,
}

/// Trace the centreline from the tip node: rings every `step` mm up to
/// `g_max` geodesic mm, then `passes` rounds of re-centring on planar
/// sections. Within a round each plane's direction comes from the points
/// behind it (toward the tip), never from points beyond,
/// which near the ostium drift into the body. From the second round on,
/// past the ostium the previous round found (`ostium`), the points go
/// straight on along the last direction: the neck is then found with planes
/// perpendicular to the appendage, not tilted toward the body; a round
/// whose neck moves far toward the tip is dropped for the one before it.
/// `stop` sees the stations of the first round as they come and may end
/// the trace.
pub fn trace(
    s: &Surface,
    dist_tip: &[f64],
    step: f64,
    g_max: f64,
    passes: usize,
    mut stop: impl FnMut(&[Station]) -> bool,
    ostium: impl Fn(&[Station]) -> Option<usize>,
) -> Vec<Station> {
    let rings = ring_centres(s, dist_tip, step, g_max);
    if rings.len() < 3 {
        return Vec::new();
    }
    // Direction fitted over 3 mm: long enough to ignore ring jitter on a
    // noisy mesh, short enough to follow a bend.
    let span = ((3.0 / step).round() as usize).max(2);
    let mut centres = rings;
    let mut stations: Vec<Station> = Vec::new();
    let back = (3.0 / step).round() as usize;
    for pass in 0..passes.max(1) {
        // Go straight from 3 mm before the previous round's ostium: the
        // sections just before it may already graze the body, pull their
        // centroids sideways and tilt the next round's planes toward it.
        let previous_neck = if pass == 0 { None } else { ostium(&stations) };
        let straight_after = previous_neck.map(|k| if k > back + span { k - back } else { k });
        let previous = std::mem::take(&mut stations);
        let mut fin: Vec<V3> = Vec::with_capacity(centres.len());
        for i in 0..centres.len() {
            let (c, a) = match straight_after {
                Some(k) if i > k => {
                    let p = &stations[i - 1];
                    // The straight run's direction: fitted over 6 mm of
                    // appendage, steadier than the 3 mm used while bending.
                    let a = if i == k + 1 && k >= 2 * span {
                        line_direction(&fin[k - 2 * span..=k])
                    } else {
                        p.axis
                    };
                    let c = [
                        p.centre[0] - a[0] * step,
                        p.centre[1] - a[1] * step,
                        p.centre[2] - a[2] * step,
                    ];
                    (c, a)
                }
                _ => {
                    let c = centres[i];
                    let a = if i < span {
                        unit(sub(centres[0], centres[span.min(centres.len() - 1)]))
                    } else {
                        line_direction(&centres[i - span..=i])
                    };
                    (c, a)
                }
            };
            let section = plane_section(s, c, a);
            fin.push(recentre(&section, c));
            stations.push(Station {
                centre: c,
                axis: a,
                section,
            });
            if pass == 0 && stop(&stations) {
                break;
            }
        }
        // A later round refines the neck near where the previous one found
        // it. One that finds it more than twice the straight run's lead
        // (6 mm) toward the tip was thrown by its own re-centred points: on
        // a noisy wall in a bend they wobble, tilt the planes and make the
        // wall look like the body's. The previous round stands. (A round
        // that loses the neck altogether is kept: the caller then tries
        // another start, which serves better than a neck that did not
        // hold.)
        if let (Some(k_prev), Some(k)) = (previous_neck, ostium(&stations)) {
            if k + 2 * back < k_prev {
                return previous;
            }
        }
        centres = fin;
    }
    stations
}
