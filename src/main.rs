//! The `cardiotwin` command line.

mod cli;

use anyhow::Result;
use cardiotwin::solver::select::BackendChoice;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// cardiotwin: a cardiac digital twin. Monodomain Aliev–Panfilov
/// electrophysiology on heart meshes, on the GPU (WGSL through wgpu:
/// Vulkan, Metal, DX12) or the CPU (f64 reference).
///
/// Quick start:
///   cardiotwin demo                      # pace a CT-derived heart, write maps
///   cardiotwin run scenario.toml --out results/
///   cardiotwin mesh info heart.vtu
///   cardiotwin generate slab slab.vtk  # the N-version benchmark slab
///
/// Units everywhere: mm, ms, mV, conductivity in S/m (openCARP convention).
#[derive(Parser)]
#[command(name = "cardiotwin", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario file and write activation maps, snapshots, probe
    /// traces and a JSON summary into a folder.
    ///
    /// Outputs (all open in ParaView or any CSV/JSON reader):
    ///   DIR/activation.vtu      mesh with point data lat_ms, repol_ms (NaN = never)
    ///   DIR/snapshots.pvd       Vm (mV) over time, when output.snapshot_every_ms > 0
    ///   DIR/probes.csv          Vm (mV) at the probe points, when output.probes is set
    ///   DIR/summary.json        counts, dt, timing, backend, LAT range, input hashes
    ///
    /// Example: cardiotwin run assets/scenarios/slab.toml --out out/slab
    #[command(verbatim_doc_comment)]
    Run {
        /// Scenario file (TOML); see README.md "Scenario reference".
        scenario: PathBuf,
        /// Output folder: created if missing; refused if it holds anything
        /// (see --overwrite) or an input; locked while the run writes. The
        /// results appear in it only when the run succeeds.
        #[arg(long, short)]
        out: PathBuf,
        #[command(flatten)]
        guard: cli::run::GuardArgs,
        /// Where to compute.
        #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
        backend: BackendChoice,
        /// Print the summary as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Inspect or convert mesh files (VTK legacy, VTU, openCARP, OBJ, STL).
    Mesh {
        #[command(subcommand)]
        command: cli::mesh::MeshCommand,
    },
    /// Make structured meshes: the benchmark slab, 2D sheets.
    Generate {
        #[command(subcommand)]
        command: cli::generate::GenerateCommand,
    },
    /// Pace the shipped CT-derived heart (Rodero et al. 2021, case 01) and
    /// write a result folder and a PNG activation map. Works without a GPU.
    Demo {
        /// Output folder (refused if it holds anything but a previous run;
        /// see --overwrite). Default out/demo, where a re-run replaces the
        /// previous demo (and says so): the quick start stays re-runnable,
        /// while files cardiotwin did not write there are still refused.
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        guard: cli::run::GuardArgs,
        #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
        backend: BackendChoice,
        /// Simulate this many ms instead of the scenario's 400 (a quick look).
        #[arg(long)]
        duration_ms: Option<f64>,
    },
    /// Left atrial appendage occlusion planning: measure the appendage,
    /// size Watchman FLX / Amulet / Watchman devices, write HTML reports.
    ///
    /// Examples:
    ///   cardiotwin laa measure meshes/laa/windsock.vtu
    ///   cardiotwin laa size meshes/laa/*.vtu --report out/laa
    #[command(verbatim_doc_comment)]
    Laa {
        #[command(subcommand)]
        command: cli::laa::LaaCommand,
    },
    /// Measure step throughput and the fraction of the memory-copy bandwidth
    /// reached, on meshes of about 10^4, 10^5 and 10^6 nodes.
    Bench(cli::bench::BenchArgs),
    /// The desktop app: watch a wave, pace by clicking, place an LAA
    /// occluder, browse the teaching gallery. Needs a GPU adapter (lavapipe
    /// works); --screenshot and --frame-time run headless.
    ///
    /// Examples:
    ///   cardiotwin view                                   # teaching gallery
    ///   cardiotwin view meshes/laa/windsock.vtu           # device placement
    ///   cardiotwin view --screenshot out.png --time-ms 40 assets/scenarios/slab.toml
    #[cfg(feature = "viewer")]
    #[command(verbatim_doc_comment)]
    View(cli::view::ViewArgs),
}

fn main() -> ExitCode {
    restore_sigpipe();
    cardiotwin::platform::ensure_xdg_runtime_dir();
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Run {
            scenario,
            out,
            backend,
            json,
            quiet,
            guard,
        } => {
            let opts = guard.options(backend, quiet, !json);
            let summary = cli::run::run_scenario(&scenario, &out, opts)?.summary;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                cli::run::print_summary(&summary, &out);
            }
            Ok(())
        }
        Command::Mesh { command } => cli::mesh::dispatch(command),
        Command::Generate { command } => cli::generate::dispatch(command),
        Command::Demo {
            out,
            backend,
            duration_ms,
            guard,
        } => {
            let mut opts = guard.options(backend, false, true);
            let out = match out {
                Some(dir) => dir,
                None => {
                    let dir = PathBuf::from(cli::demo::DEFAULT_OUT);
                    let manifest = dir.join(cardiotwin::output::folder::MANIFEST_FILE);
                    if manifest.exists() && !opts.overwrite {
                        eprintln!(
                            "note: replacing the previous demo in {} (give --out DIR to keep it)",
                            dir.display()
                        );
                    }
                    opts.overwrite = true;
                    dir
                }
            };
            cli::demo::run(&out, opts, duration_ms)
        }
        Command::Laa { command } => cli::laa::dispatch(command),
        Command::Bench(args) => cli::bench::run(&args),
        #[cfg(feature = "viewer")]
        Command::View(args) => cli::view::run(args),
    }
}

/// Rust ignores SIGPIPE, so `println!` into a closed pipe (`cardiotwin ... |
/// head`) would panic; restore the Unix default of ending quietly.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; setting
    // a signal disposition to its default has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
