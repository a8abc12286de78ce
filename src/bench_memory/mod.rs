//! `cardiotwin bench memory`: why large GPU footprints run slower.
//!
//! On an H100 both the step kernel and a plain wgpu buffer copy dropped 2-4x
//! once the buffers passed about 256 MB, while CUDA copies on the same card
//! did not (benches/RESULTS.md). wgpu's Vulkan allocator (gpu-allocator)
//! sub-allocates buffers from 128-256 MiB memory blocks under the default
//! `MemoryHints::Performance` and gives larger buffers a dedicated
//! allocation, so the suspects are the allocation path and the page size
//! behind it. This module measures, on one adapter:
//!
//! - a WGSL read-write copy (shaders/copy.wgsl) at footprints of 64 MiB to
//!   2 GiB (source + destination), once as one buffer pair and once split
//!   into buffers of at most [`SPLIT_BUFFER_BYTES`], each on a device made
//!   with the default hints and with small manual allocator blocks
//!   ([`Hints::ManualSmall`], which makes every large buffer dedicated);
//! - the plain `copy_buffer_to_buffer` rate at the same sizes, for reference;
//! - a single-thread pointer chase (shaders/chase.wgsl) at a 64 KiB stride:
//!   each hop lands on a new 64 KiB page, so the ns per load shows the TLB
//!   reach and page-walk cost at each footprint.
//!
//! Timing uses GPU timestamps where the adapter has TIMESTAMP_QUERY, and the
//! wall clock around submit + wait otherwise (both are reported when both
//! exist). Every copy configuration is checked once on the host (a sample of
//! the destination against the fill pattern) and every chase's final index
//! against a host walk of the same chain, so a fast wrong kernel cannot pass
//! as a fast one.

//!
//! One job per file: `device` (the benchmark device, its kernels and
//! timing), `copy` (the WGSL copy and the step bench's roofline), `chase`
//! (the pointer chase), `memory_info` (the Vulkan heaps and types),
//! `footprints` (the lists of sizes measured).

use std::time::Duration;

use serde::Serialize;

mod chase;
mod copy;
mod device;
mod footprints;
mod memory_info;

pub use chase::*;
pub use copy::*;
pub use device::*;
pub use footprints::*;
pub use memory_info::*;

const COPY_WGSL: &str = include_str!("../../shaders/copy.wgsl");
const CHASE_WGSL: &str = include_str!("../../shaders/chase.wgsl");

pub const MIB: u64 = 1 << 20;

/// Largest buffer of the "split" layout: under gpu-allocator's smallest
/// default block (128 MiB), so every piece is sub-allocated, never dedicated.
pub const SPLIT_BUFFER_BYTES: u64 = 64 * MIB;

/// The pointer-chase stride: one hop per 64 KiB page.
pub const CHASE_STRIDE_BYTES: u64 = 64 * 1024;

/// Hops per chase dispatch: long enough that launch overhead is small next
/// to the loads (65536 hops at 100 ns = 6.5 ms), short enough for 12
/// footprints x 2 devices to stay within seconds at 1 us per hop.
pub const CHASE_HOPS: u32 = 1 << 16;

/// Most hops one chase dispatch may run: the kernel unrolls 16 hops per
/// loop iteration and llvmpipe ends loops after 65535 iterations.
pub const MAX_CHASE_HOPS: u32 = 16 * 65535;

/// Workgroups per copy/fill dispatch at most (grid-stride loops cover the
/// rest): 4096 x 256 threads is several waves on the largest GPUs.
const MAX_WORKGROUPS: u32 = 4096;
const WORKGROUP: u64 = 256;

/// Bytes read back per sample when a copy is verified (start, middle and
/// end of every destination buffer).
const SAMPLE_BYTES: u64 = 4096;

/// How many timed repetitions one submit may hold at most.
const MAX_REPS: u32 = 4096;

const TIMEOUT: Duration = Duration::from_secs(120);

/// wgpu memory-allocator settings compared by the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hints {
    /// wgpu's default: device blocks of 128-256 MiB; larger buffers dedicated.
    Performance,
    /// `MemoryHints::Manual` with 4-16 MiB blocks: every buffer above 16 MiB
    /// gets a dedicated allocation.
    ManualSmall,
}

impl Hints {
    pub fn wgpu(self) -> wgpu::MemoryHints {
        match self {
            Hints::Performance => wgpu::MemoryHints::Performance,
            Hints::ManualSmall => wgpu::MemoryHints::Manual {
                suballocated_device_memory_block_size: 4 * MIB..16 * MIB,
            },
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Hints::Performance => "performance",
            Hints::ManualSmall => "manual-small",
        }
    }
}

/// How a copy footprint is laid out in buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One source and one destination buffer of half the footprint each.
    One,
    /// The same bytes in buffers of at most [`SPLIT_BUFFER_BYTES`], one
    /// dispatch per pair.
    Split,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::One => "one",
            Layout::Split => "split",
        }
    }
}
