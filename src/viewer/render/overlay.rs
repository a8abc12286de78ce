//! What is drawn over the surface ([`Overlays`]: polylines, the device
//! glyph, the picked-point marker) and its GPU buffers.

use glam::Vec3;
use wgpu::util::DeviceExt;

use super::glyph::{device_mesh, sphere_mesh, DeviceGlyph, GlyphMesh};
use super::gpu_data::{linear_rgba, OverlayVertex, Segment};

/// A line through `points` (mm), drawn on top of the surface.
#[derive(Debug, Clone, PartialEq)]
pub struct Polyline {
    pub points: Vec<Vec3>,
    /// Join the last point back to the first (contours).
    pub closed: bool,
    /// sRGB with straight alpha.
    pub colour: [u8; 4],
    /// On-screen width in pixels.
    pub width_px: f32,
}

/// The picked point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    pub position: Vec3,
    /// mm.
    pub radius: f32,
    /// sRGB with straight alpha.
    pub colour: [u8; 4],
}

/// Everything drawn over the surface. Set with
/// [`super::SurfaceRenderer::set_overlays`] when it changes, not per frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlays {
    pub polylines: Vec<Polyline>,
    pub device: Option<DeviceGlyph>,
    pub marker: Option<Marker>,
}

impl Overlays {
    /// The polylines as segments (non-finite points break a line).
    pub fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        for line in &self.polylines {
            let colour = linear_rgba(line.colour);
            let width_px = if line.width_px.is_finite() {
                line.width_px.clamp(0.5, 64.0)
            } else {
                2.0
            };
            let n = line.points.len();
            let count = if line.closed && n > 2 {
                n
            } else {
                n.saturating_sub(1)
            };
            for i in 0..count {
                let (a, b) = (line.points[i], line.points[(i + 1) % n]);
                if a.is_finite() && b.is_finite() {
                    out.push(Segment {
                        a: a.to_array(),
                        width_px,
                        b: b.to_array(),
                        _pad: 0.0,
                        colour,
                    });
                }
            }
        }
        out
    }

    /// The marker then the device, as one indexed triangle list (the
    /// marker first, so a translucent device blends over it).
    pub fn meshes(&self) -> (Vec<OverlayVertex>, Vec<u32>) {
        let mut vertices = Vec::new();
        let mut indices = Vec::new();
        let mut add =
            |mesh: GlyphMesh, colour: [u8; 4]| {
                let base = vertices.len() as u32;
                let colour = linear_rgba(colour);
                vertices.extend(mesh.positions.iter().zip(&mesh.normals).map(|(p, n)| {
                    OverlayVertex {
                        position: p.to_array(),
                        normal: n.to_array(),
                        colour,
                    }
                }));
                indices.extend(mesh.triangles.iter().flatten().map(|i| base + i));
            };
        if let Some(m) = &self.marker {
            add(sphere_mesh(m.position, m.radius), m.colour);
        }
        if let Some(d) = &self.device {
            add(device_mesh(d), d.colour);
        }
        (vertices, indices)
    }
}

/// The overlays in GPU buffers (absent when there is nothing to draw).
#[derive(Default)]
pub(crate) struct OverlayBuffers {
    pub segments: Option<(wgpu::Buffer, u32)>,
    pub meshes: Option<(wgpu::Buffer, wgpu::Buffer, u32)>,
}

impl OverlayBuffers {
    pub fn new(device: &wgpu::Device, overlays: &Overlays) -> OverlayBuffers {
        let segs = overlays.segments();
        let segments = (!segs.is_empty()).then(|| {
            let buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("viewer overlay segments"),
                contents: bytemuck::cast_slice(&segs),
                usage: wgpu::BufferUsages::VERTEX,
            });
            (buf, segs.len() as u32)
        });
        let (vertices, indices) = overlays.meshes();
        let meshes = (!indices.is_empty()).then(|| {
            let v = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("viewer overlay mesh vertices"),
                contents: bytemuck::cast_slice(&vertices),
                usage: wgpu::BufferUsages::VERTEX,
            });
            let i = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("viewer overlay mesh indices"),
                contents: bytemuck::cast_slice(&indices),
                usage: wgpu::BufferUsages::INDEX,
            });
            (v, i, indices.len() as u32)
        });
        OverlayBuffers { segments, meshes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_polylines_wrap_and_bad_points_break_lines() {
        let square = vec![Vec3::ZERO, Vec3::X, Vec3::ONE, Vec3::Y];
        let mut o = Overlays {
            polylines: vec![Polyline {
                points: square.clone(),
                closed: true,
                colour: [255, 0, 0, 255],
                width_px: 3.0,
            }],
            ..Default::default()
        };
        assert_eq!(o.segments().len(), 4);
        o.polylines[0].closed = false;
        assert_eq!(o.segments().len(), 3);
        o.polylines[0].points[1] = Vec3::NAN;
        assert_eq!(o.segments().len(), 1);
        o.polylines[0].points.truncate(1);
        assert!(o.segments().is_empty());
    }

    #[test]
    fn marker_comes_before_the_device() {
        let o = Overlays {
            marker: Some(Marker {
                position: Vec3::ZERO,
                radius: 1.0,
                colour: [255, 255, 0, 255],
            }),
            device: Some(DeviceGlyph::from_landing_plane(
                Vec3::X * 20.0,
                Vec3::Z,
                0.5,
                10.0,
                10.0,
            )),
            ..Default::default()
        };
        let (v, i) = o.meshes();
        assert!(i.iter().all(|&k| (k as usize) < v.len()));
        assert_eq!(v[0].colour, linear_rgba([255, 255, 0, 255]));
        assert!(v.last().is_some_and(|x| x.colour[3] < 1.0));
    }
}
