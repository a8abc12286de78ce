//! Step-throughput benchmarks on generated tetrahedral cubes, shared by
//! `cardiotwin bench` and benches/step.rs.
//!
//! Figure of merit: the step kernel is memory-bound, so we report the bytes
//! it must move per second and compare them with a plain buffer copy measured
//! in the same run on the same backend.

use crate::mesh::generate::box_tets;
use crate::run::{prepare_with_mesh, Prepared};
use crate::scenario::Scenario;
use crate::solver::Backend;
use crate::Result;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One measured case.
#[derive(Debug, Clone, Serialize)]
pub struct BenchCase {
    pub nodes: usize,
    pub nnz: usize,
    pub backend: crate::solver::BackendKind,
    pub steps: u64,
    pub seconds: f64,
    pub node_steps_per_s: f64,
    /// Bytes the step must move per second (see `step_bytes`).
    pub bytes_per_s: f64,
    /// The roofline: copy bandwidth on the same backend (read + write bytes
    /// per s). GPU: a WGSL compute copy over the step's footprint
    /// (`bench_memory::compute_copy_roofline`); CPU: a parallel memcpy.
    pub copy_bytes_per_s: f64,
    /// `bytes_per_s / copy_bytes_per_s`.
    pub fraction_of_copy: f64,
    /// GPU only: `copy_buffer_to_buffer` with buffers of the step's bytes
    /// (at least 256 MiB), the denominator `fraction_of_copy` had before
    /// 2026-12-04. A transfer path, not the roofline: kept so old figures
    /// can be compared, not silently reinterpreted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer_copy_bytes_per_s: Option<f64>,
}

/// The benchmark problem: a cube of side 10 mm with about `target_nodes`
/// nodes, isotropic D = 1 mm^2/ms, a corner stimulus, auto dt.
pub fn cube_problem(target_nodes: usize) -> Result<Prepared> {
    let per_side = (target_nodes as f64).cbrt().round().max(2.0);
    let h = 10.0 / (per_side - 1.0);
    let mesh = box_tets(10.0, 10.0, 10.0, h);
    let scenario = Scenario::parse(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        d_l = 1.0
        d_t = 1.0
        [[stimulus]]
        box = { min = [0, 0, 0], max = [1.5, 1.5, 1.5] }
        duration_ms = 2.0
        strength = 60.0
        [time]
        duration_ms = 1000.0
        "#,
        Path::new("bench-cube.toml"),
    )?;
    prepare_with_mesh(&scenario, mesh)
}

/// Bytes one f64 CPU step moves: CSR (u32 row pointers and columns, f64
/// values), u and v read and written, flags read, lat and repol read and
/// written. Gathered neighbour values are assumed cached (RCM order).
pub fn cpu_step_bytes(p: &crate::solver::Problem) -> u64 {
    let (n, nnz) = (p.node_count() as u64, p.operator.nnz() as u64);
    4 * (n + 1) + 4 * nnz + 8 * nnz + 8 * 4 * n + 4 * n + 8 * 4 * n
}

/// Read + write bytes per second of a large parallel memory copy on the CPU.
pub fn cpu_copy_bandwidth(bytes: usize) -> f64 {
    use rayon::prelude::*;
    let n = bytes / 8;
    let src = vec![1.0f64; n];
    let mut dst = vec![0.0f64; n];
    let chunk = (n / rayon::current_num_threads().max(1)).max(1 << 16);
    let copy = |dst: &mut [f64]| {
        dst.par_chunks_mut(chunk)
            .zip(src.par_chunks(chunk))
            .for_each(|(d, s)| d.copy_from_slice(s));
    };
    copy(&mut dst);
    let reps = 5;
    let start = Instant::now();
    for _ in 0..reps {
        copy(&mut dst);
    }
    std::hint::black_box(&dst);
    (2 * n * 8 * reps) as f64 / start.elapsed().as_secs_f64()
}

/// Time `backend` for at least `min_seconds` (after a warm-up of a few steps).
pub fn time_steps(backend: &mut dyn Backend, min_seconds: f64) -> Result<(u64, f64)> {
    backend.advance(5)?;
    // Force completion of queued work before timing starts.
    backend.read_times()?;
    let mut steps = 10u64;
    loop {
        let start = Instant::now();
        backend.advance(steps)?;
        backend.read_times()?;
        let secs = start.elapsed().as_secs_f64();
        if secs >= min_seconds || steps >= 1 << 20 {
            return Ok((steps, secs));
        }
        let grow = (min_seconds / secs.max(1e-6) * 1.2).clamp(2.0, 100.0);
        steps = (steps as f64 * grow) as u64;
    }
}
