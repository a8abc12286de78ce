//! The measured surface: the mesh made fit for geometry. Triangles only
//! (the boundary of a tetrahedral mesh), coincident nodes welded (STL files
//! are triangle soups), degenerate triangles kept as zero-normal slivers,
//! consistently oriented smoothed wall normals, and an edge graph for
//! geodesics. Units: mm.

use super::contour::unit;
use super::grid::TriGrid;
use crate::mesh::geometry::{cross, dist, norm, sub, V3};
use crate::{ElementKind, Error, Mesh, Result};
use std::collections::HashMap;

/// A welded triangle surface with its edge graph.
#[derive(Debug, Clone)]
pub struct Surface {
    /// Node coordinates (mm).
    pub nodes: Vec<V3>,
    pub tris: Vec<[u32; 3]>,
    /// Region tag of each triangle (of its tetrahedron for a volume mesh).
    pub tri_region: Vec<i32>,
    /// Unit normal of each triangle (orientation not relied upon).
    pub tri_normal: Vec<V3>,
    /// Node adjacency (CSR): neighbours of node v are
    /// `adj[adj_start[v]..adj_start[v + 1]]`, with the edge length (mm).
    pub adj_start: Vec<usize>,
    pub adj: Vec<(u32, f64)>,
    /// Nodes on an edge used by one triangle only (a hole, e.g. a vein opening).
    pub on_boundary: Vec<bool>,
    /// Mean edge length (mm): the mesh's own length scale.
    pub mean_edge_mm: f64,
    /// The triangles binned in space, for plane sections near a point.
    pub grid: TriGrid,
}

fn no_surface(why: &str) -> Error {
    Error::Unsupported(format!(
        "laa measure: the mesh has no usable surface ({why}); expected a closed \
         or nearly closed triangle surface of the left atrium, in mm"
    ))
}

/// Wall normals that survive slivers and noise: orient the triangles
/// consistently (breadth-first across manifold edges; files from
/// segmentations are not always consistent), sum area-weighted normals at
/// the nodes, average them once over node neighbourhoods (more would smear
/// the crease at the ostium), and give each
/// triangle the mean of its nodes' normals. Orientation is only used here.
fn smooth_normals(
    nodes: &[V3],
    tris: &mut [[u32; 3]],
    edges: &HashMap<(u32, u32), u32>,
    edge_tris: &HashMap<(u32, u32), [u32; 2]>,
    raw: &[V3],
) -> Vec<V3> {
    let nt = tris.len();
    let mut done = vec![false; nt];
    let mut queue = std::collections::VecDeque::new();
    for seed in 0..nt {
        if done[seed] {
            continue;
        }
        done[seed] = true;
        queue.push_back(seed);
        while let Some(t) = queue.pop_front() {
            let tri = tris[t];
            for k in 0..3 {
                let (a, b) = (tri[k], tri[(k + 1) % 3]);
                let key = (a.min(b), a.max(b));
                if edges.get(&key) != Some(&2) {
                    continue;
                }
                let Some(pair) = edge_tris.get(&key) else {
                    continue;
                };
                let o = if pair[0] as usize == t {
                    pair[1]
                } else {
                    pair[0]
                } as usize;
                if o >= nt || done[o] {
                    continue;
                }
                // Consistent neighbours run the shared edge the other way.
                let ot = tris[o];
                let same_way = (0..3).any(|m| ot[m] == a && ot[(m + 1) % 3] == b);
                if same_way {
                    tris[o].swap(1, 2);
                }
                done[o] = true;
                queue.push_back(o);
            }
        }
    }
    let mut vn = vec![[0.0; 3]; nodes.len()];
    let mut nbrs: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
    for (t, _) in tris.iter().zip(raw) {
        let (a, b, c) = (
            nodes[t[0] as usize],
            nodes[t[1] as usize],
            nodes[t[2] as usize],
        );
        let n = cross(sub(b, a), sub(c, a));
        for k in 0..3 {
            let v = t[k] as usize;
            for d in 0..3 {
                vn[v][d] += n[d];
            }
            nbrs[v].push(t[(k + 1) % 3]);
        }
    }
    for _ in 0..1 {
        let prev: Vec<V3> = vn.iter().map(|&n| unit(n)).collect();
        for v in 0..nodes.len() {
            let mut acc = prev[v];
            for &w in &nbrs[v] {
                for d in 0..3 {
                    acc[d] += prev[w as usize][d];
                }
            }
            vn[v] = acc;
        }
    }
    tris.iter()
        .map(|t| {
            let mut n = [0.0; 3];
            for &v in t {
                let u = unit(vn[v as usize]);
                for d in 0..3 {
                    n[d] += u[d];
                }
            }
            unit(n)
        })
        .collect()
}

/// Boundary faces of a tetrahedral mesh with the region of their tetrahedron.
fn tet_boundary_with_regions(mesh: &Mesh) -> Vec<([u32; 3], i32)> {
    let mut faces: HashMap<[u32; 3], (usize, i32)> = HashMap::new();
    for (e, t) in mesh.elements_iter().enumerate() {
        let region = mesh.regions.get(e).copied().unwrap_or(0);
        for f in [[1, 2, 3], [0, 3, 2], [0, 1, 3], [0, 2, 1]] {
            let mut key = [t[f[0]], t[f[1]], t[f[2]]];
            key.sort_unstable();
            faces.entry(key).or_insert((0, region)).0 += 1;
        }
    }
    let mut out: Vec<([u32; 3], i32)> = faces
        .into_iter()
        .filter(|(_, (c, _))| *c == 1)
        .map(|(k, (_, r))| (k, r))
        .collect();
    out.sort_unstable();
    out
}

impl Surface {
    /// The measurable surface of `mesh` (its boundary when tetrahedral).
    pub fn from_mesh(mesh: &Mesh) -> Result<Surface> {
        let raw: Vec<([u32; 3], i32)> = match mesh.kind {
            ElementKind::Triangle => mesh
                .elements_iter()
                .enumerate()
                .map(|(e, t)| {
                    (
                        [t[0], t[1], t[2]],
                        mesh.regions.get(e).copied().unwrap_or(0),
                    )
                })
                .collect(),
            ElementKind::Tetrahedron => tet_boundary_with_regions(mesh),
        };
        if raw.is_empty() {
            return Err(no_surface("no triangles"));
        }
        let n = mesh.nodes.len();
        if raw.iter().any(|(t, _)| t.iter().any(|&v| v as usize >= n)) {
            return Err(no_surface(
                "a triangle refers to a node that does not exist",
            ));
        }
        if mesh.nodes.iter().any(|p| p.iter().any(|c| !c.is_finite())) {
            return Err(no_surface("a node coordinate is not a finite number"));
        }
        let (lo, hi) = mesh.bounding_box();
        let diag = dist(lo, hi);
        if diag <= 0.0 {
            return Err(no_surface("all nodes coincide"));
        }
        // Weld nodes closer than a tiny fraction of the size: triangle soups
        // (STL) repeat every corner, which would cut the edge graph apart.
        let tol = 1e-7 * diag;
        let mut key_to_new: HashMap<[i64; 3], u32> = HashMap::new();
        let mut old_to_new = vec![u32::MAX; n];
        let mut nodes: Vec<V3> = Vec::new();
        for (t, _) in &raw {
            for &v in t {
                let v = v as usize;
                if old_to_new[v] != u32::MAX {
                    continue;
                }
                let p = mesh.nodes[v];
                let key = [
                    (p[0] / tol).round() as i64,
                    (p[1] / tol).round() as i64,
                    (p[2] / tol).round() as i64,
                ];
                let id = *key_to_new.entry(key).or_insert_with(|| {
                    nodes.push(p);
                    (nodes.len() - 1) as u32
                });
                old_to_new[v] = id;
            }
        }
        let min_area = 1e-12 * diag * diag;
        let mut tris = Vec::with_capacity(raw.len());
        let mut tri_region = Vec::with_capacity(raw.len());
        let mut tri_normal = Vec::with_capacity(raw.len());
        let mut good_tris = 0usize;
        for (t, r) in &raw {
            let t = [
                old_to_new[t[0] as usize],
                old_to_new[t[1] as usize],
                old_to_new[t[2] as usize],
            ];
            if t[0] == t[1] || t[1] == t[2] || t[0] == t[2] {
                continue;
            }
            let (a, b, c) = (
                nodes[t[0] as usize],
                nodes[t[1] as usize],
                nodes[t[2] as usize],
            );
            // Slivers stay: dropping one would open a slit in the surface.
            // Their normal is left zero and carries no weight.
            let nrm = cross(sub(b, a), sub(c, a));
            let proper = 0.5 * norm(nrm) > min_area;
            good_tris += usize::from(proper);
            tris.push(t);
            tri_region.push(*r);
            tri_normal.push(if proper { unit(nrm) } else { [0.0; 3] });
        }
        if good_tris < 4 {
            return Err(no_surface("fewer than 4 non-degenerate triangles"));
        }
        let mut edges: HashMap<(u32, u32), u32> = HashMap::with_capacity(3 * tris.len() / 2);
        let mut edge_tris: HashMap<(u32, u32), [u32; 2]> =
            HashMap::with_capacity(3 * tris.len() / 2);
        for (ti, t) in tris.iter().enumerate() {
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                let c = edges.entry((a.min(b), a.max(b))).or_insert(0);
                if *c < 2 {
                    edge_tris
                        .entry((a.min(b), a.max(b)))
                        .or_insert([u32::MAX; 2])[*c as usize] = ti as u32;
                }
                *c += 1;
            }
        }
        let tri_normal = smooth_normals(&nodes, &mut tris, &edges, &edge_tris, &tri_normal);
        let nn = nodes.len();
        let mut degree = vec![0usize; nn + 1];
        let mut on_boundary = vec![false; nn];
        let mut total = 0.0;
        for (&(a, b), &count) in &edges {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
            total += dist(nodes[a as usize], nodes[b as usize]);
            if count == 1 {
                on_boundary[a as usize] = true;
                on_boundary[b as usize] = true;
            }
        }
        let mut adj_start = vec![0usize; nn + 1];
        for v in 0..nn {
            adj_start[v + 1] = adj_start[v] + degree[v];
        }
        let mut fill = adj_start.clone();
        let mut adj = vec![(0u32, 0.0); adj_start[nn]];
        for &(a, b) in edges.keys() {
            let l = dist(nodes[a as usize], nodes[b as usize]);
            adj[fill[a as usize]] = (b, l);
            fill[a as usize] += 1;
            adj[fill[b as usize]] = (a, l);
            fill[b as usize] += 1;
        }
        // Cells of 3 mm: a plane section near a point then looks at a slab
        // a few mm thick around it.
        let grid = TriGrid::new(&nodes, &tris, 3.0);
        Ok(Surface {
            grid,
            mean_edge_mm: total / edges.len().max(1) as f64,
            nodes,
            tris,
            tri_region,
            tri_normal,
            adj_start,
            adj,
            on_boundary,
        })
    }

    /// Neighbours of node `v` with edge lengths (mm).
    pub fn neighbours(&self, v: u32) -> &[(u32, f64)] {
        &self.adj[self.adj_start[v as usize]..self.adj_start[v as usize + 1]]
    }

    /// Area of each triangle (mm^2).
    pub fn tri_areas(&self) -> impl Iterator<Item = f64> + '_ {
        self.tris.iter().map(|t| {
            let (a, b, c) = (
                self.nodes[t[0] as usize],
                self.nodes[t[1] as usize],
                self.nodes[t[2] as usize],
            );
            0.5 * norm(cross(sub(b, a), sub(c, a)))
        })
    }

    /// Area-weighted centroid of the surface (mm).
    pub fn centroid(&self) -> V3 {
        let (mut c, mut w) = ([0.0; 3], 0.0);
        for t in &self.tris {
            let (a, b, d) = (
                self.nodes[t[0] as usize],
                self.nodes[t[1] as usize],
                self.nodes[t[2] as usize],
            );
            let area = 0.5 * norm(cross(sub(b, a), sub(d, a)));
            for k in 0..3 {
                c[k] += area * (a[k] + b[k] + d[k]) / 3.0;
            }
            w += area;
        }
        if w > 0.0 {
            [c[0] / w, c[1] / w, c[2] / w]
        } else {
            c
        }
    }
}
