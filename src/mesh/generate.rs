//! Structured meshes for tests, benchmarks and teaching: tetrahedral boxes
//! (the N-version benchmark slab) and triangulated rectangular sheets.

use super::{ElementKind, Mesh};

/// Number of cells along a length `len` for a target spacing `h` (at least 1).
fn cells(len: f64, h: f64) -> usize {
    ((len / h).round() as usize).max(1)
}

/// A box [0, lx] x [0, ly] x [0, lz] (mm) of tetrahedra with spacing about
/// `h` (mm). Each cube is split into 6 tetrahedra around its main diagonal
/// (Kuhn split), which is conforming across cubes. All tets are positively
/// oriented. Fibres are not set.
pub fn box_tets(lx: f64, ly: f64, lz: f64, h: f64) -> Mesh {
    let (nx, ny, nz) = (cells(lx, h), cells(ly, h), cells(lz, h));
    let id = |i: usize, j: usize, k: usize| (i + (nx + 1) * (j + (ny + 1) * k)) as u32;
    let mut nodes = Vec::with_capacity((nx + 1) * (ny + 1) * (nz + 1));
    for k in 0..=nz {
        for j in 0..=ny {
            for i in 0..=nx {
                nodes.push([
                    lx * i as f64 / nx as f64,
                    ly * j as f64 / ny as f64,
                    lz * k as f64 / nz as f64,
                ]);
            }
        }
    }
    // Kuhn split: the 6 monotone paths from corner 000 to 111.
    const PATHS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut elements = Vec::with_capacity(nx * ny * nz * 24);
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                for path in PATHS {
                    let mut c = [i, j, k];
                    let mut tet = [id(c[0], c[1], c[2]); 4];
                    for (s, axis) in path.iter().enumerate() {
                        c[*axis] += 1;
                        tet[s + 1] = id(c[0], c[1], c[2]);
                    }
                    elements.extend_from_slice(&tet);
                }
            }
        }
    }
    let mut mesh = Mesh::new(nodes, ElementKind::Tetrahedron, elements);
    orient_positive(&mut mesh);
    mesh
}

/// A flat rectangular sheet [0, lx] x [0, ly] at z = 0 (mm) of triangles with
/// spacing about `h`, each square cut along alternating diagonals so the mesh
/// has no preferred direction.
pub fn sheet_triangles(lx: f64, ly: f64, h: f64) -> Mesh {
    let (nx, ny) = (cells(lx, h), cells(ly, h));
    let id = |i: usize, j: usize| (i + (nx + 1) * j) as u32;
    let mut nodes = Vec::with_capacity((nx + 1) * (ny + 1));
    for j in 0..=ny {
        for i in 0..=nx {
            nodes.push([lx * i as f64 / nx as f64, ly * j as f64 / ny as f64, 0.0]);
        }
    }
    let mut elements = Vec::with_capacity(nx * ny * 6);
    for j in 0..ny {
        for i in 0..nx {
            let (a, b, c, d) = (id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1));
            if (i + j) % 2 == 0 {
                elements.extend_from_slice(&[a, b, c, a, c, d]);
            } else {
                elements.extend_from_slice(&[a, b, d, b, c, d]);
            }
        }
    }
    Mesh::new(nodes, ElementKind::Triangle, elements)
}

/// Swap two nodes of every negatively oriented tetrahedron.
fn orient_positive(mesh: &mut Mesh) {
    for e in 0..mesh.element_count() {
        if super::geometry::element_measure(mesh, e) < 0.0 {
            mesh.elements.swap(4 * e + 2, 4 * e + 3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::geometry::element_measure;

    #[test]
    fn box_volume_is_the_sum_of_its_tets() {
        let m = box_tets(2.0, 1.0, 0.5, 0.25);
        let vol: f64 = (0..m.element_count()).map(|e| element_measure(&m, e)).sum();
        assert!((vol - 1.0).abs() < 1e-12, "volume {vol}");
        assert!((0..m.element_count()).all(|e| element_measure(&m, e) > 0.0));
    }

    #[test]
    fn box_surface_is_closed_and_has_the_right_area() {
        let m = box_tets(2.0, 1.0, 0.5, 0.25);
        let area: f64 = m
            .surface_triangles()
            .iter()
            .map(|t| {
                crate::mesh::geometry::triangle_area(
                    m.nodes[t[0] as usize],
                    m.nodes[t[1] as usize],
                    m.nodes[t[2] as usize],
                )
            })
            .sum();
        assert!(
            (area - 2.0 * (2.0 + 1.0 + 0.5)).abs() < 1e-12,
            "area {area}"
        );
    }

    #[test]
    fn sheet_area_matches() {
        let m = sheet_triangles(3.0, 2.0, 0.5);
        let area: f64 = (0..m.element_count()).map(|e| element_measure(&m, e)).sum();
        assert!((area - 6.0).abs() < 1e-12);
    }
}
