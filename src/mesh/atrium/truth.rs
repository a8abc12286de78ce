//! Ground truth of a synthetic atrium, computed from its parameters (never
//! measured from the mesh): ostium and landing-zone ellipses, depth, tip.
//!
//! The section of the appendage tube by the plane normal to its centreline
//! at arc length `d` is exactly an ellipse (see [`super::sdf`]), so its
//! diameters follow in closed form: max = 2a, min = 2b, perimeter by
//! Ramanujan's second approximation (relative error < 1e-9 for these
//! shapes), area = pi a b.

use super::params::AtriumParams;
use super::sdf::Model;
use super::V3;
use crate::mesh::geometry::{dot, norm, sub};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// One true cross-section of the appendage (mm, mm^2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionTruth {
    pub max_diameter_mm: f64,
    pub min_diameter_mm: f64,
    /// perimeter / pi.
    pub perimeter_diameter_mm: f64,
    /// 2 sqrt(area / pi).
    pub area_diameter_mm: f64,
    pub perimeter_mm: f64,
    pub area_mm2: f64,
    /// Centre of the ellipse (on the centreline).
    pub center: V3,
    /// Unit normal of the section plane (the centreline tangent, pointing
    /// from the body into the appendage).
    pub normal: V3,
    /// Unit direction of the maximum diameter.
    pub major_axis: V3,
    /// Arc length along the centreline from the ostium centre (mm).
    pub depth_mm_from_ostium: f64,
    /// Distance of the section centre from the ostium plane along the
    /// ostium normal (mm); equals the arc length in the straight neck.
    pub axial_depth_mm: f64,
    /// True when the section is exactly this ellipse: no lobe crosses the
    /// plane near it and the surface noise is faded out there.
    pub exact: bool,
}

/// The ground truth written beside each generated mesh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtriumTruth {
    pub ostium: SectionTruth,
    pub landing_zone: SectionTruth,
    /// From the ostium plane to the deepest point of the appendage along the
    /// ostium normal (mm), noise excluded (it can add up to `noise_mm`).
    pub depth_mm: f64,
    /// Apex of the tip cap, on the surface (mm).
    pub tip: V3,
    /// Centre of the distal end of the tube, inside the lumen (mm): a safe
    /// tip point to hand to a measuring tool.
    pub tip_inside: V3,
    /// Centreline length from the ostium to the tip apex (mm).
    pub centreline_length_mm: f64,
    /// Surface irregularity amplitude (mm); absent within 2 mm beyond the
    /// landing zone and around the ostium.
    pub noise_mm: f64,
    /// Region tags: body and appendage.
    pub body_tag: i32,
    pub appendage_tag: i32,
    pub params: AtriumParams,
}

/// Ramanujan's second approximation of an ellipse's perimeter (mm).
pub fn ellipse_perimeter(a: f64, b: f64) -> f64 {
    let h = ((a - b) / (a + b)).powi(2);
    PI * (a + b) * (1.0 + 3.0 * h / (10.0 + (4.0 - 3.0 * h).sqrt()))
}

fn section(model: &Model, d: f64, noise_free: bool) -> SectionTruth {
    let app = &model.app;
    let (c, t) = app.cl.point(d);
    let (u, v, _) = app.frame(d);
    let (a, b) = app.axes(d);
    let perimeter = ellipse_perimeter(a, b);
    let area = PI * a * b;
    SectionTruth {
        max_diameter_mm: 2.0 * a.max(b),
        min_diameter_mm: 2.0 * a.min(b),
        perimeter_diameter_mm: perimeter / PI,
        area_diameter_mm: 2.0 * (area / PI).sqrt(),
        perimeter_mm: perimeter,
        area_mm2: area,
        center: c,
        normal: t,
        major_axis: if a >= b { u } else { v },
        depth_mm_from_ostium: d,
        axial_depth_mm: dot(sub(c, app.cl.o), app.cl.n),
        exact: noise_free && lobes_clear(model, d),
    }
}

/// Whether every lobe stays at least 0.5 mm from the section plane at arc
/// length `d` within a disc of twice the section's size around its centre.
fn lobes_clear(model: &Model, d: f64) -> bool {
    let app = &model.app;
    let (c, t) = app.cl.point(d);
    let (a, b) = app.axes(d);
    let reach = 2.0 * a.max(b);
    app.lobes.iter().all(|l| {
        // The lobe's own root sphere lies inside the main tube, so only the
        // part of the capsule outside it matters; sample along its axis.
        (0..=200).all(|i| {
            let s = i as f64 / 200.0;
            let q = [
                l.a[0] + (l.b[0] - l.a[0]) * s,
                l.a[1] + (l.b[1] - l.a[1]) * s,
                l.a[2] + (l.b[2] - l.a[2]) * s,
            ];
            let off = dot(sub(q, c), t);
            let lateral = norm(sub(sub(q, c), [t[0] * off, t[1] * off, t[2] * off]));
            off.abs() >= l.radius + 0.5 || lateral > reach + l.radius
        })
    })
}

/// The true section at arc length `d` (mm) along the centreline from the
/// ostium, for comparisons at depths other than the landing zone.
pub fn truth_at_depth(params: &AtriumParams, d: f64) -> Result<SectionTruth> {
    let model = Model::new(params).map_err(|(f, m)| Error::parse("<atrium parameters>", f, m))?;
    if !(d.is_finite() && (0.0..=model.app.cl.length).contains(&d)) {
        return Err(Error::Unsupported(format!(
            "depth {d} mm is outside the appendage centreline (0..{} mm)",
            model.app.cl.length
        )));
    }
    Ok(section_of(&model, params, d))
}

fn section_of(model: &Model, params: &AtriumParams, d: f64) -> SectionTruth {
    let noise_free = params.noise_mm == 0.0 || d <= model.app.lz_depth + 2.0;
    section(model, d, noise_free)
}

/// Deepest extent of the appendage along the ostium normal, from the
/// ostium plane (mm): the largest support value of the tube's sections,
/// its half-ellipsoid cap and its lobes (closed forms, sampled densely in
/// arc length).
fn depth(model: &Model) -> f64 {
    let app = &model.app;
    let n = app.cl.n;
    let o = app.cl.o;
    let mut best: f64 = 0.0;
    let steps = (app.cl.length / 0.01).ceil() as usize;
    for i in 0..=steps {
        let t = app.cl.length * i as f64 / steps as f64;
        let (c, _) = app.cl.point(t);
        let (u, v, _) = app.frame(t);
        let (a, b) = app.axes(t);
        let s = dot(sub(c, o), n) + (a * dot(u, n)).hypot(b * dot(v, n));
        best = best.max(s);
    }
    let (pe, tan) = app.cl.point(app.cl.length);
    let (u, v, _) = app.frame(app.cl.length);
    if dot(tan, n) > 0.0 {
        let s = (app.end.0 * dot(u, n))
            .hypot(app.end.1 * dot(v, n))
            .hypot(app.cap * dot(tan, n));
        best = best.max(dot(sub(pe, o), n) + s);
    }
    for l in &app.lobes {
        let s = dot(sub(l.a, o), n).max(dot(sub(l.b, o), n)) + l.radius;
        best = best.max(s);
    }
    best
}

/// The full ground truth of an atrium built from `params`.
pub fn truth(params: &AtriumParams) -> Result<AtriumTruth> {
    let model = Model::new(params).map_err(|(f, m)| Error::parse("<atrium parameters>", f, m))?;
    Ok(truth_of(&model, params))
}

pub(crate) fn truth_of(model: &Model, params: &AtriumParams) -> AtriumTruth {
    let app = &model.app;
    let (pe, tan) = app.cl.point(app.cl.length);
    AtriumTruth {
        ostium: section_of(model, params, 0.0),
        landing_zone: section_of(model, params, app.lz_depth),
        depth_mm: depth(model),
        tip: [
            pe[0] + tan[0] * app.cap,
            pe[1] + tan[1] * app.cap,
            pe[2] + tan[2] * app.cap,
        ],
        tip_inside: pe,
        centreline_length_mm: app.cl.length + app.cap,
        noise_mm: params.noise_mm,
        body_tag: crate::laao::BODY_TAG,
        appendage_tag: crate::laao::APPENDAGE_TAG,
        params: params.clone(),
    }
}
