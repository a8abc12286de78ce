//! Time stepping: one [`Backend`] trait, two implementations (GPU via wgpu
//! and WGSL in shaders/, CPU in f64 with rayon). Both integrate a
//! [`Problem`]; neither knows about meshes, scenarios or output files.

pub mod cpu;
pub mod gpu;
pub mod kernels;
pub mod problem;
pub mod select;

pub use problem::{Csr, Problem, StimulusProtocol};

use crate::Result;

/// Which backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Gpu,
    Cpu,
}

/// A time-stepping backend. All vectors are in solver node order.
pub trait Backend {
    fn kind(&self) -> BackendKind;
    /// Human-readable adapter or CPU description.
    fn adapter_name(&self) -> String;
    /// Steps taken so far.
    fn steps_done(&self) -> u64;
    /// Take `steps` steps. Stops with [`crate::Error::BlowUp`] naming the
    /// simulated time when the state leaves the model's range.
    fn advance(&mut self, steps: u64) -> Result<()>;
    /// Current u (dimensionless).
    fn read_u(&mut self) -> Result<Vec<f64>>;
    /// Activation and repolarisation times in ms (NO_TIME where never crossed).
    fn read_times(&mut self) -> Result<(Vec<f64>, Vec<f64>)>;
    /// Probe samples so far: one Vec of u per probe sample time (rows), one
    /// entry per probe node (columns). Samples are taken at the start of every
    /// step whose index is a multiple of `probe_every_steps`.
    fn read_probes(&mut self) -> Result<Vec<Vec<f64>>>;
    /// Force u = `u` at `solver_nodes` now (the viewer's click-to-pace),
    /// recording the current time as activation time where a node has none
    /// and `u` reaches the activation threshold. v is untouched, so
    /// refractory nodes take the value but do not propagate. Inert (scar)
    /// nodes are never stepped and would keep the value: leave them out.
    fn depolarise(&mut self, solver_nodes: &[u32], u: f64) -> Result<()>;
    /// Current u at one node, without reading the whole state.
    fn read_u_at(&mut self, solver_node: u32) -> Result<f64>;
}
