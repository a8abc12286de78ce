//! The desktop app without a window: its egui UI driven by egui_kittest
//! (widgets found by label, clicks as pointer events, a rendering snapshot
//! of the whole window on the wgpu renderer) and `cardiotwin view` in its
//! headless modes.
//!
//! Every test needs an adapter (lavapipe is enough); without one they skip
//! loudly unless CARDIOTWIN_REQUIRE_GPU=1.

#![cfg(feature = "viewer")]

mod common {
    pub mod cli;
    pub mod gpu;
}

use std::sync::OnceLock;

use cardiotwin::viewer::app::annotations::BAR_THICKNESS;
use cardiotwin::viewer::app::{gpu, ClickMode, ColourMode, Launch, ViewerApp};
use eframe::egui;
use eframe::egui_wgpu::{RenderState, RendererOptions};
use egui_kittest::kittest::Queryable;
use egui_kittest::wgpu::WgpuTestRenderer;
use egui_kittest::{Harness, SnapshotOptions};

use common::cli::{cardiotwin, project, text};

/// Window size of the UI tests and the snapshot (small: lavapipe paints it
/// in well under a second).
const SIZE: [f32; 2] = [800.0, 500.0];

/// One device per test binary, with the solver's limits.
fn device() -> Option<&'static RenderState> {
    static DEVICE: OnceLock<Option<RenderState>> = OnceLock::new();
    let state = DEVICE.get_or_init(|| match gpu::headless(RendererOptions::PREDICTABLE) {
        Ok((state, ctx)) => {
            eprintln!("viewer tests run on {}", ctx.adapter_name());
            Some(state)
        }
        Err(e) => {
            assert!(
                !common::gpu::require_gpu(),
                "CARDIOTWIN_REQUIRE_GPU=1 but no viewer device: {e}"
            );
            None
        }
    });
    if state.is_none() {
        eprintln!("SKIPPED: no GPU adapter (set CARDIOTWIN_REQUIRE_GPU=1 to fail instead)");
    }
    state.as_ref()
}

/// The app in a kittest harness, on a fresh egui renderer over the shared
/// device. The app's loads are waited for before the first frame.
fn harness(launch: Launch) -> Option<Harness<'static, ViewerApp>> {
    let base = device()?;
    let state = gpu::render_state_on(base, RendererOptions::PREDICTABLE).expect("egui renderer");
    let mut app = ViewerApp::new(state.clone(), launch);
    app.wait_for_load();
    app.wait_for_placement();
    let harness = Harness::builder()
        .with_size(egui::Vec2::from(SIZE))
        .renderer(WgpuTestRenderer::from_render_state(state))
        .build_ui_state(|ui, app: &mut ViewerApp| app.show(ui), app);
    Some(harness)
}

/// The app with lesson `id` opened from the gallery (as its "Open lesson"
/// button does), simulated to `time_ms`, coloured by `colour`.
fn lesson(id: &str, time_ms: f64, colour: ColourMode) -> Option<Harness<'static, ViewerApp>> {
    let base = device()?;
    let state = gpu::render_state_on(base, RendererOptions::PREDICTABLE).expect("egui renderer");
    let mut app = ViewerApp::new(state.clone(), Launch::default());
    app.open_lesson_id(id).expect("a shipped lesson");
    app.wait_for_load();
    app.wait_for_placement();
    app.simulate_to(time_ms);
    app.colour = colour;
    let harness = Harness::builder()
        .with_size(egui::Vec2::from(SIZE))
        .renderer(WgpuTestRenderer::from_render_state(state))
        .build_ui_state(|ui, app: &mut ViewerApp| app.show(ui), app);
    Some(harness)
}

/// The 3D view's part of the rendered window (kittest paints at 1 pixel
/// per point, so points are pixels).
fn view_image(h: &mut Harness<'_, ViewerApp>) -> image::RgbaImage {
    let rect = h.state().view_rect().expect("the view was laid out");
    let window = h.render().expect("the window renders");
    image::imageops::crop_imm(
        &window,
        rect.min.x.round() as u32,
        rect.min.y.round() as u32,
        rect.width().round() as u32,
        rect.height().round() as u32,
    )
    .to_image()
}

/// The view's background (RenderStyle::default).
const BACKGROUND: [u8; 3] = [28, 30, 36];

fn is_background(p: &image::Rgba<u8>) -> bool {
    (0..3).all(|i| (i32::from(p.0[i]) - i32::from(BACKGROUND[i])).abs() <= 4)
}

/// Vm on the cool-warm map: activated tissue is red, resting tissue blue.
fn is_red(p: &image::Rgba<u8>) -> bool {
    i32::from(p.0[0]) > i32::from(p.0[2]) + 40
}

fn is_blue(p: &image::Rgba<u8>) -> bool {
    i32::from(p.0[2]) > i32::from(p.0[0]) + 40
}

fn open(path: &str) -> Launch {
    Launch {
        path: Some(project(path)),
        ..Launch::default()
    }
}

/// Steps without waiting for the UI to settle (a playing simulation asks
/// for repaints forever, so `Harness::run` would not return).
fn frames(h: &mut Harness<'_, ViewerApp>, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

fn assert_no_errors(h: &Harness<'_, ViewerApp>) {
    assert!(
        h.state().errors.is_empty(),
        "app errors: {:?}",
        h.state().errors
    );
}

#[test]
fn empty_app_shows_file_gallery_colour_and_camera_controls() {
    let Some(mut h) = harness(Launch::default()) else {
        return;
    };
    frames(&mut h, 2);
    for label in [
        "File",
        "Open",
        "Screenshot",
        "Teaching gallery",
        "Simulation",
        "Colour",
    ] {
        h.get_by_label(label);
    }
    for label in [
        "Vm",
        "LAT",
        "Regions",
        "Reset camera",
        "Anterior",
        "Superior",
    ] {
        h.get_by_label(label);
    }
    // The gallery lists the shipped lessons by title.
    h.get_by_label("Planar wave and conduction velocity");
    assert!(h.state().lessons().len() >= 5);
    h.get_by_label("Open a mesh, scenario or lesson to simulate.");
    assert_no_errors(&h);
}

#[test]
fn a_missing_file_is_reported_in_the_app_not_a_panic() {
    let Some(mut h) = harness(open("meshes/no_such_mesh.vtk")) else {
        return;
    };
    frames(&mut h, 2);
    let errors = &h.state().errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("no_such_mesh.vtk"), "{errors:?}");
    // The banner shows it and can be dismissed.
    h.get_by_label("Dismiss").click();
    frames(&mut h, 2);
    assert!(h.state().errors.is_empty());
}

#[test]
fn scenario_warnings_are_shown_in_the_app_as_run_prints_them() {
    // Two conduction entries for "all": the first changes nothing, which
    // `run` warns about (conduction_entry_overridden); the app must too.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("overridden.toml");
    let mesh = project("meshes/slab_20x7x3_0.5mm.vtk");
    std::fs::write(
        &path,
        format!(
            "[mesh]\nfile = {mesh:?}\n\
             [[conduction]]\nregions = \"all\"\nsigma_l = 1.4\nsigma_t = 1.4\n\
             [[conduction]]\nregions = \"all\"\nsigma_l = 0.7\nsigma_t = 0.7\n\
             [[stimulus]]\nbox = {{ min = [0, 0, 0], max = [6, 7, 3] }}\n\
             duration_ms = 2.0\nstrength = 100.0\n[time]\nduration_ms = 20.0\n"
        ),
    )
    .unwrap();
    let Some(mut h) = harness(Launch {
        path: Some(path),
        ..Launch::default()
    }) else {
        return;
    };
    frames(&mut h, 2);
    let errors = &h.state().errors;
    assert!(
        errors
            .iter()
            .any(|e| e.contains("conduction_entry_overridden")),
        "{errors:?}"
    );
    assert!(h.state().session().is_some(), "the scenario still opens");
}

#[test]
fn pressing_play_advances_time_and_pause_stops_it() {
    let Some(mut h) = harness(open("assets/scenarios/slab.toml")) else {
        return;
    };
    frames(&mut h, 1);
    assert_eq!(h.state().sim_status().map(|s| s.time_ms), Some(0.0));
    h.get_by_label("Play").click();
    frames(&mut h, 6);
    let playing = h.state().sim_status().expect("a session");
    assert!(playing.playing);
    assert!(playing.time_ms > 0.0, "time did not advance: {playing:?}");
    h.get_by_label("Pause").click();
    frames(&mut h, 1);
    let paused = h.state().sim_status().expect("a session").time_ms;
    frames(&mut h, 4);
    assert_eq!(h.state().sim_status().expect("a session").time_ms, paused);
    h.get_by_label("Step").click();
    frames(&mut h, 1);
    assert!(h.state().sim_status().expect("a session").time_ms > paused);
    h.get_by_label("Reset").click();
    frames(&mut h, 1);
    assert_eq!(h.state().sim_status().map(|s| s.time_ms), Some(0.0));
    assert_no_errors(&h);
}

/// Click the middle of the 3D view with a pointer event, as a user would.
fn click_view_centre(h: &mut Harness<'_, ViewerApp>, modifiers: egui::Modifiers) {
    let centre = h
        .state()
        .view_rect()
        .expect("the view was laid out")
        .center();
    // Integrations report held modifier keys in the input state.
    h.event(egui::Event::ModifiersChanged(modifiers));
    h.event(egui::Event::PointerMoved(centre));
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: centre,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers,
        });
    }
    frames(h, 1);
    h.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    frames(h, 1);
}

#[test]
fn clicking_the_view_paces_a_wave_that_spreads() {
    // A bare mesh has no stimuli: only the click can start a wave.
    let Some(mut h) = harness(open("meshes/slab_20x7x3_0.5mm.vtk")) else {
        return;
    };
    frames(&mut h, 2);
    assert_eq!(h.state().click_mode, ClickMode::Pace);
    click_view_centre(&mut h, egui::Modifiers::NONE);
    let notice = h.state().notice.clone().unwrap_or_default();
    assert!(notice.starts_with("paced"), "notice: {notice:?}");
    assert_no_errors(&h);

    let app = h.state_mut();
    let session = app.session_mut().expect("a session");
    let activated = |s: &mut cardiotwin::viewer::session::Session| {
        s.lat_mesh_order()
            .expect("LAT")
            .iter()
            .filter(|t| t.is_finite())
            .count()
    };
    session.step(20).expect("steps");
    let early = activated(session);
    let dt = session.dt_ms();
    session.step((10.0 / dt) as u64).expect("10 ms");
    let later = activated(session);
    assert!(early > 0, "the paced nodes activated");
    assert!(
        later > early,
        "the wave spread: {early} -> {later} activated nodes"
    );
}

#[test]
fn ctrl_click_selects_a_trace_point_and_the_plot_shows_it() {
    let Some(mut h) = harness(open("assets/scenarios/slab.toml")) else {
        return;
    };
    frames(&mut h, 2);
    click_view_centre(&mut h, egui::Modifiers::COMMAND);
    let trace = h.state().trace().expect("a trace after ctrl-click");
    assert!(!trace.points.is_empty());
    h.state_mut().step_once();
    frames(&mut h, 2);
    let text = format!("Voltage trace of {}", trace.title);
    h.get_by_label(&text);
    assert!(h.state().trace().expect("trace").points.len() > trace.points.len());
    assert_no_errors(&h);
}

#[test]
fn lat_mode_shows_a_legend_in_ms_once_tissue_activated() {
    let Some(mut h) = harness(Launch {
        time_ms: Some(15.0),
        mode: Some(ColourMode::Lat),
        ..open("assets/scenarios/slab.toml")
    }) else {
        return;
    };
    frames(&mut h, 2);
    let legend = h.state().legend().expect("a LAT legend");
    match legend {
        cardiotwin::viewer::app::LegendView::Gradient { unit, min, max, .. } => {
            assert_eq!(unit, "ms");
            assert!(min >= 0.0 && max <= 15.0 + 1.0 && max > min, "{min}..{max}");
        }
        other => panic!("expected a gradient, got {other:?}"),
    }
    h.get_by_label("LAT (ms)");
    assert_no_errors(&h);
}

#[test]
fn placement_panel_on_an_appendage_shows_metrics_and_applies_the_recommended_size() {
    let Some(mut h) = harness(open("meshes/laa/windsock.vtu")) else {
        return;
    };
    frames(&mut h, 2);
    assert!(h.state().has_placement());
    for label in [
        "Device placement",
        "Compression",
        "Leak",
        "Depth fit",
        "Verdict",
    ] {
        h.get_by_label(label);
    }
    let placement = h.state().placement().expect("appendage measured");
    let recommended = placement
        .family_sizing()
        .recommended_mm
        .expect("the windsock has a recommended size");
    let other = placement
        .family()
        .sizes
        .iter()
        .map(|s| s.size_mm)
        .find(|&mm| mm != recommended)
        .expect("a family with more than one size");
    h.state_mut()
        .placement_mut()
        .expect("placement")
        .set_size_mm(other)
        .expect("a catalog size");
    frames(&mut h, 1);
    h.get_by_label(&format!("Recommended size: {recommended} mm"));

    h.get_by_label("Apply recommended size").click();
    frames(&mut h, 1);
    let size = h.state().placement().expect("placement").size().size_mm;
    assert_eq!(size, recommended);
    assert_eq!(
        h.state().notice.as_deref(),
        Some(format!("device size set to {recommended} mm").as_str())
    );
    assert_no_errors(&h);
}

#[test]
fn whole_window_matches_the_stored_snapshot() {
    // A relative path (tests run in the crate root), so the path field in
    // the picture is the same on every machine.
    let Some(mut h) = harness(Launch {
        path: Some("assets/scenarios/slab.toml".into()),
        time_ms: Some(20.0),
        mode: None,
        scale: None,
    }) else {
        return;
    };
    frames(&mut h, 3);
    assert_no_errors(&h);
    // Text is deterministic (egui's bundled fonts); the 3D view is drawn by
    // lavapipe or a GPU, whose rasterisation may differ in edge pixels.
    let options = SnapshotOptions::new()
        .threshold(2.0)
        .max_failed_pixels(4000);
    h.snapshot_options("viewer_slab_20ms", &options);
}

#[test]
fn view_screenshot_writes_a_png_of_the_window() {
    if device().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("shot.png");
    let o = cardiotwin(&[
        "view",
        "--screenshot",
        out.to_str().expect("utf-8 path"),
        "--size",
        "480x320",
        "--time-ms",
        "10",
        project("assets/scenarios/slab.toml")
            .to_str()
            .expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let img = image::open(&out).expect("a PNG").to_rgba8();
    assert_eq!(img.dimensions(), (480, 320));
    // Not blank: the panels and the coloured slab give many colours.
    let mut colours: Vec<[u8; 4]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "{} colours", colours.len());
}

#[test]
fn view_of_a_missing_path_fails_with_a_clear_message() {
    let o = cardiotwin(&["view", "--screenshot", "x.png", "no/such/heart.vtu"]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("no/such/heart.vtu") && msg.contains("no such file"),
        "{msg}"
    );
}

#[test]
fn view_without_an_adapter_says_a_gpu_is_needed_and_points_to_the_cpu_commands() {
    // Metal is not compiled in on Linux/Windows, DX12 not on macOS: asking
    // for the other platform's backend leaves wgpu with no adapter at all.
    let backend = if cfg!(target_os = "macos") {
        "dx12"
    } else {
        "metal"
    };
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cardiotwin"))
        .args(["view", "--screenshot", "x.png"])
        .arg(project("assets/scenarios/slab.toml"))
        .env("WGPU_BACKEND", backend)
        .output()
        .expect("the binary runs");
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("needs a GPU adapter") && msg.contains("cardiotwin run"),
        "{msg}"
    );
}

#[test]
fn frame_time_reports_figures_as_json() {
    if device().is_none() {
        return;
    }
    let o = cardiotwin(&[
        "view",
        "--frame-time",
        "5",
        "--json",
        "--size",
        "320x240",
        project("meshes/slab_20x7x3_0.5mm.vtk")
            .to_str()
            .expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["frames"], 5);
    assert_eq!(v["nodes"], 4305);
    assert!(v["adapter"].as_str().is_some_and(|a| !a.is_empty()));
    let (median, p95) = (v["median_ms"].as_f64(), v["p95_ms"].as_f64());
    assert!(
        matches!((median, p95), (Some(m), Some(p)) if m > 0.0 && p >= m),
        "{v}"
    );
    assert!(
        v["steps_per_frame"].as_f64().is_some_and(|s| s >= 1.0),
        "{v}"
    );
}

#[test]
fn the_screenshot_button_writes_the_painted_window_headless() {
    let Some(base) = device() else {
        return;
    };
    let state = gpu::render_state_on(base, RendererOptions::PREDICTABLE).expect("egui renderer");
    let mut headless = cardiotwin::viewer::app::headless::HeadlessApp::with_render_state(
        state,
        Launch::default(),
        [640, 400],
    );
    headless.frame().expect("a frame");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("nested").join("window.png");
    headless.app.request_screenshot(out.clone());
    headless.frame().expect("a frame");
    let notice = headless.app.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("wrote"), "{notice:?}");
    let img = image::open(&out).expect("a PNG").to_rgba8();
    assert_eq!(img.dimensions(), (640, 400));
}

#[test]
fn lesson_one_shows_its_paced_left_edge_on_the_left() {
    // Paced along x = 0 at t = 0; by 30 ms the front is ~11 mm into the
    // 50 mm strip. Drawn with x to the right, the activated (red) part must
    // be the LEFT end of the strip, as the lesson's text says.
    let Some(mut h) = lesson("planar_wave", 30.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 2);
    assert_no_errors(&h);
    let img = view_image(&mut h);
    let y = img.height() / 2;
    let row: Vec<(u32, &image::Rgba<u8>)> = (0..img.width())
        .map(|x| (x, img.get_pixel(x, y)))
        .filter(|(_, p)| !is_background(p))
        .collect();
    let red: Vec<u32> = row.iter().filter(|(_, p)| is_red(p)).map(|r| r.0).collect();
    let blue: Vec<u32> = row
        .iter()
        .filter(|(_, p)| is_blue(p))
        .map(|r| r.0)
        .collect();
    assert!(
        !red.is_empty() && !blue.is_empty(),
        "{} red, {} blue",
        red.len(),
        blue.len()
    );
    let (left, right) = (row[0].0, row[row.len() - 1].0);
    let last_red = red.iter().max().copied().unwrap_or(0);
    let first_blue = blue.iter().min().copied().unwrap_or(0);
    assert!(
        last_red <= first_blue + 2,
        "activated tissue (x {}..{last_red}) lies left of resting tissue (x {first_blue}..)",
        red[0]
    );
    assert!(
        red[0] <= left + 3,
        "the strip's left end ({left}) is activated"
    );
    assert!(
        (last_red - left) * 3 < right - left,
        "about a fifth of the strip is activated: {left}..{last_red} of {left}..{right}"
    );
}

#[test]
fn lesson_six_shows_its_paced_corner_at_the_bottom_left() {
    // Paced at the corner (0, 0): with x right and y up it is the bottom
    // left corner of the picture.
    let Some(mut h) = lesson("pacing_corner", 40.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 2);
    assert_no_errors(&h);
    let img = view_image(&mut h);
    let (mut tissue, mut red) = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0));
    // Leave out the corners where the triad and the scale bar are drawn.
    let margin = 80;
    for y in 0..img.height() - margin {
        for x in 0..img.width() {
            let p = img.get_pixel(x, y);
            if is_background(p) {
                continue;
            }
            tissue = (tissue.0 + x as f64, tissue.1 + y as f64, tissue.2 + 1.0);
            if is_red(p) {
                red = (red.0 + x as f64, red.1 + y as f64, red.2 + 1.0);
            }
        }
    }
    assert!(red.2 > 100.0 && tissue.2 > red.2, "{red:?} of {tissue:?}");
    let (tx, ty) = (tissue.0 / tissue.2, tissue.1 / tissue.2);
    let (rx, ry) = (red.0 / red.2, red.1 / red.2);
    assert!(
        rx < tx - 20.0,
        "activated corner left of the centre: {rx} vs {tx}"
    );
    assert!(
        ry > ty + 20.0,
        "activated corner below the centre: {ry} vs {ty}"
    );
}

#[test]
fn the_view_has_an_axis_triad_and_a_scale_bar_at_the_camera_scale() {
    let Some(mut h) = lesson("planar_wave", 0.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 2);
    let img = view_image(&mut h);
    let rect = h.state().view_rect().expect("view");
    let drawn = h.state().annotations().expect("annotations drawn").clone();
    let viewport = glam::Vec2::new(rect.width(), rect.height());
    let mm_per_px = h.state().camera.mm_per_pixel(viewport);

    // The bar's length in pixels is its length in mm at the camera's scale.
    let bar = drawn.scale_bar.expect("a scale bar");
    assert!(
        (bar.pixels * mm_per_px - bar.mm).abs() < 1e-3 * bar.mm,
        "{bar:?} at {mm_per_px} mm/px"
    );
    // ... and that many white pixels are drawn.
    let y = (drawn.bar_start.y - rect.min.y - BAR_THICKNESS / 2.0).round() as u32;
    let x0 = (drawn.bar_start.x - rect.min.x).round() as i64;
    let white = |x: i64| {
        let p = img.get_pixel(x as u32, y);
        p.0[..3].iter().all(|&c| c > 240)
    };
    let start = (x0 - 3..x0 + 3)
        .find(|&x| white(x))
        .expect("the bar starts at its place");
    let end = (start..i64::from(img.width()))
        .find(|&x| !white(x))
        .unwrap_or(0);
    let drawn_px = (end - start) as f32;
    assert!(
        (drawn_px - bar.pixels).abs() <= 2.0,
        "bar of {} mm drawn {drawn_px} px long, {} px expected",
        bar.mm,
        bar.pixels
    );
    // The camera's scale is the picture's: the 50 mm strip spans 50 mm of
    // pixels (within 4 %, its edges are antialiased).
    let cy = img.height() / 2;
    let tissue = (0..img.width())
        .filter(|&x| !is_background(img.get_pixel(x, cy)))
        .count() as f32;
    assert!(
        (tissue * mm_per_px - 50.0).abs() < 2.0,
        "the strip spans {tissue} px = {} mm",
        tissue * mm_per_px
    );

    // Triad: x points right and y up on a sheet, in their colours.
    let [(o, x_end), (_, y_end), _] = drawn.triad;
    assert!(
        x_end.x - o.x > 20.0 && (x_end.y - o.y).abs() < 1.0,
        "x arm {o:?}->{x_end:?}"
    );
    assert!(
        o.y - y_end.y > 20.0 && (y_end.x - o.x).abs() < 1.0,
        "y arm {o:?}->{y_end:?}"
    );
    let at = |p: egui::Pos2| {
        img.get_pixel((p.x - rect.min.x) as u32, (p.y - rect.min.y) as u32)
            .0
    };
    let mid = |a: egui::Pos2, b: egui::Pos2| egui::pos2((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
    let [r, g, _, _] = at(mid(o, x_end));
    assert!(r > 180 && g < 120, "x arm is red: {:?}", at(mid(o, x_end)));
    let [r, g, _, _] = at(mid(o, y_end));
    assert!(
        g > 160 && r < 120,
        "y arm is green: {:?}",
        at(mid(o, y_end))
    );
    assert_no_errors(&h);
}

#[test]
fn regions_are_named_in_the_legend_and_the_view() {
    let Some(mut h) = lesson("scar_reentry", 0.0, ColourMode::Regions) else {
        return;
    };
    frames(&mut h, 2);
    h.get_by_label("1 tissue");
    h.get_by_label("2 scar");
    let drawn = h.state().annotations().expect("annotations").clone();
    let names: Vec<&str> = drawn.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, vec!["tissue", "scar"]);
    // Each name is written on its own region: the mesh node nearest the
    // label's point lies in an element of that region.
    let mesh = h.state().session().expect("session").mesh().clone();
    for label in &drawn.labels {
        let p = label.anchor;
        let nearest = (0..mesh.node_count())
            .min_by(|&a, &b| {
                let d = |n: usize| {
                    let q = mesh.nodes[n];
                    glam::Vec3::new(q[0] as f32, q[1] as f32, q[2] as f32).distance(p)
                };
                d(a).total_cmp(&d(b))
            })
            .expect("nodes") as u32;
        let regions: Vec<i32> = (0..mesh.element_count())
            .filter(|&e| mesh.element(e).contains(&nearest))
            .map(|e| mesh.regions[e])
            .collect();
        assert!(
            regions.contains(&label.tag),
            "{} written at {p} (node {nearest}, regions {regions:?})",
            label.name
        );
    }
    // Not in the other colour modes.
    h.state_mut().colour = ColourMode::Vm;
    frames(&mut h, 1);
    assert!(h
        .state()
        .annotations()
        .expect("annotations")
        .labels
        .is_empty());
    assert_no_errors(&h);
}

#[test]
fn lat_mode_draws_isochrones_and_says_their_step() {
    let Some(mut h) = lesson("pacing_centre", 60.0, ColourMode::Lat) else {
        return;
    };
    frames(&mut h, 2);
    // 0..~55 ms of activation: a round step giving about 8 lines.
    h.get_by_label("black lines: isochrones every 10 ms");
    let img = view_image(&mut h);
    // Above the triad and the scale bar (whose shadows are dark too).
    let dark = (0..img.height() - 80)
        .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0[..3].iter().all(|&c| c < 40))
        .count();
    assert!(dark > 200, "{dark} isochrone pixels");
    assert_no_errors(&h);
}

#[test]
fn a_sheet_has_no_device_panel_and_an_appendage_lesson_has_one() {
    let Some(mut h) = lesson("planar_wave", 0.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 2);
    assert!(!h.state().has_placement());
    assert!(h.state().placement_unavailable().is_none());
    assert!(h.query_by_label("Device placement").is_none());
    assert!(h.query_by_label_contains("No device placement").is_none());
    let Some(mut h) = lesson("appendage_connected", 0.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 2);
    assert!(h.state().has_placement());
    h.get_by_label("Device placement");
}

#[test]
fn lesson_sliders_show_the_question_and_re_prepare_the_lesson() {
    use egui::accesskit::Role;
    let Some(mut h) = lesson("pacing_corner", 0.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 2);
    let controls = h.state().lesson_controls().expect("a lesson is open");
    h.get_by_label(&controls.question);
    assert!(!controls.changed);
    let dt_before = h.state().session().expect("session").dt_ms();

    h.get_by_role_and_label(Role::Slider, "Recovery rate eps0")
        .set_value_accesskit(0.01);
    frames(&mut h, 1);
    h.state_mut().wait_for_load();
    frames(&mut h, 1);
    h.get_by_role_and_label(Role::Slider, "Diffusivity D (mm²/ms)")
        .set_value_accesskit(2.0);
    frames(&mut h, 1);
    h.state_mut().wait_for_load();
    frames(&mut h, 2);
    assert_no_errors(&h);

    // The values reached the scenario the session runs.
    let session = h.state().session().expect("session");
    let eps0 = session.scenario().model.eps0;
    assert!((eps0 - 0.01).abs() < 1e-3, "eps0 {eps0}");
    let (d_l, _) = session.scenario().conduction[0]
        .diffusivities("c")
        .expect("valid");
    assert!((d_l - 2.0).abs() < 0.05, "D {d_l}");
    // Re-prepared: the explicit step shrinks with D (1 -> 2 mm^2/ms).
    let dt_after = session.dt_ms();
    assert!(dt_after < 0.8 * dt_before, "dt {dt_before} -> {dt_after}");
    assert!(h.state().lesson_controls().expect("lesson").changed);
    h.get_by_label_contains("Changed from the lesson's own values");

    h.get_by_label("Restore the lesson's values").click();
    frames(&mut h, 1);
    h.state_mut().wait_for_load();
    frames(&mut h, 1);
    let session = h.state().session().expect("session");
    assert_eq!(session.scenario().model.eps0, 0.002);
    assert!(!h.state().lesson_controls().expect("lesson").changed);
    assert_no_errors(&h);
}

#[test]
fn a_lesson_opened_by_its_path_has_its_question_and_sliders() {
    let Some(mut h) = harness(open("assets/scenarios/teaching/02_spiral_wave.toml")) else {
        return;
    };
    frames(&mut h, 1);
    let controls = h.state().lesson_controls().expect("the spiral lesson");
    assert!(controls.question.contains("S2"), "{}", controls.question);
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "S2 time (ms)");
    // Any other scenario is not a lesson.
    let Some(mut h) = harness(open("assets/scenarios/slab.toml")) else {
        return;
    };
    frames(&mut h, 1);
    assert!(h.state().lesson_controls().is_none());
    assert!(h.query_by_label("Lesson").is_none());
}

#[test]
fn a_lesson_value_that_cannot_run_is_reported_and_the_sliders_go_back() {
    let Some(mut h) = lesson("pacing_corner", 0.0, ColourMode::Vm) else {
        return;
    };
    frames(&mut h, 1);
    let before = h.state().lesson_controls().expect("lesson").values;
    // Outside the slider's range: refused by name, nothing re-prepared.
    let mut values = before.clone();
    values[1] = 7.0;
    h.state_mut().apply_lesson_values(values);
    frames(&mut h, 1);
    let errors = h.state().errors.clone();
    assert!(
        errors.len() == 1 && errors[0].contains("eps0"),
        "{errors:?}"
    );
    assert!(!h.state().is_loading());
    assert_eq!(h.state().lesson_controls().expect("lesson").values, before);
}
