//! How fast the device moves memory, and how many bytes a step must move:
//! the step kernel is bandwidth bound, so its figure of merit is
//! `step_bytes * steps_per_second / copy_bandwidth`.

use std::time::Instant;

use super::buffers::wait_idle;
use super::context::GpuContext;
use crate::solver::Problem;
use crate::{Error, Result};

/// Bytes per second of a plain `copy_buffer_to_buffer` of `bytes` bytes
/// (rounded up to a multiple of 4), counting read + write (2 x bytes per
/// copy), timed on the wall clock around submit + wait of one command buffer
/// of back-to-back copies, after a warm-up copy.
///
/// The number of copies doubles until one submit lasts at least
/// `min_seconds`: on a fast GPU a single 150 MB copy takes 0.1 ms, far below
/// the millisecond-scale latency of submit + wait, and a fixed small count
/// reported 104 GB/s on an H100 whose copy rate is about 3 TB/s.
pub fn copy_bandwidth(ctx: &GpuContext, bytes: u64, min_seconds: f64) -> Result<f64> {
    let bytes = bytes.max(4).div_ceil(4) * 4;
    let limit = ctx.limits().max_buffer_size;
    if bytes > limit {
        return Err(Error::Gpu(format!(
            "bandwidth test of {bytes} bytes exceeds the adapter's max_buffer_size of {limit} bytes"
        )));
    }
    let device = ctx.device();
    // Error scopes turn a failed allocation (out of memory) into an error
    // naming the test instead of wgpu's default panic.
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let measured = measure(ctx, bytes, min_seconds);
    let validation = pollster::block_on(validation.pop());
    let oom = pollster::block_on(oom.pop());
    if let Some(e) = oom {
        return Err(Error::Gpu(format!(
            "bandwidth test of 2 x {bytes} bytes: out of memory: {e}"
        )));
    }
    if let Some(e) = validation {
        return Err(Error::Gpu(format!(
            "bandwidth test of 2 x {bytes} bytes: {e}"
        )));
    }
    measured
}

/// The timed copies of `copy_bandwidth`, inside its error scopes.
fn measure(ctx: &GpuContext, bytes: u64, min_seconds: f64) -> Result<f64> {
    let device = ctx.device();
    let buffer = |label| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    };
    let (src, dst) = (buffer("bandwidth src"), buffer("bandwidth dst"));
    let timeout = std::time::Duration::from_secs(600);
    let run = |copies: u32| -> Result<f64> {
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("bandwidth"),
        });
        for _ in 0..copies {
            enc.copy_buffer_to_buffer(&src, 0, &dst, 0, bytes);
        }
        let start = Instant::now();
        ctx.queue().submit([enc.finish()]);
        wait_idle(ctx, timeout, "the bandwidth test")?;
        Ok(start.elapsed().as_secs_f64())
    };
    // Warm-up: first-use allocation, zero-initialisation, clocks ramping up.
    run(1)?;
    let mut copies = 1u32;
    loop {
        let seconds = run(copies)?;
        // 4096 copies bound the command buffer; only a device moving more
        // than 4096 x bytes / min_seconds stops there.
        if seconds >= min_seconds || copies >= 4096 {
            return Ok(2.0 * bytes as f64 * f64::from(copies) / seconds.max(1e-9));
        }
        copies *= 2;
    }
}

/// Compulsory bytes one step moves (the model of the roofline).
///
/// Counted once per step: row_ptr 4 (n + 1), col_idx 4 nnz, values 4 nnz,
/// and per node 4 bytes each of flags, u_in, v_in, u_out, v_out, lat and
/// repol (the times are read every step; their writes, once per node per
/// run, are left out). The u_in gather of the SpMV touches u_in once per
/// non-zero, but with a locality-preserving node order those re-reads hit
/// the cache, so u_in counts once. Inert nodes are counted as if active.
/// Total: 4 (n + 1) + 8 nnz + 28 n bytes.
pub fn step_bytes(problem: &Problem) -> u64 {
    let n = problem.node_count() as u64;
    let nnz = problem.operator.nnz() as u64;
    4 * (n + 1) + 8 * nnz + 7 * 4 * n
}
