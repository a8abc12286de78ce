//! Choosing a backend: the GPU when an adapter exists, else the CPU with a
//! one-line notice; or whichever the user forces.

use super::cpu::CpuBackend;
use super::gpu::{GpuBackend, GpuContext};
use super::{Backend, Problem};
use crate::Result;

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// A hardware GPU if one is found, else the CPU (with a notice).
    #[default]
    Auto,
    /// WGSL compute shaders through wgpu; an error if no adapter exists.
    Gpu,
    /// f64 reference solver on all CPU cores.
    Cpu,
}

/// Make a backend for `problem`. `notice` receives the one-line message when
/// `Auto` falls back to the CPU.
pub fn create_backend(
    choice: BackendChoice,
    problem: &Problem,
    notice: &mut dyn FnMut(&str),
) -> Result<Box<dyn Backend>> {
    match choice {
        BackendChoice::Cpu => Ok(Box::new(CpuBackend::new(problem))),
        BackendChoice::Gpu => {
            let ctx = GpuContext::headless()?;
            Ok(Box::new(GpuBackend::new(&ctx, problem)?))
        }
        BackendChoice::Auto => match GpuContext::headless() {
            // A software adapter (lavapipe, WARP) runs the same kernels on
            // the CPU cores, more slowly than the rayon backend does: it is
            // for testing the GPU path, not for speed.
            Ok(ctx) if ctx.adapter_info().device_type == wgpu::DeviceType::Cpu => {
                notice(&format!(
                    "note: the only GPU adapter is a software one ({}); running on the \
                     faster CPU backend (f64, rayon). Use --backend gpu to force it.",
                    ctx.adapter_name()
                ));
                Ok(Box::new(CpuBackend::new(problem)))
            }
            Ok(ctx) => Ok(Box::new(GpuBackend::new(&ctx, problem)?)),
            Err(e) => {
                notice(&format!(
                    "note: no usable GPU adapter ({e}); running on the CPU backend (f64, rayon)"
                ));
                Ok(Box::new(CpuBackend::new(problem)))
            }
        },
    }
}
