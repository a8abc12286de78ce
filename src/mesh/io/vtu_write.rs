//! VTU writer: one Piece, `header_type="UInt64"`, little endian, Float64
//! points, Int32 connectivity/offsets (Int64 past 2^31 entries), UInt8 types, Int32 `region`, Float64
//! `fibres`, plus caller arrays as Float64; base64 binary, zlib-compressed
//! binary (VTK's block layout) or ascii. Files are written atomically.

use super::cells;
use super::vtu_codec;
use crate::mesh::{ElementKind, Mesh};
use crate::output::atomic::write_atomic;
use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// A named array to write: `components` values per tuple (point or cell).
#[derive(Debug, Clone, Copy)]
pub struct DataArray<'a> {
    pub name: &'a str,
    pub components: usize,
    pub values: &'a [f64],
}

/// Options for [`write_vtu`]: `compress` selects zlib blocks, otherwise
/// plain base64 binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct VtuWriteOptions {
    pub compress: bool,
}

/// How [`write_vtu_with`] encodes arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VtuEncoding {
    /// Whitespace-separated text (`nan` for NaN).
    Ascii,
    /// base64 of `[UInt64 nbytes][data]`, NaN bit-exact.
    #[default]
    Binary,
    /// base64 of zlib blocks (`vtkZLibDataCompressor`).
    Compressed,
}

/// Write `mesh` as a VTU with extra point and cell arrays (Float64).
/// `opts.compress` selects zlib blocks; otherwise base64 binary.
pub fn write_vtu(
    path: &Path,
    mesh: &Mesh,
    point_data: &[DataArray],
    cell_data: &[DataArray],
    opts: VtuWriteOptions,
) -> Result<()> {
    let enc = if opts.compress {
        VtuEncoding::Compressed
    } else {
        VtuEncoding::Binary
    };
    write_vtu_with(path, mesh, point_data, cell_data, enc)
}

/// Write a VTU with the given encoding (see [`VtuEncoding`]).
pub fn write_vtu_with(
    path: &Path,
    mesh: &Mesh,
    point_data: &[DataArray],
    cell_data: &[DataArray],
    encoding: VtuEncoding,
) -> Result<()> {
    let n_p = mesh.node_count();
    let n_c = mesh.element_count();
    for (arrays, n, what) in [(point_data, n_p, "point"), (cell_data, n_c, "cell")] {
        for a in arrays {
            if a.components == 0 || a.values.len() != a.components * n {
                return Err(Error::Numerics(format!(
                    "{}: {what} array '{}' has {} values, expected {} x {n}",
                    path.display(),
                    a.name,
                    a.values.len(),
                    a.components
                )));
            }
        }
    }
    write_atomic(path, |w| {
        write_body(w, mesh, point_data, cell_data, encoding)
    })
}

/// Typed values for one DataArray.
enum Payload<'a> {
    F64(&'a mut dyn Iterator<Item = f64>),
    I64(&'a mut dyn Iterator<Item = i64>),
    I32(&'a mut dyn Iterator<Item = i32>),
    U8(&'a mut dyn Iterator<Item = u8>),
}

fn write_body(
    w: &mut dyn Write,
    mesh: &Mesh,
    point_data: &[DataArray],
    cell_data: &[DataArray],
    enc: VtuEncoding,
) -> std::io::Result<()> {
    let npe = mesh.kind.nodes_per_element();
    let vtk_type = match mesh.kind {
        ElementKind::Triangle => cells::VTK_TRIANGLE,
        ElementKind::Tetrahedron => cells::VTK_TETRA,
    };
    let compressor = if enc == VtuEncoding::Compressed {
        " compressor=\"vtkZLibDataCompressor\""
    } else {
        ""
    };
    writeln!(w, "<?xml version=\"1.0\"?>")?;
    writeln!(
        w,
        "<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\"{compressor}>"
    )?;
    writeln!(w, "  <UnstructuredGrid>")?;
    writeln!(
        w,
        "    <Piece NumberOfPoints=\"{}\" NumberOfCells=\"{}\">",
        mesh.node_count(),
        mesh.element_count()
    )?;
    if !point_data.is_empty() {
        writeln!(w, "      <PointData>")?;
        caller_arrays(w, point_data, enc)?;
        writeln!(w, "      </PointData>")?;
    }
    writeln!(w, "      <CellData>")?;
    array(
        w,
        "region",
        1,
        Payload::I32(&mut mesh.regions.iter().copied()),
        enc,
    )?;
    if let Some(f) = &mesh.fibres {
        array(
            w,
            "fibres",
            3,
            Payload::F64(&mut f.iter().flatten().copied()),
            enc,
        )?;
    }
    caller_arrays(w, cell_data, enc)?;
    writeln!(w, "      </CellData>")?;
    writeln!(w, "      <Points>")?;
    array(
        w,
        "Points",
        3,
        Payload::F64(&mut mesh.nodes.iter().flatten().copied()),
        enc,
    )?;
    writeln!(w, "      </Points>")?;
    writeln!(w, "      <Cells>")?;
    // Int32 indices whenever they fit (every mesh below 2^31 entries): half
    // the bytes of Int64, and what ParaView itself writes.
    let wide = mesh.elements.len() >= i32::MAX as usize;
    let mut conn32 = mesh.elements.iter().map(|&i| i as i32);
    let mut conn64 = mesh.elements.iter().map(|&i| i as i64);
    let mut offs32 = (1..=mesh.element_count()).map(|e| (e * npe) as i32);
    let mut offs64 = (1..=mesh.element_count()).map(|e| (e * npe) as i64);
    let (conn, offs) = if wide {
        (Payload::I64(&mut conn64), Payload::I64(&mut offs64))
    } else {
        (Payload::I32(&mut conn32), Payload::I32(&mut offs32))
    };
    array(w, "connectivity", 1, conn, enc)?;
    array(w, "offsets", 1, offs, enc)?;
    array(
        w,
        "types",
        1,
        Payload::U8(&mut std::iter::repeat_n(vtk_type, mesh.element_count())),
        enc,
    )?;
    writeln!(w, "      </Cells>")?;
    writeln!(w, "    </Piece>")?;
    writeln!(w, "  </UnstructuredGrid>")?;
    writeln!(w, "</VTKFile>")
}

/// The caller's extra arrays, as Float64.
fn caller_arrays(w: &mut dyn Write, arrays: &[DataArray], enc: VtuEncoding) -> std::io::Result<()> {
    for a in arrays {
        array(
            w,
            a.name,
            a.components,
            Payload::F64(&mut a.values.iter().copied()),
            enc,
        )?;
    }
    Ok(())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn array(
    w: &mut dyn Write,
    name: &str,
    comps: usize,
    values: Payload,
    enc: VtuEncoding,
) -> std::io::Result<()> {
    let ty = match values {
        Payload::F64(_) => "Float64",
        Payload::I64(_) => "Int64",
        Payload::I32(_) => "Int32",
        Payload::U8(_) => "UInt8",
    };
    let comps_attr = if comps > 1 {
        format!(" NumberOfComponents=\"{comps}\"")
    } else {
        String::new()
    };
    let format = if enc == VtuEncoding::Ascii {
        "ascii"
    } else {
        "binary"
    };
    writeln!(
        w,
        "        <DataArray type=\"{ty}\" Name=\"{}\"{comps_attr} format=\"{format}\">",
        xml_escape(name)
    )?;
    if enc == VtuEncoding::Ascii {
        let text: Vec<String> = match values {
            Payload::F64(it) => it.map(super::vtk_legacy::fmt_f64).collect(),
            Payload::I64(it) => it.map(|v| v.to_string()).collect(),
            Payload::I32(it) => it.map(|v| v.to_string()).collect(),
            Payload::U8(it) => it.map(|v| v.to_string()).collect(),
        };
        for line in text.chunks(comps.max(1) * 4) {
            writeln!(w, "          {}", line.join(" "))?;
        }
    } else {
        let bytes: Vec<u8> = match values {
            Payload::F64(it) => it.flat_map(|v| v.to_le_bytes()).collect(),
            Payload::I64(it) => it.flat_map(|v| v.to_le_bytes()).collect(),
            Payload::I32(it) => it.flat_map(|v| v.to_le_bytes()).collect(),
            Payload::U8(it) => it.collect(),
        };
        let text = if enc == VtuEncoding::Compressed {
            // VTK encodes header and blocks as two base64 streams.
            let (h, b) = vtu_codec::pack_zlib(&bytes)?;
            format!(
                "{}{}",
                vtu_codec::encode_base64(&h),
                vtu_codec::encode_base64(&b)
            )
        } else {
            vtu_codec::encode_base64(&vtu_codec::pack_plain(&bytes))
        };
        writeln!(w, "          {text}")?;
    }
    writeln!(w, "        </DataArray>")
}
