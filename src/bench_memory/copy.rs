//! The WGSL read-write copy (shaders/copy.wgsl): measured per footprint and
//! layout, verified on the host, and the step bench's roofline.

use super::*;

use serde::Serialize;
use wgpu::util::DeviceExt;

use crate::solver::gpu::buffers::read_back_at;
use crate::{Error, Result};

/// Keep in sync with `FillParams` in shaders/copy.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FillParams {
    base_word: u32,
    seed: u32,
    _pad: [u32; 2],
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

/// The roofline of `cardiotwin bench`'s step kernel: read + write bytes per
/// second of the WGSL compute copy (`measure_copy`, one buffer pair) over a
/// footprint of `step_bytes` rounded up to the copy's 2 MiB granule.
///
/// A compute copy, not `copy_buffer_to_buffer`: on an H200 the latter is a
/// transfer path at 0.21-0.85 TB/s depending on size while WGSL copies reach
/// 3.5-4.0 TB/s, so a fraction against it read 149-573 %.
pub fn compute_copy_roofline(dev: &MemoryDevice, step_bytes: u64, min_seconds: f64) -> Result<f64> {
    let footprint = step_bytes.max(1).div_ceil(2 * MIB) * 2 * MIB;
    Ok(measure_copy(dev, footprint, Layout::One, min_seconds)?.bytes_per_s)
}
