//! The app's side of the 3D view: one [`SurfaceRenderer`] for the app's
//! life, the open mesh's surface and solver bindings, and the egui texture
//! id of the renderer's colour target (registered once, re-pointed only
//! when the target is reallocated on resize).

use eframe::egui;
use eframe::egui_wgpu::RenderState;

use super::content::Content;
use super::ColourMode;
use crate::viewer::camera::OrbitCamera;
use crate::viewer::render::{
    self, Overlays, RenderStyle, SolverFields, SurfaceMesh, SurfaceRenderer,
};
use crate::{Error, Result};

/// egui-wgpu shows native textures of this format only.
const VIEW_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// GPU resources of the open mesh: its surface and bind groups over the
/// session's own u and lat buffers (nothing is copied per frame).
struct SceneGpu {
    surface: SurfaceMesh,
    fields: SolverFields,
}

#[derive(Default)]
pub struct Scene3d {
    renderer: Option<SurfaceRenderer>,
    scene: Option<SceneGpu>,
    /// egui's id for the renderer's colour target, and the target
    /// generation it points at.
    texture: Option<(egui::TextureId, u64)>,
    /// Overlays last uploaded (re-uploaded only when they change).
    overlays: Overlays,
    /// A failure to set up drawing, shown instead of the view (and
    /// reported once).
    failed: Option<String>,
}

impl Scene3d {
    /// A new mesh was opened: its surface is built on the next frame.
    pub fn scene_changed(&mut self) {
        self.scene = None;
        self.failed = None;
    }

    /// Why the view cannot be drawn, if it cannot.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// Draw `content` at `size` pixels and return the texture to show.
    /// Errors are returned once; the view then shows the message until a
    /// new mesh is opened.
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &mut self,
        render_state: &RenderState,
        content: &mut Content,
        camera: &OrbitCamera,
        colour: ColourMode,
        overlays: &Overlays,
        size: [u32; 2],
    ) -> Result<Option<egui::TextureId>> {
        if self.failed.is_some() {
            return Ok(None);
        }
        match self.try_render(render_state, content, camera, colour, overlays, size) {
            Ok(id) => Ok(Some(id)),
            Err(e) => {
                self.failed = Some(e.to_string());
                Err(e)
            }
        }
    }

    fn try_render(
        &mut self,
        render_state: &RenderState,
        content: &mut Content,
        camera: &OrbitCamera,
        colour: ColourMode,
        overlays: &Overlays,
        size: [u32; 2],
    ) -> Result<egui::TextureId> {
        let device = &render_state.device;
        let queue = &render_state.queue;
        let renderer = match &mut self.renderer {
            Some(r) => r,
            None => self
                .renderer
                .insert(SurfaceRenderer::new(device, VIEW_FORMAT)?),
        };
        let session = &content.session;
        let backend = session
            .gpu()
            .ok_or_else(|| Error::Gpu("the 3D view needs the simulation on the GPU".into()))?;
        let scene = match &mut self.scene {
            Some(s) => s,
            None => self.scene.insert(SceneGpu {
                surface: SurfaceMesh::new(device, session.mesh(), Some(session.order()))?,
                fields: SolverFields::new(renderer, device, backend),
            }),
        };
        if *overlays != self.overlays {
            renderer.set_overlays(device, overlays);
            self.overlays = overlays.clone();
        }
        renderer.resize(device, size[0], size[1])?;
        let mode = match colour {
            ColourMode::Vm => render::ColourMode::vm(&scene.fields, backend),
            ColourMode::Lat => {
                let (lo, hi) = content
                    .lat
                    .as_ref()
                    .and_then(|l| l.range)
                    .unwrap_or((0.0, 1.0));
                render::ColourMode::SolverLat {
                    fields: &scene.fields,
                    legend: super::lat_legend(lo, hi),
                }
            }
            ColourMode::Regions => render::ColourMode::Regions,
        };
        renderer.render(
            device,
            queue,
            &scene.surface,
            camera,
            &mode,
            &RenderStyle::default(),
        )?;
        let generation = renderer.generation();
        let mut egui_renderer = render_state.renderer.write();
        let id = match self.texture {
            Some((id, g)) if g == generation => id,
            Some((id, _)) => {
                egui_renderer.update_egui_texture_from_wgpu_texture(
                    device,
                    renderer.texture_view(),
                    wgpu::FilterMode::Linear,
                    id,
                );
                id
            }
            None => egui_renderer.register_native_texture(
                device,
                renderer.texture_view(),
                wgpu::FilterMode::Linear,
            ),
        };
        self.texture = Some((id, generation));
        Ok(id)
    }
}
