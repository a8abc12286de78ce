//! The GPU step kernel against its CPU twin (`kernels::step_node`, f64) on
//! seeded random inputs and on a real propagating wave; probes, blow-up
//! detection, limit checks and the 2D dispatch grid.
//!
//! Tests that need an adapter skip (loudly) without one, unless
//! CARDIOTWIN_REQUIRE_GPU=1. Random seeds come from the clock and are
//! printed; replay with CARDIOTWIN_SEED=<seed>.

mod common {
    pub mod gpu;
}

use cardiotwin::physics::model::AlievPanfilov;
use cardiotwin::solver::gpu::layout::{dispatch_grid, node_index, STEP_WORKGROUP_SIZE};
use cardiotwin::solver::gpu::{check_fits, copy_bandwidth, step_bytes, GpuBackend, GpuOptions};
use cardiotwin::solver::kernels::{is_runaway, step_node};
use cardiotwin::solver::problem::{FLAG_INERT, NO_TIME};
use cardiotwin::solver::{Backend, Csr, Problem, StimulusProtocol};
use cardiotwin::Error;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

// ---------------------------------------------------------------- problems

/// Operator of a row of (i, j, value) triplets, rows in order.
fn csr(n: usize, rows: Vec<Vec<(u32, f64)>>) -> Csr {
    let mut a = Csr {
        n,
        row_ptr: vec![0],
        ..Default::default()
    };
    for row in rows {
        for (j, x) in row {
            a.col_idx.push(j);
            a.values.push(x);
        }
        a.row_ptr.push(a.col_idx.len() as u32);
    }
    a
}

/// A nx x ny sheet of nodes h mm apart with diffusivity d mm^2/ms (5-point
/// Laplacian, no-flux edges: rows sum to zero), stimulated along its left
/// edge at t = 0 and, periodically, in a patch; a block of inert (scar)
/// nodes in the middle.
fn sheet(nx: usize, ny: usize, h: f64, d: f64, dt_ms: f64) -> Problem {
    let n = nx * ny;
    let c = d / (h * h);
    let id = |x: usize, y: usize| (y * nx + x) as u32;
    let mut rows = Vec::with_capacity(n);
    let mut flags = vec![0u32; n];
    for y in 0..ny {
        for x in 0..nx {
            let mut nb = Vec::new();
            if x > 0 {
                nb.push(id(x - 1, y));
            }
            if x + 1 < nx {
                nb.push(id(x + 1, y));
            }
            if y > 0 {
                nb.push(id(x, y - 1));
            }
            if y + 1 < ny {
                nb.push(id(x, y + 1));
            }
            let mut row: Vec<(u32, f64)> = nb.iter().map(|&j| (j, c)).collect();
            row.push((id(x, y), -c * nb.len() as f64));
            row.sort_by_key(|e| e.0);
            rows.push(row);
            let i = id(x, y) as usize;
            if x < 3 {
                flags[i] |= 1 << 0;
            }
            if (nx / 2..nx / 2 + 4).contains(&x) && y < 4 {
                flags[i] |= 1 << 1;
            }
            if (nx / 3..nx / 3 + 5).contains(&x) && (ny / 3..ny / 3 + 5).contains(&y) {
                flags[i] |= FLAG_INERT;
            }
        }
    }
    Problem {
        operator: csr(n, rows),
        node_flags: flags,
        stimuli: vec![
            StimulusProtocol {
                start_ms: 0.0,
                duration_ms: 2.0,
                period_ms: 0.0,
                count: 1,
                du_dt: 0.5,
            },
            StimulusProtocol {
                start_ms: 1.0,
                duration_ms: 1.5,
                period_ms: 4.0,
                count: 3,
                du_dt: 0.8,
            },
        ],
        model: AlievPanfilov::default(),
        dt_ms,
        lat_threshold_u: 0.5,
        repol_threshold_u: 0.1,
        probe_nodes: vec![
            0,
            id(5, 5),
            id(nx / 3 + 1, ny / 3 + 1),
            id(nx / 2 + 1, 1),
            (n - 1) as u32,
        ],
        probe_every_steps: 7,
    }
}

/// The 100 x 100 sheet used by the multi-step tests: h = 0.5 mm, D = 0.5
/// mm^2/ms, dt = 0.05 ms, so dt |A_ii| = 0.4 (stable; the limit is about 1).
fn wave_sheet() -> Problem {
    sheet(100, 100, 0.5, 0.5, 0.05)
}

/// f32-representable copy of x, so the CPU reference and the GPU start from
/// the same numbers and the comparison measures the kernel, not the upload.
fn f32_exact(x: f64) -> f64 {
    f64::from(x as f32)
}

/// A random problem: symmetric random graph (a ring plus random chords)
/// with positive off-diagonals, negative diagonal, rows summing to zero,
/// rows scaled by a random lumped mass; dt |A_ii| in about [0.05, 0.9].
fn random_problem(rng: &mut StdRng, n: usize) -> Problem {
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    let link = |i: usize, j: usize, w: f64, adj: &mut Vec<Vec<(u32, f64)>>| {
        if i != j && !adj[i].iter().any(|e| e.0 as usize == j) {
            adj[i].push((j as u32, w));
            adj[j].push((i as u32, w));
        }
    };
    for i in 0..n {
        let w = rng.random_range(0.2..1.0);
        link(i, (i + 1) % n, w, &mut adj);
        for _ in 0..2 {
            let j = rng.random_range(0..n);
            let w = rng.random_range(0.2..1.0);
            link(i, j, w, &mut adj);
        }
    }
    let dt_ms = f32_exact(0.02);
    let rows = adj
        .into_iter()
        .enumerate()
        .map(|(i, nb)| {
            let total: f64 = nb.iter().map(|e| e.1).sum();
            // Scale so that dt |A_ii| is random in [0.05, 0.9].
            let scale = rng.random_range(0.05..0.9) / (dt_ms * total);
            let mut row: Vec<(u32, f64)> =
                nb.iter().map(|&(j, w)| (j, f32_exact(scale * w))).collect();
            let diag = -row.iter().map(|e| e.1).sum::<f64>();
            row.push((i as u32, f32_exact(diag)));
            row.sort_by_key(|e| e.0);
            row
        })
        .collect();
    let n_stimuli = 6;
    let stimuli = (0..n_stimuli)
        .map(|s| StimulusProtocol {
            start_ms: f32_exact(rng.random_range(0.0..20.0)),
            duration_ms: f32_exact(rng.random_range(0.5..15.0)),
            period_ms: if s % 2 == 0 {
                0.0
            } else {
                f32_exact(rng.random_range(5.0..20.0))
            },
            count: rng.random_range(1..4),
            du_dt: f32_exact(rng.random_range(0.05..1.0)),
        })
        .collect();
    let node_flags = (0..n)
        .map(|_| {
            let mut f = 0u32;
            for s in 0..n_stimuli {
                if rng.random_bool(0.35) {
                    f |= 1 << s;
                }
            }
            if rng.random_bool(0.05) {
                f |= FLAG_INERT;
            }
            f
        })
        .collect();
    Problem {
        operator: csr(n, rows),
        node_flags,
        stimuli,
        model: AlievPanfilov::default(),
        dt_ms,
        // Mean neighbour u is ~0.4, so diffusion pushes nodes just below 0.3
        // up and nodes just above 0.8 down: many crossings of both kinds.
        lat_threshold_u: 0.3,
        repol_threshold_u: 0.8,
        probe_nodes: vec![],
        probe_every_steps: 1,
    }
}

// ------------------------------------------------------------ CPU reference

/// What a plain CPU loop over `step_node` produces.
struct CpuRun {
    u: Vec<f64>,
    v: Vec<f64>,
    lat: Vec<f64>,
    repol: Vec<f64>,
    probes: Vec<Vec<f64>>,
    /// First step at which a non-inert node's u ran away.
    blow_up: Option<u64>,
}

fn cpu_run(p: &Problem, steps: u64) -> CpuRun {
    let n = p.node_count();
    let mut r = CpuRun {
        u: vec![0.0; n],
        v: vec![0.0; n],
        lat: vec![NO_TIME; n],
        repol: vec![NO_TIME; n],
        probes: Vec::new(),
        blow_up: None,
    };
    for s in 0..steps {
        if p.probe_every_steps > 0 && s % p.probe_every_steps == 0 {
            r.probes
                .push(p.probe_nodes.iter().map(|&j| r.u[j as usize]).collect());
        }
        let t = p.time_of_step(s);
        let new: Vec<_> = (0..n)
            .map(|i| step_node(p, i, t, &r.u, &r.v, r.lat[i], r.repol[i]))
            .collect();
        if new
            .iter()
            .zip(&p.node_flags)
            .any(|(x, f)| f & FLAG_INERT == 0 && is_runaway(x.u))
        {
            r.blow_up = Some(s);
            return r;
        }
        for (i, x) in new.into_iter().enumerate() {
            (r.u[i], r.v[i], r.lat[i], r.repol[i]) = (x.u, x.v, x.lat, x.repol);
        }
    }
    r
}

// -------------------------------------------------------------- comparison

/// Largest |gpu - cpu| / (abs + rel |cpu|) over all entries (<= 1 passes),
/// with the worst index. NO_TIME must match exactly.
fn worst(gpu: &[f64], cpu: &[f64], abs: f64, rel: f64) -> (f64, usize) {
    assert_eq!(gpu.len(), cpu.len());
    let mut w = (0.0, 0);
    for (i, (&g, &c)) in gpu.iter().zip(cpu).enumerate() {
        let e = if g.is_finite() && c.is_finite() {
            (g - c).abs() / (abs + rel * c.abs())
        } else {
            f64::INFINITY
        };
        if e > w.0 {
            w = (e, i);
        }
    }
    w
}

fn assert_close(what: &str, gpu: &[f64], cpu: &[f64], abs: f64, rel: f64) {
    let (e, i) = worst(gpu, cpu, abs, rel);
    assert!(
        e <= 1.0,
        "{what}: node {i}: gpu {} vs cpu {} (tolerance {abs} + {rel} |cpu|)",
        gpu[i],
        cpu[i]
    );
}

/// Times: NO_TIME where and only where the CPU has NO_TIME, else within tol ms.
fn assert_times(what: &str, gpu: &[f64], cpu: &[f64], tol_ms: f64) {
    for (i, (&g, &c)) in gpu.iter().zip(cpu).enumerate() {
        assert_eq!(
            g == NO_TIME,
            c == NO_TIME,
            "{what}: node {i}: gpu {g} vs cpu {c} (NO_TIME = {NO_TIME})"
        );
        assert!(
            (g - c).abs() <= tol_ms,
            "{what}: node {i}: gpu {g} ms vs cpu {c} ms (tolerance {tol_ms} ms)"
        );
    }
}

// ------------------------------------------------------------------- tests

/// Multi-step GPU (f32) vs CPU (f64) tolerance on u; see the 300-step test.
const WAVE_U_TOL: f64 = 1e-5;
/// Multi-step tolerance on activation / repolarisation times (ms).
const WAVE_TIME_TOL_MS: f64 = 1e-4;

/// One step from random states at a random time, node by node against
/// step_node. Inputs are f32-exact, so what differs is f32 arithmetic in
/// the kernel: a handful of roundings of O(1) values (~1e-7 each), hence
/// state within 1e-5 + 1e-5 |x|. Times: t (<= ~60 ms) rounded to f32 is off
/// by < 4e-6 ms and the interpolation fraction by ~1e-6 dt, hence 1e-4 ms.
#[test]
fn single_step_from_random_states_matches_step_node_on_every_node() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(common::gpu::seed("single_step"));
    let n = 3000;
    let p = random_problem(&mut rng, n);
    let (th, rth) = (p.lat_threshold_u, p.repol_threshold_u);
    let step = rng.random_range(0..3000u64);
    let t = p.time_of_step(step);
    let mut u = Vec::with_capacity(n);
    let mut v = Vec::with_capacity(n);
    let mut lat = Vec::with_capacity(n);
    let mut repol = Vec::with_capacity(n);
    for _ in 0..n {
        // Two thirds of the nodes sit just on the near side of a threshold,
        // in the state where crossing it records a time, so that many cross.
        let (ui, l, r) = match rng.random_range(0..3) {
            0 => {
                let l = if rng.random_bool(0.4) {
                    NO_TIME
                } else {
                    rng.random_range(0.0..t.max(1.0))
                };
                let r = if l == NO_TIME || rng.random_bool(0.5) {
                    NO_TIME
                } else {
                    l + 1.0
                };
                (rng.random_range(-0.1..1.1), l, r)
            }
            1 => (th - rng.random_range(0.0..0.01), NO_TIME, NO_TIME),
            _ => (
                rth + rng.random_range(0.0..0.004),
                rng.random_range(0.0..t.max(1.0)),
                NO_TIME,
            ),
        };
        u.push(f32_exact(ui));
        v.push(f32_exact(rng.random_range(0.0..2.5)));
        lat.push(if l == NO_TIME { l } else { f32_exact(l) });
        repol.push(if r == NO_TIME { r } else { f32_exact(r) });
    }

    let mut gpu = GpuBackend::new(ctx, &p).expect("backend");
    gpu.upload_state(step, &u, &v, &lat, &repol)
        .expect("upload");
    gpu.advance(1).expect("one stable step");
    assert_eq!(gpu.steps_done(), step + 1);
    let gu = gpu.read_u().expect("u");
    let gv = gpu.read_v().expect("v");
    let (glat, grepol) = gpu.read_times().expect("times");

    let cpu: Vec<_> = (0..n)
        .map(|i| step_node(&p, i, t, &u, &v, lat[i], repol[i]))
        .collect();
    let cu: Vec<f64> = cpu.iter().map(|x| x.u).collect();
    let cv: Vec<f64> = cpu.iter().map(|x| x.v).collect();
    assert_close("u", &gu, &cu, 1e-5, 1e-5);
    assert_close("v", &gv, &cv, 1e-5, 1e-5);

    // A crossing decided by less than f32 resolution may go either way;
    // those nodes (expected: none) are left out of the time comparison.
    let borderline = |i: usize| (cu[i] - th).abs() < 1e-6 || (cu[i] - rth).abs() < 1e-6;
    let (mut activated, mut repolarised) = (0, 0);
    for i in (0..n).filter(|&i| !borderline(i)) {
        let x = &cpu[i];
        activated += usize::from(lat[i] == NO_TIME && x.lat != NO_TIME);
        repolarised += usize::from(repol[i] == NO_TIME && x.repol != NO_TIME);
        assert_times("lat", &glat[i..=i], &[x.lat], 1e-4);
        assert_times("repol", &grepol[i..=i], &[x.repol], 1e-4);
    }
    eprintln!("t = {t} ms: {activated} activations and {repolarised} repolarisations compared");
    assert!(
        activated >= 50 && repolarised >= 50,
        "too few crossings to test the recording"
    );
}

/// 300 steps of a propagating wave (with scar, two stimuli, submits of 64
/// steps and advance calls of odd lengths). f32 round-off (~6e-8 relative
/// per operation) accumulates over the steps and is amplified at the steep
/// front; observed on lavapipe: u within 1.2e-7, times within 2e-6 ms. The
/// tolerances, u within 1e-5 and times within 1e-4 ms, leave ~50x room for
/// other adapters' fused multiply-adds while still catching any wrong term
/// (one step's stimulus or reaction alone moves u by > 1e-3).
#[test]
fn three_hundred_steps_of_a_wave_match_a_cpu_step_node_loop() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = wave_sheet();
    let options = GpuOptions {
        steps_per_submit: 64,
        ..Default::default()
    };
    let mut gpu = GpuBackend::with_options(ctx, &p, options).expect("backend");
    for chunk in [100, 1, 199] {
        gpu.advance(chunk).expect("stable steps");
    }
    assert_eq!(gpu.steps_done(), 300);
    let cpu = cpu_run(&p, 300);
    assert!(cpu.blow_up.is_none());
    let activated = cpu.lat.iter().filter(|&&l| l != NO_TIME).count();
    assert!(
        activated > 500,
        "the wave should have activated many nodes (got {activated})"
    );

    let gu = gpu.read_u().expect("u");
    let (glat, grepol) = gpu.read_times().expect("times");
    let (e, i) = worst(&gu, &cpu.u, 1.0, 0.0);
    eprintln!("worst u error {e:.3e} at node {i}");
    let lat_err = glat
        .iter()
        .zip(&cpu.lat)
        .map(|(g, c)| (g - c).abs())
        .fold(0.0, f64::max);
    eprintln!("worst lat error {lat_err:.3e} ms");
    assert_close("u after 300 steps", &gu, &cpu.u, WAVE_U_TOL, 0.0);
    assert_times("lat after 300 steps", &glat, &cpu.lat, WAVE_TIME_TOL_MS);
    assert_times(
        "repol after 300 steps",
        &grepol,
        &cpu.repol,
        WAVE_TIME_TOL_MS,
    );
}

/// Probe rows equal the CPU's u at the probe nodes at the start of every 7th
/// step, across submits (16 steps), history flushes (3 rows on the GPU) and
/// a read in the middle. Tolerance as for the 300-step wave.
#[test]
fn probe_samples_match_cpu_samples_across_submits_and_flushes() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = wave_sheet();
    let options = GpuOptions {
        steps_per_submit: 16,
        probe_history_samples: 3,
        ..Default::default()
    };
    let mut gpu = GpuBackend::with_options(ctx, &p, options).expect("backend");
    gpu.advance(60).expect("steps");
    let early = gpu.read_probes().expect("probes");
    gpu.advance(90).expect("steps");
    let all = gpu.read_probes().expect("probes");
    let cpu = cpu_run(&p, 150);

    assert_eq!(early.len(), 9, "steps 0, 7, ..., 56");
    assert_eq!(
        all.len(),
        cpu.probes.len(),
        "one row per sampled step (0, 7, ..., 147)"
    );
    assert_eq!(
        &all[..early.len()],
        &early[..],
        "reading probes must not change earlier rows"
    );
    for (row, (g, c)) in all.iter().zip(&cpu.probes).enumerate() {
        assert_eq!(g.len(), p.probe_nodes.len());
        assert_close(&format!("probe row {row}"), g, c, WAVE_U_TOL, 0.0);
    }
    let peak = cpu.probes.iter().map(|r| r[0]).fold(f64::MIN, f64::max);
    assert!(
        peak > 0.5,
        "the probe on the stimulated edge should see an upstroke (peak u {peak})"
    );
}

/// Forward Euler far above its stability limit (dt |A_ii| = 8): the error
/// names the time of the first step whose u left [-1, 2], like the CPU loop
/// finds it, and keeps doing so.
#[test]
fn blow_up_reports_the_time_of_the_first_runaway_step() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = sheet(100, 100, 0.5, 0.5, 1.0);
    let cpu = cpu_run(&p, 200);
    let bad = cpu.blow_up.expect("dt = 1 ms must blow up on the CPU");
    let options = GpuOptions {
        steps_per_submit: 4,
        ..Default::default()
    };
    let mut gpu = GpuBackend::with_options(ctx, &p, options).expect("backend");
    for attempt in 0..2 {
        match gpu.advance(200) {
            Err(Error::BlowUp {
                time_ms,
                message,
                hint,
            }) => {
                assert_eq!(time_ms, p.time_of_step(bad), "attempt {attempt}: {message}");
                assert!(hint.contains("dt"), "hint should talk about dt: {hint}");
            }
            other => panic!("expected a blow-up at step {bad}, got {other:?}"),
        }
    }
}

/// One step from hand-made states right at the edge of the model's range:
/// the GPU flags a blow-up exactly when `kernels::is_runaway` says so for
/// the CPU's u_new (just above and below the top of the range, NaN, -inf,
/// just below and above the bottom).
#[test]
fn blow_up_check_agrees_with_is_runaway_at_the_edges_of_the_range() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let mut p = sheet(20, 20, 0.5, 0.5, 0.001);
    p.stimuli.clear();
    let node = 315; // (15, 15): excitable, away from the scar
    assert_eq!(p.node_flags[node] & FLAG_INERT, 0);
    let cases: [(f64, f64); 6] = [
        (3.05, 0.0),
        (3.0, 0.0),
        (0.5, f64::NAN),
        (f64::NEG_INFINITY, 0.0),
        (-1.05, 0.0),
        (-0.95, 0.0),
    ];
    let mut outcomes = Vec::new();
    for (ui, vi) in cases {
        let n = p.node_count();
        let (mut u, mut v) = (vec![0.0; n], vec![0.0; n]);
        (u[node], v[node]) = (ui, vi);
        let none = vec![NO_TIME; n];
        let cpu = step_node(&p, node, p.time_of_step(5), &u, &v, NO_TIME, NO_TIME);
        let expected = is_runaway(cpu.u);
        let mut gpu = GpuBackend::new(ctx, &p).expect("backend");
        gpu.upload_state(5, &u, &v, &none, &none).expect("upload");
        match gpu.advance(1) {
            Err(Error::BlowUp { time_ms, .. }) => {
                assert!(
                    expected,
                    "u = {ui}, v = {vi}: GPU blew up but the CPU u_new = {} is fine",
                    cpu.u
                );
                assert_eq!(time_ms, p.time_of_step(5));
            }
            Ok(()) => assert!(
                !expected,
                "u = {ui}, v = {vi}: CPU u_new = {} runs away, GPU did not notice",
                cpu.u
            ),
            Err(e) => panic!("unexpected error {e}"),
        }
        eprintln!(
            "u = {ui}, v = {vi}: u_new = {}, runaway = {expected}",
            cpu.u
        );
        outcomes.push(expected);
    }
    assert_eq!(
        outcomes,
        [true, false, true, true, true, false],
        "the cases should straddle the edges"
    );
}

/// Limits of a typical desktop GPU (more than 8 storage buffers per stage).
fn roomy_limits() -> wgpu::Limits {
    wgpu::Limits {
        max_storage_buffers_per_shader_stage: 16,
        max_storage_buffer_binding_size: 1 << 27,
        ..wgpu::Limits::default()
    }
}

#[test]
fn mesh_too_large_for_the_storage_binding_limit_names_counts_bytes_and_limit() {
    let p = sheet(20, 20, 1.0, 1.0, 0.01);
    let nnz = p.operator.nnz();
    let limits = wgpu::Limits {
        max_storage_buffer_binding_size: 4096,
        ..roomy_limits()
    };
    let err = check_fits(&p, 8, &limits, "fake adapter").expect_err("nnz * 4 bytes > 4096");
    let msg = err.to_string();
    for needle in [
        format!("{nnz} non-zeros"),
        format!("{} bytes", 4 * nnz),
        "max_storage_buffer_binding_size of 4096 bytes".to_string(),
        "fake adapter".to_string(),
    ] {
        assert!(msg.contains(&needle), "message lacks `{needle}`: {msg}");
    }
    assert!(check_fits(&p, 8, &roomy_limits(), "fake adapter").is_ok());
}

#[test]
fn device_with_too_few_storage_buffers_per_stage_is_rejected() {
    let p = sheet(4, 4, 1.0, 1.0, 0.01);
    let limits = wgpu::Limits {
        max_storage_buffers_per_shader_stage: 8,
        ..wgpu::Limits::default()
    };
    let msg = check_fits(&p, 1, &limits, "small device")
        .expect_err("8 < 11")
        .to_string();
    assert!(msg.contains("11") && msg.contains("allows 8"), "{msg}");
}

#[test]
fn dispatch_grid_covers_every_node_exactly_once() {
    let wg = STEP_WORKGROUP_SIZE;
    for (n, max_dim) in [
        (1, 65535),
        (255, 65535),
        (256, 65535),
        (257, 65535),
        (10_000, 7),
        (10_000, 40),
        (10_000, 39),
        (5000, 1),
    ] {
        let [gx, gy] = match dispatch_grid(n, wg, max_dim) {
            Ok(g) => g,
            Err(e) if max_dim == 1 => {
                assert!(e.to_string().contains("workgroups"), "{e}");
                continue;
            }
            Err(e) => panic!("n = {n}, max {max_dim}: {e}"),
        };
        assert!(
            gx <= max_dim && gy <= max_dim,
            "n = {n}: grid {gx} x {gy} over {max_dim}"
        );
        let mut seen = vec![0u8; n as usize];
        for y in 0..gy {
            for x in 0..gx {
                for local in 0..wg {
                    let i = node_index([x, y], gx, local, wg);
                    if i < n {
                        seen[i as usize] += 1;
                    }
                }
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "n = {n}, max {max_dim}: some node visited != 1 times"
        );
        // No row of idle workgroups.
        assert!(
            u64::from(gx) * u64::from(gy - 1) * u64::from(wg) < n,
            "n = {n}: grid too tall"
        );
    }
    // A real big mesh: 20 M nodes need 78125 > 65535 workgroups -> 2D.
    assert_eq!(
        dispatch_grid(20_000_000, wg, 65535).expect("fits"),
        [65535, 2]
    );
}

/// 10^4 nodes = 40 workgroups, forced into a 7 x 6 grid: same results as the
/// CPU loop (tolerance as for the 300-step wave).
#[test]
fn two_dimensional_dispatch_matches_the_cpu_loop() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = wave_sheet();
    let options = GpuOptions {
        max_workgroups_per_dim: Some(7),
        ..Default::default()
    };
    let mut gpu = GpuBackend::with_options(ctx, &p, options).expect("backend");
    assert_eq!(gpu.workgroups(), [7, 6]);
    gpu.advance(60).expect("steps");
    let cpu = cpu_run(&p, 60);
    assert_close(
        "u with a 2D grid",
        &gpu.read_u().expect("u"),
        &cpu.u,
        WAVE_U_TOL,
        0.0,
    );
    let (glat, _) = gpu.read_times().expect("times");
    assert_times("lat with a 2D grid", &glat, &cpu.lat, WAVE_TIME_TOL_MS);
}

#[test]
fn new_backend_is_at_rest_with_no_recorded_times() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let p = sheet(30, 30, 0.5, 0.5, 0.05);
    let mut gpu = GpuBackend::new(ctx, &p).expect("backend");
    assert_eq!(gpu.steps_done(), 0);
    assert!(gpu.read_u().expect("u").iter().all(|&u| u == 0.0));
    let (lat, repol) = gpu.read_times().expect("times");
    assert!(lat.iter().chain(&repol).all(|&t| t == NO_TIME));
    assert!(gpu.read_probes().expect("probes").is_empty());
    assert_eq!(gpu.adapter_name(), ctx.adapter_name());
}

#[test]
fn without_probe_nodes_each_sample_time_gives_an_empty_row() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let mut p = sheet(30, 30, 0.5, 0.5, 0.05);
    p.probe_nodes.clear();
    p.probe_every_steps = 10;
    let mut gpu = GpuBackend::new(ctx, &p).expect("backend");
    gpu.advance(25).expect("steps");
    let rows = gpu.read_probes().expect("probes");
    assert_eq!(
        rows,
        vec![Vec::<f64>::new(); 3],
        "samples at steps 0, 10, 20"
    );
}

#[test]
fn malformed_problem_and_state_are_errors_not_panics() {
    let mut p = sheet(10, 10, 0.5, 0.5, 0.05);
    p.operator.col_idx[3] = 1000;
    let limits = roomy_limits();
    assert!(cardiotwin::solver::gpu::buffers::validate_problem(&p).is_err());
    assert!(
        check_fits(&p, 1, &limits, "x").is_ok(),
        "size check alone does not look at indices"
    );
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let msg = GpuBackend::new(ctx, &p)
        .err()
        .expect("out-of-range column")
        .to_string();
    assert!(msg.contains("1000"), "{msg}");
    let good = sheet(10, 10, 0.5, 0.5, 0.05);
    let mut gpu = GpuBackend::new(ctx, &good).expect("backend");
    let short = vec![0.0; 5];
    assert!(gpu.upload_state(0, &short, &short, &short, &short).is_err());
}

#[test]
fn copy_bandwidth_is_positive_and_step_bytes_follow_the_model() {
    let p = sheet(10, 10, 0.5, 0.5, 0.05);
    let (n, nnz) = (100u64, p.operator.nnz() as u64);
    assert_eq!(nnz, 100 + 2 * 2 * 10 * 9, "5-point stencil with edges");
    assert_eq!(step_bytes(&p), 4 * (n + 1) + 8 * nnz + 28 * n);
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let bw = copy_bandwidth(ctx, 1 << 20, 0.01).expect("bandwidth");
    eprintln!(
        "copy bandwidth on {}: {:.2} GB/s",
        ctx.adapter_name(),
        bw / 1e9
    );
    assert!(bw.is_finite() && bw > 1e6, "{bw} B/s");
    let too_big = ctx.limits().max_buffer_size.saturating_add(4);
    assert!(copy_bandwidth(ctx, too_big, 0.01).is_err());
}
