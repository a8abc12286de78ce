//! The bottom panel: the voltage trace (mV over ms) of the selected node.

use eframe::egui;
use egui_plot::{Line, Plot, PlotPoints};

use super::ViewerApp;

/// A trace ready to plot.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceView {
    /// e.g. "node 1234 at (1.0, 2.0, 3.0) mm".
    pub title: String,
    /// (t in ms, Vm in mV).
    pub points: Vec<[f64; 2]>,
}

/// Height of the plot (points): room for the upstroke and the plateau.
const PLOT_HEIGHT: f32 = 130.0;

pub fn show(ui: &mut egui::Ui, app: &mut ViewerApp) {
    let Some(trace) = app.trace() else {
        ui.label(
            "Voltage trace: ctrl-click a point in the 3D view (or pick 'Trace' mode) to follow it.",
        );
        return;
    };
    ui.label(format!("Voltage trace of {}", trace.title));
    Plot::new("voltage trace")
        .x_axis_label("t (ms)")
        .y_axis_label("Vm (mV)")
        .include_y(-90.0)
        .include_y(30.0)
        .allow_scroll(false)
        .height(PLOT_HEIGHT)
        .show(ui, |plot| {
            plot.line(Line::new("Vm", PlotPoints::from(trace.points)));
        });
}
