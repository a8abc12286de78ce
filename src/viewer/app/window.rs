//! The eframe window around [`ViewerApp`]: device with the solver's limits,
//! screenshots of the real framebuffer, a clear error without an adapter
//! or a display.

use eframe::egui;

use super::{feedback, gpu, Launch, ViewerApp};
use crate::{Error, Result};

impl eframe::App for ViewerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
        if let Some(path) = self.take_screenshot_request() {
            // The window's framebuffer is eframe's: ask it for the pixels;
            // they are saved when they arrive and the outcome is shown in a
            // later frame.
            let done = self.shots.sender();
            ui.ctx().request_screenshot(move |image| {
                done.send(feedback::save_color_image(&image, &path));
            });
        }
    }
}

/// Open the desktop window. Fails with a clear message when there is no
/// adapter or no display.
pub fn run_window(launch: Launch) -> Result<()> {
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
    eframe::run_native(
        "cardiotwin",
        options,
        Box::new(move |cc| {
            let render_state = cc
                .wgpu_render_state
                .clone()
                .ok_or_else(|| Error::Gpu(gpu::NO_ADAPTER_HELP.into()))?;
            Ok(Box::new(ViewerApp::new(render_state, launch)))
        }),
    )
    .map_err(|e| {
        Error::Gpu(format!(
            "could not open the window: {e}. Without a display, use \
             `cardiotwin view --screenshot OUT.png PATH`"
        ))
    })
}
