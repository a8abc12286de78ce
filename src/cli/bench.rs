//! `cardiotwin bench`: step throughput and fraction of copy bandwidth.

use anyhow::Result;
use cardiotwin::bench::{
    cpu_copy_bandwidth, cpu_step_bytes, cube_problem, fraction_note, time_steps, BenchCase,
};
use cardiotwin::solver::cpu::CpuBackend;
use cardiotwin::solver::gpu::{bandwidth, GpuBackend, GpuContext};
use cardiotwin::solver::{Backend, BackendKind};
use serde::Serialize;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// Other measurements; without one, the step benchmark.
    #[command(subcommand)]
    pub mode: Option<BenchMode>,
    /// Print JSON: {"adapter": ..., "cases": [{"nodes", "backend", "node_steps_per_s",
    /// "bytes_per_s", "copy_bytes_per_s", "fraction_of_copy", ...}]}.
    #[arg(long)]
    pub json: bool,
    /// Approximate node counts of the generated cubes (1000 to 10^7 each).
    #[arg(long, value_delimiter = ',', default_values_t = vec![10_000, 100_000, 1_000_000])]
    pub sizes: Vec<usize>,
    /// Which backends to measure (default: GPU when an adapter exists, and CPU).
    #[arg(long, value_delimiter = ',')]
    pub backends: Vec<String>,
    /// Minimum timed seconds per case (up to 600).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
}

#[derive(clap::Subcommand)]
pub enum BenchMode {
    /// Why large GPU footprints are slower: WGSL copy bandwidth from 64 MiB
    /// to --max-mib in one buffer pair vs buffers under 128 MiB, with default
    /// and small allocator blocks, and pointer-chase latency at 64 KiB strides.
    Memory(super::bench_memory::MemoryArgs),
}

#[derive(Serialize)]
struct Report {
    adapter: Option<String>,
    cpu: String,
    cases: Vec<BenchCase>,
}

pub fn run(args: &BenchArgs) -> Result<()> {
    if let Some(BenchMode::Memory(memory)) = &args.mode {
        return super::bench_memory::run(memory);
    }
    cardiotwin::bench::check_args(&args.sizes, args.seconds).map_err(anyhow::Error::msg)?;
    let want = |name: &str| args.backends.is_empty() || args.backends.iter().any(|b| b == name);
    for b in &args.backends {
        if b != "gpu" && b != "cpu" {
            anyhow::bail!("--backends: unknown backend '{b}' (expected gpu, cpu)");
        }
    }
    let gpu = if want("gpu") {
        match GpuContext::headless() {
            Ok(ctx) => Some(ctx),
            Err(e) if args.backends.is_empty() => {
                eprintln!("note: no GPU adapter ({e}); measuring the CPU backend only");
                None
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let mut cases = Vec::new();
    let cpu_copy = if want("cpu") {
        cpu_copy_bandwidth(256 << 20)
    } else {
        0.0
    };
    for &size in &args.sizes {
        let prepared = cube_problem(size)?;
        let p = &prepared.problem;
        let mut measure = |backend: &mut dyn Backend,
                           bytes_per_step: u64,
                           copy: f64|
         -> Result<()> {
            let (steps, secs) = time_steps(backend, args.seconds)?;
            let bytes_per_s = (bytes_per_step * steps) as f64 / secs;
            let case = BenchCase {
                nodes: p.node_count(),
                nnz: p.operator.nnz(),
                backend: backend.kind(),
                steps,
                seconds: secs,
                node_steps_per_s: (p.node_count() as u64 * steps) as f64 / secs,
                bytes_per_s,
                copy_bytes_per_s: copy,
                fraction_of_copy: bytes_per_s / copy,
                note: fraction_note(bytes_per_step, bytes_per_s / copy),
            };
            if !args.json {
                println!(
                    "{:>4} {:>9} nodes: {:>8.3e} node-steps/s, {:>7.2} GB/s = {:>5.1} % of copy ({:.2} GB/s)",
                    match case.backend {
                        BackendKind::Gpu => "gpu",
                        BackendKind::Cpu => "cpu",
                    },
                    case.nodes,
                    case.node_steps_per_s,
                    case.bytes_per_s / 1e9,
                    100.0 * case.fraction_of_copy,
                    case.copy_bytes_per_s / 1e9
                );
                if let Some(note) = &case.note {
                    println!("     ({note})");
                }
            }
            cases.push(case);
            Ok(())
        };
        if let Some(ctx) = &gpu {
            let bytes = bandwidth::step_bytes(p);
            let copy = bandwidth::copy_bandwidth(ctx, bytes.max(256 << 20), 0.2)?;
            let mut backend = GpuBackend::new(ctx, p)?;
            measure(&mut backend, bytes, copy)?;
        }
        if want("cpu") {
            let mut backend = CpuBackend::new(p);
            measure(&mut backend, cpu_step_bytes(p), cpu_copy)?;
        }
    }
    let report = Report {
        adapter: gpu.as_ref().map(|c| c.adapter_name()),
        cpu: format!("{} rayon threads", rayon::current_num_threads()),
        cases,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
