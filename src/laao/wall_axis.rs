//! The appendage's axis near its ostium from the orientation of its wall.
//!
//! On a tube (circular or elliptic, straight or gently tapered) every wall
//! normal is nearly perpendicular to the axis, so the axis is the direction
//! least represented among the area-weighted wall normals: the eigenvector
//! of the smallest eigenvalue of sum(area n n^T), the classic estimate of a
//! cylinder's axis from its normals. It uses the whole wall of a stretch of
//! tube at once, where a line through traced section centres uses a few
//! points that each jitter with the wall: on a noisy mesh (0.2 mm noise)
//! those lines swing by up to 25 degrees between stations near the neck,
//! and a plane tilted by t across a 33 mm ostium meets the body 16.5 tan(t)
//! mm early. Noise tilts single normals at random: it narrows the
//! eigenvalue gap without turning the eigenvector.
//!
//! Walls that are not the tube's (the flaring body at the neck, the far
//! end of a side lobe, a rounded tip) have normals far from perpendicular
//! to the axis; they are left out, iteratively, when |n.axis| exceeds a
//! cut-off (trimmed least squares), so they do not tilt it. Smooth
//! weights (Tukey's biweight) were tried first: they favour the walls that
//! look parallel to the current estimate, and on a broad elliptic tube
//! that feedback walked the axis 14 degrees off in 15 rounds. A side lobe's own tube has normals
//! perpendicular to its axis, which for a lobe leaving the appendage
//! sideways includes the appendage's axis: the cut-off drops those, and
//! the lobe wall it keeps is nearly parallel to the appendage's axis and
//! agrees with it. Units: mm.

use super::contour::unit;
use super::section::Surface;
use crate::mesh::geometry::{dot, sub, V3};

/// Cut-offs on |n.axis|, loosest first: the first estimate may be 25
/// degrees off, so the first rounds keep walls up to 45 degrees from
/// parallel; the rest keep those within 30 degrees (a tapering appendage's
/// wall is within about 10). The last is repeated until the axis settles
/// (to 0.01 degrees: the kept set no longer changes), at most
/// [`MAX_ROUNDS`] rounds in all.
const CUTOFFS: [f64; 3] = [0.7, 0.6, 0.5];
const MAX_ROUNDS: usize = 30;

/// Least share of the band's wall area that must carry weight for the
/// estimate to count (else too little tube wall was seen).
const MIN_WEIGHTED_SHARE: f64 = 0.3;

/// The appendage's wall triangles: centroid, unit normal and area of each
/// triangle of the surface whose nodes all lie in the appendage, gathered
/// once so that every axis estimate scans only them.
pub(super) struct Wall(Vec<(V3, V3, f64)>);

impl Wall {
    /// The triangles of `s` whose nodes are all in `inside`.
    pub(super) fn of(s: &Surface, inside: &[bool]) -> Wall {
        Wall(
            s.tris
                .iter()
                .zip(s.tri_areas())
                .zip(&s.tri_normal)
                .filter(|((t, a), n)| {
                    *a > 0.0 && **n != [0.0; 3] && t.iter().all(|&v| inside[v as usize])
                })
                .map(|((t, a), &n)| {
                    let c = [0, 1, 2]
                        .map(|d| t.iter().map(|&v| s.nodes[v as usize][d]).sum::<f64>() / 3.0);
                    (c, n, a)
                })
                .collect(),
        )
    }
}

/// The axis of the tube formed by the triangles of `wall` whose centroids
/// lie between `band.0` and `band.1` mm from the plane through `origin`
/// with unit normal `axis` (measured along `axis`), starting from `axis`;
/// the result points the same way as `axis`. None when the band holds too
/// little tube wall.
pub(super) fn wall_axis(wall: &Wall, origin: V3, axis: V3, band: (f64, f64)) -> Option<V3> {
    // The band is taken across the starting axis and kept: one that
    // followed the estimate could swing onto a bend or the body. A slab
    // oblique to a tapering tube holds more wall on one side, whose
    // normals' axial parts do not cancel (1.7 degrees left of a 20 degree
    // error on a tube tapering 9 degrees); calling again from the result
    // removes most of that.
    let wall: Vec<(V3, f64)> = wall
        .0
        .iter()
        .filter(|(c, _, _)| {
            let h = dot(sub(*c, origin), axis);
            h >= band.0 && h <= band.1
        })
        .map(|&(_, n, a)| (n, a))
        .collect();
    let total: f64 = wall.iter().map(|w| w.1).sum();
    if wall.len() < 20 || total <= 0.0 {
        return None;
    }
    let mut a = unit(axis);
    for round in 0..MAX_ROUNDS {
        let cut = CUTOFFS[round.min(CUTOFFS.len() - 1)];
        let mut m = [[0.0; 3]; 3];
        let mut weighted = 0.0;
        for &(n, area) in &wall {
            if dot(n, a).abs() >= cut {
                continue;
            }
            weighted += area;
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] += area * n[i] * n[j];
                }
            }
        }
        if weighted < MIN_WEIGHTED_SHARE * total {
            return None;
        }
        let next = smallest_eigenvector(&m, a)?;

        let settled = dot(next, a) > (0.01f64).to_radians().cos();
        a = next;
        if settled && round + 1 >= CUTOFFS.len() {
            break;
        }
    }
    Some(a)
}

/// Largest turn (degrees) from the centreline's direction that
/// [`local_axis`] accepts: more means the band held something other than
/// the appendage's tube.
const MAX_TURN_DEG: f64 = 30.0;

/// The appendage's axis at `p` on its centreline, whose own direction
/// there is `along`: the axis of the wall within a band a quarter of the
/// ostium's `diameter` (at least 2 mm) to either side of the plane
/// through `p`, among the appendage's triangles (`wall`),
/// estimated twice (the second time across the first estimate, see
/// [`wall_axis`]). A centreline traced through noisy sections can turn by
/// 20 degrees over a millimetre; the wall around it does not. `along`
/// when the wall gives no axis or one more than [`MAX_TURN_DEG`] away.
pub(super) fn local_axis(wall: &Wall, p: V3, along: V3, diameter: f64) -> V3 {
    let r = (0.25 * diameter).max(2.0);
    let band = (-r, r);
    let estimate = wall_axis(wall, p, along, band)
        .and_then(|a| wall_axis(wall, p, a, band))
        .filter(|&a| dot(a, unit(along)) >= MAX_TURN_DEG.to_radians().cos());
    estimate.unwrap_or(along)
}

/// Unit eigenvector of the smallest eigenvalue of the symmetric positive
/// semi-definite `m`, on the side of `start` (power iteration on
/// trace(m) I - m, whose largest eigenvalue it is). For a tube's normal
/// matrix the eigenvalues are about (0, w/2, w/2), so each iteration
/// shrinks the error at least by half. None when `m` is zero.
fn smallest_eigenvector(m: &[[f64; 3]; 3], start: V3) -> Option<V3> {
    let tr = m[0][0] + m[1][1] + m[2][2];
    if tr <= 0.0 {
        return None;
    }
    let mut v = start;
    for _ in 0..60 {
        let w = unit([0, 1, 2].map(|i| tr * v[i] - dot(m[i], v)));
        if w == [0.0; 3] {
            return None;
        }
        v = w;
    }
    Some(if dot(v, start) < 0.0 {
        [-v[0], -v[1], -v[2]]
    } else {
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{ElementKind, Mesh};
    use std::f64::consts::PI;

    /// A closed elliptic cone (semi-axes a, b at z = 0, shrinking by
    /// `taper` per mm) from z = 0 to z = len along `axis`, capped flat at
    /// both ends, with every node pushed along a pseudo-random direction
    /// by up to `noise` mm.
    fn cone(a: f64, b: f64, taper: f64, len: f64, axis: V3, noise: f64) -> Mesh {
        let (e1, e2) = super::super::contour::plane_basis(axis);
        let (nu, nz) = (96, (len / 0.5) as usize);
        let mut nodes = Vec::new();
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        for k in 0..=nz {
            let z = len * k as f64 / nz as f64;
            let s = 1.0 - taper * z;
            for j in 0..nu {
                let t = 2.0 * PI * j as f64 / nu as f64;
                let (x, y) = (a * s * t.cos(), b * s * t.sin());
                let j = [rnd(), rnd(), rnd()];
                nodes.push([0, 1, 2].map(|d| x * e1[d] + y * e2[d] + z * axis[d] + noise * j[d]));
            }
        }
        let ring = |k: usize, j: usize| (k * nu + j % nu) as u32;
        let mut tris = Vec::new();
        for k in 0..nz {
            for j in 0..nu {
                tris.extend([ring(k, j), ring(k, j + 1), ring(k + 1, j + 1)]);
                tris.extend([ring(k, j), ring(k + 1, j + 1), ring(k + 1, j)]);
            }
        }
        for (k, end) in [(0, 0.0), (nz, len)] {
            let c = nodes.len() as u32;
            nodes.push([0, 1, 2].map(|d| end * axis[d]));
            for j in 0..nu {
                tris.extend([c, ring(k, j), ring(k, j + 1)]);
            }
        }
        Mesh::new(nodes, ElementKind::Triangle, tris)
    }

    fn angle_deg(a: V3, b: V3) -> f64 {
        dot(unit(a), unit(b)).clamp(-1.0, 1.0).acos().to_degrees()
    }

    #[test]
    fn a_noisy_tapered_elliptic_tube_gives_its_axis_from_a_tilted_start() {
        let axis = unit([0.3, -0.5, 0.8]);
        let mesh = cone(16.0, 12.0, 0.01, 20.0, axis, 0.2);
        let s = Surface::from_mesh(&mesh).unwrap();
        let wall = Wall::of(&s, &vec![true; s.nodes.len()]);
        // Start 20 degrees off, as the traced lines can be.
        let (e1, _) = super::super::contour::plane_basis(axis);
        let t = 20f64.to_radians();
        let start = unit([0, 1, 2].map(|d| t.cos() * axis[d] + t.sin() * e1[d]));
        let got = wall_axis(&wall, [0.0; 3], start, (2.0, 14.0)).unwrap();
        assert!(
            angle_deg(got, axis) < 2.5,
            "{:.2} deg",
            angle_deg(got, axis)
        );
        // Again across the first estimate, as the ostium search does.
        let got = wall_axis(&wall, [0.0; 3], got, (2.0, 14.0)).unwrap();
        assert!(
            angle_deg(got, axis) < 0.5,
            "{:.2} deg",
            angle_deg(got, axis)
        );
        assert!(dot(got, start) > 0.0);
    }

    #[test]
    fn the_end_caps_do_not_tilt_it_and_an_empty_band_gives_none() {
        let axis = [0.0, 0.0, 1.0];
        let mesh = cone(10.0, 7.0, 0.02, 12.0, axis, 0.0);
        let s = Surface::from_mesh(&mesh).unwrap();
        let wall = Wall::of(&s, &vec![true; s.nodes.len()]);
        let got = wall_axis(&wall, [0.0; 3], unit([0.2, 0.1, 1.0]), (-1.0, 13.0)).unwrap();
        assert!(
            angle_deg(got, axis) < 0.5,
            "{:.2} deg",
            angle_deg(got, axis)
        );
        assert!(wall_axis(&wall, [0.0; 3], axis, (20.0, 30.0)).is_none());
    }
}
