//! Which mesh node a click lands on: a ray (from the camera) against the
//! boundary triangles ([`crate::Mesh::surface_triangles`]), Möller–Trumbore
//! per triangle, with a bounding-volume hierarchy built once per mesh so
//! that a click on a 200k-node mesh visits a few dozen triangles, not all
//! of them.
//!
//! Coordinates in mm (f32, as drawn). Triangles are hit from either side:
//! surface meshes are not always oriented outward, and a camera inside the
//! atrium looks at the back faces.

use crate::Mesh;
use glam::Vec3;

/// Where a ray meets the surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The hit triangle's vertex nearest the hit point (mesh node order).
    pub mesh_node: u32,
    /// Index of the hit triangle in the picker's triangle list.
    pub triangle: usize,
    /// The hit point (mm).
    pub point: Vec3,
    /// Distance from the ray origin along the (unit) ray direction (mm).
    pub distance: f32,
}

/// Triangles per BVH leaf: small enough that a leaf is cheap, large enough
/// that the tree stays shallow.
const LEAF_SIZE: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Aabb {
    min: Vec3,
    max: Vec3,
}

impl Aabb {
    const EMPTY: Aabb = Aabb {
        min: Vec3::splat(f32::INFINITY),
        max: Vec3::splat(f32::NEG_INFINITY),
    };

    fn grow(&mut self, p: Vec3) {
        self.min = self.min.min(p);
        self.max = self.max.max(p);
    }

    /// Entry distance of the ray into the box (slab test), if it enters
    /// before `t_max`.
    fn entry(&self, origin: Vec3, inv_dir: Vec3, t_max: f32) -> Option<f32> {
        let t0 = (self.min - origin) * inv_dir;
        let t1 = (self.max - origin) * inv_dir;
        let near = t0.min(t1).max_element().max(0.0);
        let far = t0.max(t1).min_element().min(t_max);
        (near <= far).then_some(near)
    }
}

#[derive(Debug, Clone, Copy)]
struct Node {
    bounds: Aabb,
    /// Leaf: first triangle in `order`; inner: index of the left child (the
    /// right child is `left + 1`).
    first: u32,
    /// Leaf: number of triangles; inner: 0.
    count: u32,
}

/// A surface ready for picking.
#[derive(Debug, Clone)]
pub struct Picker {
    positions: Vec<Vec3>,
    triangles: Vec<[u32; 3]>,
    /// Triangle indices grouped by leaf.
    order: Vec<u32>,
    nodes: Vec<Node>,
}

impl Picker {
    /// Build for `triangles` (indices into `positions`, mm). Triangles with
    /// an index out of range are left out rather than trusted.
    pub fn new(positions: &[[f32; 3]], triangles: &[[u32; 3]]) -> Picker {
        let positions: Vec<Vec3> = positions.iter().map(|&p| Vec3::from_array(p)).collect();
        let n = positions.len();
        let triangles: Vec<[u32; 3]> = triangles
            .iter()
            .copied()
            .filter(|t| t.iter().all(|&v| (v as usize) < n))
            .collect();
        let mut picker = Picker {
            positions,
            triangles,
            order: Vec::new(),
            nodes: Vec::new(),
        };
        picker.build();
        picker
    }

    /// The mesh's boundary triangles, as drawn.
    pub fn from_mesh(mesh: &Mesh) -> Picker {
        let positions: Vec<[f32; 3]> = mesh
            .nodes
            .iter()
            .map(|p| [p[0] as f32, p[1] as f32, p[2] as f32])
            .collect();
        Picker::new(&positions, &mesh.surface_triangles())
    }

    pub fn triangles(&self) -> &[[u32; 3]] {
        &self.triangles
    }

    fn corners(&self, t: usize) -> [Vec3; 3] {
        self.triangles[t].map(|v| self.positions[v as usize])
    }

    fn build(&mut self) {
        let centroids: Vec<Vec3> = (0..self.triangles.len())
            .map(|t| {
                let [a, b, c] = self.corners(t);
                (a + b + c) / 3.0
            })
            .collect();
        self.order = (0..self.triangles.len() as u32).collect();
        self.nodes.clear();
        if self.triangles.is_empty() {
            return;
        }
        self.nodes.push(Node {
            bounds: Aabb::EMPTY,
            first: 0,
            count: 0,
        });
        // Iterative median split on the longest axis of the centroids' box:
        // O(n log n), no recursion depth to worry about on big meshes.
        let mut stack = vec![(0usize, 0usize, self.triangles.len())];
        while let Some((node, lo, hi)) = stack.pop() {
            let mut bounds = Aabb::EMPTY;
            let mut cbox = Aabb::EMPTY;
            for &t in &self.order[lo..hi] {
                for p in self.corners(t as usize) {
                    bounds.grow(p);
                }
                cbox.grow(centroids[t as usize]);
            }
            self.nodes[node].bounds = bounds;
            let extent = cbox.max - cbox.min;
            if hi - lo <= LEAF_SIZE || extent.max_element() <= 0.0 {
                self.nodes[node].first = lo as u32;
                self.nodes[node].count = (hi - lo) as u32;
                continue;
            }
            let axis = if extent.x >= extent.y && extent.x >= extent.z {
                0
            } else if extent.y >= extent.z {
                1
            } else {
                2
            };
            let mid = (lo + hi) / 2;
            self.order[lo..hi].select_nth_unstable_by(mid - lo, |&a, &b| {
                centroids[a as usize][axis].total_cmp(&centroids[b as usize][axis])
            });
            let left = self.nodes.len();
            for _ in 0..2 {
                self.nodes.push(Node {
                    bounds: Aabb::EMPTY,
                    first: 0,
                    count: 0,
                });
            }
            self.nodes[node].first = left as u32;
            self.nodes[node].count = 0;
            stack.push((left, lo, mid));
            stack.push((left + 1, mid, hi));
        }
    }

    /// The nearest triangle the ray meets, or None (a miss, or a zero
    /// direction). `dir` need not be unit length.
    pub fn pick(&self, origin: Vec3, dir: Vec3) -> Option<Hit> {
        let dir = dir.try_normalize()?;
        let root = self.nodes.first()?;
        // Finite reciprocals: an axis-parallel ray would give 0 * inf = NaN
        // in the slab test for an origin on a box face.
        let inv_dir = dir.to_array().map(|d| {
            if d.abs() < 1e-20 {
                1e20_f32.copysign(d)
            } else {
                1.0 / d
            }
        });
        let inv_dir = Vec3::from_array(inv_dir);
        let mut best: Option<(f32, usize)> = None;
        let mut stack: Vec<u32> = Vec::with_capacity(64);
        if root.bounds.entry(origin, inv_dir, f32::INFINITY).is_some() {
            stack.push(0);
        }
        while let Some(i) = stack.pop() {
            let node = self.nodes[i as usize];
            let t_max = best.map_or(f32::INFINITY, |b| b.0);
            if node.bounds.entry(origin, inv_dir, t_max).is_none() {
                continue;
            }
            if node.count > 0 {
                let (s, e) = (node.first as usize, (node.first + node.count) as usize);
                for &t in &self.order[s..e] {
                    if let Some(d) = intersect(origin, dir, self.corners(t as usize)) {
                        if best.is_none_or(|b| d < b.0) {
                            best = Some((d, t as usize));
                        }
                    }
                }
                continue;
            }
            // Visit the nearer child first so that its hit prunes the other.
            let (l, r) = (node.first, node.first + 1);
            let near = |c: u32| {
                self.nodes[c as usize]
                    .bounds
                    .entry(origin, inv_dir, f32::INFINITY)
            };
            match (near(l), near(r)) {
                (Some(a), Some(b)) if a <= b => stack.extend([r, l]),
                (Some(_), Some(_)) => stack.extend([l, r]),
                (Some(_), None) => stack.push(l),
                (None, Some(_)) => stack.push(r),
                (None, None) => {}
            }
        }
        best.map(|(distance, t)| self.hit(origin, dir, distance, t))
    }

    /// Every triangle tested, no hierarchy: the reference the BVH is
    /// checked against.
    pub fn pick_brute_force(&self, origin: Vec3, dir: Vec3) -> Option<Hit> {
        let dir = dir.try_normalize()?;
        (0..self.triangles.len())
            .filter_map(|t| intersect(origin, dir, self.corners(t)).map(|d| (d, t)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(distance, t)| self.hit(origin, dir, distance, t))
    }

    fn hit(&self, origin: Vec3, dir: Vec3, distance: f32, t: usize) -> Hit {
        let point = origin + dir * distance;
        let tri = self.triangles[t];
        let mesh_node = tri
            .into_iter()
            .min_by(|&a, &b| {
                let da = self.positions[a as usize].distance_squared(point);
                let db = self.positions[b as usize].distance_squared(point);
                da.total_cmp(&db)
            })
            .unwrap_or(tri[0]);
        Hit {
            mesh_node,
            triangle: t,
            point,
            distance,
        }
    }
}

/// Möller–Trumbore: distance along the unit `dir` at which the ray meets
/// the triangle (either side), if ahead of the origin. Edges count as hits
/// (a small tolerance in barycentric units), so a ray through a shared
/// edge does not slip between two triangles.
pub fn intersect(origin: Vec3, dir: Vec3, [a, b, c]: [Vec3; 3]) -> Option<f32> {
    const EDGE: f32 = 1e-6;
    let e1 = b - a;
    let e2 = c - a;
    let p = dir.cross(e2);
    let det = e1.dot(p);
    // Parallel to the triangle's plane (relative to its size).
    if det.abs() <= f32::EPSILON * e1.length() * e2.length() {
        return None;
    }
    let inv = 1.0 / det;
    let s = origin - a;
    let u = s.dot(p) * inv;
    if !(-EDGE..=1.0 + EDGE).contains(&u) {
        return None;
    }
    let q = s.cross(e1);
    let v = dir.dot(q) * inv;
    if v < -EDGE || u + v > 1.0 + EDGE {
        return None;
    }
    let t = e2.dot(q) * inv;
    (t > 0.0).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_square() -> Picker {
        let p = [
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 1.0, 0.0],
        ];
        Picker::new(&p, &[[0, 1, 2], [0, 2, 3]])
    }

    #[test]
    fn ray_down_onto_a_square_hits_the_nearest_corner() {
        let hit = unit_square()
            .pick(Vec3::new(0.9, 0.2, 5.0), Vec3::NEG_Z)
            .expect("hit");
        assert_eq!(hit.mesh_node, 1);
        assert_eq!(hit.triangle, 0);
        assert!((hit.distance - 5.0).abs() < 1e-5);
        assert!(hit.point.distance(Vec3::new(0.9, 0.2, 0.0)) < 1e-5);
    }

    #[test]
    fn ray_beside_or_away_from_the_square_misses() {
        let s = unit_square();
        assert_eq!(s.pick(Vec3::new(1.5, 0.5, 5.0), Vec3::NEG_Z), None);
        assert_eq!(s.pick(Vec3::new(0.5, 0.5, 5.0), Vec3::Z), None);
        assert_eq!(s.pick(Vec3::new(0.5, 0.5, 5.0), Vec3::ZERO), None);
    }

    #[test]
    fn out_of_range_triangles_are_left_out() {
        let p = Picker::new(&[[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], &[[0, 1, 7]]);
        assert!(p.triangles().is_empty());
        assert_eq!(p.pick(Vec3::Z, Vec3::NEG_Z), None);
    }
}
