//! Appendage measurement: centreline, cross-sections, ostium, landing zone,
//! depth and the diameter-versus-depth profile. (In progress.)

use super::contour::Contour;
use crate::mesh::geometry::V3;
use crate::{Mesh, Result};
use serde::Serialize;

/// What to measure and how.
#[derive(Debug, Clone)]
pub struct MeasureOptions {
    /// Appendage tip (mm). None: from the appendage region tag, else detected.
    pub tip: Option<V3>,
    /// Depth of the landing-zone plane beyond the ostium plane (mm).
    pub landing_zone_depth_mm: f64,
    /// Spacing of the diameter-versus-depth profile (mm).
    pub profile_step_mm: f64,
}

impl Default for MeasureOptions {
    fn default() -> Self {
        MeasureOptions {
            tip: None,
            landing_zone_depth_mm: 10.0,
            profile_step_mm: 1.0,
        }
    }
}

/// One sample of the diameter-versus-depth profile.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileSample {
    /// Depth beyond the ostium plane (mm; negative: on the body side).
    pub depth_mm: f64,
    pub contour: Contour,
}

/// The measured appendage.
#[derive(Debug, Clone, Serialize)]
pub struct LaaMeasurement {
    pub ostium: Contour,
    pub landing_zone: Contour,
    pub landing_zone_depth_mm: f64,
    /// Distance from the ostium plane to the deepest point of the appendage
    /// (the tip), along the ostium normal (mm).
    pub depth_mm: f64,
    pub tip: V3,
    /// Centreline from the atrial body to the tip (mm).
    pub centreline: Vec<V3>,
    /// Arc length along the centreline at which the ostium lies (mm).
    pub ostium_arc_mm: f64,
    pub profile: Vec<ProfileSample>,
    /// How the appendage was found: "tip", "region tag" or "detected".
    pub found_by: String,
}

/// Measure the appendage of `mesh`.
pub fn measure(_mesh: &Mesh, _opts: &MeasureOptions) -> Result<LaaMeasurement> {
    Err(crate::Error::Unsupported(
        "laa measure: not built yet".into(),
    ))
}

/// The cross-section perpendicular to the centreline at `depth_mm` beyond the
/// ostium plane (for a device family's own landing-zone depth).
pub fn section_at_depth(_mesh: &Mesh, _m: &LaaMeasurement, _depth_mm: f64) -> Result<Contour> {
    Err(crate::Error::Unsupported(
        "laa section: not built yet".into(),
    ))
}
