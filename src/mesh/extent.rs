//! Is a mesh heart-sized? The one plausibility check on units, used by every
//! command that loads a mesh (through [`crate::mesh::io::load_with`]) and
//! reported by `mesh info`.
//!
//! Mesh files carry no unit. A mesh in micrometres (openCARP's unit) read as
//! mm is a thousand times too large (`laa measure` then grids 10^9 voxels);
//! one in metres is a thousand times too small (an appendage shorter than a
//! mesh edge looks "truncated"). Both run to the end and print normal-looking
//! numbers, so the extent is checked against cardiac anatomy instead.
//!
//! The extent is the largest side of the bounding box, in mm. Bounds:
//! - [`MIN_EXTENT_MM`] = 1 mm. An activation front is 1-2 mm wide and a
//!   stimulus must be several mm across to capture (critical radius 2D/c is
//!   about 5 mm), so nothing smaller than 1 mm holds a cardiac simulation or
//!   an appendage; the project's smallest meshes (unit test cells, 2 mm
//!   teaching strips) are 1 mm or more. A whole heart in metres (0.1-0.15)
//!   or a left atrium in metres (0.05-0.08) falls well below.
//! - [`MAX_EXTENT_MM`] = 1000 mm. A whole human torso is 600-700 mm; nothing
//!   anatomical reaches a metre. A heart in micrometres (about 10^5) and any
//!   tissue sample over 1 mm written in micrometres falls above.
//!
//! Centimetres cannot be told apart: a 12 cm heart read as mm is a plausible
//! 12 mm slab. `mesh info` prints the extent so a user can see it.

use serde::Serialize;

/// Smallest plausible extent (largest bounding-box side), mm.
pub const MIN_EXTENT_MM: f64 = 1.0;
/// Largest plausible extent, mm.
pub const MAX_EXTENT_MM: f64 = 1000.0;
/// Units a mesh file is commonly written in, with their factor to mm, most
/// common first: the first that makes a mesh heart-sized is suggested (a
/// 20 mm slab read as um is "millimetres", not "centimetres" of 200 mm).
const UNITS: [(&str, f64); 4] = [
    ("millimetres", 1.0),
    ("micrometres", 1e-3),
    ("metres", 1e3),
    ("centimetres", 10.0),
];

/// The verdict on one mesh's size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtentCheck {
    /// Largest side of the bounding box after scaling, mm.
    pub extent_mm: f64,
    /// The factor that was applied to the file's coordinates to get mm.
    pub scale: f64,
    /// Whether the extent lies within [MIN_EXTENT_MM, MAX_EXTENT_MM].
    pub plausible: bool,
    /// When implausible: the unit the file's coordinates look like.
    pub likely_unit: Option<&'static str>,
    /// When implausible: the factor from the file's coordinates to mm that
    /// makes the mesh heart-sized (what `--scale` or `mesh.scale` should be).
    pub suggested_scale: Option<f64>,
}

/// Largest side of an axis-aligned bounding box.
pub fn extent_of(bbox_min: [f64; 3], bbox_max: [f64; 3]) -> f64 {
    (0..3)
        .map(|d| bbox_max[d] - bbox_min[d])
        .fold(0.0, f64::max)
}

/// Whether an extent in mm is heart-sized.
pub fn is_plausible(extent_mm: f64) -> bool {
    (MIN_EXTENT_MM..=MAX_EXTENT_MM).contains(&extent_mm)
}

/// Check a mesh extent (mm, after `scale` was applied to the file).
pub fn check(extent_mm: f64, scale: f64) -> ExtentCheck {
    let plausible = is_plausible(extent_mm);
    let mut check = ExtentCheck {
        extent_mm,
        scale,
        plausible,
        likely_unit: None,
        suggested_scale: None,
    };
    if plausible || !(extent_mm > 0.0 && scale > 0.0) {
        return check;
    }
    let in_file_units = extent_mm / scale;
    let best = UNITS
        .iter()
        .find(|(_, f)| !same_factor(*f, scale) && is_plausible(in_file_units * f));
    if let Some(&(unit, factor)) = best {
        check.likely_unit = Some(unit);
        check.suggested_scale = Some(factor);
    }
    check
}

fn same_factor(a: f64, b: f64) -> bool {
    (a / b - 1.0).abs() < 1e-9
}

impl ExtentCheck {
    /// One sentence: the extent, the bounds, and (when implausible) the
    /// likely unit and the scale that fixes it, e.g. "the mesh spans
    /// 53000 mm (largest bounding-box side), not heart-sized (1 to 1000 mm):
    /// its coordinates look like micrometres; a scale of 0.001 fixes it".
    pub fn describe(&self) -> String {
        let read_as = if same_factor(self.scale, 1.0) {
            String::new()
        } else {
            format!(" after scaling by {}", self.scale)
        };
        let head = format!(
            "the mesh spans {} mm{read_as} (largest bounding-box side)",
            fmt_mm(self.extent_mm)
        );
        if self.plausible {
            return format!("{head}, heart-sized ({MIN_EXTENT_MM} to {MAX_EXTENT_MM} mm)");
        }
        let fix = match (self.likely_unit, self.suggested_scale) {
            (Some(unit), Some(s)) => {
                format!("its coordinates look like {unit}; a scale of {s} to mm fixes it")
            }
            _ => "no common unit (mm, um, m, cm) makes it heart-sized; check the file".into(),
        };
        format!("{head}, not heart-sized ({MIN_EXTENT_MM} to {MAX_EXTENT_MM} mm): {fix}")
    }

    /// [`describe`](Self::describe) plus how to pass the scale, for errors.
    pub fn refusal(&self) -> String {
        match self.suggested_scale {
            Some(s) => format!(
                "{}: pass --scale {s} (in a scenario: [mesh] scale = {s}), or rescale the file \
                 once with `cardiotwin mesh convert IN OUT --scale {s}`; an explicit scale is \
                 trusted",
                self.describe()
            ),
            None => format!(
                "{}; an explicit --scale (scenario: mesh.scale) is trusted",
                self.describe()
            ),
        }
    }
}

/// A length for messages: enough digits for both 0.00015 and 150000.
fn fmt_mm(x: f64) -> String {
    if x != 0.0 && (x.abs() < 0.01 || x.abs() >= 1e5) {
        format!("{x:.3e}")
    } else {
        format!("{}", (x * 1000.0).round() / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heart_in_micrometres_asks_for_0_001() {
        let c = check(120_000.0, 1.0);
        assert!(!c.plausible);
        assert_eq!(c.likely_unit, Some("micrometres"));
        assert_eq!(c.suggested_scale, Some(1e-3));
    }

    #[test]
    fn an_atrium_in_metres_asks_for_1000_not_10() {
        // 0.06 m: only x 1000 (60 mm) is heart-sized. 0.5 could be cm
        // (5 mm) or m (500 mm): metres are the more common unit.
        let c = check(0.06, 1.0);
        assert_eq!(c.likely_unit, Some("metres"));
        assert_eq!(c.suggested_scale, Some(1000.0));
        assert_eq!(check(0.5, 1.0).suggested_scale, Some(1000.0));
    }

    #[test]
    fn an_opencarp_file_in_mm_read_as_um_asks_for_1() {
        // 80 mm and 20 mm in the file, scaled by the openCARP default 0.001.
        assert_eq!(check(0.02, 1e-3).likely_unit, Some("millimetres"));
        let c = check(0.08, 1e-3);
        assert!(!c.plausible);
        assert_eq!(c.likely_unit, Some("millimetres"));
        assert_eq!(c.suggested_scale, Some(1.0));
        assert!(
            c.describe().contains("after scaling by 0.001"),
            "{}",
            c.describe()
        );
    }

    #[test]
    fn bounds_are_inclusive_and_heart_sizes_pass() {
        for e in [MIN_EXTENT_MM, 2.0, 20.0, 150.0, 650.0, MAX_EXTENT_MM] {
            assert!(check(e, 1.0).plausible, "{e}");
        }
        for e in [0.0, 0.99, 1000.5, 53_000.0, f64::NAN] {
            assert!(!check(e, 1.0).plausible, "{e}");
        }
    }

    #[test]
    fn far_off_sizes_have_no_suggestion_and_say_so() {
        let c = check(1e12, 1.0);
        assert_eq!(c.suggested_scale, None);
        assert!(c.describe().contains("no common unit"), "{}", c.describe());
    }
}
