//! `cardiotwin run`: scenario in, result folder out, with a progress bar.

use anyhow::{Context, Result};
use cardiotwin::output::results::{write_results, SnapshotWriter, Summary};
use cardiotwin::run::{prepare, simulate, Event};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::select::{create_backend, BackendChoice};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// What a finished run leaves in memory besides its files.
pub struct RunOutcome {
    pub summary: Summary,
    /// The mesh in file order, mm.
    pub mesh: cardiotwin::Mesh,
    pub sim: cardiotwin::run::Simulation,
}

/// Run `scenario_path` and write its outputs into `out_dir`.
pub fn run_scenario(
    scenario_path: &Path,
    out_dir: &Path,
    backend: BackendChoice,
    show_progress: bool,
) -> Result<RunOutcome> {
    run_loaded(
        Scenario::load(scenario_path)?,
        out_dir,
        backend,
        show_progress,
    )
}

/// Run an already loaded (and possibly adjusted) scenario.
pub fn run_loaded(
    scenario: Scenario,
    out_dir: &Path,
    backend: BackendChoice,
    show_progress: bool,
) -> Result<RunOutcome> {
    let scenario_path = scenario.source.clone();
    // State the unit assumed for an openCARP mesh without mesh.scale (um).
    let mesh_opts = cardiotwin::mesh::io::LoadOptions {
        scale: scenario.mesh.scale,
        ..Default::default()
    };
    let mesh_path = scenario.resolve(&scenario.mesh.file);
    if let Some(note) = cardiotwin::mesh::io::unit_note(&mesh_path, &mesh_opts) {
        eprintln!("{note}");
    }
    let prepared = prepare(&scenario)?;
    // Before stepping, so a long run can be stopped and fixed at once.
    for w in &prepared.warnings {
        eprintln!("warning: {w}");
    }
    let mut backend = create_backend(backend, &prepared.problem, &mut |msg| eprintln!("{msg}"))?;
    let p = &prepared.problem;
    if show_progress {
        eprintln!(
            "{}: {} nodes, {} {}s, dt = {:.4} ms (stability limit {:.4} ms), {} steps on {}",
            scenario_path.display(),
            prepared.mesh.node_count(),
            prepared.mesh.element_count(),
            prepared.mesh.kind.name(),
            p.dt_ms,
            prepared.limits.stability_limit_ms,
            prepared.total_steps,
            backend.adapter_name()
        );
    }
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create the output folder {}", out_dir.display()))?;

    let bar = if show_progress {
        let bar = ProgressBar::new((scenario.time.duration_ms * 10.0).round() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40.cyan/blue} {msg} [{elapsed_precise}, ETA {eta}]")
                .expect("static template is valid")
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = std::time::Instant::now();
    let duration = scenario.time.duration_ms;
    let mut snapshots = SnapshotWriter::new(out_dir);
    let sim = simulate(&prepared, backend.as_mut(), &mut |event| {
        match event {
            Event::Progress { time_ms } => {
                let speed = time_ms / started.elapsed().as_secs_f64().max(1e-9);
                bar.set_position((time_ms * 10.0).round() as u64);
                bar.set_message(format!(
                    "{time_ms:.1}/{duration:.0} ms simulated, {speed:.1} ms/s"
                ));
            }
            Event::Snapshot {
                index,
                time_ms,
                vm_mv,
            } => {
                snapshots.write(&prepared.mesh, index, time_ms, vm_mv)?;
            }
        }
        Ok(())
    });
    bar.finish_and_clear();
    let sim = sim?;
    let mut outputs = Vec::new();
    outputs.extend(snapshots.finish()?);
    let summary = write_results(
        out_dir,
        &scenario,
        &prepared,
        &sim,
        backend.kind(),
        backend.adapter_name(),
        outputs,
    )?;
    for w in &summary.warnings[prepared.warnings.len()..] {
        eprintln!("warning: {w}");
    }
    Ok(RunOutcome {
        summary,
        mesh: prepared.mesh,
        sim,
    })
}

/// A few human lines about a finished run.
pub fn print_summary(summary: &Summary, out_dir: &Path) {
    let fmt = |v: Option<f64>| v.map_or("none".to_string(), |x| format!("{x:.1} ms"));
    println!(
        "done: {} steps of {:.4} ms ({:.0} ms simulated) in {:.1} s on {} [{}]",
        summary.steps,
        summary.dt_ms,
        summary.simulated_ms,
        summary.wall_seconds,
        summary.adapter,
        match summary.backend {
            cardiotwin::solver::BackendKind::Gpu => "gpu",
            cardiotwin::solver::BackendKind::Cpu => "cpu",
        }
    );
    println!(
        "activation: {:.1} % of nodes, first {}, last {}",
        100.0 * summary.activated_fraction,
        fmt(summary.lat_min_ms),
        fmt(summary.lat_max_ms)
    );
    println!(
        "results in {}: {}",
        out_dir.display(),
        summary.outputs.join(", ")
    );
}
