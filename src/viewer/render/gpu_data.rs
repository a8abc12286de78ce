//! Host mirrors of the structs the viewer's shaders read. Keep in sync with
//! shaders/surface.wgsl (`Frame`, `Tables`, `VertexIn`) and
//! shaders/overlay.wgsl (`Frame`, `SegmentIn`, `MeshVertexIn`); the size
//! assertions below and tests/shader_validation.rs check the layouts.

use bytemuck::{Pod, Zeroable};

/// Entries per colour map in [`Tables::luts`] (one per
/// [`crate::output::colormap::LUT_SIZE`] entry).
pub const LUT_ENTRIES: usize = crate::output::colormap::LUT_SIZE;
/// Colour maps in [`Tables::luts`]: Turbo at 0, cool-warm at 1.
pub const LUT_COUNT: usize = 2;
/// Categorical colours for regions (tags beyond this repeat).
pub const PALETTE_SIZE: usize = 12;

/// `Frame.mode`: colour by a scalar through a colour map.
pub const MODE_SCALAR: u32 = 0;
/// `Frame.mode`: colour by region.
pub const MODE_REGIONS: u32 = 1;

/// One surface vertex (`VertexIn` in surface.wgsl): 36 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct SurfaceVertex {
    /// mm.
    pub position: [f32; 3],
    /// Unit, smooth (area-weighted mean of the adjacent face normals).
    pub normal: [f32; 3],
    /// Index of this node in the solver's buffers (its RCM order).
    pub solver_index: u32,
    /// Index of this node in the mesh (file order).
    pub node_index: u32,
    /// Rank of the node's region tag among the mesh's sorted tags.
    pub region: u32,
}

/// Per-frame uniform (`Frame` in both viewer shaders): 176 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Frame {
    pub view_proj: [[f32; 4]; 4],
    /// Eye position (xyz, mm), w unused.
    pub eye: [f32; 4],
    /// Unit direction towards the key light (xyz), w unused.
    pub light_dir: [f32; 4],
    /// Physical value = `scale` * stored value + `offset`.
    pub scale: f32,
    pub offset: f32,
    /// Physical values mapped to the ends of the colour map.
    pub min: f32,
    pub max: f32,
    /// Stored values below this are "no data" (grey).
    pub missing_below: f32,
    /// First entry of the colour map in `Tables::luts`.
    pub lut_offset: u32,
    /// [`MODE_SCALAR`] or [`MODE_REGIONS`].
    pub mode: u32,
    /// 1: index the field by `solver_index`, 0: by `node_index`.
    pub index_by_solver: u32,
    /// 1: shade, 0: flat colour-map colours (tests).
    pub lit: u32,
    /// 1: the target is not sRGB, so the shader encodes.
    pub encode_srgb: u32,
    /// Target size in pixels (overlay line widths).
    pub viewport: [f32; 2],
    /// Linear RGBA of "no data".
    pub missing_colour: [f32; 4],
    /// When positive, iso-lines of the physical value every this much
    /// (isochrones, ms); 0: none.
    pub isoline_step: f32,
    pub pad0: f32,
    pub pad1: f32,
    pub pad2: f32,
}

/// Colour tables (`Tables` in surface.wgsl), linear RGBA: written once.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Tables {
    pub luts: [[f32; 4]; LUT_ENTRIES * LUT_COUNT],
    pub palette: [[f32; 4]; PALETTE_SIZE],
}

/// One overlay line segment, drawn as a screen-space quad (`SegmentIn` in
/// overlay.wgsl): 48 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct Segment {
    pub a: [f32; 3],
    pub width_px: f32,
    pub b: [f32; 3],
    pub _pad: f32,
    /// Linear RGBA.
    pub colour: [f32; 4],
}

/// One vertex of an overlay mesh (device glyph, marker), `MeshVertexIn` in
/// overlay.wgsl: 40 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct OverlayVertex {
    pub position: [f32; 3],
    pub normal: [f32; 3],
    /// Linear RGBA (alpha < 1 is translucent).
    pub colour: [f32; 4],
}

const _: () = assert!(std::mem::size_of::<SurfaceVertex>() == 36);
const _: () = assert!(std::mem::size_of::<Frame>() == 176);
const _: () =
    assert!(std::mem::size_of::<Tables>() == 16 * (LUT_ENTRIES * LUT_COUNT + PALETTE_SIZE));
const _: () = assert!(std::mem::size_of::<Segment>() == 48);
const _: () = assert!(std::mem::size_of::<OverlayVertex>() == 40);

/// sRGB byte to linear [0, 1].
pub fn srgb_to_linear(c: u8) -> f32 {
    let v = f32::from(c) / 255.0;
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// sRGB bytes with straight alpha to linear RGBA.
pub fn linear_rgba(c: [u8; 4]) -> [f32; 4] {
    [
        srgb_to_linear(c[0]),
        srgb_to_linear(c[1]),
        srgb_to_linear(c[2]),
        f32::from(c[3]) / 255.0,
    ]
}
