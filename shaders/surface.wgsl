// The mesh surface of the viewer, coloured per vertex from a scalar field
// that is read in the vertex shader straight from a storage buffer: the
// solver's u or lat buffer (no copy to the CPU per frame) or a field the app
// uploaded. Host side: src/viewer/render/ (gpu_data.rs mirrors these structs;
// keep in sync).

struct Frame {
    view_proj: mat4x4<f32>,
    eye: vec4<f32>,
    light_dir: vec4<f32>,
    // physical value = scale * stored + offset (u -> Vm in mV: 100 u - 80)
    scale: f32,
    offset: f32,
    min: f32,
    max: f32,
    missing_below: f32,
    lut_offset: u32,
    mode: u32,            // 0: scalar through a colour map, 1: regions
    index_by_solver: u32,
    lit: u32,
    encode_srgb: u32,
    viewport: vec2<f32>,
    missing_colour: vec4<f32>,
    // > 0: iso-lines of the physical value every this much (LAT isochrones,
    // ms); 0: none.
    isoline_step: f32,
    pad0: f32,
    pad1: f32,
    pad2: f32,
}

// Colour maps (256 entries each, linear RGBA, from src/output/colormap.rs so
// PNGs and the app agree) and the categorical region palette.
struct Tables {
    luts: array<vec4<f32>, 512>,
    palette: array<vec4<f32>, 12>,
}

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<uniform> tables: Tables;
// Indexed by solver node (solver buffers) or mesh node (uploaded fields).
@group(1) @binding(0) var<storage, read> field: array<f32>;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) solver_index: u32,
    @location(3) node_index: u32,
    @location(4) region: u32,
}

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    // Position along the colour map (0..1), interpolated so the map is
    // looked up per pixel, as the PNG renderer does.
    @location(2) t: f32,
    // 1 where the value is missing (never activated): drawn grey.
    @location(3) missing: f32,
    @location(4) @interpolate(flat) region: u32,
    // The physical value itself (ms for LAT), for the iso-lines.
    @location(5) value: f32,
}

@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    var out: VertexOut;
    out.clip = frame.view_proj * vec4<f32>(v.position, 1.0);
    out.world = v.position;
    out.normal = v.normal;
    out.region = v.region;
    out.t = 0.0;
    out.missing = 0.0;
    out.value = 0.0;
    if frame.mode == 0u {
        let n = arrayLength(&field);
        var i = v.node_index;
        if frame.index_by_solver == 1u {
            i = v.solver_index;
        }
        if i < n {
            let stored = field[i];
            if stored < frame.missing_below {
                out.missing = 1.0;
            }
            let value = frame.scale * stored + frame.offset;
            out.value = value;
            let span = frame.max - frame.min;
            if span != 0.0 {
                out.t = clamp((value - frame.min) / span, 0.0, 1.0);
            } else {
                out.t = 0.5;
            }
        } else {
            out.missing = 1.0;
        }
    }
    return out;
}

const AMBIENT: f32 = 0.28;
const DIFFUSE: f32 = 0.72;
const SPECULAR: f32 = 0.18;
const SHININESS: f32 = 40.0;
// Back faces (the inside of a cut or open surface) are drawn darker.
const BACK_FACE: f32 = 0.7;

// Two-sided Lambert with a headlight-ish key light and a little specular;
// shared idea with overlay.wgsl.
fn shade(base: vec3<f32>, normal: vec3<f32>, world: vec3<f32>, front: bool) -> vec3<f32> {
    var n = normalize(normal);
    let view = normalize(frame.eye.xyz - world);
    // Light the side we see: the inside of an open or clipped surface, and
    // triangle meshes whatever their orientation.
    if dot(n, view) < 0.0 {
        n = -n;
    }
    let l = frame.light_dir.xyz;
    let diffuse = max(dot(n, l), 0.0);
    let h = normalize(l + view);
    let spec = SPECULAR * pow(max(dot(n, h), 0.0), SHININESS);
    var c = base * (AMBIENT + DIFFUSE * diffuse) + vec3<f32>(spec);
    if !front {
        c = c * BACK_FACE;
    }
    return c;
}

fn encode(c: vec3<f32>) -> vec3<f32> {
    if frame.encode_srgb == 0u {
        return c;
    }
    let lo = c * 12.92;
    let hi = 1.055 * pow(max(c, vec3<f32>(0.0)), vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(hi, lo, c <= vec3<f32>(0.0031308));
}

// Iso-lines: about this many pixels wide, drawn in this (linear) colour.
const ISOLINE_WIDTH_PX: f32 = 1.5;
const ISOLINE_COLOUR: vec3<f32> = vec3<f32>(0.01, 0.01, 0.01);

// True where the value lies within half a line width (in pixels, from the
// value's screen-space rate of change `per_px`, in steps) of a positive
// multiple of the step. Flat regions (per_px = 0) have no line.
fn on_isoline(steps: f32, per_px: f32) -> bool {
    let nearest = round(steps);
    let off = abs(steps - nearest);
    return nearest >= 1.0 && per_px > 0.0 && off < 0.5 * ISOLINE_WIDTH_PX * per_px;
}

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front: bool) -> @location(0) vec4<f32> {
    // Derivatives must be taken in uniform control flow: before any branch.
    let steps = in.value / max(frame.isoline_step, 1e-30);
    let per_px = fwidth(steps);
    var base: vec3<f32>;
    if frame.mode == 1u {
        base = tables.palette[in.region % 12u].rgb;
    } else if in.missing > 0.5 {
        base = frame.missing_colour.rgb;
    } else {
        let k = u32(round(clamp(in.t, 0.0, 1.0) * 255.0));
        base = tables.luts[frame.lut_offset + k].rgb;
        // No line in a triangle touching a missing node: its interpolated
        // value is not a time.
        if frame.isoline_step > 0.0 && in.missing == 0.0 && on_isoline(steps, per_px) {
            base = ISOLINE_COLOUR;
        }
    }
    var c = base;
    if frame.lit == 1u {
        c = shade(base, in.normal, in.world, front);
    }
    return vec4<f32>(encode(clamp(c, vec3<f32>(0.0), vec3<f32>(1.0))), 1.0);
}
