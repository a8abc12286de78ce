//! Wavefront OBJ via `tobj` (faces triangulated, all objects merged).
//! Only geometry is used; materials are ignored.

use crate::mesh::{ElementKind, Mesh};
use crate::{Error, Result};
use std::path::Path;

/// Read an OBJ surface as a triangle mesh.
pub fn read_obj(path: &Path) -> Result<Mesh> {
    let bytes = super::read_bytes(path)?;
    // tobj features (merging, reordering) add fields: keep the update.
    #[allow(clippy::needless_update)]
    let opts = tobj::LoadOptions {
        triangulate: true,
        single_index: true,
        ignore_points: true,
        ignore_lines: true,
        ..Default::default()
    };
    let mut reader = std::io::BufReader::new(&bytes[..]);
    // Materials are irrelevant for geometry: never open .mtl files.
    let (models, _) =
        tobj::load_obj_buf(&mut reader, &opts, |_| Err(tobj::LoadError::GenericFailure))
            .map_err(|e| Error::parse(path, first_bad_line(&bytes), format!("OBJ: {e}")))?;
    let mut nodes: Vec<[f64; 3]> = Vec::new();
    let mut elements = Vec::new();
    for m in &models {
        let base = nodes.len() as u32;
        nodes.extend(
            m.mesh
                .positions
                .chunks_exact(3)
                .map(|p| [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])]),
        );
        elements.extend(m.mesh.indices.iter().map(|&i| base + i));
    }
    if elements.is_empty() {
        return Err(Error::invalid_mesh(
            path,
            "no faces ('f' lines); an OBJ mesh needs triangles or polygons",
        ));
    }
    Ok(Mesh::new(nodes, ElementKind::Triangle, elements))
}

/// tobj does not say where it failed; find the first `v` or `f` line that
/// does not parse so the message can point at it.
fn first_bad_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut n_v = 0usize;
    for (i, line) in text.lines().enumerate() {
        let mut t = line.split_whitespace();
        match t.next() {
            Some("v") => {
                n_v += 1;
                let ok = t.clone().count() >= 3 && t.take(3).all(|x| x.parse::<f64>().is_ok());
                if !ok {
                    return format!("line {}", i + 1);
                }
            }
            Some("f") => {
                let idx: Vec<Option<i64>> = t
                    .map(|x| x.split('/').next().and_then(|s| s.parse().ok()))
                    .collect();
                let bad = idx.len() < 3
                    || idx.iter().any(|v| match v {
                        Some(k) => *k == 0 || k.unsigned_abs() as usize > n_v,
                        None => true,
                    });
                if bad {
                    return format!("line {}", i + 1);
                }
            }
            _ => {}
        }
    }
    "line unknown".to_string()
}
