//! The LAAO anatomies are valid electrophysiology meshes: every shipped
//! synthetic atrium assembles with a usable time step, and the sinus-like
//! scenario activates the atrium.

use cardiotwin::mesh::io;
use cardiotwin::run::{prepare, prepare_with_mesh, simulate};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::cpu::CpuBackend;
use std::path::Path;

fn shipped_variants() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/laa");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("meshes/laa")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "vtu"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_shipped_atrium_assembles_with_a_usable_time_step() {
    let variants = shipped_variants();
    assert!(variants.len() >= 6, "six variants are shipped");
    let s = Scenario::parse(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = 4.5
        sigma_t = 4.5
        [[stimulus]]
        sphere = { center = [0, 0, 0], radius = 100 }
        duration_ms = 1.0
        strength = 50.0
        [time]
        duration_ms = 1.0
        "#,
        Path::new("atria.toml"),
    )
    .expect("scenario");
    for path in variants {
        let mesh = io::load(&path).expect("variant loads");
        let p = prepare_with_mesh(&s, mesh).expect("variant prepares");
        eprintln!(
            "{}: stability limit {:.4} ms, auto dt {:.4} ms",
            path.display(),
            p.limits.stability_limit_ms,
            p.problem.dt_ms
        );
        assert!(
            p.problem.dt_ms > 5e-4,
            "{}: dt {} ms is unusably small",
            path.display(),
            p.problem.dt_ms
        );
    }
}

#[test]
fn sinus_scenario_starts_activating_the_atrium_from_the_roof() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/atrium_sinus.toml");
    let mut s = Scenario::load(&path).expect("sinus scenario");
    // 15 ms is enough to see the wave leave the stimulated roof.
    s.time.duration_ms = 15.0;
    s.output.snapshot_every_ms = 0.0;
    let prepared = prepare(&s).expect("prepare");
    let mut backend = CpuBackend::new(&prepared.problem);
    let sim = simulate(&prepared, &mut backend, &mut |_| Ok(())).expect("run");
    let stimulated = prepared.stimulus_nodes[0];
    let activated = sim.lat_ms.iter().filter(|t| t.is_finite()).count();
    eprintln!("{stimulated} stimulated nodes, {activated} activated after 15 ms");
    assert!(
        activated > 2 * stimulated,
        "the wave must spread beyond the stimulus"
    );
    // Sinus rhythm reaches the appendage last, through the body: no
    // appendage node may sit inside the Bachmann stimulus itself.
    let sphere = s.stimulus[0].sphere.as_ref().expect("a sphere stimulus");
    let mesh = &prepared.mesh;
    let per = mesh.kind.nodes_per_element();
    let mut in_appendage = vec![false; mesh.nodes.len()];
    for (e, nodes) in mesh.elements.chunks(per).enumerate() {
        if mesh.regions[e] == cardiotwin::laao::APPENDAGE_TAG {
            for &n in nodes {
                in_appendage[n as usize] = true;
            }
        }
    }
    let stimulated_appendage = (0..mesh.nodes.len())
        .filter(|&i| in_appendage[i])
        .filter(|&i| {
            let d: f64 = (0..3)
                .map(|k| (mesh.nodes[i][k] - sphere.center[k]).powi(2))
                .sum::<f64>()
                .sqrt();
            d <= sphere.radius
        })
        .count();
    assert_eq!(
        stimulated_appendage, 0,
        "the Bachmann stimulus must not touch the appendage"
    );
    let lat_appendage_min = (0..mesh.nodes.len())
        .filter(|&i| in_appendage[i])
        .map(|i| sim.lat_ms[i])
        .filter(|t| t.is_finite())
        .fold(f64::INFINITY, f64::min);
    eprintln!("first appendage activation after 15 ms of pacing: {lat_appendage_min} ms");
}
