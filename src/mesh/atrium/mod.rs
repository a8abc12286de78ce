//! Left atria for appendage-occlusion planning: a parametric generator with
//! exact ground truth, and the extraction of the real CT-derived atrium.
//!
//! [`generate`] builds a watertight left-atrium surface from
//! [`AtriumParams`]: an ellipsoidal body, four capped pulmonary-vein stubs, a
//! flat mitral cap and an appendage (see [`sdf`] for the shapes), polygonised
//! with naive surface nets on a regular grid, its vertices projected onto the
//! exact surface, checked to be a closed, consistently oriented
//! (outward-facing) 2-manifold of sphere topology, and tagged per triangle:
//! [`BODY_TAG`](crate::laao::BODY_TAG) = 1 for the body, veins and mitral
//! cap, [`APPENDAGE_TAG`](crate::laao::APPENDAGE_TAG) = 2 for the appendage
//! (the component nearest to the triangle's centroid; the boundary between
//! the two is the ostium ellipse, since the appendage rises from a flat face
//! of the body). Its ground truth ([`AtriumTruth`]) comes from the
//! parameters, not from the mesh.
//!
//! Units: mm. Axes: +x patient left, +y posterior, +z superior.

pub mod params;
pub mod rodero;
pub mod sdf;
mod shapes;
mod surface;
pub mod truth;

pub use params::{AppendageParams, AtriumParams, LobeParams, VARIANTS};
pub use surface::{check_closed_surface, SurfaceReport};
pub use truth::{truth, truth_at_depth, AtriumTruth, SectionTruth};

use crate::mesh::Mesh;
use crate::output::atomic::write_string_atomic;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

pub(crate) type V3 = [f64; 3];

/// A generated atrium: the tagged surface and its ground truth.
#[derive(Debug, Clone)]
pub struct Atrium {
    pub mesh: Mesh,
    pub truth: AtriumTruth,
}

/// Build the atrium described by `params`.
///
/// Errors name the parameter at fault when the shape cannot be built (an
/// ostium too large for the body, a bend too tight for the tube, a lobe
/// crossing the ostium or landing-zone plane, the appendage touching a
/// vein), or report the surface check that failed.
pub fn generate(params: &AtriumParams) -> Result<Atrium> {
    let bad = |(f, m): (String, String)| Error::parse("<atrium parameters>", f, m);
    let model = sdf::Model::new(params).map_err(bad)?;
    model.check_clearance().map_err(bad)?;
    let truth = truth::truth_of(&model, params);
    for (name, s) in [
        ("ostium", &truth.ostium),
        ("landing zone", &truth.landing_zone),
    ] {
        if !s.exact {
            return Err(bad((
                "appendage.lobes".into(),
                format!(
                    "a secondary lobe crosses the {name} plane (at {:.1} mm); move it so the true {name} stays an ellipse",
                    s.depth_mm_from_ostium
                ),
            )));
        }
    }
    let mesh = surface::polygonise(&model, params.spacing_mm)?;
    Ok(Atrium { mesh, truth })
}

/// The three files of a shipped variant in `dir`: mesh, parameters, truth.
pub fn variant_paths(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    (
        dir.join(format!("{name}.vtu")),
        dir.join(format!("{name}.params.toml")),
        dir.join(format!("{name}.truth.json")),
    )
}

/// Write `atrium` to `mesh_path` (any format [`crate::mesh::io::save`]
/// knows) and its truth as pretty JSON to `truth_path`.
pub fn write(atrium: &Atrium, mesh_path: &Path, truth_path: &Path) -> Result<()> {
    crate::mesh::io::save(&atrium.mesh, mesh_path)?;
    let json = serde_json::to_string_pretty(&atrium.truth)
        .map_err(|e| Error::Unsupported(format!("cannot serialise the truth: {e}")))?;
    write_string_atomic(truth_path, &(json + "\n"))
}

/// Write parameters as TOML (atomically).
pub fn write_params(params: &AtriumParams, path: &Path) -> Result<()> {
    let text = toml::to_string_pretty(params)
        .map_err(|e| Error::Unsupported(format!("cannot serialise the parameters: {e}")))?;
    write_string_atomic(path, &text)
}

/// Read a truth file written by [`write`].
pub fn read_truth(path: &Path) -> Result<AtriumTruth> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::parse(path, format!("line {}", e.line()), e.to_string()))
}
