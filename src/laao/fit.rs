//! How one device (family + size) fits one appendage at one pose:
//! compression, predicted peri-device leak, ostium coverage, depth fit,
//! protrusion, and a PASS-style verdict (Position, Anchor proxy, Size, Seal)
//! with reasons in plain sentences.
//!
//! The device is modelled as a circle of its nominal diameter S in the
//! landing-zone plane, centred on its axis; where the wall lies inside the
//! circle the device is compressed against it (clipped by the wall), where the
//! wall lies outside there is a gap. The largest gap is the predicted leak.
//! Units: mm, compression in %, coverage as a fraction.

use super::bend::Bend;
use super::catalog::{Catalog, DeviceSize, Family};
use super::contour::{unit, Contour};
use crate::mesh::geometry::{dist, dot, norm, sub, V3};
use serde::Serialize;

/// Pass / caution / fail, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Caution,
    Fail,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Caution => "caution",
            Verdict::Fail => "fail",
        }
    }
}

/// Leak grades as core labs report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakGrade {
    CompleteSeal,
    Small,
    Moderate,
    Large,
}

/// Grade a gap (mm) with the catalog's thresholds.
pub fn grade_leak(cat: &Catalog, gap_mm: f64) -> LeakGrade {
    let t = &cat.leak;
    if gap_mm <= t.complete_seal_max_mm {
        LeakGrade::CompleteSeal
    } else if gap_mm < t.small_below_mm {
        LeakGrade::Small
    } else if gap_mm <= t.large_above_mm {
        LeakGrade::Moderate
    } else {
        LeakGrade::Large
    }
}

/// The grade's words with the catalog's thresholds ("complete seal", "< 3 mm",
/// "3-5 mm", "> 5 mm").
pub fn leak_label(cat: &Catalog, g: LeakGrade) -> String {
    let t = &cat.leak;
    match g {
        LeakGrade::CompleteSeal => "complete seal".to_string(),
        LeakGrade::Small => format!("< {} mm", num(t.small_below_mm)),
        LeakGrade::Moderate => format!("{}-{} mm", num(t.small_below_mm), num(t.large_above_mm)),
        LeakGrade::Large => format!("> {} mm", num(t.large_above_mm)),
    }
}

/// A number without trailing zeros (3.0 -> "3", 19.32 -> "19.32").
pub fn num(x: f64) -> String {
    // Avoid "-0" for tiny negatives (tick positions built by addition).
    let x = if x.abs() < 0.005 { 0.0 } else { x };
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One criterion of the verdict and why.
#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
}

/// The PASS-style criteria.
#[derive(Debug, Clone, Serialize)]
pub struct Criteria {
    pub position: Criterion,
    pub anchor: Criterion,
    pub size: Criterion,
    pub seal: Criterion,
}

/// Where the device goes: a point on the centreline (mm) and the device axis.
#[derive(Debug, Clone, Copy)]
pub struct Pose {
    pub point: V3,
    pub axis: V3,
}

/// The anatomy a device is fitted to.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub ostium: &'a Contour,
    /// The wall's cross-section in the device's landing plane.
    pub wall: &'a Contour,
    /// Depth of `wall`'s plane beyond the ostium plane (mm).
    pub wall_depth_mm: f64,
    /// The depth a device can use (mm): along the deployment axis from the
    /// ostium plane to the first bend, or to the tip when there is none
    /// ([`super::measure::LaaMeasurement::sizing_depth_mm`]).
    pub depth_mm: f64,
    /// The first bend that limits `depth_mm`, if any.
    pub bend: Option<Bend>,
    /// The appendage tip (mm), to orient the ostium normal into the appendage.
    pub tip: V3,
}

/// Everything computed for one device at one pose.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceFit {
    pub family: String,
    pub size_mm: f64,
    /// The family's sizing diameter of the wall contour (mm).
    pub sizing_diameter_mm: f64,
    /// (S - D) / S x 100.
    pub compression_pct: f64,
    /// The catalog's range for this size, as compression (%).
    pub compression_range_pct: [f64; 2],
    /// D within the catalog's landing-zone range for this size.
    pub in_range: bool,
    /// Largest gap between the device rim and the wall (mm).
    pub leak_mm: f64,
    pub leak_grade: String,
    #[serde(skip)]
    pub leak_grade_kind: LeakGrade,
    /// The wall point farthest outside the device rim (mm), if any gap.
    pub leak_at: Option<V3>,
    /// Fraction of the ostium contour inside the device (or disc) footprint.
    pub ostium_coverage: f64,
    pub device_length_mm: f64,
    /// How far the catalog's length may be off (mm; the family's
    /// `length_tolerance_mm`).
    pub length_tolerance_mm: f64,
    /// Room from the device's proximal face to the first bend or the tip,
    /// along the deployment axis (mm).
    pub usable_depth_mm: f64,
    /// The device fits the room, at least within the length's tolerance
    /// (a shortfall within it makes Position a caution).
    pub depth_fits: bool,
    /// How far the device body sticks out beyond the ostium plane (mm).
    pub protrusion_mm: f64,
    /// Depth of the landing plane beyond the ostium plane (mm).
    pub landing_depth_mm: f64,
    /// Device centre in the landing plane and axis.
    pub center: V3,
    pub axis: V3,
    pub criteria: Criteria,
    /// Worst of the four criteria.
    pub verdict: Verdict,
    /// Every criterion's reasons, prefixed with its name.
    pub reasons: Vec<String>,
}

impl DeviceFit {
    /// The criteria that do not pass, failures first: their reasons, each
    /// prefixed with the criterion's name and verdict ("Position (fail):
    /// covers only 74.0 % of the ostium contour").
    pub fn shortfalls(&self) -> Vec<String> {
        let c = &self.criteria;
        let named = [
            ("Position", &c.position),
            ("Anchor", &c.anchor),
            ("Size", &c.size),
            ("Seal", &c.seal),
        ];
        let mut out = Vec::new();
        for worst in [Verdict::Fail, Verdict::Caution] {
            for (name, crit) in named.iter().filter(|(_, c)| c.verdict == worst) {
                for r in &crit.reasons {
                    out.push(format!("{name} ({}): {r}", worst.label()));
                }
            }
        }
        out
    }

    /// How many criteria fail.
    pub fn failing_count(&self) -> usize {
        let c = &self.criteria;
        [&c.position, &c.anchor, &c.size, &c.seal]
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count()
    }
}

/// Largest distance (mm) from the wall contour, projected on the plane through
/// `center` with normal `axis`, to the disc of radius `radius` there; and the
/// wall point where it is reached. The largest distance to a polygon is at a
/// vertex, so the vertices suffice.
pub fn largest_gap(wall: &[V3], center: V3, axis: V3, radius: f64) -> (f64, Option<V3>) {
    let a = unit(axis);
    let mut best = (0.0, None);
    for &p in wall {
        let r = sub(p, center);
        let along = dot(r, a);
        let inplane = [
            r[0] - along * a[0],
            r[1] - along * a[1],
            r[2] - along * a[2],
        ];
        let gap = norm(inplane) - radius;
        if gap > best.0 {
            best = (gap, Some(p));
        }
    }
    best
}

/// Fraction (by length) of the closed loop `points` whose segment midpoints
/// lie within `radius` of the line through `center` along `axis`.
pub fn coverage(points: &[V3], center: V3, axis: V3, radius: f64) -> f64 {
    let a = unit(axis);
    let (mut inside, mut total) = (0.0, 0.0);
    for i in 0..points.len() {
        let p = points[i];
        let q = points[(i + 1) % points.len()];
        let len = dist(p, q);
        let m = [
            (p[0] + q[0]) / 2.0,
            (p[1] + q[1]) / 2.0,
            (p[2] + q[2]) / 2.0,
        ];
        let r = sub(m, center);
        let along = dot(r, a);
        let off = norm([
            r[0] - along * a[0],
            r[1] - along * a[1],
            r[2] - along * a[2],
        ]);
        total += len;
        if off <= radius {
            inside += len;
        }
    }
    if total > 0.0 {
        inside / total
    } else {
        0.0
    }
}

fn pct(x: f64) -> String {
    format!("{x:.1} %")
}

/// Fit `size` of `family` to `site` at `pose` (None: the landing-zone plane's
/// centre and normal).
pub fn fit(
    cat: &Catalog,
    family: &Family,
    size: &DeviceSize,
    site: &Site,
    pose: Option<Pose>,
) -> DeviceFit {
    let (center, axis, landing_depth) = match pose {
        None => (site.wall.center, site.wall.normal, site.wall_depth_mm),
        Some(p) => {
            // Depth of the pose point along the ostium normal, turned to
            // point into the appendage.
            let mut n = site.ostium.normal;
            if dot(sub(site.tip, site.ostium.center), n) < 0.0 {
                n = [-n[0], -n[1], -n[2]];
            }
            (
                p.point,
                unit(p.axis),
                dot(sub(p.point, site.ostium.center), n),
            )
        }
    };
    let s = size.size_mm;
    let d = family.sizing_diameter.of(site.wall);
    let compression = size.compression_pct(d);
    let range = size.compression_range_pct();
    let in_range = size.accepts(d);

    let (leak, leak_at) = largest_gap(&site.wall.points, center, axis, s / 2.0);
    let grade = grade_leak(cat, leak);

    let footprint = size.disc_mm.unwrap_or(s) / 2.0;
    let cover = coverage(&site.ostium.points, center, axis, footprint);

    let len = size.length_mm;
    let proximal = landing_depth - family.landing_plane_fraction * len;
    let protrusion = (-proximal).max(0.0);
    let usable = site.depth_mm - proximal;
    let tol = family.length_tolerance_mm;
    let fits_nominal = len <= usable + 1e-9;
    let depth_fits = len <= usable + tol + 1e-9;
    let room = match &site.bend {
        Some(b) => format!(
            "{usable:.1} mm along the deployment axis before the appendage's {:.0}° bend",
            b.angle_deg
        ),
        None => format!("{usable:.1} mm"),
    };

    let v = &cat.verdict;
    let position = {
        let mut c = Criterion {
            verdict: Verdict::Pass,
            reasons: vec![],
        };
        let mut worse = |to: Verdict, why: String| {
            c.verdict = c.verdict.max(to);
            c.reasons.push(why);
        };
        if !depth_fits {
            let approx = if tol > 0.0 {
                format!(
                    " (even allowing the catalog length's {} mm tolerance)",
                    num(tol)
                )
            } else {
                String::new()
            };
            worse(
                Verdict::Fail,
                format!(
                    "too shallow: the {} mm long device needs {} mm from its proximal face but \
                     the appendage leaves {room}{approx}",
                    num(len),
                    num(len),
                ),
            );
        } else if !fits_nominal {
            worse(
                Verdict::Caution,
                format!(
                    "may be too long: the catalog length {} mm is approximate (+-{} mm) and \
                     exceeds the room ({room}) by {:.1} mm; check the length in the instructions \
                     for use",
                    num(len),
                    num(tol),
                    len - usable
                ),
            );
        }
        if cover < v.coverage_fail {
            worse(
                Verdict::Fail,
                format!("covers only {} of the ostium contour", pct(cover * 100.0)),
            );
        } else if cover < v.coverage_pass {
            worse(
                Verdict::Caution,
                format!(
                    "covers {} of the ostium contour (below {})",
                    pct(cover * 100.0),
                    pct(v.coverage_pass * 100.0)
                ),
            );
        }
        if protrusion > family.max_protrusion_mm {
            worse(
                Verdict::Caution,
                format!(
                    "sticks out {protrusion:.1} mm beyond the ostium into the atrium (limit {} mm)",
                    num(family.max_protrusion_mm)
                ),
            );
        }
        if c.reasons.is_empty() {
            c.reasons.push(format!(
                "fits the depth ({room} available for {} mm) and covers {} of the ostium",
                num(len),
                pct(cover * 100.0)
            ));
        }
        c
    };
    let anchor = if compression <= 0.0 {
        Criterion {
            verdict: Verdict::Fail,
            reasons: vec![format!(
                "the device is not wider than the landing zone (compression {}): nothing holds it",
                pct(compression)
            )],
        }
    } else if compression < range[0] {
        Criterion {
            verdict: Verdict::Caution,
            reasons: vec![format!(
                "compression {} is below {}: weak anchoring, it may not pass a tug test",
                pct(compression),
                pct(range[0])
            )],
        }
    } else {
        Criterion {
            verdict: Verdict::Pass,
            reasons: vec![format!(
                "compression {} holds the device against the wall",
                pct(compression)
            )],
        }
    };
    let size_c = {
        let (lo, hi) = (size.landing_zone_min_mm, size.landing_zone_max_mm);
        let off = (lo - d).max(d - hi).max(0.0);
        let what = format!(
            "{} {:.1} mm (compression {}) against {}-{} mm ({}-{}) for the {} mm size",
            family.sizing_diameter.label(),
            d,
            pct(compression),
            num(lo),
            num(hi),
            pct(range[0]),
            pct(range[1]),
            num(s)
        );
        let side = if d < lo {
            "over-compressed"
        } else {
            "under-sized"
        };
        if in_range {
            Criterion {
                verdict: Verdict::Pass,
                reasons: vec![format!("in range: {what}")],
            }
        } else if off <= v.size_caution_mm {
            Criterion {
                verdict: Verdict::Caution,
                reasons: vec![format!("borderline, {side} by {off:.1} mm: {what}")],
            }
        } else {
            Criterion {
                verdict: Verdict::Fail,
                reasons: vec![format!("out of range, {side} by {off:.1} mm: {what}")],
            }
        }
    };
    let label = leak_label(cat, grade);
    let (verdict, what) = match grade {
        LeakGrade::CompleteSeal => (Verdict::Pass, None),
        LeakGrade::Small => (Verdict::Pass, Some("an adequate seal")),
        LeakGrade::Moderate => (Verdict::Caution, Some("a residual leak is likely")),
        LeakGrade::Large => (Verdict::Fail, Some("a significant leak")),
    };
    let seal = Criterion {
        verdict,
        reasons: vec![match what {
            None => format!(
                "complete seal: the rim meets the wall all around (largest gap {leak:.1} mm)"
            ),
            Some(what) => {
                format!("largest gap between rim and wall {leak:.1} mm ({label}): {what}")
            }
        }],
    };
    let criteria = Criteria {
        position,
        anchor,
        size: size_c,
        seal,
    };
    let verdict = [
        &criteria.position,
        &criteria.anchor,
        &criteria.size,
        &criteria.seal,
    ]
    .iter()
    .map(|c| c.verdict)
    .max()
    .unwrap_or(Verdict::Pass);
    let mut reasons = Vec::new();
    for (name, c) in [
        ("Position", &criteria.position),
        ("Anchor", &criteria.anchor),
        ("Size", &criteria.size),
        ("Seal", &criteria.seal),
    ] {
        for r in &c.reasons {
            reasons.push(format!("{name} ({}): {r}", c.verdict.label()));
        }
    }
    DeviceFit {
        family: family.id.clone(),
        size_mm: s,
        sizing_diameter_mm: d,
        compression_pct: compression,
        compression_range_pct: range,
        in_range,
        leak_mm: leak,
        leak_grade: label,
        leak_grade_kind: grade,
        leak_at,
        ostium_coverage: cover,
        device_length_mm: len,
        length_tolerance_mm: tol,
        usable_depth_mm: usable,
        depth_fits,
        protrusion_mm: protrusion,
        landing_depth_mm: landing_depth,
        center,
        axis,
        criteria,
        verdict,
        reasons,
    }
}
