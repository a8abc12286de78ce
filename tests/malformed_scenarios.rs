//! Bad scenario files: each gives its own clear error (file, field, what was
//! expected) and no panic.

use cardiotwin::mesh::generate::box_tets;
use cardiotwin::mesh::io;
use cardiotwin::run::prepare;
use cardiotwin::scenario::Scenario;
use std::path::{Path, PathBuf};

const GOOD: &str = r#"
[mesh]
file = "slab.vtu"
[[conduction]]
regions = "all"
sigma_l = 1.4
sigma_t = 0.35
[[stimulus]]
box = { min = [0, 0, 0], max = [1, 1, 1] }
duration_ms = 2.0
strength = 100.0
[time]
duration_ms = 10.0
"#;

/// A folder with a small slab mesh and the scenario text; returns the
/// scenario path.
fn setup(dir: &Path, text: &str) -> PathBuf {
    let mesh = box_tets(4.0, 2.0, 1.0, 0.5);
    io::save(&mesh, &dir.join("slab.vtu")).expect("write mesh");
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).expect("write scenario");
    path
}

/// Load and prepare; return the error text.
fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = setup(dir.path(), text);
    let result = Scenario::load(&path).and_then(|s| prepare(&s).map(|_| ()));
    match result {
        Ok(()) => panic!("scenario was accepted:\n{text}"),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("scenario.toml") || msg.contains("slab") || msg.contains(".vtx"),
                "error names no file: {msg}"
            );
            msg
        }
    }
}

fn assert_mentions(msg: &str, needles: &[&str]) {
    for n in needles {
        assert!(msg.contains(n), "error {msg:?} does not mention {n:?}");
    }
}

#[test]
fn the_good_scenario_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = setup(dir.path(), GOOD);
    let s = Scenario::load(&path).expect("load");
    prepare(&s).expect("prepare");
}

#[test]
fn unknown_top_level_key_is_an_error() {
    let msg = error_of(&format!("colour = \"red\"\n{GOOD}"));
    assert_mentions(&msg, &["unknown field", "colour"]);
}

#[test]
fn unknown_key_in_a_stimulus_is_an_error_with_its_line() {
    let msg = error_of(&GOOD.replace("strength = 100.0", "strength = 100.0\namplitude = 3"));
    assert_mentions(&msg, &["unknown field", "amplitude", "line"]);
}

#[test]
fn misspelt_mesh_key_is_an_error() {
    let msg = error_of(&GOOD.replace("file = \"slab.vtu\"", "file = \"slab.vtu\"\nscal = 0.001"));
    assert_mentions(&msg, &["unknown field", "scal"]);
}

#[test]
fn toml_syntax_error_names_the_line() {
    let msg = error_of(&GOOD.replace("duration_ms = 10.0", "duration_ms = = 10.0"));
    assert_mentions(&msg, &["line"]);
}

#[test]
fn missing_mesh_file_is_named() {
    let msg = error_of(&GOOD.replace("slab.vtu", "nowhere.vtu"));
    assert_mentions(&msg, &["nowhere.vtu"]);
}

#[test]
fn dt_above_the_stability_limit_names_the_limit() {
    let msg = error_of(&GOOD.replace("duration_ms = 10.0", "duration_ms = 10.0\ndt_ms = 5.0"));
    assert_mentions(&msg, &["stability limit", "dt_ms = 5"]);
}

#[test]
fn dt_keyword_other_than_auto_is_an_error() {
    let msg = error_of(&GOOD.replace("duration_ms = 10.0", "duration_ms = 10.0\ndt_ms = \"fast\""));
    assert_mentions(&msg, &["time.dt_ms", "auto"]);
}

#[test]
fn negative_duration_is_an_error() {
    let msg = error_of(&GOOD.replace("[time]\nduration_ms = 10.0", "[time]\nduration_ms = -5.0"));
    assert_mentions(&msg, &["time.duration_ms", "positive"]);
}

#[test]
fn stimulus_with_two_shapes_is_an_error() {
    let msg = error_of(&GOOD.replace(
        "box = { min = [0, 0, 0], max = [1, 1, 1] }",
        "box = { min = [0, 0, 0], max = [1, 1, 1] }\nsphere = { center = [0, 0, 0], radius = 1 }",
    ));
    assert_mentions(&msg, &["stimulus[0]", "exactly one"]);
}

#[test]
fn stimulus_outside_the_mesh_is_an_error_with_the_bounding_box() {
    let msg = error_of(&GOOD.replace(
        "min = [0, 0, 0], max = [1, 1, 1]",
        "min = [50, 50, 50], max = [51, 51, 51]",
    ));
    assert_mentions(&msg, &["stimulus[0]", "selects no mesh node", "mesh.scale"]);
}

#[test]
fn inverted_stimulus_box_is_an_error() {
    let msg = error_of(&GOOD.replace(
        "min = [0, 0, 0], max = [1, 1, 1]",
        "min = [1, 0, 0], max = [0, 1, 1]",
    ));
    assert_mentions(&msg, &["stimulus[0].box", "min must be <= max"]);
}

#[test]
fn probe_outside_the_mesh_is_an_error() {
    let msg = error_of(&format!("{GOOD}\n[output]\nprobes = [[100.0, 0.0, 0.0]]\n"));
    assert_mentions(&msg, &["output.probes[0]", "outside the mesh"]);
}

#[test]
fn region_without_conduction_entry_is_an_error() {
    let msg = error_of(&GOOD.replace("regions = \"all\"", "regions = [7]"));
    assert_mentions(&msg, &["regions [0]", "no [[conduction]] entry"]);
}

#[test]
fn two_ways_to_give_one_conductivity_is_an_error() {
    let msg = error_of(&GOOD.replace("sigma_l = 1.4", "sigma_l = 1.4\nd_l = 1.0"));
    assert_mentions(&msg, &["conduction[0]", "exactly one of sigma_l"]);
}

#[test]
fn half_a_bidomain_pair_is_an_error() {
    let msg = error_of(&GOOD.replace("sigma_l = 1.4", "sigma_il = 0.17"));
    assert_mentions(
        &msg,
        &[
            "conduction[0]",
            "sigma_il and sigma_el must be given together",
        ],
    );
}

#[test]
fn region_keyword_other_than_all_is_an_error() {
    let msg = error_of(&GOOD.replace("regions = \"all\"", "regions = \"most\""));
    assert_mentions(&msg, &["conduction[0].regions", "\"all\""]);
}

#[test]
fn threshold_outside_the_action_potential_is_an_error() {
    let msg = error_of(&format!("{GOOD}\n[output]\nlat_threshold_mv = 50.0\n"));
    assert_mentions(&msg, &["output.lat_threshold_mv", "-80 mV"]);
}

#[test]
fn pacing_period_shorter_than_the_pulse_is_an_error() {
    let msg = error_of(&GOOD.replace(
        "strength = 100.0",
        "strength = 100.0\nperiod_ms = 1.0\ncount = 3",
    ));
    assert_mentions(&msg, &["stimulus[0]", "period_ms"]);
}

#[test]
fn model_parameter_out_of_range_is_an_error() {
    let msg = error_of(&format!("{GOOD}\n[model]\na = 0.7\n"));
    assert_mentions(&msg, &["model.a"]);
}

#[test]
fn vtx_node_out_of_range_names_the_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("apex.vtx"), "2\nintra\n0\n999999\n").expect("vtx");
    let text = GOOD.replace(
        "box = { min = [0, 0, 0], max = [1, 1, 1] }",
        "vtx = \"apex.vtx\"",
    );
    let path = setup(dir.path(), &text);
    let err = Scenario::load(&path)
        .and_then(|s| prepare(&s).map(|_| ()))
        .expect_err("must fail");
    assert_mentions(&err.to_string(), &["apex.vtx", "999999", "out of range"]);
}

#[test]
fn wrong_value_type_is_an_error() {
    let msg = error_of(&GOOD.replace("strength = 100.0", "strength = \"strong\""));
    assert_mentions(&msg, &["strength"]);
}
