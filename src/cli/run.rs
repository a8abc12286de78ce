//! `cardiotwin run`: scenario in, result folder out, with a progress bar.
//!
//! Before stepping: the output folder is checked and locked
//! ([`cardiotwin::output::folder`]) and the workload is checked against its
//! limits ([`cardiotwin::workload`]); the run writes into a staging folder
//! that replaces the previous results only when the run succeeds.

use anyhow::Result;
use cardiotwin::output::folder::{self, OutputFolder};
use cardiotwin::output::results::{input_files, write_results, SnapshotWriter, Summary};
use cardiotwin::run::{prepare, simulate, Event};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::select::{create_backend, BackendChoice};
use cardiotwin::workload::{fmt_ms, human_duration, Workload};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// What a finished run leaves in memory besides its files.
pub struct RunOutcome {
    pub summary: Summary,
    /// The mesh in file order, mm.
    pub mesh: cardiotwin::Mesh,
    pub sim: cardiotwin::run::Simulation,
}

/// How `run` and `demo` run a scenario.
#[derive(Clone, Copy)]
pub struct RunOptions {
    pub backend: BackendChoice,
    /// No plan, estimate or progress bar on stderr.
    pub quiet: bool,
    /// A progress bar (off for --json).
    pub progress_bar: bool,
    /// Replace a previous cardiotwin run's files in the output folder.
    pub overwrite: bool,
    /// Run past the workload limits.
    pub force: bool,
}

/// The flags `run` and `demo` share.
#[derive(clap::Args)]
pub struct GuardArgs {
    /// Replace the files of a previous cardiotwin run in the output folder
    /// (only those: a folder holding anything else is refused). The old
    /// results stay until the new run has succeeded.
    #[arg(long)]
    pub overwrite: bool,
    /// Run even above the workload limits: 10^7 steps, 10^4 snapshot files,
    /// 20 GB of output (a typo such as duration_ms = 1e9, or a time step
    /// collapsed by a bad mesh, otherwise starts a run of days).
    #[arg(long)]
    pub force: bool,
}

impl GuardArgs {
    pub fn options(&self, backend: BackendChoice, quiet: bool, progress_bar: bool) -> RunOptions {
        RunOptions {
            backend,
            quiet,
            progress_bar,
            overwrite: self.overwrite,
            force: self.force,
        }
    }
}

/// Run `scenario_path` and write its outputs into `out_dir`.
pub fn run_scenario(scenario_path: &Path, out_dir: &Path, opts: RunOptions) -> Result<RunOutcome> {
    run_loaded(
        Scenario::load(scenario_path)?,
        out_dir,
        opts,
        &mut |_, _| Ok(()),
    )
}

/// Run an already loaded (and possibly adjusted) scenario into `out_dir`.
/// `extra` writes further files into the staging folder (its second
/// argument) before the results are moved into place together.
pub fn run_loaded(
    scenario: Scenario,
    out_dir: &Path,
    opts: RunOptions,
    extra: &mut dyn FnMut(&RunOutcome, &Path) -> Result<()>,
) -> Result<RunOutcome> {
    cardiotwin::interrupt::install();
    let scenario_path = scenario.source.clone();
    let inputs = input_files(&scenario);
    // A wrong --out fails before the mesh is loaded.
    folder::preflight(out_dir, &inputs, opts.overwrite)?;
    // State the unit assumed for an openCARP mesh without mesh.scale (um).
    let mesh_opts = cardiotwin::mesh::io::LoadOptions {
        scale: scenario.mesh.scale,
        ..Default::default()
    };
    let mesh_path = scenario.resolve(&scenario.mesh.file);
    let unit_note = cardiotwin::mesh::io::unit_note(&mesh_path, &mesh_opts);
    let mut prepared = prepare(&scenario)?;
    // Recorded like any other warning, so summary.json says which unit the
    // mesh was read in, not only the terminal.
    if let Some(note) = unit_note {
        prepared.warnings.insert(
            0,
            cardiotwin::scenario_checks::Warning {
                code: "unit_assumed",
                message: note,
            },
        );
    }
    // Before stepping, so a long run can be stopped and fixed at once.
    for w in &prepared.warnings {
        eprintln!("warning: {w}");
    }
    let workload = Workload::of(&prepared);
    let excesses = workload.excesses(&prepared);
    if !excesses.is_empty() && !opts.force {
        anyhow::bail!(
            "{}: refusing to start a runaway run: {}. Pass --force to run it anyway",
            scenario_path.display(),
            excesses.join("; ")
        );
    }
    // Lock the folder and prove it writable before any stepping.
    let folder = OutputFolder::claim(out_dir, &inputs, opts.overwrite)?;
    let mut backend = create_backend(opts.backend, &prepared.problem, &mut |msg| {
        eprintln!("{msg}")
    })?;
    let p = &prepared.problem;
    if !opts.quiet {
        eprintln!(
            "{}: {} nodes, {} {}s, dt = {} (stability limit {}), {} steps on {}",
            scenario_path.display(),
            prepared.mesh.node_count(),
            prepared.mesh.element_count(),
            prepared.mesh.kind.name(),
            fmt_ms(p.dt_ms),
            fmt_ms(prepared.limits.stability_limit_ms),
            prepared.total_steps,
            backend.adapter_name()
        );
        eprintln!("plan: {}", workload.describe());
        for excess in &excesses {
            eprintln!("warning: --force: {excess}");
        }
    }

    let bar = if opts.progress_bar && !opts.quiet {
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
    let mut snapshots = SnapshotWriter::new(folder.staging());
    // Snapshot 0 is written before the calibration steps: its time scales
    // the estimate of the writing.
    let mut first_snapshot_s = 0.0;
    let sim = simulate(&prepared, backend.as_mut(), &mut |event| {
        if cardiotwin::interrupt::requested() {
            return Err(cardiotwin::Error::Unsupported(
                "interrupted; the output folder keeps what it held before".into(),
            ));
        }
        match event {
            Event::Progress { time_ms } => {
                let speed = time_ms / started.elapsed().as_secs_f64().max(1e-9);
                bar.set_position((time_ms * 10.0).round() as u64);
                bar.set_message(format!(
                    "{time_ms:.1}/{duration:.0} ms simulated, {speed:.1} ms/s"
                ));
            }
            Event::Calibrated { steps, seconds } => {
                if !opts.quiet {
                    let stepping = seconds / steps as f64 * workload.steps as f64;
                    let writing = first_snapshot_s / workload.first_snapshot_share;
                    let basis = if workload.snapshots > 0 {
                        format!(
                            "the first {steps} steps took {seconds:.3} s, the first snapshot \
                             {first_snapshot_s:.3} s"
                        )
                    } else {
                        format!("the first {steps} steps took {seconds:.3} s")
                    };
                    bar.suspend(|| {
                        eprintln!(
                            "estimated wall time: {} ({basis})",
                            human_duration(stepping + writing)
                        )
                    });
                }
            }
            Event::Snapshot {
                index,
                time_ms,
                vm_mv,
            } => {
                let t = std::time::Instant::now();
                snapshots.write(&prepared.mesh, index, time_ms, vm_mv)?;
                if index == 0 {
                    first_snapshot_s = t.elapsed().as_secs_f64();
                }
            }
        }
        Ok(())
    });
    bar.finish_and_clear();
    let sim = sim?;
    let mut outputs = Vec::new();
    outputs.extend(snapshots.finish()?);
    let summary = write_results(
        folder.staging(),
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
    let outcome = RunOutcome {
        summary,
        mesh: prepared.mesh,
        sim,
    };
    extra(&outcome, folder.staging())?;
    folder.commit()?;
    Ok(outcome)
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
