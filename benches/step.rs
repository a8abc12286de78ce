//! Criterion benchmark of the fused step on a ~10^4-node tetrahedral cube,
//! CPU and GPU. `cardiotwin bench` measures larger meshes and the fraction of
//! copy bandwidth; this one tracks regressions. Set CARDIOTWIN_BENCH_QUICK=1
//! to shrink it (CI proves it still runs).

use cardiotwin::bench::cube_problem;
use cardiotwin::solver::cpu::CpuBackend;
use cardiotwin::solver::gpu::{GpuBackend, GpuContext};
use cardiotwin::solver::Backend;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

const STEPS: u64 = 20;

fn steps(c: &mut Criterion) {
    let quick = std::env::var_os("CARDIOTWIN_BENCH_QUICK").is_some();
    let nodes = if quick { 2_000 } else { 10_000 };
    let prepared = cube_problem(nodes).expect("benchmark problem");
    let p = &prepared.problem;
    let mut group = c.benchmark_group("step");
    group.throughput(Throughput::Elements(p.node_count() as u64 * STEPS));
    if quick {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(1))
            .warm_up_time(Duration::from_millis(200));
    }
    let mut cpu = CpuBackend::new(p);
    group.bench_function(format!("cpu_{}_nodes_x{STEPS}", p.node_count()), |b| {
        b.iter(|| cpu.advance(STEPS).expect("cpu step"))
    });
    match GpuContext::headless() {
        Ok(ctx) => {
            let mut gpu = GpuBackend::new(&ctx, p).expect("gpu backend");
            group.bench_function(format!("gpu_{}_nodes_x{STEPS}", p.node_count()), |b| {
                b.iter(|| {
                    gpu.advance(STEPS).expect("gpu step");
                    // Wait for the work: read back the (small) time arrays.
                    gpu.read_times().expect("read back")
                })
            });
        }
        Err(e) => eprintln!("SKIPPED gpu benchmark: {e}"),
    }
    group.finish();
}

criterion_group!(benches, steps);
criterion_main!(benches);
