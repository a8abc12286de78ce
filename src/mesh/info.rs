//! Mesh statistics for `mesh info`: counts, regions, bounding box, edge
//! lengths (mm, over unique edges), element quality, boundary size, the
//! extent checked against heart-sized anatomy ([`super::extent`]) and a list
//! of problems worth a look.

use super::extent::{self, ExtentCheck};
use super::geometry::{dist, element_quality};
use super::{geometry, validate, ElementKind, Mesh};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Elements below this quality (0 degenerate, 1 regular) are flagged.
const POOR_QUALITY: f64 = 0.05;

/// Summary of a mesh. Lengths in mm (or the file's unit before scaling).
#[derive(Debug, Clone, Serialize)]
pub struct MeshInfo {
    pub kind: ElementKind,
    pub nodes: usize,
    pub elements: usize,
    /// (tag, element count), sorted by tag.
    pub regions: Vec<(i32, usize)>,
    pub bbox_min: [f64; 3],
    pub bbox_max: [f64; 3],
    pub edge_min_mm: f64,
    pub edge_mean_mm: f64,
    pub edge_max_mm: f64,
    /// Shape quality in [0, 1] (see `geometry::element_quality`).
    pub quality_min: f64,
    pub quality_mean: f64,
    pub has_fibres: bool,
    pub unused_nodes: usize,
    /// Tetrahedral meshes: triangles on the boundary.
    pub boundary_faces: Option<usize>,
    /// Triangle meshes: edges used by one triangle only (0 for a closed
    /// surface).
    pub boundary_edges: Option<usize>,
    /// Largest bounding-box side (mm), the scale that was applied to the
    /// file, and whether the mesh is heart-sized (else the likely unit).
    pub extent: ExtentCheck,
    pub problems: Vec<String>,
}

impl MeshInfo {
    /// Compute the statistics of a mesh in mm as read (scale 1).
    pub fn compute(mesh: &Mesh) -> MeshInfo {
        MeshInfo::compute_scaled(mesh, 1.0)
    }

    /// Compute the statistics (one pass over elements and unique edges) of
    /// a mesh whose file coordinates were multiplied by `scale` to get mm.
    pub fn compute_scaled(mesh: &Mesh, scale: f64) -> MeshInfo {
        let mut region_count: HashMap<i32, usize> = HashMap::new();
        for &r in &mesh.regions {
            *region_count.entry(r).or_default() += 1;
        }
        let mut regions: Vec<(i32, usize)> = region_count.into_iter().collect();
        regions.sort_unstable();

        // Unique edges, with how many elements use each (for open-surface
        // edges and non-manifold checks on triangle meshes).
        let mut edges: HashMap<(u32, u32), u32> = HashMap::new();
        for el in mesh.elements_iter() {
            for i in 0..el.len() {
                for j in i + 1..el.len() {
                    let key = (el[i].min(el[j]), el[i].max(el[j]));
                    *edges.entry(key).or_default() += 1;
                }
            }
        }
        let (mut lmin, mut lmax, mut lsum) = (f64::INFINITY, 0.0f64, 0.0);
        for &(a, b) in edges.keys() {
            let l = match (mesh.nodes.get(a as usize), mesh.nodes.get(b as usize)) {
                (Some(&p), Some(&q)) => dist(p, q),
                _ => continue,
            };
            lmin = lmin.min(l);
            lmax = lmax.max(l);
            lsum += l;
        }
        if edges.is_empty() {
            lmin = 0.0;
        }
        let n_el = mesh.element_count();
        let mut qmin = f64::INFINITY;
        let mut qsum = 0.0;
        let mut poor = 0;
        for e in 0..n_el {
            let q = element_quality(mesh, e);
            qmin = qmin.min(q);
            qsum += q;
            if q < POOR_QUALITY {
                poor += 1;
            }
        }
        if n_el == 0 {
            qmin = 0.0;
        }
        let unused = validate::unused_nodes(mesh);
        let (boundary_faces, boundary_edges) = match mesh.kind {
            ElementKind::Tetrahedron => (Some(geometry::boundary_faces(mesh).len()), None),
            ElementKind::Triangle => (None, Some(edges.values().filter(|&&c| c == 1).count())),
        };

        let mut problems = Vec::new();
        if unused > 0 {
            problems.push(format!("{unused} nodes belong to no element"));
        }
        if poor > 0 {
            problems.push(format!("{poor} elements have quality below {POOR_QUALITY}"));
        }
        if mesh.kind == ElementKind::Triangle {
            let nm = edges.values().filter(|&&c| c > 2).count();
            if nm > 0 {
                problems.push(format!(
                    "{nm} non-manifold edges (shared by more than 2 triangles)"
                ));
            }
        }
        let components = count_components(mesh);
        if components > 1 {
            problems.push(format!("{components} disconnected parts"));
        }
        let (bbox_min, bbox_max) = mesh.bounding_box();
        let extent = extent::check(extent::extent_of(bbox_min, bbox_max), scale);
        if !extent.plausible {
            problems.push(match extent.suggested_scale {
                Some(s) => format!("{} (--scale {s})", extent.describe()),
                None => extent.describe(),
            });
        }
        MeshInfo {
            kind: mesh.kind,
            nodes: mesh.node_count(),
            elements: n_el,
            regions,
            bbox_min,
            bbox_max,
            edge_min_mm: lmin,
            edge_mean_mm: if edges.is_empty() {
                0.0
            } else {
                lsum / edges.len() as f64
            },
            edge_max_mm: lmax,
            quality_min: qmin,
            quality_mean: if n_el == 0 { 0.0 } else { qsum / n_el as f64 },
            has_fibres: mesh.fibres.is_some(),
            unused_nodes: unused,
            boundary_faces,
            boundary_edges,
            extent,
            problems,
        }
    }
}

/// Connected parts through shared nodes (union-find).
fn count_components(mesh: &Mesh) -> usize {
    let mut parent: Vec<u32> = (0..mesh.node_count() as u32).collect();
    fn root(p: &mut [u32], mut i: u32) -> u32 {
        while p[i as usize] != i {
            p[i as usize] = p[p[i as usize] as usize];
            i = p[i as usize];
        }
        i
    }
    for el in mesh.elements_iter() {
        if el.iter().any(|&i| i as usize >= parent.len()) {
            continue;
        }
        let a = root(&mut parent, el[0]);
        for &n in &el[1..] {
            let b = root(&mut parent, n);
            parent[b as usize] = a;
        }
    }
    let mut roots = HashSet::new();
    for &i in &mesh.elements {
        if (i as usize) < parent.len() {
            roots.insert(root(&mut parent, i));
        }
    }
    roots.len()
}

impl fmt::Display for MeshInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "kind:        {}", self.kind.name())?;
        writeln!(f, "nodes:       {}", self.nodes)?;
        writeln!(f, "elements:    {}", self.elements)?;
        let regions: Vec<String> = self
            .regions
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        writeln!(f, "regions:     {}", regions.join(", "))?;
        let v = |p: [f64; 3]| format!("({:.3}, {:.3}, {:.3})", p[0], p[1], p[2]);
        writeln!(
            f,
            "bbox (mm):   {} .. {}",
            v(self.bbox_min),
            v(self.bbox_max)
        )?;
        writeln!(
            f,
            "extent:      {:.3} mm, {} (scale {} from the file's unit)",
            self.extent.extent_mm,
            if self.extent.plausible {
                "heart-sized"
            } else {
                "NOT heart-sized"
            },
            self.extent.scale
        )?;
        writeln!(
            f,
            "edges (mm):  min {:.4}  mean {:.4}  max {:.4}",
            self.edge_min_mm, self.edge_mean_mm, self.edge_max_mm
        )?;
        writeln!(
            f,
            "quality:     min {:.4}  mean {:.4}",
            self.quality_min, self.quality_mean
        )?;
        writeln!(
            f,
            "fibres:      {}",
            if self.has_fibres { "yes" } else { "no" }
        )?;
        writeln!(f, "unused nodes: {}", self.unused_nodes)?;
        if let Some(b) = self.boundary_faces {
            writeln!(f, "boundary faces: {b}")?;
        }
        if let Some(b) = self.boundary_edges {
            writeln!(f, "open edges:  {b}")?;
        }
        if self.problems.is_empty() {
            write!(f, "problems:    none")
        } else {
            writeln!(f, "problems:")?;
            let lines: Vec<String> = self.problems.iter().map(|p| format!("  - {p}")).collect();
            write!(f, "{}", lines.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_tet_has_six_edges_four_faces_and_unit_quality() {
        let h = 1.0;
        let nodes = vec![[h, h, h], [h, -h, -h], [-h, h, -h], [-h, -h, h]];
        let m = Mesh::new(nodes, ElementKind::Tetrahedron, vec![0, 1, 2, 3]);
        let info = MeshInfo::compute(&m);
        assert_eq!(info.boundary_faces, Some(4));
        assert!((info.edge_mean_mm - 8f64.sqrt()).abs() < 1e-12);
        assert!(
            (info.quality_min - 1.0).abs() < 1e-9,
            "{}",
            info.quality_min
        );
        assert!(info.problems.is_empty(), "{:?}", info.problems);
        assert!(info.extent.plausible);
    }

    #[test]
    fn a_heart_in_micrometres_is_a_problem_with_its_scale() {
        let s = 50_000.0;
        let nodes = vec![[0.0; 3], [s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, s]];
        let m = Mesh::new(nodes, ElementKind::Tetrahedron, vec![0, 1, 2, 3]);
        let info = MeshInfo::compute(&m);
        assert!(!info.extent.plausible);
        let text = info.to_string();
        assert!(
            text.contains("micrometres") && text.contains("--scale 0.001"),
            "{text}"
        );
        assert!(!text.contains("problems:    none"), "{text}");
    }
}
