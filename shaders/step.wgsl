// The fused monodomain step: one invocation per node i does
//   diffusion (CSR SpMV row i of A = -M^-1 K, 1/ms)
//   + Aliev-Panfilov reaction (forward Euler, model time = ms / T)
//   + stimulus (rates of the stimuli whose bits are set and which are on)
//   + activation / repolarisation time recording (linear interpolation),
// reading u_in/v_in and writing u_out/v_out (ping-pong), lat/repol in place.
//
// CPU twin: `step_node` in src/solver/kernels.rs: same order of operations.
// Host mirrors of Params and StepSlot: src/solver/gpu/layout.rs. Keep in sync.

const WORKGROUP_SIZE: u32 = 256u;
const FLAG_INERT: u32 = 0x80000000u;
const NO_TIME: f32 = -1.0;
const EXPONENT_MASK: u32 = 0x7f800000u;

struct Params {
    n: u32,
    dt: f32,             // ms
    lat_threshold: f32,  // u
    repol_threshold: f32,
    k: f32,
    a: f32,
    eps0: f32,
    mu1: f32,
    mu2: f32,
    inv_t: f32,          // 1 / T_NORM_MS, 1/ms
    n_stimuli: u32,
    n_probes: u32,
    runaway_min: f32,    // u below this, above runaway_max or not finite = blow-up
    runaway_max: f32,
    _pad0: u32,
    _pad1: u32,
    stim_rate: array<vec4<f32>, 8>, // du/dt of stimulus s at [s / 4][s % 4], 1/ms
}

// One per step of a submit, bound with a dynamic offset.
struct StepSlot {
    k: u32,       // step index inside the submit
    stim_on: u32,  // bit s: stimulus s is on during this step
    t: f32,       // time at the start of the step, ms
    sample: u32,  // probe history row (probe.wgsl only)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<uniform> slot: StepSlot;
@group(0) @binding(2) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> col_idx: array<u32>;
@group(0) @binding(4) var<storage, read> values: array<f32>;
@group(0) @binding(5) var<storage, read> node_flags: array<u32>;
@group(0) @binding(6) var<storage, read> u_in: array<f32>;
@group(0) @binding(7) var<storage, read> v_in: array<f32>;
@group(0) @binding(8) var<storage, read_write> u_out: array<f32>;
@group(0) @binding(9) var<storage, read_write> v_out: array<f32>;
@group(0) @binding(10) var<storage, read_write> lat: array<f32>;
@group(0) @binding(11) var<storage, read_write> repol: array<f32>;
// [0]: smallest step index k (in this submit) at which some u left
// [runaway_min, runaway_max] (kernels::is_runaway).
@group(0) @binding(12) var<storage, read_write> status: array<atomic<u32>>;

// Sum of the rates of the active stimuli set in `flags`, in ascending bit
// order like `kernels::stimulus_rate`.
fn stimulus_rate(flags: u32) -> f32 {
    var bits = flags & slot.stim_on & ~FLAG_INERT;
    var rate = 0.0;
    loop {
        if bits == 0u {
            break;
        }
        let s = firstTrailingBit(bits);
        bits = bits & (bits - 1u);
        rate = rate + params.stim_rate[s >> 2u][s & 3u];
    }
    return rate;
}

// True for NaN and +-inf. A bit test, because `x != x` style checks may be
// optimised away by compilers that assume finite math.
fn is_non_finite(x: f32) -> bool {
    return (bitcast<u32>(x) & EXPONENT_MASK) == EXPONENT_MASK;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    // 2D grid when the node count needs more than 65535 workgroups.
    let i = (wg.y * nwg.x + wg.x) * WORKGROUP_SIZE + local;
    if i >= params.n {
        return;
    }
    let flags = node_flags[i];
    let ui = u_in[i];
    let vi = v_in[i];
    if (flags & FLAG_INERT) != 0u {
        // Ping-pong: the other buffer must still receive the state.
        u_out[i] = ui;
        v_out[i] = vi;
        return;
    }

    var diffusion = 0.0;
    let end = row_ptr[i + 1u];
    for (var e = row_ptr[i]; e < end; e = e + 1u) {
        diffusion = diffusion + values[e] * u_in[col_idx[e]];
    }

    let du_r = -params.k * ui * (ui - params.a) * (ui - 1.0) - ui * vi;
    let eps = params.eps0 + params.mu1 * vi / (ui + params.mu2);
    let dv_r = eps * (-vi - params.k * ui * (ui - params.a - 1.0));
    let dt = params.dt;
    let u_new = ui + dt * (diffusion + du_r * params.inv_t + stimulus_rate(flags));
    let v_new = vi + dt * dv_r * params.inv_t;
    u_out[i] = u_new;
    v_out[i] = v_new;

    if is_non_finite(u_new) || u_new < params.runaway_min || u_new > params.runaway_max {
        atomicMin(&status[0], slot.k);
    }

    let t = slot.t;
    let lat_i = lat[i];
    let th = params.lat_threshold;
    if lat_i == NO_TIME && ui < th && u_new >= th {
        lat[i] = t + dt * (th - ui) / (u_new - ui);
    }
    let rth = params.repol_threshold;
    if lat_i != NO_TIME && repol[i] == NO_TIME && ui >= rth && u_new < rth {
        repol[i] = t + dt * (ui - rth) / (ui - u_new);
    }
}
