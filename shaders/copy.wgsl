// Copy-bandwidth kernels of `cardiotwin bench memory` (src/bench_memory.rs).
//
// `fill` writes a hash pattern into one window of a buffer so the copy can be
// checked on the host; `copy` is the timed kernel: a plain read-write copy of
// vec4<u32> words, grid-stride so one dispatch of at most a few thousand
// workgroups covers any window the binding limit allows.

// Keep in sync with `FillParams` in src/bench_memory.rs.
struct FillParams {
    // Index, in u32 words from the start of the whole footprint, of this
    // window's first word (wraps at 2^32; the host wraps the same way).
    base_word: u32,
    seed: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;

@group(0) @binding(2) var<storage, read_write> target_words: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> fill_params: FillParams;

const WORKGROUP: u32 = 256u;

// Chris Wellons' lowbias32 integer hash; mirrored by `pattern_word` on the host.
fn lowbias32(x_in: u32) -> u32 {
    var x = x_in;
    x ^= x >> 16u;
    x *= 0x7feb352du;
    x ^= x >> 15u;
    x *= 0x846ca68bu;
    x ^= x >> 16u;
    return x;
}

fn pattern(word: u32) -> u32 {
    return lowbias32(word ^ fill_params.seed);
}

@compute @workgroup_size(256)
fn copy(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let n = arrayLength(&dst);
    let stride = groups.x * WORKGROUP;
    for (var i = gid.x; i < n; i += stride) {
        dst[i] = src[i];
    }
}

@compute @workgroup_size(256)
fn fill(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let n = arrayLength(&target_words);
    let stride = groups.x * WORKGROUP;
    for (var i = gid.x; i < n; i += stride) {
        let w = fill_params.base_word + 4u * i;
        target_words[i] = vec4<u32>(pattern(w), pattern(w + 1u), pattern(w + 2u), pattern(w + 3u));
    }
}
