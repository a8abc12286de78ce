//! Host mirrors of the WGSL uniform structs and the mapping from a node
//! index to a dispatch grid. Keep in sync with shaders/step.wgsl and
//! shaders/probe.wgsl (the shaders say the same back).

use bytemuck::{Pod, Zeroable};

use crate::{Error, Result};

/// Invocations per workgroup of the step kernel (`WORKGROUP_SIZE` in
/// shaders/step.wgsl).
pub const STEP_WORKGROUP_SIZE: u32 = 256;
/// Invocations per workgroup of the probe kernel (shaders/probe.wgsl).
pub const PROBE_WORKGROUP_SIZE: u32 = 64;
/// Status value meaning "no node left the model's range this submit".
pub const STATUS_OK: u32 = u32::MAX;

/// Per-problem constants, written once. Keep in sync with `Params` in
/// shaders/step.wgsl and shaders/probe.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Params {
    /// Node count.
    pub n: u32,
    /// Time step (ms).
    pub dt: f32,
    /// u threshold for activation.
    pub lat_threshold: f32,
    /// u threshold for repolarisation.
    pub repol_threshold: f32,
    /// Aliev–Panfilov parameters (dimensionless).
    pub k: f32,
    pub a: f32,
    pub eps0: f32,
    pub mu1: f32,
    pub mu2: f32,
    /// 1 / T_NORM_MS (1/ms): model time units per ms.
    pub inv_t: f32,
    pub n_stimuli: u32,
    pub n_probes: u32,
    /// u outside [runaway_min, runaway_max] (or not finite) is a blow-up:
    /// `kernels::RUNAWAY_U_MIN` / `RUNAWAY_U_MAX`, as f32.
    pub runaway_min: f32,
    pub runaway_max: f32,
    /// Pads `stim_rate` to its 16-byte uniform alignment.
    pub _pad0: u32,
    pub _pad1: u32,
    /// du/dt (1/ms) of stimulus s at `[s / 4][s % 4]` (uniform arrays need a
    /// 16-byte stride, so four rates share one vec4).
    pub stim_rate: [[f32; 4]; 8],
}

const _: () = assert!(std::mem::size_of::<Params>() == 192);

/// What changes from one step of a submit to the next, bound with a dynamic
/// offset (one aligned slot per step). Keep in sync with `StepSlot` in
/// shaders/step.wgsl and shaders/probe.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct StepSlot {
    /// Index of the step inside its submit; what the blow-up status records.
    pub k: u32,
    /// Bit s set = stimulus s is on during this step, decided on the host in
    /// f64 exactly like the CPU twin (an f32 time could move a pulse edge).
    pub stim_on: u32,
    /// Time at the start of the step (ms), rounded once from f64.
    pub t: f32,
    /// Row of the probe history this step's sample goes to (probe kernel
    /// only; `u32::MAX` when the step takes no sample).
    pub sample: u32,
}

const _: () = assert!(std::mem::size_of::<StepSlot>() == 16);

/// Byte distance between two slots: the struct rounded up to the device's
/// dynamic-offset alignment (256 on most GPUs).
pub fn slot_stride(min_uniform_buffer_offset_alignment: u32) -> u64 {
    let align = u64::from(min_uniform_buffer_offset_alignment.max(1));
    (std::mem::size_of::<StepSlot>() as u64).div_ceil(align) * align
}

/// Workgroup grid `[x, y]` covering `items` invocations with workgroups of
/// `workgroup_size`, using a second dimension once one dimension would
/// exceed `max_per_dim` workgroups. Some trailing invocations are idle
/// (the kernels check `i < n`).
pub fn dispatch_grid(items: u64, workgroup_size: u32, max_per_dim: u32) -> Result<[u32; 2]> {
    let groups = items.div_ceil(u64::from(workgroup_size.max(1)));
    let max = u64::from(max_per_dim.max(1));
    if groups <= max {
        return Ok([groups as u32, 1]);
    }
    let y = groups.div_ceil(max);
    if y > max {
        return Err(Error::Gpu(format!(
            "{items} nodes need {groups} workgroups of {workgroup_size}, more than \
             {max} x {max} (the adapter's max_compute_workgroups_per_dimension squared)"
        )));
    }
    Ok([max as u32, y as u32])
}

/// The node an invocation works on: CPU twin of the index computation at the
/// top of the kernels (`(wg.y * num_workgroups.x + wg.x) * size + local`).
pub fn node_index(
    workgroup_id: [u32; 2],
    num_workgroups_x: u32,
    local_index: u32,
    workgroup_size: u32,
) -> u64 {
    (u64::from(workgroup_id[1]) * u64::from(num_workgroups_x) + u64::from(workgroup_id[0]))
        * u64::from(workgroup_size)
        + u64::from(local_index)
}
