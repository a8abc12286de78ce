//! Sizes, checks and transfers of the solver's GPU buffers: what must fit
//! the adapter's limits (checked before anything is allocated), uploading
//! f64 host data as f32, and reading buffers back through a staging buffer.

use std::time::Duration;

use wgpu::util::DeviceExt;

use super::context::{GpuContext, REQUIRED_STORAGE_BUFFERS_PER_STAGE};
use crate::solver::problem::{Problem, MAX_STIMULI};
use crate::{Error, Result};

/// Bytes per stored value (u32 index or f32 number).
const WORD: u64 = 4;

/// Largest node count the kernels index safely in u32 (the 2D grid may run
/// up to one row of idle workgroups past n).
const MAX_NODES: u64 = 1 << 31;

/// Check that the problem is well formed, so the kernels never read out of
/// bounds: CSR structure, column indices, flags and probes in range.
pub fn validate_problem(p: &Problem) -> Result<()> {
    let bad = |m: String| {
        Err(Error::Numerics(format!(
            "invalid problem for the GPU solver: {m}"
        )))
    };
    let a = &p.operator;
    let n = a.n;
    if n == 0 {
        return bad("the mesh has no nodes".into());
    }
    if a.row_ptr.len() != n + 1 {
        return bad(format!(
            "row_ptr has {} entries, expected n + 1 = {}",
            a.row_ptr.len(),
            n + 1
        ));
    }
    if a.values.len() != a.col_idx.len() {
        return bad(format!(
            "{} values for {} column indices",
            a.values.len(),
            a.col_idx.len()
        ));
    }
    if a.row_ptr[0] != 0
        || a.row_ptr[n] as usize != a.nnz()
        || a.row_ptr.windows(2).any(|w| w[0] > w[1])
    {
        return bad(format!("row_ptr must rise from 0 to nnz = {}", a.nnz()));
    }
    if let Some(k) = a.col_idx.iter().position(|&c| c as usize >= n) {
        return bad(format!(
            "column index {} at entry {k} is not below n = {n}",
            a.col_idx[k]
        ));
    }
    if let Some(k) = a.values.iter().position(|v| !v.is_finite()) {
        return bad(format!("operator value at entry {k} is not finite"));
    }
    if p.node_flags.len() != n {
        return bad(format!("{} node flags for {n} nodes", p.node_flags.len()));
    }
    if p.stimuli.len() > MAX_STIMULI {
        return bad(format!(
            "{} stimuli, at most {MAX_STIMULI}",
            p.stimuli.len()
        ));
    }
    if !(p.dt_ms.is_finite() && p.dt_ms > 0.0) {
        return bad(format!(
            "dt must be a positive number of ms (got {})",
            p.dt_ms
        ));
    }
    if let Some(&j) = p.probe_nodes.iter().find(|&&j| j as usize >= n) {
        return bad(format!("probe node {j} is not below n = {n}"));
    }
    if !p.probe_nodes.is_empty() && p.probe_every_steps == 0 {
        return bad("probe_every_steps must be at least 1 when there are probes".into());
    }
    Ok(())
}

/// One buffer's size and what it holds, for limit checks and messages.
#[derive(Debug, Clone, PartialEq)]
pub struct BufferNeed {
    /// e.g. "col_idx (4 bytes x nnz = 123456 non-zeros)".
    pub what: String,
    pub bytes: u64,
}

/// Every storage buffer the solver binds, sized for `problem` with a probe
/// history of `probe_samples` rows.
pub fn buffer_needs(p: &Problem, probe_samples: u64) -> Vec<BufferNeed> {
    let n = p.node_count() as u64;
    let nnz = p.operator.nnz() as u64;
    let probes = p.probe_nodes.len() as u64;
    let need = |what: String, count: u64| BufferNeed {
        what,
        bytes: WORD * count,
    };
    vec![
        need(format!("row_ptr (4 bytes x (n + 1), n = {n} nodes)"), n + 1),
        need(format!("col_idx (4 bytes x nnz = {nnz} non-zeros)"), nnz),
        need(format!("values (4 bytes x nnz = {nnz} non-zeros)"), nnz),
        need(format!("each state vector (4 bytes x n = {n} nodes)"), n),
        need(
            format!("probe history (4 bytes x {probes} probes x {probe_samples} samples)"),
            probes * probe_samples,
        ),
    ]
}

/// Check everything fits the limits before allocating: a too-big mesh
/// fails here with the count, the bytes needed and the adapter's limit.
pub fn check_fits(
    p: &Problem,
    probe_samples: u64,
    limits: &wgpu::Limits,
    adapter: &str,
) -> Result<()> {
    let n = p.node_count() as u64;
    if n >= MAX_NODES {
        return Err(Error::Gpu(format!(
            "mesh too large for the GPU solver: {n} nodes, at most {MAX_NODES} are indexed in 32 bits"
        )));
    }
    if limits.max_storage_buffers_per_shader_stage < REQUIRED_STORAGE_BUFFERS_PER_STAGE {
        return Err(Error::Gpu(format!(
            "the step kernel binds {REQUIRED_STORAGE_BUFFERS_PER_STAGE} storage buffers but the device on {adapter} \
             allows {} per shader stage (create it with solver::gpu::required_limits)",
            limits.max_storage_buffers_per_shader_stage
        )));
    }
    let binding_limit = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    for b in buffer_needs(p, probe_samples) {
        if b.bytes > binding_limit {
            let which = if limits.max_storage_buffer_binding_size <= limits.max_buffer_size {
                "max_storage_buffer_binding_size"
            } else {
                "max_buffer_size"
            };
            return Err(Error::Gpu(format!(
                "mesh too large for {adapter}: {} needs {} bytes, above the adapter's {which} of {binding_limit} bytes; \
                 use a coarser mesh or the CPU backend",
                b.what, b.bytes
            )));
        }
    }
    Ok(())
}

/// f64 -> f32, as uploaded.
pub fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// A storage buffer holding `data` (at least one word: wgpu cannot bind an
/// empty buffer).
pub fn storage_init<T: bytemuck::Pod>(
    ctx: &GpuContext,
    label: &str,
    data: &[T],
    extra: wgpu::BufferUsages,
) -> wgpu::Buffer {
    let bytes: &[u8] = bytemuck::cast_slice(data);
    let zero = [0u8; WORD as usize];
    let contents = if bytes.is_empty() { &zero[..] } else { bytes };
    ctx.device()
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::STORAGE | extra,
        })
}

/// Wait for everything submitted so far, at most `timeout`.
pub fn wait_idle(ctx: &GpuContext, timeout: Duration, what: &str) -> Result<()> {
    ctx.device()
        .poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: Some(timeout),
        })
        .map(|_| ())
        .map_err(|e| Error::Gpu(format!("waiting for {what} on {}: {e}", ctx.adapter_name())))
}

/// Map `staging` (MAP_READ) after the work that fills it was submitted,
/// wait, and copy out its first `bytes` bytes.
pub fn map_read(
    ctx: &GpuContext,
    staging: &wgpu::Buffer,
    bytes: u64,
    timeout: Duration,
    what: &str,
) -> Result<Vec<u8>> {
    if bytes == 0 {
        return Ok(Vec::new());
    }
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, 0..bytes, move |r| {
        // The receiver only goes away if we already returned an error.
        let _ = tx.send(r);
    });
    // The callback runs inside some thread's poll: ours, or another user of
    // the shared device that polled first, in which case it may land just
    // after our poll returns. So poll and listen until it arrives.
    let start = std::time::Instant::now();
    loop {
        wait_idle(ctx, timeout, what)?;
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(Ok(())) => break,
            Ok(Err(e)) => {
                return Err(Error::Gpu(format!(
                    "mapping {what} for reading failed: {e}"
                )))
            }
            Err(_) if start.elapsed() < timeout => continue,
            Err(_) => {
                return Err(Error::Gpu(format!(
                    "mapping {what} did not complete within {timeout:?} on {}",
                    ctx.adapter_name()
                )))
            }
        }
    }
    let out = {
        let view = staging
            .get_mapped_range(0..bytes)
            .map_err(|e| Error::Gpu(format!("reading mapped {what}: {e}")))?;
        view.to_vec()
    };
    staging.unmap();
    Ok(out)
}

/// Copy `bytes` bytes of `src` (COPY_SRC) to a fresh staging buffer and read
/// them back.
pub fn read_back(
    ctx: &GpuContext,
    src: &wgpu::Buffer,
    bytes: u64,
    timeout: Duration,
    what: &str,
) -> Result<Vec<u8>> {
    read_back_at(ctx, src, 0, bytes, timeout, what)
}

/// Like [`read_back`], for the `bytes` bytes of `src` from byte `offset` on
/// (both multiples of 4, as wgpu requires for copies).
pub fn read_back_at(
    ctx: &GpuContext,
    src: &wgpu::Buffer,
    offset: u64,
    bytes: u64,
    timeout: Duration,
    what: &str,
) -> Result<Vec<u8>> {
    if bytes == 0 {
        return Ok(Vec::new());
    }
    let staging = ctx.device().create_buffer(&wgpu::BufferDescriptor {
        label: Some("cardiotwin readback"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut enc = ctx
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("readback"),
        });
    enc.copy_buffer_to_buffer(src, offset, &staging, 0, bytes);
    ctx.queue().submit([enc.finish()]);
    map_read(ctx, &staging, bytes, timeout, what)
}

/// f32 words of a read-back byte vector, as f64.
pub fn f32_bytes_to_f64(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(4)
        .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect()
}
