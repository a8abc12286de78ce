//! The synthetic left atrium as a signed distance field (mm; negative inside
//! the blood pool). Components, combined with a hard union (`min`, no fillet)
//! so every junction is a crisp crease:
//!
//! - body: an ellipsoid, cut flat by the mitral plane (the flattened mitral
//!   cap) and by the ostium plane (a flat face just larger than the ostium,
//!   so the appendage joins the body along exactly its ostium ellipse);
//! - four pulmonary veins: capped cylinders standing out of the body;
//! - appendage: an elliptical tube swept along a centreline made of a
//!   straight neck, a circular arc and a straight distal part, closed by a
//!   half-ellipsoid tip cap, plus capsule-shaped secondary lobes.
//!
//! Each tube piece is measured in its own normal planes, so the section of
//! the tube by the plane normal to the centreline at arc length `t` is
//! exactly the ellipse with semi-axes `axes(t)`; the ground truth relies on
//! this. The surface irregularity (seeded value noise) is faded out around
//! the ostium and along the appendage up to 2 mm beyond the landing zone.

use super::params::AtriumParams;
use super::shapes::*;
use super::V3;
use crate::mesh::geometry::{cross, dot, norm, sub};

/// Unit directions of the pulmonary veins from the body centre (LPS axes):
/// left superior, left inferior, right superior, right inferior. Posterior
/// (+y), the left pair at +x, the superior pair at +z.
const VEIN_DIRECTIONS: [V3; 4] = [
    [0.38, 0.85, 0.40],
    [0.45, 0.86, -0.28],
    [-0.48, 0.76, 0.44],
    [-0.48, 0.82, -0.31],
];
/// Unit direction of the mitral valve from the body centre: inferior,
/// anterior and slightly to the left, towards the left ventricle.
const MITRAL_DIRECTION: V3 = [0.2, -0.25, -0.95];
/// How far the flat ostium face extends beyond the ostium ellipse (mm).
const OSTIUM_RIM_MM: f64 = 3.0;
/// How far the straight neck reaches back into the body (mm), so the union
/// has no gap at the ostium plane.
const NECK_OVERLAP_MM: f64 = 2.0;
/// Blending width of the veins and the mitral cap into the body (mm); only
/// the appendage junction stays crisp.
const BLEND_MM: f64 = 2.0;
/// Rounding of the convex rim of the flat ostium face (mm); smaller than
/// the rim width, so the face stays exactly flat around the ostium.
const RIM_ROUND_MM: f64 = 1.0;

/// The appendage centreline: straight neck along `n` from the ostium centre
/// `o` for `straight` mm, an arc of radius `radius` turning by `bend` rad
/// towards `m`, then straight along the final tangent to `length`.
#[derive(Debug, Clone)]
pub struct Centreline {
    pub o: V3,
    pub n: V3,
    pub m: V3,
    /// Bend axis n x m.
    pub k: V3,
    pub straight: f64,
    pub radius: f64,
    pub bend: f64,
    pub length: f64,
}

impl Centreline {
    /// Arc length where the distal straight part starts.
    pub fn arc_end(&self) -> f64 {
        self.straight + self.radius * self.bend
    }

    /// Point and unit tangent at arc length `t` (extended straight beyond
    /// both ends).
    pub fn point(&self, t: f64) -> (V3, V3) {
        let p0 = add(self.o, scale(self.n, self.straight));
        if t <= self.straight || self.bend == 0.0 {
            return (add(self.o, scale(self.n, t)), self.n);
        }
        let c = add(p0, scale(self.m, self.radius));
        let phi = ((t - self.straight) / self.radius).min(self.bend);
        let on_arc = add(
            c,
            add(
                scale(self.m, -self.radius * phi.cos()),
                scale(self.n, self.radius * phi.sin()),
            ),
        );
        let tan = add(scale(self.m, phi.sin()), scale(self.n, phi.cos()));
        let beyond = (t - self.arc_end()).max(0.0);
        (add(on_arc, scale(tan, beyond)), tan)
    }

    /// Rotate a vector of the ostium frame into the frame at arc length `t`.
    pub fn carry(&self, v: V3, t: f64) -> V3 {
        if self.bend == 0.0 || t <= self.straight {
            return v;
        }
        let phi = ((t - self.straight) / self.radius).min(self.bend);
        rotate(v, self.k, phi)
    }
}

/// A secondary lobe, resolved to a capsule.
#[derive(Debug, Clone)]
pub struct Lobe {
    pub a: V3,
    pub b: V3,
    pub radius: f64,
    /// Arc length of its root on the main centreline.
    pub depth: f64,
}

/// The appendage geometry.
#[derive(Debug, Clone)]
pub struct Appendage {
    pub cl: Centreline,
    /// Major- and minor-axis directions at the ostium.
    pub u0: V3,
    pub v0: V3,
    /// Semi-axes at the ostium, landing zone and distal end (mm).
    pub ost: (f64, f64),
    pub lz: (f64, f64),
    pub end: (f64, f64),
    pub lz_depth: f64,
    /// Length of the tip cap (mm).
    pub cap: f64,
    pub lobes: Vec<Lobe>,
}

impl Appendage {
    /// Semi-axes (along U, along V) of the section at arc length `t`.
    pub fn axes(&self, t: f64) -> (f64, f64) {
        if t <= self.lz_depth {
            let s = (t / self.lz_depth).clamp(0.0, 1.0);
            (
                lerp(self.ost.0, self.lz.0, s),
                lerp(self.ost.1, self.lz.1, s),
            )
        } else {
            let s = ((t - self.lz_depth) / (self.cl.length - self.lz_depth)).clamp(0.0, 1.0);
            (
                lerp(self.lz.0, self.end.0, s),
                lerp(self.lz.1, self.end.1, s),
            )
        }
    }

    /// Frame (U, V, T) at arc length `t`.
    pub fn frame(&self, t: f64) -> (V3, V3, V3) {
        let (_, tan) = self.cl.point(t);
        (self.cl.carry(self.u0, t), self.cl.carry(self.v0, t), tan)
    }

    /// Signed distance to the tube, its cap and lobes, without noise; also
    /// returns the arc length of the nearest centreline point (for noise
    /// fading).
    ///
    /// The tube is evaluated at the centreline point nearest to `p` (the
    /// piece whose centreline is closest wins), never as a union of
    /// flat-ended pieces: such a union is zero, not negative, on the joint
    /// planes inside the lumen, which would polygonise into internal sheets.
    pub fn sdf(&self, p: V3) -> (f64, f64) {
        let cl = &self.cl;
        let lateral = |t: f64, c: V3| {
            let (u, v, _) = self.frame(t);
            let d = sub(p, c);
            let (a, b) = self.axes(t);
            ellipse_sdf(dot(d, u), dot(d, v), a, b)
        };
        // Candidates: (distance to the centreline point, arc length, point,
        // signed overshoot beyond the piece's free end or before its start).
        let mut best: Option<(f64, f64, V3)> = None;
        let mut consider = |t: f64, c: V3| {
            let d = norm(sub(p, c));
            if best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, t, c));
            }
        };
        // Straight neck, from NECK_OVERLAP_MM inside the body.
        let s_end = if cl.bend > 0.0 {
            cl.straight
        } else {
            cl.length
        };
        let w = dot(sub(p, cl.o), cl.n);
        let t1 = w.clamp(-NECK_OVERLAP_MM, s_end);
        consider(t1, add(cl.o, scale(cl.n, t1)));
        if cl.bend > 0.0 {
            let p0 = add(cl.o, scale(cl.n, cl.straight));
            let c = add(p0, scale(cl.m, cl.radius));
            let q = sub(p, c);
            let phi = dot(q, cl.n).atan2(-dot(q, cl.m)).clamp(0.0, cl.bend);
            let t = cl.straight + cl.radius * phi;
            consider(t, cl.point(t).0);
            let start = cl.arc_end();
            let (p1, tan) = cl.point(start);
            let l2 = cl.length - start;
            let w2 = dot(sub(p, p1), tan).clamp(0.0, l2);
            consider(start + w2, add(p1, scale(tan, w2)));
        }
        let Some((_, t, c)) = best else {
            return (f64::INFINITY, 0.0);
        };
        let mut f = lateral(t, c);
        if t <= -NECK_OVERLAP_MM {
            // Flat proximal end (inside the body).
            f = f.max(-NECK_OVERLAP_MM - w);
        }
        if t >= cl.length {
            // Beyond the distal end: the half-ellipsoid cap.
            let (pe, tan) = cl.point(cl.length);
            let (u, v, _) = self.frame(cl.length);
            let d = sub(p, pe);
            let we = dot(d, tan);
            if we > 0.0 {
                f = ellipsoid_sdf(
                    [dot(d, u), dot(d, v), we],
                    [self.end.0, self.end.1, self.cap],
                );
            }
        }
        let mut best = (f, t);
        for lobe in &self.lobes {
            let f = capsule_sdf(p, lobe.a, lobe.b, lobe.radius);
            if f < best.0 {
                best = (f, lobe.depth);
            }
        }
        best
    }
}

/// The whole atrium.
#[derive(Debug, Clone)]
pub struct Model {
    pub radii: V3,
    pub mitral_n: V3,
    pub mitral_h: f64,
    pub veins: Vec<(V3, V3, f64)>,
    pub app: Appendage,
    noise: Noise,
    noise_mm: f64,
    noise_wavelength: f64,
}

/// Which component is nearest (most negative) at a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Body,
    Appendage,
}

impl Model {
    /// Resolve the parameters into geometry; errors are (field, message).
    pub fn new(p: &AtriumParams) -> Result<Model, (String, String)> {
        p.check()?;
        let r = p.body_radii_mm;
        let a = &p.appendage;
        let (az, el) = (a.azimuth_deg.to_radians(), a.elevation_deg.to_radians());
        let n = [el.cos() * az.cos(), el.cos() * az.sin(), el.sin()];
        // Major axis: +z projected on the ostium plane, rolled about n.
        let mut up = sub([0.0, 0.0, 1.0], scale(n, n[2]));
        if norm(up) < 1e-6 {
            up = sub([1.0, 0.0, 0.0], scale(n, n[0]));
        }
        let u0 = rotate(unit(up), n, a.roll_deg.to_radians());
        let v0 = cross(n, u0);
        let ost = (a.ostium_major_mm / 2.0, a.ostium_minor_mm / 2.0);
        let (lzm, lzn) = a.landing_zone_diameters();
        let lz = (lzm / 2.0, lzn / 2.0);
        let end = (lz.0 * a.tip_fraction, lz.1 * a.tip_fraction);
        let mitral_n = unit(MITRAL_DIRECTION);
        let (mu, mv) = plane_basis(mitral_n);
        let rm = p.mitral_radius_mm;
        let mitral_h = fit_plane_cut(
            r,
            mitral_n,
            |q| inside_ellipsoid(q, r),
            |h| {
                (0..72)
                    .map(|i| {
                        let th = i as f64 * std::f64::consts::TAU / 72.0;
                        add(
                            scale(mitral_n, h),
                            add(scale(mu, rm * th.cos()), scale(mv, rm * th.sin())),
                        )
                    })
                    .collect()
            },
        )
        .ok_or_else(|| {
            (
                "mitral_radius_mm".to_string(),
                format!("{rm} mm does not fit on the body"),
            )
        })?;
        // The ostium ellipse plus the rim must fit in the plane, and the
        // neck's overlap below it must stay inside the body with 1 mm to
        // spare (the ellipsoid's sections shift sideways with depth).
        let outline = |h: f64| {
            let mut pts = Vec::new();
            for (dh, grow) in [
                (0.0, OSTIUM_RIM_MM),
                (-0.5 * NECK_OVERLAP_MM, 1.0),
                (-NECK_OVERLAP_MM, 1.0),
            ] {
                for i in 0..96 {
                    let th = i as f64 * std::f64::consts::TAU / 96.0;
                    pts.push(add(
                        scale(n, h + dh),
                        add(
                            scale(u0, (ost.0 + grow) * th.cos()),
                            scale(v0, (ost.1 + grow) * th.sin()),
                        ),
                    ));
                }
            }
            pts
        };
        // Inside the body as cut by the (blended) mitral plane.
        let in_body =
            |q: V3| smax(ellipsoid_sdf(q, r), dot(q, mitral_n) - mitral_h, BLEND_MM) < 0.0;
        let h_ost = fit_plane_cut(r, n, in_body, outline).ok_or_else(|| {
            (
                "appendage.ostium_major_mm".to_string(),
                format!(
                    "an ostium of {} x {} mm does not fit on a body of semi-axes {:?} mm; enlarge body_radii_mm",
                    a.ostium_major_mm, a.ostium_minor_mm, r
                ),
            )
        })?;
        let veins = VEIN_DIRECTIONS
            .iter()
            .map(|d| {
                let d = unit(*d);
                let rho = ray_to_ellipsoid(d, r);
                (
                    scale(d, 0.4 * rho),
                    scale(d, rho + p.vein_stub_mm),
                    p.vein_radius_mm,
                )
            })
            .collect();
        let bend_roll = a.bend_roll_deg.to_radians();
        let m = add(scale(u0, bend_roll.cos()), scale(v0, bend_roll.sin()));
        let cl = Centreline {
            o: scale(n, h_ost),
            n,
            m,
            k: cross(n, m),
            straight: if a.bend_deg > 0.0 {
                a.straight_mm
            } else {
                a.length_mm
            },
            radius: a.bend_radius_mm,
            bend: a.bend_deg.to_radians(),
            length: a.length_mm,
        };
        let mut app = Appendage {
            cl,
            u0,
            v0,
            ost,
            lz,
            end,
            lz_depth: a.landing_zone_depth_mm,
            cap: a.tip_cap * end.0.min(end.1),
            lobes: Vec::new(),
        };
        if app.cl.bend > 0.0 {
            // The arc must not fold the tube onto itself on the inner side.
            let (sa, sb) = app.axes(app.cl.straight);
            let half = (sa * bend_roll.cos()).hypot(sb * bend_roll.sin());
            if app.cl.radius < half + 1.0 {
                return Err((
                    "appendage.bend_radius_mm".into(),
                    format!(
                        "{} mm is too tight for a tube {:.1} mm wide in the bend plane; use at least {:.1} mm",
                        app.cl.radius,
                        2.0 * half,
                        half + 1.0
                    ),
                ));
            }
        }
        for lp in &a.lobes {
            let (c, _) = app.cl.point(lp.depth_mm);
            let (u, v, t) = app.frame(lp.depth_mm);
            let (al, rl) = (lp.angle_deg.to_radians(), lp.roll_deg.to_radians());
            let side = add(scale(u, rl.cos()), scale(v, rl.sin()));
            let dir = add(scale(t, al.cos()), scale(side, al.sin()));
            app.lobes.push(Lobe {
                a: c,
                b: add(c, scale(dir, lp.length_mm)),
                radius: lp.radius_mm,
                depth: lp.depth_mm,
            });
        }
        Ok(Model {
            radii: r,
            mitral_n,
            mitral_h,
            veins,
            app,
            noise: Noise { seed: p.seed },
            noise_mm: p.noise_mm,
            noise_wavelength: p.noise_wavelength_mm,
        })
    }

    /// Body (cut ellipsoid and veins) without noise.
    pub fn body_sdf_smooth(&self, p: V3) -> f64 {
        let cl = &self.app.cl;
        let mut f = smax(
            smax(
                ellipsoid_sdf(p, self.radii),
                dot(p, self.mitral_n) - self.mitral_h,
                BLEND_MM,
            ),
            dot(sub(p, cl.o), cl.n),
            RIM_ROUND_MM,
        );
        for &(a, b, r) in &self.veins {
            f = smin(f, rounded_cylinder_sdf(p, a, b, r, 1.5), BLEND_MM);
        }
        f
    }

    /// Noise displacement (mm) at `p`, for a part whose noise weight is `w`.
    fn noise(&self, p: V3, f: f64, w: f64) -> f64 {
        if self.noise_mm == 0.0 || w == 0.0 || f.abs() > 3.0 * self.noise_mm + 2.0 {
            return 0.0;
        }
        w * self.noise_mm * self.noise.at(p, self.noise_wavelength)
    }

    /// Body and appendage distances, noise included.
    pub fn parts(&self, p: V3) -> (f64, f64) {
        let fb = self.body_sdf_smooth(p);
        // No noise within the ostium face and its surroundings.
        let r0 = self.app.ost.0 + OSTIUM_RIM_MM + 1.0;
        let wb = smoothstep(r0, r0 + 6.0, norm(sub(p, self.app.cl.o)));
        let fb = fb + self.noise(p, fb, wb);
        let (fa, t) = self.app.sdf(p);
        let wa = smoothstep(self.app.lz_depth + 2.0, self.app.lz_depth + 6.0, t);
        let fa = fa + self.noise(p, fa, wa);
        (fb, fa)
    }

    /// Signed distance of the whole atrium (hard union).
    pub fn sdf(&self, p: V3) -> f64 {
        let (fb, fa) = self.parts(p);
        fb.min(fa)
    }

    /// The part a surface point belongs to (the nearest component).
    pub fn part(&self, p: V3) -> Part {
        let (fb, fa) = self.parts(p);
        if fa < fb {
            Part::Appendage
        } else {
            Part::Body
        }
    }

    /// Sample points on the appendage's smooth surface (tube sections every
    /// `step` mm with `k` points each, and the lobes' capsule surfaces).
    pub fn appendage_samples(&self, step: f64, k: usize) -> Vec<(f64, V3)> {
        let app = &self.app;
        let mut out = Vec::new();
        let n_t = (app.cl.length / step).ceil() as usize;
        for i in 0..=n_t {
            let t = (i as f64 * step).min(app.cl.length);
            let (c, _) = app.cl.point(t);
            let (u, v, _) = app.frame(t);
            let (a, b) = app.axes(t);
            for j in 0..k {
                let th = j as f64 * std::f64::consts::TAU / k as f64;
                out.push((
                    t,
                    add(c, add(scale(u, a * th.cos()), scale(v, b * th.sin()))),
                ));
            }
        }
        for lobe in &app.lobes {
            let axis = unit(sub(lobe.b, lobe.a));
            let (e1, e2) = plane_basis(axis);
            let len = norm(sub(lobe.b, lobe.a));
            let n_s = (len / step).ceil() as usize;
            for i in 0..=n_s {
                let c = add(lobe.a, scale(axis, len * i as f64 / n_s as f64));
                for j in 0..k {
                    let th = j as f64 * std::f64::consts::TAU / k as f64;
                    let q = add(
                        c,
                        add(
                            scale(e1, lobe.radius * th.cos()),
                            scale(e2, lobe.radius * th.sin()),
                        ),
                    );
                    out.push((lobe.depth, q));
                }
            }
            out.push((lobe.depth, add(lobe.b, scale(axis, lobe.radius))));
        }
        out
    }

    /// Axis-aligned box (mm) that holds the whole surface.
    pub fn bounds(&self) -> (V3, V3) {
        let mut lo = scale(self.radii, -1.0);
        let mut hi = self.radii;
        let mut grow = |p: V3, r: f64| {
            for d in 0..3 {
                lo[d] = lo[d].min(p[d] - r);
                hi[d] = hi[d].max(p[d] + r);
            }
        };
        for &(a, b, r) in &self.veins {
            grow(a, r);
            grow(b, r);
        }
        let app = &self.app;
        for (_, p) in self.appendage_samples(1.0, 24) {
            grow(p, 0.5);
        }
        let (pe, tan) = app.cl.point(app.cl.length);
        grow(add(pe, scale(tan, app.cap)), app.end.0.max(app.end.1));
        let pad = 2.0 * self.noise_mm + 1.0;
        (lo.map(|x| x - pad), hi.map(|x| x + pad))
    }

    /// Check that the appendage stays clear of the body and the veins (a
    /// touching pair would make the polygonised surface non-manifold). The
    /// first 2 mm of the neck are exempt from the body test: they rise from
    /// the flat ostium face by construction.
    pub fn check_clearance(&self) -> Result<(), (String, String)> {
        const CLEAR_MM: f64 = 1.5;
        let n_tube = {
            let n_t = (self.app.cl.length / 0.5).ceil() as usize;
            (n_t + 1) * 48
        };
        for (i, (t, p)) in self.appendage_samples(0.5, 48).into_iter().enumerate() {
            let on_neck = i < n_tube && t < 2.0;
            let mut f = f64::INFINITY;
            for &(a, b, r) in &self.veins {
                f = f.min(rounded_cylinder_sdf(p, a, b, r, 1.5));
            }
            if !on_neck {
                f = f.min(self.body_sdf_smooth(p));
            }
            if f < CLEAR_MM {
                return Err((
                    "appendage".into(),
                    format!(
                        "the appendage surface comes within {f:.2} mm of the atrial body or a vein at ({:.1}, {:.1}, {:.1}) mm (arc length {t:.1} mm); change its direction, bend or lobes",
                        p[0], p[1], p[2]
                    ),
                ));
            }
        }
        Ok(())
    }
}
