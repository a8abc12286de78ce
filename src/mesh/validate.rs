//! Mesh validation, run by every loader: consistent counts, node indices in
//! range, finite coordinates and fibres, no degenerate elements, and one
//! orientation for all tetrahedra (a mesh that is entirely inside-out is
//! flipped silently; a mixed one is an error).

use super::geometry::{element_edge_lengths, element_measure};
use super::{ElementKind, Mesh};
use crate::{Error, Result};
use std::path::Path;

/// Relative threshold for degenerate elements: |measure| <= EPS * l_max^d.
const DEGENERATE_REL: f64 = 1e-12;

/// Check `mesh` (read from `path`, named in errors) and fix what is safe to
/// fix: a mesh whose tetrahedra are all negatively oriented gets two nodes
/// of each swapped.
pub fn validate(mesh: &mut Mesh, path: &Path) -> Result<()> {
    let bad = |m: String| Error::invalid_mesh(path, m);
    let npe = mesh.kind.nodes_per_element();
    if mesh.elements.len() % npe != 0 {
        return Err(bad(format!(
            "{} connectivity entries is not a multiple of {npe}",
            mesh.elements.len()
        )));
    }
    let n_el = mesh.element_count();
    if n_el == 0 {
        return Err(bad("the mesh has no elements".into()));
    }
    if mesh.regions.len() != n_el {
        return Err(bad(format!(
            "{} region tags for {n_el} elements",
            mesh.regions.len()
        )));
    }
    if let Some(f) = &mesh.fibres {
        if f.len() != n_el {
            return Err(bad(format!(
                "{} fibre vectors for {n_el} elements",
                f.len()
            )));
        }
        if let Some(e) = f.iter().position(|v| v.iter().any(|c| !c.is_finite())) {
            return Err(bad(format!(
                "element {e} has a non-finite fibre direction {:?}",
                f[e]
            )));
        }
    }
    let n_nodes = mesh.node_count();
    for (e, el) in mesh.elements_iter().enumerate() {
        if let Some(&i) = el.iter().find(|&&i| i as usize >= n_nodes) {
            return Err(bad(format!(
                "element {e} references node {i}, but the mesh has {n_nodes} nodes (0..{})",
                n_nodes.saturating_sub(1)
            )));
        }
    }
    if let Some(i) = mesh
        .nodes
        .iter()
        .position(|p| p.iter().any(|c| !c.is_finite()))
    {
        return Err(bad(format!(
            "node {i} has a non-finite coordinate {:?}",
            mesh.nodes[i]
        )));
    }

    let d = mesh.kind.dimension() as i32;
    let mut positive = 0usize;
    let mut negative = 0usize;
    let (mut first_pos, mut first_neg) = (None, None);
    for e in 0..n_el {
        let m = element_measure(mesh, e);
        let l_max = element_edge_lengths(mesh, e)
            .into_iter()
            .fold(0.0, f64::max);
        if m.abs() <= DEGENERATE_REL * l_max.powi(d) {
            return Err(bad(format!(
                "element {e} ({}) is degenerate: {} {m:.3e} with longest edge {l_max:.3e}",
                mesh.kind.name(),
                if d == 3 { "volume" } else { "area" }
            )));
        }
        if m > 0.0 {
            positive += 1;
            first_pos.get_or_insert(e);
        } else {
            negative += 1;
            first_neg.get_or_insert(e);
        }
    }
    if mesh.kind == ElementKind::Tetrahedron && negative > 0 {
        if positive == 0 {
            // Consistently inside-out (some exporters): swap nodes 2 and 3.
            for tet in mesh.elements.chunks_exact_mut(4) {
                tet.swap(2, 3);
            }
        } else {
            // Report the minority sign; ties count as inverted.
            let (sign, count, first) = if negative <= positive {
                ("negative", negative, first_neg)
            } else {
                ("positive", positive, first_pos)
            };
            return Err(bad(format!(
                "mixed tetrahedron orientation: element {} is the first of {count} with {sign} volume (of {n_el}); the mesh is partly inverted",
                first.unwrap_or(0)
            )));
        }
    }
    Ok(())
}

/// Nodes that belong to no element (reported by `mesh info`, not an error).
pub fn unused_nodes(mesh: &Mesh) -> usize {
    let mut used = vec![false; mesh.node_count()];
    for &i in &mesh.elements {
        if let Some(u) = used.get_mut(i as usize) {
            *u = true;
        }
    }
    used.iter().filter(|u| !**u).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tet(swap: bool) -> Mesh {
        let nodes = vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ];
        let el = if swap {
            vec![0, 1, 3, 2]
        } else {
            vec![0, 1, 2, 3]
        };
        Mesh::new(nodes, ElementKind::Tetrahedron, el)
    }

    #[test]
    fn all_inverted_tets_are_flipped_silently() {
        let mut m = tet(true);
        validate(&mut m, Path::new("x.vtu")).unwrap();
        assert!(element_measure(&m, 0) > 0.0);
    }

    #[test]
    fn out_of_range_index_names_element_and_index() {
        let mut m = tet(false);
        m.elements[3] = 9;
        let e = validate(&mut m, Path::new("x.vtu"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("element 0") && e.contains("node 9"), "{e}");
    }

    #[test]
    fn unused_nodes_are_counted() {
        let mut m = tet(false);
        m.nodes.push([5.0; 3]);
        assert_eq!(unused_nodes(&m), 1);
    }
}
