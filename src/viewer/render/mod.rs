//! The viewer's drawing layer: a mesh surface coloured straight from GPU
//! buffers, overlays on top, into an offscreen colour + depth target. It
//! knows nothing of egui: the shell shows [`SurfaceRenderer::texture_view`]
//! as an image and calls [`SurfaceRenderer::render`] each frame; tests and
//! `--screenshot` use [`SurfaceRenderer::read_back_rgba`].
//!
//! - [`surface`]: the mesh boundary as vertex and index buffers.
//! - [`colour`]: colour modes (solver Vm and LAT, regions, uploaded fields)
//!   and [`Legend`]s.
//! - [`overlay`], [`glyph`]: polylines, device glyphs, the picked marker.
//! - [`target`]: the offscreen textures and read-back.
//! - [`timing`]: frame times, for the benchmark.
//! - [`gpu_data`], [`palette`]: what the shaders read.
//!
//! Shaders: shaders/surface.wgsl (the surface) and shaders/overlay.wgsl.
//! Draw order: opaque surface (depth written), translucent overlay meshes
//! (depth tested, not written, alpha-blended), then polylines on top.

pub mod colour;
pub mod glyph;
pub mod gpu_data;
pub mod overlay;
pub mod palette;
pub mod surface;
pub mod target;
pub mod timing;

pub use colour::{ColourMode, Legend, NodeOrder, ScalarField, SolverFields};
pub use glyph::{DeviceGlyph, Disc};
pub use overlay::{Marker, Overlays, Polyline};
pub use surface::{SurfaceGeometry, SurfaceMesh};
pub use target::check_format;

use glam::Vec2;
use wgpu::util::DeviceExt;

use self::gpu_data::{
    linear_rgba, Frame, OverlayVertex, Segment, SurfaceVertex, Tables, MODE_REGIONS, MODE_SCALAR,
};
use self::overlay::OverlayBuffers;
use self::target::{Target, DEPTH_FORMAT};
use super::camera::OrbitCamera;
use crate::output::colormap::ColorMap;
use crate::physics::units::{VM_NORM_MV, VM_REST_MV};
use crate::{Error, Result};

const SURFACE_WGSL: &str = include_str!("../../../shaders/surface.wgsl");
const OVERLAY_WGSL: &str = include_str!("../../../shaders/overlay.wgsl");

/// How a frame looks apart from its colour mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderStyle {
    /// sRGB background with alpha.
    pub background: [u8; 4],
    /// Shade the surface (false: flat colour-map colours, for tests that
    /// compare colours exactly).
    pub lit: bool,
}

impl Default for RenderStyle {
    fn default() -> Self {
        RenderStyle {
            background: [28, 30, 36, 255],
            lit: true,
        }
    }
}

/// Draws [`SurfaceMesh`]es and [`Overlays`] into its own offscreen target.
pub struct SurfaceRenderer {
    frame_buffer: wgpu::Buffer,
    frame_group: wgpu::BindGroup,
    field_layout: wgpu::BindGroupLayout,
    /// Bound in regions mode, where no field is read.
    empty_field: wgpu::BindGroup,
    surface_pipeline: wgpu::RenderPipeline,
    line_pipeline: wgpu::RenderPipeline,
    mesh_pipeline: wgpu::RenderPipeline,
    overlays: OverlayBuffers,
    target: Target,
}

impl SurfaceRenderer {
    /// Pipelines for a colour target of `format` (the egui shell's; see
    /// [`check_format`]). The target starts at 1 x 1: call [`Self::resize`].
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Result<SurfaceRenderer> {
        check_format(format)?;
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);

        let frame_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("viewer frame"),
            size: std::mem::size_of::<Frame>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let tables = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("viewer colour tables"),
            contents: bytemuck::bytes_of(&palette::tables()),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let uniform = |binding, visibility, size: usize| wgpu::BindGroupLayoutEntry {
            binding,
            visibility,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: wgpu::BufferSize::new(size as u64),
            },
            count: None,
        };
        let frame_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("viewer frame"),
            entries: &[
                uniform(
                    0,
                    wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
                    std::mem::size_of::<Frame>(),
                ),
                uniform(
                    1,
                    wgpu::ShaderStages::FRAGMENT,
                    std::mem::size_of::<Tables>(),
                ),
            ],
        });
        let frame_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("viewer frame"),
            layout: &frame_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: tables.as_entire_binding(),
                },
            ],
        });
        let field_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("viewer field"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { read_only: true },
                    has_dynamic_offset: false,
                    min_binding_size: wgpu::BufferSize::new(4),
                },
                count: None,
            }],
        });
        let empty = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("viewer empty field"),
            contents: bytemuck::bytes_of(&0f32),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let empty_field = field_group_on(device, &field_layout, "viewer empty field", &empty);

        let surface_module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("surface.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SURFACE_WGSL.into()),
        });
        let overlay_module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("overlay.wgsl"),
            source: wgpu::ShaderSource::Wgsl(OVERLAY_WGSL.into()),
        });
        let surface_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("viewer surface"),
            bind_group_layouts: &[Some(&frame_layout), Some(&field_layout)],
            immediate_size: 0,
        });
        let overlay_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("viewer overlay"),
            bind_group_layouts: &[Some(&frame_layout)],
            immediate_size: 0,
        });

        let surface_attrs = wgpu::vertex_attr_array![
            0 => Float32x3, 1 => Float32x3, 2 => Uint32, 3 => Uint32, 4 => Uint32
        ];
        // Explicit offsets: Segment has padding before its colour.
        let segment_attrs = [
            attr(0, wgpu::VertexFormat::Float32x3, 0),
            attr(1, wgpu::VertexFormat::Float32, 12),
            attr(2, wgpu::VertexFormat::Float32x3, 16),
            attr(3, wgpu::VertexFormat::Float32x4, 32),
        ];
        let mesh_attrs = wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x4];

        let opaque = PipelineSpec {
            label: "viewer surface",
            layout: &surface_layout,
            module: &surface_module,
            vs: "vs_main",
            fs: "fs_main",
            buffer: wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<SurfaceVertex>() as u64,
                step_mode: wgpu::VertexStepMode::Vertex,
                attributes: &surface_attrs,
            },
            format,
            // Two-sided: the inside of open surfaces shows too.
            cull: None,
            depth_write: true,
            depth_compare: wgpu::CompareFunction::Less,
            blend: None,
        };
        let surface_pipeline = opaque.build(device);
        let line_pipeline = PipelineSpec {
            label: "viewer lines",
            layout: &overlay_layout,
            module: &overlay_module,
            vs: "vs_line",
            fs: "fs_line",
            buffer: wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<Segment>() as u64,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &segment_attrs,
            },
            format,
            cull: None,
            // On top of everything: contours must show even where the
            // surface hides them.
            depth_write: false,
            depth_compare: wgpu::CompareFunction::Always,
            blend: Some(wgpu::BlendState::ALPHA_BLENDING),
        }
        .build(device);
        let mesh_pipeline = PipelineSpec {
            label: "viewer overlay meshes",
            layout: &overlay_layout,
            module: &overlay_module,
            vs: "vs_mesh",
            fs: "fs_mesh",
            buffer: wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<OverlayVertex>() as u64,
                step_mode: wgpu::VertexStepMode::Vertex,
                attributes: &mesh_attrs,
            },
            format,
            // Front faces only: one translucent layer, no sorting needed.
            cull: Some(wgpu::Face::Back),
            depth_write: false,
            depth_compare: wgpu::CompareFunction::LessEqual,
            blend: Some(wgpu::BlendState::ALPHA_BLENDING),
        }
        .build(device);

        if let Some(e) = pollster::block_on(validation.pop()) {
            return Err(Error::Gpu(format!("setting up the viewer renderer: {e}")));
        }
        Ok(SurfaceRenderer {
            frame_buffer,
            frame_group,
            field_layout,
            empty_field,
            surface_pipeline,
            line_pipeline,
            mesh_pipeline,
            overlays: OverlayBuffers::default(),
            target: Target::new(device, format, [1, 1]),
        })
    }

    /// Make the target `width` x `height` pixels (no-op when it already is;
    /// zero sides count as 1). After a change, [`Self::texture_view`] is a
    /// new view and [`Self::generation`] has moved on.
    pub fn resize(&mut self, device: &wgpu::Device, width: u32, height: u32) -> Result<()> {
        self.target.resize(device, [width, height])
    }

    /// Target size in pixels.
    pub fn size(&self) -> [u32; 2] {
        self.target.size
    }

    /// Target size as a viewport for [`OrbitCamera::ray`] and `pan`.
    pub fn viewport(&self) -> Vec2 {
        Vec2::new(self.target.size[0] as f32, self.target.size[1] as f32)
    }

    pub fn format(&self) -> wgpu::TextureFormat {
        self.target.format
    }

    /// The colour texture, for the egui shell to show.
    pub fn texture_view(&self) -> &wgpu::TextureView {
        &self.target.colour_view
    }

    pub fn texture(&self) -> &wgpu::Texture {
        &self.target.colour
    }

    /// Changes whenever the target is reallocated (re-register the texture).
    pub fn generation(&self) -> u64 {
        self.target.generation
    }

    /// Replace what is drawn over the surface.
    pub fn set_overlays(&mut self, device: &wgpu::Device, overlays: &Overlays) {
        self.overlays = OverlayBuffers::new(device, overlays);
    }

    /// Draw one frame of `surface` seen by `camera`, coloured by `mode`,
    /// with the current overlays, and submit it. The mode's buffers must
    /// live on `device` and hold one value per node of the surface's mesh.
    pub fn render(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        surface: &SurfaceMesh,
        camera: &OrbitCamera,
        mode: &ColourMode,
        style: &RenderStyle,
    ) -> Result<wgpu::SubmissionIndex> {
        let nodes = surface.geometry().solver_nodes;
        let (mut frame, field) = self.resolve(mode, nodes)?;
        let [w, h] = self.target.size;
        let aspect = w as f32 / h as f32;
        frame.view_proj = camera.view_proj(aspect).to_cols_array_2d();
        frame.eye = camera.eye().extend(1.0).to_array();
        // A headlight raised a little above and left of the eye, so that
        // faces square to the view are not all equally bright.
        let light = (camera.backward() + 0.35 * camera.up() - 0.25 * camera.right()).normalize();
        frame.light_dir = light.extend(0.0).to_array();
        frame.lit = u32::from(style.lit);
        frame.encode_srgb = u32::from(!self.target.format.is_srgb());
        frame.viewport = [w as f32, h as f32];
        let missing = Legend::MISSING_COLOUR;
        frame.missing_colour = linear_rgba([missing[0], missing[1], missing[2], 255]);
        queue.write_buffer(&self.frame_buffer, 0, bytemuck::bytes_of(&frame));

        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("viewer frame"),
        });
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("viewer"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &self.target.colour_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(self.clear_colour(style.background)),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.target.depth_view,
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(1.0),
                        store: wgpu::StoreOp::Discard,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_group, &[]);
            pass.set_pipeline(&self.surface_pipeline);
            pass.set_bind_group(1, field, &[]);
            pass.set_vertex_buffer(0, surface.vertices.slice(..));
            pass.set_index_buffer(surface.indices.slice(..), wgpu::IndexFormat::Uint32);
            pass.draw_indexed(0..surface.index_count, 0, 0..1);
            if let Some((vertices, indices, count)) = &self.overlays.meshes {
                pass.set_pipeline(&self.mesh_pipeline);
                pass.set_vertex_buffer(0, vertices.slice(..));
                pass.set_index_buffer(indices.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..*count, 0, 0..1);
            }
            if let Some((segments, count)) = &self.overlays.segments {
                pass.set_pipeline(&self.line_pipeline);
                pass.set_vertex_buffer(0, segments.slice(..));
                pass.draw(0..6, 0..*count);
            }
        }
        let index = queue.submit([enc.finish()]);
        if let Some(e) = pollster::block_on(validation.pop()) {
            return Err(Error::Gpu(format!("drawing the viewer frame: {e}")));
        }
        Ok(index)
    }

    /// Read the last frame back as RGBA8 (sRGB bytes), waiting for it.
    pub fn read_back_rgba(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
    ) -> Result<image::RgbaImage> {
        self.target.read_back(device, queue)
    }

    /// A bind group reading `buffer` (STORAGE, f32 per node) in the vertex
    /// shader.
    pub(crate) fn field_group(
        &self,
        device: &wgpu::Device,
        label: &str,
        buffer: &wgpu::Buffer,
    ) -> wgpu::BindGroup {
        field_group_on(device, &self.field_layout, label, buffer)
    }

    /// The frame uniform's value mapping and the field to bind for `mode`.
    fn resolve<'m>(
        &'m self,
        mode: &'m ColourMode,
        nodes: usize,
    ) -> Result<(Frame, &'m wgpu::BindGroup)> {
        let mut frame: Frame = bytemuck::Zeroable::zeroed();
        let check = |have: usize, what: &str| {
            if have == nodes {
                Ok(())
            } else {
                Err(Error::Unsupported(format!(
                    "{what} holds {have} values but the drawn mesh has {nodes} nodes"
                )))
            }
        };
        let mut map = |legend: &Legend, scale: f32, offset: f32, missing_below: f32| {
            frame.mode = MODE_SCALAR;
            frame.scale = scale;
            frame.offset = offset;
            frame.min = legend.min as f32;
            frame.max = legend.max as f32;
            frame.missing_below = missing_below;
            frame.lut_offset = palette::lut_offset(legend.colormap);
            frame.isoline_step = legend
                .isolines
                .filter(|s| s.is_finite() && *s > 0.0)
                .unwrap_or(0.0) as f32;
        };
        let group = match mode {
            ColourMode::SolverVm {
                fields,
                parity,
                legend,
            } => {
                check(fields.node_count(), "the solver state")?;
                map(legend, VM_NORM_MV as f32, VM_REST_MV as f32, -f32::MAX);
                frame.index_by_solver = 1;
                &fields.u[parity % 2]
            }
            ColourMode::SolverLat { fields, legend } => {
                check(fields.node_count(), "the solver state")?;
                // NO_TIME (-1) and any negative time: never activated.
                map(legend, 1.0, 0.0, 0.0);
                frame.index_by_solver = 1;
                &fields.lat
            }
            ColourMode::Scalar { field, legend } => {
                check(field.len(), "the scalar field")?;
                map(legend, 1.0, 0.0, -1e38);
                frame.index_by_solver = u32::from(field.order() == NodeOrder::Solver);
                &field.group
            }
            ColourMode::Regions => {
                frame.mode = MODE_REGIONS;
                frame.lut_offset = palette::lut_offset(ColorMap::Turbo);
                &self.empty_field
            }
        };
        Ok((frame, group))
    }

    fn clear_colour(&self, c: [u8; 4]) -> wgpu::Color {
        // Clear values are in the shader's output space: linear for sRGB
        // targets, the bytes themselves otherwise.
        let v = if self.target.format.is_srgb() {
            linear_rgba(c)
        } else {
            c.map(|x| f32::from(x) / 255.0)
        };
        wgpu::Color {
            r: f64::from(v[0]),
            g: f64::from(v[1]),
            b: f64::from(v[2]),
            a: f64::from(v[3]),
        }
    }
}

fn field_group_on(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    label: &str,
    buffer: &wgpu::Buffer,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: buffer.as_entire_binding(),
        }],
    })
}

fn attr(location: u32, format: wgpu::VertexFormat, offset: u64) -> wgpu::VertexAttribute {
    wgpu::VertexAttribute {
        format,
        offset,
        shader_location: location,
    }
}

/// The parts in which the three pipelines differ.
struct PipelineSpec<'a> {
    label: &'a str,
    layout: &'a wgpu::PipelineLayout,
    module: &'a wgpu::ShaderModule,
    vs: &'a str,
    fs: &'a str,
    buffer: wgpu::VertexBufferLayout<'a>,
    format: wgpu::TextureFormat,
    cull: Option<wgpu::Face>,
    depth_write: bool,
    depth_compare: wgpu::CompareFunction,
    blend: Option<wgpu::BlendState>,
}

impl PipelineSpec<'_> {
    fn build(self, device: &wgpu::Device) -> wgpu::RenderPipeline {
        device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(self.label),
            layout: Some(self.layout),
            vertex: wgpu::VertexState {
                module: self.module,
                entry_point: Some(self.vs),
                compilation_options: Default::default(),
                buffers: &[Some(self.buffer)],
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleList,
                front_face: wgpu::FrontFace::Ccw,
                cull_mode: self.cull,
                ..Default::default()
            },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(self.depth_write),
                depth_compare: Some(self.depth_compare),
                stencil: wgpu::StencilState::default(),
                bias: wgpu::DepthBiasState::default(),
            }),
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: self.module,
                entry_point: Some(self.fs),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: self.format,
                    blend: self.blend,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        })
    }
}
