//! The one mesh type: triangle surfaces and tetrahedral volumes, in mm, with
//! per-element region tags and optional per-element fibre directions.

pub mod atrium;
pub mod extent;
pub mod generate;
pub mod geometry;
pub mod info;
pub mod io;
pub mod reorder;
pub mod seams;
pub mod subset;
pub mod validate;

use serde::Serialize;

/// Which cells the mesh is made of. Mixed meshes are not supported: loaders
/// keep the highest-dimensional cells (tetrahedra over triangles) and say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementKind {
    Triangle,
    Tetrahedron,
}

impl ElementKind {
    pub fn nodes_per_element(self) -> usize {
        match self {
            ElementKind::Triangle => 3,
            ElementKind::Tetrahedron => 4,
        }
    }

    /// Topological dimension (2 for surfaces, 3 for volumes).
    pub fn dimension(self) -> usize {
        match self {
            ElementKind::Triangle => 2,
            ElementKind::Tetrahedron => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ElementKind::Triangle => "triangle",
            ElementKind::Tetrahedron => "tetrahedron",
        }
    }
}

/// A simplicial mesh. Coordinates in mm.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// Node coordinates in mm.
    pub nodes: Vec<[f64; 3]>,
    pub kind: ElementKind,
    /// Element connectivity, flat: `kind.nodes_per_element()` indices per element.
    pub elements: Vec<u32>,
    /// One region tag per element (0 when the file has none).
    pub regions: Vec<i32>,
    /// One fibre direction per element (unit or zero), when the file has them.
    /// A zero vector means "no fibre here" (isotropic conduction).
    pub fibres: Option<Vec<[f64; 3]>>,
}

impl Mesh {
    /// A mesh with all regions 0 and no fibres.
    pub fn new(nodes: Vec<[f64; 3]>, kind: ElementKind, elements: Vec<u32>) -> Self {
        let n_el = elements.len() / kind.nodes_per_element();
        Mesh {
            nodes,
            kind,
            elements,
            regions: vec![0; n_el],
            fibres: None,
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn element_count(&self) -> usize {
        self.elements.len() / self.kind.nodes_per_element()
    }

    /// Node indices of element `e`.
    pub fn element(&self, e: usize) -> &[u32] {
        let k = self.kind.nodes_per_element();
        &self.elements[e * k..(e + 1) * k]
    }

    pub fn elements_iter(&self) -> impl Iterator<Item = &[u32]> {
        self.elements.chunks_exact(self.kind.nodes_per_element())
    }

    /// Axis-aligned bounding box (min, max) in mm. Empty meshes give zeros.
    pub fn bounding_box(&self) -> ([f64; 3], [f64; 3]) {
        if self.nodes.is_empty() {
            return ([0.0; 3], [0.0; 3]);
        }
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for p in &self.nodes {
            for d in 0..3 {
                lo[d] = lo[d].min(p[d]);
                hi[d] = hi[d].max(p[d]);
            }
        }
        (lo, hi)
    }

    /// Multiply every coordinate by `factor` (for example 0.001 for um -> mm).
    pub fn scale(&mut self, factor: f64) {
        for p in &mut self.nodes {
            for c in p.iter_mut() {
                *c *= factor;
            }
        }
    }

    /// Sorted list of distinct region tags.
    pub fn region_tags(&self) -> Vec<i32> {
        let mut tags = self.regions.clone();
        tags.sort_unstable();
        tags.dedup();
        tags
    }

    /// Boundary faces of a volume mesh (triangles that belong to one
    /// tetrahedron only), oriented outward; for a surface mesh, its own
    /// triangles. Used for drawing.
    pub fn surface_triangles(&self) -> Vec<[u32; 3]> {
        match self.kind {
            ElementKind::Triangle => self.elements_iter().map(|t| [t[0], t[1], t[2]]).collect(),
            ElementKind::Tetrahedron => geometry::boundary_faces(self),
        }
    }
}
