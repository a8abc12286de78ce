//! GPU backend: the monodomain step in WGSL (shaders/step.wgsl, f32) run
//! through wgpu on any adapter (lavapipe included).
//!
//! - [`context`]: the device, headless or handed in by an application.
//! - [`layout`]: host mirrors of the shader structs, dispatch grid.
//! - [`buffers`]: size checks against the adapter's limits, transfers.
//! - [`backend`]: [`GpuBackend`], the [`crate::solver::Backend`] on the GPU.
//! - [`bandwidth`]: copy bandwidth and bytes per step, for the roofline.

pub mod backend;
pub mod bandwidth;
pub mod buffers;
pub mod context;
pub mod layout;

pub use backend::{GpuBackend, GpuOptions};
pub use bandwidth::{copy_bandwidth, step_bytes};
pub use buffers::check_fits;
pub use context::{default_backends, describe_adapters, find_adapter, required_limits, GpuContext};
