//! The LAAO device catalog: device families, their sizes, landing-zone
//! ranges, lengths, exclusion rules, leak grades and verdict thresholds, read
//! from a TOML file at run time (assets/devices.toml; schema in README.md,
//! "Device catalog"). The code holds no clinical constants: everything a
//! clinician may want to correct is here.
//!
//! Units: mm; compression in %; coverage as a fraction 0..1.

use super::contour::Contour;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The catalog shipped with cardiotwin, relative to the project root.
pub const SHIPPED_CATALOG: &str = "assets/devices.toml";

/// The schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A loaded, validated device catalog.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Schema version of the file (must be 1).
    pub schema: u32,
    pub leak: LeakThresholds,
    pub verdict: VerdictThresholds,
    #[serde(rename = "family")]
    pub families: Vec<Family>,
    /// The file it was read from (not part of the file).
    #[serde(skip)]
    pub path: PathBuf,
}

/// Leak grading thresholds (mm). A gap g is graded: g <= complete_seal_max_mm
/// "complete seal"; g < small_below_mm "< 3 mm"; g <= large_above_mm
/// "3-5 mm"; otherwise "> 5 mm".
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakThresholds {
    pub complete_seal_max_mm: f64,
    pub small_below_mm: f64,
    pub large_above_mm: f64,
}

/// Thresholds of the PASS-style verdict that are planner choices.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictThresholds {
    /// Ostium coverage (fraction) at or above which Position passes.
    pub coverage_pass: f64,
    /// Ostium coverage (fraction) below which Position fails.
    pub coverage_fail: f64,
    /// A sizing diameter outside the size's range by up to this (mm) is a
    /// caution rather than a failure.
    pub size_caution_mm: f64,
}

/// Which diameter of the landing-zone contour a family is sized by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingDiameter {
    /// Perimeter / pi.
    Perimeter,
    /// Largest distance across the contour.
    Max,
    /// Smallest caliper width.
    Min,
    /// 2 sqrt(area / pi).
    Area,
}

impl SizingDiameter {
    /// This diameter of `c` (mm).
    pub fn of(self, c: &Contour) -> f64 {
        match self {
            SizingDiameter::Perimeter => c.perimeter_diameter_mm,
            SizingDiameter::Max => c.max_diameter_mm,
            SizingDiameter::Min => c.min_diameter_mm,
            SizingDiameter::Area => c.area_diameter_mm,
        }
    }

    /// Words for tables and reasons.
    pub fn label(self) -> &'static str {
        match self {
            SizingDiameter::Perimeter => "perimeter-derived diameter",
            SizingDiameter::Max => "maximum diameter",
            SizingDiameter::Min => "minimum diameter",
            SizingDiameter::Area => "area-derived diameter",
        }
    }
}

/// One device family (Watchman FLX, Amulet, ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// Short name used on the command line (`--device watchman-flx`).
    pub id: String,
    /// Name for people.
    pub name: String,
    pub sizing_diameter: SizingDiameter,
    /// Depth of the family's landing-zone plane beyond the ostium plane (mm).
    pub landing_zone_depth_mm: f64,
    /// Where along the device (0 = proximal face, 1 = distal end) the plane
    /// pressed on the landing zone lies.
    pub landing_plane_fraction: f64,
    /// Protrusion of the device body beyond the ostium plane into the
    /// atrium above which Position is a caution (mm).
    pub max_protrusion_mm: f64,
    /// How far the catalog's device lengths may be off (mm): lengths flagged
    /// approximate (not confirmed from the instructions for use) carry a
    /// tolerance, and a depth shortfall within it is a caution, not a
    /// failure. 0 (the default): the lengths are exact.
    #[serde(default)]
    pub length_tolerance_mm: f64,
    /// Preferred compression (%) when several sizes are in range; absent:
    /// the middle of each size's own range.
    #[serde(default)]
    pub target_compression_pct: Option<f64>,
    #[serde(rename = "size")]
    pub sizes: Vec<DeviceSize>,
    #[serde(rename = "exclusion", default)]
    pub exclusions: Vec<Exclusion>,
}

/// One size of a family.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSize {
    /// Nominal (uncompressed) device diameter S (mm).
    pub size_mm: f64,
    /// Smallest landing-zone sizing diameter this size accepts (mm).
    pub landing_zone_min_mm: f64,
    /// Largest landing-zone sizing diameter this size accepts (mm).
    pub landing_zone_max_mm: f64,
    /// Length of the device body along its axis (mm; Amulet: the lobe).
    pub length_mm: f64,
    /// Diameter of the disc covering the ostium (mm), for disc-and-lobe devices.
    #[serde(default)]
    pub disc_mm: Option<f64>,
}

impl DeviceSize {
    /// Compression (%) of this size in a landing zone of sizing diameter `d_mm`.
    pub fn compression_pct(&self, d_mm: f64) -> f64 {
        (self.size_mm - d_mm) / self.size_mm * 100.0
    }

    /// The compression range (%) equivalent to the landing-zone range:
    /// [at landing_zone_max_mm, at landing_zone_min_mm].
    pub fn compression_range_pct(&self) -> [f64; 2] {
        [
            self.compression_pct(self.landing_zone_max_mm),
            self.compression_pct(self.landing_zone_min_mm),
        ]
    }

    /// Whether a landing zone of sizing diameter `d_mm` is in this size's range
    /// (bounds included).
    pub fn accepts(&self, d_mm: f64) -> bool {
        d_mm >= self.landing_zone_min_mm && d_mm <= self.landing_zone_max_mm
    }
}

/// An exclusion rule: the family is not a candidate when `metric` is below
/// or above a threshold (a number in mm or another metric).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub metric: Metric,
    #[serde(default)]
    pub below: Option<Threshold>,
    #[serde(default)]
    pub above: Option<Threshold>,
    /// The sentence shown when the rule applies.
    pub reason: String,
}

/// A threshold: a number (mm) or the name of another metric.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Threshold {
    Value(f64),
    Metric(Metric),
}

impl<'de> Deserialize<'de> for Threshold {
    // By hand so that a misspelled metric name is reported as such (an
    // untagged enum would only say that nothing matched).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Name(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(v) => Ok(Threshold::Value(v)),
            Raw::Name(n) => Metric::from_name(&n).map(Threshold::Metric).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown metric `{n}`, expected a number (mm) or one of {}",
                    Metric::ALL
                        .iter()
                        .map(|m| format!("`{}`", m.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }),
        }
    }
}

/// Anatomical quantities an exclusion rule can test (mm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    OstiumMaxDiameterMm,
    OstiumMinDiameterMm,
    OstiumPerimeterDiameterMm,
    OstiumAreaDiameterMm,
    LandingZoneMaxDiameterMm,
    LandingZoneMinDiameterMm,
    LandingZonePerimeterDiameterMm,
    LandingZoneAreaDiameterMm,
    DepthMm,
}

/// The quantities exclusion rules read, for one patient and family.
#[derive(Debug, Clone, Copy)]
pub struct Anatomy<'a> {
    pub ostium: &'a Contour,
    pub landing_zone: &'a Contour,
    /// The depth a device can use (mm): along the deployment axis from the
    /// ostium plane to the first bend, or to the tip.
    pub depth_mm: f64,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::OstiumMaxDiameterMm,
        Metric::OstiumMinDiameterMm,
        Metric::OstiumPerimeterDiameterMm,
        Metric::OstiumAreaDiameterMm,
        Metric::LandingZoneMaxDiameterMm,
        Metric::LandingZoneMinDiameterMm,
        Metric::LandingZonePerimeterDiameterMm,
        Metric::LandingZoneAreaDiameterMm,
        Metric::DepthMm,
    ];

    /// The name used in the catalog file.
    pub fn name(self) -> &'static str {
        match self {
            Metric::OstiumMaxDiameterMm => "ostium_max_diameter_mm",
            Metric::OstiumMinDiameterMm => "ostium_min_diameter_mm",
            Metric::OstiumPerimeterDiameterMm => "ostium_perimeter_diameter_mm",
            Metric::OstiumAreaDiameterMm => "ostium_area_diameter_mm",
            Metric::LandingZoneMaxDiameterMm => "landing_zone_max_diameter_mm",
            Metric::LandingZoneMinDiameterMm => "landing_zone_min_diameter_mm",
            Metric::LandingZonePerimeterDiameterMm => "landing_zone_perimeter_diameter_mm",
            Metric::LandingZoneAreaDiameterMm => "landing_zone_area_diameter_mm",
            Metric::DepthMm => "depth_mm",
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn value(self, a: &Anatomy) -> f64 {
        match self {
            Metric::OstiumMaxDiameterMm => a.ostium.max_diameter_mm,
            Metric::OstiumMinDiameterMm => a.ostium.min_diameter_mm,
            Metric::OstiumPerimeterDiameterMm => a.ostium.perimeter_diameter_mm,
            Metric::OstiumAreaDiameterMm => a.ostium.area_diameter_mm,
            Metric::LandingZoneMaxDiameterMm => a.landing_zone.max_diameter_mm,
            Metric::LandingZoneMinDiameterMm => a.landing_zone.min_diameter_mm,
            Metric::LandingZonePerimeterDiameterMm => a.landing_zone.perimeter_diameter_mm,
            Metric::LandingZoneAreaDiameterMm => a.landing_zone.area_diameter_mm,
            Metric::DepthMm => a.depth_mm,
        }
    }
}

impl Threshold {
    pub fn value(&self, a: &Anatomy) -> f64 {
        match self {
            Threshold::Value(v) => *v,
            Threshold::Metric(m) => m.value(a),
        }
    }
}

impl Exclusion {
    /// Whether the rule excludes this anatomy.
    pub fn applies(&self, a: &Anatomy) -> bool {
        let x = self.metric.value(a);
        let below = self.below.as_ref().is_some_and(|t| x < t.value(a));
        let above = self.above.as_ref().is_some_and(|t| x > t.value(a));
        below || above
    }
}

impl Catalog {
    /// The shipped catalog: under $CARDIOTWIN_HOME, the current folder, the
    /// folders above the executable, or the source tree this was built from.
    pub fn default_path() -> Result<PathBuf> {
        crate::assets::find_shipped(SHIPPED_CATALOG).map_err(|_| {
            Error::Unsupported(format!(
                "cannot find the shipped device catalog {SHIPPED_CATALOG}; run from the \
                 cardiotwin source folder, set CARDIOTWIN_HOME to it, or pass --catalog FILE"
            ))
        })
    }

    /// Load the shipped catalog.
    pub fn load_default() -> Result<Catalog> {
        Catalog::load(&Catalog::default_path()?)
    }

    /// Read and validate a catalog file.
    pub fn load(path: &Path) -> Result<Catalog> {
        let text = crate::input::read_text(path)?;
        Catalog::parse(&text, path)
    }

    /// Parse and validate catalog text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Catalog> {
        let mut cat: Catalog = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .map_or_else(|| "catalog".to_string(), |l| format!("line {l}"));
            Error::parse(path, line, e.message().trim().to_string())
        })?;
        cat.path = path.to_path_buf();
        cat.validate()?;
        Ok(cat)
    }

    /// The family with this id.
    pub fn family(&self, id: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.id == id)
    }

    /// Ids of all families, in file order.
    pub fn ids(&self) -> Vec<&str> {
        self.families.iter().map(|f| f.id.as_str()).collect()
    }

    fn err(&self, location: impl Into<String>, message: impl Into<String>) -> Error {
        Error::parse(&self.path, location, message)
    }

    /// Check every rule the planner relies on; errors name the field.
    pub fn validate(&self) -> Result<()> {
        if self.schema != SCHEMA_VERSION {
            return Err(self.err(
                "schema",
                format!(
                    "schema {} is not supported (expected {SCHEMA_VERSION})",
                    self.schema
                ),
            ));
        }
        let l = &self.leak;
        for (name, v) in [
            ("complete_seal_max_mm", l.complete_seal_max_mm),
            ("small_below_mm", l.small_below_mm),
            ("large_above_mm", l.large_above_mm),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(self.err(
                    format!("leak.{name}"),
                    format!("must be a number >= 0 mm (got {v})"),
                ));
            }
        }
        if !(l.complete_seal_max_mm < l.small_below_mm && l.small_below_mm < l.large_above_mm) {
            return Err(self.err(
                "leak",
                "thresholds must increase: complete_seal_max_mm < small_below_mm < large_above_mm",
            ));
        }
        let v = &self.verdict;
        for (name, x) in [
            ("coverage_pass", v.coverage_pass),
            ("coverage_fail", v.coverage_fail),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(self.err(
                    format!("verdict.{name}"),
                    format!("must be a fraction between 0 and 1 (got {x})"),
                ));
            }
        }
        if v.coverage_fail > v.coverage_pass {
            return Err(self.err(
                "verdict.coverage_fail",
                format!(
                    "must not exceed verdict.coverage_pass ({} > {})",
                    v.coverage_fail, v.coverage_pass
                ),
            ));
        }
        if !(v.size_caution_mm.is_finite() && v.size_caution_mm >= 0.0) {
            return Err(self.err(
                "verdict.size_caution_mm",
                format!("must be a number >= 0 mm (got {})", v.size_caution_mm),
            ));
        }
        if self.families.is_empty() {
            return Err(self.err("family", "the catalog lists no device family ([[family]])"));
        }
        for (i, f) in self.families.iter().enumerate() {
            if f.id.trim().is_empty() || f.id.contains(char::is_whitespace) {
                return Err(self.err(
                    format!("family #{}: id", i + 1),
                    format!("must be a non-empty word without spaces (got {:?})", f.id),
                ));
            }
            if self.families[..i].iter().any(|g| g.id == f.id) {
                return Err(self.err(
                    format!("family {}: id", f.id),
                    "appears twice; family ids must be unique",
                ));
            }
            self.validate_family(f)?;
        }
        Ok(())
    }

    fn validate_family(&self, f: &Family) -> Result<()> {
        let at = |field: &str| format!("family {}: {field}", f.id);
        if !(f.landing_zone_depth_mm.is_finite() && f.landing_zone_depth_mm >= 0.0) {
            return Err(self.err(
                at("landing_zone_depth_mm"),
                format!("must be a number >= 0 mm (got {})", f.landing_zone_depth_mm),
            ));
        }
        if !(0.0..=1.0).contains(&f.landing_plane_fraction) {
            return Err(self.err(
                at("landing_plane_fraction"),
                format!(
                    "must be between 0 (proximal face) and 1 (distal end) (got {})",
                    f.landing_plane_fraction
                ),
            ));
        }
        if !(f.max_protrusion_mm.is_finite() && f.max_protrusion_mm >= 0.0) {
            return Err(self.err(
                at("max_protrusion_mm"),
                format!("must be a number >= 0 mm (got {})", f.max_protrusion_mm),
            ));
        }
        if !(f.length_tolerance_mm.is_finite() && f.length_tolerance_mm >= 0.0) {
            return Err(self.err(
                at("length_tolerance_mm"),
                format!("must be a number >= 0 mm (got {})", f.length_tolerance_mm),
            ));
        }
        if let Some(t) = f.target_compression_pct {
            if !(t > 0.0 && t < 100.0) {
                return Err(self.err(
                    at("target_compression_pct"),
                    format!("must be between 0 and 100 % (got {t})"),
                ));
            }
        }
        if f.sizes.is_empty() {
            return Err(self.err(at("size"), "lists no size ([[family.size]])"));
        }
        for (j, s) in f.sizes.iter().enumerate() {
            let sat = |field: &str| format!("family {}: size #{}: {field}", f.id, j + 1);
            for (name, x) in [
                ("size_mm", s.size_mm),
                ("landing_zone_min_mm", s.landing_zone_min_mm),
                ("landing_zone_max_mm", s.landing_zone_max_mm),
                ("length_mm", s.length_mm),
            ] {
                if !(x.is_finite() && x > 0.0) {
                    return Err(self.err(
                        sat(name),
                        format!("must be a positive number of mm (got {x})"),
                    ));
                }
            }
            if s.landing_zone_min_mm >= s.landing_zone_max_mm {
                return Err(self.err(
                    sat("landing_zone_min_mm"),
                    format!(
                        "must be less than landing_zone_max_mm ({} >= {})",
                        s.landing_zone_min_mm, s.landing_zone_max_mm
                    ),
                ));
            }
            if s.landing_zone_max_mm > s.size_mm {
                return Err(self.err(
                    sat("landing_zone_max_mm"),
                    format!(
                        "must not exceed size_mm ({} > {}): a device cannot anchor in a landing \
                         zone wider than itself",
                        s.landing_zone_max_mm, s.size_mm
                    ),
                ));
            }
            if let Some(d) = s.disc_mm {
                if !(d.is_finite() && d >= s.size_mm) {
                    return Err(self.err(
                        sat("disc_mm"),
                        format!("must be a number >= size_mm {} (got {d})", s.size_mm),
                    ));
                }
            }
            if j > 0 {
                let p = &f.sizes[j - 1];
                if s.size_mm <= p.size_mm {
                    return Err(self.err(
                        sat("size_mm"),
                        format!(
                            "sizes must be listed in increasing order ({} after {})",
                            s.size_mm, p.size_mm
                        ),
                    ));
                }
                if s.landing_zone_min_mm < p.landing_zone_min_mm
                    || s.landing_zone_max_mm < p.landing_zone_max_mm
                {
                    return Err(self.err(
                        sat("landing_zone_min_mm"),
                        format!(
                            "landing-zone ranges must be sorted with the sizes ({}-{} mm after \
                             {}-{} mm)",
                            s.landing_zone_min_mm,
                            s.landing_zone_max_mm,
                            p.landing_zone_min_mm,
                            p.landing_zone_max_mm
                        ),
                    ));
                }
            }
        }
        for (k, e) in f.exclusions.iter().enumerate() {
            let eat = |field: &str| format!("family {}: exclusion #{}: {field}", f.id, k + 1);
            if e.below.is_none() == e.above.is_none() {
                return Err(self.err(
                    eat("below/above"),
                    "give exactly one of `below` or `above` (a number in mm or a metric name)",
                ));
            }
            for (name, t) in [("below", &e.below), ("above", &e.above)] {
                if let Some(Threshold::Value(v)) = t {
                    if !v.is_finite() {
                        return Err(
                            self.err(eat(name), format!("must be a finite number (got {v})"))
                        );
                    }
                }
            }
            if e.reason.trim().is_empty() {
                return Err(self.err(eat("reason"), "must say why, in a sentence"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalog_loads_with_the_three_families() {
        let cat = Catalog::load_default().expect("shipped catalog");
        assert_eq!(cat.ids(), vec!["watchman-flx", "amulet", "watchman"]);
        let flx = cat.family("watchman-flx").expect("flx");
        // 10-30 % compression for every FLX size.
        for s in &flx.sizes {
            let [lo, hi] = s.compression_range_pct();
            assert!(
                (lo - 10.0).abs() < 1e-9 && (hi - 30.0).abs() < 1e-9,
                "{s:?}"
            );
        }
    }
}
