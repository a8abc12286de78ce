//! The drawable surface of a mesh: [`SurfaceGeometry`] (CPU: boundary
//! triangles over the nodes they use, smooth normals, solver indices, region
//! ranks) and [`SurfaceMesh`] (the same in GPU vertex and index buffers).

use glam::Vec3;
use wgpu::util::DeviceExt;

use super::gpu_data::SurfaceVertex;
use super::palette::region_colour;
use crate::mesh::Mesh;
use crate::{Error, Result};

/// The boundary of a mesh, ready to draw.
#[derive(Debug, Clone)]
pub struct SurfaceGeometry {
    /// One per mesh node used by a boundary triangle, in mesh node order.
    pub vertices: Vec<SurfaceVertex>,
    /// Triangles indexing `vertices`, oriented as `Mesh::surface_triangles`
    /// (outward for tetrahedral meshes).
    pub triangles: Vec<[u32; 3]>,
    /// Axis-aligned bounds of the vertices (mm).
    pub bounds: (Vec3, Vec3),
    /// The mesh's sorted region tags; a vertex's `region` is a rank in it.
    pub region_tags: Vec<i32>,
    /// Number of solver nodes the `solver_index`es refer to.
    pub solver_nodes: usize,
}

impl SurfaceGeometry {
    /// Build from `mesh`. `solver_order[i]` is the mesh node of solver node
    /// `i` (`run::Prepared::order`); `None` when solver and mesh order agree
    /// (or there is no solver). Fails on an order that is not a permutation
    /// of the mesh's nodes, or on a mesh without surface.
    pub fn new(mesh: &Mesh, solver_order: Option<&[u32]>) -> Result<SurfaceGeometry> {
        let n = mesh.node_count();
        let solver_of_node = invert_order(n, solver_order)?;
        let region_tags = mesh.region_tags();
        let node_region = node_regions(mesh, &region_tags);

        let mut vertex_of_node = vec![u32::MAX; n];
        let mut used = Vec::new();
        let mut triangles = Vec::new();
        for tri in mesh.surface_triangles() {
            if tri.iter().any(|&i| i as usize >= n) {
                return Err(invalid(format!(
                    "surface triangle {tri:?} refers to a node beyond the {n} nodes"
                )));
            }
            for &i in &tri {
                if vertex_of_node[i as usize] == u32::MAX {
                    vertex_of_node[i as usize] = 0;
                    used.push(i);
                }
            }
            triangles.push(tri);
        }
        if triangles.is_empty() {
            return Err(invalid("the mesh has no surface triangles to draw".into()));
        }
        // Vertices in mesh node order: neighbouring nodes stay neighbours in
        // memory (meshes are usually numbered with some locality).
        used.sort_unstable();
        for (v, &i) in used.iter().enumerate() {
            vertex_of_node[i as usize] = v as u32;
        }
        for tri in &mut triangles {
            *tri = tri.map(|i| vertex_of_node[i as usize]);
        }

        let positions: Vec<Vec3> = used
            .iter()
            .map(|&i| {
                let p = mesh.nodes[i as usize];
                Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32)
            })
            .collect();
        let normals = smooth_normals(&positions, &triangles);
        let mut lo = Vec3::splat(f32::INFINITY);
        let mut hi = Vec3::splat(f32::NEG_INFINITY);
        for p in &positions {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(invalid("node coordinates are not finite".into()));
        }
        let vertices = used
            .iter()
            .zip(positions.iter().zip(&normals))
            .map(|(&i, (p, nrm))| SurfaceVertex {
                position: p.to_array(),
                normal: nrm.to_array(),
                solver_index: solver_of_node[i as usize],
                node_index: i,
                region: node_region[i as usize],
            })
            .collect();
        Ok(SurfaceGeometry {
            vertices,
            triangles,
            bounds: (lo, hi),
            region_tags,
            solver_nodes: n,
        })
    }

    /// Each region tag with the colour regions mode draws it in (sRGB).
    pub fn region_legend(&self) -> Vec<(i32, [u8; 3])> {
        self.region_tags
            .iter()
            .enumerate()
            .map(|(rank, &tag)| (tag, region_colour(rank)))
            .collect()
    }
}

/// solver index of each mesh node, from `order[solver] = mesh node`.
fn invert_order(n: usize, order: Option<&[u32]>) -> Result<Vec<u32>> {
    let Some(order) = order else {
        return Ok((0..n as u32).collect());
    };
    if order.len() != n {
        return Err(invalid(format!(
            "solver order has {} entries for {n} mesh nodes",
            order.len()
        )));
    }
    let mut solver_of_node = vec![u32::MAX; n];
    for (s, &m) in order.iter().enumerate() {
        let slot = solver_of_node
            .get_mut(m as usize)
            .ok_or_else(|| invalid(format!("solver node {s} maps to mesh node {m}, beyond {n}")))?;
        if *slot != u32::MAX {
            return Err(invalid(format!(
                "mesh node {m} appears twice in the solver order"
            )));
        }
        *slot = s as u32;
    }
    Ok(solver_of_node)
}

/// Region rank of each node: that of the first element (in element order)
/// that contains it. Nodes on a region boundary take one side; the
/// categorical colours are flat per triangle in the shader anyway.
fn node_regions(mesh: &Mesh, tags: &[i32]) -> Vec<u32> {
    let mut out = vec![u32::MAX; mesh.node_count()];
    for (e, nodes) in mesh.elements_iter().enumerate() {
        let tag = mesh.regions.get(e).copied().unwrap_or(0);
        let rank = tags.binary_search(&tag).unwrap_or(0) as u32;
        for &i in nodes {
            if let Some(r) = out.get_mut(i as usize) {
                if *r == u32::MAX {
                    *r = rank;
                }
            }
        }
    }
    for r in &mut out {
        if *r == u32::MAX {
            *r = 0;
        }
    }
    out
}

/// Area-weighted vertex normals (a zero-area neighbourhood gets +z).
fn smooth_normals(positions: &[Vec3], triangles: &[[u32; 3]]) -> Vec<Vec3> {
    let mut acc = vec![Vec3::ZERO; positions.len()];
    for t in triangles {
        let [a, b, c] = t.map(|i| positions[i as usize]);
        // |cross| is twice the area: the sum weighs faces by area.
        let n = (b - a).cross(c - a);
        for &i in t {
            acc[i as usize] += n;
        }
    }
    acc.into_iter().map(|n| n.normalize_or(Vec3::Z)).collect()
}

fn invalid(message: String) -> Error {
    Error::InvalidMesh {
        path: "(viewer surface)".into(),
        message,
    }
}

/// A [`SurfaceGeometry`] in GPU buffers.
pub struct SurfaceMesh {
    pub(crate) vertices: wgpu::Buffer,
    pub(crate) indices: wgpu::Buffer,
    pub(crate) index_count: u32,
    geometry: SurfaceGeometry,
}

impl SurfaceMesh {
    /// Upload the surface of `mesh` (see [`SurfaceGeometry::new`]).
    pub fn new(
        device: &wgpu::Device,
        mesh: &Mesh,
        solver_order: Option<&[u32]>,
    ) -> Result<SurfaceMesh> {
        Ok(Self::from_geometry(
            device,
            SurfaceGeometry::new(mesh, solver_order)?,
        ))
    }

    pub fn from_geometry(device: &wgpu::Device, geometry: SurfaceGeometry) -> SurfaceMesh {
        let vertices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("viewer surface vertices"),
            contents: bytemuck::cast_slice(&geometry.vertices),
            usage: wgpu::BufferUsages::VERTEX,
        });
        let indices = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("viewer surface indices"),
            contents: bytemuck::cast_slice(&geometry.triangles),
            usage: wgpu::BufferUsages::INDEX,
        });
        SurfaceMesh {
            vertices,
            indices,
            index_count: 3 * geometry.triangles.len() as u32,
            geometry,
        }
    }

    pub fn geometry(&self) -> &SurfaceGeometry {
        &self.geometry
    }

    /// Bounds of the surface (mm), for [`crate::viewer::camera::OrbitCamera::fit`].
    pub fn bounds(&self) -> (Vec3, Vec3) {
        self.geometry.bounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{box_tets, sheet_triangles};

    #[test]
    fn box_surface_uses_only_boundary_nodes_with_outward_normals() {
        let mesh = box_tets(4.0, 3.0, 2.0, 1.0);
        let g = SurfaceGeometry::new(&mesh, None).expect("surface");
        // 5 x 4 x 3 nodes, of which the 3 x 2 x 1 interior are not drawn.
        assert_eq!(g.vertices.len(), 5 * 4 * 3 - 3 * 2);
        let centre = Vec3::new(2.0, 1.5, 1.0);
        for v in &g.vertices {
            let out = Vec3::from(v.position) - centre;
            assert!(Vec3::from(v.normal).dot(out) > 0.0, "{v:?}");
            assert!((Vec3::from(v.normal).length() - 1.0).abs() < 1e-5);
        }
        assert_eq!(g.bounds, (Vec3::ZERO, Vec3::new(4.0, 3.0, 2.0)));
    }

    #[test]
    fn solver_indices_invert_the_order() {
        let mesh = sheet_triangles(2.0, 1.0, 1.0);
        let n = mesh.node_count() as u32;
        let order: Vec<u32> = (0..n).rev().collect();
        let g = SurfaceGeometry::new(&mesh, Some(&order)).expect("surface");
        for v in &g.vertices {
            assert_eq!(order[v.solver_index as usize], v.node_index);
        }
    }

    #[test]
    fn bad_orders_are_reported() {
        let mesh = sheet_triangles(2.0, 1.0, 1.0);
        let n = mesh.node_count() as u32;
        let short: Vec<u32> = (0..n - 1).collect();
        let dup: Vec<u32> = (0..n).map(|i| i.min(n - 2)).collect();
        let beyond: Vec<u32> = (1..=n).collect();
        for (order, words) in [(short, "entries for"), (dup, "twice"), (beyond, "beyond")] {
            let e = SurfaceGeometry::new(&mesh, Some(&order)).expect_err("must fail");
            assert!(e.to_string().contains(words), "{e}");
        }
    }

    #[test]
    fn region_ranks_follow_sorted_tags() {
        let mut mesh = sheet_triangles(2.0, 1.0, 1.0);
        let m = mesh.element_count();
        mesh.regions = (0..m).map(|e| if e < m / 2 { 7 } else { -3 }).collect();
        let g = SurfaceGeometry::new(&mesh, None).expect("surface");
        assert_eq!(g.region_tags, vec![-3, 7]);
        assert!(g.vertices.iter().any(|v| v.region == 0));
        assert!(g.vertices.iter().any(|v| v.region == 1));
        let legend = g.region_legend();
        assert_eq!(legend[0], (-3, region_colour(0)));
    }
}
