//! Size recommendation: for each device family, fit every catalog size at the
//! family's landing zone and recommend one, with reasons, or say why none
//! fits (too small, too large, between sizes, too shallow, excluded, no size
//! passes). A size whose verdict is *fail* is never recommended: the family
//! then names the closest size and its failing criteria instead.

use super::catalog::{Anatomy, Catalog, Family, SizingDiameter};
use super::contour::Contour;
use super::fit::{fit, num, DeviceFit, Site, Verdict};
use super::measure::{section_at_depth_on, LaaMeasurement};
use super::section::Surface;
use crate::{Error, Mesh, Result};
use serde::Serialize;
use std::cell::OnceCell;

/// The outcome for one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingStatus {
    Recommended,
    /// Sizes are in range and long enough, but every one fails a criterion
    /// (see `closest`).
    NoSizePasses,
    /// The landing zone is narrower than the smallest size accepts.
    TooSmall,
    /// The landing zone is wider than the largest size accepts.
    TooLarge,
    /// The landing zone falls in a gap between two sizes' ranges.
    BetweenSizes,
    /// Every size in range is longer than the appendage is deep.
    TooShallow,
    /// An exclusion rule of the family applies.
    Excluded,
    /// No cross-section at the family's landing-zone depth.
    NoLandingZone,
    /// The mesh's appendage is truncated (cut or capped): its depth is
    /// only a lower bound, so no size can be judged.
    Truncated,
}

impl SizingStatus {
    pub fn label(self) -> &'static str {
        match self {
            SizingStatus::Recommended => "recommended",
            SizingStatus::NoSizePasses => "no size passes",
            SizingStatus::TooSmall => "too small",
            SizingStatus::TooLarge => "too large",
            SizingStatus::BetweenSizes => "between sizes",
            SizingStatus::TooShallow => "too shallow",
            SizingStatus::Excluded => "excluded",
            SizingStatus::NoLandingZone => "no landing zone",
            SizingStatus::Truncated => "truncated appendage",
        }
    }
}

/// Every size of one family fitted, and the recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct FamilySizing {
    pub family: String,
    pub name: String,
    pub sizing_diameter: SizingDiameter,
    /// The family's sizing diameter of its landing-zone contour (mm); None
    /// without a landing-zone contour.
    pub sizing_diameter_mm: Option<f64>,
    /// Depth of the family's landing zone beyond the ostium (mm).
    pub landing_zone_depth_mm: f64,
    pub landing_zone: Option<Contour>,
    /// One fit per catalog size, in catalog order.
    pub fits: Vec<DeviceFit>,
    /// The recommended size (mm): a size whose verdict is pass or caution,
    /// never fail. None when no size passes.
    pub recommended_mm: Option<f64>,
    /// When nothing is recommended but sizes were fitted: the size nearest
    /// to passing, and what it fails.
    pub closest: Option<Closest>,
    pub status: SizingStatus,
    /// Why this size, or why none.
    pub reasons: Vec<String>,
}

/// The size nearest to passing when none is recommended.
#[derive(Debug, Clone, Serialize)]
pub struct Closest {
    pub size_mm: f64,
    pub verdict: Verdict,
    /// Its criteria that do not pass, failures first
    /// ([`DeviceFit::shortfalls`]).
    pub failing: Vec<String>,
}

impl FamilySizing {
    /// The fit of the recommended size.
    pub fn recommended_fit(&self) -> Option<&DeviceFit> {
        let s = self.recommended_mm?;
        self.fits.iter().find(|f| f.size_mm == s)
    }

    /// The fit of the closest size, when nothing is recommended.
    pub fn closest_fit(&self) -> Option<&DeviceFit> {
        let s = self.closest.as_ref()?.size_mm;
        self.fits.iter().find(|f| f.size_mm == s)
    }
}

/// The size nearest to passing: the best verdict, then the fewest failing
/// criteria, then the sizing diameter nearest the size's range, then the
/// compression nearest the target.
fn closest_of(fits: &[DeviceFit], target: impl Fn(&DeviceFit) -> f64) -> Option<Closest> {
    let off_range = |f: &DeviceFit| {
        let [lo, hi] = f.compression_range_pct;
        (lo - f.compression_pct)
            .max(f.compression_pct - hi)
            .max(0.0)
    };
    fits.iter()
        .min_by(|a, b| {
            a.verdict
                .cmp(&b.verdict)
                .then(a.failing_count().cmp(&b.failing_count()))
                .then(off_range(a).total_cmp(&off_range(b)))
                .then(
                    (a.compression_pct - target(a))
                        .abs()
                        .total_cmp(&(b.compression_pct - target(b)).abs()),
                )
        })
        .map(|f| Closest {
            size_mm: f.size_mm,
            verdict: f.verdict,
            failing: f.shortfalls(),
        })
}

/// The closing reason of a family with no recommendation: the closest size
/// and what it fails.
fn closest_reason(c: &Closest) -> String {
    format!(
        "closest option: {} mm ({}){}",
        num(c.size_mm),
        c.verdict.label(),
        if c.failing.is_empty() {
            String::new()
        } else {
            format!(": {}", c.failing.join("; "))
        }
    )
}

/// Size one family at its landing zone. `site.wall` is the family's
/// landing-zone contour at `site.wall_depth_mm`.
pub fn size_family(cat: &Catalog, family: &Family, site: &Site) -> FamilySizing {
    let d = family.sizing_diameter.of(site.wall);
    let fits: Vec<DeviceFit> = family
        .sizes
        .iter()
        .map(|s| fit(cat, family, s, site, None))
        .collect();
    let mut out = FamilySizing {
        family: family.id.clone(),
        name: family.name.clone(),
        sizing_diameter: family.sizing_diameter,
        sizing_diameter_mm: Some(d).filter(|d| d.is_finite()),
        landing_zone_depth_mm: site.wall_depth_mm,
        landing_zone: Some(site.wall.clone()),
        fits,
        recommended_mm: None,
        closest: None,
        status: SizingStatus::Recommended,
        reasons: vec![],
    };
    // Prefer the best verdict, then compression closest to the target, then
    // the larger size (the usual choice between two).
    let target = |f: &DeviceFit| {
        family
            .target_compression_pct
            .unwrap_or((f.compression_range_pct[0] + f.compression_range_pct[1]) / 2.0)
    };
    let label = family.sizing_diameter.label();
    if !d.is_finite() || d <= 0.0 {
        out.fits.clear();
        out.status = SizingStatus::NoLandingZone;
        out.reasons.push(format!(
            "the landing-zone contour {} mm beyond the ostium is degenerate ({label} {d})",
            num(site.wall_depth_mm)
        ));
        return out;
    }
    let in_range: Vec<&DeviceFit> = out.fits.iter().filter(|f| f.in_range).collect();
    if in_range.is_empty() {
        let (first, last) = (&family.sizes[0], &family.sizes[family.sizes.len() - 1]);
        if d < first.landing_zone_min_mm {
            out.status = SizingStatus::TooSmall;
            out.reasons.push(format!(
                "too small: the landing zone's {label} is {d:.1} mm, below the {} mm the \
                 smallest size ({} mm) accepts",
                num(first.landing_zone_min_mm),
                num(first.size_mm)
            ));
        } else if d > last.landing_zone_max_mm {
            out.status = SizingStatus::TooLarge;
            out.reasons.push(format!(
                "too large: the landing zone's {label} is {d:.1} mm, above the {} mm the \
                 largest size ({} mm) accepts",
                num(last.landing_zone_max_mm),
                num(last.size_mm)
            ));
        } else {
            out.status = SizingStatus::BetweenSizes;
            out.reasons.push(format!(
                "between sizes: the landing zone's {label} of {d:.1} mm falls in a gap between \
                 the catalog's ranges"
            ));
        }
        return with_closest(out, target);
    }
    let anatomy = Anatomy {
        ostium: site.ostium,
        landing_zone: site.wall,
        depth_mm: site.depth_mm,
    };
    let excluded: Vec<String> = family
        .exclusions
        .iter()
        .filter(|e| e.applies(&anatomy))
        .map(|e| format!("excluded: {}", e.reason))
        .collect();
    if !excluded.is_empty() {
        out.status = SizingStatus::Excluded;
        out.reasons = excluded;
        return with_closest(out, target);
    }
    let deep_enough: Vec<&DeviceFit> = in_range.iter().copied().filter(|f| f.depth_fits).collect();
    if deep_enough.is_empty() {
        let shortest = in_range
            .iter()
            .min_by(|a, b| a.device_length_mm.total_cmp(&b.device_length_mm))
            .copied();
        out.status = SizingStatus::TooShallow;
        if let Some(f) = shortest {
            let limit = match &site.bend {
                Some(b) => format!(
                    ", along the deployment axis up to its {:.0}° bend {:.1} mm beyond the ostium",
                    b.angle_deg, b.depth_mm
                ),
                None => String::new(),
            };
            out.reasons.push(format!(
                "too shallow: the shortest size in range ({} mm, {} mm long) needs more depth \
                 than the {:.1} mm the appendage leaves{limit}",
                num(f.size_mm),
                num(f.device_length_mm),
                f.usable_depth_mm
            ));
        }
        return with_closest(out, target);
    }
    let best = deep_enough
        .iter()
        .copied()
        .min_by(|a, b| {
            a.verdict
                .cmp(&b.verdict)
                .then(
                    (a.compression_pct - target(a))
                        .abs()
                        .total_cmp(&(b.compression_pct - target(b)).abs()),
                )
                .then(b.size_mm.total_cmp(&a.size_mm))
        })
        .cloned();
    let Some(best) = best else {
        return out;
    };
    if best.verdict == Verdict::Fail {
        // In range and long enough is not enough: a size that fails a
        // criterion (a shallow appendage's Position, a large leak) is never
        // recommended.
        out.status = SizingStatus::NoSizePasses;
        out.reasons.push(format!(
            "no size passes: every size in range fails at least one criterion (the landing \
             zone's {label} is {d:.1} mm)"
        ));
        return with_closest(out, target);
    }
    out.recommended_mm = Some(best.size_mm);
    let range = family
        .sizes
        .iter()
        .find(|s| s.size_mm == best.size_mm)
        .map_or_else(String::new, |s| {
            format!(
                " within its {}-{} mm range",
                num(s.landing_zone_min_mm),
                num(s.landing_zone_max_mm)
            )
        });
    out.reasons.push(format!(
        "{} mm: the landing zone's {label} of {d:.1} mm is{range} (compression {:.1} %, \
         target {:.1} %)",
        num(best.size_mm),
        best.compression_pct,
        target(&best)
    ));
    for f in deep_enough.iter().filter(|f| f.size_mm != best.size_mm) {
        let why = if f.verdict > best.verdict {
            format!("its verdict is {}", f.verdict.label())
        } else {
            format!(
                "its compression {:.1} % is farther from the {:.1} % target",
                f.compression_pct,
                target(f)
            )
        };
        out.reasons.push(format!(
            "{} mm is also in range but not chosen: {why}",
            num(f.size_mm)
        ));
    }
    for f in in_range.iter().filter(|f| !f.depth_fits) {
        out.reasons.push(format!(
            "{} mm is also in range but too long: {} mm of device, {:.1} mm of room",
            num(f.size_mm),
            num(f.device_length_mm),
            f.usable_depth_mm
        ));
    }
    out.reasons
        .push(format!("verdict: {}", best.verdict.label()));
    out
}

/// `out` (no recommendation) with its closest size and the reason naming it.
fn with_closest(mut out: FamilySizing, target: impl Fn(&DeviceFit) -> f64) -> FamilySizing {
    out.closest = closest_of(&out.fits, target);
    if let Some(c) = &out.closest {
        out.reasons.push(closest_reason(c));
    }
    out
}

/// Size the families from a measurement; `section(depth_mm)` gives the
/// cross-section at a depth beyond the ostium (measure's `section_at_depth`).
pub fn size_measured<F>(
    m: &LaaMeasurement,
    cat: &Catalog,
    families: &[&Family],
    section: F,
) -> Vec<FamilySizing>
where
    F: Fn(f64) -> Result<Contour>,
{
    // A truncated appendage has no trustworthy depth (every family checks
    // its device length against it) and, when shorter than the landing
    // zone, no landing zone: fitting a device to it would be a guess.
    if m.truncated {
        let why = m.warnings.first().cloned().unwrap_or_else(|| {
            format!(
                "the appendage is truncated {:.1} mm from the ostium",
                m.depth_mm
            )
        });
        return families
            .iter()
            .map(|family| {
                let mut out = no_landing_zone(family, family.landing_zone_depth_mm, "");
                out.status = SizingStatus::Truncated;
                out.reasons = vec![format!(
                    "no size can be judged: {why}; the mesh must contain the whole appendage \
                     (its tip) for depth and landing zone"
                )];
                out
            })
            .collect();
    }
    // FLX and Watchman share a depth: slice each depth once.
    let mut cache: Vec<(f64, std::result::Result<Contour, String>)> = Vec::new();
    families
        .iter()
        .map(|family| {
            let depth = family.landing_zone_depth_mm;
            let idx = match cache.iter().position(|(d, _)| *d == depth) {
                Some(i) => i,
                None => {
                    let c = if let (Some(lz), true) = (
                        &m.landing_zone,
                        (depth - m.landing_zone_depth_mm).abs() < 1e-9,
                    ) {
                        Ok(lz.clone())
                    } else {
                        section(depth).map_err(|e| e.to_string())
                    };
                    cache.push((depth, c));
                    cache.len() - 1
                }
            };
            match &cache[idx].1 {
                Ok(wall) => size_family(
                    cat,
                    family,
                    &Site {
                        ostium: &m.ostium,
                        wall,
                        wall_depth_mm: depth,
                        depth_mm: m.sizing_depth_mm,
                        bend: m.bend,
                        tip: m.tip,
                    },
                ),
                Err(e) => no_landing_zone(family, depth, e),
            }
        })
        .collect()
}

fn no_landing_zone(family: &Family, depth: f64, why: &str) -> FamilySizing {
    FamilySizing {
        family: family.id.clone(),
        name: family.name.clone(),
        sizing_diameter: family.sizing_diameter,
        sizing_diameter_mm: None,
        landing_zone_depth_mm: depth,
        landing_zone: None,
        fits: vec![],
        recommended_mm: None,
        closest: None,
        status: SizingStatus::NoLandingZone,
        reasons: vec![format!(
            "no cross-section {} mm beyond the ostium: {why}",
            num(depth)
        )],
    }
}

/// Size the families on the surface `s` of the mesh measured as `m`
/// (the surface [`crate::laao::measure::measure_on`] measured).
pub fn size_patient_on(
    s: &Surface,
    m: &LaaMeasurement,
    cat: &Catalog,
    families: &[&Family],
) -> Vec<FamilySizing> {
    size_measured(m, cat, families, |depth| section_at_depth_on(s, m, depth))
}

/// Size the families on `mesh` measured as `m`.
pub fn size_patient(
    mesh: &Mesh,
    m: &LaaMeasurement,
    cat: &Catalog,
    families: &[&Family],
) -> Vec<FamilySizing> {
    // The surface is built once, on the first depth that needs a section
    // (its welding and normals cost more than the sections themselves).
    let surface: OnceCell<std::result::Result<Surface, String>> = OnceCell::new();
    size_measured(m, cat, families, |depth| {
        match surface.get_or_init(|| Surface::from_mesh(mesh).map_err(|e| e.to_string())) {
            Ok(s) => section_at_depth_on(s, m, depth),
            Err(e) => Err(Error::Unsupported(e.clone())),
        }
    })
}
