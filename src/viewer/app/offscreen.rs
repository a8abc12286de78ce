//! Paint a finished egui frame into an offscreen texture and read it back:
//! the whole window (panels + 3D view) without a window system, for
//! `view --screenshot`, `view --frame-time` and the tests.

use std::time::Duration;

use eframe::egui;
use eframe::egui_wgpu::{RenderState, ScreenDescriptor};
use image::RgbaImage;

use crate::solver::gpu::buffers::map_read;
use crate::solver::gpu::GpuContext;
use crate::{Error, Result};

/// Longest wait for one frame on the GPU; lavapipe can be slow on big meshes.
const FRAME_TIMEOUT: Duration = Duration::from_secs(120);

/// Background behind the egui panels (they are opaque; this only shows
/// where nothing was painted).
const CLEAR: wgpu::Color = wgpu::Color {
    r: 0.1,
    g: 0.1,
    b: 0.1,
    a: 1.0,
};

/// Paints egui frames with the render state's renderer into a texture of
/// its target format (Rgba8Unorm when there is no surface).
pub struct UiPainter {
    render_state: RenderState,
    gpu: GpuContext,
    target: Option<wgpu::Texture>,
}

impl UiPainter {
    pub fn new(render_state: RenderState, gpu: GpuContext) -> UiPainter {
        UiPainter {
            render_state,
            gpu,
            target: None,
        }
    }

    /// Upload the frame's texture changes, tessellate and paint it;
    /// returns once the GPU has the work (call [`Self::read_back`] for
    /// pixels, or [`Self::wait`] to time a frame).
    pub fn paint(&mut self, ctx: &egui::Context, mut output: egui::FullOutput) -> Result<()> {
        // Taken so that every delta is applied (or freed) exactly once:
        // epaint insists, and a skipped upload would show a blank glyph.
        let mut textures = std::mem::take(&mut output.textures_delta);
        let ppp = output.pixels_per_point;
        let size = ctx.content_rect().size() * ppp;
        let size_px = [
            (size.x.round() as u32).max(1),
            (size.y.round() as u32).max(1),
        ];
        let target = self.target_of(size_px);
        let view = target.create_view(&wgpu::TextureViewDescriptor::default());
        let device = &self.render_state.device;
        let queue = &self.render_state.queue;
        let screen = ScreenDescriptor {
            size_in_pixels: size_px,
            pixels_per_point: ppp,
        };
        let mut renderer = self.render_state.renderer.write();
        for (id, deltas) in textures.set.drain() {
            for delta in deltas {
                renderer.update_texture(device, queue, id, &delta);
            }
        }
        let jobs = ctx.tessellate(output.shapes, ppp);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("viewer ui (offscreen)"),
        });
        let user = renderer.update_buffers(device, queue, &mut encoder, &jobs, &screen);
        {
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("viewer ui pass"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &view,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(CLEAR),
                            store: wgpu::StoreOp::Store,
                        },
                        depth_slice: None,
                    })],
                    ..Default::default()
                })
                .forget_lifetime();
            renderer.render(&mut pass, &jobs, &screen);
        }
        queue.submit(user.into_iter().chain(std::iter::once(encoder.finish())));
        for id in textures.free.drain() {
            renderer.free_texture(&id);
        }
        Ok(())
    }

    /// Wait until everything submitted so far has run.
    pub fn wait(&self) -> Result<()> {
        crate::solver::gpu::buffers::wait_idle(&self.gpu, FRAME_TIMEOUT, "the viewer frame")
    }

    /// The last painted frame as RGBA8.
    pub fn read_back(&self) -> Result<RgbaImage> {
        let target = self
            .target
            .as_ref()
            .ok_or_else(|| Error::Gpu("no viewer frame was painted yet".into()))?;
        read_texture_rgba(&self.gpu, target)
    }

    /// The render target, remade only when the window size changes.
    fn target_of(&mut self, size_px: [u32; 2]) -> wgpu::Texture {
        if let Some(t) = &self.target {
            if t.width() == size_px[0] && t.height() == size_px[1] {
                return t.clone();
            }
        }
        let t = self
            .render_state
            .device
            .create_texture(&wgpu::TextureDescriptor {
                label: Some("viewer window (offscreen)"),
                size: wgpu::Extent3d {
                    width: size_px[0],
                    height: size_px[1],
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: self.render_state.target_format,
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
                view_formats: &[],
            });
        self.target = Some(t.clone());
        t
    }
}

/// Copy an 8-bit RGBA or BGRA texture to the CPU. Rows in the copy buffer
/// are padded to wgpu's 256-byte `COPY_BYTES_PER_ROW_ALIGNMENT`; the
/// padding is dropped here, and BGRA is swizzled to RGBA.
pub fn read_texture_rgba(gpu: &GpuContext, texture: &wgpu::Texture) -> Result<RgbaImage> {
    let (width, height) = (texture.width(), texture.height());
    let bgra = match texture.format() {
        wgpu::TextureFormat::Rgba8Unorm | wgpu::TextureFormat::Rgba8UnormSrgb => false,
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb => true,
        other => {
            return Err(Error::Gpu(format!(
                "cannot read back a {other:?} texture as RGBA8"
            )))
        }
    };
    let unpadded = 4 * width;
    let padded =
        unpadded.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    let bytes = u64::from(padded) * u64::from(height);
    let staging = gpu.device().create_buffer(&wgpu::BufferDescriptor {
        label: Some("viewer read-back"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = gpu
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("viewer read-back"),
        });
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &staging,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded),
                rows_per_image: None,
            },
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    gpu.queue().submit(std::iter::once(encoder.finish()));
    let raw = map_read(gpu, &staging, bytes, FRAME_TIMEOUT, "the viewer frame")?;
    let mut rgba = Vec::with_capacity((unpadded * height) as usize);
    for row in raw.chunks_exact(padded as usize) {
        rgba.extend_from_slice(&row[..unpadded as usize]);
    }
    if bgra {
        for px in rgba.chunks_exact_mut(4) {
            px.swap(0, 2);
        }
    }
    RgbaImage::from_raw(width, height, rgba)
        .ok_or_else(|| Error::Gpu("read-back size does not match the texture".into()))
}

/// Write an image as PNG atomically (a reader never sees half a file).
pub fn save_png_atomic(image: &RgbaImage, path: &std::path::Path) -> Result<()> {
    crate::output::atomic::write_atomic(path, |w| {
        let mut buf = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut buf, image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        w.write_all(buf.get_ref())
    })
}
