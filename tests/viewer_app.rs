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
