//! The main lumen of a cross-section loop: side branches cut off at their
//! neck.
//!
//! A plane across the appendage near a side lobe (or a vein, or the far
//! wall of a tight bend) cuts that branch lengthwise, and the loop around
//! the centreline runs out along one wall of the branch and back along the
//! other: a finger. Its neck is a pair of loop points close in space but
//! far apart along the loop. Such a loop's centroid and diameters describe
//! the lumen plus the branch's mouth, which is neither where a device sits
//! nor where the centreline runs, so the finger is cut off across its neck.
//! Units: mm.

use super::contour::plane_basis;
use crate::mesh::geometry::{dist, dot, sub, V3};

/// The loop around a branch is at least twice its neck: the branch sticks
/// out at least about half as far as its neck is wide; a shallow bulge is
/// not cut.
const NECK_RATIO: f64 = 0.5;
/// A neck is a waist: both its ends lie inside the loop's convex hull by
/// at least this fraction of the neck's width, and at least
/// [`MIN_DEFECT`] mm (more than the wiggle that noise leaves on a smoothed
/// loop). A convex loop (an ellipse of any flatness) has no neck.
const DEFECT_FRACTION: f64 = 0.2;
const MIN_DEFECT: f64 = 0.5;
/// Fingers shorter than this along the loop (mm) are noise, not branches.
const MIN_FINGER: f64 = 2.0;
/// Spacing of the points searched for a neck (mm): fine enough for a
/// 2 mm neck, coarse enough to keep the pair search cheap.
const SEARCH_STEP: f64 = 0.5;
/// At most this many points are searched (the search is quadratic).
const MAX_SEARCH: usize = 256;
/// At most this many branches are cut from one loop.
const MAX_CUTS: usize = 4;

/// Distance from the 2D origin to the segment a-b.
fn origin_to_segment(a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let l2 = d[0] * d[0] + d[1] * d[1];
    let t = if l2 > 0.0 {
        (-(a[0] * d[0] + a[1] * d[1]) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (a[0] + t * d[0]).hypot(a[1] + t * d[1])
}

/// How far each point of the closed loop `flat` lies inside the loop's
/// convex hull: its distance to the hull edge that bridges it (0 on the
/// hull).
fn hull_defects(flat: &[[f64; 2]]) -> Vec<f64> {
    let m = flat.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| {
        flat[a][0]
            .total_cmp(&flat[b][0])
            .then(flat[a][1].total_cmp(&flat[b][1]))
    });
    let turn = |o: usize, a: usize, b: usize| {
        let (o, a, b) = (flat[o], flat[a], flat[b]);
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    // Andrew's monotone chain on indices, lower then upper chain.
    let mut hull: Vec<usize> = Vec::with_capacity(m + 1);
    for pass in 0..2 {
        let start = hull.len();
        let order: Box<dyn Iterator<Item = &usize>> = if pass == 0 {
            Box::new(idx.iter())
        } else {
            Box::new(idx.iter().rev())
        };
        for &p in order {
            while hull.len() >= start + 2
                && turn(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    let mut defect = vec![0.0; m];
    if hull.len() < 3 {
        return defect;
    }
    // The hull's vertices in loop order; the loop points between two
    // consecutive ones lie under the edge joining them.
    hull.sort_unstable();
    for k in 0..hull.len() {
        let (a, b) = (hull[k], hull[(k + 1) % hull.len()]);
        let (pa, pb) = (flat[a], flat[b]);
        let e = [pb[0] - pa[0], pb[1] - pa[1]];
        let l = e[0].hypot(e[1]);
        if l == 0.0 {
            continue;
        }
        let mut i = (a + 1) % m;
        while i != b {
            let r = [flat[i][0] - pa[0], flat[i][1] - pa[1]];
            defect[i] = (e[0] * r[1] - e[1] * r[0]).abs() / l;
            i = (i + 1) % m;
        }
    }
    defect
}

/// Even-odd rule: does the closed 2D polygon contain the origin?
fn encloses_origin(poly: impl Iterator<Item = [f64; 2]> + Clone) -> bool {
    let mut inside = false;
    let first = poly.clone().next();
    let mut it = poly.peekable();
    while let Some(a) = it.next() {
        let Some(b) = it.peek().copied().or(first) else {
            break;
        };
        if (a[1] > 0.0) != (b[1] > 0.0) {
            let x = a[0] - a[1] * (b[0] - a[0]) / (b[1] - a[1]);
            if x > 0.0 {
                inside = !inside;
            }
        }
    }
    inside
}

/// The best neck of the closed loop `flat` (2D, origin at the centreline
/// point; `arc[k]`: length along the loop from point 0 to point k, `total`
/// its full length): indices (i, j), i < j, of the pair with the smallest
/// ratio of distance to loop length between them (the shorter way round),
/// among pairs under [`NECK_RATIO`] whose ends are both hull defects (see
/// [`DEFECT_FRACTION`]) and whose chord stays at least its own length away
/// from the origin (a neck lies at the wall, not across the lumen).
fn neck(flat: &[[f64; 2]], arc: &[f64], total: f64) -> Option<(usize, usize)> {
    let m = flat.len();
    let defect = hull_defects(flat);
    let spacing = total / m as f64;
    let stride = ((SEARCH_STEP / spacing).floor() as usize)
        .max(1)
        .max(m.div_ceil(MAX_SEARCH));
    let mut best: Option<(f64, usize, usize)> = None;
    let dented: Vec<usize> = (0..m)
        .step_by(stride)
        .filter(|&i| defect[i] >= MIN_DEFECT)
        .collect();
    for (n, &i) in dented.iter().enumerate() {
        for &j in &dented[n + 1..] {
            let along = arc[j] - arc[i];
            let s = along.min(total - along);
            if s < MIN_FINGER {
                continue;
            }
            let (a, b) = (flat[i], flat[j]);
            let c = (a[0] - b[0]).hypot(a[1] - b[1]);
            let ratio = c / s;
            if ratio >= NECK_RATIO
                || best.is_some_and(|(r, _, _)| ratio >= r)
                || defect[i].min(defect[j]) < DEFECT_FRACTION * c
            {
                continue;
            }
            if origin_to_segment(a, b) >= c {
                best = Some((ratio, i, j));
            }
        }
    }
    best.map(|(_, i, j)| (i, j))
}

/// The loop `points` (closed, in the plane through `origin`
/// with normal `normal`) with every side branch cut off across its neck:
/// the part that encloses `origin`, closed by the chord. None when there
/// is no branch to cut.
pub(super) fn main_lumen(points: &[V3], origin: V3, normal: V3) -> Option<Vec<V3>> {
    let (e1, e2) = plane_basis(normal);
    let mut pts = points.to_vec();
    let mut cut = false;
    for _ in 0..MAX_CUTS {
        let m = pts.len();
        if m < 8 {
            break;
        }
        let mut arc = Vec::with_capacity(m);
        let mut total = 0.0;
        for i in 0..m {
            arc.push(total);
            total += dist(pts[i], pts[(i + 1) % m]);
        }
        let flat: Vec<[f64; 2]> = pts
            .iter()
            .map(|&p| {
                let r = sub(p, origin);
                [dot(r, e1), dot(r, e2)]
            })
            .collect();
        let Some((i, j)) = neck(&flat, &arc, total) else {
            break;
        };
        // Keep the side that holds the centreline point; the chord
        // closes it.
        let inner = i..=j;
        let keep: Vec<usize> = if encloses_origin(inner.clone().map(|k| flat[k])) {
            inner.collect()
        } else {
            (j..m).chain(0..=i).collect()
        };
        pts = keep.into_iter().map(|k| pts[k]).collect();
        cut = true;
    }
    cut.then_some(pts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// An ellipse (semi-axes a, b) in the z = 0 plane, every 0.25 mm, with
    /// an optional finger of width w and length l sticking out along +y.
    fn shape(a: f64, b: f64, finger: Option<(f64, f64)>) -> Vec<V3> {
        let mut out = Vec::new();
        let n = 1200;
        for k in 0..n {
            let t = 2.0 * PI * k as f64 / n as f64;
            let p = [a * t.cos(), b * t.sin(), 0.0];
            if let Some((w, l)) = finger {
                // Replace the arc with |x| < w / 2 on the +y side by the
                // finger's walls and end.
                if p[1] > 0.0 && p[0].abs() < 0.5 * w {
                    continue;
                }
                if p[1] > 0.0 && k + 1 < n {
                    let q = {
                        let t = 2.0 * PI * (k + 1) as f64 / n as f64;
                        a * t.cos()
                    };
                    if p[0] >= 0.5 * w && q < 0.5 * w {
                        // Walk up the right wall, across, down the left.
                        let y0 = b * (1.0 - (0.5 * w / a).powi(2)).sqrt();
                        out.push(p);
                        let steps = (l / 0.25) as usize;
                        for s in 0..=steps {
                            out.push([0.5 * w, y0 + s as f64 * 0.25, 0.0]);
                        }
                        let across = (w / 0.25) as usize;
                        for s in 1..across {
                            out.push([0.5 * w - s as f64 * 0.25, y0 + l, 0.0]);
                        }
                        for s in (0..=steps).rev() {
                            out.push([-0.5 * w, y0 + s as f64 * 0.25, 0.0]);
                        }
                        continue;
                    }
                }
            }
            out.push(p);
        }
        out
    }

    #[test]
    fn ellipses_up_to_four_to_one_are_left_alone() {
        for (a, b) in [(12.0, 9.0), (15.0, 5.0), (20.0, 5.5)] {
            let pts = shape(a, b, None);
            assert!(main_lumen(&pts, [0.3, -0.2, 0.0], [0.0, 0.0, 1.0]).is_none());
        }
    }

    #[test]
    fn a_side_lobe_finger_is_cut_off_at_its_neck() {
        let pts = shape(11.0, 8.0, Some((6.0, 11.0)));
        let kept = main_lumen(&pts, [0.0; 3], [0.0, 0.0, 1.0]).expect("a cut");
        let top = kept.iter().map(|p| p[1]).fold(f64::MIN, f64::max);
        // The neck is at the ellipse wall: y = 8 sqrt(1 - (3/11)^2) = 7.7.
        assert!((top - 7.7).abs() < 0.6, "kept part reaches y = {top:.2}");
        let bottom = kept.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
        assert!((bottom + 8.0).abs() < 0.1);
    }

    #[test]
    fn a_shallow_bulge_is_kept() {
        let pts = shape(11.0, 8.0, Some((6.0, 2.0)));
        assert!(main_lumen(&pts, [0.0; 3], [0.0, 0.0, 1.0]).is_none());
    }
}
