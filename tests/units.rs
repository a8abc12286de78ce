//! Units and plausibility (issue 12, item 4): a mesh that is not heart-sized
//! is refused by every command that loads one, with the unit it looks like
//! and the scale that fixes it; an explicit scale is trusted; openCARP files
//! are read and written in um.

mod common {
    pub mod cli;
}

use cardiotwin::mesh::io::{self, LoadOptions};
use cardiotwin::scenario::Scenario;
use common::cli::{cardiotwin, project, text};
use std::path::{Path, PathBuf};

/// The windsock atrium (mm) rewritten with its coordinates multiplied by
/// `factor` (1000: um, 0.001: m).
fn windsock_times(dir: &Path, factor: f64, name: &str) -> PathBuf {
    let mut m = io::load(&project("meshes/laa/windsock.vtu")).expect("windsock");
    m.scale(factor);
    let p = dir.join(name);
    io::save(&m, &p).expect("save");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

#[test]
fn laa_measure_refuses_an_atrium_in_micrometres_and_names_the_scale() {
    let dir = tempfile::tempdir().unwrap();
    let um = windsock_times(dir.path(), 1000.0, "la_um.vtu");
    let started = std::time::Instant::now();
    let o = cardiotwin(&["laa", "measure", s(&um)]);
    let msg = text(&o);
    assert!(!o.status.success(), "{msg}");
    assert!(
        msg.contains("la_um.vtu") && msg.contains("micrometres") && msg.contains("--scale 0.001"),
        "{msg}"
    );
    // Refused at load, not after gridding a 10^9-voxel box.
    assert!(started.elapsed().as_secs_f64() < 30.0);
}

#[test]
fn laa_measure_with_scale_gives_the_mm_measurement() {
    let dir = tempfile::tempdir().unwrap();
    let um = windsock_times(dir.path(), 1000.0, "la_um.vtu");
    let mm = project("meshes/laa/windsock.vtu");
    let json = |args: &[&str]| -> serde_json::Value {
        let o = cardiotwin(args);
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice(&o.stdout).expect("JSON")
    };
    let a = json(&["laa", "measure", s(&mm), "--json"]);
    let b = json(&["laa", "measure", s(&um), "--scale", "0.001", "--json"]);
    let d = |v: &serde_json::Value| v["ostium"]["max_diameter_mm"].as_f64().unwrap();
    assert!((d(&a) - d(&b)).abs() < 1e-6, "{} vs {}", d(&a), d(&b));
    assert_eq!(
        a["depth_mm"].as_f64().map(|x| (x * 1e6).round()),
        b["depth_mm"].as_f64().map(|x| (x * 1e6).round())
    );
}

#[test]
fn laa_size_refuses_an_atrium_in_metres_instead_of_calling_it_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let m = windsock_times(dir.path(), 0.001, "la_m.vtu");
    let o = cardiotwin(&["laa", "size", s(&m), "--json"]);
    let msg = text(&o);
    assert!(!o.status.success(), "{msg}");
    assert!(
        msg.contains("metres") && msg.contains("--scale 1000") && !msg.contains("truncated"),
        "{msg}"
    );
    let o = cardiotwin(&["laa", "size", s(&m), "--scale", "1000", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn mesh_info_reports_an_atrium_in_micrometres_as_a_problem() {
    // The real left atrium written in um and read as mm: tens of metres
    // ("problems: none" for a 53 m heart, before).
    let dir = tempfile::tempdir().unwrap();
    let mut m = io::load(&project("meshes/rodero01_left_atrium.vtu")).unwrap();
    m.scale(1000.0);
    let p = dir.path().join("heart_um.vtu");
    io::save(&m, &p).unwrap();
    let o = cardiotwin(&["mesh", "info", s(&p)]);
    let out = text(&o);
    assert!(o.status.success(), "info still reports: {out}");
    assert!(!out.contains("problems:    none"), "{out}");
    assert!(
        out.contains("NOT heart-sized")
            && out.contains("micrometres")
            && out.contains("--scale 0.001"),
        "{out}"
    );
    let o = cardiotwin(&["mesh", "info", s(&p), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["extent"]["plausible"], false);
    assert_eq!(v["extent"]["suggested_scale"], 0.001);
    // With the scale the same mesh is heart-sized.
    let o = cardiotwin(&["mesh", "info", s(&p), "--scale", "0.001", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["extent"]["plausible"], true, "{}", text(&o));
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0));
}

#[test]
fn mesh_convert_writes_opencarp_in_micrometres_and_refuses_implausible_input() {
    let dir = tempfile::tempdir().unwrap();
    let src = project("meshes/slab_20x7x3_0.5mm.vtk");
    let carp = dir.path().join("slab.pts");
    let o = cardiotwin(&["mesh", "convert", s(&src), s(&carp)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("um"), "{}", text(&o));
    // The far corner of the 20 x 7 x 3 mm slab, in um.
    let raw = io::opencarp::read_opencarp(&carp.with_extension("")).unwrap();
    let (_, hi) = raw.bounding_box();
    assert_eq!(hi, [20000.0, 7000.0, 3000.0]);
    // Read back: um by default, so mm again, and the default is stated.
    let o = cardiotwin(&["mesh", "info", s(&carp)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("read as micrometres"), "{}", text(&o));
    assert!(text(&o).contains("20.000 mm, heart-sized"), "{}", text(&o));

    // A mesh in um converted without --scale: refused, nothing written.
    let um = dir.path().join("slab_um.vtk");
    let mut m = io::load(&src).unwrap();
    m.scale(1000.0);
    io::save(&m, &um).unwrap();
    let out = dir.path().join("out.vtu");
    let o = cardiotwin(&["mesh", "convert", s(&um), s(&out)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--scale 0.001"), "{}", text(&o));
    assert!(!out.exists());
    let o = cardiotwin(&["mesh", "convert", s(&um), s(&out), "--scale", "0.001"]);
    assert!(o.status.success(), "{}", text(&o));
    let back = io::load(&out).unwrap();
    assert!((back.bounding_box().1[0] - 20.0).abs() < 1e-9);
}

/// A scenario on `mesh` with `extra` lines in [mesh].
fn scenario(dir: &Path, mesh: &str, extra: &str) -> Scenario {
    let text = format!(
        "[mesh]\nfile = \"{mesh}\"\n{extra}\n\n[[conduction]]\nregions = \"all\"\nsigma_l = 0.4\nsigma_t = 0.4\n\n\
         [[stimulus]]\nbox = {{ min = [0, 0, 0], max = [1.5, 1.5, 1.5] }}\nstart_ms = 0.0\nduration_ms = 2.0\nstrength = 100.0\n\n\
         [time]\nduration_ms = 1.0\n"
    );
    let p = dir.join("s.toml");
    std::fs::write(&p, text).unwrap();
    Scenario::load(&p).expect("scenario parses")
}

#[test]
fn scenarios_read_opencarp_as_um_and_an_explicit_scale_still_wins() {
    let dir = tempfile::tempdir().unwrap();
    let slab = io::load(&project("meshes/slab_20x7x3_0.5mm.vtk")).unwrap();
    // openCARP files in um, as openCARP writes them.
    io::save(&slab, &dir.path().join("slab_um.pts")).unwrap();
    for extra in ["", "scale = 0.001"] {
        let p = cardiotwin::run::prepare(&scenario(dir.path(), "slab_um", extra))
            .unwrap_or_else(|e| panic!("{extra:?}: {e}"));
        assert_eq!(p.mesh.bounding_box().1, slab.bounding_box().1, "{extra:?}");
    }
    // openCARP files in mm (what `mesh convert` wrote before): refused with
    // the scale that fixes it, unless the scenario says scale = 1.
    io::opencarp::write_opencarp(&dir.path().join("slab_mm"), &slab, 1.0).unwrap();
    let err = cardiotwin::run::prepare(&scenario(dir.path(), "slab_mm", ""))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("slab_mm") && err.contains("millimetres") && err.contains("scale = 1"),
        "{err}"
    );
    cardiotwin::run::prepare(&scenario(dir.path(), "slab_mm", "scale = 1.0")).expect("trusted");
}

#[test]
fn every_loader_path_refuses_by_default_and_trusts_an_explicit_scale() {
    let dir = tempfile::tempdir().unwrap();
    let p = windsock_times(dir.path(), 0.001, "la_m.vtk");
    let err = io::load(&p).unwrap_err().to_string();
    assert!(err.contains("la_m.vtk") && err.contains("metres"), "{err}");
    let opts = LoadOptions {
        scale: Some(1000.0),
        ..Default::default()
    };
    let m = io::load_with(&p, &opts).expect("explicit scale");
    let (lo, hi) = m.bounding_box();
    assert!(cardiotwin::mesh::extent::is_plausible(
        cardiotwin::mesh::extent::extent_of(lo, hi)
    ));
}

#[test]
fn run_states_that_an_opencarp_mesh_is_read_as_micrometres() {
    let dir = tempfile::tempdir().unwrap();
    let slab = io::load(&project("meshes/slab_20x7x3_0.5mm.vtk")).unwrap();
    io::save(&slab, &dir.path().join("slab_um.pts")).unwrap();
    let scenario_path = scenario(dir.path(), "slab_um", "").source;
    let out = dir.path().join("out");
    let o = cardiotwin(&["run", s(&scenario_path), "--out", s(&out), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("slab_um: openCARP coordinates read as micrometres (scale 0.001"),
        "{}",
        text(&o)
    );
    // ... and recorded, so the result folder says it too.
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(
        summary.contains("unit_assumed") && summary.contains("read as micrometres"),
        "{summary}"
    );
    // With an explicit scale nothing is assumed, so nothing is said.
    let scenario_path = scenario(dir.path(), "slab_um", "scale = 0.001").source;
    let out = dir.path().join("out2");
    let o = cardiotwin(&["run", s(&scenario_path), "--out", s(&out), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("read as micrometres"), "{}", text(&o));
}

#[test]
fn view_scale_is_for_meshes_and_a_scenario_is_told_to_use_its_own() {
    let o = cardiotwin(&[
        "view",
        "--screenshot",
        "never.png",
        "--scale",
        "0.001",
        s(&project("assets/scenarios/slab.toml")),
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("[mesh]"), "{}", text(&o));
    assert!(!std::path::Path::new("never.png").exists());
}
