//! Cross-sections of the measured surface ([`Surface`], in
//! [`super::surface`]).
//!
//! [`level_chains`] cuts it along the zero level of any per-node field (a
//! plane's signed distance, or a geodesic distance minus a level) into
//! polylines chained through shared mesh edges; [`plane_section`] picks the
//! closed loop around a centreline point. Units: mm.

use super::contour::{plane_basis, unit, Contour};
use super::neck::main_lumen;
use crate::mesh::geometry::{dist, dot, sub, V3};
use std::collections::HashMap;

pub use super::surface::Surface;

/// A polyline where a per-node field crosses zero. `tris[i]` is the triangle
/// holding the segment from `points[i]` to the next point.
#[derive(Debug, Clone)]
pub struct Chain {
    pub points: Vec<V3>,
    pub tris: Vec<u32>,
    /// True when the polyline closes on itself (the last point joins the first).
    pub closed: bool,
}

impl Chain {
    /// Length (mm), the closing segment included when closed.
    pub fn length(&self) -> f64 {
        let n = self.points.len();
        let mut l: f64 = (1..n)
            .map(|i| dist(self.points[i - 1], self.points[i]))
            .sum();
        if self.closed && n > 1 {
            l += dist(self.points[n - 1], self.points[0]);
        }
        l
    }

    /// Length-weighted centroid of the polyline (mm).
    pub fn centroid(&self) -> V3 {
        let n = self.points.len();
        let segs = if self.closed { n } else { n.saturating_sub(1) };
        let (mut c, mut w) = ([0.0; 3], 0.0);
        for i in 0..segs {
            let (a, b) = (self.points[i], self.points[(i + 1) % n]);
            let l = dist(a, b);
            for k in 0..3 {
                c[k] += l * 0.5 * (a[k] + b[k]);
            }
            w += l;
        }
        if w > 0.0 {
            [c[0] / w, c[1] / w, c[2] / w]
        } else if n > 0 {
            self.points[0]
        } else {
            c
        }
    }
}

/// The zero set of the per-node field `f` as polylines. Nodes with f >= 0
/// count as positive (a symbolic perturbation), so a node lying exactly on
/// the zero set never creates a branch or a duplicate crossing, and every
/// cut triangle gives exactly one segment; segments are chained through the
/// mesh edges they cross.
pub fn level_chains(s: &Surface, f: &[f64]) -> Vec<Chain> {
    level_chains_among(s, 0..s.tris.len() as u32, |v| f[v as usize])
}

/// [`level_chains`] of the field `f` (evaluated per node, the same value
/// every time) over the triangles `tris` only, in ascending order.
pub fn level_chains_among(
    s: &Surface,
    tris: impl Iterator<Item = u32>,
    f: impl Fn(u32) -> f64,
) -> Vec<Chain> {
    let mut edge_id: HashMap<(u32, u32), usize> = HashMap::new();
    let mut edge_pt: Vec<V3> = Vec::new();
    // Up to two segments per crossed edge (more only on non-manifold edges,
    // where the extra ones are left unchained).
    let mut edge_segs: Vec<[usize; 2]> = Vec::new();
    let mut segs: Vec<(usize, usize, u32)> = Vec::new();
    for ti in tris {
        let t = &s.tris[ti as usize];
        let fv = t.map(&f);
        let p = fv.map(|x| x >= 0.0);
        if p[0] == p[1] && p[1] == p[2] {
            continue;
        }
        let mut ends = [0usize; 2];
        let mut m = 0;
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            if p[k] == p[(k + 1) % 3] {
                continue;
            }
            let key = (a.min(b), a.max(b));
            let id = *edge_id.entry(key).or_insert_with(|| {
                let (fa, fb) = if a < b {
                    (fv[k], fv[(k + 1) % 3])
                } else {
                    (fv[(k + 1) % 3], fv[k])
                };
                let w = fa / (fa - fb);
                let (pa, pb) = (s.nodes[key.0 as usize], s.nodes[key.1 as usize]);
                edge_pt.push([
                    pa[0] + w * (pb[0] - pa[0]),
                    pa[1] + w * (pb[1] - pa[1]),
                    pa[2] + w * (pb[2] - pa[2]),
                ]);
                edge_segs.push([usize::MAX; 2]);
                edge_pt.len() - 1
            });
            if m < 2 {
                ends[m] = id;
            }
            m += 1;
        }
        let si = segs.len();
        segs.push((ends[0], ends[1], ti));
        for e in ends {
            let slot = &mut edge_segs[e];
            if slot[0] == usize::MAX {
                slot[0] = si;
            } else if slot[1] == usize::MAX {
                slot[1] = si;
            }
        }
    }
    let mut used = vec![false; segs.len()];
    let next_seg = |e: usize, used: &[bool]| -> Option<usize> {
        edge_segs[e]
            .iter()
            .copied()
            .find(|&sg| sg != usize::MAX && !used[sg])
    };
    let other = |sg: usize, e: usize| -> usize {
        let (a, b, _) = segs[sg];
        if a == e {
            b
        } else {
            a
        }
    };
    let mut chains = Vec::new();
    for s0 in 0..segs.len() {
        if used[s0] {
            continue;
        }
        used[s0] = true;
        let (start, first, t0) = segs[s0];
        let mut edges = vec![start];
        let mut tris = vec![t0];
        let mut cur = first;
        let mut closed = false;
        loop {
            if cur == start {
                closed = true;
                break;
            }
            edges.push(cur);
            match next_seg(cur, &used) {
                Some(sg) => {
                    used[sg] = true;
                    tris.push(segs[sg].2);
                    cur = other(sg, cur);
                }
                None => break,
            }
        }
        if !closed {
            let (mut back_e, mut back_t) = (Vec::new(), Vec::new());
            let mut cur = start;
            while let Some(sg) = next_seg(cur, &used) {
                used[sg] = true;
                back_t.push(segs[sg].2);
                cur = other(sg, cur);
                back_e.push(cur);
            }
            back_e.reverse();
            back_t.reverse();
            back_e.extend(edges);
            back_t.extend(tris);
            edges = back_e;
            tris = back_t;
        }
        chains.push(Chain {
            points: edges.iter().map(|&e| edge_pt[e]).collect(),
            tris,
            closed,
        });
    }
    chains
}

/// A cross-section perpendicular to the centreline.
#[derive(Debug, Clone)]
pub struct Section {
    /// The loop around the centreline point, as cut.
    pub contour: Contour,
    /// The same loop with side branches cut off at their neck, when it had
    /// any ([`super::neck`]); see [`Section::lumen`].
    pub trimmed: Option<Contour>,
    /// How fast the wall widens toward the atrial body, as radial mm per
    /// axial mm, at the worst place around the loop (smoothed over
    /// +-0.5 mm of loop). Inside a tube it is small; where the plane starts to
    /// cut the flaring body wall it exceeds 1 (a wall more than 45 degrees
    /// off the axis).
    pub flare: f64,
    /// Width of a hole the loop was closed across (mm; 0 when none).
    pub gap_mm: f64,
}

/// A wall more than 45 degrees off the axis (radial mm per axial mm) is
/// body wall, not appendage wall.
pub const FLARE_MAX: f64 = 1.0;
/// Area growth between neighbouring stations that counts as a jump.
pub const JUMP: f64 = 1.5;

impl Section {
    /// The main lumen: the loop without side branches. Judging whether a
    /// plane lies in the appendage uses the loop as cut (`contour`: a
    /// branch's mouth is not appendage wall); measuring the lumen and
    /// centring the centreline use this.
    pub fn lumen(&self) -> &Contour {
        self.trimmed.as_ref().unwrap_or(&self.contour)
    }

    /// Does this section lie in the appendage proper: its wall nowhere
    /// flaring like the body's, and its area not jumping from the previous
    /// appendage-like section's `prev_area` (mm^2)?
    pub fn appendage_like(&self, prev_area: Option<f64>) -> bool {
        self.flare <= FLARE_MAX && prev_area.is_none_or(|a| self.contour.area_mm2 <= JUMP * a)
    }
}

/// 2D coordinates of `p` in the plane (origin, e1, e2).
fn flat(p: V3, origin: V3, e1: V3, e2: V3) -> [f64; 2] {
    let r = sub(p, origin);
    [dot(r, e1), dot(r, e2)]
}

/// Even-odd rule: does the closed polygon contain the 2D origin?
fn encloses_origin(poly: &[[f64; 2]]) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + 1) % n]);
        if (a[1] > 0.0) != (b[1] > 0.0) {
            let x = a[0] + (0.0 - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if x > 0.0 {
                inside = !inside;
            }
        }
    }
    inside
}

fn polygon_area(poly: &[[f64; 2]]) -> f64 {
    let n = poly.len();
    let mut a2 = 0.0;
    for i in 0..n {
        let (p, q) = (poly[i], poly[(i + 1) % n]);
        a2 += p[0] * q[1] - q[0] * p[1];
    }
    0.5 * a2.abs()
}

/// Largest hole a loop may be closed across, as a fraction of its length.
const MAX_GAP_FRACTION: f64 = 0.15;

/// Sections whose loop stays within one of these distances of the
/// centreline point (mm: an appendage, then the atrial body) are cut from
/// the triangles near it ([`super::grid`]); wider ones from all triangles.
const NEAR: [f64; 2] = [25.0, 50.0];

/// The section of `s` by the plane through `origin` with normal `axis`
/// (pointing toward the appendage tip): the smallest closed loop that
/// encloses `origin`. A loop left open by a hole in the mesh is closed when
/// the gap is under 15 % of its length (the gap is reported). Err says why
/// there is none.
pub fn plane_section(s: &Surface, origin: V3, axis: V3) -> std::result::Result<Section, String> {
    let n = unit(axis);
    // Loops are nested or apart, so a loop found among the near triangles
    // that stays within the radius holds every smaller loop around `origin`, and
    // each of those is whole there too: the answer is the same as from
    // all triangles.
    for radius in NEAR {
        let near = s.grid.near_plane(origin, n, radius);
        if let Ok((sec, reach)) = section_among(s, origin, n, Some(&near)) {
            if reach <= radius {
                return Ok(sec);
            }
        }
    }
    section_among(s, origin, n, None).map(|(sec, _)| sec)
}

/// [`plane_section`] among the triangles `tris` (all when None), with the
/// largest distance of the chosen loop from `origin`.
fn section_among(
    s: &Surface,
    origin: V3,
    n: V3,
    tris: Option<&[u32]>,
) -> std::result::Result<(Section, f64), String> {
    let f = |v: u32| dot(sub(s.nodes[v as usize], origin), n);
    let chains = match tris {
        Some(t) => level_chains_among(s, t.iter().copied(), f),
        None => level_chains_among(s, 0..s.tris.len() as u32, f),
    };
    if chains.is_empty() {
        return Err("the plane does not cut the surface".into());
    }
    let (e1, e2) = plane_basis(n);
    let mut best: Option<(f64, usize, f64)> = None; // (area, chain, gap)
    let mut open_near = false;
    for (i, c) in chains.iter().enumerate() {
        if c.points.len() < 3 {
            continue;
        }
        let poly: Vec<[f64; 2]> = c.points.iter().map(|&p| flat(p, origin, e1, e2)).collect();
        let gap = if c.closed {
            0.0
        } else {
            let g = dist(c.points[0], c.points[c.points.len() - 1]);
            if g > MAX_GAP_FRACTION * (c.length() + g) {
                if encloses_origin(&poly) {
                    open_near = true;
                }
                continue;
            }
            g
        };
        if !encloses_origin(&poly) {
            continue;
        }
        let area = polygon_area(&poly);
        if best.is_none_or(|(a, _, _)| area < a) {
            best = Some((area, i, gap));
        }
    }
    let Some((_, i, gap)) = best else {
        return Err(if open_near {
            "the cross-section runs into a hole in the mesh too wide to close".into()
        } else {
            "no closed cross-section loop around the centreline point".into()
        });
    };
    let chain = &chains[i];
    let window = 1.0;
    let smoothed = smooth_loop(&chain.points, window);
    let trimmed = main_lumen(&smoothed, origin, n).map(|p| Contour::from_loop(p, n));
    let contour = Contour::from_loop(smoothed, n);
    let flare = loop_flare(s, chain, contour.center, n);
    let reach = chain
        .points
        .iter()
        .map(|&p| dist(p, origin))
        .fold(0.0, f64::max);
    Ok((
        Section {
            contour,
            trimmed,
            flare,
            gap_mm: gap,
        },
        reach,
    ))
}

/// The loop resampled every 0.25 mm of its length and averaged over
/// +-`half` mm of it: a plane through a noisy or finely split surface gives
/// a zig-zag whose length (the perimeter) would grow with the noise. The
/// average shrinks a circle of radius r by about (half/r)^2/6: 0.3 % for
/// 1 mm on a 15 mm appendage.
pub(super) fn smooth_loop(points: &[V3], half: f64) -> Vec<V3> {
    let n = points.len();
    if n < 3 {
        return points.to_vec();
    }
    let total: f64 = (0..n).map(|i| dist(points[i], points[(i + 1) % n])).sum();
    if total <= 0.0 {
        return points.to_vec();
    }
    let m = ((total / 0.25).ceil() as usize).clamp(16, 4096);
    let h = total / m as f64;
    let mut res = Vec::with_capacity(m);
    let (mut seg, mut acc) = (0usize, 0.0);
    for k in 0..m {
        let target = k as f64 * h;
        loop {
            let l = dist(points[seg], points[(seg + 1) % n]);
            if acc + l >= target || seg + 1 == n {
                let t = if l > 0.0 {
                    ((target - acc) / l).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (a, b) = (points[seg], points[(seg + 1) % n]);
                res.push([0, 1, 2].map(|d| a[d] + t * (b[d] - a[d])));
                break;
            }
            acc += l;
            seg += 1;
        }
    }
    let w = ((half / h).round() as usize).min(m / 4);
    if w == 0 {
        return res;
    }
    (0..m)
        .map(|k| {
            let mut c = [0.0; 3];
            for j in 0..=2 * w {
                let p = res[(k + m + j - w) % m];
                for d in 0..3 {
                    c[d] += p[d];
                }
            }
            c.map(|x| x / (2 * w + 1) as f64)
        })
        .collect()
}

/// Worst wall flare around the loop (see [`Section::flare`]). For a wall
/// with normal `w` at a point whose in-plane direction from the centre is
/// `u`, moving toward the body (-axis) changes the radius at the rate
/// (w.axis)/(w.u); the sign does not depend on how `w` is oriented.
fn loop_flare(s: &Surface, chain: &Chain, center: V3, axis: V3) -> f64 {
    let n = chain.points.len();
    let segs = chain.tris.len().min(n);
    if segs == 0 {
        return 0.0;
    }
    let mut rate = Vec::with_capacity(segs);
    let mut len = Vec::with_capacity(segs);
    for i in 0..segs {
        let (a, b) = (chain.points[i], chain.points[(i + 1) % n]);
        let mid = [
            0.5 * (a[0] + b[0]),
            0.5 * (a[1] + b[1]),
            0.5 * (a[2] + b[2]),
        ];
        let r = sub(mid, center);
        let radial = unit(sub(
            r,
            [
                axis[0] * dot(r, axis),
                axis[1] * dot(r, axis),
                axis[2] * dot(r, axis),
            ],
        ));
        let w = s.tri_normal[chain.tris[i] as usize];
        let (wu, wa) = (dot(w, radial), dot(w, axis));
        let q = if wu.abs() < 0.05 {
            20.0
        } else {
            (wa / wu).clamp(-20.0, 20.0)
        };
        rate.push(q);
        len.push(dist(a, b));
    }
    // Smooth over 0.5 mm of loop on each side so one noisy triangle does
    // not count as the body wall.
    let half = 0.5;
    let mut worst = f64::NEG_INFINITY;
    for i in 0..segs {
        let (mut acc, mut w) = (rate[i] * len[i], len[i]);
        let mut arc = 0.0;
        for step in 1..segs {
            let j = (i + step) % segs;
            arc += len[j];
            if arc > half {
                break;
            }
            acc += rate[j] * len[j];
            w += len[j];
        }
        arc = 0.0;
        for step in 1..segs {
            let j = (i + segs - step) % segs;
            arc += len[j];
            if arc > half {
                break;
            }
            acc += rate[j] * len[j];
            w += len[j];
        }
        if w > 0.0 {
            worst = worst.max(acc / w);
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ElementKind, Mesh};

    /// Unit-cube-like octahedron scaled to radius r.
    fn octahedron(r: f64) -> Mesh {
        let nodes = vec![
            [r, 0.0, 0.0],
            [-r, 0.0, 0.0],
            [0.0, r, 0.0],
            [0.0, -r, 0.0],
            [0.0, 0.0, r],
            [0.0, 0.0, -r],
        ];
        let tris = vec![
            0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5,
        ];
        Mesh::new(nodes, ElementKind::Triangle, tris)
    }

    #[test]
    fn plane_through_nodes_gives_one_closed_square() {
        let s = Surface::from_mesh(&octahedron(10.0)).unwrap();
        let f: Vec<f64> = s.nodes.iter().map(|p| p[2]).collect();
        let chains = level_chains(&s, &f);
        assert_eq!(chains.len(), 1);
        assert!(chains[0].closed);
        assert!((chains[0].length() - 4.0 * 200f64.sqrt()).abs() < 1e-9);
        // The measured contour is the smoothed loop: the square, corners
        // rounded over 1 mm.
        let sec = plane_section(&s, [0.0; 3], [0.0, 0.0, 1.0]).unwrap();
        assert!((sec.contour.area_mm2 - 200.0).abs() < 2.0);
        assert_eq!(sec.gap_mm, 0.0);
    }

    #[test]
    fn triangle_soup_is_welded() {
        let m = octahedron(5.0);
        let mut nodes = Vec::new();
        let mut el = Vec::new();
        for t in m.elements_iter() {
            for &v in t {
                el.push(nodes.len() as u32);
                nodes.push(m.nodes[v as usize]);
            }
        }
        let soup = Mesh::new(nodes, ElementKind::Triangle, el);
        let s = Surface::from_mesh(&soup).unwrap();
        assert_eq!(s.nodes.len(), 6);
        assert!(s.on_boundary.iter().all(|b| !b));
    }
}
