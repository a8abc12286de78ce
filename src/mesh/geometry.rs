//! Element geometry: signed volumes, areas, gradients of P1 basis functions,
//! quality measures, boundary faces.

use super::{ElementKind, Mesh};
use std::collections::HashMap;

pub type V3 = [f64; 3];

pub fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
pub fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
pub fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
pub fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}
pub fn dist(a: V3, b: V3) -> f64 {
    norm(sub(a, b))
}

/// Signed volume of tetrahedron (a, b, c, d) in mm^3; positive when (b-a,
/// c-a, d-a) is right-handed.
pub fn tet_signed_volume(a: V3, b: V3, c: V3, d: V3) -> f64 {
    dot(sub(b, a), cross(sub(c, a), sub(d, a))) / 6.0
}

/// Area of triangle (a, b, c) in mm^2.
pub fn triangle_area(a: V3, b: V3, c: V3) -> f64 {
    0.5 * norm(cross(sub(b, a), sub(c, a)))
}

/// Size of element `e`: area for triangles, signed volume for tetrahedra.
pub fn element_measure(mesh: &Mesh, e: usize) -> f64 {
    let el = mesh.element(e);
    let p = |i: usize| mesh.nodes[el[i] as usize];
    match mesh.kind {
        ElementKind::Triangle => triangle_area(p(0), p(1), p(2)),
        ElementKind::Tetrahedron => tet_signed_volume(p(0), p(1), p(2), p(3)),
    }
}

/// Edges of element `e` as (length in mm) for each local node pair.
pub fn element_edge_lengths(mesh: &Mesh, e: usize) -> Vec<f64> {
    let el = mesh.element(e);
    let mut out = Vec::with_capacity(6);
    for i in 0..el.len() {
        for j in i + 1..el.len() {
            out.push(dist(mesh.nodes[el[i] as usize], mesh.nodes[el[j] as usize]));
        }
    }
    out
}

/// Shape quality in [0, 1]: 1 for the regular simplex, 0 for a degenerate
/// one. Triangles: 4 sqrt(3) A / sum(l^2). Tetrahedra: 6 sqrt(2) V / l_rms^3.
pub fn element_quality(mesh: &Mesh, e: usize) -> f64 {
    let lengths = element_edge_lengths(mesh, e);
    let sum_sq: f64 = lengths.iter().map(|l| l * l).sum();
    if sum_sq <= 0.0 {
        return 0.0;
    }
    match mesh.kind {
        ElementKind::Triangle => 4.0 * 3f64.sqrt() * element_measure(mesh, e) / sum_sq,
        ElementKind::Tetrahedron => {
            let l_rms = (sum_sq / 6.0).sqrt();
            (6.0 * 2f64.sqrt() * element_measure(mesh, e).abs() / l_rms.powi(3)).min(1.0)
        }
    }
}

/// Gradients (1/mm) of the P1 basis functions of a simplex with the given
/// vertices, and its measure (area or volume, positive). For triangles in 3D
/// the gradients lie in the triangle's plane.
pub fn p1_gradients(verts: &[V3]) -> (Vec<V3>, f64) {
    match verts.len() {
        3 => {
            let (a, b, c) = (verts[0], verts[1], verts[2]);
            let n = cross(sub(b, a), sub(c, a));
            let twice_area = norm(n);
            let area = 0.5 * twice_area;
            if twice_area == 0.0 {
                return (vec![[0.0; 3]; 3], 0.0);
            }
            let nn = twice_area * twice_area;
            // grad phi_i = (n x e_i) / |n|^2, e_i the edge opposite node i,
            // oriented so the gradient points towards node i.
            let g = |p: V3, q: V3| {
                let e = sub(q, p);
                let v = cross(n, e);
                [v[0] / nn, v[1] / nn, v[2] / nn]
            };
            (vec![g(b, c), g(c, a), g(a, b)], area)
        }
        4 => {
            let (a, b, c, d) = (verts[0], verts[1], verts[2], verts[3]);
            let vol6 = dot(sub(b, a), cross(sub(c, a), sub(d, a)));
            if vol6 == 0.0 {
                return (vec![[0.0; 3]; 4], 0.0);
            }
            // Rows of the inverse Jacobian give grad phi_1..3; phi_0 = 1 - sum.
            let e1 = sub(b, a);
            let e2 = sub(c, a);
            let e3 = sub(d, a);
            let scale = |v: V3| [v[0] / vol6, v[1] / vol6, v[2] / vol6];
            let g1 = scale(cross(e2, e3));
            let g2 = scale(cross(e3, e1));
            let g3 = scale(cross(e1, e2));
            let g0 = [
                -(g1[0] + g2[0] + g3[0]),
                -(g1[1] + g2[1] + g3[1]),
                -(g1[2] + g2[2] + g3[2]),
            ];
            (vec![g0, g1, g2, g3], vol6.abs() / 6.0)
        }
        n => panic!("p1_gradients: simplex with {n} vertices"),
    }
}

/// Boundary faces of a tetrahedral mesh, oriented outward.
pub fn boundary_faces(mesh: &Mesh) -> Vec<[u32; 3]> {
    debug_assert_eq!(mesh.kind, ElementKind::Tetrahedron);
    // Local faces of tet (0,1,2,3) with outward orientation for positive volume.
    const FACES: [[usize; 3]; 4] = [[1, 2, 3], [0, 3, 2], [0, 1, 3], [0, 2, 1]];
    let mut count: HashMap<[u32; 3], ([u32; 3], u32)> = HashMap::new();
    for (e, tet) in mesh.elements_iter().enumerate() {
        let positive = element_measure(mesh, e) >= 0.0;
        for f in FACES {
            let mut face = [tet[f[0]], tet[f[1]], tet[f[2]]];
            if !positive {
                face.swap(1, 2);
            }
            let mut key = face;
            key.sort_unstable();
            count
                .entry(key)
                .and_modify(|(_, c)| *c += 1)
                .or_insert((face, 1));
        }
    }
    let mut faces: Vec<[u32; 3]> = count
        .into_values()
        .filter(|(_, c)| *c == 1)
        .map(|(f, _)| f)
        .collect();
    faces.sort_unstable();
    faces
}
