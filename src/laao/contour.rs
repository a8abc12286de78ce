//! A closed planar cross-section contour and the diameters planners report
//! (LAAO.md): area, perimeter, maximum and minimum diameter, perimeter-derived
//! (P / pi) and area-derived (2 sqrt(A / pi)) diameters.

use crate::mesh::geometry::{cross, dist, dot, norm, sub, V3};
use serde::Serialize;

/// A closed planar contour in mm. `points` are ordered around the loop (the
/// last point connects back to the first).
#[derive(Debug, Clone, Serialize)]
pub struct Contour {
    /// Loop points (mm); not written to JSON (the report draws them).
    #[serde(skip)]
    pub points: Vec<V3>,
    /// Centroid of the enclosed area (mm).
    pub center: V3,
    /// Unit normal of the contour's plane.
    pub normal: V3,
    pub area_mm2: f64,
    pub perimeter_mm: f64,
    /// Largest distance between two contour points.
    pub max_diameter_mm: f64,
    /// Smallest caliper width (the narrowest strip that holds the contour).
    pub min_diameter_mm: f64,
    /// Perimeter / pi.
    pub perimeter_diameter_mm: f64,
    /// 2 sqrt(area / pi).
    pub area_diameter_mm: f64,
    /// Unit direction of the maximum diameter (in the plane).
    pub max_axis: V3,
}

/// An orthonormal basis (e1, e2) of the plane with normal `n`.
pub fn plane_basis(n: V3) -> (V3, V3) {
    let n = unit(n);
    let helper = if n[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let e1 = unit(cross(n, helper));
    let e2 = cross(n, e1);
    (e1, e2)
}

pub fn unit(v: V3) -> V3 {
    let l = norm(v);
    if l > 0.0 {
        [v[0] / l, v[1] / l, v[2] / l]
    } else {
        [0.0; 3]
    }
}

/// Convex hull (Andrew's monotone chain) of 2D points, counter-clockwise.
fn convex_hull(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let turn = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<[f64; 2]> = Vec::with_capacity(2 * pts.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &[f64; 2]>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && turn(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// Rotating calipers over a convex polygon (counter-clockwise, no repeated
/// points): its diameter with the unit direction of that diameter, and its
/// smallest width. The smallest width is attained with one side flush to a
/// hull edge, and the diameter between a vertex pair that is antipodal to
/// some edge, so one sweep of the edge and its farthest vertex (which only
/// moves forward) finds both in linear time.
fn calipers(hull: &[[f64; 2]]) -> (f64, [f64; 2], f64) {
    let n = hull.len();
    let d = |a: [f64; 2], b: [f64; 2]| (b[0] - a[0]).hypot(b[1] - a[1]);
    let mut max_d = 0.0;
    let mut axis = [1.0, 0.0];
    let mut consider = |a: [f64; 2], b: [f64; 2]| {
        let l = d(a, b);
        if l > max_d {
            max_d = l;
            axis = [(b[0] - a[0]) / l, (b[1] - a[1]) / l];
        }
    };
    if n < 3 {
        if n == 2 {
            consider(hull[0], hull[1]);
        }
        return (max_d, axis, 0.0);
    }
    // Twice the area of (a, b, c): the height of c over a-b times |a-b|.
    let area2 = |a: [f64; 2], b: [f64; 2], c: [f64; 2]| {
        ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])).abs()
    };
    let mut best_w = f64::INFINITY;
    let mut j = 1;
    for i in 0..n {
        let (a, b) = (hull[i], hull[(i + 1) % n]);
        let mut steps = 0;
        while steps < n && area2(a, b, hull[(j + 1) % n]) > area2(a, b, hull[j]) {
            j = (j + 1) % n;
            steps += 1;
        }
        let len = d(a, b);
        if len > 0.0 {
            best_w = best_w.min(area2(a, b, hull[j]) / len);
        }
        // The vertex after j ties with it when an edge there is parallel
        // to a-b.
        for k in [j, (j + 1) % n] {
            consider(a, hull[k]);
            consider(b, hull[k]);
        }
    }
    (max_d, axis, if best_w.is_finite() { best_w } else { 0.0 })
}

impl Contour {
    /// Metrics of the closed loop `points` lying (nearly) in the plane with
    /// normal `normal`. Points are projected onto that plane first.
    pub fn from_loop(points: Vec<V3>, normal: V3) -> Contour {
        let n = unit(normal);
        let (e1, e2) = plane_basis(n);
        let m = points.len().max(1) as f64;
        let mut origin = [0.0; 3];
        for p in &points {
            for d in 0..3 {
                origin[d] += p[d] / m;
            }
        }
        let flat: Vec<[f64; 2]> = points
            .iter()
            .map(|p| {
                let r = sub(*p, origin);
                [dot(r, e1), dot(r, e2)]
            })
            .collect();
        // Shoelace area and area centroid.
        let (mut a2, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for i in 0..flat.len() {
            let p = flat[i];
            let q = flat[(i + 1) % flat.len()];
            let c = p[0] * q[1] - q[0] * p[1];
            a2 += c;
            cx += (p[0] + q[0]) * c;
            cy += (p[1] + q[1]) * c;
        }
        let area = 0.5 * a2.abs();
        let (cx, cy) = if a2.abs() > 1e-12 {
            (cx / (3.0 * a2), cy / (3.0 * a2))
        } else {
            (0.0, 0.0)
        };
        let center = [
            origin[0] + cx * e1[0] + cy * e2[0],
            origin[1] + cx * e1[1] + cy * e2[1],
            origin[2] + cx * e1[2] + cy * e2[2],
        ];
        let perimeter: f64 = (0..points.len())
            .map(|i| dist(points[i], points[(i + 1) % points.len()]))
            .sum();
        let hull = convex_hull(flat.clone());
        let (max_d, axis2, min_w) = calipers(&hull);
        let max_axis = unit([
            axis2[0] * e1[0] + axis2[1] * e2[0],
            axis2[0] * e1[1] + axis2[1] * e2[1],
            axis2[0] * e1[2] + axis2[1] * e2[2],
        ]);
        Contour {
            center,
            normal: n,
            area_mm2: area,
            perimeter_mm: perimeter,
            max_diameter_mm: max_d,
            min_diameter_mm: min_w,
            perimeter_diameter_mm: perimeter / std::f64::consts::PI,
            area_diameter_mm: 2.0 * (area / std::f64::consts::PI).sqrt(),
            max_axis,
            points,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ellipse(a: f64, b: f64, n: usize, normal: V3, center: V3) -> Vec<V3> {
        let (e1, e2) = plane_basis(normal);
        (0..n)
            .map(|k| {
                let t = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
                let (x, y) = (a * t.cos(), b * t.sin());
                [
                    center[0] + x * e1[0] + y * e2[0],
                    center[1] + x * e1[1] + y * e2[1],
                    center[2] + x * e1[2] + y * e2[2],
                ]
            })
            .collect()
    }

    #[test]
    fn calipers_agree_with_brute_force_on_random_hulls() {
        // A small linear congruential generator: no test dependency.
        let mut state = 12345u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..200 {
            let n = 3 + (rnd() * 60.0) as usize;
            let pts: Vec<[f64; 2]> = (0..n)
                .map(|_| [20.0 * rnd() - 10.0, 8.0 * rnd() - 4.0])
                .collect();
            let hull = convex_hull(pts);
            let (max_d, _, min_w) = calipers(&hull);
            let mut brute_d: f64 = 0.0;
            let mut brute_w = f64::INFINITY;
            for i in 0..hull.len() {
                for j in 0..hull.len() {
                    let (a, b) = (hull[i], hull[j]);
                    brute_d = brute_d.max((b[0] - a[0]).hypot(b[1] - a[1]));
                }
                let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
                let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
                let l = ex.hypot(ey);
                let w = hull
                    .iter()
                    .map(|p| ((p[0] - a[0]) * ey - (p[1] - a[1]) * ex).abs() / l)
                    .fold(0.0, f64::max);
                brute_w = brute_w.min(w);
            }
            assert!((max_d - brute_d).abs() < 1e-9, "{max_d} vs {brute_d}");
            assert!((min_w - brute_w).abs() < 1e-9, "{min_w} vs {brute_w}");
        }
    }

    #[test]
    fn ellipse_metrics_match_the_closed_forms() {
        let (a, b) = (12.0, 9.0);
        let c = Contour::from_loop(
            ellipse(a, b, 2000, [0.3, -0.5, 0.8], [5.0, 6.0, 7.0]),
            [0.3, -0.5, 0.8],
        );
        let pi = std::f64::consts::PI;
        // Ramanujan's perimeter of an ellipse.
        let h = ((a - b) / (a + b)).powi(2);
        let perim = pi * (a + b) * (1.0 + 3.0 * h / (10.0 + (4.0 - 3.0 * h).sqrt()));
        assert!((c.max_diameter_mm - 2.0 * a).abs() < 1e-3);
        assert!((c.min_diameter_mm - 2.0 * b).abs() < 1e-3);
        assert!((c.area_mm2 - pi * a * b).abs() < 0.01 * pi * a * b * 0.01);
        assert!((c.perimeter_mm - perim).abs() < 1e-2);
        assert!((c.area_diameter_mm - 2.0 * (a * b).sqrt()).abs() < 1e-2);
        assert!((c.perimeter_diameter_mm - perim / pi).abs() < 1e-2);
        assert!(dist(c.center, [5.0, 6.0, 7.0]) < 1e-6);
    }
}
