//! Mesh readers and writers.
//!
//! [`load`] picks the reader from the file extension, then runs
//! [`validate::validate`](crate::mesh::validate::validate) so every mesh that
//! leaves this module has in-range indices, finite coordinates, no degenerate
//! elements and consistently oriented tetrahedra. Coordinates are kept as
//! they are in the file (the scenario's `scale` converts units to mm).
//!
//! Supported formats:
//! - `.vtu` (VTK XML unstructured grid: ascii, base64 binary, zlib, appended)
//! - `.vtk` (legacy VTK: ASCII or BINARY, UNSTRUCTURED_GRID or POLYDATA)
//! - `.pts` / `.elem` / `.lon`, or an openCARP basename
//! - `.obj` (Wavefront, triangulated) and `.stl` (ASCII or binary)

mod cells;
pub mod obj;
pub mod opencarp;
pub mod stl;
pub mod vtk_legacy;
pub mod vtk_legacy_write;
pub mod vtu;
mod vtu_codec;
pub mod vtu_write;

pub use crate::mesh::subset::extract_regions;
pub use vtu::{read_vtu_array, write_vtu, write_vtu_with, DataArray, VtuEncoding, VtuWriteOptions};

use crate::mesh::{validate, Mesh};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Options for [`load_with`].
#[derive(Default, Clone, Debug)]
pub struct LoadOptions {
    /// Name of the integer cell-data array to use as region tags, overriding
    /// the defaults `region` then `tag` (VTU and legacy VTK only). Example:
    /// `_volume-id` for the ansys-health-heart meshes.
    pub region_array: Option<String>,
}

/// Extensions [`load`] understands, for error messages.
pub const SUPPORTED_INPUTS: &str =
    ".vtu, .vtk, .obj, .stl, .pts/.elem/.lon (or an openCARP basename with <base>.pts and <base>.elem)";

/// Extensions [`save`] understands, for error messages.
pub const SUPPORTED_OUTPUTS: &str = ".vtu, .vtk, .pts/.elem (openCARP basename)";

/// Load a mesh with default options; see [`load_with`].
pub fn load(path: &Path) -> Result<Mesh> {
    load_with(path, &LoadOptions::default())
}

/// Load and validate a mesh, choosing the reader from the extension.
pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Mesh> {
    let mut mesh = match Format::of_input(path)? {
        Format::Vtu => vtu::read_vtu(path, opts)?,
        Format::VtkLegacy => vtk_legacy::read_vtk(path, opts)?,
        Format::Obj => obj::read_obj(path)?,
        Format::Stl => stl::read_stl(path)?,
        Format::OpenCarp(base) => opencarp::read_opencarp(&base)?,
    };
    validate::validate(&mut mesh, path)?;
    Ok(mesh)
}

/// Save a mesh, choosing the writer from the extension: `.vtu` (compressed
/// binary VTU), `.vtk` (ASCII legacy VTK) or `.pts`/`.elem` (openCARP files
/// `<base>.pts`, `<base>.elem` and `<base>.lon` when the mesh has fibres).
/// Every file is written atomically.
pub fn save(mesh: &Mesh, path: &Path) -> Result<()> {
    match extension(path).as_deref() {
        Some("vtu") => write_vtu(path, mesh, &[], &[], VtuWriteOptions { compress: true }),
        Some("vtk") => vtk_legacy::write_vtk(path, mesh, false),
        Some("pts") | Some("elem") => opencarp::write_opencarp(&path.with_extension(""), mesh),
        _ => Err(Error::Unsupported(format!(
            "{}: cannot choose a mesh writer from the extension; supported: {SUPPORTED_OUTPUTS}",
            path.display()
        ))),
    }
}

/// Input formats, as chosen from a path.
#[derive(Debug, Clone, PartialEq)]
enum Format {
    Vtu,
    VtkLegacy,
    Obj,
    Stl,
    /// openCARP files sharing this basename (no extension).
    OpenCarp(PathBuf),
}

impl Format {
    fn of_input(path: &Path) -> Result<Format> {
        // An openCARP basename first: "heart.2mm" has the extension "2mm" but
        // names heart.2mm.pts + heart.2mm.elem.
        let with = |ext: &str| {
            let mut s = path.as_os_str().to_owned();
            s.push(ext);
            PathBuf::from(s)
        };
        if with(".pts").is_file() && with(".elem").is_file() {
            return Ok(Format::OpenCarp(path.to_path_buf()));
        }
        match extension(path).as_deref() {
            Some("vtu") => Ok(Format::Vtu),
            Some("vtk") => Ok(Format::VtkLegacy),
            Some("obj") => Ok(Format::Obj),
            Some("stl") => Ok(Format::Stl),
            Some("pts") | Some("elem") | Some("lon") => {
                Ok(Format::OpenCarp(path.with_extension("")))
            }
            Some(other) => Err(Error::Unsupported(format!(
                "{}: unknown mesh extension '.{other}'; supported: {SUPPORTED_INPUTS}",
                path.display()
            ))),
            None => Err(Error::Unsupported(format!(
                "{}: no extension and no openCARP files {0}.pts + {0}.elem; supported: {SUPPORTED_INPUTS}",
                path.display()
            ))),
        }
    }
}

/// Lower-case extension without the dot.
fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Read a whole file, mapping errors to [`Error::Io`] naming it; devices
/// (`/dev/zero`) are refused and streams stop at a size limit
/// ([`crate::input`]).
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    crate::input::read_bytes(path)
}
