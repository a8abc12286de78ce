//! Legacy VTK writer: DATASET UNSTRUCTURED_GRID, ASCII or big-endian BINARY,
//! `region` (int) and `fibres` (double) as cell data. Written atomically.

use super::cells;
use crate::mesh::{ElementKind, Mesh};
use crate::output::atomic::write_atomic;
use crate::Result;
use std::io::Write;
use std::path::Path;

/// Write a legacy VTK unstructured grid (ASCII, or big-endian BINARY) with
/// the region tags (`region`, int) and fibres (`fibres`, double) as cell
/// data. Coordinates in mm as stored.
pub fn write_vtk(path: &Path, mesh: &Mesh, binary: bool) -> Result<()> {
    write_atomic(path, |w| write_body(w, mesh, binary))
}

fn write_body(w: &mut dyn Write, mesh: &Mesh, binary: bool) -> std::io::Result<()> {
    let n_el = mesh.element_count();
    let npe = mesh.kind.nodes_per_element();
    let vtk_type = match mesh.kind {
        ElementKind::Triangle => cells::VTK_TRIANGLE,
        ElementKind::Tetrahedron => cells::VTK_TETRA,
    };
    writeln!(w, "# vtk DataFile Version 3.0")?;
    writeln!(w, "cardiotwin {} mesh", crate::VERSION)?;
    writeln!(w, "{}", if binary { "BINARY" } else { "ASCII" })?;
    writeln!(w, "DATASET UNSTRUCTURED_GRID")?;
    writeln!(w, "POINTS {} double", mesh.node_count())?;
    let doubles = |w: &mut dyn Write,
                   vals: &mut dyn Iterator<Item = f64>,
                   per: usize|
     -> std::io::Result<()> {
        if binary {
            for x in vals {
                w.write_all(&x.to_be_bytes())?;
            }
            writeln!(w)
        } else {
            let vals: Vec<String> = vals.map(fmt_f64).collect();
            for chunk in vals.chunks(per) {
                writeln!(w, "{}", chunk.join(" "))?;
            }
            Ok(())
        }
    };
    doubles(w, &mut mesh.nodes.iter().flatten().copied(), 3)?;
    writeln!(w, "CELLS {} {}", n_el, n_el * (npe + 1))?;
    let ints = |w: &mut dyn Write, vals: &[i32], per: usize| -> std::io::Result<()> {
        if binary {
            for x in vals {
                w.write_all(&x.to_be_bytes())?;
            }
            writeln!(w)
        } else {
            for chunk in vals.chunks(per) {
                let s: Vec<String> = chunk.iter().map(|v| v.to_string()).collect();
                writeln!(w, "{}", s.join(" "))?;
            }
            Ok(())
        }
    };
    let mut conn = Vec::with_capacity(n_el * (npe + 1));
    for el in mesh.elements_iter() {
        conn.push(npe as i32);
        conn.extend(el.iter().map(|&i| i as i32));
    }
    ints(w, &conn, npe + 1)?;
    writeln!(w, "CELL_TYPES {n_el}")?;
    ints(w, &vec![vtk_type as i32; n_el], 1)?;
    writeln!(w, "CELL_DATA {n_el}")?;
    writeln!(w, "SCALARS region int 1")?;
    writeln!(w, "LOOKUP_TABLE default")?;
    ints(w, &mesh.regions, 1)?;
    if let Some(f) = &mesh.fibres {
        writeln!(w, "VECTORS fibres double")?;
        doubles(w, &mut f.iter().flatten().copied(), 3)?;
    }
    Ok(())
}

/// Shortest round-trip decimal; NaN and infinities as `nan`, `inf`, `-inf`
/// (what C's strtod and our readers accept).
pub(crate) fn fmt_f64(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{x}")
    }
}
