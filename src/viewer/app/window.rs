//! The eframe window around [`ViewerApp`]: device with the solver's limits,
//! screenshots of the real framebuffer, a clear error without an adapter
//! or a display.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::{feedback, gpu, Launch, ViewerApp};
use crate::{Error, Result};

/// A scripted run of the real window (CI runs it under Xvfb, as bevy runs
/// its examples): after `frames` frames, save the window's own framebuffer
/// to `shot` and close. It exercises what the headless path cannot: winit,
/// the swapchain surface and eframe's screenshot read-back.
#[derive(Debug, Clone)]
pub struct Smoke {
    pub frames: u32,
    pub shot: PathBuf,
}

/// The window's app: the viewer plus the optional smoke script.
struct WindowApp {
    app: ViewerApp,
    smoke: Option<Smoke>,
    frames_shown: u32,
    /// Outcome of the smoke screenshot, filled by eframe's callback.
    smoke_outcome: Arc<Mutex<Option<std::result::Result<String, String>>>>,
}

impl eframe::App for WindowApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.show(ui);
        if let Some(path) = self.app.take_screenshot_request() {
            // The window's framebuffer is eframe's: ask it for the pixels;
            // they are saved when they arrive and the outcome is shown in a
            // later frame.
            let done = self.app.shots.sender();
            ui.ctx().request_screenshot(move |image| {
                done.send(feedback::save_color_image(&image, &path));
            });
        }
        self.frames_shown += 1;
        if let Some(smoke) = &self.smoke {
            if self.frames_shown == smoke.frames {
                let path = smoke.shot.clone();
                let outcome = Arc::clone(&self.smoke_outcome);
                let ctx = ui.ctx().clone();
                ui.ctx().request_screenshot(move |image| {
                    let saved = feedback::save_color_image(&image, &path);
                    if let Ok(mut slot) = outcome.lock() {
                        *slot = Some(saved);
                    }
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                });
            }
            // Keep frames coming until the script is done (egui would
            // otherwise sleep until input arrives).
            ui.ctx().request_repaint();
        }
    }
}

/// Open the desktop window. Fails with a clear message when there is no
/// adapter or no display.
pub fn run_window(launch: Launch, smoke: Option<Smoke>) -> Result<()> {
    if !gpu::any_adapter() {
        return Err(Error::Gpu(gpu::NO_ADAPTER_HELP.into()));
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("cardiotwin")
            .with_inner_size([1280.0, 800.0]),
        renderer: eframe::Renderer::Wgpu,
        wgpu_options: gpu::window_configuration(),
        ..Default::default()
    };
    let smoke_wanted = smoke.is_some();
    let outcome = Arc::new(Mutex::new(None));
    let outcome_slot = Arc::clone(&outcome);
    eframe::run_native(
        "cardiotwin",
        options,
        Box::new(move |cc| {
            let render_state = cc
                .wgpu_render_state
                .clone()
                .ok_or_else(|| Error::Gpu(gpu::NO_ADAPTER_HELP.into()))?;
            Ok(Box::new(WindowApp {
                app: ViewerApp::new(render_state, launch),
                smoke,
                frames_shown: 0,
                smoke_outcome: Arc::clone(&outcome_slot),
            }))
        }),
    )
    .map_err(|e| {
        Error::Gpu(format!(
            "could not open the window: {e}. Without a display, use \
             `cardiotwin view --screenshot OUT.png PATH`"
        ))
    })?;
    if !smoke_wanted {
        return Ok(());
    }
    let saved = outcome.lock().ok().and_then(|mut slot| slot.take());
    match saved {
        Some(Ok(_)) => Ok(()),
        Some(Err(e)) => Err(Error::Gpu(format!("window screenshot: {e}"))),
        None => Err(Error::Gpu(
            "the window closed before its screenshot arrived".into(),
        )),
    }
}
