//! The app without a window: a headless device (solver limits), an
//! `egui::Context` fed synthetic input, and [`UiPainter`] painting each
//! frame offscreen. `view --screenshot`, `view --frame-time` and the tests
//! run the very same [`ViewerApp::show`] as the window.

use std::path::Path;
use std::time::{Duration, Instant};

use eframe::egui;
use eframe::egui_wgpu::{self, RenderState};
use image::RgbaImage;

use super::offscreen::{save_png_atomic, UiPainter};
use super::{gpu, Launch, ViewerApp};
use crate::{Error, Result};

/// Longest wait for a mesh or scenario to load before a screenshot.
const LOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Frames run after loading so that egui's layout (which sizes some
/// widgets from the previous frame) has settled.
const SETTLE_FRAMES: usize = 3;

/// A [`ViewerApp`] driven frame by frame without a window.
pub struct HeadlessApp {
    pub app: ViewerApp,
    ctx: egui::Context,
    painter: UiPainter,
    size: [u32; 2],
    /// egui's clock (s), advanced by one 60 Hz frame per [`Self::frame`]
    /// so animations and double-click timing behave.
    time_s: f64,
}

/// What a screenshot showed.
#[derive(Debug, Clone)]
pub struct Shot {
    /// Simulated time at the picture, ms.
    pub time_ms: f64,
    pub adapter: String,
}

impl HeadlessApp {
    /// A headless device of its own (egui's default renderer options).
    pub fn new(launch: Launch, size: [u32; 2]) -> Result<HeadlessApp> {
        let (render_state, _) = gpu::headless(egui_wgpu::RendererOptions::default())?;
        Ok(HeadlessApp::with_render_state(render_state, launch, size))
    }

    /// On a render state the caller made (tests share one per binary).
    pub fn with_render_state(
        render_state: RenderState,
        launch: Launch,
        size: [u32; 2],
    ) -> HeadlessApp {
        let painter = UiPainter::new(render_state.clone(), gpu::solver_context(&render_state));
        let ctx = egui::Context::default();
        // No animations: a headless frame must look like the state it shows.
        ctx.all_styles_mut(|style| style.animation_time = 0.0);
        let app = ViewerApp::new(render_state, launch);
        HeadlessApp {
            app,
            ctx,
            painter,
            size,
            time_s: 0.0,
        }
    }

    pub fn context(&self) -> &egui::Context {
        &self.ctx
    }

    /// Run one UI pass with `events` and paint it (submitted, not waited
    /// for). A screenshot requested by the button is written here.
    pub fn frame_with(&mut self, events: Vec<egui::Event>) -> Result<()> {
        self.time_s += 1.0 / 60.0;
        let mut input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(self.size[0] as f32, self.size[1] as f32),
            )),
            time: Some(self.time_s),
            predicted_dt: 1.0 / 60.0,
            events,
            ..Default::default()
        };
        if let Some(viewport) = input.viewports.get_mut(&egui::ViewportId::ROOT) {
            viewport.native_pixels_per_point = Some(1.0);
        }
        let app = &mut self.app;
        let output = self.ctx.run_ui(input, |ui| app.show(ui));
        self.painter.paint(&self.ctx, output)?;
        if let Some(path) = self.app.take_screenshot_request() {
            match self.save(&path) {
                Ok(()) => self.app.notice = Some(format!("wrote {}", path.display())),
                Err(e) => self.app.report(e),
            }
        }
        Ok(())
    }

    /// One frame without input.
    pub fn frame(&mut self) -> Result<()> {
        self.frame_with(Vec::new())
    }

    /// Wait for the GPU to finish the frames submitted so far.
    pub fn wait(&self) -> Result<()> {
        self.painter.wait()
    }

    /// Run frames until the app has finished loading (or `timeout`), then
    /// a few more so the layout settles. Fails with the app's first error
    /// when loading failed.
    pub fn settle(&mut self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        self.frame()?;
        while self.app.is_loading() {
            if start.elapsed() > timeout {
                return Err(Error::Unsupported(format!(
                    "loading did not finish within {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
            self.frame()?;
        }
        if let Some(first) = self.app.errors.first() {
            return Err(Error::Unsupported(first.clone()));
        }
        // A picture of an appendage should show the device in place.
        self.app.wait_for_placement();
        for _ in 0..SETTLE_FRAMES {
            self.frame()?;
        }
        self.wait()
    }

    /// The last painted frame.
    pub fn read_back(&self) -> Result<RgbaImage> {
        self.painter.read_back()
    }

    /// Write the last painted frame as PNG (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        save_png_atomic(&self.read_back()?, path)
    }
}

/// `view --screenshot`: load, simulate to `launch.time_ms`, paint the whole
/// window at `size` and write it to `out`.
pub fn screenshot(launch: &Launch, size: [u32; 2], out: &Path) -> Result<Shot> {
    let mut headless = HeadlessApp::new(launch.clone(), size)?;
    headless.settle(LOAD_TIMEOUT)?;
    headless.save(out)?;
    Ok(Shot {
        time_ms: headless.app.sim_status().map(|s| s.time_ms).unwrap_or(0.0),
        adapter: headless.app.gpu().adapter_name(),
    })
}
