//! The GPU backend (f32) against the CPU backend (f64) on whole runs: LAT
//! maps on the benchmark slab geometry must agree to well within one time
//! step's worth of front travel (PHYSICS.md fact 4).

mod common {
    pub mod gpu;
}

use cardiotwin::mesh::generate::box_tets;
use cardiotwin::run::{prepare_with_mesh, simulate};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::cpu::CpuBackend;
use cardiotwin::solver::gpu::GpuBackend;
use std::path::Path;

#[test]
fn gpu_and_cpu_activation_maps_agree_on_the_slab() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let mut mesh = box_tets(10.0, 4.0, 2.0, 0.4);
    mesh.fibres = Some(vec![[1.0, 0.0, 0.0]; mesh.element_count()]);
    let scenario = Scenario::parse(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = 1.4
        sigma_t = 0.35
        [[stimulus]]
        box = { min = [0, 0, 0], max = [1.5, 1.5, 1.5] }
        duration_ms = 2.0
        strength = 200.0
        [time]
        duration_ms = 45.0
        [output]
        probes = [[5.0, 2.0, 1.0]]
        "#,
        Path::new("gpu-vs-cpu.toml"),
    )
    .expect("scenario");
    let prepared = prepare_with_mesh(&scenario, mesh).expect("prepare");
    let mut cpu = CpuBackend::new(&prepared.problem);
    let cpu_sim = simulate(&prepared, &mut cpu, &mut |_| Ok(())).expect("cpu run");
    let mut gpu = GpuBackend::new(ctx, &prepared.problem).expect("gpu backend");
    let gpu_sim = simulate(&prepared, &mut gpu, &mut |_| Ok(())).expect("gpu run");

    let dt = prepared.problem.dt_ms;
    let mut diffs = Vec::new();
    for (i, (a, b)) in cpu_sim.lat_ms.iter().zip(&gpu_sim.lat_ms).enumerate() {
        assert_eq!(
            a.is_finite(),
            b.is_finite(),
            "node {i}: activated on one backend only (cpu {a}, gpu {b})"
        );
        if a.is_finite() {
            diffs.push((a - b).abs());
        }
    }
    assert!(
        diffs.len() > cpu_sim.lat_ms.len() * 9 / 10,
        "the wave must cover the slab"
    );
    diffs.sort_by(f64::total_cmp);
    let p99 = diffs[diffs.len() * 99 / 100];
    let max = *diffs.last().expect("non-empty");
    eprintln!(
        "GPU vs CPU LAT over {} nodes: p99 {p99:.2e} ms, max {max:.2e} ms (dt = {dt:.4} ms)",
        diffs.len()
    );
    // Bound: f32 round-off shifts crossings by a small fraction of a step.
    // 99 % of nodes within 0.1 dt, every node within one dt.
    assert!(p99 <= 0.1 * dt, "p99 {p99} ms exceeds 0.1 dt");
    assert!(max <= dt, "max {max} ms exceeds dt");

    // Probe traces agree in mV.
    let worst = cpu_sim
        .probe_traces
        .iter()
        .zip(&gpu_sim.probe_traces)
        .flat_map(|((_, a), (_, b))| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0.0, f64::max);
    eprintln!("probe traces: max difference {worst:.3} mV");
    assert_eq!(cpu_sim.probe_traces.len(), gpu_sim.probe_traces.len());
    assert!(worst < 1.0, "probe traces differ by {worst} mV");
}
