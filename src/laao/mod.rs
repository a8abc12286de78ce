//! Left atrial appendage occlusion (LAAO) planning: find the appendage,
//! measure its ostium and landing zone along a centreline, and size and fit
//! occluders from a device catalog (assets/devices.toml). Purely geometric;
//! knows nothing of the solver. See ../shared/LAAO.md for the clinical facts.
//!
//! Units: mm, mm^2. Surfaces are triangle meshes ([`crate::Mesh`] with
//! `ElementKind::Triangle`); a tetrahedral mesh is measured on its boundary.

pub mod bend;
pub mod catalog;
pub mod centreline;
pub mod contour;
mod detect;
pub mod fit;
pub mod grid;
mod landing;
pub mod measure;
mod neck;
pub mod ostium;
pub mod patient;
pub mod report;
pub mod section;
pub mod sizing;
pub mod surface;
mod traced;
mod truncated;
mod wall_axis;

pub use contour::Contour;
pub use measure::{measure, LaaMeasurement, MeasureOptions};

/// Region tag of the appendage in meshes that carry one (the generator's
/// output and the shipped real atrium); the atrial body is 1.
pub const APPENDAGE_TAG: i32 = 2;
/// Region tag of the atrial body.
pub const BODY_TAG: i32 = 1;
