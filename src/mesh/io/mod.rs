//! Mesh readers and writers.
//!
//! [`load`] picks the reader from the file extension, then runs
//! [`validate::validate`](crate::mesh::validate::validate) so every mesh that
//! leaves this module has in-range indices, finite coordinates, no degenerate
//! elements and consistently oriented tetrahedra. It then converts the
//! coordinates to mm: by the caller's scale when one is given (`--scale`,
//! the scenario's `mesh.scale`), else by the format's unit (openCARP files
//! are in um: 0.001; every other format: 1), and refuses a mesh that is not
//! heart-sized unless the scale was explicit ([`crate::mesh::extent`]). The
//! format readers below (`read_vtu`, `read_opencarp`...) keep the file's own
//! coordinates.
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

use crate::mesh::{extent, validate, Mesh};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Options for [`load_with`].
#[derive(Default, Clone, Debug)]
pub struct LoadOptions {
    /// Name of the integer cell-data array to use as region tags, overriding
    /// the defaults `region` then `tag` (VTU and legacy VTK only). Example:
    /// `_volume-id` for the ansys-health-heart meshes.
    pub region_array: Option<String>,
    /// Factor from the file's coordinates to mm, as the user gave it. `None`
    /// takes the format's unit ([`default_scale`]) and refuses a mesh that is
    /// not heart-sized; an explicit scale is trusted.
    pub scale: Option<f64>,
    /// Load a mesh that is not heart-sized instead of refusing it (`mesh
    /// info`, which reports the extent instead).
    pub allow_implausible: bool,
}

/// Factor from a format's coordinates to mm when the user gives none:
/// 0.001 for openCARP (um, openCARP's unit), 1 for every other format.
pub fn default_scale(path: &Path) -> f64 {
    match Format::of_input(path) {
        Ok(Format::OpenCarp(_)) => OPENCARP_UM_TO_MM,
        _ => 1.0,
    }
}

/// openCARP meshes are in micrometres.
pub const OPENCARP_UM_TO_MM: f64 = 1e-3;

/// The scale [`load_with`] applies to `path` under `opts`.
pub fn effective_scale(path: &Path, opts: &LoadOptions) -> f64 {
    opts.scale.unwrap_or_else(|| default_scale(path))
}

/// A line stating the unit assumed for `path` when the format's default is
/// not mm and the user gave no scale (openCARP: "read as micrometres"), for
/// commands to print.
pub fn unit_note(path: &Path, opts: &LoadOptions) -> Option<String> {
    let s = default_scale(path);
    (opts.scale.is_none() && s != 1.0).then(|| {
        format!(
            "{}: openCARP coordinates read as micrometres (scale {s} to mm); \
             pass --scale (scenario: mesh.scale) if the file is in another unit",
            path.display()
        )
    })
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

/// Load and validate a mesh, choosing the reader from the extension, and
/// convert it to mm (see the module documentation).
pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Mesh> {
    load_listing(path, opts).map(|(mesh, _)| mesh)
}

/// A named data array found in a mesh file, whether the reader used it or
/// not: callers check that what a scenario asks for (fibres) was not left
/// behind under a name or in a section the reader does not take.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayInfo {
    pub name: String,
    /// Cell data (true) or point data (false).
    pub on_cells: bool,
    pub components: usize,
}

/// [`load_with`], also listing the file's data arrays (VTU and legacy VTK;
/// the other formats have no named arrays and list none).
pub fn load_listing(path: &Path, opts: &LoadOptions) -> Result<(Mesh, Vec<ArrayInfo>)> {
    if let Some(s) = opts.scale {
        if !(s.is_finite() && s > 0.0) {
            return Err(Error::Unsupported(format!(
                "{}: the scale must be a positive number (got {s})",
                path.display()
            )));
        }
    }
    let format = Format::of_input(path)?;
    if let (Some(name), Format::Obj | Format::Stl | Format::OpenCarp(_)) =
        (&opts.region_array, &format)
    {
        // Silently tagging every element 0 would drop the regions asked for.
        return Err(Error::Unsupported(format!(
            "{}: region array '{name}' was asked for, but this format has no named cell arrays \
             (openCARP tags regions in the .elem file; OBJ and STL have none); \
             remove region_array or convert the mesh to .vtu with the array",
            path.display()
        )));
    }
    let (mut mesh, arrays) = match format {
        Format::Vtu => vtu::read_vtu_listing(path, opts)?,
        Format::VtkLegacy => vtk_legacy::read_vtk_listing(path, opts)?,
        Format::Obj => (obj::read_obj(path)?, Vec::new()),
        Format::Stl => (stl::read_stl(path)?, Vec::new()),
        Format::OpenCarp(base) => (opencarp::read_opencarp(&base)?, Vec::new()),
    };
    validate::validate(&mut mesh, path)?;
    let scale = effective_scale(path, opts);
    if scale != 1.0 {
        mesh.scale(scale);
    }
    if opts.scale.is_none() && !opts.allow_implausible {
        let (lo, hi) = mesh.bounding_box();
        let check = extent::check(extent::extent_of(lo, hi), scale);
        if !check.plausible {
            return Err(Error::invalid_mesh(path, check.refusal()));
        }
    }
    Ok((mesh, arrays))
}

/// Save a mesh, choosing the writer from the extension: `.vtu` (compressed
/// binary VTU), `.vtk` (ASCII legacy VTK) or `.pts`/`.elem` (openCARP files
/// `<base>.pts` in um, `<base>.elem` and `<base>.lon` when the mesh has
/// fibres). `mesh` is in mm.
/// Every file is written atomically.
pub fn save(mesh: &Mesh, path: &Path) -> Result<()> {
    match extension(path).as_deref() {
        Some("vtu") => write_vtu(path, mesh, &[], &[], VtuWriteOptions { compress: true }),
        Some("vtk") => vtk_legacy::write_vtk(path, mesh, false),
        // openCARP works in um: mm * 1000.
        Some("pts") | Some("elem") => {
            opencarp::write_opencarp(&path.with_extension(""), mesh, 1.0 / OPENCARP_UM_TO_MM)
        }
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
