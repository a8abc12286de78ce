//! STL (ASCII or binary) via `stl_io`. STL is a triangle soup: vertices are
//! merged by exact coordinate match (single precision, as stored) so the
//! surface becomes connected. Units are whatever the file uses (usually mm).

use crate::mesh::{ElementKind, Mesh};
use crate::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// Bytes of the binary header (80) plus the triangle count (4).
const BINARY_HEADER: usize = 84;
/// Bytes per binary triangle record.
const BINARY_RECORD: usize = 50;

/// Read an STL file into a triangle mesh.
pub fn read_stl(path: &Path) -> Result<Mesh> {
    let bytes = super::read_bytes(path)?;
    let declared = bytes
        .get(80..84)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let exact_binary =
        declared.is_some_and(|n| BINARY_HEADER + n.saturating_mul(BINARY_RECORD) == bytes.len());
    let looks_ascii = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(5)
        .eq(b"solid".iter());
    if !exact_binary && !looks_ascii {
        // Binary with a count that disagrees with the size.
        let Some(n) = declared else {
            return Err(Error::parse(
                path,
                "header",
                format!(
                    "truncated: a binary STL needs at least 84 bytes, file has {}",
                    bytes.len()
                ),
            ));
        };
        let have = (bytes.len() - BINARY_HEADER) / BINARY_RECORD;
        let msg = if have < n {
            format!("truncated: header announces {n} triangles ({} bytes), file holds {have} ({} bytes)", BINARY_HEADER + n * BINARY_RECORD, bytes.len())
        } else {
            format!(
                "header announces {n} triangles but the file holds {have} ({} bytes)",
                bytes.len()
            )
        };
        return Err(Error::parse(path, format!("record {}", have.min(n)), msg));
    }
    let mut cursor = std::io::Cursor::new(&bytes);
    let reader = stl_io::create_stl_reader(&mut cursor)
        .map_err(|e| Error::parse(path, "header", format!("not an STL file: {e}")))?;
    let mut nodes: Vec<[f64; 3]> = Vec::new();
    let mut index: HashMap<[u32; 3], u32> = HashMap::new();
    let mut elements = Vec::new();
    for (i, tri) in reader.enumerate() {
        let tri = tri.map_err(|e| {
            Error::parse(
                path,
                format!("facet {i}"),
                format!("expected 'facet normal nx ny nz / outer loop / 3 x vertex x y z': {e}"),
            )
        })?;
        for v in tri.vertices {
            // +0.0 and -0.0 are the same point.
            let key = v.0.map(|c| if c == 0.0 { 0 } else { c.to_bits() });
            let next = nodes.len() as u32;
            let id = *index.entry(key).or_insert_with(|| {
                nodes.push(v.0.map(f64::from));
                next
            });
            elements.push(id);
        }
    }
    if elements.is_empty() {
        return Err(Error::invalid_mesh(path, "no triangles"));
    }
    Ok(Mesh::new(nodes, ElementKind::Triangle, elements))
}
