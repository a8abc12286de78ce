//! `cardiotwin bench memory`: the large-footprint memory diagnostic (copy
//! bandwidth per allocation layout and allocator setting, pointer-chase
//! latency); the measuring lives in `cardiotwin::bench_memory`.

use anyhow::Result;
use cardiotwin::bench_memory::{
    measure_chase, measure_copy, powers_of_two, ChaseCase, CopyCase, Hints, Layout, MemoryDevice,
    VulkanMemory, CHASE_HOPS, CHASE_STRIDE_BYTES, MIB,
};
use cardiotwin::solver::gpu::bandwidth::copy_bandwidth;
use serde::Serialize;

/// Smallest copy footprint measured (source + destination).
const MIN_COPY_MIB: u64 = 64;
/// Smallest chase footprint.
const MIN_CHASE_MIB: u64 = 1;

#[derive(clap::Args)]
pub struct MemoryArgs {
    /// Print one JSON document: {"adapter", "devices": [{"hints", "timestamps",
    /// "limits", "copy", "buffer_copy", "chase", "skipped"}], "seconds"}.
    #[arg(long)]
    pub json: bool,
    /// Largest footprint in MiB (copies: 64 MiB up to this, doubling; the
    /// chase: 1 MiB up to this). At least 64.
    #[arg(long, default_value_t = 2048)]
    pub max_mib: u64,
    /// Minimum wall seconds of each timed submit.
    #[arg(long, default_value_t = 0.2)]
    pub seconds: f64,
    /// Time on the wall clock even where the adapter has GPU timestamps.
    #[arg(long)]
    pub wall_clock: bool,
}

#[derive(Serialize)]
struct Report {
    adapter: String,
    devices: Vec<DeviceReport>,
    seconds: f64,
}

#[derive(Serialize)]
struct DeviceReport {
    hints: Hints,
    timestamps: bool,
    max_buffer_size: u64,
    max_storage_buffer_binding_size: u64,
    memory: Option<VulkanMemory>,
    copy: Vec<CopyCase>,
    buffer_copy: Vec<BufferCopy>,
    chase: Vec<ChaseCase>,
    /// Configurations that could not run, with the reason.
    skipped: Vec<String>,
}

/// `copy_buffer_to_buffer` between two buffers of half the footprint.
#[derive(Serialize)]
struct BufferCopy {
    footprint_mib: u64,
    bytes_per_s: f64,
}

pub fn run(args: &MemoryArgs) -> Result<()> {
    if args.max_mib < MIN_COPY_MIB {
        anyhow::bail!(
            "--max-mib: {} is below the smallest copy footprint ({MIN_COPY_MIB} MiB)",
            args.max_mib
        );
    }
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        anyhow::bail!(
            "--seconds: expected a positive number, got {}",
            args.seconds
        );
    }
    let max = args.max_mib.saturating_mul(MIB);
    let start = std::time::Instant::now();
    let mut adapter = String::new();
    let mut devices = Vec::new();
    for hints in [Hints::Performance, Hints::ManualSmall] {
        let dev = MemoryDevice::open(hints, !args.wall_clock)?;
        adapter = dev.ctx.adapter_name();
        if !args.json {
            println!(
                "{adapter}: {} hints, timing by {}",
                hints.name(),
                if dev.timestamps {
                    "GPU timestamps"
                } else {
                    "wall clock"
                }
            );
        }
        devices.push(measure_device(&dev, max, args)?);
        // `dev` is dropped here, so the next device starts with free memory.
    }
    let report = Report {
        adapter,
        devices,
        seconds: start.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

/// Every measurement on one device. A configuration the adapter cannot hold
/// (limits, out of memory) is listed under `skipped` with its reason; a
/// wrong result (verification) is an error.
fn measure_device(dev: &MemoryDevice, max: u64, args: &MemoryArgs) -> Result<DeviceReport> {
    let mut report = DeviceReport {
        hints: dev.hints,
        timestamps: dev.timestamps,
        max_buffer_size: dev.ctx.limits().max_buffer_size,
        max_storage_buffer_binding_size: dev.ctx.limits().max_storage_buffer_binding_size,
        memory: dev.memory.clone(),
        copy: Vec::new(),
        buffer_copy: Vec::new(),
        chase: Vec::new(),
        skipped: Vec::new(),
    };
    let skip = |report: &mut DeviceReport, e: cardiotwin::Error| -> Result<()> {
        match e {
            cardiotwin::Error::Unsupported(m) => {
                if !args.json {
                    println!("  skipped: {m}");
                }
                report.skipped.push(m);
                Ok(())
            }
            other => Err(other.into()),
        }
    };
    for footprint in powers_of_two(MIN_COPY_MIB * MIB, max) {
        for layout in [Layout::One, Layout::Split] {
            match measure_copy(dev, footprint, layout, args.seconds) {
                Ok(case) => {
                    if !args.json {
                        println!(
                            "  copy {:>5} MiB {:>5}: {:>8.1} GB/s ({} buffers, {} reps, wall {:.1} GB/s)",
                            case.footprint_mib,
                            layout.name(),
                            case.bytes_per_s / 1e9,
                            case.buffers,
                            case.reps,
                            case.wall_bytes_per_s / 1e9
                        );
                    }
                    report.copy.push(case);
                }
                Err(e) => skip(&mut report, e)?,
            }
        }
        match copy_bandwidth(&dev.ctx, footprint / 2, args.seconds) {
            Ok(rate) => {
                if !args.json {
                    println!(
                        "  copy_buffer_to_buffer {:>5} MiB: {:>8.1} GB/s",
                        footprint / MIB,
                        rate / 1e9
                    );
                }
                report.buffer_copy.push(BufferCopy {
                    footprint_mib: footprint / MIB,
                    bytes_per_s: rate,
                });
            }
            Err(e) => report.skipped.push(format!(
                "copy_buffer_to_buffer at {} MiB: {e}",
                footprint / MIB
            )),
        }
    }
    // One binding holds the whole chain: a power of two just over the
    // adapter's limit (lavapipe: 2 GiB - 1 byte) is measured at the largest
    // stride multiple that fits, so the sweep keeps its top point.
    let limits = dev.ctx.limits();
    let fits = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        / CHASE_STRIDE_BYTES
        * CHASE_STRIDE_BYTES;
    let mut chase_sizes: Vec<u64> = powers_of_two(MIN_CHASE_MIB * MIB, max)
        .into_iter()
        .map(|f| f.min(fits.max(CHASE_STRIDE_BYTES)))
        .collect();
    chase_sizes.dedup();
    for footprint in chase_sizes {
        match measure_chase(dev, footprint, CHASE_HOPS, args.seconds) {
            Ok(case) => {
                if !args.json {
                    println!(
                        "  chase {:>7.0} MiB: {:>8.1} ns/load ({} pages, wall {:.1} ns)",
                        case.footprint_mib, case.ns_per_load, case.nodes, case.wall_ns_per_load
                    );
                }
                report.chase.push(case);
            }
            Err(e) => skip(&mut report, e)?,
        }
    }
    Ok(report)
}
