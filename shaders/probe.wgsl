// Probe sampling: copies u at the probe nodes into row `slot.sample` of the
// probe history (row-major: sample, probe). Dispatched just before the step
// whose state it samples.
// Host mirrors of Params and StepSlot: src/solver/gpu/layout.rs; Params must
// match shaders/step.wgsl field for field (one buffer serves both). Keep in sync.

const WORKGROUP_SIZE: u32 = 64u;

struct Params {
    n: u32,
    dt: f32,
    lat_threshold: f32,
    repol_threshold: f32,
    k: f32,
    a: f32,
    eps0: f32,
    mu1: f32,
    mu2: f32,
    inv_t: f32,
    n_stimuli: u32,
    n_probes: u32,
    runaway_min: f32,
    runaway_max: f32,
    _pad0: u32,
    _pad1: u32,
    stim_rate: array<vec4<f32>, 8>,
}

struct StepSlot {
    k: u32,
    stim_on: u32,
    t: f32,
    sample: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<uniform> slot: StepSlot;
@group(0) @binding(2) var<storage, read> probe_nodes: array<u32>;
@group(0) @binding(3) var<storage, read> u: array<f32>;
@group(0) @binding(4) var<storage, read_write> history: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn probe(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    if j >= params.n_probes {
        return;
    }
    history[slot.sample * params.n_probes + j] = u[probe_nodes[j]];
}
