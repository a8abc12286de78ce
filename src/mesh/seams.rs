//! Coincident nodes: two nodes at the same place that share no element. A
//! mesh exported per part (or an STL-derived volume whose surfaces were not
//! welded) carries such duplicated seam nodes; the finite-element operator
//! then has no coupling across the seam and a wave stops there, silently.

use crate::mesh::Mesh;
use std::collections::HashMap;

/// Relative tolerance: nodes closer than this times the bounding-box diagonal
/// count as coincident. Far below any element size, far above f32 round-off
/// of exported coordinates.
pub const RELATIVE_TOLERANCE: f64 = 1e-6;

/// What [`coincident_nodes`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coincident {
    /// Nodes that lie on an earlier node (each duplicate counted once).
    pub duplicates: usize,
    /// Distance below which two nodes were taken as the same (mm).
    pub tolerance_mm: f64,
}

/// Count nodes that coincide with an earlier node, within
/// [`RELATIVE_TOLERANCE`] of the bounding-box diagonal, by a spatial hash
/// with cells of the tolerance's size (each node looks in the 27 cells
/// around its own). Valid elements never join two coincident nodes, so each
/// such pair is a seam.
pub fn coincident_nodes(mesh: &Mesh) -> Coincident {
    let (lo, hi) = mesh.bounding_box();
    let diagonal = crate::mesh::geometry::dist(lo, hi);
    let tolerance_mm = (RELATIVE_TOLERANCE * diagonal).max(f64::MIN_POSITIVE);
    let cell_of = |p: [f64; 3]| p.map(|x| (x / tolerance_mm).floor() as i64);
    let mut grid: HashMap<[i64; 3], Vec<usize>> = HashMap::with_capacity(mesh.node_count());
    let mut duplicates = 0;
    for (i, &p) in mesh.nodes.iter().enumerate() {
        let c = cell_of(p);
        let mut found = false;
        'search: for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    let key = [c[0] + dx, c[1] + dy, c[2] + dz];
                    if let Some(list) = grid.get(&key) {
                        if list
                            .iter()
                            .any(|&j| crate::mesh::geometry::dist(mesh.nodes[j], p) <= tolerance_mm)
                        {
                            found = true;
                            break 'search;
                        }
                    }
                }
            }
        }
        if found {
            duplicates += 1;
        }
        grid.entry(c).or_default().push(i);
    }
    Coincident {
        duplicates,
        tolerance_mm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::box_tets;

    #[test]
    fn a_welded_mesh_has_no_coincident_nodes() {
        let mesh = box_tets(4.0, 2.0, 1.0, 0.5);
        assert_eq!(coincident_nodes(&mesh).duplicates, 0);
    }

    #[test]
    fn two_blocks_side_by_side_share_a_seam_of_duplicated_nodes() {
        let a = box_tets(2.0, 1.0, 1.0, 0.5);
        let mut b = a.clone();
        b.nodes.iter_mut().for_each(|p| p[0] += 2.0);
        let offset = a.node_count() as u32;
        let mut nodes = a.nodes.clone();
        nodes.extend(&b.nodes);
        let mut elements = a.elements.clone();
        elements.extend(b.elements.iter().map(|&n| n + offset));
        let joined = Mesh::new(nodes, a.kind, elements);
        // The face x = 2 of a 0.5 mm grid over 1 x 1 mm: 3 x 3 nodes.
        assert_eq!(coincident_nodes(&joined).duplicates, 9);
    }
}
