//! cardiotwin: a cardiac digital twin.
//!
//! Data flows one way (see ARCHITECTURE.md):
//! mesh files -> [`mesh`] -> [`physics::fem`] (operator) -> [`solver`] (GPU or CPU)
//! -> recording -> [`output`]. A scenario file ([`scenario`]) ties them together
//! and [`run`] orchestrates one simulation.
//!
//! Units at the edges: mm, ms, mV, S/m. Inside the solver the state is the
//! dimensionless Aliev–Panfilov `u` (Vm = 100 u - 80 mV) and time stays in ms;
//! the conversions live in [`physics::units`] only.

pub mod assets;
pub mod bench;
pub mod bench_memory;
pub mod error;
pub mod input;
pub mod interrupt;
pub mod laao;
pub mod mesh;
pub mod output;
pub mod physics;
pub mod platform;
pub mod run;
pub mod scenario;
pub mod scenario_checks;
pub mod solver;
#[cfg(feature = "viewer")]
pub mod viewer;
pub mod workload;

pub use error::{Error, Result};
pub use mesh::{ElementKind, Mesh};

/// Crate version, written into every output for provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
