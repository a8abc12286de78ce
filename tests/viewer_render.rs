//! The viewer's drawing layer on a real adapter (lavapipe in CI): a slab
//! coloured straight from the GPU solver's buffers, overlays, read-back
//! formats, picking rays against the picture, and a stored snapshot.
//!
//! The slab is 20 x 4 x 12 mm (x, y, z), seen from the anterior view
//! (camera on -y, +x to the right, +z up), so its front face is the plane
//! y = 0 and pixels map to (x, z) through the camera's own ray.
//!
//! Tests that need an adapter skip (loudly) without one, unless
//! CARDIOTWIN_REQUIRE_GPU=1. `CARDIOTWIN_UPDATE_SNAPSHOTS=1` rewrites the
//! reference images under tests/snapshots/.

mod common {
    pub mod gpu;
}

use std::path::{Path, PathBuf};

use cardiotwin::mesh::generate::box_tets;
use cardiotwin::mesh::Mesh;
use cardiotwin::output::colormap::{ColorMap, NAN_COLOR};
use cardiotwin::run::{prepare_with_mesh, Prepared};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::gpu::{GpuBackend, GpuContext};
use cardiotwin::solver::problem::NO_TIME;
use cardiotwin::viewer::camera::OrbitCamera;
use cardiotwin::viewer::render::gpu_data::{Frame, SurfaceVertex};
use cardiotwin::viewer::render::{
    ColourMode, DeviceGlyph, Disc, Legend, Marker, NodeOrder, Overlays, Polyline, RenderStyle,
    ScalarField, SolverFields, SurfaceMesh, SurfaceRenderer,
};
use glam::{Vec2, Vec3};
use image::{Rgba, RgbaImage};

const W: u32 = 256;
const H: u32 = 192;
const SRGB: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
const BACKGROUND: [u8; 4] = [10, 20, 30, 255];
/// Largest per-channel difference between the shader's colours and the
/// colour map's bytes (sRGB round trips and rounding).
const COLOUR_TOL: i32 = 3;

fn unlit() -> RenderStyle {
    RenderStyle {
        background: BACKGROUND,
        lit: false,
    }
}

fn lit() -> RenderStyle {
    RenderStyle {
        background: BACKGROUND,
        lit: true,
    }
}

fn slab() -> Mesh {
    box_tets(20.0, 4.0, 12.0, 1.0)
}

fn prepared() -> Prepared {
    let scenario = Scenario::parse(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = 1.4
        sigma_t = 0.35
        [[stimulus]]
        box = { min = [0, 0, 0], max = [1.5, 1.5, 1.5] }
        duration_ms = 2.0
        strength = 200.0
        [time]
        duration_ms = 10.0
        "#,
        Path::new("viewer-render.toml"),
    )
    .expect("scenario");
    prepare_with_mesh(&scenario, slab()).expect("prepare")
}

/// The anterior camera framing the slab.
fn camera(surface: &SurfaceMesh) -> OrbitCamera {
    let (lo, hi) = surface.bounds();
    OrbitCamera::framing(lo, hi)
}

fn renderer(ctx: &GpuContext, format: wgpu::TextureFormat) -> SurfaceRenderer {
    let mut r = SurfaceRenderer::new(ctx.device(), format).expect("renderer");
    r.resize(ctx.device(), W, H).expect("resize");
    r
}

fn draw(
    ctx: &GpuContext,
    r: &mut SurfaceRenderer,
    surface: &SurfaceMesh,
    cam: &OrbitCamera,
    mode: &ColourMode,
    style: &RenderStyle,
) -> RgbaImage {
    r.render(ctx.device(), ctx.queue(), surface, cam, mode, style)
        .expect("render");
    r.read_back_rgba(ctx.device(), ctx.queue())
        .expect("read back")
}

fn px(img: &RgbaImage, x: u32, y: u32) -> [u8; 3] {
    let Rgba([r, g, b, _]) = *img.get_pixel(x, y);
    [r, g, b]
}

fn near(got: [u8; 3], want: [u8; 3], tol: i32) -> bool {
    (0..3).all(|i| (i32::from(got[i]) - i32::from(want[i])).abs() <= tol)
}

/// Where the ray through the centre of pixel (x, y) meets the slab's front
/// plane y = 0.
fn front_point(cam: &OrbitCamera, x: u32, y: u32) -> Vec3 {
    let (o, d) = cam.ray(
        Vec2::new(x as f32 + 0.5, y as f32 + 0.5),
        Vec2::new(W as f32, H as f32),
    );
    o + d * (-o.y / d.y)
}

/// A pixel whose ray meets the front face at about `x_mm`, half-way up.
fn pixel_at(cam: &OrbitCamera, x_mm: f32) -> (u32, u32) {
    let y = H / 2;
    let x = (0..W)
        .min_by(|&a, &b| {
            let da = (front_point(cam, a, y).x - x_mm).abs();
            let db = (front_point(cam, b, y).x - x_mm).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(W / 2);
    (x, y)
}

/// u = 1 (Vm = +20 mV) on mesh nodes with x < `split`, 0 (-80 mV)
/// elsewhere, in solver order, or the reverse.
fn halves(p: &Prepared, split: f64, left_high: bool) -> Vec<f64> {
    p.order
        .iter()
        .map(|&m| {
            let left = p.mesh.nodes[m as usize][0] < split;
            if left == left_high {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

#[test]
fn slab_covers_the_centre_and_not_the_corners() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let surface = SurfaceMesh::new(ctx.device(), &slab(), None).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let img = draw(
        ctx,
        &mut r,
        &surface,
        &camera(&surface),
        &ColourMode::Regions,
        &unlit(),
    );
    let bg = [BACKGROUND[0], BACKGROUND[1], BACKGROUND[2]];
    assert_ne!(px(&img, W / 2, H / 2), bg, "centre shows the background");
    for (x, y) in [(0, 0), (W - 1, 0), (0, H - 1), (W - 1, H - 1)] {
        assert_eq!(px(&img, x, y), bg, "corner ({x}, {y}) is not background");
    }
    // Unlit regions mode paints region 0 in its palette colour.
    let want = cardiotwin::viewer::render::palette::region_colour(0);
    assert!(near(px(&img, W / 2, H / 2), want, COLOUR_TOL));
}

#[test]
fn solver_vm_shows_the_colour_map_ends_on_the_two_halves() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = prepared();
    let n = p.problem.node_count();
    let mut gpu = GpuBackend::new(ctx, &p.problem).expect("gpu backend");
    let never = vec![NO_TIME; n];
    let zeros = vec![0.0; n];
    // Buffer A gets the opposite pattern to buffer B; after step 1 the
    // current state is B, so drawing the wrong buffer flips the picture.
    gpu.upload_state(0, &halves(&p, 10.0, false), &zeros, &never, &never)
        .expect("upload A");
    gpu.upload_state(1, &halves(&p, 10.0, true), &zeros, &never, &never)
        .expect("upload B");
    assert_eq!(gpu.state_parity(), 1);

    let surface = SurfaceMesh::new(ctx.device(), &p.mesh, Some(&p.order)).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let fields = SolverFields::new(&r, ctx.device(), &gpu);
    let cam = camera(&surface);
    let mode = ColourMode::vm(&fields, &gpu);
    let img = draw(ctx, &mut r, &surface, &cam, &mode, &unlit());

    let legend = Legend::vm();
    let (lx, ly) = pixel_at(&cam, 4.0);
    let (rx, ry) = pixel_at(&cam, 16.0);
    let (left, right) = (px(&img, lx, ly), px(&img, rx, ry));
    let (peak, rest) = (legend.colour_of(20.0), legend.colour_of(-80.0));
    assert_eq!(peak, ColorMap::CoolWarm.at(1.0));
    assert!(
        near(left, peak, COLOUR_TOL),
        "left {left:?}, +20 mV is {peak:?}"
    );
    assert!(
        near(right, rest, COLOUR_TOL),
        "right {right:?}, -80 mV is {rest:?}"
    );

    // The stale buffer A holds the opposite picture: the test can tell
    // which buffer was bound.
    let stale = ColourMode::SolverVm {
        fields: &fields,
        parity: 0,
        legend: Legend::vm(),
    };
    let img_a = draw(ctx, &mut r, &surface, &cam, &stale, &unlit());
    assert!(near(px(&img_a, lx, ly), rest, COLOUR_TOL));
    assert!(near(px(&img_a, rx, ry), peak, COLOUR_TOL));

    // Lit, the hues survive: red dominates on the left, blue on the right.
    let img = draw(ctx, &mut r, &surface, &cam, &mode, &lit());
    let (left, right) = (px(&img, lx, ly), px(&img, rx, ry));
    assert!(
        i32::from(left[0]) > i32::from(left[2]) + 40,
        "lit left {left:?}"
    );
    assert!(
        i32::from(right[2]) > i32::from(right[0]) + 40,
        "lit right {right:?}"
    );

    // A mismatched mesh is an error, not a garbled picture.
    let other =
        SurfaceMesh::new(ctx.device(), &box_tets(3.0, 3.0, 3.0, 1.0), None).expect("other surface");
    let err = r
        .render(ctx.device(), ctx.queue(), &other, &cam, &mode, &unlit())
        .expect_err("node counts differ");
    assert!(err.to_string().contains("nodes"), "{err}");
}

#[test]
fn lat_mode_paints_never_activated_nodes_grey() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = prepared();
    let n = p.problem.node_count();
    let mut gpu = GpuBackend::new(ctx, &p.problem).expect("gpu backend");
    // Activated at 2 x ms on the left half, never on the right.
    let lat: Vec<f64> = p
        .order
        .iter()
        .map(|&m| {
            let x = p.mesh.nodes[m as usize][0];
            if x < 10.0 {
                2.0 * x
            } else {
                NO_TIME
            }
        })
        .collect();
    let zeros = vec![0.0; n];
    gpu.upload_state(0, &zeros, &zeros, &lat, &vec![NO_TIME; n])
        .expect("upload");

    let surface = SurfaceMesh::new(ctx.device(), &p.mesh, Some(&p.order)).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let fields = SolverFields::new(&r, ctx.device(), &gpu);
    let cam = camera(&surface);
    let mode = ColourMode::lat(&fields, 0.0, 20.0);
    let img = draw(ctx, &mut r, &surface, &cam, &mode, &unlit());

    let (rx, ry) = pixel_at(&cam, 15.0);
    assert!(
        near(px(&img, rx, ry), NAN_COLOR, COLOUR_TOL),
        "{:?}",
        px(&img, rx, ry)
    );
    // On the left, the colour of the time at that point (LAT is linear in
    // x, so interpolation across triangles is exact up to the table step).
    let legend = mode.legend().expect("LAT has a legend").clone();
    for x_mm in [1.5f32, 4.5, 7.5] {
        let (x, y) = pixel_at(&cam, x_mm);
        let at = front_point(&cam, x, y).x;
        let want = legend.colour_of(2.0 * f64::from(at));
        let got = px(&img, x, y);
        assert!(
            near(got, want, 6),
            "x = {at} mm: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn uploaded_fields_follow_their_node_order_and_check_their_length() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = prepared();
    let surface = SurfaceMesh::new(ctx.device(), &p.mesh, Some(&p.order)).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let cam = camera(&surface);
    let legend = Legend {
        title: "x".into(),
        unit: "mm".into(),
        min: 0.0,
        max: 20.0,
        colormap: ColorMap::Turbo,
        isolines: None,
    };
    // The same field (x, with NaN on the right) in mesh order and in solver
    // order draws the same picture.
    let x_of = |m: usize| {
        let x = p.mesh.nodes[m][0];
        if x > 12.0 {
            f64::NAN
        } else {
            x
        }
    };
    let mesh_order: Vec<f64> = (0..p.mesh.node_count()).map(x_of).collect();
    let solver_order: Vec<f64> = p.order.iter().map(|&m| x_of(m as usize)).collect();
    let mut images = Vec::new();
    for (values, order) in [
        (&mesh_order, NodeOrder::Mesh),
        (&solver_order, NodeOrder::Solver),
    ] {
        let field = ScalarField::new(&r, ctx.device(), ctx.queue(), values, order).expect("field");
        let mode = ColourMode::Scalar {
            field: &field,
            legend: legend.clone(),
        };
        images.push(draw(ctx, &mut r, &surface, &cam, &mode, &unlit()));
    }
    assert_eq!(images[0], images[1], "mesh and solver order disagree");
    let (x, y) = pixel_at(&cam, 6.0);
    let at = front_point(&cam, x, y).x;
    assert!(near(
        px(&images[0], x, y),
        legend.colour_of(f64::from(at)),
        6
    ));
    let (x, y) = pixel_at(&cam, 17.0);
    assert!(near(px(&images[0], x, y), NAN_COLOR, COLOUR_TOL));

    let field = ScalarField::new(&r, ctx.device(), ctx.queue(), &[1.0, 2.0], NodeOrder::Mesh)
        .expect("field");
    assert!(field.update(ctx.queue(), &[1.0]).is_err());
    let mode = ColourMode::Scalar {
        field: &field,
        legend,
    };
    assert!(r
        .render(ctx.device(), ctx.queue(), &surface, &cam, &mode, &unlit())
        .is_err());
    assert!(ScalarField::new(&r, ctx.device(), ctx.queue(), &[], NodeOrder::Mesh).is_err());
}

#[test]
fn isochrones_are_drawn_where_the_planar_lat_crosses_their_step() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = prepared();
    let surface = SurfaceMesh::new(ctx.device(), &p.mesh, Some(&p.order)).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let cam = camera(&surface);
    // The analytic LAT of a planar front leaving x = 0 at 0.5 mm/ms.
    const MS_PER_MM: f64 = 2.0;
    const STEP_MS: f64 = 10.0;
    let lat: Vec<f64> = (0..p.mesh.node_count())
        .map(|m| MS_PER_MM * p.mesh.nodes[m][0])
        .collect();
    let field =
        ScalarField::new(&r, ctx.device(), ctx.queue(), &lat, NodeOrder::Mesh).expect("field");
    let plain = Legend::lat(0.0, 40.0);
    let lined = plain.clone().with_isolines(STEP_MS);
    let draw_with = |r: &mut SurfaceRenderer, legend: &Legend| {
        let mode = ColourMode::Scalar {
            field: &field,
            legend: legend.clone(),
        };
        draw(ctx, r, &surface, &cam, &mode, &unlit())
    };
    let with_lines = draw_with(&mut r, &lined);
    let without = draw_with(&mut r, &plain);
    let dark = |c: [u8; 3]| c.iter().all(|&v| v < 40);
    // Along the middle row: a dark pixel only within a line's width of
    // x = 5, 10, 15 mm (LAT 10, 20, 30 ms), and one at each of them.
    let y = H / 2;
    let mm_per_px = 20.0 / (pixel_at(&cam, 20.0).0 - pixel_at(&cam, 0.0).0) as f32;
    let mut hits = [0usize; 3];
    for x in 0..W {
        let at = front_point(&cam, x, y).x;
        if !(0.5..19.5).contains(&at) {
            continue;
        }
        let level = (f64::from(at) * MS_PER_MM / STEP_MS).round();
        let off_mm = (f64::from(at) - level * STEP_MS / MS_PER_MM).abs() as f32;
        let got = px(&with_lines, x, y);
        if dark(got) {
            assert!(
                off_mm <= 1.5 * mm_per_px && (1.0..=3.0).contains(&level),
                "isochrone pixel at x = {at:.2} mm, {off_mm:.2} mm from LAT {} ms",
                level * STEP_MS
            );
            hits[level as usize - 1] += 1;
        } else if off_mm > 1.5 * mm_per_px {
            // Away from the lines the colour is the map's, as without lines.
            assert_eq!(got, px(&without, x, y), "x = {at:.2} mm");
        }
        assert!(!dark(px(&without, x, y)), "no lines without a step");
    }
    assert!(
        hits.iter().all(|&n| n >= 1),
        "lines at 10/20/30 ms: {hits:?}"
    );
}

/// sRGB byte of the blend of two sRGB colours at `alpha`, in linear light.
fn blend(over: [u8; 3], under: [u8; 3], alpha: f32) -> [u8; 3] {
    let lin = cardiotwin::viewer::render::gpu_data::srgb_to_linear;
    let enc = |v: f32| {
        let s = if v <= 0.003_130_8 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        };
        (s.clamp(0.0, 1.0) * 255.0).round() as u8
    };
    [0, 1, 2].map(|i| enc(alpha * lin(over[i]) + (1.0 - alpha) * lin(under[i])))
}

#[test]
fn translucent_device_blends_over_the_surface_and_lines_draw_on_top() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let surface = SurfaceMesh::new(ctx.device(), &slab(), None).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let cam = camera(&surface);
    let before = draw(ctx, &mut r, &surface, &cam, &ColourMode::Regions, &unlit());

    // A half-transparent plug between the camera and the slab's centre,
    // its axis along the view; a line hidden behind the slab.
    let device_colour = [255, 255, 255, 128];
    let line_colour = [0, 255, 0, 255];
    r.set_overlays(
        ctx.device(),
        &Overlays {
            device: Some(DeviceGlyph {
                center: Vec3::new(10.0, -8.0, 6.0),
                axis: Vec3::Y,
                radius: 3.0,
                length: 4.0,
                disc: None,
                colour: device_colour,
            }),
            polylines: vec![Polyline {
                points: vec![Vec3::new(2.0, 10.0, 2.0), Vec3::new(18.0, 10.0, 2.0)],
                closed: false,
                colour: line_colour,
                width_px: 4.0,
            }],
            marker: None,
        },
    );
    let after = draw(ctx, &mut r, &surface, &cam, &ColourMode::Regions, &unlit());

    let (cx, cy) = (W / 2, H / 2);
    let want = blend([255, 255, 255], px(&before, cx, cy), 128.0 / 255.0);
    let got = px(&after, cx, cy);
    assert!(
        near(got, want, COLOUR_TOL),
        "blended {got:?}, want {want:?}"
    );
    assert_ne!(got, px(&before, cx, cy));
    // Away from the device and the line, nothing changed.
    assert_eq!(px(&after, 5, 5), px(&before, 5, 5));

    // The line at z = 2 mm runs across the lower part of the slab.
    let hits = (0..H)
        .filter(|&y| near(px(&after, cx, y), [0, 255, 0], 1))
        .count();
    assert!(
        (2..=6).contains(&hits),
        "line is {hits} px thick at the centre column"
    );

    // Clearing the overlays restores the plain picture.
    r.set_overlays(ctx.device(), &Overlays::default());
    let cleared = draw(ctx, &mut r, &surface, &cam, &ColourMode::Regions, &unlit());
    assert_eq!(cleared, before);
}

/// Distance along the ray to the nearest surface triangle (Möller-Trumbore).
fn first_hit(surface: &SurfaceMesh, o: Vec3, d: Vec3) -> Option<f32> {
    let g = surface.geometry();
    let pos = |i: u32| Vec3::from(g.vertices[i as usize].position);
    let mut best: Option<f32> = None;
    for t in &g.triangles {
        let [a, b, c] = t.map(pos);
        let (e1, e2) = (b - a, c - a);
        let p = d.cross(e2);
        let det = e1.dot(p);
        if det.abs() < 1e-9 {
            continue;
        }
        let s = o - a;
        let u = s.dot(p) / det;
        let q = s.cross(e1);
        let v = d.dot(q) / det;
        let dist = e2.dot(q) / det;
        if u >= 0.0 && v >= 0.0 && u + v <= 1.0 && dist > 0.0 {
            best = Some(best.map_or(dist, |x: f32| x.min(dist)));
        }
    }
    best
}

#[test]
fn camera_ray_picks_the_side_the_picture_shows() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let surface = SurfaceMesh::new(ctx.device(), &slab(), None).expect("surface");
    let mut cam = camera(&surface);
    cam.orbit(40.0, -25.0);
    let mut r = renderer(ctx, SRGB);
    let img = draw(ctx, &mut r, &surface, &cam, &ColourMode::Regions, &unlit());
    let bg = [BACKGROUND[0], BACKGROUND[1], BACKGROUND[2]];
    let viewport = r.viewport();
    // Every 8th pixel: a ray hits the mesh exactly where the picture is not
    // background (pixels on the silhouette may go either way).
    let mut checked = 0;
    for y in (4..H).step_by(8) {
        for x in (4..W).step_by(8) {
            let (o, d) = cam.ray(Vec2::new(x as f32 + 0.5, y as f32 + 0.5), viewport);
            let hit = first_hit(&surface, o, d).is_some();
            let drawn = px(&img, x, y) != bg;
            if hit != drawn {
                // Tolerate the silhouette: a neighbour disagrees too.
                let edge = [(1i32, 0i32), (-1, 0), (0, 1), (0, -1)]
                    .iter()
                    .any(|(dx, dy)| {
                        let (nx, ny) = ((x as i32 + dx) as u32, (y as i32 + dy) as u32);
                        (px(&img, nx, ny) != bg) != drawn
                    });
                assert!(edge, "pixel ({x}, {y}): ray hit {hit}, drawn {drawn}");
            }
            checked += usize::from(hit);
        }
    }
    assert!(checked > 50, "only {checked} rays hit the slab");

    // Anterior view: a ray on the left half of the picture hits the x < 10
    // half of the front face (y = 0).
    let cam = camera(&surface);
    let (o, d) = cam.ray(Vec2::new(W as f32 * 0.4, H as f32 * 0.5), viewport);
    let hit = o + d * first_hit(&surface, o, d).expect("centre-left ray hits");
    assert!(hit.x < 10.0 && hit.y.abs() < 1e-3, "hit {hit}");
}

#[test]
fn every_supported_format_reads_back_the_same_picture() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let surface = SurfaceMesh::new(ctx.device(), &slab(), None).expect("surface");
    let cam = camera(&surface);
    let mut images = Vec::new();
    for format in [
        wgpu::TextureFormat::Rgba8UnormSrgb,
        wgpu::TextureFormat::Rgba8Unorm,
        wgpu::TextureFormat::Bgra8UnormSrgb,
        wgpu::TextureFormat::Bgra8Unorm,
    ] {
        let mut r = renderer(ctx, format);
        images.push((
            format,
            draw(ctx, &mut r, &surface, &cam, &ColourMode::Regions, &lit()),
        ));
    }
    let (_, reference) = &images[0];
    for (format, img) in &images[1..] {
        let worst = reference
            .pixels()
            .zip(img.pixels())
            .flat_map(|(a, b)| (0..4).map(move |i| (i32::from(a[i]) - i32::from(b[i])).abs()))
            .max()
            .unwrap_or(0);
        assert!(worst <= 2, "{format:?} differs by up to {worst}");
    }

    assert!(SurfaceRenderer::new(ctx.device(), wgpu::TextureFormat::Rgba16Float).is_err());
    let mut r = renderer(ctx, SRGB);
    let max = ctx.device().limits().max_texture_dimension_2d;
    assert!(r.resize(ctx.device(), max + 1, 8).is_err());
    let g = r.generation();
    r.resize(ctx.device(), W, H).expect("same size");
    assert_eq!(r.generation(), g, "same size does not reallocate");
    r.resize(ctx.device(), 0, 5).expect("zero is clamped");
    assert_eq!(r.size(), [1, 5]);
    assert_ne!(r.generation(), g);
}

// ------------------------------------------------------------- snapshot

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn failure_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/snapshot-failures")
}

/// Compare `img` with tests/snapshots/`name`.png: at most `max_bad` pixels
/// may differ by more than `tol` in some channel (rasterisers differ on
/// edges). On failure, write `name`-actual.png and `name`-diff.png under
/// target/snapshot-failures/.
fn check_snapshot(name: &str, img: &RgbaImage, tol: i32, max_bad: usize) {
    let reference = snapshot_dir().join(format!("{name}.png"));
    if std::env::var("CARDIOTWIN_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(snapshot_dir()).expect("snapshot dir");
        img.save(&reference).expect("write snapshot");
        eprintln!("updated {}", reference.display());
        return;
    }
    let want = match image::open(&reference) {
        Ok(i) => i.to_rgba8(),
        Err(e) => panic!(
            "{}: {e}; run with CARDIOTWIN_UPDATE_SNAPSHOTS=1 to create it",
            reference.display()
        ),
    };
    let mut diff = RgbaImage::new(img.width(), img.height());
    let mut bad = 0;
    let same_size = want.dimensions() == img.dimensions();
    if same_size {
        for (x, y, p) in img.enumerate_pixels() {
            let q = want.get_pixel(x, y);
            let d = (0..4)
                .map(|i| (i32::from(p[i]) - i32::from(q[i])).abs())
                .max()
                .unwrap_or(0);
            if d > tol {
                bad += 1;
                diff.put_pixel(x, y, Rgba([255, 0, 255, 255]));
            } else {
                let g = (d * 255 / tol.max(1)).min(255) as u8;
                diff.put_pixel(x, y, Rgba([g, g, g, 255]));
            }
        }
    }
    if !same_size || bad > max_bad {
        let dir = failure_dir();
        std::fs::create_dir_all(&dir).expect("failure dir");
        let actual = dir.join(format!("{name}-actual.png"));
        let diff_path = dir.join(format!("{name}-diff.png"));
        img.save(&actual).expect("write actual");
        diff.save(&diff_path).expect("write diff");
        panic!(
            "{name}: {bad} pixels differ by more than {tol} (allowed {max_bad}); sizes {:?} vs {:?}; \
             see {} and {}",
            img.dimensions(),
            want.dimensions(),
            actual.display(),
            diff_path.display()
        );
    }
}

#[test]
fn lit_slab_with_overlays_matches_its_snapshot() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = prepared();
    let n = p.problem.node_count();
    let mut gpu = GpuBackend::new(ctx, &p.problem).expect("gpu backend");
    let never = vec![NO_TIME; n];
    // A smooth Vm ramp along x, so shading and the map both show.
    let u: Vec<f64> = p
        .order
        .iter()
        .map(|&m| p.mesh.nodes[m as usize][0] / 20.0)
        .collect();
    gpu.upload_state(0, &u, &vec![0.0; n], &never, &never)
        .expect("upload");
    let surface = SurfaceMesh::new(ctx.device(), &p.mesh, Some(&p.order)).expect("surface");
    let mut r = renderer(ctx, SRGB);
    let fields = SolverFields::new(&r, ctx.device(), &gpu);
    let mut cam = camera(&surface);
    cam.orbit(-45.0, 30.0);
    r.set_overlays(
        ctx.device(),
        &Overlays {
            polylines: vec![Polyline {
                points: (0..=16)
                    .map(|k| {
                        let a = k as f32 / 16.0 * std::f32::consts::TAU;
                        Vec3::new(10.0 + 4.0 * a.cos(), -0.5, 6.0 + 4.0 * a.sin())
                    })
                    .collect(),
                closed: true,
                colour: [255, 230, 0, 255],
                width_px: 2.5,
            }],
            device: Some(DeviceGlyph {
                center: Vec3::new(10.0, -5.0, 6.0),
                axis: Vec3::Y,
                radius: 4.0,
                length: 5.0,
                disc: Some(Disc {
                    radius: 5.5,
                    gap: 1.5,
                    thickness: 1.0,
                }),
                colour: [200, 210, 230, 140],
            }),
            marker: Some(Marker {
                position: Vec3::new(17.0, 0.0, 9.0),
                radius: 0.8,
                colour: [255, 255, 255, 255],
            }),
        },
    );
    let img = draw(
        ctx,
        &mut r,
        &surface,
        &cam,
        &ColourMode::vm(&fields, &gpu),
        &lit(),
    );
    check_snapshot("viewer_slab_vm_overlays", &img, 8, (W * H / 1000) as usize);
}

// --------------------------------------------------------- shader layout

/// Member offsets of struct `name` in a WGSL file, by member name.
fn wgsl_struct(file: &str, name: &str) -> (u32, Vec<(String, u32)>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("shaders")
        .join(file);
    let source = std::fs::read_to_string(&path).expect("shader");
    let module = naga::front::wgsl::parse_str(&source).expect("parses");
    // The WGSL front end lays structs out as it parses them.
    for (_, ty) in module.types.iter() {
        if ty.name.as_deref() == Some(name) {
            if let naga::TypeInner::Struct { members, span } = &ty.inner {
                return (
                    *span,
                    members
                        .iter()
                        .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                        .collect(),
                );
            }
        }
    }
    panic!("{file} has no struct {name}");
}

#[test]
fn host_structs_match_the_viewer_shaders() {
    use std::mem::{offset_of, size_of};
    let host = [
        ("view_proj", offset_of!(Frame, view_proj)),
        ("eye", offset_of!(Frame, eye)),
        ("light_dir", offset_of!(Frame, light_dir)),
        ("scale", offset_of!(Frame, scale)),
        ("offset", offset_of!(Frame, offset)),
        ("min", offset_of!(Frame, min)),
        ("max", offset_of!(Frame, max)),
        ("missing_below", offset_of!(Frame, missing_below)),
        ("lut_offset", offset_of!(Frame, lut_offset)),
        ("mode", offset_of!(Frame, mode)),
        ("index_by_solver", offset_of!(Frame, index_by_solver)),
        ("lit", offset_of!(Frame, lit)),
        ("encode_srgb", offset_of!(Frame, encode_srgb)),
        ("viewport", offset_of!(Frame, viewport)),
        ("missing_colour", offset_of!(Frame, missing_colour)),
        ("isoline_step", offset_of!(Frame, isoline_step)),
        ("pad0", offset_of!(Frame, pad0)),
        ("pad1", offset_of!(Frame, pad1)),
        ("pad2", offset_of!(Frame, pad2)),
    ];
    for file in ["surface.wgsl", "overlay.wgsl"] {
        let (span, members) = wgsl_struct(file, "Frame");
        assert_eq!(span as usize, size_of::<Frame>(), "{file}: Frame size");
        assert_eq!(members.len(), host.len(), "{file}: Frame members");
        for ((name, offset), (host_name, host_offset)) in members.iter().zip(host) {
            assert_eq!(name, host_name, "{file}");
            assert_eq!(*offset as usize, host_offset, "{file}: Frame.{name}");
        }
    }
    let (span, _) = wgsl_struct("surface.wgsl", "Tables");
    assert_eq!(
        span as usize,
        size_of::<cardiotwin::viewer::render::gpu_data::Tables>()
    );
    assert_eq!(size_of::<SurfaceVertex>(), 36);
}

// ---------------------------------------------------------------- timing

/// Frame time of the demo heart (68,799 nodes) at 1280 x 800. Slow on
/// lavapipe, so run on demand:
/// `cargo test --release --test viewer_render -- --ignored --nocapture`.
#[test]
#[ignore]
fn demo_heart_frame_time() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("meshes/rodero01_myocardium_2mm.vtu");
    let mesh = cardiotwin::mesh::io::load(&path).expect("demo heart loads");
    let nodes = mesh.node_count();
    let t0 = std::time::Instant::now();
    let surface = SurfaceMesh::new(ctx.device(), &mesh, None).expect("surface");
    let build = t0.elapsed();
    let values: Vec<f64> = mesh.nodes.iter().map(|p| p[2]).collect();
    let mut r = SurfaceRenderer::new(ctx.device(), SRGB).expect("renderer");
    r.resize(ctx.device(), 1280, 800).expect("resize");
    let (lo, hi) = surface.bounds();
    let field =
        ScalarField::new(&r, ctx.device(), ctx.queue(), &values, NodeOrder::Mesh).expect("field");
    let mode = ColourMode::Scalar {
        field: &field,
        legend: Legend::lat(f64::from(lo.z), f64::from(hi.z)),
    };
    let cam = OrbitCamera::framing(lo, hi);
    let times = cardiotwin::viewer::render::timing::time_frames(
        &mut r,
        ctx.device(),
        ctx.queue(),
        &surface,
        &cam,
        &mode,
        &lit(),
        20,
    )
    .expect("frames");
    let read = std::time::Instant::now();
    let img = r
        .read_back_rgba(ctx.device(), ctx.queue())
        .expect("read back");
    eprintln!(
        "demo heart: {nodes} nodes, {} surface vertices, {} triangles; surface built in {:.0} ms; \
         1280x800 frame on {}: mean {:.1} ms, median {:.1} ms, max {:.1} ms; read-back {:.1} ms",
        surface.geometry().vertices.len(),
        surface.geometry().triangles.len(),
        build.as_secs_f64() * 1e3,
        ctx.adapter_name(),
        times.mean_ms(),
        times.median_ms(),
        times.max_ms(),
        read.elapsed().as_secs_f64() * 1e3,
    );
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/viewer-demo-heart.png");
    if let Err(e) = img.save(&out) {
        eprintln!("could not write {}: {e}", out.display());
    }
    let bg = RenderStyle::default().background;
    assert_ne!(img.get_pixel(640, 400).0, bg, "the heart covers the centre");
}
