//! Polygonising the atrium's distance field (naive surface nets from the
//! `fast-surface-nets` crate) and checking that the result is a closed,
//! consistently oriented surface.

use super::sdf::{Model, Part};
use super::V3;
use crate::mesh::geometry::{cross, dot, norm, sub, triangle_area};
use crate::mesh::{ElementKind, Mesh};
use crate::{Error, Result};
use fast_surface_nets::ndshape::{RuntimeShape, Shape};
use fast_surface_nets::{surface_nets, SurfaceNetsBuffer};
use rayon::prelude::*;
use std::collections::HashMap;

/// What [`check_closed_surface`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceReport {
    pub vertices: usize,
    pub edges: usize,
    pub triangles: usize,
    /// Edges used by one triangle only.
    pub boundary_edges: usize,
    /// Edges used by more than two triangles.
    pub non_manifold_edges: usize,
    /// Interior edges whose two triangles traverse them in the same
    /// direction (the surface's orientation flips there).
    pub inconsistent_edges: usize,
    /// Connected components (through shared edges).
    pub components: usize,
    /// V - E + F (2 for a closed surface of sphere topology).
    pub euler: i64,
}

impl SurfaceReport {
    /// Closed, manifold, consistently oriented, one sphere-like component.
    pub fn is_closed_sphere(&self) -> bool {
        self.boundary_edges == 0
            && self.non_manifold_edges == 0
            && self.inconsistent_edges == 0
            && self.components == 1
            && self.euler == 2
    }
}

/// Count boundary, non-manifold and inconsistently oriented edges,
/// components and the Euler characteristic of a triangle mesh.
pub fn check_closed_surface(mesh: &Mesh) -> SurfaceReport {
    // Directed-edge counts per undirected edge: (a->b with a<b, b->a).
    let mut edges: HashMap<(u32, u32), (u32, u32)> = HashMap::new();
    for t in mesh.elements.chunks_exact(3) {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            let e = edges.entry((a.min(b), a.max(b))).or_insert((0, 0));
            if a < b {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let mut report = SurfaceReport {
        vertices: 0,
        edges: edges.len(),
        triangles: mesh.elements.len() / 3,
        boundary_edges: 0,
        non_manifold_edges: 0,
        inconsistent_edges: 0,
        components: 0,
        euler: 0,
    };
    for &(f, b) in edges.values() {
        match f + b {
            1 => report.boundary_edges += 1,
            2 if f != 1 => report.inconsistent_edges += 1,
            2 => {}
            _ => report.non_manifold_edges += 1,
        }
    }
    // Components by union-find over the triangles' vertices.
    let mut parent: Vec<u32> = (0..mesh.nodes.len() as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut used = vec![false; mesh.nodes.len()];
    for t in mesh.elements.chunks_exact(3) {
        for &i in t {
            used[i as usize] = true;
        }
        let r0 = find(&mut parent, t[0]);
        for &i in &t[1..] {
            let r = find(&mut parent, i);
            parent[r as usize] = r0;
        }
    }
    report.vertices = used.iter().filter(|&&u| u).count();
    report.components = (0..mesh.nodes.len() as u32)
        .filter(|&i| used[i as usize] && find(&mut parent, i) == i)
        .count();
    report.euler = report.vertices as i64 - report.edges as i64 + report.triangles as i64;
    report
}

/// Central-difference gradient of the model's distance at `p`.
fn gradient(model: &Model, p: V3, e: f64) -> V3 {
    let mut g = [0.0; 3];
    for d in 0..3 {
        let mut a = p;
        let mut b = p;
        a[d] += e;
        b[d] -= e;
        g[d] = (model.sdf(a) - model.sdf(b)) / (2.0 * e);
    }
    g
}

/// Move `p` onto the zero set by a few damped Newton steps (each at most
/// `max_step` mm), so vertices sit on the exact surface, not on the
/// grid's interpolation of it.
fn project(model: &Model, mut p: V3, max_step: f64) -> V3 {
    for _ in 0..4 {
        let f = model.sdf(p);
        if f.abs() < 1e-6 {
            break;
        }
        let g = gradient(model, p, 1e-3);
        let g2 = dot(g, g);
        if g2 < 1e-12 {
            break;
        }
        let mut step = [g[0] * f / g2, g[1] * f / g2, g[2] * f / g2];
        let len = norm(step);
        if len > max_step {
            step = step.map(|s| s * max_step / len);
        }
        p = sub(p, step);
    }
    p
}

fn tri_normal(nodes: &[V3], t: &[u32]) -> V3 {
    let (a, b, c) = (
        nodes[t[0] as usize],
        nodes[t[1] as usize],
        nodes[t[2] as usize],
    );
    cross(sub(b, a), sub(c, a))
}

/// Remove "checkerboard" grid faces (two diagonal corners inside, the
/// other two outside). Naive surface nets turns such a face into an edge
/// shared by four triangles; they appear where a sharp crease (the crisp
/// appendage junction) crosses a face obliquely. The outside corner nearest
/// to the surface is moved just inside, joining the two inside corners as
/// the solid does at a concave crease; this shifts the surface by less than
/// one grid cell there, and vertex projection puts it back on the exact
/// surface. Repeats until no such face is left.
fn resolve_ambiguous_faces(field: &mut [f32], [nx, ny, nz]: [usize; 3]) {
    let idx = |x: usize, y: usize, z: usize| x + nx * (y + ny * z);
    for _ in 0..10 {
        let mut changed = 0;
        for z in 0..nz {
            for y in 0..ny {
                for x in 0..nx {
                    // The three faces with (x, y, z) as their lowest corner.
                    let faces = [
                        (
                            x + 1 < nx && y + 1 < ny,
                            [
                                idx(x, y, z),
                                idx(x + 1, y, z),
                                idx(x + 1, y + 1, z),
                                idx(x, y + 1, z),
                            ],
                        ),
                        (
                            y + 1 < ny && z + 1 < nz,
                            [
                                idx(x, y, z),
                                idx(x, y + 1, z),
                                idx(x, y + 1, z + 1),
                                idx(x, y, z + 1),
                            ],
                        ),
                        (
                            x + 1 < nx && z + 1 < nz,
                            [
                                idx(x, y, z),
                                idx(x + 1, y, z),
                                idx(x + 1, y, z + 1),
                                idx(x, y, z + 1),
                            ],
                        ),
                    ];
                    for (ok, c) in faces {
                        if !ok {
                            continue;
                        }
                        let neg = c.map(|i| field[i] < 0.0);
                        if neg[0] == neg[2] && neg[1] == neg[3] && neg[0] != neg[1] {
                            let outside = if neg[0] { [c[1], c[3]] } else { [c[0], c[2]] };
                            let j = if field[outside[0]] <= field[outside[1]] {
                                outside[0]
                            } else {
                                outside[1]
                            };
                            field[j] = -1e-4;
                            changed += 1;
                        }
                    }
                }
            }
        }
        if changed == 0 {
            break;
        }
    }
}

/// Collapse edges shorter than `l_min` (mm) into their projected
/// midpoints. Surface nets puts vertices anywhere in their cells, so a few
/// come out almost on top of each other; their slivers would force a tiny
/// stable time step on the EP solver. A collapse is skipped when it would
/// break the manifold (the edge's endpoints must share exactly the two
/// opposite vertices) or fold or flatten a triangle.
fn collapse_short_edges(
    model: &Model,
    nodes: &mut [V3],
    mut tris: Vec<u32>,
    l_min: f64,
) -> Vec<u32> {
    let n_tri = tris.len() / 3;
    let mut alive = vec![true; n_tri];
    let mut around: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (t, tri) in tris.chunks_exact(3).enumerate() {
        for &v in tri {
            around[v as usize].push(t);
        }
    }
    let mut short: Vec<(f64, u32, u32)> = Vec::new();
    for tri in tris.chunks_exact(3) {
        for k in 0..3 {
            let (a, b) = (tri[k], tri[(k + 1) % 3]);
            let l = norm(sub(nodes[a as usize], nodes[b as usize]));
            if a < b && l < l_min {
                short.push((l, a, b));
            }
        }
    }
    short.sort_by(|x, y| x.0.total_cmp(&y.0));
    for (_, a, b) in short {
        let (ua, ub) = (a as usize, b as usize);
        if around[ua].is_empty() || around[ub].is_empty() {
            continue;
        }
        if norm(sub(nodes[ua], nodes[ub])) >= l_min {
            continue;
        }
        let tri_of = |t: usize, tris: &[u32]| [tris[3 * t], tris[3 * t + 1], tris[3 * t + 2]];
        let shared: Vec<usize> = around[ua]
            .iter()
            .copied()
            .filter(|&t| alive[t] && tri_of(t, &tris).contains(&b))
            .collect();
        if shared.len() != 2 {
            continue;
        }
        let ring = |v: usize, tris: &[u32]| {
            let mut r: Vec<u32> = around[v]
                .iter()
                .filter(|&&t| alive[t])
                .flat_map(|&t| tri_of(t, tris))
                .filter(|&w| w != a && w != b)
                .collect();
            r.sort_unstable();
            r.dedup();
            r
        };
        let (ra, rb) = (ring(ua, &tris), ring(ub, &tris));
        if ra.iter().filter(|w| rb.binary_search(w).is_ok()).count() != 2 {
            continue;
        }
        let mid = [0, 1, 2].map(|d| 0.5 * (nodes[ua][d] + nodes[ub][d]));
        let p = project(model, mid, l_min);
        // Every surviving triangle around a or b must keep its orientation.
        let mut ok = true;
        for &t in around[ua].iter().chain(&around[ub]) {
            if !alive[t] || shared.contains(&t) {
                continue;
            }
            let tri = tri_of(t, &tris);
            let before = tri_normal(nodes, &tri);
            let moved: Vec<V3> = tri
                .iter()
                .map(|&v| {
                    if v == a || v == b {
                        p
                    } else {
                        nodes[v as usize]
                    }
                })
                .collect();
            let after = cross(sub(moved[1], moved[0]), sub(moved[2], moved[0]));
            if dot(before, after) <= 0.5 * norm(before) * norm(after)
                || norm(after) < 1e-3 * l_min * l_min
            {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        for &t in &shared {
            alive[t] = false;
        }
        let moved_tris = std::mem::take(&mut around[ub]);
        for &t in &moved_tris {
            for v in &mut tris[3 * t..3 * t + 3] {
                if *v == b {
                    *v = a;
                }
            }
        }
        around[ua].extend(moved_tris);
        around[ua].retain(|&t| alive[t]);
        nodes[ua] = p;
    }
    tris.chunks_exact(3)
        .zip(&alive)
        .filter(|(_, &live)| live)
        .flat_map(|(t, _)| t.iter().copied())
        .collect()
}

/// Polygonise the model on a grid of spacing `h` mm into a tagged, closed,
/// outward-oriented triangle surface.
pub fn polygonise(model: &Model, h: f64) -> Result<Mesh> {
    let origin_path = "<generated atrium>";
    let (lo, hi) = model.bounds();
    // One empty layer of cells beyond the bounds on each side keeps the
    // field positive on the grid's faces, so the surface closes.
    let origin = [lo[0] - h, lo[1] - h, lo[2] - h];
    let dims: Vec<u32> = (0..3)
        .map(|d| ((hi[d] - lo[d]) / h).ceil() as u32 + 3)
        .collect();
    let cells = dims.iter().map(|&n| n as f64).product::<f64>();
    if cells > 6e7 {
        return Err(Error::Unsupported(format!(
            "spacing_mm {h} gives a grid of {cells:.1e} points; use a coarser spacing"
        )));
    }
    let (nx, ny, nz) = (dims[0] as usize, dims[1] as usize, dims[2] as usize);
    let shape = RuntimeShape::<u32, 3>::new([dims[0], dims[1], dims[2]]);
    let mut field = vec![0f32; nx * ny * nz];
    field
        .par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(z, slab)| {
            for y in 0..ny {
                for x in 0..nx {
                    let p = [
                        origin[0] + x as f64 * h,
                        origin[1] + y as f64 * h,
                        origin[2] + z as f64 * h,
                    ];
                    slab[x + nx * y] = model.sdf(p) as f32;
                }
            }
        });
    debug_assert_eq!(shape.linearize([1, 0, 0]), 1);
    resolve_ambiguous_faces(&mut field, [nx, ny, nz]);
    let mut buf = SurfaceNetsBuffer::default();
    surface_nets(
        &field,
        &shape,
        [0, 0, 0],
        [dims[0] - 1, dims[1] - 1, dims[2] - 1],
        &mut buf,
    );
    drop(field);
    let grid_nodes: Vec<V3> = buf
        .positions
        .iter()
        .map(|q| {
            [
                origin[0] + q[0] as f64 * h,
                origin[1] + q[1] as f64 * h,
                origin[2] + q[2] as f64 * h,
            ]
        })
        .collect();
    let tris: Vec<u32> = buf
        .indices
        .chunks_exact(3)
        .filter(|t| t[0] != t[1] && t[1] != t[2] && t[0] != t[2])
        .flatten()
        .copied()
        .collect();
    let mut nodes: Vec<V3> = grid_nodes
        .par_iter()
        .map(|&p| project(model, p, 0.5 * h))
        .collect();
    // Projection can fold a triangle at a crease; put the vertices of any
    // triangle that turned by more than ~80 degrees or collapsed back where
    // the grid had them.
    for _ in 0..8 {
        let mut reverted = 0;
        for t in tris.chunks_exact(3) {
            let before = tri_normal(&grid_nodes, t);
            let after = tri_normal(&nodes, t);
            let scale = norm(before) * norm(after);
            if dot(before, after) <= 0.17 * scale || norm(after) < 1e-6 * h * h {
                for &i in t {
                    if nodes[i as usize] != grid_nodes[i as usize] {
                        nodes[i as usize] = grid_nodes[i as usize];
                        reverted += 1;
                    }
                }
            }
        }
        if reverted == 0 {
            break;
        }
    }
    // A collapse refused in one pass (its neighbourhood not yet manifold
    // enough) often goes through once its neighbours have been collapsed.
    let mut tris = tris;
    for _ in 0..4 {
        let before = tris.len();
        tris = collapse_short_edges(model, &mut nodes, tris, 0.3 * h);
        if tris.len() == before {
            break;
        }
    }
    // Drop vertices no triangle uses and renumber.
    let mut map = vec![u32::MAX; nodes.len()];
    let mut kept = Vec::new();
    let mut elements = Vec::with_capacity(tris.len());
    for &i in &tris {
        if map[i as usize] == u32::MAX {
            map[i as usize] = kept.len() as u32;
            kept.push(nodes[i as usize]);
        }
        elements.push(map[i as usize]);
    }
    let mut mesh = Mesh::new(kept, ElementKind::Triangle, elements);
    // Outward orientation: the enclosed volume must come out positive.
    let volume: f64 = mesh
        .elements
        .chunks_exact(3)
        .map(|t| {
            let (a, b, c) = (
                mesh.nodes[t[0] as usize],
                mesh.nodes[t[1] as usize],
                mesh.nodes[t[2] as usize],
            );
            dot(a, cross(b, c)) / 6.0
        })
        .sum();
    if volume < 0.0 {
        for t in mesh.elements.chunks_exact_mut(3) {
            t.swap(1, 2);
        }
    }
    let report = check_closed_surface(&mesh);
    if !report.is_closed_sphere() {
        return Err(Error::invalid_mesh(
            origin_path,
            format!(
                "the polygonised surface is not a closed sphere-like surface ({report:?}); parts of the shape are probably closer than the grid spacing {h} mm: try a finer spacing_mm or move the appendage away from the veins"
            ),
        ));
    }
    if let Some(e) = mesh.elements.chunks_exact(3).position(|t| {
        let (a, b, c) = (
            mesh.nodes[t[0] as usize],
            mesh.nodes[t[1] as usize],
            mesh.nodes[t[2] as usize],
        );
        triangle_area(a, b, c) < 1e-6 * h * h
    }) {
        return Err(Error::invalid_mesh(
            origin_path,
            format!("triangle {e} is degenerate after polygonisation"),
        ));
    }
    mesh.regions = mesh
        .elements
        .par_chunks_exact(3)
        .map(|t| {
            let c = [0, 1, 2].map(|d| {
                (mesh.nodes[t[0] as usize][d]
                    + mesh.nodes[t[1] as usize][d]
                    + mesh.nodes[t[2] as usize][d])
                    / 3.0
            });
            match model.part(c) {
                Part::Body => crate::laao::BODY_TAG,
                Part::Appendage => crate::laao::APPENDAGE_TAG,
            }
        })
        .collect();
    crate::mesh::validate::validate(&mut mesh, std::path::Path::new(origin_path))?;
    Ok(mesh)
}
