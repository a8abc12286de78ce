//! The left panel: file, teaching gallery, simulation controls, colour map
//! and legend, device placement (LAA anatomies), camera.

use std::path::PathBuf;

use eframe::egui;

use super::{ClickMode, ColourMode, ViewerApp};
use crate::viewer::camera::StandardView;

/// Label of the face-on view of a sheet.
pub const PLAN_VIEW: &str = "Plan (x right, y up)";

/// Playback speeds offered by the slider: simulated ms per wall-clock
/// second.
pub const SPEED_RANGE_MS_PER_S: std::ops::RangeInclusive<f64> = 1.0..=500.0;

pub fn show(ui: &mut egui::Ui, app: &mut ViewerApp) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        file_section(ui, app);
        ui.separator();
        gallery_section(ui, app);
        ui.separator();
        if app.lesson_controls().is_some() {
            lesson_section(ui, app);
            ui.separator();
        }
        // On an appendage, placing the device is the job at hand: its
        // controls come before the simulation's.
        if app.has_placement() {
            super::placement_panel::show(ui, app);
            ui.separator();
        }
        simulation_section(ui, app);
        ui.separator();
        colour_section(ui, app);
        ui.separator();
        camera_section(ui, app);
    });
}

fn file_section(ui: &mut egui::Ui, app: &mut ViewerApp) {
    ui.heading("File");
    ui.horizontal(|ui| {
        let field = ui.add(
            egui::TextEdit::singleline(&mut app.path_field)
                .hint_text("mesh or scenario .toml")
                .desired_width(180.0),
        );
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Open").clicked() || enter {
            let text = app.path_field.trim().to_string();
            if text.is_empty() {
                app.report("type the path of a mesh or scenario file first");
            } else {
                app.open(PathBuf::from(text));
            }
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Screenshot").clicked() {
            let path = app.next_screenshot_path();
            app.request_screenshot(path);
        }
        if let Some(note) = &app.notice {
            ui.label(note);
        }
    });
    if let Some(name) = app.loaded_name() {
        ui.strong(format!("Showing {name}"));
        if let Some(why) = app.placement_unavailable() {
            // A 3-D surface where no appendage was found: no device panel,
            // but the reason, in case the user expected one.
            ui.small(format!("No device placement: {why}"));
        }
        if let Some(text) = app.loaded_description().map(str::to_string) {
            egui::CollapsingHeader::new("About this scenario")
                .default_open(false)
                .show(ui, |ui| ui.label(text));
        }
    }
}

fn gallery_section(ui: &mut egui::Ui, app: &mut ViewerApp) {
    let nothing_open = app.loaded_name().is_none() && !app.is_loading();
    egui::CollapsingHeader::new("Teaching gallery")
        .default_open(nothing_open)
        .show(ui, |ui| {
            if let Some(why) = app.gallery_error() {
                ui.label(format!("The lessons could not be loaded: {why}"));
            }
            let mut chosen = None;
            for (i, lesson) in app.lessons().iter().enumerate() {
                ui.horizontal(|ui| {
                    if ui.small_button("Open lesson").clicked() {
                        chosen = Some(i);
                    }
                    egui::CollapsingHeader::new(&lesson.title)
                        .id_salt(("lesson", i))
                        .show(ui, |ui| ui.label(&lesson.description));
                });
            }
            if let Some(i) = chosen {
                app.open_lesson(i);
            }
        });
}

/// The open lesson's question and its parameters as sliders; a slider
/// re-prepares the lesson when it is let go (or set by keyboard or a
/// screen reader), not at every step of a drag.
fn lesson_section(ui: &mut egui::Ui, app: &mut ViewerApp) {
    let Some(controls) = app.lesson_controls() else {
        return;
    };
    ui.heading("Lesson");
    ui.label(egui::RichText::new(&controls.question).italics());
    let mut apply = false;
    for (i, (spec, &value)) in controls.knobs.iter().zip(&controls.values).enumerate() {
        let mut v = value;
        let slider = egui::Slider::new(&mut v, spec.min..=spec.max)
            .logarithmic(spec.logarithmic)
            .text(spec.label);
        let response = ui.add_enabled(!app.is_loading(), slider);
        if v != value {
            app.set_lesson_draft(i, v);
        }
        apply |= response.drag_stopped() || (response.changed() && !response.dragged());
    }
    if apply {
        app.apply_lesson_draft();
    }
    if controls.changed {
        ui.small(
            "Changed from the lesson's own values: the figures in its description \
             are for those.",
        );
        if ui.button(RESTORE_LESSON).clicked() {
            app.restore_lesson_values();
        }
    }
}

/// Label of the button that puts a lesson's own values back.
pub const RESTORE_LESSON: &str = "Restore the lesson's values";

fn simulation_section(ui: &mut egui::Ui, app: &mut ViewerApp) {
    ui.heading("Simulation");
    let Some(status) = app.sim_status() else {
        ui.label("Open a mesh, scenario or lesson to simulate.");
        return;
    };
    ui.horizontal(|ui| {
        let label = if status.playing { "Pause" } else { "Play" };
        if ui.button(label).clicked() {
            app.set_playing(!status.playing);
        }
        if ui.button("Step").clicked() {
            app.step_once();
        }
        if ui.button("Reset").clicked() {
            app.reset_simulation();
        }
    });
    let mut speed = status.speed_ms_per_s;
    let slider = egui::Slider::new(&mut speed, SPEED_RANGE_MS_PER_S)
        .logarithmic(true)
        .text("ms per s");
    if ui.add(slider).changed() {
        app.set_speed(speed);
    }
    ui.label(format!("t = {:.1} ms", status.time_ms));
    ui.horizontal(|ui| {
        ui.label("Click:");
        ui.radio_value(&mut app.click_mode, ClickMode::Pace, "Pace");
        ui.radio_value(&mut app.click_mode, ClickMode::Trace, "Trace");
    });
    ui.small("Ctrl-click always picks a trace point.");
}

fn colour_section(ui: &mut egui::Ui, app: &mut ViewerApp) {
    ui.heading("Colour");
    ui.horizontal(|ui| {
        for mode in ColourMode::ALL {
            ui.radio_value(&mut app.colour, mode, mode.label());
        }
    });
    if let Some(legend) = app.legend() {
        super::legend::show(ui, &legend);
    }
}

fn camera_section(ui: &mut egui::Ui, app: &mut ViewerApp) {
    ui.heading("Camera");
    ui.horizontal_wrapped(|ui| {
        if ui.button("Reset camera").clicked() {
            app.reset_camera();
        }
        for view in StandardView::ALL {
            if ui.button(view.label()).clicked() {
                app.camera.set_view(view);
            }
        }
        // Sheets are drawn as on paper; "Superior" (anterior up) mirrors them.
        if ui
            .button(PLAN_VIEW)
            .on_hover_text("Look down -z with +x to the right and +y up")
            .clicked()
        {
            app.camera.set_plan_view();
        }
    });
    ui.small("Drag: orbit · right/shift-drag: pan · scroll: zoom");
}
