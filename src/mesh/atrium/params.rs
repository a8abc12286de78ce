//! Parameters of the synthetic left atrium: body, veins, mitral cap and the
//! appendage (ostium ellipse, taper, length, bend, lobes), noise and grid.
//!
//! Lengths in mm, angles in degrees. Coordinates are patient-oriented like
//! DICOM LPS: +x to the patient's left, +y posterior, +z superior; the
//! atrial body is centred at the origin.
//!
//! Files are TOML or JSON (chosen by extension); unknown keys are rejected
//! and every field has a default, so a file names only what it changes.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Everything the generator needs; see the module docs for units and axes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AtriumParams {
    /// Semi-axes of the ellipsoidal atrial body along x, y, z (mm).
    pub body_radii_mm: [f64; 3],
    /// Radius of the four pulmonary-vein stubs (mm).
    pub vein_radius_mm: f64,
    /// How far each capped vein stub stands out of the body (mm).
    pub vein_stub_mm: f64,
    /// Radius of the flat mitral cap (the body is cut by a plane there) (mm).
    pub mitral_radius_mm: f64,
    /// The appendage.
    pub appendage: AppendageParams,
    /// Seed of the surface-irregularity noise.
    pub seed: u64,
    /// Amplitude of the surface irregularity (mm, 0 for a smooth surface).
    /// Kept away from the ostium and landing zone so the true diameters stay
    /// exact; it can move the appendage tip by up to this amount.
    pub noise_mm: f64,
    /// Wavelength of the irregularity (mm).
    pub noise_wavelength_mm: f64,
    /// Grid spacing of the polygonisation (mm); triangles come out about
    /// this size.
    pub spacing_mm: f64,
}

/// The appendage: a tube with an elliptical cross-section swept along a
/// centreline that leaves the body along the ostium normal, stays straight
/// for `straight_mm`, bends by `bend_deg` on an arc of `bend_radius_mm`, and
/// ends in a half-ellipsoid cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppendageParams {
    /// Direction of the ostium normal from the body centre: azimuth in the
    /// x-y plane from +x towards +y (deg).
    pub azimuth_deg: f64,
    /// Elevation of the ostium normal above the x-y plane (deg).
    pub elevation_deg: f64,
    /// Rotation of the ostium's major axis about the normal (deg; 0 puts it
    /// as close to +z as the normal allows).
    pub roll_deg: f64,
    /// Ostium ellipse: maximum and minimum diameter (mm).
    pub ostium_major_mm: f64,
    pub ostium_minor_mm: f64,
    /// Depth of the landing zone below the ostium, along the centreline (mm).
    pub landing_zone_depth_mm: f64,
    /// Landing-zone diameters as a fraction of the ostium's (used unless the
    /// absolute diameters below are given).
    pub taper: f64,
    /// Landing-zone maximum and minimum diameter (mm), overriding `taper`.
    pub landing_zone_major_mm: Option<f64>,
    pub landing_zone_minor_mm: Option<f64>,
    /// Diameters at the distal end of the tube as a fraction of the landing
    /// zone's (the tube tapers linearly from the landing zone to there).
    pub tip_fraction: f64,
    /// Centreline length from the ostium to the start of the tip cap (mm).
    pub length_mm: f64,
    /// Length of the straight proximal part (mm); at least the landing-zone
    /// depth plus 2 mm, so the landing zone lies in a straight tube.
    pub straight_mm: f64,
    /// Bend angle of the centreline beyond the straight part (deg, 0 for a
    /// straight appendage).
    pub bend_deg: f64,
    /// Radius of the bend's arc (mm).
    pub bend_radius_mm: f64,
    /// Direction of the bend about the ostium normal, from the major axis
    /// (deg; 90 bends towards the minor axis).
    pub bend_roll_deg: f64,
    /// Length of the half-ellipsoid tip cap as a fraction of the smaller
    /// distal semi-axis.
    pub tip_cap: f64,
    /// Secondary lobes (capsules branching off the main tube).
    pub lobes: Vec<LobeParams>,
}

/// A secondary lobe: a capsule of `radius_mm` that starts on the main
/// centreline at `depth_mm` (centreline length from the ostium) and runs
/// `length_mm` at `angle_deg` from the main tube's direction there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LobeParams {
    pub depth_mm: f64,
    pub radius_mm: f64,
    pub length_mm: f64,
    /// Angle from the main tube's direction (deg; 90 is sideways).
    pub angle_deg: f64,
    /// Direction about the main tube, from the major axis (deg).
    pub roll_deg: f64,
}

impl Default for AtriumParams {
    fn default() -> Self {
        AtriumParams {
            body_radii_mm: [22.5, 19.5, 18.5],
            vein_radius_mm: 6.0,
            vein_stub_mm: 8.0,
            mitral_radius_mm: 11.0,
            appendage: AppendageParams::default(),
            seed: 1,
            noise_mm: 0.3,
            noise_wavelength_mm: 7.0,
            spacing_mm: 0.5,
        }
    }
}

impl Default for AppendageParams {
    fn default() -> Self {
        AppendageParams {
            azimuth_deg: -50.0,
            elevation_deg: 30.0,
            roll_deg: 0.0,
            ostium_major_mm: 24.0,
            ostium_minor_mm: 17.0,
            landing_zone_depth_mm: 10.0,
            taper: 0.88,
            landing_zone_major_mm: None,
            landing_zone_minor_mm: None,
            tip_fraction: 0.6,
            length_mm: 28.0,
            straight_mm: 14.0,
            bend_deg: 40.0,
            bend_radius_mm: 14.0,
            bend_roll_deg: 90.0,
            tip_cap: 1.0,
            lobes: Vec::new(),
        }
    }
}

impl Default for LobeParams {
    fn default() -> Self {
        LobeParams {
            depth_mm: 5.0,
            radius_mm: 4.0,
            length_mm: 10.0,
            angle_deg: 90.0,
            roll_deg: 90.0,
        }
    }
}

impl AppendageParams {
    /// Landing-zone (major, minor) diameters in mm.
    pub fn landing_zone_diameters(&self) -> (f64, f64) {
        (
            self.landing_zone_major_mm
                .unwrap_or(self.taper * self.ostium_major_mm),
            self.landing_zone_minor_mm
                .unwrap_or(self.taper * self.ostium_minor_mm),
        )
    }
}

/// Names of the shipped variants, in the order of meshes/laa/README.md.
pub const VARIANTS: [&str; 6] = [
    "chicken_wing",
    "windsock",
    "bilobed",
    "cauliflower",
    "shallow",
    "large_ostium",
];

impl AtriumParams {
    /// Read parameters from a `.toml` or `.json` file and check them.
    pub fn load(path: &Path) -> Result<AtriumParams> {
        let text = crate::input::read_text(path)?;
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let params: AtriumParams = match ext.as_deref() {
            Some("toml") => toml::from_str(&text)
                .map_err(|e| Error::parse(path, "atrium parameters", e.to_string().trim_end()))?,
            Some("json") => serde_json::from_str(&text)
                .map_err(|e| Error::parse(path, format!("line {}", e.line()), e.to_string()))?,
            _ => {
                return Err(Error::Unsupported(format!(
                    "{}: atrium parameters must be a .toml or .json file",
                    path.display()
                )))
            }
        };
        params
            .check()
            .map_err(|(field, msg)| Error::parse(path, field, msg))?;
        Ok(params)
    }

    /// The parameters of a shipped variant (see [`VARIANTS`]).
    pub fn variant(name: &str) -> Result<AtriumParams> {
        let mut p = AtriumParams::default();
        let a = &mut p.appendage;
        match name {
            // Bent well beyond 90 degrees after a short neck.
            "chicken_wing" => {
                p.seed = 11;
                a.ostium_major_mm = 23.0;
                a.ostium_minor_mm = 16.5;
                a.taper = 0.9;
                a.length_mm = 42.0;
                a.straight_mm = 14.0;
                a.bend_deg = 110.0;
                a.bend_radius_mm = 11.0;
                a.tip_fraction = 0.7;
            }
            // Straight and long, tapering to a narrow tip.
            "windsock" => {
                p.seed = 12;
                a.ostium_major_mm = 24.0;
                a.ostium_minor_mm = 18.5;
                a.taper = 0.88;
                a.length_mm = 38.0;
                a.straight_mm = 38.0;
                a.bend_deg = 0.0;
                a.tip_fraction = 0.45;
            }
            // A secondary lobe within 1 cm of the ostium.
            "bilobed" => {
                p.seed = 13;
                a.ostium_major_mm = 25.0;
                a.ostium_minor_mm = 18.0;
                a.taper = 0.86;
                a.length_mm = 30.0;
                a.bend_deg = 35.0;
                a.lobes = vec![LobeParams {
                    depth_mm: 5.5,
                    radius_mm: 3.2,
                    length_mm: 11.0,
                    angle_deg: 90.0,
                    roll_deg: 90.0,
                }];
            }
            // Broad and short with several small distal lobes.
            "cauliflower" => {
                p.seed = 14;
                p.noise_mm = 0.4;
                a.ostium_major_mm = 27.0;
                a.ostium_minor_mm = 21.0;
                a.taper = 0.9;
                a.length_mm = 19.0;
                a.straight_mm = 19.0;
                a.bend_deg = 0.0;
                a.tip_fraction = 0.95;
                a.tip_cap = 0.6;
                a.lobes = vec![
                    LobeParams {
                        depth_mm: 15.0,
                        radius_mm: 4.5,
                        length_mm: 9.0,
                        angle_deg: 55.0,
                        roll_deg: 0.0,
                    },
                    LobeParams {
                        depth_mm: 16.0,
                        radius_mm: 4.0,
                        length_mm: 8.0,
                        angle_deg: 60.0,
                        roll_deg: 130.0,
                    },
                    LobeParams {
                        depth_mm: 15.5,
                        radius_mm: 3.5,
                        length_mm: 7.0,
                        angle_deg: 65.0,
                        roll_deg: 245.0,
                    },
                ];
            }
            // Depth smaller than the ostium's maximum diameter.
            "shallow" => {
                p.seed = 15;
                a.ostium_major_mm = 25.0;
                a.ostium_minor_mm = 19.0;
                a.taper = 0.88;
                a.length_mm = 14.0;
                a.straight_mm = 14.0;
                a.bend_deg = 0.0;
                a.tip_fraction = 0.85;
                a.tip_cap = 0.7;
            }
            // A 33 mm ostium on a large atrium.
            "large_ostium" => {
                p.seed = 16;
                p.body_radii_mm = [25.5, 22.0, 21.0];
                a.azimuth_deg = -62.0;
                a.ostium_major_mm = 33.0;
                a.ostium_minor_mm = 24.0;
                a.taper = 0.85;
                a.length_mm = 30.0;
                a.straight_mm = 14.0;
                a.bend_deg = 50.0;
                a.bend_radius_mm = 16.0;
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "unknown atrium variant '{other}'; known: {}",
                    VARIANTS.join(", ")
                )))
            }
        }
        Ok(p)
    }

    /// Check ranges; on failure returns (field, message).
    pub fn check(&self) -> std::result::Result<(), (String, String)> {
        let err = |f: &str, m: String| Err((f.to_string(), m));
        let pos = |f: &str, v: f64| -> std::result::Result<(), (String, String)> {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err((f.to_string(), format!("must be a positive number, got {v}")))
            }
        };
        for (i, r) in self.body_radii_mm.iter().enumerate() {
            if !(r.is_finite() && (10.0..=40.0).contains(r)) {
                return err(
                    "body_radii_mm",
                    format!("semi-axis {i} is {r} mm; expected 10..40 mm"),
                );
            }
        }
        pos("vein_radius_mm", self.vein_radius_mm)?;
        pos("vein_stub_mm", self.vein_stub_mm)?;
        pos("mitral_radius_mm", self.mitral_radius_mm)?;
        pos("noise_wavelength_mm", self.noise_wavelength_mm)?;
        if !(self.noise_mm.is_finite() && (0.0..=1.0).contains(&self.noise_mm)) {
            return err(
                "noise_mm",
                format!("is {}; expected 0..1 mm", self.noise_mm),
            );
        }
        if !(self.spacing_mm.is_finite() && (0.1..=2.0).contains(&self.spacing_mm)) {
            return err(
                "spacing_mm",
                format!("is {}; expected 0.1..2 mm", self.spacing_mm),
            );
        }
        let a = &self.appendage;
        for (f, v) in [
            ("appendage.azimuth_deg", a.azimuth_deg),
            ("appendage.elevation_deg", a.elevation_deg),
            ("appendage.roll_deg", a.roll_deg),
            ("appendage.bend_roll_deg", a.bend_roll_deg),
        ] {
            if !v.is_finite() {
                return err(f, format!("must be a finite angle, got {v}"));
            }
        }
        pos("appendage.ostium_major_mm", a.ostium_major_mm)?;
        pos("appendage.ostium_minor_mm", a.ostium_minor_mm)?;
        if a.ostium_minor_mm > a.ostium_major_mm {
            return err(
                "appendage.ostium_minor_mm",
                format!(
                    "{} mm is larger than ostium_major_mm {} mm",
                    a.ostium_minor_mm, a.ostium_major_mm
                ),
            );
        }
        pos("appendage.landing_zone_depth_mm", a.landing_zone_depth_mm)?;
        pos("appendage.taper", a.taper)?;
        let (lz_major, lz_minor) = a.landing_zone_diameters();
        pos("appendage.landing_zone_major_mm", lz_major)?;
        pos("appendage.landing_zone_minor_mm", lz_minor)?;
        if lz_major > a.ostium_major_mm * 1.2 || lz_minor > a.ostium_minor_mm * 1.2 {
            return err(
                "appendage.taper",
                format!(
                    "landing zone {lz_major:.1} x {lz_minor:.1} mm is more than 20 % wider than the ostium"
                ),
            );
        }
        pos("appendage.tip_fraction", a.tip_fraction)?;
        pos("appendage.tip_cap", a.tip_cap)?;
        pos("appendage.length_mm", a.length_mm)?;
        pos("appendage.straight_mm", a.straight_mm)?;
        if a.straight_mm < a.landing_zone_depth_mm + 2.0 {
            return err(
                "appendage.straight_mm",
                format!(
                    "{} mm; must be at least landing_zone_depth_mm + 2 = {} mm so the landing zone lies in the straight neck",
                    a.straight_mm,
                    a.landing_zone_depth_mm + 2.0
                ),
            );
        }
        if a.length_mm < a.landing_zone_depth_mm + 2.0 {
            return err(
                "appendage.length_mm",
                format!(
                    "{} mm; must exceed landing_zone_depth_mm by at least 2 mm",
                    a.length_mm
                ),
            );
        }
        if !(a.bend_deg.is_finite() && (0.0..=160.0).contains(&a.bend_deg)) {
            return err(
                "appendage.bend_deg",
                format!("is {}; expected 0..160 degrees", a.bend_deg),
            );
        }
        if a.bend_deg > 0.0 {
            pos("appendage.bend_radius_mm", a.bend_radius_mm)?;
            let arc = a.bend_radius_mm * a.bend_deg.to_radians();
            if a.straight_mm + arc > a.length_mm + 1e-9 {
                return err(
                    "appendage.length_mm",
                    format!(
                        "{} mm is shorter than the straight part plus the bend arc ({:.1} mm)",
                        a.length_mm,
                        a.straight_mm + arc
                    ),
                );
            }
        }
        for (i, l) in a.lobes.iter().enumerate() {
            let f = |k: &str| format!("appendage.lobes[{i}].{k}");
            for (k, v) in [
                ("depth_mm", l.depth_mm),
                ("radius_mm", l.radius_mm),
                ("length_mm", l.length_mm),
            ] {
                pos(&f(k), v)?;
            }
            if !(l.angle_deg.is_finite() && l.roll_deg.is_finite()) {
                return err(&f("angle_deg"), "angles must be finite".into());
            }
            if l.depth_mm > a.length_mm {
                return err(
                    &f("depth_mm"),
                    format!(
                        "{} mm is beyond the appendage length {} mm",
                        l.depth_mm, a.length_mm
                    ),
                );
            }
        }
        Ok(())
    }
}
