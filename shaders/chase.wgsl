// Pointer-chase latency kernels of `cardiotwin bench memory`
// (src/bench_memory.rs).
//
// `chase` runs on one thread: each load's address is the previous load's
// value, so the loads cannot overlap and the time per hop is the latency of
// the memory system (caches, TLBs, page walks) at that footprint and stride.
// `link_stride` builds the chain on the GPU (a host upload of a 2 GiB buffer
// would take longer than the measurement): node k sits at word k * stride
// and points at node (k + 1) mod nodes.

// Keep in sync with `ChaseParams` in src/bench_memory.rs.
struct ChaseParams {
    hops: u32,
    start: u32,
    stride_words: u32,
    nodes: u32,
}

@group(0) @binding(0) var<storage, read_write> chain: array<u32>;
@group(0) @binding(1) var<storage, read_write> result: array<u32>;
@group(0) @binding(2) var<uniform> params: ChaseParams;

// llvmpipe (lavapipe) silently ends a shader's loops after 65535 iterations
// (gallivm's loop limiter; nested loops did not escape it either), so the
// hops are unrolled 16 per iteration: one loop of hops / 16 iterations and
// one of the remainder. The host keeps hops / 16 under 65535
// (`MAX_CHASE_HOPS` in src/bench_memory.rs).
@compute @workgroup_size(1)
fn chase() {
    var i = params.start;
    let blocks = params.hops / 16u;
    for (var b = 0u; b < blocks; b++) {
        i = chain[i]; i = chain[i]; i = chain[i]; i = chain[i];
        i = chain[i]; i = chain[i]; i = chain[i]; i = chain[i];
        i = chain[i]; i = chain[i]; i = chain[i]; i = chain[i];
        i = chain[i]; i = chain[i]; i = chain[i]; i = chain[i];
    }
    for (var h = 0u; h < params.hops % 16u; h++) {
        i = chain[i];
    }
    // Written so the loop cannot be optimised away; the host checks it
    // against its own walk of the same chain.
    result[0] = i;
}

@compute @workgroup_size(256)
fn link_stride(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    for (var k = gid.x; k < params.nodes; k += stride) {
        chain[k * params.stride_words] = ((k + 1u) % params.nodes) * params.stride_words;
    }
}
