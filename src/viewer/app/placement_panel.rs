//! The device placement panel (LAA anatomies): family, size, position along
//! the centreline, tilt, the live fit metrics and the recommended size.
//! Every control calls [`Placement`], which refits at once; the drawing of
//! contours, centreline and device follows in [`overlays`].

use eframe::egui;

use super::content::PlacementState;
use super::ViewerApp;
use crate::laao::fit::Verdict;
use crate::viewer::placement::{ContourKind, Placement, MAX_TILT_DEG};
use crate::viewer::render::{DeviceGlyph, Disc, Overlays, Polyline};

/// Label of the button that applies the sizing table's recommendation.
pub const APPLY_RECOMMENDED: &str = "Apply recommended size";

pub fn show(ui: &mut egui::Ui, app: &mut ViewerApp) {
    let Some(content) = app.content.as_mut() else {
        return;
    };
    if matches!(
        content.placement,
        PlacementState::NotApplicable | PlacementState::Unavailable(_)
    ) {
        // No appendage: no panel (the file section says why, see
        // ViewerApp::placement_unavailable).
        return;
    }
    ui.heading("Device placement");
    let placement = match &mut content.placement {
        PlacementState::NotApplicable | PlacementState::Unavailable(_) => return,
        PlacementState::Measuring(_) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Measuring the appendage ...");
            });
            return;
        }
        PlacementState::Ready(p) => p,
    };
    let mut errors = Vec::new();
    let mut notice = None;
    controls(ui, placement, &mut errors, &mut notice);
    ui.separator();
    metrics(ui, placement);
    for e in errors {
        app.report(e);
    }
    if notice.is_some() {
        app.notice = notice;
    }
}

fn controls(
    ui: &mut egui::Ui,
    p: &mut Placement,
    errors: &mut Vec<String>,
    notice: &mut Option<String>,
) {
    let families: Vec<(String, String)> = p
        .catalog()
        .families
        .iter()
        .map(|f| (f.id.clone(), f.name.clone()))
        .collect();
    let current_family = p.family().id.clone();
    egui::ComboBox::from_label("Family")
        .selected_text(p.family().name.clone())
        .show_ui(ui, |ui| {
            for (id, name) in &families {
                if ui.selectable_label(*id == current_family, name).clicked()
                    && *id != current_family
                {
                    if let Err(e) = p.set_family(id) {
                        errors.push(e.to_string());
                    }
                }
            }
        });
    let sizes: Vec<f64> = p.family().sizes.iter().map(|s| s.size_mm).collect();
    let current_size = p.size().size_mm;
    egui::ComboBox::from_label("Size")
        .selected_text(format!("{current_size} mm"))
        .show_ui(ui, |ui| {
            for &mm in &sizes {
                if ui
                    .selectable_label(mm == current_size, format!("{mm} mm"))
                    .clicked()
                    && mm != current_size
                {
                    if let Err(e) = p.set_size_mm(mm) {
                        errors.push(e.to_string());
                    }
                }
            }
        });
    let sizing = p.family_sizing();
    let recommended = match sizing.recommended_mm {
        Some(mm) => format!("Recommended size: {mm} mm"),
        None => format!("No size recommended ({})", sizing.status.label()),
    };
    ui.label(recommended);
    if ui.button(APPLY_RECOMMENDED).clicked() {
        match p.apply_recommended() {
            Ok(mm) => *notice = Some(format!("device size set to {mm} mm")),
            Err(e) => errors.push(e.to_string()),
        }
    }

    let (lo, hi) = p.position_range_mm();
    let mut position = p.position_mm();
    let slider = egui::Slider::new(&mut position, lo..=hi)
        .text("mm past landing zone")
        .fixed_decimals(1);
    if ui.add(slider).changed() {
        if let Err(e) = p.set_position_mm(position) {
            errors.push(e.to_string());
        }
    }
    let mut tilt = p.tilt_deg();
    let mut tilted = false;
    for (i, name) in ["Tilt along ostium (°)", "Tilt across ostium (°)"]
        .iter()
        .enumerate()
    {
        let slider = egui::Slider::new(&mut tilt[i], -MAX_TILT_DEG..=MAX_TILT_DEG)
            .text(*name)
            .fixed_decimals(0);
        tilted |= ui.add(slider).changed();
    }
    if tilted {
        if let Err(e) = p.set_tilt_deg(tilt) {
            errors.push(e.to_string());
        }
    }
}

fn metrics(ui: &mut egui::Ui, p: &Placement) {
    for contour in p.contours() {
        if contour.kind != ContourKind::DevicePlane {
            ui.label(contour.label);
        }
    }
    let fit = match p.metrics() {
        Ok(fit) => fit,
        Err(e) => {
            ui.colored_label(ui.visuals().warn_fg_color, format!("No fit here: {e}"));
            return;
        }
    };
    egui::Grid::new("fit metrics")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Compression");
            ui.label(format!(
                "{:.1} % (range {:.0}–{:.0} %)",
                fit.compression_pct, fit.compression_range_pct[0], fit.compression_range_pct[1]
            ));
            ui.end_row();
            ui.label("Leak");
            ui.label(format!("{} ({:.1} mm gap)", fit.leak_grade, fit.leak_mm));
            ui.end_row();
            ui.label("Depth fit");
            ui.label(format!(
                "{} (usable {:.1} mm, device {:.1} mm)",
                if fit.depth_fits {
                    "fits"
                } else {
                    "too shallow"
                },
                fit.usable_depth_mm,
                fit.device_length_mm
            ));
            ui.end_row();
            ui.label("Verdict");
            let colour = match fit.verdict {
                Verdict::Pass => egui::Color32::from_rgb(80, 200, 120),
                Verdict::Caution => ui.visuals().warn_fg_color,
                Verdict::Fail => ui.visuals().error_fg_color,
            };
            ui.colored_label(colour, fit.verdict.label().to_uppercase());
            ui.end_row();
        });
    for reason in &fit.reasons {
        ui.small(reason);
    }
    ui.small(format!("refit in {:.1} ms", p.last_update_ms()));
}

/// Centreline, ostium and landing-zone contours, and the device, to draw
/// over the surface.
pub fn overlays(p: &Placement, overlays: &mut Overlays) {
    overlays.polylines.push(Polyline {
        points: p.centreline(),
        closed: false,
        colour: [255, 255, 255, 220],
        width_px: 2.0,
    });
    for c in p.contours() {
        let colour = match c.kind {
            ContourKind::Ostium => [255, 210, 60, 255],
            ContourKind::LandingZone => [80, 220, 255, 255],
            ContourKind::DevicePlane => [255, 120, 200, 255],
        };
        overlays.polylines.push(Polyline {
            points: c.points,
            closed: true,
            colour,
            width_px: 3.0,
        });
    }
    if let Some(pose) = p.device_pose() {
        let fraction = p.family().landing_plane_fraction as f32;
        let mut glyph = DeviceGlyph::from_landing_plane(
            pose.center,
            pose.axis,
            fraction,
            pose.radius,
            pose.length,
        );
        glyph.disc = pose.disc_radius.map(|radius| Disc {
            radius,
            gap: DISC_GAP_MM,
            thickness: DISC_THICKNESS_MM,
        });
        overlays.device = Some(glyph);
    }
}

/// Drawing sizes of an Amulet-style disc (mm): illustrative, not from the
/// catalog (which gives only the disc diameter).
const DISC_GAP_MM: f32 = 2.0;
const DISC_THICKNESS_MM: f32 = 1.0;
