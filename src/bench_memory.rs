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

use std::num::NonZeroU64;
use std::time::{Duration, Instant};

use serde::Serialize;
use wgpu::util::DeviceExt;

use crate::solver::gpu::buffers::{map_read, read_back_at, wait_idle};
use crate::solver::gpu::{find_adapter, required_limits, GpuContext};
use crate::{Error, Result};

const COPY_WGSL: &str = include_str!("../shaders/copy.wgsl");
const CHASE_WGSL: &str = include_str!("../shaders/chase.wgsl");

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

/// One Vulkan memory heap or type, as the driver reports it.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryHeap {
    pub index: usize,
    pub size_bytes: u64,
    pub flags: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryType {
    pub index: usize,
    pub heap: u32,
    pub flags: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VulkanMemory {
    pub heaps: Vec<MemoryHeap>,
    pub types: Vec<MemoryType>,
}

/// A device made for the benchmark with a given allocator setting, and the
/// kernels compiled on it.
pub struct MemoryDevice {
    pub ctx: GpuContext,
    pub hints: Hints,
    /// GPU timestamps are used (the adapter has TIMESTAMP_QUERY and they
    /// were asked for).
    pub timestamps: bool,
    /// Memory heaps and types (Vulkan adapters only).
    pub memory: Option<VulkanMemory>,
    kernels: Kernels,
}

struct Kernels {
    copy: wgpu::ComputePipeline,
    fill: wgpu::ComputePipeline,
    chase: wgpu::ComputePipeline,
    link: wgpu::ComputePipeline,
    /// Shared by `chase` and `link_stride`, so one bind group serves both.
    chase_layout: wgpu::BindGroupLayout,
}

/// Keep in sync with `FillParams` in shaders/copy.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FillParams {
    base_word: u32,
    seed: u32,
    _pad: [u32; 2],
}

/// Keep in sync with `ChaseParams` in shaders/chase.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ChaseParams {
    hops: u32,
    start: u32,
    stride_words: u32,
    nodes: u32,
}

/// The fill pattern's word at `word` (index in u32 words from the start of
/// the footprint, wrapping at 2^32); the host twin of `pattern` in
/// shaders/copy.wgsl.
pub fn pattern_word(word: u32, seed: u32) -> u32 {
    let mut x = word ^ seed;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Follow `hops` links of `chain` from `start`: the host twin of `chase`.
/// None if a link leaves the chain.
pub fn cpu_walk(chain: &[u32], start: u32, hops: u32) -> Option<u32> {
    let mut i = start;
    for _ in 0..hops {
        i = *chain.get(i as usize)?;
    }
    Some(i)
}

/// Where the stride chain (`link_stride`) ends after `hops` hops from word 0.
fn stride_chain_end(nodes: u64, stride_words: u64, hops: u32) -> u64 {
    (u64::from(hops) % nodes) * stride_words
}

impl MemoryDevice {
    /// A device on the best adapter with the given allocator hints, the
    /// adapter's own buffer limits, and timestamp queries when the adapter
    /// has them and `use_timestamps` is set.
    pub fn open(hints: Hints, use_timestamps: bool) -> Result<MemoryDevice> {
        pollster::block_on(Self::open_async(hints, use_timestamps))
    }

    async fn open_async(hints: Hints, use_timestamps: bool) -> Result<MemoryDevice> {
        let (_instance, adapter) = find_adapter().await?;
        let info = adapter.get_info();
        let timestamps =
            use_timestamps && adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let required_features = if timestamps {
            wgpu::Features::TIMESTAMP_QUERY
        } else {
            wgpu::Features::empty()
        };
        let memory = vulkan_memory(&adapter);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("cardiotwin bench memory"),
                required_features,
                required_limits: required_limits(&adapter.limits()),
                memory_hints: hints.wgpu(),
                ..Default::default()
            })
            .await
            .map_err(|e| {
                Error::Gpu(format!(
                    "adapter {} refused a device with {} memory hints: {e}",
                    info.name,
                    hints.name()
                ))
            })?;
        let ctx = GpuContext::from_device(device, queue, info);
        let chase_layout = chase_bind_group_layout(&ctx);
        let kernels = Kernels {
            copy: pipeline(&ctx, COPY_WGSL, "copy", None),
            fill: pipeline(&ctx, COPY_WGSL, "fill", None),
            chase: pipeline(&ctx, CHASE_WGSL, "chase", Some(&chase_layout)),
            link: pipeline(&ctx, CHASE_WGSL, "link_stride", Some(&chase_layout)),
            chase_layout,
        };
        Ok(MemoryDevice {
            ctx,
            hints,
            timestamps,
            memory,
            kernels,
        })
    }

    fn device(&self) -> &wgpu::Device {
        self.ctx.device()
    }

    /// Largest window one storage binding may cover, in whole MiB (so
    /// window offsets meet any offset alignment), or the whole `len`.
    fn max_window(&self) -> u64 {
        let limit = self.ctx.limits().max_storage_buffer_binding_size;
        (limit / MIB * MIB).max(MIB)
    }

    fn check_buffer(&self, bytes: u64, what: &str) -> Result<()> {
        let limit = self.ctx.limits().max_buffer_size;
        if bytes > limit {
            return Err(Error::Unsupported(format!(
                "{what}: a buffer of {bytes} bytes exceeds the adapter's max_buffer_size of {limit} bytes"
            )));
        }
        Ok(())
    }

    fn storage(&self, label: &str, bytes: u64, extra: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE | extra,
            mapped_at_creation: false,
        })
    }

    fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device()
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::bytes_of(value),
                usage: wgpu::BufferUsages::UNIFORM,
            })
    }

    /// Run `work` inside out-of-memory and validation error scopes, so a
    /// failed allocation becomes an error naming `what` instead of wgpu's
    /// default panic.
    fn scoped<T>(&self, what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let oom = self
            .device()
            .push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self
            .device()
            .push_error_scope(wgpu::ErrorFilter::Validation);
        let out = work();
        let validation = pollster::block_on(validation.pop());
        let oom = pollster::block_on(oom.pop());
        // Out of memory is a property of the adapter (the configuration is
        // skipped); a validation error is a bug here.
        if let Some(e) = oom {
            return Err(Error::Unsupported(format!("{what}: out of memory: {e}")));
        }
        if let Some(e) = validation {
            return Err(Error::Gpu(format!("{what}: {e}")));
        }
        out
    }

    /// Time `record` (which records `reps` repetitions into one compute
    /// pass): one warm-up submit of one repetition, then doubling the
    /// repetitions until a submit lasts `min_seconds` on the wall clock or
    /// [`MAX_REPS`] is reached.
    fn time_reps(
        &self,
        min_seconds: f64,
        record: &dyn Fn(&mut wgpu::ComputePass<'_>, u32),
    ) -> Result<Timing> {
        let timer = self.timestamps.then(|| Timer::new(self));
        self.time_once(timer.as_ref(), 1, record)?;
        let mut reps = 1u32;
        loop {
            let t = self.time_once(timer.as_ref(), reps, record)?;
            if t.wall_seconds >= min_seconds || reps >= MAX_REPS {
                return Ok(t);
            }
            reps *= 2;
        }
    }

    fn time_once(
        &self,
        timer: Option<&Timer>,
        reps: u32,
        record: &dyn Fn(&mut wgpu::ComputePass<'_>, u32),
    ) -> Result<Timing> {
        let mut enc = self
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("bench memory"),
            });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("bench memory"),
                timestamp_writes: timer.map(|t| wgpu::ComputePassTimestampWrites {
                    query_set: &t.queries,
                    beginning_of_pass_write_index: Some(0),
                    end_of_pass_write_index: Some(1),
                }),
            });
            record(&mut pass, reps);
        }
        if let Some(t) = timer {
            enc.resolve_query_set(&t.queries, 0..2, &t.resolve, 0);
            enc.copy_buffer_to_buffer(&t.resolve, 0, &t.staging, 0, 16);
        }
        let start = Instant::now();
        self.ctx.queue().submit([enc.finish()]);
        wait_idle(&self.ctx, TIMEOUT, "the memory benchmark")?;
        let wall_seconds = start.elapsed().as_secs_f64();
        let gpu_seconds = match timer {
            Some(t) => {
                let bytes = map_read(&self.ctx, &t.staging, 16, TIMEOUT, "timestamps")?;
                let ticks: &[u64] = bytemuck::cast_slice(&bytes);
                let period_ns = f64::from(self.ctx.queue().get_timestamp_period());
                let elapsed = ticks[1].wrapping_sub(ticks[0]) as f64 * period_ns * 1e-9;
                // A zero or absurd reading (some drivers write 0 when the
                // pass was too short to straddle a tick) is no reading.
                (elapsed > 0.0 && elapsed < 10.0 * wall_seconds + 1.0).then_some(elapsed)
            }
            None => None,
        };
        Ok(Timing {
            reps,
            wall_seconds,
            gpu_seconds,
        })
    }
}

struct Timer {
    queries: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    staging: wgpu::Buffer,
}

impl Timer {
    fn new(dev: &MemoryDevice) -> Timer {
        let device = dev.device();
        Timer {
            queries: device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("bench memory timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            }),
            resolve: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamp resolve"),
                size: 16,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            staging: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamp staging"),
                size: 16,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }
}

/// One timed submit.
#[derive(Debug, Clone, Copy)]
struct Timing {
    reps: u32,
    wall_seconds: f64,
    gpu_seconds: Option<f64>,
}

impl Timing {
    /// GPU time where timestamps were read, else wall time.
    fn seconds(&self) -> f64 {
        self.gpu_seconds.unwrap_or(self.wall_seconds).max(1e-12)
    }
}

/// A compute pipeline for `entry` of `source`, with the given bind group
/// layout or (None) the one wgpu derives from the entry point.
fn pipeline(
    ctx: &GpuContext,
    source: &str,
    entry: &str,
    layout: Option<&wgpu::BindGroupLayout>,
) -> wgpu::ComputePipeline {
    let device = ctx.device();
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(entry),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline_layout = layout.map(|l| {
        device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(entry),
            bind_group_layouts: &[Some(l)],
            immediate_size: 0,
        })
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: pipeline_layout.as_ref(),
        module: &module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

fn binding(buffer: &wgpu::Buffer, offset: u64, size: u64) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer,
        offset,
        size: NonZeroU64::new(size),
    })
}

/// Workgroups for a grid-stride kernel over `vec4s` elements.
fn workgroups(vec4s: u64, ctx: &GpuContext) -> u32 {
    let cap = MAX_WORKGROUPS.min(ctx.limits().max_compute_workgroups_per_dimension);
    vec4s.div_ceil(WORKGROUP).clamp(1, u64::from(cap)) as u32
}

/// Split `len` bytes into windows of at most `max` bytes: (offset, len).
fn windows(len: u64, max: u64) -> Vec<(u64, u64)> {
    (0..len.div_ceil(max))
        .map(|k| (k * max, max.min(len - k * max)))
        .collect()
}

/// The copy of one footprint in one layout on one device.
#[derive(Debug, Clone, Serialize)]
pub struct CopyCase {
    pub hints: Hints,
    pub layout: Layout,
    /// Source + destination bytes, in MiB.
    pub footprint_mib: u64,
    /// Buffers allocated (sources and destinations).
    pub buffers: usize,
    /// Size of the largest buffer, MiB.
    pub buffer_mib: f64,
    pub dispatches_per_rep: usize,
    pub reps: u32,
    pub wall_seconds: f64,
    pub gpu_seconds: Option<f64>,
    /// Read + write bytes per second (GPU time where timestamps exist).
    pub bytes_per_s: f64,
    /// The same from the wall clock around submit + wait.
    pub wall_bytes_per_s: f64,
    /// u32 words of the destination compared with the fill pattern.
    pub verified_words: u64,
}

/// One source/destination pair of the copy and the windows it is bound in.
struct Piece {
    src: wgpu::Buffer,
    dst: wgpu::Buffer,
    bytes: u64,
    first_word: u64,
}

/// Measure the WGSL copy of `footprint` bytes (source + destination, a
/// multiple of 2 MiB) laid out as `layout`, then verify a sample.
pub fn measure_copy(
    dev: &MemoryDevice,
    footprint: u64,
    layout: Layout,
    min_seconds: f64,
) -> Result<CopyCase> {
    if footprint == 0 || footprint % (2 * MIB) != 0 {
        return Err(Error::Unsupported(format!(
            "copy footprint of {footprint} bytes: expected a positive multiple of 2 MiB"
        )));
    }
    let half = footprint / 2;
    let sizes = match layout {
        Layout::One => vec![half],
        Layout::Split => windows(half, SPLIT_BUFFER_BYTES)
            .into_iter()
            .map(|(_, len)| len)
            .collect(),
    };
    let what = format!(
        "copy of {} MiB as {} buffer pair(s) ({} hints)",
        footprint / MIB,
        sizes.len(),
        dev.hints.name()
    );
    for &s in &sizes {
        dev.check_buffer(s, &what)?;
    }
    dev.scoped(&what, || {
        let mut first_word = 0u64;
        let pieces: Vec<Piece> = sizes
            .iter()
            .map(|&bytes| {
                let piece = Piece {
                    src: dev.storage("copy src", bytes, wgpu::BufferUsages::empty()),
                    dst: dev.storage("copy dst", bytes, wgpu::BufferUsages::COPY_SRC),
                    bytes,
                    first_word,
                };
                first_word += bytes / 4;
                piece
            })
            .collect();
        let seed = 0x9e37_79b9 ^ (footprint / MIB) as u32;
        let (copy_groups, fill_groups) = copy_bind_groups(dev, &pieces, seed);
        run_once(dev, |pass| {
            pass.set_pipeline(&dev.kernels.fill);
            for (group, count) in &fill_groups {
                pass.set_bind_group(0, group, &[]);
                pass.dispatch_workgroups(*count, 1, 1);
            }
        })?;
        let t = dev.time_reps(min_seconds, &|pass, reps| {
            pass.set_pipeline(&dev.kernels.copy);
            for _ in 0..reps {
                for (group, count) in &copy_groups {
                    pass.set_bind_group(0, group, &[]);
                    pass.dispatch_workgroups(*count, 1, 1);
                }
            }
        })?;
        let verified_words = verify_copy(dev, &pieces, seed)?;
        let moved = footprint as f64 * f64::from(t.reps);
        Ok(CopyCase {
            hints: dev.hints,
            layout,
            footprint_mib: footprint / MIB,
            buffers: 2 * pieces.len(),
            buffer_mib: sizes.iter().copied().max().unwrap_or(0) as f64 / MIB as f64,
            dispatches_per_rep: copy_groups.len(),
            reps: t.reps,
            wall_seconds: t.wall_seconds,
            gpu_seconds: t.gpu_seconds,
            bytes_per_s: moved / t.seconds(),
            wall_bytes_per_s: moved / t.wall_seconds.max(1e-12),
            verified_words,
        })
    })
}

type Dispatches = Vec<(wgpu::BindGroup, u32)>;

/// Bind groups (with their workgroup counts) of the copy and of the fill,
/// one per window of every piece.
fn copy_bind_groups(dev: &MemoryDevice, pieces: &[Piece], seed: u32) -> (Dispatches, Dispatches) {
    let device = dev.device();
    let copy_layout = dev.kernels.copy.get_bind_group_layout(0);
    let fill_layout = dev.kernels.fill.get_bind_group_layout(0);
    let mut copies = Vec::new();
    let mut fills = Vec::new();
    for p in pieces {
        for (offset, len) in windows(p.bytes, dev.max_window()) {
            let groups = workgroups(len / 16, &dev.ctx);
            copies.push((
                device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("copy window"),
                    layout: &copy_layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: binding(&p.src, offset, len),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: binding(&p.dst, offset, len),
                        },
                    ],
                }),
                groups,
            ));
            let params = FillParams {
                base_word: (p.first_word + offset / 4) as u32,
                seed,
                _pad: [0; 2],
            };
            let uniform = dev.uniform("fill params", &params);
            fills.push((
                device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("fill window"),
                    layout: &fill_layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: binding(&p.src, offset, len),
                        },
                        wgpu::BindGroupEntry {
                            binding: 3,
                            resource: uniform.as_entire_binding(),
                        },
                    ],
                }),
                groups,
            ));
        }
    }
    (copies, fills)
}

/// Record one compute pass, submit it and wait.
fn run_once(dev: &MemoryDevice, record: impl FnOnce(&mut wgpu::ComputePass<'_>)) -> Result<()> {
    let mut enc = dev
        .device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("bench memory setup"),
        });
    {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("bench memory setup"),
            timestamp_writes: None,
        });
        record(&mut pass);
    }
    dev.ctx.queue().submit([enc.finish()]);
    wait_idle(&dev.ctx, TIMEOUT, "the memory benchmark set-up")
}

/// Read the start, middle and end of every destination and compare with
/// the fill pattern; returns the number of words compared.
fn verify_copy(dev: &MemoryDevice, pieces: &[Piece], seed: u32) -> Result<u64> {
    let mut checked = 0u64;
    for (k, p) in pieces.iter().enumerate() {
        let len = SAMPLE_BYTES.min(p.bytes);
        let mid = (p.bytes / 2 - len / 2) / 4 * 4;
        for offset in [0, mid, p.bytes - len] {
            let bytes = read_back_at(&dev.ctx, &p.dst, offset, len, TIMEOUT, "copied data")?;
            let words: &[u32] = bytemuck::cast_slice(&bytes);
            for (j, &got) in words.iter().enumerate() {
                let word = p.first_word + offset / 4 + j as u64;
                let want = pattern_word(word as u32, seed);
                if got != want {
                    return Err(Error::Gpu(format!(
                        "the copy kernel is wrong on {}: buffer {k}, byte {}: read {got:#010x}, expected {want:#010x}",
                        dev.ctx.adapter_name(),
                        offset + 4 * j as u64
                    )));
                }
            }
            checked += words.len() as u64;
        }
    }
    Ok(checked)
}

/// Copy `data` with the copy kernel, binding it in windows of at most
/// `window_bytes` (a multiple of 256; `None`: the adapter's binding limit),
/// and read the result back. For tests of the kernel on arbitrary data.
pub fn copy_words(dev: &MemoryDevice, data: &[u32], window_bytes: Option<u64>) -> Result<Vec<u32>> {
    let bytes = (data.len() * 4) as u64;
    if data.is_empty() || bytes % 16 != 0 {
        return Err(Error::Unsupported(format!(
            "copy_words: {} words, expected a positive multiple of 4",
            data.len()
        )));
    }
    let window = window_bytes.unwrap_or_else(|| dev.max_window());
    if window % 256 != 0 {
        return Err(Error::Unsupported(format!(
            "copy_words: window of {window} bytes, expected a multiple of 256"
        )));
    }
    dev.scoped("copy_words", || {
        let device = dev.device();
        let src = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("copy_words src"),
            contents: bytemuck::cast_slice(data),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let dst = dev.storage("copy_words dst", bytes, wgpu::BufferUsages::COPY_SRC);
        let layout = dev.kernels.copy.get_bind_group_layout(0);
        let groups: Dispatches = windows(bytes, window)
            .into_iter()
            .map(|(offset, len)| {
                let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("copy_words window"),
                    layout: &layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: binding(&src, offset, len),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: binding(&dst, offset, len),
                        },
                    ],
                });
                (bg, workgroups(len / 16, &dev.ctx))
            })
            .collect();
        run_once(dev, |pass| {
            pass.set_pipeline(&dev.kernels.copy);
            for (bg, count) in &groups {
                pass.set_bind_group(0, bg, &[]);
                pass.dispatch_workgroups(*count, 1, 1);
            }
        })?;
        let out = read_back_at(&dev.ctx, &dst, 0, bytes, TIMEOUT, "copy_words result")?;
        Ok(bytemuck::cast_slice(&out).to_vec())
    })
}

/// The pointer chase over one footprint on one device.
#[derive(Debug, Clone, Serialize)]
pub struct ChaseCase {
    pub hints: Hints,
    pub footprint_mib: f64,
    pub stride_bytes: u64,
    /// Nodes of the chain (footprint / stride): distinct pages visited.
    pub nodes: u64,
    pub hops_per_dispatch: u32,
    pub dispatches: u32,
    pub wall_seconds: f64,
    pub gpu_seconds: Option<f64>,
    /// Nanoseconds per dependent load (GPU time where timestamps exist).
    pub ns_per_load: f64,
    /// The same from the wall clock (includes submit latency).
    pub wall_ns_per_load: f64,
}

/// Chase a chain of stride [`CHASE_STRIDE_BYTES`] through one buffer of
/// `footprint` bytes and check the final index against the host walk.
pub fn measure_chase(
    dev: &MemoryDevice,
    footprint: u64,
    hops: u32,
    min_seconds: f64,
) -> Result<ChaseCase> {
    check_hops(hops)?;
    let stride = CHASE_STRIDE_BYTES;
    if footprint < stride || footprint % stride != 0 {
        return Err(Error::Unsupported(format!(
            "chase footprint of {footprint} bytes: expected a positive multiple of {stride}"
        )));
    }
    let what = format!(
        "pointer chase over {} MiB ({} hints)",
        footprint / MIB,
        dev.hints.name()
    );
    dev.check_buffer(footprint, &what)?;
    let binding_limit = dev.ctx.limits().max_storage_buffer_binding_size;
    // The chain holds u32 word indices, so it must also stay under 16 GiB.
    if footprint > binding_limit || footprint / 4 > u64::from(u32::MAX) {
        return Err(Error::Unsupported(format!(
            "{what}: one binding of {footprint} bytes exceeds the adapter's \
             max_storage_buffer_binding_size of {binding_limit} bytes"
        )));
    }
    let nodes = footprint / stride;
    let stride_words = stride / 4;
    dev.scoped(&what, || {
        let chain = dev.storage("chase chain", footprint, wgpu::BufferUsages::empty());
        let params = ChaseParams {
            hops,
            start: 0,
            stride_words: stride_words as u32,
            nodes: nodes as u32,
        };
        let (bind, result) = chase_bind_group(dev, &chain, &params);
        run_once(dev, |pass| {
            pass.set_pipeline(&dev.kernels.link);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(workgroups(nodes, &dev.ctx), 1, 1);
        })?;
        let t = dev.time_reps(min_seconds, &|pass, reps| {
            pass.set_pipeline(&dev.kernels.chase);
            pass.set_bind_group(0, &bind, &[]);
            for _ in 0..reps {
                pass.dispatch_workgroups(1, 1, 1);
            }
        })?;
        let got = read_result(dev, &result)?;
        let want = stride_chain_end(nodes, stride_words, hops);
        if u64::from(got) != want {
            return Err(Error::Gpu(format!(
                "{what}: the chase ended at word {got}, the host walk at {want}"
            )));
        }
        let loads = f64::from(hops) * f64::from(t.reps);
        Ok(ChaseCase {
            hints: dev.hints,
            footprint_mib: footprint as f64 / MIB as f64,
            stride_bytes: stride,
            nodes,
            hops_per_dispatch: hops,
            dispatches: t.reps,
            wall_seconds: t.wall_seconds,
            gpu_seconds: t.gpu_seconds,
            ns_per_load: t.seconds() / loads * 1e9,
            wall_ns_per_load: t.wall_seconds / loads * 1e9,
        })
    })
}

fn chase_bind_group(
    dev: &MemoryDevice,
    chain: &wgpu::Buffer,
    params: &ChaseParams,
) -> (wgpu::BindGroup, wgpu::Buffer) {
    let result = dev.storage("chase result", 16, wgpu::BufferUsages::COPY_SRC);
    let uniform = dev.uniform("chase params", params);
    let bg = dev.device().create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("chase"),
        layout: &dev.kernels.chase_layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: chain.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: result.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: uniform.as_entire_binding(),
            },
        ],
    });
    (bg, result)
}

/// chain (storage), result (storage), params (uniform): shaders/chase.wgsl.
fn chase_bind_group_layout(ctx: &GpuContext) -> wgpu::BindGroupLayout {
    let storage = |binding| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only: false },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    ctx.device()
        .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("chase"),
            entries: &[
                storage(0),
                storage(1),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: NonZeroU64::new(16),
                    },
                    count: None,
                },
            ],
        })
}

fn read_result(dev: &MemoryDevice, result: &wgpu::Buffer) -> Result<u32> {
    let bytes = read_back_at(&dev.ctx, result, 0, 4, TIMEOUT, "chase result")?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Run the chase kernel once on an arbitrary `chain` from `start` for
/// `hops` hops and return where it ended. For tests of the kernel.
pub fn chase_words(dev: &MemoryDevice, chain: &[u32], start: u32, hops: u32) -> Result<u32> {
    if chain.is_empty() {
        return Err(Error::Unsupported("chase_words: empty chain".into()));
    }
    check_hops(hops)?;
    dev.scoped("chase_words", || {
        let buffer = dev
            .device()
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("chase_words chain"),
                contents: bytemuck::cast_slice(chain),
                usage: wgpu::BufferUsages::STORAGE,
            });
        let params = ChaseParams {
            hops,
            start,
            stride_words: 0,
            nodes: 0,
        };
        let (bind, result) = chase_bind_group(dev, &buffer, &params);
        run_once(dev, |pass| {
            pass.set_pipeline(&dev.kernels.chase);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        })?;
        read_result(dev, &result)
    })
}

fn check_hops(hops: u32) -> Result<()> {
    if hops > MAX_CHASE_HOPS {
        return Err(Error::Unsupported(format!(
            "{hops} hops in one chase dispatch: at most {MAX_CHASE_HOPS}"
        )));
    }
    Ok(())
}

/// Memory heaps and types of a Vulkan adapter, from the driver.
#[cfg(all(
    not(target_arch = "wasm32"),
    any(windows, all(unix, not(target_vendor = "apple")))
))]
fn vulkan_memory(adapter: &wgpu::Adapter) -> Option<VulkanMemory> {
    // SAFETY: the hal adapter is only read (one query of static properties)
    // while `adapter` is alive, and no wgpu object is created from it.
    let hal = unsafe { adapter.as_hal::<wgpu::hal::api::Vulkan>() }?;
    let props = unsafe {
        hal.shared_instance()
            .raw_instance()
            .get_physical_device_memory_properties(hal.raw_physical_device())
    };
    let heaps = props
        .memory_heaps_as_slice()
        .iter()
        .enumerate()
        .map(|(index, h)| MemoryHeap {
            index,
            size_bytes: h.size,
            flags: format!("{:?}", h.flags),
        })
        .collect();
    let types = props
        .memory_types_as_slice()
        .iter()
        .enumerate()
        .map(|(index, t)| MemoryType {
            index,
            heap: t.heap_index,
            flags: format!("{:?}", t.property_flags),
        })
        .collect();
    Some(VulkanMemory { heaps, types })
}

#[cfg(not(all(
    not(target_arch = "wasm32"),
    any(windows, all(unix, not(target_vendor = "apple")))
)))]
fn vulkan_memory(_adapter: &wgpu::Adapter) -> Option<VulkanMemory> {
    None
}

/// Powers of two from `from` to `to` inclusive (both in bytes).
pub fn powers_of_two(from: u64, to: u64) -> Vec<u64> {
    std::iter::successors(Some(from.max(1)), |&s| s.checked_mul(2))
        .take_while(|&s| s <= to)
        .collect()
}
