//! The benchmark device: a wgpu device with given allocator hints, the
//! kernels compiled on it, error scopes and timed submits.

use super::*;
use std::num::NonZeroU64;
use std::time::Instant;

use wgpu::util::DeviceExt;

use crate::solver::gpu::buffers::{map_read, wait_idle};
use crate::solver::gpu::{find_adapter, required_limits, GpuContext};
use crate::{Error, Result};

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
    pub(super) kernels: Kernels,
}

pub(super) struct Kernels {
    pub(super) copy: wgpu::ComputePipeline,
    pub(super) fill: wgpu::ComputePipeline,
    pub(super) chase: wgpu::ComputePipeline,
    pub(super) link: wgpu::ComputePipeline,
    /// Shared by `chase` and `link_stride`, so one bind group serves both.
    pub(super) chase_layout: wgpu::BindGroupLayout,
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

    pub(super) fn device(&self) -> &wgpu::Device {
        self.ctx.device()
    }

    /// Largest window one storage binding may cover, in whole MiB (so
    /// window offsets meet any offset alignment), or the whole `len`.
    pub(super) fn max_window(&self) -> u64 {
        let limit = self.ctx.limits().max_storage_buffer_binding_size;
        (limit / MIB * MIB).max(MIB)
    }

    pub(super) fn check_buffer(&self, bytes: u64, what: &str) -> Result<()> {
        let limit = self.ctx.limits().max_buffer_size;
        if bytes > limit {
            return Err(Error::Unsupported(format!(
                "{what}: a buffer of {bytes} bytes exceeds the adapter's max_buffer_size of {limit} bytes"
            )));
        }
        Ok(())
    }

    pub(super) fn storage(
        &self,
        label: &str,
        bytes: u64,
        extra: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        self.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE | extra,
            mapped_at_creation: false,
        })
    }

    pub(super) fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
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
    pub(super) fn scoped<T>(&self, what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
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
    pub(super) fn time_reps(
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
pub(super) struct Timing {
    pub(super) reps: u32,
    pub(super) wall_seconds: f64,
    pub(super) gpu_seconds: Option<f64>,
}

impl Timing {
    /// GPU time where timestamps were read, else wall time.
    pub(super) fn seconds(&self) -> f64 {
        self.gpu_seconds.unwrap_or(self.wall_seconds).max(1e-12)
    }
}

/// A compute pipeline for `entry` of `source`, with the given bind group
/// layout or (None) the one wgpu derives from the entry point.
pub(super) fn pipeline(
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

pub(super) fn binding(buffer: &wgpu::Buffer, offset: u64, size: u64) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer,
        offset,
        size: NonZeroU64::new(size),
    })
}

/// Workgroups for a grid-stride kernel over `vec4s` elements.
pub(super) fn workgroups(vec4s: u64, ctx: &GpuContext) -> u32 {
    let cap = MAX_WORKGROUPS.min(ctx.limits().max_compute_workgroups_per_dimension);
    vec4s.div_ceil(WORKGROUP).clamp(1, u64::from(cap)) as u32
}

/// Split `len` bytes into windows of at most `max` bytes: (offset, len).
pub(super) fn windows(len: u64, max: u64) -> Vec<(u64, u64)> {
    (0..len.div_ceil(max))
        .map(|k| (k * max, max.min(len - k * max)))
        .collect()
}

/// Record one compute pass, submit it and wait.
pub(super) fn run_once(
    dev: &MemoryDevice,
    record: impl FnOnce(&mut wgpu::ComputePass<'_>),
) -> Result<()> {
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
