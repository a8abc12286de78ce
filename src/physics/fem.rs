//! P1 finite elements: anisotropic stiffness K, lumped mass M, and the
//! diffusion operator A = -M^-1 K the solvers apply every step. Assembled
//! once, in f64.

use crate::mesh::geometry::{dot, norm, p1_gradients, V3};
use crate::mesh::{ElementKind, Mesh};
use crate::solver::Csr;

/// Diffusivity of one element, mm^2/ms: D = d_t I + (d_l - d_t) f f^T.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElementConductivity {
    /// Along the fibre.
    pub d_l: f64,
    /// Across the fibre (and everywhere when the fibre is zero).
    pub d_t: f64,
}

impl ElementConductivity {
    pub const ZERO: ElementConductivity = ElementConductivity { d_l: 0.0, d_t: 0.0 };

    /// g_a . D g_b for fibre `f` (unit or zero).
    #[inline]
    fn bilinear(&self, f: V3, ga: V3, gb: V3) -> f64 {
        self.d_t * dot(ga, gb) + (self.d_l - self.d_t) * dot(f, ga) * dot(f, gb)
    }
}

/// Assembled operators.
#[derive(Debug, Clone)]
pub struct Operators {
    /// Lumped mass per node (mm^3 for tets, mm^2 for triangles).
    pub mass: Vec<f64>,
    /// A = -M^-1 K in 1/ms. Rows of K sum to zero, so rows of A do too.
    pub a: Csr,
}

/// Fibre of element `e` usable for conduction: unit length, projected into
/// the triangle's plane for surfaces (the gradients live in that plane, so an
/// out-of-plane component would silently weaken the longitudinal direction).
fn element_fibre(mesh: &Mesh, e: usize, verts: &[V3]) -> V3 {
    let Some(fibres) = &mesh.fibres else {
        return [0.0; 3];
    };
    let mut f = fibres[e];
    if mesh.kind == ElementKind::Triangle {
        let n = crate::mesh::geometry::cross(
            crate::mesh::geometry::sub(verts[1], verts[0]),
            crate::mesh::geometry::sub(verts[2], verts[0]),
        );
        let nn = dot(n, n);
        if nn > 0.0 {
            let s = dot(f, n) / nn;
            f = [f[0] - s * n[0], f[1] - s * n[1], f[2] - s * n[2]];
        }
    }
    let len = norm(f);
    if len > 1e-12 {
        [f[0] / len, f[1] / len, f[2] / len]
    } else {
        [0.0; 3]
    }
}

/// Assemble K and lumped M and form A = -M^-1 K. `conductivity[e]` gives
/// each element's diffusivities (zero for non-conducting scar). Nodes with
/// zero mass (in no element) get an empty-but-valid row.
pub fn assemble(mesh: &Mesh, conductivity: &[ElementConductivity]) -> Operators {
    let n = mesh.node_count();
    let k = mesh.kind.nodes_per_element();
    let mut mass = vec![0.0; n];
    let mut triplets: Vec<(u32, u32, f64)> = Vec::with_capacity(mesh.element_count() * k * k);
    let mut verts = vec![[0.0; 3]; k];
    for (e, el) in mesh.elements_iter().enumerate() {
        for (v, &node) in verts.iter_mut().zip(el) {
            *v = mesh.nodes[node as usize];
        }
        let (grads, measure) = p1_gradients(&verts);
        for &node in el {
            mass[node as usize] += measure / k as f64;
        }
        let c = conductivity[e];
        let f = element_fibre(mesh, e, &verts);
        for a in 0..k {
            for b in 0..k {
                let kab = measure * c.bilinear(f, grads[a], grads[b]);
                triplets.push((el[a], el[b], kab));
            }
        }
    }
    // Every node gets a diagonal entry, so each row has at least one slot.
    for i in 0..n as u32 {
        triplets.push((i, i, 0.0));
    }
    triplets.sort_unstable_by_key(|&(i, j, _)| (i, j));

    let mut row_ptr = vec![0u32; n + 1];
    let mut col_idx = Vec::with_capacity(triplets.len() / 4);
    let mut values: Vec<f64> = Vec::with_capacity(triplets.len() / 4);
    let mut last: Option<(u32, u32)> = None;
    for (i, j, v) in triplets {
        if last == Some((i, j)) {
            *values.last_mut().expect("a previous entry exists") += v;
        } else {
            col_idx.push(j);
            values.push(v);
            row_ptr[i as usize + 1] += 1;
            last = Some((i, j));
        }
    }
    for i in 0..n {
        row_ptr[i + 1] += row_ptr[i];
    }
    // A = -M^-1 K.
    for i in 0..n {
        let scale = if mass[i] > 0.0 { -1.0 / mass[i] } else { 0.0 };
        for v in &mut values[row_ptr[i] as usize..row_ptr[i + 1] as usize] {
            *v *= scale;
        }
    }
    Operators {
        mass,
        a: Csr {
            n,
            row_ptr,
            col_idx,
            values,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::{box_tets, sheet_triangles};

    fn uniform(mesh: &Mesh, d: f64) -> Vec<ElementConductivity> {
        vec![ElementConductivity { d_l: d, d_t: d }; mesh.element_count()]
    }

    #[test]
    fn rows_sum_to_zero_and_mass_sums_to_volume() {
        let mesh = box_tets(2.0, 1.0, 1.0, 0.25);
        let ops = assemble(&mesh, &uniform(&mesh, 0.7));
        let total: f64 = ops.mass.iter().sum();
        assert!((total - 2.0).abs() < 1e-12);
        for i in 0..ops.a.n {
            let s: f64 = ops.a.values[ops.a.row_ptr[i] as usize..ops.a.row_ptr[i + 1] as usize]
                .iter()
                .sum();
            assert!(s.abs() < 1e-9, "row {i} sums to {s}");
        }
    }

    #[test]
    fn stiffness_is_symmetric() {
        // M A = -K must be symmetric.
        let mesh = sheet_triangles(2.0, 1.0, 0.25);
        let mut mesh = mesh;
        mesh.fibres = Some(vec![[0.6, 0.8, 0.3]; mesh.element_count()]);
        let cond = vec![ElementConductivity { d_l: 1.0, d_t: 0.2 }; mesh.element_count()];
        let ops = assemble(&mesh, &cond);
        let a = &ops.a;
        let entry = |i: usize, j: u32| {
            let (s, e) = (a.row_ptr[i] as usize, a.row_ptr[i + 1] as usize);
            a.col_idx[s..e]
                .iter()
                .position(|&c| c == j)
                .map(|p| a.values[s + p] * ops.mass[i])
                .unwrap_or(0.0)
        };
        for i in 0..a.n {
            for k in a.row_ptr[i] as usize..a.row_ptr[i + 1] as usize {
                let j = a.col_idx[k];
                let (kij, kji) = (entry(i, j), entry(j as usize, i as u32));
                assert!((kij - kji).abs() < 1e-12 * (1.0 + kij.abs()), "K[{i}][{j}]");
            }
        }
    }

    #[test]
    fn linear_field_has_zero_interior_laplacian() {
        // A P1 discretisation reproduces linear fields exactly: -K x = 0 at
        // interior nodes.
        let mesh = box_tets(2.0, 2.0, 2.0, 0.5);
        let ops = assemble(&mesh, &uniform(&mesh, 1.0));
        let x: Vec<f64> = mesh
            .nodes
            .iter()
            .map(|p| 3.0 * p[0] - p[1] + 0.5 * p[2])
            .collect();
        let mut y = vec![0.0; x.len()];
        ops.a.mul_vec(&x, &mut y);
        for (i, p) in mesh.nodes.iter().enumerate() {
            let interior = p.iter().all(|&c| c > 1e-9 && c < 2.0 - 1e-9);
            if interior {
                assert!(y[i].abs() < 1e-9, "node {i}: {}", y[i]);
            }
        }
    }
}
