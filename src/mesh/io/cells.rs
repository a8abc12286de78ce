//! Turning a VTK-style cell table (types, offsets, connectivity, per-cell
//! arrays) into a [`Mesh`]: keep the highest-dimensional simplices (tets over
//! triangles), drop vertices/lines/lower-dimensional cells together with
//! their cell data so the arrays stay aligned.

use crate::mesh::{ElementKind, Mesh};
use crate::{Error, Result};
use std::path::Path;

/// VTK cell type ids we understand.
pub const VTK_VERTEX: u8 = 1;
pub const VTK_POLY_VERTEX: u8 = 2;
pub const VTK_LINE: u8 = 3;
pub const VTK_POLY_LINE: u8 = 4;
pub const VTK_TRIANGLE: u8 = 5;
pub const VTK_TETRA: u8 = 10;

/// A cell table as VTK stores it. `offsets[i]` is the end of cell `i` in
/// `connectivity` (VTU convention); cell `i` starts at `offsets[i-1]` or 0.
#[derive(Debug, Default)]
pub struct CellTable {
    pub types: Vec<u8>,
    pub offsets: Vec<usize>,
    pub connectivity: Vec<i64>,
}

impl CellTable {
    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn push(&mut self, vtk_type: u8, nodes: &[i64]) {
        self.connectivity.extend_from_slice(nodes);
        self.types.push(vtk_type);
        self.offsets.push(self.connectivity.len());
    }

    /// Append another table (used for POLYDATA: verts, lines, polys in order).
    pub fn append(&mut self, other: CellTable) {
        let base = self.connectivity.len();
        self.types.extend(other.types);
        self.offsets
            .extend(other.offsets.into_iter().map(|o| o + base));
        self.connectivity.extend(other.connectivity);
    }
}

/// Human name of a VTK cell type for error messages.
pub fn vtk_type_name(t: u8) -> &'static str {
    match t {
        1 => "vertex",
        2 => "poly-vertex",
        3 => "line",
        4 => "poly-line",
        5 => "triangle",
        6 => "triangle strip",
        7 => "polygon",
        8 => "pixel",
        9 => "quad",
        10 => "tetrahedron",
        11 => "voxel",
        12 => "hexahedron",
        13 => "wedge",
        14 => "pyramid",
        21..=37 => "quadratic/higher-order cell",
        _ => "unknown",
    }
}

/// Per-cell data found in the file, aligned with the cell table.
#[derive(Debug, Default)]
pub struct CellArrays {
    /// Region tags as read (any numeric type); must be integral.
    pub regions: Option<(String, Vec<f64>)>,
    /// Fibre directions (3 per cell), normalised on assembly.
    pub fibres: Option<Vec<[f64; 3]>>,
}

/// Build a mesh from nodes and cells. `where_` names the section for errors
/// (for example "CELLS" or "DataArray 'connectivity'").
pub fn assemble(
    path: &Path,
    where_: &str,
    nodes: Vec<[f64; 3]>,
    cells: &CellTable,
    arrays: CellArrays,
) -> Result<Mesh> {
    let n_cells = cells.len();
    if cells.offsets.len() != n_cells {
        return Err(Error::parse(
            path,
            where_,
            format!("{} offsets for {} cell types", cells.offsets.len(), n_cells),
        ));
    }
    // Reject cells we cannot represent instead of silently dropping volume.
    let mut has_tet = false;
    let mut has_tri = false;
    for (i, &t) in cells.types.iter().enumerate() {
        match t {
            VTK_TETRA => has_tet = true,
            VTK_TRIANGLE => has_tri = true,
            VTK_VERTEX | VTK_POLY_VERTEX | VTK_LINE | VTK_POLY_LINE => {}
            other => {
                return Err(Error::parse(
                    path,
                    format!("cell {i}"),
                    format!(
                        "unsupported VTK cell type {other} ({}); supported: 5 triangle, 10 tetrahedron (vertices and lines are ignored)",
                        vtk_type_name(other)
                    ),
                ))
            }
        }
    }
    let (kind, keep_type) = if has_tet {
        (ElementKind::Tetrahedron, VTK_TETRA)
    } else if has_tri {
        (ElementKind::Triangle, VTK_TRIANGLE)
    } else {
        return Err(Error::invalid_mesh(
            path,
            format!("no triangle (5) or tetrahedron (10) cells among {n_cells} cells"),
        ));
    };
    let npe = kind.nodes_per_element();
    if let Some((name, r)) = &arrays.regions {
        check_len(path, name, r.len(), n_cells)?;
    }
    if let Some(f) = &arrays.fibres {
        check_len(path, "fibres", f.len(), n_cells)?;
    }

    let mut elements = Vec::new();
    let mut regions = Vec::new();
    let mut fibres = arrays.fibres.as_ref().map(|_| Vec::new());
    let mut start = 0usize;
    for i in 0..n_cells {
        let end = cells.offsets[i];
        if end < start || end > cells.connectivity.len() {
            return Err(Error::parse(
                path,
                format!("cell {i}"),
                format!(
                    "offset {end} out of order or beyond the connectivity ({} entries)",
                    cells.connectivity.len()
                ),
            ));
        }
        let conn = &cells.connectivity[start..end];
        start = end;
        if cells.types[i] != keep_type {
            continue;
        }
        if conn.len() != npe {
            return Err(Error::parse(
                path,
                format!("cell {i}"),
                format!("a {} needs {npe} nodes, found {}", kind.name(), conn.len()),
            ));
        }
        for &n in conn {
            // Range against the node count is checked by validate(); here
            // only what does not fit a u32 index.
            let idx = u32::try_from(n).map_err(|_| {
                Error::parse(
                    path,
                    format!("cell {i}"),
                    format!("node index {n} is negative or too large"),
                )
            })?;
            elements.push(idx);
        }
        if let Some((name, r)) = &arrays.regions {
            let v = r[i];
            if !(v.is_finite() && v.fract() == 0.0 && v.abs() <= i32::MAX as f64) {
                return Err(Error::parse(
                    path,
                    format!("cell {i}"),
                    format!("region array '{name}' holds {v}, expected an integer"),
                ));
            }
            regions.push(v as i32);
        } else {
            regions.push(0);
        }
        if let (Some(out), Some(src)) = (fibres.as_mut(), arrays.fibres.as_ref()) {
            out.push(normalise(src[i]));
        }
    }
    Ok(Mesh {
        nodes,
        kind,
        elements,
        regions,
        fibres,
    })
}

fn check_len(path: &Path, name: &str, len: usize, n_cells: usize) -> Result<()> {
    if len != n_cells {
        return Err(Error::parse(
            path,
            format!("cell array '{name}'"),
            format!("{len} tuples for {n_cells} cells"),
        ));
    }
    Ok(())
}

/// Unit vector, or zero for a zero vector ("no fibre here"). NaN stays NaN
/// so validation can report it.
pub fn normalise(v: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n == 0.0 {
        [0.0; 3]
    } else {
        [v[0] / n, v[1] / n, v[2] / n]
    }
}

/// Is `name` one of the accepted fibre array names?
pub fn is_fibre_name(name: &str) -> bool {
    name == "fibres" || name == "fibers"
}

/// Region array names to look for, in order of preference.
pub fn region_names(opts: &super::LoadOptions) -> Vec<&str> {
    match &opts.region_array {
        Some(n) => vec![n.as_str()],
        None => vec!["region", "tag"],
    }
}
