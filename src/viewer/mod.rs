//! The desktop app (`cardiotwin view`): an egui/eframe window around a wgpu
//! 3D view of the mesh, coloured straight from the solver's GPU buffers.
//!
//! Layers, each usable without the one above it:
//! - [`camera`], [`render`]: draw a mesh and overlays into an offscreen
//!   colour + depth target (also what `--screenshot` and the snapshot tests
//!   read back). Knows nothing of egui.
//! - [`session`], [`picking`], [`placement`], [`gallery`]: the app's logic
//!   without a window (load, play/pause/step, pace, traces, LAT, device
//!   placement and fit, teaching scenarios); tested headless.
//! - the egui shell that lays out panels and forwards input.

pub mod app;
pub mod camera;
pub mod gallery;
pub mod loader;
pub mod picking;
pub mod placement;
pub mod render;
pub mod session;
pub mod trace;
