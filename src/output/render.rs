//! Pictures of nodal scalar fields (LAT in ms, Vm in mV) on the mesh surface,
//! drawn on the CPU so they work on machines without a GPU.
//!
//! A small software rasterizer: orthographic camera fitted to the projected
//! surface, z-buffer, the scalar interpolated across each triangle and
//! coloured per pixel, diffuse + ambient lighting from the face normal, a
//! vertical colour bar with tick labels in physical units, and optional
//! isochrones (iso-lines every `step`), which are what cardiologists read on
//! activation maps.
//!
//! Coordinate convention for the named views: patient LPS, as in DICOM and
//! CT-derived meshes: +x towards the patient's left, +y posterior, +z
//! superior. Screen "up" is superior except in the superior/inferior views,
//! where it is anterior.

use super::atomic::write_atomic;
use super::colormap::{normalise, ColorMap, LUT_SIZE, NAN_COLOR};
use crate::mesh::geometry::{cross, dot, norm, sub, V3};
use crate::mesh::Mesh;
use crate::Result;
use font8x8::UnicodeFonts;
use image::{ImageEncoder, Rgb, RgbImage};
use std::path::Path;

/// Largest image side in pixels; bigger requests are clamped so a typo in
/// a scenario cannot ask for terabytes.
pub const MAX_SIDE: u32 = 8_192;

const BACKGROUND: [u8; 3] = [255, 255, 255];
const INK: [u8; 3] = [0, 0, 0];
const ISO_INK: [u8; 3] = [25, 25, 25];
const AMBIENT: f32 = 0.3;
const DIFFUSE: f32 = 0.7;
/// Fraction of the viewport the object fills along its tighter axis.
const FILL: f64 = 0.92;
/// Fraction of a step added before rounding down to an iso-line level.
const LEVEL_NUDGE: f64 = 1e-4;
/// More iso-lines than this over the range is a wrong step, not a picture.
const MAX_ISO_LEVELS: f64 = 400.0;

/// Where the camera looks from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum View {
    /// From the front (camera at -y).
    Anterior,
    /// From the back (camera at +y).
    Posterior,
    /// From the patient's left (camera at +x).
    Left,
    /// From the patient's right (camera at -x).
    Right,
    /// From above (camera at +z), anterior up.
    Superior,
    /// From below (camera at -z), anterior up.
    Inferior,
    /// From anterior-left-superior, a three-quarter view of the left heart.
    Iso,
    /// From the direction `toward_camera` (object centre to camera, any
    /// length). A zero or non-finite vector falls back to anterior.
    Custom { toward_camera: [f64; 3] },
}

impl View {
    /// Short lower-case name, used to label views side by side.
    pub fn label(&self) -> &'static str {
        match self {
            View::Anterior => "anterior",
            View::Posterior => "posterior",
            View::Left => "left",
            View::Right => "right",
            View::Superior => "superior",
            View::Inferior => "inferior",
            View::Iso => "iso",
            View::Custom { .. } => "custom",
        }
    }

    /// Unit vectors (screen right, screen up, toward camera): right-handed,
    /// so no view is a mirror image.
    fn basis(&self) -> (V3, V3, V3) {
        let (toward, up) = match *self {
            View::Anterior => ([0.0, -1.0, 0.0], [0.0, 0.0, 1.0]),
            View::Posterior => ([0.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
            View::Left => ([1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
            View::Right => ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
            View::Superior => ([0.0, 0.0, 1.0], [0.0, -1.0, 0.0]),
            View::Inferior => ([0.0, 0.0, -1.0], [0.0, -1.0, 0.0]),
            View::Iso => ([1.0, -1.0, 1.0], [0.0, 0.0, 1.0]),
            View::Custom { toward_camera: d } => {
                let n = norm(d);
                if !n.is_finite() || n == 0.0 {
                    return View::Anterior.basis();
                }
                // Superior up unless we look along z, then anterior up.
                let up = if d[2].abs() > 0.99 * n {
                    [0.0, -1.0, 0.0]
                } else {
                    [0.0, 0.0, 1.0]
                };
                (d, up)
            }
        };
        let toward = unit(toward);
        let right = unit(cross(up, toward));
        let up = cross(toward, right);
        (right, up, toward)
    }
}

/// What to draw and how.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Image size in pixels (clamped to [`MAX_SIDE`]).
    pub width: u32,
    pub height: u32,
    /// Camera direction for [`render_scalar_map`].
    pub view: View,
    /// Drawn at the top; empty for none.
    pub title: String,
    /// Physical unit of the values, printed after each tick label ("ms").
    pub unit: String,
    /// Values mapped to the ends of the colour bar, in `unit`; `None` takes
    /// the finite min and max of all values.
    pub range: Option<(f64, f64)>,
    pub colormap: ColorMap,
    /// Draw iso-lines where the value crosses a multiple of this step (in
    /// `unit`, e.g. isochrones every 10 ms). Ignored unless finite and > 0.
    pub isochrone_step: Option<f64>,
}

impl Default for RenderOptions {
    /// An 800 x 600 anterior activation map in ms.
    fn default() -> Self {
        RenderOptions {
            width: 800,
            height: 600,
            view: View::Anterior,
            title: String::new(),
            unit: "ms".to_string(),
            range: None,
            colormap: ColorMap::Turbo,
            isochrone_step: None,
        }
    }
}

/// Draw `values` (one per node, NaN allowed, drawn grey) on the surface of
/// `mesh` from `opts.view`. Missing values (a short slice) count as NaN;
/// triangles with out-of-range node indices are skipped.
pub fn render_scalar_map(mesh: &Mesh, values: &[f64], opts: &RenderOptions) -> RgbImage {
    render_views(mesh, values, opts, &[opts.view])
}

/// Like [`render_scalar_map`] with several views side by side (e.g. anterior
/// and posterior), at one scale, with one title and one colour bar. An empty
/// `views` draws `opts.view`.
pub fn render_views(mesh: &Mesh, values: &[f64], opts: &RenderOptions, views: &[View]) -> RgbImage {
    render_surface(mesh, &mesh.surface_triangles(), values, opts, views)
}

/// Like [`render_views`] with the surface given: for callers drawing many
/// frames of one mesh, since extracting the boundary of a large tetrahedral
/// mesh costs more than drawing it. `triangles` index `mesh.nodes`.
pub fn render_surface(
    mesh: &Mesh,
    triangles: &[[u32; 3]],
    values: &[f64],
    opts: &RenderOptions,
    views: &[View],
) -> RgbImage {
    let width = opts.width.min(MAX_SIDE);
    let height = opts.height.min(MAX_SIDE);
    let mut img = RgbImage::from_pixel(width, height, Rgb(BACKGROUND));
    if width == 0 || height == 0 {
        return img;
    }
    let single = [opts.view];
    let views = if views.is_empty() { &single[..] } else { views };

    let range = resolve_range(values, opts.range);
    let labels = tick_labels(range, &opts.unit);
    let layout = Layout::new(width, height, opts, &labels, views.len());

    let triangles = valid_triangles(mesh, triangles);
    let value = |i: u32| values.get(i as usize).copied().unwrap_or(f64::NAN);
    let mut frame = Frame::new(width, height);
    let cameras = fit_cameras(mesh, &triangles, views, &layout);
    for cam in &cameras {
        rasterize(&mut frame, mesh, &triangles, &value, cam);
    }
    shade_pixels(&mut img, &frame, range, opts.colormap);
    if let Some(step) = iso_step(opts.isochrone_step, range) {
        let depth_tol = cameras.first().map_or(1.0, |c| 6.0 / c.scale) as f32;
        draw_isolines(&mut img, &frame, step, depth_tol);
    }

    let s = layout.font;
    if !opts.title.is_empty() {
        let x = centred(&opts.title, s, 0, layout.plot_w);
        draw_text(&mut img, x, layout.pad as i64, &opts.title, s, INK);
    }
    if views.len() > 1 {
        for (k, v) in views.iter().enumerate() {
            let (x0, w) = layout.viewport_x(k);
            let y = i64::from(height) - i64::from(8 * s + layout.pad);
            draw_text(&mut img, centred(v.label(), s, x0, w), y, v.label(), s, INK);
        }
    }
    draw_legend(&mut img, &layout, range, &labels, opts);
    img
}

/// Encode `img` as PNG and write it to `path` atomically.
pub fn save_png(img: &RgbImage, path: &Path) -> Result<()> {
    write_atomic(path, |w| {
        image::codecs::png::PngEncoder::new(w)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .map_err(std::io::Error::other)
    })
}

// --- layout -------------------------------------------------------------

/// Pixel layout: title band on top, views in the plot area on the left,
/// colour bar and labels on the right.
struct Layout {
    /// Font scale (glyphs are 8 * font pixels).
    font: u32,
    pad: u32,
    header_h: u32,
    footer_h: u32,
    plot_w: u32,
    height: u32,
    n_views: u32,
}

impl Layout {
    fn new(width: u32, height: u32, opts: &RenderOptions, labels: &[String], n: usize) -> Self {
        // 2x glyphs are readable on a screen; small images (thumbnails,
        // tests) keep 1x so the legend does not eat the picture.
        let font = if width >= 480 && height >= 240 { 2 } else { 1 };
        let pad = 4 * font;
        let glyph = 8 * font;
        let header_h = if opts.title.is_empty() {
            pad
        } else {
            glyph + 2 * pad
        };
        let footer_h = if n > 1 { glyph + 2 * pad } else { pad };
        let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
        let legend_w = pad + 3 * glyph / 2 + font * 3 + pad + chars * glyph + pad;
        Layout {
            font,
            pad,
            header_h,
            footer_h,
            plot_w: width.saturating_sub(legend_w),
            height,
            n_views: n.max(1) as u32,
        }
    }

    /// Left edge and width of viewport `k`.
    fn viewport_x(&self, k: usize) -> (u32, u32) {
        let w = self.plot_w / self.n_views;
        (k as u32 * w, w)
    }

    fn plot_y(&self) -> (u32, u32) {
        let h = self.height.saturating_sub(self.header_h + self.footer_h);
        (self.header_h, h)
    }

    /// Vertical extent of the colour bar (top, bottom), half a glyph inside
    /// the plot band so the end labels fit.
    fn bar_y(&self) -> (u32, u32) {
        let (y0, h) = self.plot_y();
        let half = 4 * self.font;
        (y0 + half, (y0 + h).saturating_sub(half))
    }
}

fn centred(text: &str, font: u32, x0: u32, w: u32) -> i64 {
    let tw = text.chars().count() as i64 * 8 * i64::from(font);
    i64::from(x0) + ((i64::from(w) - tw) / 2).max(0)
}

// --- values and labels --------------------------------------------------

/// The colour bar range: the requested one if both ends are finite,
/// otherwise the finite min/max of the data; a single value v is widened to
/// v +- 0.5 so the bar keeps a direction; no finite data gives 0..1.
fn resolve_range(values: &[f64], requested: Option<(f64, f64)>) -> (f64, f64) {
    if let Some((lo, hi)) = requested {
        if lo.is_finite() && hi.is_finite() && lo != hi {
            return (lo, hi);
        }
    }
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// Five tick labels, bottom (min) to top (max), with as many decimals as the
/// tick spacing needs.
fn tick_labels((lo, hi): (f64, f64), unit: &str) -> Vec<String> {
    let step = (hi - lo).abs() / 4.0;
    let decimals = (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0) || scaled >= 100.0
        })
        .unwrap_or(6) as usize;
    (0..5)
        .map(|i| {
            let v = lo + (hi - lo) * f64::from(i) / 4.0;
            let mut s = format!("{v:.decimals$}");
            // "-0.0" reads as a sign error on a legend.
            if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
                s.remove(0);
            }
            if unit.is_empty() {
                s
            } else {
                format!("{s} {unit}")
            }
        })
        .collect()
}

fn iso_step(step: Option<f64>, (lo, hi): (f64, f64)) -> Option<f64> {
    let step = step.filter(|s| s.is_finite() && *s > 0.0)?;
    ((hi - lo).abs() / step <= MAX_ISO_LEVELS).then_some(step)
}

// --- camera and rasterizer ----------------------------------------------

fn unit(v: V3) -> V3 {
    let n = norm(v);
    [v[0] / n, v[1] / n, v[2] / n]
}

/// The triangles whose nodes exist and have finite coordinates.
fn valid_triangles(mesh: &Mesh, triangles: &[[u32; 3]]) -> Vec<[u32; 3]> {
    let ok = |i: u32| {
        mesh.nodes
            .get(i as usize)
            .is_some_and(|p| p.iter().all(|c| c.is_finite()))
    };
    triangles
        .iter()
        .filter(|t| t.iter().all(|&i| ok(i)))
        .copied()
        .collect()
}

/// Orthographic camera for one viewport: world point p lands at pixel
/// (cx + (p.right - mx) * scale, cy - (p.up - my) * scale).
struct Camera {
    right: V3,
    up: V3,
    toward: V3,
    /// Centre of the projected surface, in mm along right and up.
    mid: (f64, f64),
    /// Pixels per mm, shared by all views.
    scale: f64,
    /// Viewport centre and clip rectangle in pixels.
    centre: (f64, f64),
    clip: (u32, u32, u32, u32),
}

impl Camera {
    /// Pixel x, pixel y, and depth in mm (larger is farther from the camera).
    fn project(&self, p: V3) -> [f32; 3] {
        let x = self.centre.0 + (dot(p, self.right) - self.mid.0) * self.scale;
        let y = self.centre.1 - (dot(p, self.up) - self.mid.1) * self.scale;
        [x as f32, y as f32, -dot(p, self.toward) as f32]
    }
}

fn fit_cameras(mesh: &Mesh, tris: &[[u32; 3]], views: &[View], layout: &Layout) -> Vec<Camera> {
    let mut used = vec![false; mesh.nodes.len()];
    for t in tris {
        for &i in t {
            used[i as usize] = true;
        }
    }
    let (vy, vh) = layout.plot_y();
    let mut cams: Vec<Camera> = views
        .iter()
        .enumerate()
        .map(|(k, view)| {
            let (right, up, toward) = view.basis();
            let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for (p, _) in mesh.nodes.iter().zip(&used).filter(|(_, &u)| u) {
                let (x, y) = (dot(*p, right), dot(*p, up));
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
            let (vx, vw) = layout.viewport_x(k);
            let fit = |extent: f64, px: u32| {
                if extent > 0.0 {
                    FILL * f64::from(px) / extent
                } else {
                    f64::INFINITY
                }
            };
            let scale = fit(x1 - x0, vw).min(fit(y1 - y0, vh));
            Camera {
                right,
                up,
                toward,
                mid: (0.5 * (x0 + x1), 0.5 * (y0 + y1)),
                scale,
                centre: (
                    f64::from(vx) + 0.5 * f64::from(vw),
                    f64::from(vy) + 0.5 * f64::from(vh),
                ),
                clip: (vx, vy, vx + vw, vy + vh),
            }
        })
        .collect();
    // One scale for all views so sizes compare; a point-like mesh gets 1 px/mm.
    let scale = cams.iter().map(|c| c.scale).fold(f64::INFINITY, f64::min);
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    for c in &mut cams {
        c.scale = scale;
    }
    cams
}

/// Per-pixel results of rasterization, resolved to colours afterwards.
struct Frame {
    width: usize,
    depth: Vec<f32>,
    value: Vec<f32>,
    shade: Vec<f32>,
}

impl Frame {
    fn new(width: u32, height: u32) -> Self {
        let n = width as usize * height as usize;
        Frame {
            width: width as usize,
            depth: vec![f32::INFINITY; n],
            value: vec![f32::NAN; n],
            shade: vec![0.0; n],
        }
    }
}

fn rasterize(
    frame: &mut Frame,
    mesh: &Mesh,
    tris: &[[u32; 3]],
    value: &dyn Fn(u32) -> f64,
    cam: &Camera,
) {
    // Light from over the viewer's left shoulder, fixed to the camera.
    let light = unit([
        cam.toward[0] + 0.5 * cam.up[0] - 0.3 * cam.right[0],
        cam.toward[1] + 0.5 * cam.up[1] - 0.3 * cam.right[1],
        cam.toward[2] + 0.5 * cam.up[2] - 0.3 * cam.right[2],
    ]);
    for t in tris {
        let p = t.map(|i| mesh.nodes[i as usize]);
        let n = cross(sub(p[1], p[0]), sub(p[2], p[0]));
        let len = norm(n);
        if len == 0.0 {
            continue;
        }
        // Two-sided: |n.l|, so inward-facing soups are lit like outward ones.
        let shade = AMBIENT + DIFFUSE * (dot(n, light) / len).abs() as f32;
        let s = p.map(|q| cam.project(q));
        let v = t.map(|i| value(i) as f32);
        fill_triangle(frame, cam.clip, s, v, shade);
    }
}

/// Scan-convert one triangle: pixel centres inside it (either winding) that
/// are nearer than what the z-buffer holds get its interpolated value.
fn fill_triangle(
    frame: &mut Frame,
    clip: (u32, u32, u32, u32),
    s: [[f32; 3]; 3],
    v: [f32; 3],
    shade: f32,
) {
    let edge = |a: [f32; 3], b: [f32; 3], x: f32, y: f32| {
        (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0])
    };
    let area = edge(s[0], s[1], s[2][0], s[2][1]);
    if area.abs() < 1e-12 || !area.is_finite() {
        return; // seen edge-on
    }
    let lo = |k: usize| s[0][k].min(s[1][k]).min(s[2][k]).floor();
    let hi = |k: usize| s[0][k].max(s[1][k]).max(s[2][k]).ceil();
    let x0 = (lo(0).max(clip.0 as f32)) as u32;
    let x1 = (hi(0).min(clip.2 as f32)).max(0.0) as u32;
    let y0 = (lo(1).max(clip.1 as f32)) as u32;
    let y1 = (hi(1).min(clip.3 as f32)).max(0.0) as u32;
    let inv = 1.0 / area;
    for y in y0..y1 {
        let py = y as f32 + 0.5;
        for x in x0..x1 {
            let px = x as f32 + 0.5;
            let w0 = edge(s[1], s[2], px, py) * inv;
            let w1 = edge(s[2], s[0], px, py) * inv;
            let w2 = 1.0 - w0 - w1;
            if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                continue;
            }
            let z = w0 * s[0][2] + w1 * s[1][2] + w2 * s[2][2];
            let i = y as usize * frame.width + x as usize;
            if z < frame.depth[i] {
                frame.depth[i] = z;
                // Interpolate the value, not the colour: colour maps are not
                // linear in RGB, and iso-lines need the value per pixel.
                frame.value[i] = w0 * v[0] + w1 * v[1] + w2 * v[2];
                frame.shade[i] = shade;
            }
        }
    }
}

fn shade_pixels(img: &mut RgbImage, frame: &Frame, (lo, hi): (f64, f64), cm: ColorMap) {
    let lut = cm.lut();
    for (i, px) in img.pixels_mut().enumerate() {
        if frame.depth[i] == f32::INFINITY {
            continue;
        }
        let c = match normalise(f64::from(frame.value[i]), lo, hi) {
            Some(t) => lut[(t * (LUT_SIZE - 1) as f64).round() as usize],
            None => NAN_COLOR,
        };
        px.0 = c.map(|ch| (f32::from(ch) * frame.shade[i]).round().min(255.0) as u8);
    }
}

/// Darken pixels where the value crosses a multiple of `step` between a pixel
/// and its right or lower neighbour on the same surface (depth within
/// `depth_tol` mm, so silhouettes over farther surfaces draw no false line).
fn draw_isolines(img: &mut RgbImage, frame: &Frame, step: f64, depth_tol: f32) {
    let (w, h) = (frame.width, img.height() as usize);
    // The nudge puts a value that sits on a level (a face at exactly 40 ms
    // with step 10) on one side despite f32 rounding noise, which would
    // otherwise speckle the whole face with line pixels.
    let level = |i: usize| {
        let v = frame.value[i];
        (frame.depth[i].is_finite() && v.is_finite())
            .then(|| (f64::from(v) / step + LEVEL_NUDGE).floor())
    };
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let Some(l) = level(i) else { continue };
            let crosses = |j: usize| {
                level(j).is_some_and(|m| m != l)
                    && (frame.depth[j] - frame.depth[i]).abs() < depth_tol
            };
            if (x + 1 < w && crosses(i + 1)) || (y + 1 < h && crosses(i + w)) {
                img.put_pixel(x as u32, y as u32, Rgb(ISO_INK));
            }
        }
    }
}

// --- legend and text ----------------------------------------------------

fn draw_legend(
    img: &mut RgbImage,
    layout: &Layout,
    (lo, hi): (f64, f64),
    labels: &[String],
    opts: &RenderOptions,
) {
    let s = layout.font;
    let (top, bottom) = layout.bar_y();
    if bottom <= top + 2 {
        return; // no room for a bar
    }
    let bar_x0 = layout.plot_w + layout.pad;
    let bar_x1 = bar_x0 + 12 * s;
    let lut = opts.colormap.lut();
    let span = f64::from(bottom - top);
    for y in top..=bottom {
        let t = f64::from(bottom - y) / span;
        let c = lut[(t * (LUT_SIZE - 1) as f64).round() as usize];
        fill_rect(img, bar_x0, y, bar_x1 - bar_x0, 1, c);
    }
    let y_of = |t: f64| bottom as i64 - (t * span).round() as i64;
    // Iso-line levels across the bar, so the reader can count isochrones.
    if let Some(step) = iso_step(opts.isochrone_step, (lo, hi)) {
        let (a, b) = (lo.min(hi), lo.max(hi));
        let mut k = (a / step).ceil();
        while k * step <= b {
            let y = y_of((k * step - lo) / (hi - lo));
            fill_rect(img, bar_x0, y.max(0) as u32, bar_x1 - bar_x0, 1, ISO_INK);
            k += 1.0;
        }
    }
    frame_rect(img, bar_x0, top, bar_x1 - bar_x0, bottom - top + 1, INK);
    for (i, label) in labels.iter().enumerate() {
        let y = y_of(i as f64 / 4.0);
        fill_rect(img, bar_x1, y.max(0) as u32, 3 * s, s, INK);
        let x = i64::from(bar_x1 + 3 * s + layout.pad);
        draw_text(img, x, y - i64::from(4 * s), label, s, INK);
    }
}

fn fill_rect(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, c: [u8; 3]) {
    for yy in y..y.saturating_add(h).min(img.height()) {
        for xx in x..x.saturating_add(w).min(img.width()) {
            img.put_pixel(xx, yy, Rgb(c));
        }
    }
}

fn frame_rect(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, c: [u8; 3]) {
    fill_rect(img, x, y, w, 1, c);
    fill_rect(img, x, y + h.saturating_sub(1), w, 1, c);
    fill_rect(img, x, y, 1, h, c);
    fill_rect(img, x + w.saturating_sub(1), y, 1, h, c);
}

/// Draw `text` with its top-left corner at (x, y) in 8x8 glyphs scaled by
/// `scale`, clipped to the image. Characters the font lacks print as '?'.
fn draw_text(img: &mut RgbImage, x: i64, y: i64, text: &str, scale: u32, c: [u8; 3]) {
    let s = i64::from(scale);
    for (k, ch) in text.chars().enumerate() {
        let glyph = font8x8::BASIC_FONTS
            .get(ch)
            .or_else(|| font8x8::LATIN_FONTS.get(ch))
            .or_else(|| font8x8::GREEK_FONTS.get(ch))
            .or_else(|| font8x8::BASIC_FONTS.get('?'))
            .unwrap_or([0; 8]);
        let gx = x + k as i64 * 8 * s;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                // Bit 0 is the leftmost pixel of the row.
                if bits & (1 << col) == 0 {
                    continue;
                }
                let (px, py) = (gx + col * s, y + row as i64 * s);
                if px < 0 || py < 0 {
                    continue;
                }
                fill_rect(img, px as u32, py as u32, scale, scale, c);
            }
        }
    }
}
