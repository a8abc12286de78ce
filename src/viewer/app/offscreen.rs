//! Paint a finished egui frame into an offscreen texture and read it back:
//! the whole window (panels + 3D view) without a window system, for
//! `view --screenshot`, `view --frame-time` and the tests.

use std::time::Duration;

use eframe::egui;
use eframe::egui_wgpu::{RenderState, ScreenDescriptor};
use image::RgbaImage;

use crate::solver::gpu::GpuContext;
use crate::viewer::render::target::read_texture_rgba;
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
        read_texture_rgba(self.gpu.device(), self.gpu.queue(), target)
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
