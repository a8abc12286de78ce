// Overlays drawn over the mesh surface of the viewer: thick polylines
// (centreline, ostium and landing-zone contours) as screen-space quads on
// top of everything, and lit translucent meshes (device glyph, picked-point
// marker) blended over the surface. Host side: src/viewer/render/overlay.rs
// (gpu_data.rs mirrors these structs; keep `Frame` in sync with
// surface.wgsl).

struct Frame {
    view_proj: mat4x4<f32>,
    eye: vec4<f32>,
    light_dir: vec4<f32>,
    scale: f32,
    offset: f32,
    min: f32,
    max: f32,
    missing_below: f32,
    lut_offset: u32,
    mode: u32,
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

@group(0) @binding(0) var<uniform> frame: Frame;

fn encode(c: vec3<f32>) -> vec3<f32> {
    if frame.encode_srgb == 0u {
        return c;
    }
    let lo = c * 12.92;
    let hi = 1.055 * pow(max(c, vec3<f32>(0.0)), vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(hi, lo, c <= vec3<f32>(0.0031308));
}

// ------------------------------------------------------------- polylines

struct SegmentIn {
    @location(0) a: vec3<f32>,
    @location(1) width_px: f32,
    @location(2) b: vec3<f32>,
    @location(3) colour: vec4<f32>,
}

struct LineOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) colour: vec4<f32>,
}

// One instance per segment, six vertices: a quad around a..b, widened by
// width_px on screen and lengthened by half of it at both ends so that
// consecutive segments join without gaps.
@vertex
fn vs_line(@builtin(vertex_index) vi: u32, s: SegmentIn) -> LineOut {
    var out: LineOut;
    out.colour = s.colour;
    let ca = frame.view_proj * vec4<f32>(s.a, 1.0);
    let cb = frame.view_proj * vec4<f32>(s.b, 1.0);
    // Segments reaching behind the eye are dropped rather than clipped.
    if ca.w <= 1e-6 || cb.w <= 1e-6 {
        out.clip = vec4<f32>(2.0, 2.0, 2.0, 1.0);
        return out;
    }
    let half_vp = 0.5 * frame.viewport;
    let sa = ca.xy / ca.w * half_vp;
    let sb = cb.xy / cb.w * half_vp;
    var dir = sb - sa;
    let len = length(dir);
    if len > 1e-6 {
        dir = dir / len;
    } else {
        dir = vec2<f32>(1.0, 0.0);
    }
    let nrm = vec2<f32>(-dir.y, dir.x);
    // Corners: (end, side) for two triangles.
    var ends = array<f32, 6>(0.0, 1.0, 1.0, 0.0, 1.0, 0.0);
    var sides = array<f32, 6>(-1.0, -1.0, 1.0, -1.0, 1.0, 1.0);
    let end = ends[vi % 6u];
    let side = sides[vi % 6u];
    let half_w = 0.5 * s.width_px;
    var c = mix(ca, cb, end);
    let grow = (2.0 * end - 1.0) * half_w * dir + side * half_w * nrm;
    c = vec4<f32>(c.xy + grow / half_vp * c.w, clamp(c.z, 0.0, c.w), c.w);
    out.clip = c;
    return out;
}

@fragment
fn fs_line(in: LineOut) -> @location(0) vec4<f32> {
    return vec4<f32>(encode(in.colour.rgb), in.colour.a);
}

// --------------------------------------------------------- overlay meshes

struct MeshVertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) colour: vec4<f32>,
}

struct MeshOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) colour: vec4<f32>,
}

@vertex
fn vs_mesh(v: MeshVertexIn) -> MeshOut {
    var out: MeshOut;
    out.clip = frame.view_proj * vec4<f32>(v.position, 1.0);
    out.world = v.position;
    out.normal = v.normal;
    out.colour = v.colour;
    return out;
}

const AMBIENT: f32 = 0.35;
const DIFFUSE: f32 = 0.65;
const SPECULAR: f32 = 0.3;
const SHININESS: f32 = 24.0;

@fragment
fn fs_mesh(in: MeshOut) -> @location(0) vec4<f32> {
    var n = normalize(in.normal);
    let view = normalize(frame.eye.xyz - in.world);
    if dot(n, view) < 0.0 {
        n = -n;
    }
    let l = frame.light_dir.xyz;
    let diffuse = max(dot(n, l), 0.0);
    let spec = SPECULAR * pow(max(dot(n, normalize(l + view)), 0.0), SHININESS);
    var c = in.colour.rgb * (AMBIENT + DIFFUSE * diffuse) + vec3<f32>(spec);
    if frame.lit == 0u {
        c = in.colour.rgb;
    }
    return vec4<f32>(encode(clamp(c, vec3<f32>(0.0), vec3<f32>(1.0))), in.colour.a);
}
