//! Node reordering for memory locality (reverse Cuthill–McKee).
//!
//! Written here rather than taken from `sprs` (which has one) because we need
//! it on the mesh graph before any matrix exists, and `sprs` would bring
//! ndarray and num-* into every build for about sixty lines of BFS.

use super::Mesh;
use std::collections::VecDeque;

/// Node adjacency (sorted neighbour lists, no self loops) from the elements.
pub fn node_adjacency(mesh: &Mesh) -> Vec<Vec<u32>> {
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); mesh.node_count()];
    for el in mesh.elements_iter() {
        for &a in el {
            for &b in el {
                if a != b {
                    adj[a as usize].push(b);
                }
            }
        }
    }
    for list in &mut adj {
        list.sort_unstable();
        list.dedup();
    }
    adj
}

/// Reverse Cuthill–McKee order: `order[new] = old`. Each connected component
/// starts from a pseudo-peripheral node (found by repeated BFS), neighbours
/// are visited by increasing degree, and the whole order is reversed.
pub fn rcm_order(mesh: &Mesh) -> Vec<u32> {
    let adj = node_adjacency(mesh);
    let n = adj.len();
    let mut visited = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut by_degree: Vec<u32> = (0..n as u32).collect();
    by_degree.sort_by_key(|&i| adj[i as usize].len());
    for &seed in &by_degree {
        if visited[seed as usize] {
            continue;
        }
        let start = pseudo_peripheral(&adj, seed);
        let mut queue = VecDeque::from([start]);
        visited[start as usize] = true;
        while let Some(node) = queue.pop_front() {
            order.push(node);
            let mut next: Vec<u32> = adj[node as usize]
                .iter()
                .copied()
                .filter(|&m| !visited[m as usize])
                .collect();
            next.sort_by_key(|&m| adj[m as usize].len());
            for m in next {
                visited[m as usize] = true;
                queue.push_back(m);
            }
        }
    }
    order.reverse();
    order
}

/// BFS levels from `start`: (last node of the deepest level, depth).
fn farthest(adj: &[Vec<u32>], start: u32) -> (u32, usize) {
    let mut depth = vec![usize::MAX; adj.len()];
    depth[start as usize] = 0;
    let mut queue = VecDeque::from([start]);
    let mut last = (start, 0);
    while let Some(node) = queue.pop_front() {
        let d = depth[node as usize];
        // Among the deepest nodes prefer the one of lowest degree.
        if d > last.1 || (d == last.1 && adj[node as usize].len() < adj[last.0 as usize].len()) {
            last = (node, d);
        }
        for &m in &adj[node as usize] {
            if depth[m as usize] == usize::MAX {
                depth[m as usize] = d + 1;
                queue.push_back(m);
            }
        }
    }
    last
}

fn pseudo_peripheral(adj: &[Vec<u32>], seed: u32) -> u32 {
    let (mut node, mut ecc) = farthest(adj, seed);
    for _ in 0..8 {
        let (next, next_ecc) = farthest(adj, node);
        if next_ecc <= ecc {
            break;
        }
        node = next;
        ecc = next_ecc;
    }
    node
}

/// Inverse of a permutation: `inv[order[new]] = new`.
pub fn invert(order: &[u32]) -> Vec<u32> {
    let mut inv = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        inv[old as usize] = new as u32;
    }
    inv
}

/// The mesh with its nodes renumbered: new node `i` is old node `order[i]`.
pub fn permuted(mesh: &Mesh, order: &[u32]) -> Mesh {
    let inv = invert(order);
    Mesh {
        nodes: order.iter().map(|&old| mesh.nodes[old as usize]).collect(),
        kind: mesh.kind,
        elements: mesh.elements.iter().map(|&old| inv[old as usize]).collect(),
        regions: mesh.regions.clone(),
        fibres: mesh.fibres.clone(),
    }
}

/// Largest |i - j| over the edges: what RCM minimises.
pub fn bandwidth(mesh: &Mesh) -> usize {
    mesh.elements_iter()
        .flat_map(|el| {
            el.iter().flat_map(move |&a| {
                el.iter()
                    .map(move |&b| (a as i64 - b as i64).unsigned_abs() as usize)
            })
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::box_tets;

    #[test]
    fn rcm_is_a_permutation_that_reduces_bandwidth_of_a_shuffled_mesh() {
        let mesh = box_tets(4.0, 3.0, 2.0, 0.5);
        // Shuffle deterministically so the original order is bad.
        let n = mesh.node_count();
        let shuffle: Vec<u32> = (0..n as u32).map(|i| (i * 7919) % n as u32).collect();
        let mut sorted = shuffle.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..n as u32).collect::<Vec<_>>(),
            "test shuffle must be a permutation"
        );
        let shuffled = permuted(&mesh, &shuffle);
        let order = rcm_order(&shuffled);
        let mut check = order.clone();
        check.sort_unstable();
        assert_eq!(check, (0..n as u32).collect::<Vec<_>>());
        let reordered = permuted(&shuffled, &order);
        assert!(bandwidth(&reordered) * 4 < bandwidth(&shuffled));
        assert_eq!(invert(&invert(&order)), order);
    }
}
