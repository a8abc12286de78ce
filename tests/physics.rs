//! Physics verification (PHYSICS.md): planar front speed against the
//! analytic Nagumo speed, activation-time convergence on the N-version slab
//! geometry, and single-cell convergence in dt. CPU backend (f64): the GPU
//! backend is held to the CPU one in tests/gpu_vs_cpu.rs.

use cardiotwin::mesh::generate::{box_tets, sheet_triangles};
use cardiotwin::mesh::Mesh;
use cardiotwin::physics::model::AlievPanfilov;
use cardiotwin::run::{prepare_with_mesh, simulate, Simulation};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::cpu::CpuBackend;
use std::path::Path;

mod common {
    pub mod front;
}
use common::front::lat_at_x;

fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, Path::new("inline-test.toml")).expect("test scenario parses")
}

fn run_cpu(s: &Scenario, mesh: Mesh) -> Simulation {
    let prepared = prepare_with_mesh(s, mesh).expect("prepare");
    let mut backend = CpuBackend::new(&prepared.problem);
    simulate(&prepared, &mut backend, &mut |_| Ok(())).expect("simulate")
}

fn planar_speed(sigma: f64) -> (f64, f64) {
    let mesh = sheet_triangles(24.0, 0.4, 0.1);
    let d = sigma / 1.4;
    let expected = AlievPanfilov::default().planar_speed_mm_per_ms(d);
    let duration = 24.0 / expected + 10.0;
    let s = scenario(&format!(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = {sigma}
        sigma_t = {sigma}
        [[stimulus]]
        box = {{ min = [-1, -1, -1], max = [1.0, 1, 1] }}
        duration_ms = 2.0
        strength = 100.0
        [time]
        duration_ms = {duration}
        "#
    ));
    let sim = run_cpu(&s, mesh.clone());
    // Measure between 8 and 16 mm: away from the stimulus and the far end.
    let measured = 8.0 / (lat_at_x(&mesh, &sim.lat_ms, 16.0) - lat_at_x(&mesh, &sim.lat_ms, 8.0));
    (measured, expected)
}

#[test]
fn planar_wave_matches_nagumo_speed_at_unit_diffusivity() {
    let (c, expected) = planar_speed(1.4);
    let err = (c - expected).abs() / expected;
    eprintln!(
        "D = 1.0 mm^2/ms: measured {c:.4} mm/ms, analytic {expected:.4}, error {:.2} %",
        100.0 * err
    );
    assert!(err < 0.03, "speed {c} vs {expected}");
}

#[test]
fn planar_wave_matches_nagumo_speed_at_quarter_diffusivity() {
    let (c, expected) = planar_speed(0.35);
    let err = (c - expected).abs() / expected;
    eprintln!(
        "D = 0.25 mm^2/ms: measured {c:.4} mm/ms, analytic {expected:.4}, error {:.2} %",
        100.0 * err
    );
    assert!(err < 0.03, "speed {c} vs {expected}");
}

/// The N-version benchmark geometry (Niederer et al. 2011): 20 x 7 x 3 mm,
/// fibres along x, stimulus in a 1.5 mm corner cube; LAT at the far corner.
fn slab_far_corner_lat(h: f64) -> f64 {
    let mut mesh = box_tets(20.0, 7.0, 3.0, h);
    mesh.fibres = Some(vec![[1.0, 0.0, 0.0]; mesh.element_count()]);
    let s = scenario(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = 1.4
        sigma_t = 0.35
        [[stimulus]]
        box = { min = [0, 0, 0], max = [1.5, 1.5, 1.5] }
        duration_ms = 10.0
        strength = 100.0
        [time]
        duration_ms = 80.0
        "#,
    );
    let sim = run_cpu(&s, mesh.clone());
    let far = mesh
        .nodes
        .iter()
        .position(|p| {
            (p[0] - 20.0).abs() < 1e-9 && (p[1] - 7.0).abs() < 1e-9 && (p[2] - 3.0).abs() < 1e-9
        })
        .expect("far corner node");
    assert!(
        sim.lat_ms[far].is_finite(),
        "h = {h}: the wave did not reach the far corner"
    );
    sim.lat_ms[far]
}

#[test]
fn slab_activation_time_converges_under_mesh_refinement() {
    // Override with SLAB_HS=0.5,0.25,0.125 (halving steps) for other studies.
    let hs: Vec<f64> = std::env::var("SLAB_HS")
        .ok()
        .and_then(|v| v.split(',').map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0.5, 0.25, 0.125]);
    assert_eq!(hs.len(), 3, "three resolutions, each half the previous");
    let t: Vec<f64> = hs.iter().map(|&h| slab_far_corner_lat(h)).collect();
    let (e1, e2) = ((t[0] - t[1]).abs(), (t[1] - t[2]).abs());
    let order = (e1 / e2).log2();
    let extrapolated = t[2] + (t[2] - t[1]) / (2f64.powf(order) - 1.0);
    eprintln!(
        "slab far-corner LAT: h={} {:.3} ms, h={} {:.3} ms, h={} {:.3} ms; \
         differences {e1:.3}, {e2:.3} ms; observed order {order:.2}; \
         Richardson extrapolation {extrapolated:.2} ms",
        hs[0], t[0], hs[1], t[1], hs[2], t[2]
    );
    assert!(e2 < e1, "differences must shrink under refinement");
    // Pre-asymptotic: the transverse front (0.9 mm wide) spans only 2 to 7
    // nodes at these resolutions, so the observed order sits below the
    // asymptotic 2 of P1 with lumped mass; it must still be clearly positive.
    assert!(order > 0.5, "observed order {order:.2} is too low");
}

/// Single cell: no diffusion, the whole (tiny) mesh stimulated once.
fn single_cell(dt: f64, second_stimulus_at: Option<f64>) -> (Vec<(f64, f64)>, Simulation) {
    let duration = second_stimulus_at.map_or(600.0, |t| t + 500.0);
    let mesh = sheet_triangles(0.1, 0.1, 0.1);
    let second = second_stimulus_at
        .map(|t| {
            format!(
                "[[stimulus]]\nbox = {{ min = [-1, -1, -1], max = [1, 1, 1] }}\nstart_ms = {t}\nduration_ms = 1.0\nstrength = 50.0\n"
            )
        })
        .unwrap_or_default();
    let s = scenario(&format!(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        d_l = 0.0
        d_t = 0.0
        [[stimulus]]
        box = {{ min = [-1, -1, -1], max = [1, 1, 1] }}
        duration_ms = 1.0
        strength = 50.0
        {second}
        [time]
        duration_ms = {duration}
        dt_ms = {dt}
        [output]
        probes = [[0.0, 0.0, 0.0]]
        probe_every_ms = {dt}
        "#
    ));
    let sim = run_cpu(&s, mesh);
    let trace = sim.probe_traces.iter().map(|(t, v)| (*t, v[0])).collect();
    (trace, sim)
}

/// Time (ms) at which the trace first crosses `level` after index `from`,
/// upwards or downwards, linearly interpolated.
fn crossing(trace: &[(f64, f64)], from: usize, level: f64, upward: bool) -> Option<(usize, f64)> {
    (from.max(1)..trace.len()).find_map(|k| {
        let (t0, v0) = trace[k - 1];
        let (t1, v1) = trace[k];
        let crosses = if upward {
            v0 < level && v1 >= level
        } else {
            v0 >= level && v1 < level
        };
        crosses.then(|| (k, t0 + (t1 - t0) * (level - v0) / (v1 - v0)))
    })
}

/// (peak mV, APD90 ms) of the first action potential.
fn ap_features(trace: &[(f64, f64)]) -> (f64, f64) {
    let peak = trace.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    let v90 = peak - 0.9 * (peak - (-80.0));
    let (k_up, t_up) = crossing(trace, 0, v90, true).expect("upstroke");
    let (_, t_down) = crossing(trace, k_up, v90, false).expect("repolarisation");
    (peak, t_down - t_up)
}

#[test]
fn single_cell_action_potential_converges_in_dt() {
    let dts = [0.1, 0.05, 0.025, 0.0125];
    let feats: Vec<(f64, f64)> = dts
        .iter()
        .map(|&dt| ap_features(&single_cell(dt, None).0))
        .collect();
    for (dt, (peak, apd)) in dts.iter().zip(&feats) {
        eprintln!("dt = {dt} ms: peak {peak:.2} mV, APD90 {apd:.2} ms");
    }
    let (peak, apd) = feats[3];
    assert!(
        (0.0..40.0).contains(&peak),
        "peak {peak} mV outside the model's range"
    );
    assert!(
        (150.0..450.0).contains(&apd),
        "APD90 {apd} ms implausible for Aliev–Panfilov"
    );
    let diffs: Vec<f64> = feats.windows(2).map(|w| (w[0].1 - w[1].1).abs()).collect();
    eprintln!("APD90 differences under dt halving: {diffs:.3?}");
    for w in diffs.windows(2) {
        assert!(
            w[1] < 0.75 * w[0] + 0.11,
            "APD90 does not converge in dt: {diffs:?}"
        );
    }
}

#[test]
fn single_cell_is_refractory_early_and_excitable_late() {
    let (trace, _) = single_cell(0.025, None);
    let (_, apd) = ap_features(&trace);
    // How long Vm stays above -40 mV after a second 1 ms stimulus at t2:
    // a new action potential lasts a large fraction of an APD, a refractory
    // cell falls straight back.
    let response = |t2: f64| {
        let (trace, _) = single_cell(0.025, Some(t2));
        let after = trace
            .iter()
            .position(|s| s.0 >= t2 + 1.0)
            .expect("samples after t2");
        let end = crossing(&trace, after, -40.0, false).map_or(f64::INFINITY, |c| c.1);
        end - t2
    };
    let early = response(1.05 * apd);
    let late = response(2.5 * apd);
    eprintln!("APD90 {apd:.1} ms; response to a second stimulus at 1.05 APD: {early:.1} ms, at 2.5 APD: {late:.1} ms");
    // Restitution: right after repolarisation the cell is relatively
    // refractory and answers with a short response; after recovery, with a
    // long action potential.
    assert!(
        early < 0.25 * apd,
        "a stimulus right after repolarisation must not fire a full AP"
    );
    assert!(
        late > 0.5 * apd,
        "a stimulus after recovery must fire an action potential"
    );
}

/// Tag elements whose centroid satisfies `inside` with `tag`.
fn tag_elements(mesh: &mut Mesh, tag: i32, inside: impl Fn([f64; 3]) -> bool) {
    for e in 0..mesh.element_count() {
        let el = mesh.element(e).to_vec();
        let mut c = [0.0; 3];
        for &n in &el {
            for (d, cd) in c.iter_mut().enumerate() {
                *cd += mesh.nodes[n as usize][d] / el.len() as f64;
            }
        }
        if inside(c) {
            mesh.regions[e] = tag;
        }
    }
}

fn nearest(mesh: &Mesh, p: [f64; 3]) -> usize {
    (0..mesh.node_count())
        .min_by(|&a, &b| {
            let da = cardiotwin::mesh::geometry::dist(mesh.nodes[a], p);
            let db = cardiotwin::mesh::geometry::dist(mesh.nodes[b], p);
            da.total_cmp(&db)
        })
        .expect("mesh has nodes")
}

#[test]
fn scar_is_never_activated_and_the_wave_goes_around_it() {
    let mut mesh = sheet_triangles(20.0, 10.0, 0.2);
    // A non-conducting wall from y = 0 to 7 mm at x in [8, 10].
    tag_elements(&mut mesh, 2, |c| (8.0..10.0).contains(&c[0]) && c[1] < 7.0);
    let s = scenario(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = 1.4
        sigma_t = 1.4
        [[conduction]]
        regions = [2]
        conducting = false
        [[stimulus]]
        box = { min = [-1, -1, -1], max = [1.0, 11, 1] }
        duration_ms = 2.0
        strength = 100.0
        [time]
        duration_ms = 90.0
        "#,
    );
    let sim = run_cpu(&s, mesh.clone());
    let inside = nearest(&mesh, [9.0, 3.0, 0.0]);
    assert!(
        sim.lat_ms[inside].is_nan(),
        "a node inside the scar activated at {}",
        sim.lat_ms[inside]
    );
    let open_path = sim.lat_ms[nearest(&mesh, [14.0, 9.0, 0.0])];
    let behind = sim.lat_ms[nearest(&mesh, [14.0, 1.0, 0.0])];
    eprintln!("LAT at (14, 9): {open_path:.1} ms (open side), at (14, 1): {behind:.1} ms (behind the scar)");
    assert!(behind.is_finite(), "the wave must reach behind the scar");
    // Going around the wall (up to y = 7 and back down) takes longer than
    // the straight path above it.
    assert!(behind > open_path + 5.0);
}

#[test]
fn fibrosis_scale_slows_conduction_by_its_square_root() {
    let mut mesh = sheet_triangles(30.0, 0.4, 0.1);
    tag_elements(&mut mesh, 3, |c| c[0] > 15.0);
    let s = scenario(
        r#"
        [mesh]
        file = "generated"
        [[conduction]]
        regions = "all"
        sigma_l = 1.4
        sigma_t = 1.4
        [[conduction]]
        regions = [3]
        sigma_l = 1.4
        sigma_t = 1.4
        scale = 0.25
        [[stimulus]]
        box = { min = [-1, -1, -1], max = [1.0, 1, 1] }
        duration_ms = 2.0
        strength = 100.0
        [time]
        duration_ms = 110.0
        "#,
    );
    let sim = run_cpu(&s, mesh.clone());
    let healthy = 6.0 / (lat_at_x(&mesh, &sim.lat_ms, 11.0) - lat_at_x(&mesh, &sim.lat_ms, 5.0));
    let fibrotic = 6.0 / (lat_at_x(&mesh, &sim.lat_ms, 26.0) - lat_at_x(&mesh, &sim.lat_ms, 20.0));
    eprintln!(
        "healthy {healthy:.4} mm/ms, fibrotic {fibrotic:.4} mm/ms, ratio {:.3}",
        fibrotic / healthy
    );
    assert!(
        (fibrotic / healthy - 0.5).abs() < 0.03,
        "speed ratio {}",
        fibrotic / healthy
    );
}
