//! Appendage measurement: centreline, cross-sections, ostium, landing zone,
//! depth and the diameter-versus-depth profile.
//!
//! How the appendage is found ([`super::detect`]), in order: the tip the
//! user gives; else the appendage region tag; else detection of the
//! largest blind-ended protrusion with a neck. From its tip the centreline
//! is traced and the ostium located ([`super::traced`]): the most proximal
//! cross-section, walking from the tip, that still lies wholly in the
//! appendage (its wall everywhere within 45 degrees of the local axis, its
//! area not jumping; brief violations such as a side lobe's mouth are
//! tolerated), or with region tags the tag border itself. Sections measure
//! the main lumen: a side branch cut lengthwise is cut off at its neck
//! ([`super::neck`]). Units: mm.

use super::bend::{angle_deg, describe, distal_direction, first_bend, Bend, Morphology};
use super::centreline::{nearest_node, recentre, smooth};
use super::contour::{unit, Contour};
use super::detect::{border_normal, centroid_of, find_start, no_appendage, tag_border, Start};
pub use super::landing::{arc_length, point_at};
use super::landing::{landing_zone, profile, section_on_line};
use super::ostium::beyond_plane;
use super::section::Surface;
use super::traced::{trace_from, Traced};
use super::truncated::{end_patch, trace_truncated};
use super::wall_axis::Wall;
use crate::mesh::geometry::{dist, dot, sub, V3};
use crate::{Error, Mesh, Result};
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
    /// Depth beyond the ostium, along the centreline (mm).
    pub depth_mm: f64,
    pub contour: Contour,
}

/// The measured appendage.
#[derive(Debug, Clone, Serialize)]
pub struct LaaMeasurement {
    /// Ostium contour; its normal points into the appendage (toward the tip).
    pub ostium: Contour,
    /// None when the appendage ends before the landing-zone depth (see
    /// `truncated` and `warnings`).
    pub landing_zone: Option<Contour>,
    pub landing_zone_depth_mm: f64,
    /// Distance from the ostium plane to the deepest point of the appendage
    /// (the tip), along the ostium normal (mm).
    pub depth_mm: f64,
    /// The first bend beyond the ostium, if the centreline turns more than
    /// [`super::bend::BEND_THRESHOLD_DEG`] from the deployment axis (the
    /// ostium normal).
    pub bend: Option<Bend>,
    /// The depth a device can use (mm): along the deployment axis from the
    /// ostium plane to the first bend, or to the tip when there is none.
    /// Sizing checks device lengths against this, not `depth_mm`.
    pub sizing_depth_mm: f64,
    /// The nearest morphology class and a description with the numbers.
    pub morphology: Morphology,
    pub tip: V3,
    /// Centreline from the atrial body to the tip (mm).
    pub centreline: Vec<V3>,
    /// Arc length along the centreline at which the ostium lies (mm).
    pub ostium_arc_mm: f64,
    pub profile: Vec<ProfileSample>,
    /// How the appendage was found: "tip", "region tag" or "detected".
    pub found_by: String,
    /// The appendage ends at a cap or cut of the mesh rather than at its
    /// tip (see [`super::truncated`]): `depth_mm` is a lower bound.
    pub truncated: bool,
    /// What limits the measurement's use (a truncated appendage, no
    /// landing zone), for the user to read before sizing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the measurement had to work around (a hole closed in a contour).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Spacing of the centreline stations (mm) for the final measurement.
pub(super) const STEP: f64 = 0.5;
/// Length of the straight centreline piece drawn into the body (mm).
const BODY_REACH: f64 = 10.0;

/// Measure the appendage of `mesh`.
pub fn measure(mesh: &Mesh, opts: &MeasureOptions) -> Result<LaaMeasurement> {
    measure_on(&Surface::from_mesh(mesh)?, opts)
}

/// [`measure`] on an already built surface (see [`Surface::from_mesh`]):
/// build it once to measure and then size the same patient
/// ([`super::sizing::size_patient_on`]); building it costs about as much
/// as measuring.
pub fn measure_on(s: &Surface, opts: &MeasureOptions) -> Result<LaaMeasurement> {
    let bad_opt = |what: &str, v: f64| {
        Error::Unsupported(format!(
            "laa measure: {what} must be a positive number of mm, got {v}"
        ))
    };
    if !(opts.profile_step_mm.is_finite() && opts.profile_step_mm > 0.0) {
        return Err(bad_opt("profile step", opts.profile_step_mm));
    }
    if !(opts.landing_zone_depth_mm.is_finite() && opts.landing_zone_depth_mm >= 0.0) {
        return Err(bad_opt("landing-zone depth", opts.landing_zone_depth_mm));
    }
    let (start, t, truncated) = locate(s, opts)?;
    let mut notes = Vec::new();
    if t.beyond.open && start.border.is_none() {
        notes.push("the mesh has a hole beyond the ostium; depth may be short".to_string());
    }
    let ost_axis = t.ostium_axis;
    let ost_c = t.ostium.lumen().center;
    // Centreline, tip -> body: tip node, re-centred stations up to the
    // ostium, the ostium centre, then straight into the body.
    let mut tip_side: Vec<V3> = vec![start.tip_point(s)];
    for st in &t.stations[..t.ostium_station] {
        tip_side.push(recentre(&st.section, st.centre));
    }
    // Near the ostium the traced sections still feel the body (and, on a
    // noisy wall, their centres wander sideways): the centreline leaves the
    // ostium centre along the ostium normal and joins the traced one
    // gradually, over one ostium diameter. The ostium normal is the
    // steadier direction either way: the tag border's plane, or the axis
    // of the appendage's own wall (see [`super::wall_axis`]).
    let reach_in = t.ostium.contour.area_diameter_mm.max(1.0);
    for p in tip_side.iter_mut() {
        let h = dot(sub(*p, ost_c), ost_axis);
        let w = (1.0 - h / reach_in).clamp(0.0, 1.0);
        let on_axis = [0, 1, 2].map(|d| ost_c[d] + ost_axis[d] * h.max(0.0));
        *p = [0, 1, 2].map(|d| w * on_axis[d] + (1.0 - w) * p[d]);
    }
    // With the ostium from the tag border the line is also smoothed harder
    // (about +-4 mm): on a noisy wall the traced centres wander sideways and
    // would lengthen the arc to the landing zone.
    let mut line = if start.border.is_some() {
        smooth(&smooth(&tip_side, 8), 8)
    } else {
        smooth(&tip_side, 2)
    };
    line[0] = start.tip_point(s);
    line.push(ost_c);
    let reach = (BODY_REACH / STEP) as usize;
    for j in 1..=reach {
        let r = j as f64 * STEP;
        line.push([
            ost_c[0] - ost_axis[0] * r,
            ost_c[1] - ost_axis[1] * r,
            ost_c[2] - ost_axis[2] * r,
        ]);
    }
    line.reverse();
    let ostium_arc = BODY_REACH;
    let total = arc_length(&line);
    let mut ostium = t.ostium.lumen().clone();
    ostium.normal = unit(ost_axis);
    if t.ostium.gap_mm > 0.0 {
        notes.push(format!(
            "ostium contour closed across a {:.1} mm hole",
            t.ostium.gap_mm
        ));
    }
    let lz_arc = ostium_arc + opts.landing_zone_depth_mm;
    let mut warnings = Vec::new();
    let fits = lz_arc <= total - 1.0 && opts.landing_zone_depth_mm < t.beyond.depth - 1.0;
    if truncated {
        warnings.push(format!(
            "appendage is truncated at a cap {:.1} mm from the ostium: depth is a lower bound{}",
            t.beyond.depth,
            if fits {
                ""
            } else {
                "; landing zone not available"
            }
        ));
    } else if lz_arc > total - 1.0 {
        return Err(Error::Unsupported(format!(
            "laa measure: landing-zone depth {:.1} mm lies beyond the appendage centreline ({:.1} mm \
             from the ostium to the tip)",
            opts.landing_zone_depth_mm,
            total - ostium_arc
        )));
    } else if !fits {
        return Err(Error::Unsupported(format!(
            "laa measure: landing-zone depth {:.1} mm does not fit in the appendage ({:.1} mm \
             deep from the ostium plane to the tip); give a smaller depth",
            opts.landing_zone_depth_mm, t.beyond.depth
        )));
    }
    // The appendage's wall, whose local axis orients the landing-zone and
    // profile planes.
    let wall = Wall::of(s, &t.beyond.nodes);
    let landing = if !fits {
        None
    } else if opts.landing_zone_depth_mm == 0.0 {
        Some(t.ostium.clone())
    } else {
        let (sec, note) = landing_zone(
            s,
            &line,
            lz_arc,
            &t.ostium,
            ost_axis,
            opts.landing_zone_depth_mm,
            &wall,
        )?;
        notes.extend(note);
        Some(sec)
    };
    if let Some(gap) = landing.as_ref().map(|l| l.gap_mm).filter(|&g| g > 0.0) {
        notes.push(format!(
            "landing-zone contour closed across a {gap:.1} mm hole"
        ));
    }
    let mut profile = profile(s, &line, ostium_arc, &t.ostium, opts.profile_step_mm, &wall);
    // The ostium sample carries the ostium's own plane normal.
    profile[0].contour = ostium.clone();
    // A truncated appendage's centreline ends at the cut: a turn there is
    // not the appendage's bend.
    let bend = if truncated {
        None
    } else {
        first_bend(&line, ostium_arc, ost_c, ostium.normal).map(|mut b| {
            // The centreline ends at the deepest point; the far end of a
            // sharply bent lobe turns further (see `distal_direction`).
            if let Some(d) = distal_direction(s, &t.beyond.nodes, ost_c, ostium.normal) {
                b.angle_deg = b.angle_deg.max(angle_deg(d, ostium.normal));
            }
            b
        })
    };
    let sizing_depth = bend.map_or(t.beyond.depth, |b| b.depth_mm.min(t.beyond.depth));
    let morphology = describe(
        bend.as_ref(),
        t.beyond.depth,
        ostium.max_diameter_mm,
        truncated,
    );
    Ok(LaaMeasurement {
        ostium,
        landing_zone: landing.map(|l| l.lumen().clone()),
        landing_zone_depth_mm: opts.landing_zone_depth_mm,
        depth_mm: t.beyond.depth,
        bend,
        sizing_depth_mm: sizing_depth,
        morphology,
        tip: start.tip_point(s),
        centreline: line,
        ostium_arc_mm: ostium_arc,
        profile,
        found_by: start.found_by.to_string(),
        truncated,
        warnings,
        notes,
    })
}

/// The cross-section perpendicular to the centreline at `depth_mm` beyond the
/// ostium (along the centreline; negative: on the body side), for a device
/// family's own landing-zone depth. Builds the surface of `mesh` each call:
/// for several depths build it once and call [`section_at_depth_on`].
pub fn section_at_depth(mesh: &Mesh, m: &LaaMeasurement, depth_mm: f64) -> Result<Contour> {
    section_at_depth_on(&Surface::from_mesh(mesh)?, m, depth_mm)
}

/// [`section_at_depth`] on an already built surface of the measured mesh.
pub fn section_at_depth_on(s: &Surface, m: &LaaMeasurement, depth_mm: f64) -> Result<Contour> {
    if !depth_mm.is_finite() {
        return Err(Error::Unsupported(format!(
            "laa section: depth {depth_mm} is not a number of mm"
        )));
    }
    let total = arc_length(&m.centreline);
    let arc = m.ostium_arc_mm + depth_mm;
    if arc < 0.0 || arc > total - 0.5 {
        return Err(Error::Unsupported(format!(
            "laa section: depth {depth_mm:.1} mm is outside the centreline ({:.1} to {:.1} mm from the ostium)",
            -m.ostium_arc_mm,
            total - m.ostium_arc_mm
        )));
    }
    // The appendage beyond the ostium plane, whose wall gives the local
    // axis (as in [`measure`]).
    let tip = nearest_node(s, m.tip).0;
    let wall = Wall::of(
        s,
        &beyond_plane(s, tip, m.ostium.center, m.ostium.normal).nodes,
    );
    section_on_line(s, &m.centreline, arc, &wall, m.ostium.area_diameter_mm)
        .map(|sec| sec.lumen().clone())
        .map_err(|e| {
            Error::Unsupported(format!(
                "laa section at {depth_mm:.1} mm beyond the ostium: {e}"
            ))
        })
}

/// Find the appendage and trace it: the start, the traced ostium and
/// whether the appendage is truncated. A tagged appendage too short for a
/// landing zone is truncated; one whose whole-appendage trace fails is
/// traced again as a truncated stump ([`super::truncated`]), and that
/// result is kept when it succeeds, else the first error stands.
fn locate(s: &Surface, opts: &MeasureOptions) -> Result<(Start, Traced, bool)> {
    let mut start = find_start(s, opts)?;
    let mut traced = trace_from(s, &start, STEP, 3);
    if let (Err(_), Some(alt)) = (&traced, start.alt_tip) {
        let retry = Start {
            tip: alt,
            found_by: start.found_by,
            border: start.border.clone(),
            alt_tip: None,
            cap: None,
        };
        if let Ok(t) = trace_from(s, &retry, STEP, 3) {
            traced = Ok(t);
            start = retry;
        }
    }
    let tagged = start.found_by == "region tag";
    if let (Err(_), true) = (&traced, tagged) {
        if let Some(stump) = stump_start(s, &start) {
            if let Ok(t) = trace_truncated(s, &stump) {
                if t.beyond.depth > 0.0 {
                    return Ok((stump, t, true));
                }
            }
        }
    }
    let t = traced.map_err(|e| match start.found_by {
        "tip" => no_appendage(&format!("from the given tip: {e}")),
        _ => no_appendage(&e),
    })?;
    // The tip must lie beyond the ostium plane: a plane tilted past the tip
    // (a side lobe's mouth taken for the neck) would report a depth of 0.
    if t.beyond.depth <= 0.0 {
        return Err(no_appendage(
            "the ostium plane found does not separate the tip from the body \
             (depth 0 mm); give the tip with --tip X,Y,Z",
        ));
    }
    // A tagged appendage that ends before its landing zone is taken as
    // truncated by the segmentation (an appendage is 15-45 mm deep;
    // LAAO.md): its ostium is the tag border all the same.
    let short = t.beyond.depth < opts.landing_zone_depth_mm + 1.0;
    Ok((start, t, tagged && short))
}

/// The start of a truncated tagged appendage: its distal end along the
/// tag border's normal.
fn stump_start(s: &Surface, start: &Start) -> Option<Start> {
    let (border, in_app) = tag_border(s)?;
    let bc = centroid_of(s, &border);
    let app: Vec<u32> = (0..s.nodes.len() as u32)
        .filter(|&v| in_app[v as usize])
        .collect();
    let axis = border_normal(s, &border, unit(sub(centroid_of(s, &app), bc)));
    let cap = end_patch(s, &in_app, bc, axis)?;
    let tip = cap.nodes.iter().copied().min_by(|&a, &b| {
        dist(s.nodes[a as usize], cap.centre).total_cmp(&dist(s.nodes[b as usize], cap.centre))
    })?;
    Some(Start {
        tip,
        found_by: start.found_by,
        border: Some(border),
        alt_tip: None,
        cap: Some(cap),
    })
}
