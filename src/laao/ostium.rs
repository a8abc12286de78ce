//! Finding the ostium along a traced centreline: the last appendage-like
//! station before the body (walking from the tip; a departure that comes
//! back, as in a noisy bend, is not the body), refined by bisection and,
//! at crisp junctions, by the kink in the section-area trend, then kept
//! clear of a noisy crease (no rougher a loop than the appendage's own);
//! and the part of the surface that lies beyond the ostium plane (for the
//! depth).

use super::centreline::{recentre, Station};
use super::contour::Contour;
use super::section::{plane_section, Section, Surface, FLARE_MAX};
use super::wall_axis::{wall_axis, Wall};
use crate::mesh::geometry::{dist, dot, sub, V3};

fn good(sec: &Section, prev_area: Option<f64>) -> bool {
    sec.appendage_like(prev_area)
}

/// Length of appendage-like walk (mm) before a departure can be the body.
const MIN_APPENDAGE_RUN: f64 = 2.0;

/// The ostium among `stations` (tip -> body): the last appendage-like
/// station before a lasting departure into the body. The appendage part
/// must run at least [`MIN_APPENDAGE_RUN`]; the departure must last
/// max(3 mm, a quarter of the ostium diameter), show the body (a flaring
/// wall or a bigger
/// loop) and not come back into the appendage over as long again
/// ([`returns`]), else it is a side lobe's mouth, a noisy bend or noise
/// and the walk goes on.
pub fn find_ostium(stations: &[Station], step: f64) -> Option<usize> {
    let mut last_good: Option<usize> = None;
    let mut good_len = 0.0;
    let mut bad_len = 0.0;
    let mut saw_body = false;
    let mut prev_area: Option<f64> = None;
    for (k, st) in stations.iter().enumerate() {
        // The area-jump test needs an appendage to compare with: near the
        // tip the sections start from nothing (a noisy cap can give a
        // sliver of a loop) and grow faster than any jump allows.
        let reference = prev_area.filter(|_| good_len >= MIN_APPENDAGE_RUN);
        let is_good = match &st.section {
            Ok(sec) => good(sec, reference),
            Err(_) => false,
        };
        if is_good {
            last_good = Some(k);
            good_len += step;
            bad_len = 0.0;
            saw_body = false;
            prev_area = st.section.as_ref().ok().map(|s| s.contour.area_mm2);
            continue;
        }
        let Some(lg) = last_good else { continue };
        bad_len += step;
        let Ok(ost) = &stations[lg].section else {
            continue;
        };
        if let Ok(sec) = &st.section {
            if sec.flare > FLARE_MAX || sec.contour.area_mm2 > 1.2 * ost.contour.area_mm2 {
                saw_body = true;
            }
        }
        let persist = (0.25 * ost.contour.area_diameter_mm).max(3.0);
        if good_len >= MIN_APPENDAGE_RUN
            && bad_len >= persist
            && saw_body
            && !returns(stations, k, persist, step)
        {
            return Some(lg);
        }
    }
    None
}

/// Does the walk come back into the appendage within `persist` mm after
/// station `k`: an appendage-like section (by the same test as the walk's,
/// against the last such section before `k`)? Past the true ostium the
/// sections are the body's, far wider than the neck, and never do; a
/// departure that ends this way was a bend whose oblique planes cut a
/// noisy wall (flare over 1 for a few mm), not the body. A window cut
/// short by the end of the stations counts as no return, as before.
fn returns(stations: &[Station], k: usize, persist: f64, step: f64) -> bool {
    let Some(area) = stations[..k]
        .iter()
        .rev()
        .filter_map(|st| st.section.as_ref().ok())
        .find(|sec| sec.flare <= FLARE_MAX)
        .map(|sec| sec.contour.area_mm2)
    else {
        return false;
    };
    let window = (persist / step).ceil() as usize;
    stations[k + 1..]
        .iter()
        .take(window)
        .filter_map(|st| st.section.as_ref().ok())
        .any(|sec| good(sec, Some(area)))
}

/// The part of the surface beyond an ostium plane.
pub(super) struct Beyond {
    /// Deepest signed distance from the plane (mm).
    pub(super) depth: f64,
    /// A mesh hole lies in that part.
    pub(super) open: bool,
    /// Its area (mm^2).
    pub(super) area: f64,
    /// Which nodes belong to it.
    pub(super) nodes: Vec<bool>,
}

/// Nodes reachable from `tip` without crossing the plane (origin, normal),
/// on its positive side: the appendage beyond the ostium.
pub(super) fn beyond_plane(s: &Surface, tip: u32, origin: V3, normal: V3) -> Beyond {
    let h = |v: u32| dot(sub(s.nodes[v as usize], origin), normal);
    let mut out = Beyond {
        depth: 0.0,
        open: false,
        area: 0.0,
        nodes: Vec::new(),
    };
    if h(tip) <= 0.0 {
        return out;
    }
    let mut seen = vec![false; s.nodes.len()];
    let mut stack = vec![tip];
    seen[tip as usize] = true;
    while let Some(v) = stack.pop() {
        out.depth = out.depth.max(h(v));
        out.open |= s.on_boundary[v as usize];
        for &(w, _) in s.neighbours(v) {
            if !seen[w as usize] && h(w) > 0.0 {
                seen[w as usize] = true;
                stack.push(w);
            }
        }
    }
    out.area = s
        .tris
        .iter()
        .zip(s.tri_areas())
        .filter(|(t, _)| t.iter().all(|&v| seen[v as usize]))
        .map(|(_, a)| a)
        .sum();
    out.nodes = seen;
    out
}

/// Bisect between the ostium station and the next one toward the body for
/// the last plane (same axis) that is still appendage-like. When `precise`
/// and the appendage meets the body in a crisp crease, the ostium is that
/// crease, found from the area trend ([`area_kink`]): smoothed wall normals
/// see the flare up to an edge early. Otherwise step back toward the tip
/// by half an edge (0.1 to 1 mm): a mesh smears the junction over about an
/// edge, and on the body side the diameters grow fast while on the
/// appendage side they change slowly. Screening (not `precise`) skips the
/// area trend: it only ranks candidates.
pub(super) fn refine_ostium(
    s: &Surface,
    st: &Station,
    step: f64,
    precise: bool,
) -> Option<Section> {
    let sec = st.section.as_ref().ok()?;
    let area = sec.contour.area_mm2;
    let (a, c) = (st.axis, sec.contour.center);
    let at = |d: f64| [c[0] - a[0] * d, c[1] - a[1] * d, c[2] - a[2] * d];
    let (mut lo, mut hi) = (0.0, step);
    for _ in 0..6 {
        let mid = 0.5 * (lo + hi);
        match plane_section(s, at(mid), a) {
            Ok(x) if good(&x, Some(area)) && dist(x.contour.center, c) < mid + 1.0 => lo = mid,
            _ => hi = mid,
        }
    }
    let clear = (0.5 * s.mean_edge_mm).clamp(0.1, 1.0);
    let kink = if precise {
        area_kink(s, c, a, lo)
    } else {
        None
    };
    let d = kink.unwrap_or(lo - clear);
    // On a noisy wall the crease is smeared over the noise, and a plane
    // inside that band cuts wall bumps of both the appendage and the body
    // face: the loop gains fingers that leave its area almost unchanged but
    // lengthen its perimeter and widen its maximum diameter. Step back
    // toward the tip until the loop is as smooth as the appendage's own.
    let d = if precise {
        smooth_loop_before(s, c, a, lo, d)
    } else {
        d
    };
    plane_section(s, at(d), a)
        .ok()
        .or_else(|| Some(sec.clone()))
}

/// How far into the appendage the wall band of [`reorient_ostium`] runs,
/// in ostium diameters.
const BAND_DIAMETERS: f64 = 0.5;

/// Turn the ostium plane found by the walk (`sec`, cut perpendicular to
/// the traced direction of station `st`) to the axis of the appendage's
/// own wall just inside it ([`wall_axis`]), and walk to the neck again
/// along that axis; at most twice. The traced direction comes from a few
/// re-centred points and tilts with the noise of the wall (on a noisy
/// mesh by up to 25 degrees); the wall's axis does not. The band of wall
/// used starts 1 mm inside the plane (clear of the rounded crease) and
/// runs half an ostium diameter, at most half the appendage's depth (a
/// tube's axis shows over about its radius; deeper, a bend or the tip
/// would weigh in). The new walk starts 4 mm past that band (past a side
/// lobe near the neck, whose mouth the same rules as [`find_ostium`]
/// step over) and runs straight out along the axis, `step` mm apart, into
/// the body. Returns the section and its unit normal toward the tip;
/// `sec` and the traced direction unchanged when the wall gives no axis
/// or the new walk finds no neck.
pub(super) fn reorient_ostium(
    s: &Surface,
    tip: u32,
    st: &Station,
    sec: Section,
    step: f64,
) -> (Section, V3) {
    let (mut sec, mut axis) = (sec, st.axis);
    for _ in 0..2 {
        let c = sec.lumen().center;
        let diameter = sec.lumen().area_diameter_mm;
        let beyond = beyond_plane(s, tip, c, axis);
        let reach = (1.0 + BAND_DIAMETERS * diameter).min(0.5 * beyond.depth);
        if reach <= 3.0 {
            break;
        }
        let Some(a) = wall_axis(&Wall::of(s, &beyond.nodes), c, axis, (1.0, reach)) else {
            break;
        };
        if dot(a, axis) > (0.5f64).to_radians().cos() {
            break;
        }
        let start_in = (reach + 4.0).min(0.5 * beyond.depth);
        let p = [0, 1, 2].map(|k| c[k] + a[k] * start_in);
        let c0 = recentre(&plane_section(s, p, a), p);
        // Out past the old plane by up to one ostium diameter (the walk may
        // have stopped early, at a side lobe's mouth near the neck), then
        // two departures' worth (see [`find_ostium`]) and 2 mm; the walk
        // ends as soon as a neck is found with a whole departure and
        // return window after it (a window cut short would count as no
        // return).
        let persist = (0.25 * diameter).max(3.0);
        let out = diameter + 2.0 * persist + 2.0;
        let n = ((start_in + out) / step).ceil() as usize;
        let settled = (3.0 * persist / step).ceil() as usize + 2;
        let mut walk: Vec<Station> = Vec::with_capacity(n + 1);
        let mut found = None;
        for j in 0..=n {
            let q = [0, 1, 2].map(|k| c0[k] - a[k] * step * j as f64);
            walk.push(Station {
                centre: q,
                axis: a,
                section: plane_section(s, q, a),
            });
            found = find_ostium(&walk, step);
            if found.is_some_and(|k| walk.len() > k + settled) {
                break;
            }
        }
        let Some(k) = found else {
            break;
        };
        let Some(x) = refine_ostium(s, &walk[k], step, true) else {
            break;
        };
        (sec, axis) = (x, a);
    }
    (sec, axis)
}

/// The plane between `d0 - 1` and `d` (0.1 mm apart) whose diameters are
/// least wrong by an estimate of the two errors a noisy crease trades
/// between. A plane in the crease's band cuts wall bumps of both the
/// appendage and the body face: its loop gains fingers that leave the
/// area almost unchanged but lengthen the perimeter (and widen the maximum
/// diameter); the excess shows as roughness, the perimeter-derived minus
/// the area-derived diameter, above the appendage's own trend (zero for a
/// circle, a fixed small amount for an ellipse, changing slowly along a
/// tube). Stepping back toward the tip clears the fingers but cuts the
/// tube where it is narrower, by its taper (the area-derived diameter's
/// slope). The cost of a plane is its roughness excess beyond the noise
/// (4 times the trend's scatter, at least 0.05 mm: 0.16 mm of perimeter,
/// less than the loop's own 0.25 mm resampling) plus the taper times the
/// step back; both trends are fitted over the same 2 mm as [`area_kink`].
/// A clean crease's roughness stays on its trend and its plane is never
/// moved; a straight tube (no taper) steps back to its first loop within
/// the noise, as before this trade was weighed. `d` itself when the trends
/// cannot be fitted.
///
/// The trade replaced a rule that stepped back to the first loop within
/// the noise whatever the taper: on noisy copies a slowly rising roughness
/// (0.05-0.1 mm above the noise, no fingers) moved tapering necks up to
/// 0.6 mm toward the tip and their diameters 0.3-0.5 mm under the truth.
fn smooth_loop_before(s: &Surface, c: V3, a: V3, d0: f64, d: f64) -> f64 {
    const H: f64 = 0.1;
    let at = |x: f64| [c[0] - a[0] * x, c[1] - a[1] * x, c[2] - a[2] * x];
    let rough = |q: &Contour| q.perimeter_diameter_mm - q.area_diameter_mm;
    let fitted: Vec<(f64, Contour)> = (0..=10)
        .map(|k| d0 - 3.0 + 0.2 * k as f64)
        .filter_map(|x| centred_lumen(s, at(x), a).map(|q| (x, q)))
        .collect();
    let roughness: Vec<(f64, f64)> = fitted.iter().map(|(x, q)| (*x, rough(q))).collect();
    let diameter: Vec<(f64, f64)> = fitted
        .iter()
        .map(|(x, q)| (*x, q.area_diameter_mm))
        .collect();
    let (Some((trend, sigma)), Some((diameter_trend, _))) =
        (line_fit(&roughness), line_fit(&diameter))
    else {
        return d;
    };
    let noise = (4.0 * sigma).max(0.05);
    let taper = (diameter_trend(d0) - diameter_trend(d0 - 1.0)).abs();
    let cost = |x: f64| -> Option<f64> {
        let q = centred_lumen(s, at(x), a)?;
        Some((rough(&q) - trend(x) - noise).max(0.0) + taper * (d - x))
    };
    let mut best = (d, cost(d).unwrap_or(f64::INFINITY));
    let mut x = d - H;
    // Further back the taper alone costs at least as much as the best.
    while x > d0 - 1.0 - 1e-9 && taper * (d - x) < best.1 {
        if let Some(c) = cost(x) {
            if c < best.1 {
                best = (x, c);
            }
        }
        x -= H;
    }
    best.0
}

/// The main lumen of the section through `p` (normal `a`), when its
/// centre stays near `p` (within a quarter of its width plus 1 mm): a loop
/// that wandered off (into the body, or around a neighbour) is no section
/// of this tube.
fn centred_lumen(s: &Surface, p: V3, a: V3) -> Option<Contour> {
    plane_section(s, p, a)
        .ok()
        .map(|q| q.lumen().clone())
        .filter(|q| dist(q.center, p) < 0.25 * q.min_diameter_mm + 1.0)
}

/// Least-squares line through `pts` (x, y) with the residuals' standard
/// deviation; None with fewer than 6 points.
fn line_fit(pts: &[(f64, f64)]) -> Option<(impl Fn(f64) -> f64, f64)> {
    if pts.len() < 6 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let trend = move |x: f64| my + slope * (x - mx);
    let sigma = (pts.iter().map(|p| (p.1 - trend(p.0)).powi(2)).sum::<f64>() / n).sqrt();
    Some((trend, sigma))
}

/// How soon after its first departure from the appendage's trend a crisp
/// crease's area excess leaps past ten times the threshold (mm). On a
/// clean mesh it does within 0.2 mm; on a noisy wall (0.2 mm) the crease
/// is rounded over the noise and it takes 0.3-0.4 mm, where a slanted
/// junction's excess keeps growing gradually for millimetres.
const CRISP_SPAN: f64 = 0.5;

/// Where the cross-section area departs from the appendage's own trend:
/// planes through `c - a * d` (d in mm, growing toward the body) around
/// `d0`, the last plane whose wall does not flare. On the appendage side
/// the area changes slowly and nearly linearly with d (the taper); past the
/// crease where it meets the body it grows fast. A mesh rounds the crease
/// over about an edge, and smoothed wall normals see the flare early, so
/// the crease is taken where the tangent of the fast growth meets the
/// appendage's linear trend (the kink), not where the growth first shows.
/// None when the trend cannot be fitted (too few sections) or the departure
/// is gradual rather than a crisp crease.
pub(super) fn area_kink(s: &Surface, c: V3, a: V3, d0: f64) -> Option<f64> {
    const H: f64 = 0.1;
    let at = |d: f64| [c[0] - a[0] * d, c[1] - a[1] * d, c[2] - a[2] * d];
    let area = |d: f64| -> Option<f64> { centred_lumen(s, at(d), a).map(|x| x.area_mm2) };
    // The appendage's trend over 2 mm, starting 1 mm inside the last
    // non-flaring plane.
    let fit: Vec<(f64, f64)> = (0..=10)
        .map(|k| d0 - 3.0 + 0.2 * k as f64)
        .filter_map(|d| area(d).map(|x| (d, x)))
        .collect();
    let (trend, sigma) = line_fit(&fit)?;
    let mean_area = fit.iter().map(|p| p.1).sum::<f64>() / fit.len() as f64;
    let thr = (4.0 * sigma).max(0.01 * mean_area.abs());
    // Walk toward the body from the end of the fitted range.
    let mut last_flat = d0 - 1.0;
    let mut steep: Vec<(f64, f64)> = Vec::new();
    let mut d = d0 - 1.0 + H;
    while d <= d0 + 2.0 {
        match area(d) {
            Some(x) => {
                let e = x - trend(d);
                if e <= thr && steep.is_empty() {
                    last_flat = d;
                } else {
                    steep.push((d, e));
                    let leapt = e >= 10.0 * thr;
                    if steep.len() >= 3 && (leapt || d - steep[0].0 >= CRISP_SPAN - 1e-9) {
                        break;
                    }
                }
            }
            None => break,
        }
        d += H;
    }
    // Only a crisp crease is located this way: there the excess leaps far
    // above the noise within [`CRISP_SPAN`] of its first departure. A
    // gradual departure (a tube meeting a curved wall at a slant) is seen
    // late, by the threshold's lag: None, and the caller keeps the flare's
    // estimate.
    let crisp = steep.len() >= 3 && steep.last().is_some_and(|x| x.1 >= 10.0 * thr);
    if !crisp {
        return None;
    }
    // Tangent through the first departing samples, back to zero excess;
    // at most the first sample above the threshold, which in a crisp
    // crease is still on the appendage side of the leap.
    let (p, q) = (steep[0], steep[2]);
    let zero = p.0 - p.1 * (q.0 - p.0) / (q.1 - p.1);
    Some(zero.clamp(last_flat - 2.0 * H, p.0))
}

/// The longest closed loop of edges between a triangle tagged `a` and one
/// tagged `b` (the appendage's tag border), as points in order; None when
/// the border has no closed loop (a broken or branching tag border).
pub(super) fn tag_border_loop(s: &Surface, a: i32, b: i32) -> Option<Vec<V3>> {
    use std::collections::HashMap;
    // Which tags meet across each edge: bit 1 for `a`, bit 2 for `b`.
    let mut sides: HashMap<(u32, u32), u8> = HashMap::new();
    for (t, &r) in s.tris.iter().zip(&s.tri_region) {
        let bit = if r == a {
            1
        } else if r == b {
            2
        } else {
            continue;
        };
        for k in 0..3 {
            let (x, y) = (t[k], t[(k + 1) % 3]);
            *sides.entry((x.min(y), x.max(y))).or_default() |= bit;
        }
    }
    let mut adj: HashMap<u32, Vec<u32>> = HashMap::new();
    for (&(x, y), &m) in &sides {
        if m == 3 {
            adj.entry(x).or_default().push(y);
            adj.entry(y).or_default().push(x);
        }
    }
    let mut used: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
    let mut starts: Vec<u32> = adj.keys().copied().collect();
    starts.sort_unstable();
    let mut best: Option<(f64, Vec<V3>)> = None;
    for v0 in starts {
        for &w0 in &adj[&v0] {
            if used.contains(&(v0.min(w0), v0.max(w0))) {
                continue;
            }
            // Walk unused border edges until the start comes back.
            let mut chain = vec![v0];
            let (mut prev, mut cur) = (v0, w0);
            used.insert((v0.min(w0), v0.max(w0)));
            let mut closed = false;
            while chain.len() <= adj.len() {
                if cur == v0 {
                    closed = true;
                    break;
                }
                chain.push(cur);
                let next = adj[&cur]
                    .iter()
                    .copied()
                    .find(|&n| n != prev && !used.contains(&(cur.min(n), cur.max(n))));
                let Some(n) = next else { break };
                used.insert((cur.min(n), cur.max(n)));
                (prev, cur) = (cur, n);
            }
            if !closed || chain.len() < 3 {
                continue;
            }
            let pts: Vec<V3> = chain.iter().map(|&v| s.nodes[v as usize]).collect();
            let len: f64 = (0..pts.len())
                .map(|i| dist(pts[i], pts[(i + 1) % pts.len()]))
                .sum();
            if best.as_ref().is_none_or(|(l, _)| len > *l) {
                best = Some((len, pts));
            }
        }
    }
    best.map(|(_, p)| p)
}
