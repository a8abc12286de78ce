//! The central 3D view: the renderer's offscreen texture shown as an egui
//! image, and mouse input turned into camera moves and clicks.
//!
//! Drag = orbit; right/middle drag or shift-drag = pan; scroll = zoom;
//! click = pace there (or show its trace in trace mode / with ctrl/cmd).

use eframe::egui;
use glam::Vec2;

use super::{ClickMode, ViewerApp};

/// Zoom per scroll point (egui scroll deltas are in points).
const ZOOM_PER_POINT: f32 = 0.002;

/// A click in the view, in viewport pixels (top-left origin).
#[derive(Debug, Clone, Copy)]
pub struct ViewClick {
    pub pixel: Vec2,
    pub viewport: Vec2,
    pub mode: ClickMode,
}

pub fn show(ui: &mut egui::Ui, app: &mut ViewerApp) {
    let rect = ui.available_rect_before_wrap();
    let response = ui.allocate_rect(rect, egui::Sense::click_and_drag());
    app.view_rect = Some(rect);
    let ppp = ui.ctx().pixels_per_point();
    let viewport = Vec2::new(rect.width() * ppp, rect.height() * ppp);
    let click = handle_input(ui, &response, app, viewport, ppp);
    if let Some(click) = click {
        app.view_clicked(click);
    }
    let size = [
        (viewport.x.round() as u32).max(1),
        (viewport.y.round() as u32).max(1),
    ];
    match app.render_view(size) {
        Some(id) => {
            let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            ui.painter().image(id, rect, uv, egui::Color32::WHITE);
            let labels = app.region_labels_on_show(viewport);
            let drawn = super::annotations::paint(
                &ui.painter().with_clip_rect(rect),
                rect,
                ppp,
                &app.camera,
                &labels,
            );
            app.annotations = Some(drawn);
        }
        None => {
            ui.painter()
                .rect_filled(rect, 0.0, egui::Color32::from_gray(24));
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                app.view_placeholder(),
                egui::FontId::proportional(16.0),
                egui::Color32::from_gray(200),
            );
        }
    }
    if app.is_loading() {
        let spinner = egui::Rect::from_center_size(rect.center(), egui::vec2(48.0, 48.0));
        ui.put(spinner, egui::Spinner::new().size(48.0));
    }
}

/// Camera moves from drags and scrolls; returns a click to act on.
fn handle_input(
    ui: &egui::Ui,
    response: &egui::Response,
    app: &mut ViewerApp,
    viewport: Vec2,
    ppp: f32,
) -> Option<ViewClick> {
    let shift = ui.input(|i| i.modifiers.shift);
    if response.dragged() {
        let d = response.drag_delta() * ppp;
        let pan = shift
            || response.dragged_by(egui::PointerButton::Secondary)
            || response.dragged_by(egui::PointerButton::Middle);
        if pan {
            app.camera.pan(d.x, d.y, viewport);
        } else if response.dragged_by(egui::PointerButton::Primary) {
            app.camera.orbit(d.x, d.y);
        }
    }
    if response.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            app.camera.zoom((scroll * ZOOM_PER_POINT).exp());
        }
    }
    if !response.clicked() {
        return None;
    }
    let pos = response.interact_pointer_pos()?;
    let local = (pos - response.rect.min) * ppp;
    let command = ui.input(|i| i.modifiers.command);
    let mode = if command {
        ClickMode::Trace
    } else {
        app.click_mode
    };
    Some(ViewClick {
        pixel: Vec2::new(local.x, local.y),
        viewport,
        mode,
    })
}
