//! Small value types the panels show and the CLI passes in: colour and
//! click modes, the launch options, what the side panel reads.

use std::path::PathBuf;

/// Colour map of the 3D view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
pub enum ColourMode {
    /// Transmembrane voltage, mV.
    #[default]
    Vm,
    /// Local activation time, ms.
    Lat,
    /// Region tags of the mesh.
    Regions,
}

impl ColourMode {
    pub const ALL: [ColourMode; 3] = [ColourMode::Vm, ColourMode::Lat, ColourMode::Regions];

    pub fn label(self) -> &'static str {
        match self {
            ColourMode::Vm => "Vm",
            ColourMode::Lat => "LAT",
            ColourMode::Regions => "Regions",
        }
    }
}

/// What a click in the 3D view does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClickMode {
    /// Stimulate the tissue around the clicked point.
    #[default]
    Pace,
    /// Show the clicked node's voltage trace. Ctrl/Cmd-click does this in
    /// either mode.
    Trace,
}

/// Simulation state shown in the side panel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimStatus {
    pub time_ms: f64,
    pub playing: bool,
    /// Simulated ms per wall-clock second.
    pub speed_ms_per_s: f64,
}

/// A teaching scenario as listed in the gallery.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonView {
    pub title: String,
    pub description: String,
}

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// A mesh or scenario to open; `None` opens the teaching gallery.
    pub path: Option<PathBuf>,
    /// Simulate this far (ms) once loaded, before showing (screenshots).
    pub time_ms: Option<f64>,
    /// Colour map to start with.
    pub mode: Option<ColourMode>,
    /// Factor from a bare mesh file's coordinates to mm (`view --scale`);
    /// `None` takes the format's unit and refuses a mesh that is not
    /// heart-sized. Scenarios carry their own `[mesh] scale`.
    pub scale: Option<f64>,
}

/// The open lesson's question and its sliders, as the side panel shows
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonControls {
    pub question: String,
    pub knobs: Vec<crate::viewer::gallery::KnobSpec>,
    /// The sliders' values (one per knob).
    pub values: Vec<f64>,
    /// True when the values in effect differ from the lesson's own, so the
    /// figures in its description no longer apply.
    pub changed: bool,
}
