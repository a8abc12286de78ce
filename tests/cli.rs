//! End to end: the `cardiotwin` binary on shipped and generated inputs, its
//! outputs parsed back and checked.

mod common {
    pub mod cli;
    pub mod gpu;
}

use common::cli::{cardiotwin, project, text};
use std::path::Path;

fn summary(dir: &Path) -> serde_json::Value {
    let s = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&s).expect("summary.json is JSON")
}

/// Run the shipped slab scenario on one backend and check every output.
fn run_slab(backend: &str) -> (serde_json::Value, Vec<f64>) {
    let out = tempfile::tempdir().expect("tempdir");
    let o = cardiotwin(&[
        "run",
        project("assets/scenarios/slab.toml")
            .to_str()
            .expect("utf8"),
        "--out",
        out.path().to_str().expect("utf8"),
        "--backend",
        backend,
        "--quiet",
    ]);
    assert!(o.status.success(), "run failed: {}", text(&o));
    let s = summary(out.path());
    for key in [
        "nodes",
        "elements",
        "dt_ms",
        "steps",
        "wall_seconds",
        "backend",
        "adapter",
        "lat_min_ms",
        "lat_max_ms",
        "activated_fraction",
        "version",
        "inputs",
    ] {
        assert!(s.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(s["backend"], backend);
    assert_eq!(s["nodes"], 4305);
    assert_eq!(
        s["inputs"].as_array().expect("inputs").len(),
        2,
        "scenario and mesh hashed"
    );
    let (n, lat) =
        cardiotwin::mesh::io::read_vtu_array(&out.path().join("activation.vtu"), "lat_ms")
            .expect("lat_ms in activation.vtu");
    assert_eq!(n, 1);
    assert_eq!(lat.len(), 4305);
    // Snapshots: t = 0, 5, ..., 90 ms (EnSight case + openCARP IGB).
    let case = std::fs::read_to_string(out.path().join("snapshots.case")).expect("case");
    assert!(case.contains("number of steps: 19"), "{case}");
    assert!(out.path().join("snapshots/vm_mv_00018.scl").is_file());
    let (igb, frames) =
        cardiotwin::output::opencarp::read_igb(&out.path().join("vm.igb")).expect("vm.igb");
    assert_eq!((igb.nodes, igb.frames, igb.inc_t), (4305, 19, 5.0));
    assert_eq!(frames.len(), 19);
    // Probes: header + one row per 0.5 ms.
    let csv = std::fs::read_to_string(out.path().join("probes.csv")).expect("probes.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_ms,probe_0_vm_mv,probe_1_vm_mv,probe_2_vm_mv")
    );
    assert_eq!(lines.count(), 180);
    // No temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    (s, lat)
}

#[test]
fn run_on_the_cpu_writes_every_output_and_the_whole_slab_activates() {
    let (s, lat) = run_slab("cpu");
    assert_eq!(s["activated_fraction"], 1.0);
    let lat_max = s["lat_max_ms"].as_f64().expect("lat_max");
    // The corner-to-corner front: about 64 ms of propagation for these
    // speeds (0.39 mm/ms along, 0.195 across), plus the stimulus build-up.
    assert!((55.0..90.0).contains(&lat_max), "lat_max {lat_max}");
    assert!(lat.iter().all(|t| t.is_finite()));
}

#[test]
fn run_on_the_gpu_matches_the_cpu() {
    if common::gpu::context().is_none() {
        return;
    }
    let (cpu, cpu_lat) = run_slab("cpu");
    let (gpu, gpu_lat) = run_slab("gpu");
    assert_eq!(cpu["steps"], gpu["steps"]);
    let dt = cpu["dt_ms"].as_f64().expect("dt");
    let worst = cpu_lat
        .iter()
        .zip(&gpu_lat)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= dt,
        "GPU and CPU LAT differ by {worst} ms (dt {dt})"
    );
}

#[test]
fn json_summary_goes_to_stdout() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = cardiotwin(&[
        "run",
        project("assets/scenarios/slab.toml")
            .to_str()
            .expect("utf8"),
        "--out",
        out.path().to_str().expect("utf8"),
        "--backend",
        "cpu",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v["nodes"], 4305);
}

#[test]
fn bad_scenario_exits_non_zero_with_the_reason_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("bad.toml");
    std::fs::write(&scenario, "[mesh]\nfile = \"x.vtu\"\nflavour = 1\n").expect("write");
    let out = dir.path().join("out");
    let o = cardiotwin(&[
        "run",
        scenario.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(msg.contains("bad.toml") && msg.contains("flavour"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(!out.join("summary.json").exists());
}

#[test]
fn blow_up_stops_with_the_time_and_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mesh = dir.path().join("slab.vtk");
    let o = cardiotwin(&[
        "generate",
        "slab",
        mesh.to_str().expect("utf8"),
        "--size",
        "4,2,1",
        "--spacing",
        "0.5",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let scenario = dir.path().join("boom.toml");
    std::fs::write(
        &scenario,
        "[mesh]\nfile = \"slab.vtk\"\n[[conduction]]\nregions = \"all\"\nsigma_l = 1.4\nsigma_t = 1.4\n\
         [[stimulus]]\nbox = { min = [0, 0, 0], max = [1, 1, 1] }\nstart_ms = 1.0\nduration_ms = 2.0\nstrength = 1e9\n\
         [time]\nduration_ms = 5.0\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let o = cardiotwin(&[
        "run",
        scenario.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--backend",
        "cpu",
        "-q",
    ]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(msg.contains("blew up at t = 1.0"), "{msg}");
    assert!(msg.contains("Hint"), "{msg}");
    assert!(
        !out.join("activation.vtu").exists(),
        "no result after a blow-up"
    );
}

#[test]
fn mesh_info_reports_counts_as_json() {
    let o = cardiotwin(&[
        "mesh",
        "info",
        project("meshes/slab_20x7x3_0.5mm.vtk")
            .to_str()
            .expect("utf8"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["nodes"], 4305);
    assert_eq!(v["elements"], 20160);
}

#[test]
fn mesh_convert_to_opencarp_and_back_keeps_the_mesh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let carp = dir.path().join("slab.pts");
    let back = dir.path().join("back.vtu");
    let src = project("meshes/slab_20x7x3_0.5mm.vtk");
    let o = cardiotwin(&[
        "mesh",
        "convert",
        src.to_str().expect("utf8"),
        carp.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cardiotwin(&[
        "mesh",
        "convert",
        carp.to_str().expect("utf8"),
        back.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let a = cardiotwin::mesh::io::load(&src).expect("src");
    let b = cardiotwin::mesh::io::load(&back).expect("back");
    assert_eq!(a.elements, b.elements);
    assert_eq!(a.fibres.is_some(), b.fibres.is_some());
    let worst = a
        .nodes
        .iter()
        .zip(&b.nodes)
        .flat_map(|(p, q)| (0..3).map(move |d| (p[d] - q[d]).abs()))
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "coordinates moved by {worst} mm");
}

#[test]
fn unreadable_mesh_gives_a_clear_error_and_no_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("broken.vtk");
    std::fs::write(&bad, "# vtk DataFile Version 3.0\nx\nASCII\nDATASET UNSTRUCTURED_GRID\nPOINTS 3 float\n0 0 0\n1 1\n").expect("write");
    let o = cardiotwin(&["mesh", "info", bad.to_str().expect("utf8")]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(msg.contains("broken.vtk") && msg.contains("line"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
}

#[test]
fn help_teaches_the_commands() {
    let o = cardiotwin(&["--help"]);
    let msg = text(&o);
    for cmd in ["run", "mesh", "demo", "bench", "generate"] {
        assert!(msg.contains(cmd), "--help does not mention {cmd}");
    }
    let o = cardiotwin(&["run", "--help"]);
    assert!(text(&o).contains("activation.vtu"));
}

#[test]
fn demo_runs_the_shipped_heart_and_draws_the_activation_map() {
    let out = tempfile::tempdir().expect("tempdir");
    // 40 ms instead of 400: enough for the apex region to activate.
    let o = cardiotwin(&[
        "demo",
        "--out",
        out.path().to_str().expect("utf8"),
        "--backend",
        "cpu",
        "--duration-ms",
        "40",
    ]);
    assert!(o.status.success(), "demo failed: {}", text(&o));
    let s = summary(out.path());
    assert_eq!(s["nodes"], 68799);
    let activated = s["activated_fraction"].as_f64().expect("fraction");
    assert!(
        activated > 0.005 && activated < 0.5,
        "activated fraction {activated} after 40 ms"
    );
    let png = image::open(out.path().join("activation.png")).expect("activation.png decodes");
    assert_eq!((png.width(), png.height()), (1400, 700));
}

#[test]
fn demo_without_out_can_be_run_again_and_says_it_replaces_its_previous_demo() {
    // The quick start run twice: the default folder is the demo's own.
    let cwd = tempfile::tempdir().expect("tempdir");
    let demo = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_cardiotwin"))
            .args(["demo", "--backend", "cpu", "--duration-ms", "2"])
            .current_dir(cwd.path())
            .output()
            .expect("cardiotwin runs")
    };
    let first = demo();
    assert!(first.status.success(), "{}", text(&first));
    let second = demo();
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("replacing the previous demo"),
        "{}",
        text(&second)
    );
    // A file the demo did not write is still never deleted.
    std::fs::write(cwd.path().join("out/demo/notes.txt"), "mine").unwrap();
    let third = demo();
    assert!(!third.status.success(), "{}", text(&third));
    assert_eq!(
        std::fs::read_to_string(cwd.path().join("out/demo/notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn generate_atrium_writes_a_tagged_closed_surface_and_its_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("la.vtu");
    let o = cardiotwin(&[
        "generate",
        "atrium",
        "--variant",
        "windsock",
        out.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mesh = cardiotwin::mesh::io::load(&out).expect("generated atrium loads");
    assert_eq!(mesh.kind, cardiotwin::ElementKind::Triangle);
    assert_eq!(mesh.region_tags(), vec![1, 2], "body and appendage tags");
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("la.truth.json")).expect("truth file"),
    )
    .expect("truth is JSON");
    assert_eq!(truth["ostium"]["max_diameter_mm"], 24.0);
    let o = cardiotwin(&[
        "generate",
        "atrium",
        "--variant",
        "pear",
        out.to_str().expect("utf8"),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("pear"), "{}", text(&o));
}
