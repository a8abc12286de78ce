//! The one-thread pointer chase (shaders/chase.wgsl) at a 64 KiB stride,
//! checked against a host walk of the same chain.

use super::*;
use std::num::NonZeroU64;

use serde::Serialize;
use wgpu::util::DeviceExt;

use crate::solver::gpu::buffers::read_back_at;
use crate::solver::gpu::GpuContext;
use crate::{Error, Result};

/// Keep in sync with `ChaseParams` in shaders/chase.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ChaseParams {
    hops: u32,
    start: u32,
    stride_words: u32,
    nodes: u32,
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
pub(super) fn chase_bind_group_layout(ctx: &GpuContext) -> wgpu::BindGroupLayout {
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
