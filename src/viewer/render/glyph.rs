//! Triangle meshes for overlay glyphs: LAAO devices (a Watchman-style
//! rounded plug, an Amulet-style lobe with a disc) and the picked-point
//! marker, built as surfaces of revolution of a (depth, radius) profile.

use glam::Vec3;

/// Segments around the axis.
const AROUND: usize = 48;
/// Segments per rounded corner of a profile.
const ARC: usize = 6;
/// Rounding of the lobe's and plug's edges, as a fraction of the radius.
const EDGE_ROUND: f32 = 0.18;
/// Amulet-style waist between lobe and disc, as a fraction of the lobe radius.
const WAIST: f32 = 0.22;

/// The disc of a lobe-and-disc device, proximal to the lobe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disc {
    /// mm.
    pub radius: f32,
    /// Gap (mm) between the lobe's proximal face and the disc's distal face.
    pub gap: f32,
    /// Thickness (mm).
    pub thickness: f32,
}

/// A device to draw: a body of `radius` and `length` centred on `center`
/// along `axis`, which points from the proximal face (atrium side) to the
/// distal end (into the appendage). Without a disc it is a Watchman-style
/// plug (flat proximal face, domed distal end); with one, an Amulet-style
/// lobe plus disc.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviceGlyph {
    /// Centre of the body (mm).
    pub center: Vec3,
    /// Proximal to distal; need not be unit.
    pub axis: Vec3,
    /// mm.
    pub radius: f32,
    /// mm, along the axis.
    pub length: f32,
    pub disc: Option<Disc>,
    /// sRGB with straight alpha (alpha < 255: translucent).
    pub colour: [u8; 4],
}

impl DeviceGlyph {
    /// A glyph placed as `laao::fit` reports a device: `landing_center` on the
    /// landing plane, which lies `landing_fraction` of the length from the
    /// proximal face (a family's `landing_plane_fraction`).
    pub fn from_landing_plane(
        landing_center: Vec3,
        axis: Vec3,
        landing_fraction: f32,
        radius: f32,
        length: f32,
    ) -> DeviceGlyph {
        let a = axis.normalize_or(Vec3::Z);
        DeviceGlyph {
            center: landing_center + (0.5 - landing_fraction) * length * a,
            axis: a,
            radius,
            length,
            disc: None,
            colour: [200, 205, 215, 150],
        }
    }
}

/// A triangle mesh with per-vertex normals, CCW seen from outside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GlyphMesh {
    pub positions: Vec<Vec3>,
    pub normals: Vec<Vec3>,
    pub triangles: Vec<[u32; 3]>,
}

/// The device as a closed mesh; empty when its sizes are not positive and
/// finite.
pub fn device_mesh(d: &DeviceGlyph) -> GlyphMesh {
    let ok = |x: f32| x.is_finite() && x > 0.0;
    if !(ok(d.radius) && ok(d.length) && d.center.is_finite() && d.axis.is_finite()) {
        return GlyphMesh::default();
    }
    let axis = d.axis.normalize_or(Vec3::Z);
    let (r, len) = (d.radius, d.length);
    let c = (EDGE_ROUND * r).min(len / 3.0);
    // Profile from the distal pole to the proximal pole along the outside,
    // depth measured from the proximal face towards distal.
    let mut p = Vec::new();
    match d
        .disc
        .filter(|k| ok(k.radius) && ok(k.thickness) && k.gap >= 0.0)
    {
        None => {
            // Watchman-style: a dome over the distal part, a rounded rim at
            // the flat proximal face.
            let dome = r.min(0.6 * len);
            arc(&mut p, [len - dome, 0.0], [dome, r], 90.0, 0.0);
            arc(&mut p, [c, r - c], [c, c], 0.0, -90.0);
            p.push([0.0, 0.0]);
        }
        Some(k) => {
            // Amulet-style: rounded lobe, thin waist, disc.
            p.push([len, 0.0]);
            arc(&mut p, [len - c, r - c], [c, c], 90.0, 0.0);
            arc(&mut p, [c, r - c], [c, c], 0.0, -90.0);
            let waist = WAIST * r;
            p.push([0.0, waist]);
            p.push([-k.gap, waist]);
            let half = k.thickness / 2.0;
            let z = -k.gap - half;
            arc(&mut p, [z, k.radius - half], [half, half], 90.0, -90.0);
            p.push([z - half, 0.0]);
        }
    }
    let proximal = d.center - 0.5 * len * axis;
    revolve(&p, proximal, axis)
}

/// A sphere of `radius` mm around `center` (the picked-point marker).
pub fn sphere_mesh(center: Vec3, radius: f32) -> GlyphMesh {
    if !(radius.is_finite() && radius > 0.0 && center.is_finite()) {
        return GlyphMesh::default();
    }
    let mut p = Vec::new();
    arc_n(&mut p, [radius, 0.0], [radius, radius], 90.0, -90.0, 16);
    revolve(&p, center - radius * Vec3::Z, Vec3::Z)
}

/// Append points of an elliptic arc around `centre` (depth, radius) with
/// semi-axes `size`, at angles `from` to `to` in degrees: (depth, radius) =
/// centre + (size[0] sin a, size[1] cos a), so 90 points distal, 0 outward
/// and -90 proximal.
fn arc(p: &mut Vec<[f32; 2]>, centre: [f32; 2], size: [f32; 2], from: f32, to: f32) {
    arc_n(p, centre, size, from, to, ARC);
}

fn arc_n(p: &mut Vec<[f32; 2]>, centre: [f32; 2], size: [f32; 2], from: f32, to: f32, n: usize) {
    for i in 0..=n {
        let a = (from + (to - from) * i as f32 / n as f32).to_radians();
        p.push([
            centre[0] + size[0] * a.sin(),
            (centre[1] + size[1] * a.cos()).max(0.0),
        ]);
    }
}

/// Revolve a (depth, radius) profile about `axis` through `base`. Each
/// profile segment gets its own ring of vertices so creases stay sharp
/// along the profile while the surface is smooth around the axis. The
/// profile runs distal to proximal, so (dr, -dz) is its outward normal.
fn revolve(profile: &[[f32; 2]], base: Vec3, axis: Vec3) -> GlyphMesh {
    let (e1, e2) = axis.any_orthonormal_pair();
    let mut m = GlyphMesh::default();
    for seg in profile.windows(2) {
        let ([z0, r0], [z1, r1]) = (seg[0], seg[1]);
        let (dz, dr) = (z1 - z0, r1 - r0);
        let len = (dz * dz + dr * dr).sqrt();
        if len < 1e-6 {
            continue;
        }
        let (nz, nr) = (dr / len, -dz / len);
        let first = m.positions.len() as u32;
        for k in 0..=AROUND {
            let phi = std::f32::consts::TAU * k as f32 / AROUND as f32;
            let radial = phi.cos() * e1 + phi.sin() * e2;
            m.positions.push(base + z0 * axis + r0 * radial);
            m.positions.push(base + z1 * axis + r1 * radial);
            let n = (nz * axis + nr * radial).normalize_or(axis);
            m.normals.push(n);
            m.normals.push(n);
        }
        for k in 0..AROUND as u32 {
            let (a0, a1) = (first + 2 * k, first + 2 * k + 1);
            let (b0, b1) = (a0 + 2, a1 + 2);
            m.triangles.push([a0, a1, b1]);
            m.triangles.push([a0, b1, b0]);
        }
    }
    // Orient every triangle as its vertex normals say (CCW from outside),
    // dropping the zero-area ones at the poles.
    let pos = &m.positions;
    let nrm = &m.normals;
    m.triangles.retain_mut(|t| {
        let [a, b, c] = t.map(|i| pos[i as usize]);
        let face = (b - a).cross(c - a);
        if face.length_squared() < 1e-12 {
            return false;
        }
        let n = nrm[t[0] as usize] + nrm[t[1] as usize] + nrm[t[2] as usize];
        if face.dot(n) < 0.0 {
            t.swap(1, 2);
        }
        true
    });
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signed volume by the divergence theorem: positive for a closed mesh
    /// oriented outward.
    fn volume(m: &GlyphMesh) -> f32 {
        m.triangles
            .iter()
            .map(|t| {
                let [a, b, c] = t.map(|i| m.positions[i as usize]);
                a.dot(b.cross(c)) / 6.0
            })
            .sum()
    }

    fn device(disc: Option<Disc>) -> DeviceGlyph {
        DeviceGlyph {
            center: Vec3::new(10.0, -4.0, 3.0),
            axis: Vec3::new(0.0, 2.0, 1.0),
            radius: 11.0,
            length: 12.0,
            disc,
            colour: [255; 4],
        }
    }

    #[test]
    fn plug_is_closed_outward_and_about_a_cylinder_in_volume() {
        let d = device(None);
        let m = device_mesh(&d);
        let v = volume(&m);
        let cylinder = std::f32::consts::PI * d.radius * d.radius * d.length;
        assert!(v > 0.6 * cylinder && v < cylinder, "{v} vs {cylinder}");
        // Every point within the body's bounding cylinder.
        let a = d.axis.normalize();
        for p in &m.positions {
            let r = *p - d.center;
            let along = r.dot(a);
            assert!(along.abs() <= d.length / 2.0 + 1e-3, "{along}");
            assert!((r - along * a).length() <= d.radius + 1e-3);
        }
    }

    #[test]
    fn disc_sits_proximal_and_wider_than_the_lobe() {
        let disc = Disc {
            radius: 15.0,
            gap: 4.0,
            thickness: 2.0,
        };
        let d = device(Some(disc));
        let m = device_mesh(&d);
        assert!(volume(&m) > 0.0);
        let a = d.axis.normalize();
        let proximal = d.center - a * (d.length / 2.0);
        let widest = m
            .positions
            .iter()
            .max_by(|p, q| {
                let rp = (**p - d.center).reject_from(a).length();
                let rq = (**q - d.center).reject_from(a).length();
                rp.total_cmp(&rq)
            })
            .copied()
            .unwrap_or_default();
        assert!(((widest - d.center).reject_from(a).length() - 15.0).abs() < 1e-3);
        let depth = (widest - proximal).dot(a);
        assert!(
            depth < -disc.gap && depth > -disc.gap - disc.thickness - 1e-3,
            "{depth}"
        );
    }

    #[test]
    fn landing_plane_placement_puts_the_plane_at_the_fraction() {
        let g = DeviceGlyph::from_landing_plane(Vec3::ZERO, Vec3::X * 3.0, 0.25, 10.0, 8.0);
        // Proximal face at -2 mm, distal end at +6 mm.
        assert!((g.center - Vec3::new(2.0, 0.0, 0.0)).length() < 1e-6);
    }

    #[test]
    fn sphere_normals_point_away_from_the_centre_and_bad_sizes_are_empty() {
        let c = Vec3::new(1.0, 2.0, 3.0);
        let m = sphere_mesh(c, 2.0);
        for (p, n) in m.positions.iter().zip(&m.normals) {
            assert!(((*p - c).length() - 2.0).abs() < 1e-4);
            assert!(n.dot(*p - c) > 0.0);
        }
        let v = volume(&m);
        let exact = 4.0 / 3.0 * std::f32::consts::PI * 8.0;
        assert!((v - exact).abs() < 0.05 * exact, "{v}");
        assert!(sphere_mesh(c, 0.0).triangles.is_empty());
        assert!(sphere_mesh(c, f32::NAN).triangles.is_empty());
        let mut d = device(None);
        d.length = -1.0;
        assert!(device_mesh(&d).triangles.is_empty());
    }
}
