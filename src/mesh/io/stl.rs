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
    let ascii_header = ascii_header_at(&bytes);
    // A binary header may itself begin with "solid" (several exporters write
    // that); only a body of facets makes it ASCII.
    let looks_ascii = ascii_header.is_some_and(|at| ascii_body_follows(&bytes[at..]));
    if !exact_binary && ascii_header.is_none() {
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
    let bytes = match ascii_header {
        Some(at) if looks_ascii || !exact_binary => normalised_ascii(bytes, at),
        _ => {
            // stl_io treats any file whose first line starts "solid " as
            // ASCII: hide the word from it in a binary header.
            let mut bytes = bytes;
            if bytes.starts_with(b"solid") {
                bytes[..5].copy_from_slice(b"     ");
            }
            bytes
        }
    };
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

/// Offset of the word `solid` that opens an ASCII STL (after any leading
/// whitespace), if the file starts that way.
fn ascii_header_at(bytes: &[u8]) -> Option<usize> {
    let at = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    bytes[at..].starts_with(b"solid").then_some(at)
}

/// Whether the line after the `solid` header starts a facet or ends the
/// solid, as in an ASCII file (a binary header that begins with "solid" is
/// followed by binary records).
fn ascii_body_follows(from_solid: &[u8]) -> bool {
    let Some(eol) = from_solid.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let rest = &from_solid[eol + 1..];
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let rest = &rest[start..];
    rest.starts_with(b"facet") || rest.starts_with(b"endsolid")
}

/// The ASCII text as stl_io wants it: the first line must begin with
/// `solid ` (with a space). meshio and others write a bare `solid` line, and
/// some files indent it.
fn normalised_ascii(bytes: Vec<u8>, at: usize) -> Vec<u8> {
    if at == 0 && bytes.get(5) == Some(&b' ') {
        return bytes;
    }
    let mut fixed = Vec::with_capacity(bytes.len() + 1);
    fixed.extend_from_slice(b"solid ");
    fixed.extend_from_slice(&bytes[at + 5..]);
    fixed
}
