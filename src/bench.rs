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
    /// Plain copy bandwidth on the same backend (read + write bytes per s).
    pub copy_bytes_per_s: f64,
    pub fraction_of_copy: f64,
    /// Why `fraction_of_copy` is not a memory-bandwidth fraction, when it
    /// is not (a working set that stays in cache); null otherwise.
    pub note: Option<String>,
}

/// Smallest cube measured: below it a step is a few microseconds and the
/// launch latency, not memory traffic, is what gets timed.
pub const MIN_NODES: usize = 1000;
/// Largest cube: about 5 GB of host memory for the mesh, operator and
/// assembly (about 500 bytes a node).
pub const MAX_NODES: usize = 10_000_000;
/// Longest timed interval per case (s).
pub const MAX_SECONDS: f64 = 600.0;
/// A step that moves fewer bytes than this may run from the caches (large
/// CPU L3s and GPU L2s reach tens of MB), while the copy it is compared with
/// streams 256 MB from memory: the ratio is then not a bandwidth fraction.
pub const CACHE_RESIDENT_BYTES: u64 = 64 << 20;

/// Check the arguments of a benchmark run: node counts and seconds.
pub fn check_args(sizes: &[usize], seconds: f64) -> std::result::Result<(), String> {
    if sizes.is_empty() {
        return Err("--sizes: give at least one node count".into());
    }
    for &n in sizes {
        if !(MIN_NODES..=MAX_NODES).contains(&n) {
            return Err(format!(
                "--sizes: {n} nodes is outside {MIN_NODES}..={MAX_NODES} (smaller cubes time \
                 the launch latency, larger ones need more than about 5 GB of memory)"
            ));
        }
    }
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_SECONDS) {
        return Err(format!(
            "--seconds: {seconds} is not a number of seconds in (0, {MAX_SECONDS}]"
        ));
    }
    Ok(())
}

/// Why a fraction of copy bandwidth needs a caveat, if it does.
pub fn fraction_note(bytes_per_step: u64, fraction: f64) -> Option<String> {
    let mb = bytes_per_step as f64 / 1e6;
    if fraction > 1.0 {
        Some(format!(
            "above 100 %: the step's {mb:.1} MB stay in cache while the copy streams from memory"
        ))
    } else if bytes_per_step < CACHE_RESIDENT_BYTES {
        Some(format!(
            "the step's {mb:.1} MB may stay in cache: not a memory-bandwidth fraction"
        ))
    } else {
        None
    }
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
    if !(min_seconds.is_finite() && min_seconds > 0.0) {
        // NaN would never be reached and grow the step count to zero.
        return Err(crate::Error::Unsupported(format!(
            "benchmark time {min_seconds} s is not a positive number"
        )));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_outside_the_measurable_range_are_refused() {
        assert!(check_args(&[10_000, 100_000], 2.0).is_ok());
        assert!(check_args(&[8], 2.0).unwrap_err().contains("8 nodes"));
        assert!(check_args(&[1_000_000_000_000], 2.0).is_err());
        assert!(check_args(&[10_000], f64::NAN)
            .unwrap_err()
            .contains("--seconds"));
        assert!(check_args(&[10_000], 0.0).is_err());
        assert!(check_args(&[], 1.0).is_err());
    }

    #[test]
    fn a_fraction_above_one_or_from_cache_says_why() {
        assert!(fraction_note(300_000, 1.31)
            .unwrap()
            .contains("above 100 %"));
        assert!(fraction_note(3_000_000, 0.5).unwrap().contains("cache"));
        assert_eq!(fraction_note(500 << 20, 0.8), None);
    }

    #[test]
    fn timing_refuses_a_nan_duration() {
        let prepared = cube_problem(MIN_NODES).expect("cube");
        let mut backend = crate::solver::cpu::CpuBackend::new(&prepared.problem);
        assert!(time_steps(&mut backend, f64::NAN).is_err());
    }
}
