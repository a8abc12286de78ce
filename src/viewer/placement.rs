//! Placing an occluder in a left atrial appendage by hand: measure the
//! appendage once ([`crate::laao::measure`]), size every catalog family as
//! `cardiotwin laa size` does ([`crate::laao::sizing`]), then let the user
//! pick a family and size, slide the device along the centreline and tilt
//! it; each change refits the device ([`crate::laao::fit`]) on the
//! cross-section in its landing plane.
//!
//! The pose: the landing plane (the plane of the device pressed on the
//! wall, `landing_plane_fraction` along its length) sits `position_mm`
//! beyond the family's landing zone along the centreline (negative: toward
//! the ostium); the device axis is the centreline direction there, tilted
//! by two angles (degrees): about the ostium's long axis, then about the
//! axis across it. The device centres itself in the lumen: its centre is
//! the centroid of the wall's cross-section in that plane. At position 0
//! with no tilt the fit is exactly the CLI's.
//!
//! A refit is one plane section of the surface plus the fit: about a
//! millisecond on the shipped 0.5 mm appendages ([`Placement::last_update_ms`]).
//! Geometry for the renderer comes out as glam f32 types; this module knows
//! nothing of the render module. Units: mm, degrees, compression in %.

use std::time::Instant;

use glam::{DQuat, DVec3, Vec3};

use crate::laao::catalog::{Catalog, DeviceSize, Family};
use crate::laao::contour::{plane_basis, unit, Contour};
use crate::laao::fit::{fit, num, DeviceFit, Site};
use crate::laao::measure::{arc_length, measure, point_at, LaaMeasurement, MeasureOptions};
use crate::laao::section::{plane_section, Surface};
use crate::laao::sizing::{size_patient, FamilySizing};
use crate::mesh::geometry::V3;
use crate::{Error, Mesh, Result};

/// Largest tilt (degrees) either way: beyond it the landing plane runs
/// along the appendage rather than across it.
pub const MAX_TILT_DEG: f64 = 45.0;

/// The landing plane stops this far (mm) before the tip end of the
/// centreline, where sections shrink to the tip cap.
const TIP_MARGIN_MM: f64 = 2.0;

/// Resolution of the slider's range (mm).
pub const RANGE_STEP_MM: f64 = 0.5;

/// Which contour an overlay shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContourKind {
    Ostium,
    /// The chosen family's landing zone (its catalog depth).
    LandingZone,
    /// The wall in the device's current landing plane.
    DevicePlane,
}

/// A closed contour to draw, with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct ContourOverlay {
    pub kind: ContourKind,
    /// e.g. "ostium 24.0 × 18.5 mm" (maximum × minimum diameter).
    pub label: String,
    /// Loop points (mm); the last joins the first.
    pub points: Vec<Vec3>,
    pub center: Vec3,
    pub normal: Vec3,
}

/// The device as a cylinder (and optional disc) to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DevicePose {
    /// Centre of the landing plane (mm).
    pub center: Vec3,
    /// Unit axis, toward the appendage tip.
    pub axis: Vec3,
    /// Nominal radius S / 2 (mm).
    pub radius: f32,
    /// Body length along the axis (mm).
    pub length: f32,
    /// Centre of the proximal face (mm): the body runs from here `length`
    /// mm along `axis`.
    pub proximal: Vec3,
    /// Radius of the disc over the ostium (disc-and-lobe devices), at the
    /// proximal face.
    pub disc_radius: Option<f32>,
}

/// Where and how the device sits, and its fit there.
#[derive(Debug, Clone)]
struct Evaluated {
    fit: DeviceFit,
    wall: Contour,
}

/// The state of the placement tool.
pub struct Placement {
    catalog: Catalog,
    surface: Surface,
    measurement: LaaMeasurement,
    /// One per catalog family, in catalog order: what `laa size` prints.
    sizings: Vec<FamilySizing>,
    family: usize,
    size: usize,
    position_mm: f64,
    tilt_deg: [f64; 2],
    /// [`Placement::position_range_mm`] of the current family.
    range: (f64, f64),
    current: std::result::Result<Evaluated, String>,
    last_update_ms: f64,
}

fn v3(p: V3) -> Vec3 {
    Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32)
}

fn contour_label(name: &str, c: &Contour) -> String {
    format!(
        "{name} {:.1} × {:.1} mm",
        c.max_diameter_mm, c.min_diameter_mm
    )
}

impl Placement {
    /// Measure the appendage of `mesh` (region tags when present, else
    /// detection, or `opts.tip`) and size every family of `catalog`; start
    /// with the first family at its recommended size (else its smallest)
    /// at its landing zone. Takes as long as `laa size` (about a second):
    /// run it off the UI thread.
    pub fn new(mesh: &Mesh, catalog: Catalog, opts: &MeasureOptions) -> Result<Placement> {
        let measurement = measure(mesh, opts)?;
        let surface = Surface::from_mesh(mesh)?;
        let families: Vec<&Family> = catalog.families.iter().collect();
        let sizings = size_patient(mesh, &measurement, &catalog, &families);
        let mut p = Placement {
            catalog,
            surface,
            measurement,
            sizings,
            family: 0,
            size: 0,
            position_mm: 0.0,
            tilt_deg: [0.0; 2],
            range: (0.0, 0.0),
            current: Err(String::new()),
            last_update_ms: 0.0,
        };
        p.size = p.recommended_index().unwrap_or(0);
        p.range = p.find_range();
        p.update();
        Ok(p)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn measurement(&self) -> &LaaMeasurement {
        &self.measurement
    }

    /// The chosen family's sizing, exactly as `laa size` computes it.
    pub fn family_sizing(&self) -> &FamilySizing {
        &self.sizings[self.family]
    }

    pub fn family(&self) -> &Family {
        &self.catalog.families[self.family]
    }

    pub fn size(&self) -> &DeviceSize {
        &self.family().sizes[self.size]
    }

    pub fn position_mm(&self) -> f64 {
        self.position_mm
    }

    pub fn tilt_deg(&self) -> [f64; 2] {
        self.tilt_deg
    }

    /// Wall time of the last refit (ms).
    pub fn last_update_ms(&self) -> f64 {
        self.last_update_ms
    }

    /// Choose a family by catalog id; its recommended size (else its
    /// smallest) at its landing zone, no tilt.
    pub fn set_family(&mut self, id: &str) -> Result<()> {
        let Some(i) = self.catalog.families.iter().position(|f| f.id == id) else {
            return Err(Error::Unsupported(format!(
                "no device family {id:?} in the catalog; choose from: {}",
                self.catalog.ids().join(", ")
            )));
        };
        self.family = i;
        self.size = self.recommended_index().unwrap_or(0);
        self.position_mm = 0.0;
        self.tilt_deg = [0.0; 2];
        self.range = self.find_range();
        self.update();
        Ok(())
    }

    /// Choose a size of the current family by its nominal diameter (mm).
    pub fn set_size_mm(&mut self, size_mm: f64) -> Result<()> {
        let family = self.family();
        let Some(i) = family.sizes.iter().position(|s| s.size_mm == size_mm) else {
            let sizes: Vec<String> = family.sizes.iter().map(|s| num(s.size_mm)).collect();
            return Err(Error::Unsupported(format!(
                "{} comes in {} mm, not {size_mm} mm",
                family.name,
                sizes.join(", ")
            )));
        };
        self.size = i;
        self.update();
        Ok(())
    }

    /// The recommended size of the current family (via
    /// [`crate::laao::sizing`]); an error saying why when there is none.
    pub fn apply_recommended(&mut self) -> Result<f64> {
        let Some(i) = self.recommended_index() else {
            let s = self.family_sizing();
            return Err(Error::Unsupported(format!(
                "{}: no size recommended ({}): {}",
                s.name,
                s.status.label(),
                s.reasons.join("; ")
            )));
        };
        self.size = i;
        self.update();
        Ok(self.size().size_mm)
    }

    fn recommended_index(&self) -> Option<usize> {
        let mm = self.family_sizing().recommended_mm?;
        self.family().sizes.iter().position(|s| s.size_mm == mm)
    }

    /// Arc length (mm) along the centreline of the family's landing zone.
    fn landing_arc(&self) -> f64 {
        self.measurement.ostium_arc_mm + self.family().landing_zone_depth_mm
    }

    /// The slider's range (mm from the family's landing zone): the span of
    /// the centreline, between the ostium and near the tip, where the
    /// untilted device plane cuts the appendage (not the flaring body wall
    /// at the ostium, nor the tip cap).
    pub fn position_range_mm(&self) -> (f64, f64) {
        self.range
    }

    /// Walk from the landing zone toward the ostium and toward the tip
    /// ([`RANGE_STEP_MM`] at a time) while the plane still cuts the
    /// appendage: a few dozen plane sections, once per family.
    fn find_range(&self) -> (f64, f64) {
        let ok = |pos: f64| self.evaluate(pos, [0.0; 2]).is_ok();
        let lo_limit = -self.family().landing_zone_depth_mm;
        let total = arc_length(&self.measurement.centreline);
        let hi_limit = (total - TIP_MARGIN_MM - self.landing_arc()).max(0.0);
        let mut lo = 0.0;
        while lo > lo_limit && ok((lo - RANGE_STEP_MM).max(lo_limit)) {
            lo = (lo - RANGE_STEP_MM).max(lo_limit);
        }
        let mut hi = 0.0;
        while hi < hi_limit && ok((hi + RANGE_STEP_MM).min(hi_limit)) {
            hi = (hi + RANGE_STEP_MM).min(hi_limit);
        }
        (lo, hi)
    }

    /// Slide the landing plane to `mm` beyond the family's landing zone,
    /// clamped to [`Placement::position_range_mm`]; returns the position
    /// used.
    pub fn set_position_mm(&mut self, mm: f64) -> Result<f64> {
        if !mm.is_finite() {
            return Err(Error::Unsupported(format!(
                "device position must be a number of mm (got {mm})"
            )));
        }
        let (lo, hi) = self.position_range_mm();
        self.position_mm = mm.clamp(lo, hi);
        self.update();
        Ok(self.position_mm)
    }

    /// Tilt the device axis off the centreline (degrees, each clamped to
    /// +-[`MAX_TILT_DEG`]); returns the angles used.
    pub fn set_tilt_deg(&mut self, tilt: [f64; 2]) -> Result<[f64; 2]> {
        if tilt.iter().any(|a| !a.is_finite()) {
            return Err(Error::Unsupported(format!(
                "device tilt must be two numbers of degrees (got {tilt:?})"
            )));
        }
        self.tilt_deg = tilt.map(|a| a.clamp(-MAX_TILT_DEG, MAX_TILT_DEG));
        self.update();
        Ok(self.tilt_deg)
    }

    fn update(&mut self) {
        let start = Instant::now();
        self.current = self
            .evaluate(self.position_mm, self.tilt_deg)
            .map_err(|e| e.to_string());
        self.last_update_ms = start.elapsed().as_secs_f64() * 1e3;
    }

    /// The fit of the current family and size at the current pose.
    pub fn metrics(&self) -> Result<&DeviceFit> {
        self.current
            .as_ref()
            .map(|e| &e.fit)
            .map_err(|m| Error::Unsupported(m.clone()))
    }

    /// The fit of the current family and size at another pose, leaving the
    /// state alone (to preview a slider, or plot compression along it).
    pub fn fit_at(&self, position_mm: f64, tilt_deg: [f64; 2]) -> Result<DeviceFit> {
        self.evaluate(position_mm, tilt_deg).map(|e| e.fit)
    }

    /// The device axis for a centreline direction `along`, tilted.
    fn tilted(&self, along: V3, tilt_deg: [f64; 2]) -> V3 {
        let d = DVec3::from_array(unit(along));
        // About the ostium's long axis (made perpendicular to the
        // centreline), then about the axis across it: angles a planner can
        // name, stable as the device slides.
        let long = DVec3::from_array(self.measurement.ostium.max_axis);
        let e1 = (long - d * long.dot(d))
            .try_normalize()
            .unwrap_or_else(|| DVec3::from_array(plane_basis(d.to_array()).0));
        let e2 = d.cross(e1);
        let q = DQuat::from_axis_angle(e2, tilt_deg[1].to_radians())
            * DQuat::from_axis_angle(e1, tilt_deg[0].to_radians());
        (q * d).to_array()
    }

    fn evaluate(&self, position_mm: f64, tilt_deg: [f64; 2]) -> Result<Evaluated> {
        let family = self.family();
        let size = self.size();
        let sizing = self.family_sizing();
        let m = &self.measurement;
        if position_mm == 0.0 && tilt_deg == [0.0; 2] {
            // The CLI's own fit, landing-zone contour included.
            let wall = sizing.landing_zone.clone().ok_or_else(|| {
                Error::Unsupported(format!("{}: {}", family.name, sizing.reasons.join("; ")))
            })?;
            let fit = sizing.fits.get(self.size).cloned().ok_or_else(|| {
                Error::Unsupported(format!("{}: no fit for this size", family.name))
            })?;
            return Ok(Evaluated { fit, wall });
        }
        let arc = self.landing_arc() + position_mm;
        let (point, along) = point_at(&m.centreline, arc);
        let axis = self.tilted(along, tilt_deg);
        let section = plane_section(&self.surface, point, axis).map_err(|e| {
            Error::Unsupported(format!(
                "no wall cross-section at {position_mm:.1} mm from the landing zone: {e}"
            ))
        })?;
        // A plane that cuts the flaring body wall, or a loop much larger
        // than the ostium, is not a place the device can sit.
        if !section.appendage_like(Some(m.ostium.area_mm2)) {
            return Err(Error::Unsupported(format!(
                "at {position_mm:.1} mm from the landing zone (tilt {:.0}°, {:.0}°) the device \
                 plane cuts the atrial body, not the appendage",
                tilt_deg[0], tilt_deg[1]
            )));
        }
        let site = Site {
            ostium: &m.ostium,
            wall: &section.contour,
            wall_depth_mm: family.landing_zone_depth_mm + position_mm,
            depth_mm: m.sizing_depth_mm,
            bend: m.bend,
            tip: m.tip,
        };
        let fit = fit(&self.catalog, family, size, &site, None);
        Ok(Evaluated {
            fit,
            wall: section.contour,
        })
    }

    /// The centreline, body to tip (mm).
    pub fn centreline(&self) -> Vec<Vec3> {
        self.measurement.centreline.iter().map(|&p| v3(p)).collect()
    }

    /// Ostium, the family's landing zone and the device plane's wall (when
    /// the pose has one), labelled with their diameters.
    pub fn contours(&self) -> Vec<ContourOverlay> {
        let overlay = |kind, label: String, c: &Contour| ContourOverlay {
            kind,
            label,
            points: c.points.iter().map(|&p| v3(p)).collect(),
            center: v3(c.center),
            normal: v3(c.normal),
        };
        let m = &self.measurement;
        let mut out = vec![overlay(
            ContourKind::Ostium,
            contour_label("ostium", &m.ostium),
            &m.ostium,
        )];
        let sizing = self.family_sizing();
        if let Some(lz) = &sizing.landing_zone {
            let name = format!("landing zone +{} mm", num(sizing.landing_zone_depth_mm));
            out.push(overlay(
                ContourKind::LandingZone,
                contour_label(&name, lz),
                lz,
            ));
        }
        if let Ok(e) = &self.current {
            out.push(overlay(
                ContourKind::DevicePlane,
                contour_label("device plane", &e.wall),
                &e.wall,
            ));
        }
        out
    }

    /// The device to draw, None when the pose has no fit.
    pub fn device_pose(&self) -> Option<DevicePose> {
        let e = self.current.as_ref().ok()?;
        let size = self.size();
        let axis = v3(e.fit.axis).normalize_or_zero();
        let center = v3(e.fit.center);
        let length = size.length_mm as f32;
        let back = self.family().landing_plane_fraction as f32 * length;
        Some(DevicePose {
            center,
            axis,
            radius: (size.size_mm / 2.0) as f32,
            length,
            proximal: center - axis * back,
            disc_radius: size.disc_mm.map(|d| (d / 2.0) as f32),
        })
    }
}
