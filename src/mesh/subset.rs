//! Sub-meshes: keep the elements of some regions and drop the nodes nobody
//! uses any more (used by `mesh convert --regions`).

use super::Mesh;

/// Elements whose region is in `keep`, with unused nodes removed. Nodes keep
/// their relative order (so locality of the input survives) and are
/// renumbered from 0; regions and fibres follow their elements.
pub fn extract_regions(mesh: &Mesh, keep: &[i32]) -> Mesh {
    let npe = mesh.kind.nodes_per_element();
    let kept: Vec<usize> = (0..mesh.element_count())
        .filter(|&e| keep.contains(&mesh.regions[e]))
        .collect();
    let mut used = vec![false; mesh.node_count()];
    for &e in &kept {
        for &n in mesh.element(e) {
            used[n as usize] = true;
        }
    }
    let mut new_index = vec![u32::MAX; mesh.node_count()];
    let mut nodes = Vec::new();
    for (i, p) in mesh.nodes.iter().enumerate() {
        if used[i] {
            new_index[i] = nodes.len() as u32;
            nodes.push(*p);
        }
    }
    let mut elements = Vec::with_capacity(kept.len() * npe);
    for &e in &kept {
        elements.extend(mesh.element(e).iter().map(|&n| new_index[n as usize]));
    }
    Mesh {
        nodes,
        kind: mesh.kind,
        elements,
        regions: kept.iter().map(|&e| mesh.regions[e]).collect(),
        fibres: mesh
            .fibres
            .as_ref()
            .map(|f| kept.iter().map(|&e| f[e]).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::ElementKind;

    #[test]
    fn extracting_one_region_drops_and_renumbers_nodes() {
        let nodes = vec![
            [0.0; 3],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [1.0, 1.0, 0.0],
            [2.0, 2.0, 0.0],
        ];
        let mut m = Mesh::new(nodes, ElementKind::Triangle, vec![0, 1, 2, 1, 3, 4]);
        m.regions = vec![1, 2];
        m.fibres = Some(vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
        let s = extract_regions(&m, &[2]);
        assert_eq!(
            s.nodes,
            vec![[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [2.0, 2.0, 0.0]]
        );
        assert_eq!(s.elements, vec![0, 1, 2]);
        assert_eq!(s.regions, vec![2]);
        assert_eq!(s.fibres, Some(vec![[0.0, 1.0, 0.0]]));
    }
}
