//! The colour bar under the colour-mode buttons: a gradient with its range
//! in physical units (mV, ms), or a swatch per region tag.

use eframe::egui;

/// What the legend shows, in the units the user reads.
#[derive(Debug, Clone, PartialEq)]
pub enum LegendView {
    /// A continuous map: `stops` evenly spaced from `min` to `max`.
    Gradient {
        title: String,
        unit: String,
        min: f64,
        max: f64,
        stops: Vec<egui::Color32>,
        /// "isochrones every 10 ms", when lines are drawn.
        note: Option<String>,
    },
    /// One colour per region tag.
    Categories {
        title: String,
        entries: Vec<(String, egui::Color32)>,
    },
}

const BAR_HEIGHT: f32 = 14.0;

pub fn show(ui: &mut egui::Ui, legend: &LegendView) {
    match legend {
        LegendView::Gradient {
            title,
            unit,
            min,
            max,
            stops,
            note,
        } => {
            ui.label(format!("{title} ({unit})"));
            let width = ui.available_width().min(260.0);
            let (rect, _) =
                ui.allocate_exact_size(egui::vec2(width, BAR_HEIGHT), egui::Sense::hover());
            paint_gradient(ui.painter(), rect, stops);
            ui.horizontal(|ui| {
                ui.label(format!("{min:.0} {unit}"));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.label(format!("{max:.0} {unit}"));
                });
            });
            if let Some(note) = note {
                ui.small(note.as_str());
            }
        }
        LegendView::Categories { title, entries } => {
            ui.label(title.as_str());
            ui.horizontal_wrapped(|ui| {
                for (name, colour) in entries {
                    let (rect, _) = ui.allocate_exact_size(
                        egui::vec2(BAR_HEIGHT, BAR_HEIGHT),
                        egui::Sense::hover(),
                    );
                    ui.painter().rect_filled(rect, 2.0, *colour);
                    ui.label(name.as_str());
                }
            });
        }
    }
}

/// One quad per pair of neighbouring stops, coloured at its corners.
fn paint_gradient(painter: &egui::Painter, rect: egui::Rect, stops: &[egui::Color32]) {
    if stops.len() < 2 {
        painter.rect_filled(rect, 0.0, stops.first().copied().unwrap_or_default());
        return;
    }
    let mut mesh = egui::Mesh::default();
    let n = stops.len() - 1;
    for (i, &colour) in stops.iter().enumerate() {
        let x = rect.left() + rect.width() * i as f32 / n as f32;
        mesh.colored_vertex(egui::pos2(x, rect.top()), colour);
        mesh.colored_vertex(egui::pos2(x, rect.bottom()), colour);
    }
    for i in 0..n as u32 {
        let a = 2 * i;
        mesh.add_triangle(a, a + 1, a + 2);
        mesh.add_triangle(a + 1, a + 3, a + 2);
    }
    painter.add(egui::Shape::mesh(mesh));
}

/// A renderer legend as a gradient of 32 stops (the bar's resolution).
pub fn gradient(legend: &crate::viewer::render::colour::Legend) -> LegendView {
    LegendView::Gradient {
        title: legend.title.to_string(),
        unit: legend.unit.to_string(),
        min: legend.min,
        max: legend.max,
        stops: legend
            .stops(32)
            .into_iter()
            .map(|(_, [r, g, b])| egui::Color32::from_rgb(r, g, b))
            .collect(),
        note: legend.isolines.map(|step| {
            let lines = if legend.title == "LAT" {
                "isochrones"
            } else {
                "iso-lines"
            };
            format!("black lines: {lines} every {step} {}", legend.unit)
        }),
    }
}

/// Swatches for the sorted region tags, in the colours regions mode uses,
/// each with its name when the scenario gives one ("1 LV").
pub fn regions(tags: &[i32], names: &crate::scenario::RegionNames) -> LegendView {
    LegendView::Categories {
        title: "Regions (tag)".into(),
        entries: tags
            .iter()
            .enumerate()
            .map(|(rank, &tag)| {
                let [r, g, b] = crate::viewer::render::palette::region_colour(rank);
                let label = match names.name_of(tag) {
                    Some(name) => format!("{tag} {name}"),
                    None => tag.to_string(),
                };
                (label, egui::Color32::from_rgb(r, g, b))
            })
            .collect(),
    }
}
