//! The teaching scenarios (assets/scenarios/teaching/, listed by
//! `viewer::gallery`): every lesson loads and explains itself, and each shows
//! the phenomenon its description promises, checked with numbers on the CPU
//! backend (f64). The shipped scenarios are run as they are, except for a
//! shorter duration or extra probes where that is enough to see the effect.
//!
//! The meshes in meshes/teaching/ are rebuilt by
//! `cargo test --release --test teaching -- --ignored regenerate_teaching_meshes`.

use cardiotwin::mesh::atrium::{self, AtriumParams};
use cardiotwin::mesh::generate::sheet_triangles;
use cardiotwin::mesh::{io, Mesh};
use cardiotwin::run::{prepare, simulate, Simulation};
use cardiotwin::scenario::Scenario;
use cardiotwin::solver::cpu::CpuBackend;
use std::collections::HashSet;
use std::path::PathBuf;

mod common {
    pub mod front;
}
use common::front::lat_at_x;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lesson(file: &str) -> Scenario {
    let path = repo().join("assets/scenarios/teaching").join(file);
    Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_cpu(s: &Scenario) -> (cardiotwin::run::Prepared, Simulation) {
    let prepared = prepare(s).expect("prepare");
    let mut backend = CpuBackend::new(&prepared.problem);
    let sim = simulate(&prepared, &mut backend, &mut |_| Ok(())).expect("simulate");
    (prepared, sim)
}

// ---------------------------------------------------------------------------
// Meshes
// ---------------------------------------------------------------------------

/// Region tags of the teaching meshes.
const TISSUE_TAG: i32 = 1;
const SCAR_TAG: i32 = 2;
const BODY_TAG: i32 = 1;
const APPENDAGE_TAG: i32 = 2;
const OSTIUM_RING_TAG: i32 = 3;

/// Width of the insulating ring at the appendage ostium (mm): wider than two
/// 1 mm triangles, so no conducting element bridges it, and about the width
/// of a surgical clip or an ablation line around the ostium.
const OSTIUM_RING_MM: f64 = 3.0;

/// Tag elements whose centroid satisfies `inside` with `tag`.
fn tag_elements(mesh: &mut Mesh, tag: i32, inside: impl Fn([f64; 3]) -> bool) {
    for e in 0..mesh.element_count() {
        let c = centroid(mesh, e);
        if inside(c) {
            mesh.regions[e] = tag;
        }
    }
}

fn centroid(mesh: &Mesh, e: usize) -> [f64; 3] {
    let el = mesh.element(e);
    let mut c = [0.0; 3];
    for &n in el {
        for (d, cd) in c.iter_mut().enumerate() {
            *cd += mesh.nodes[n as usize][d] / el.len() as f64;
        }
    }
    c
}

/// Nodes of elements tagged `tag`.
fn nodes_of(mesh: &Mesh, tag: i32) -> HashSet<u32> {
    (0..mesh.element_count())
        .filter(|&e| mesh.regions[e] == tag)
        .flat_map(|e| mesh.element(e).to_vec())
        .collect()
}

/// Retag as `OSTIUM_RING_TAG` every appendage triangle within
/// `OSTIUM_RING_MM` of the ostium line (the nodes the body and the appendage
/// share). Works on any mesh tagged body = 1, appendage = 2 whose ostium is
/// the region boundary, as the generated atria and the Rodero atrium are.
fn tag_ostium_ring(mesh: &mut Mesh) {
    let body = nodes_of(mesh, BODY_TAG);
    let ostium: Vec<[f64; 3]> = nodes_of(mesh, APPENDAGE_TAG)
        .intersection(&body)
        .map(|&n| mesh.nodes[n as usize])
        .collect();
    assert!(!ostium.is_empty(), "body and appendage share no node");
    for e in 0..mesh.element_count() {
        if mesh.regions[e] != APPENDAGE_TAG {
            continue;
        }
        let c = centroid(mesh, e);
        let near = ostium
            .iter()
            .any(|&p| cardiotwin::mesh::geometry::dist(p, c) < OSTIUM_RING_MM);
        if near {
            mesh.regions[e] = OSTIUM_RING_TAG;
        }
    }
}

/// The windsock atrium at a 1 mm grid (a quarter of the nodes of the 0.5 mm
/// one in meshes/laa/, enough for its 3.2 mm wide fronts), with the ring.
fn appendage_mesh() -> Mesh {
    let mut params = AtriumParams::variant("windsock").expect("windsock");
    params.spacing_mm = 1.0;
    let mut mesh = atrium::generate(&params).expect("windsock at 1 mm").mesh;
    tag_ostium_ring(&mut mesh);
    mesh
}

/// Every teaching mesh: (file name in meshes/teaching/, mesh).
fn teaching_meshes() -> Vec<(&'static str, Mesh)> {
    let sheet = |lx: f64, ly: f64| {
        let mut m = sheet_triangles(lx, ly, 0.5);
        m.regions.fill(TISSUE_TAG);
        m
    };
    let mut ring = sheet(40.0, 40.0);
    tag_elements(&mut ring, SCAR_TAG, |c| {
        (10.0..30.0).contains(&c[0]) && (10.0..30.0).contains(&c[1])
    });
    vec![
        ("strip_50x10mm.vtu", sheet(50.0, 10.0)),
        ("sheet_60x60mm.vtu", sheet(60.0, 60.0)),
        ("scar_ring_40x40mm.vtu", ring),
        ("sheet_40x40mm.vtu", sheet(40.0, 40.0)),
        ("windsock_ostium_ring.vtu", appendage_mesh()),
    ]
}

#[test]
#[ignore]
fn regenerate_teaching_meshes() {
    let dir = repo().join("meshes/teaching");
    std::fs::create_dir_all(&dir).expect("meshes/teaching");
    for (name, mesh) in teaching_meshes() {
        let path = dir.join(name);
        io::save(&mesh, &path).expect("save");
        let bytes = std::fs::metadata(&path).expect("written").len();
        println!(
            "{name}: {} nodes, {} elements, regions {:?}, {} kB",
            mesh.node_count(),
            mesh.element_count(),
            mesh.region_tags(),
            bytes / 1024
        );
    }
}

#[test]
fn shipped_teaching_meshes_match_their_generator() {
    for (name, fresh) in teaching_meshes() {
        let path = repo().join("meshes/teaching").join(name);
        let shipped = io::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(shipped.elements, fresh.elements, "{name}: elements");
        assert_eq!(shipped.regions, fresh.regions, "{name}: regions");
        let worst = shipped
            .nodes
            .iter()
            .zip(&fresh.nodes)
            .map(|(a, b)| cardiotwin::mesh::geometry::dist(*a, *b))
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "{name}: nodes moved by {worst} mm");
        let bytes = std::fs::metadata(&path).expect("file").len();
        assert!(bytes < 2_000_000, "{name}: {bytes} bytes");
    }
}

#[test]
fn ostium_ring_separates_body_from_appendage() {
    let mesh = io::load(&repo().join("meshes/teaching/windsock_ostium_ring.vtu")).expect("mesh");
    let body = nodes_of(&mesh, BODY_TAG);
    let shared = nodes_of(&mesh, APPENDAGE_TAG).intersection(&body).count();
    let ring = (0..mesh.element_count())
        .filter(|&e| mesh.regions[e] == OSTIUM_RING_TAG)
        .count();
    eprintln!("ring: {ring} triangles; body and appendage share {shared} nodes");
    assert!(ring > 100, "the ring must be a band of triangles");
    assert_eq!(shared, 0, "no triangle may bridge the ring");
}

// ---------------------------------------------------------------------------
// The lessons
// ---------------------------------------------------------------------------

/// Every `.toml` in assets/scenarios/teaching/.
fn lesson_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo().join("assets/scenarios/teaching"))
        .expect("teaching folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    v.sort();
    v
}

/// Sentences in a description: '.', '!' or '?' followed by white space or
/// the end (decimal points are followed by digits).
fn sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '.' | '!' | '?')
                && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
        })
        .count()
}

#[test]
fn every_lesson_has_a_title_and_a_short_description() {
    let files = lesson_files();
    assert!(files.len() >= 6, "at least six lessons: {files:?}");
    for file in files {
        let s = lesson(&file);
        let title = s.title.as_deref().unwrap_or_default();
        let description = s.description.as_deref().unwrap_or_default();
        let n = sentences(description);
        eprintln!("{file}: \"{title}\", {n} sentences");
        assert!(!title.trim().is_empty(), "{file}: no title");
        assert!(
            (3..=6).contains(&n),
            "{file}: the description has {n} sentences (3 to 6 wanted)"
        );
    }
}

#[cfg(feature = "viewer")]
#[test]
fn gallery_lists_every_shipped_lesson_in_teaching_order() {
    use cardiotwin::viewer::gallery::{Gallery, LESSONS};
    let gallery = Gallery::shipped().expect("gallery");
    let listed: Vec<&str> = LESSONS.iter().map(|l| l.1).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "file names carry the teaching order");
    assert_eq!(
        sorted,
        lesson_files(),
        "every lesson file is in the gallery"
    );
    assert_eq!(gallery.lessons.len(), LESSONS.len());
    for l in &gallery.lessons {
        assert!(l.path.is_file() && !l.title.is_empty() && !l.description.is_empty());
    }
    assert_eq!(
        gallery
            .get("spiral_wave")
            .map(|l| l.scenario.stimulus.len()),
        Some(2),
        "S1 and S2"
    );
}

fn nearest(mesh: &Mesh, p: [f64; 3]) -> usize {
    (0..mesh.node_count())
        .min_by(|&a, &b| {
            let da = cardiotwin::mesh::geometry::dist(mesh.nodes[a], p);
            let db = cardiotwin::mesh::geometry::dist(mesh.nodes[b], p);
            da.total_cmp(&db)
        })
        .expect("nodes")
}

/// Upward crossings of -40 mV (ms) in probe `k`'s trace.
fn activations(sim: &Simulation, k: usize) -> Vec<f64> {
    sim.probe_traces
        .windows(2)
        .filter(|w| w[0].1[k] < -40.0 && w[1].1[k] >= -40.0)
        .map(|w| w[1].0)
        .collect()
}

/// The diffusivity (mm^2/ms) of the lesson's first conduction entry.
fn diffusivity(s: &Scenario) -> f64 {
    s.conduction[0].diffusivities("conduction[0]").expect("d").0
}

#[test]
fn lesson_planar_wave_travels_at_the_analytic_speed() {
    let s = lesson("01_planar_wave.toml");
    let (p, sim) = run_cpu(&s);
    // 15 and 35 mm: a front width (1.8 mm) and more from the paced edge and
    // from the far end of the 50 mm strip.
    let (t15, t35) = (
        lat_at_x(&p.mesh, &sim.lat_ms, 15.0),
        lat_at_x(&p.mesh, &sim.lat_ms, 35.0),
    );
    let c = 20.0 / (t35 - t15);
    let analytic = s.model.planar_speed_mm_per_ms(diffusivity(&s));
    let total = sim.lat_ms.iter().cloned().fold(f64::MIN, f64::max);
    eprintln!(
        "LAT at 15 mm {t15:.1} ms, at 35 mm {t35:.1} ms: {c:.4} mm/ms vs analytic {analytic:.4} \
         ({:+.2} %); whole strip activated in {total:.1} ms",
        100.0 * (c / analytic - 1.0)
    );
    assert!((c / analytic - 1.0).abs() < 0.03);
}

/// Grid of `n` x `n` probe points over a square sheet of side `l` (mm).
fn probe_grid(l: f64, n: usize) -> Vec<[f64; 3]> {
    (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            [
                (i as f64 + 0.5) * l / n as f64,
                (j as f64 + 0.5) * l / n as f64,
                0.0,
            ]
        })
        .collect()
}

#[test]
fn lesson_spiral_wave_persists_with_a_steady_period() {
    let mut s = lesson("02_spiral_wave.toml");
    // The S2 stimulus ends at 322 ms; 2000 ms leaves more than three
    // rotations to watch. A 6 x 6 grid of probes, 10 mm apart.
    s.time.duration_ms = 2000.0;
    s.output.snapshot_every_ms = 0.0;
    s.output.probes = probe_grid(60.0, 6);
    s.output.probe_every_ms = 1.0;
    let last_stimulus = s
        .stimulus
        .iter()
        .map(|st| st.start_ms + st.duration_ms)
        .fold(0.0, f64::max);
    let (_, sim) = run_cpu(&s);
    // Activity never dies out: in every 50 ms window after the last
    // stimulus, some probe is depolarised.
    let mut t = last_stimulus;
    while t + 50.0 <= s.time.duration_ms {
        let alive = sim
            .probe_traces
            .iter()
            .filter(|(ts, _)| *ts >= t && *ts < t + 50.0)
            .any(|(_, vm)| vm.iter().any(|&v| v > -40.0));
        assert!(alive, "all probes at rest in [{t}, {}) ms", t + 50.0);
        t += 50.0;
    }
    // The probes keep re-activating long after the stimuli, with a steady
    // period (one rotation of the spiral). Probes the meandering tip passes
    // close to may miss a beat, so three quarters of them must take part.
    let mut periods = Vec::new();
    let mut beating = 0;
    for k in 0..s.output.probes.len() {
        let late: Vec<f64> = activations(&sim, k)
            .into_iter()
            .filter(|&t| t > last_stimulus + 500.0)
            .collect();
        if late.len() >= 2 {
            beating += 1;
            periods.extend(late.windows(2).map(|w| w[1] - w[0]));
        }
    }
    let probes = s.output.probes.len();
    eprintln!(
        "{beating} of {probes} probes re-activate at least twice after {} ms",
        last_stimulus + 500.0
    );
    assert!(
        4 * beating >= 3 * probes,
        "only {beating} of {probes} probes keep beating"
    );
    periods.sort_by(f64::total_cmp);
    let median = periods[periods.len() / 2];
    let (lo, hi) = (periods[0], periods[periods.len() - 1]);
    let d = diffusivity(&s);
    let c = s.model.planar_speed_mm_per_ms(d);
    eprintln!(
        "spiral: {} late periods, median {median:.0} ms, range {lo:.0}..{hi:.0} ms; \
         wavelength about {:.0} mm at the planar speed {c:.3} mm/ms",
        periods.len(),
        median * c
    );
    assert!(
        lo > 0.85 * median && hi < 1.15 * median,
        "period not steady: {lo:.0}..{hi:.0} ms around {median:.0} ms"
    );
}

#[test]
fn lesson_scar_reentry_circulates_around_the_scar() {
    let mut s = lesson("03_scar_reentry.toml");
    s.time.duration_ms = 2200.0;
    s.output.snapshot_every_ms = 0.0;
    let (p, sim) = run_cpu(&s);
    let scar_centre = nearest(&p.mesh, [20.0, 20.0, 0.0]);
    assert!(
        sim.lat_ms[scar_centre].is_nan(),
        "the scar must never activate"
    );
    // The shipped probes sit in the middle of the 10 mm band of tissue:
    // below, right of, above and left of the scar.
    let acts: Vec<Vec<f64>> = (0..4).map(|k| activations(&sim, k)).collect();
    let s2 = s.stimulus[1].start_ms;
    // From the first activation of the bottom probe after S2, follow one lap
    // after another: bottom -> right -> top -> left -> bottom.
    let mut t = acts[0]
        .iter()
        .copied()
        .find(|&t| t > s2 + 100.0)
        .expect("bottom probe re-activates after S2");
    let mut laps = Vec::new();
    loop {
        let start = t;
        let mut ok = true;
        for k in [1, 2, 3, 0] {
            match acts[k].iter().copied().find(|&x| x > t) {
                Some(x) if x - t < 300.0 => t = x,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            break;
        }
        laps.push(t - start);
    }
    let midline = 4.0 * 30.0; // the band's midline: a 30 mm square
    let c = s.model.planar_speed_mm_per_ms(diffusivity(&s));
    eprintln!(
        "probe activations {acts:.0?}; laps {laps:.0?} ms; midline {midline} mm / \
         planar speed {c:.3} mm/ms = {:.0} ms",
        midline / c
    );
    assert!(laps.len() >= 2, "the wave must circulate at least twice");
    for lap in &laps {
        assert!((lap / laps[0] - 1.0).abs() < 0.03, "laps differ: {laps:?}");
        assert!(
            (lap / (midline / c) - 1.0).abs() < 0.15,
            "lap {lap:.0} ms vs path / speed {:.0} ms",
            midline / c
        );
    }
}

/// Activation of the appendage lessons: (mesh, LAT) after 90 ms; the whole
/// body is activated by about 80 ms.
fn appendage_run(file: &str) -> (Mesh, Simulation) {
    let mut s = lesson(file);
    s.time.duration_ms = 90.0;
    s.output.snapshot_every_ms = 0.0;
    let (p, sim) = run_cpu(&s);
    (p.mesh, sim)
}

#[test]
fn lesson_appendage_activates_only_when_connected() {
    let tip = [29.2, -34.8, 26.3];
    let (mesh, connected) = appendage_run("04_appendage_connected.toml");
    let (_, isolated) = appendage_run("05_appendage_isolated.toml");
    let appendage = nodes_of(&mesh, APPENDAGE_TAG);
    let body = nodes_of(&mesh, BODY_TAG);
    let count = |sim: &Simulation, nodes: &HashSet<u32>| {
        nodes
            .iter()
            .filter(|&&n| sim.lat_ms[n as usize].is_finite())
            .count()
    };
    // The pacing site must be on the body only: a stimulus reaching into the
    // appendage would "activate" it however well it is isolated.
    let s = lesson("05_appendage_isolated.toml");
    let sphere = s.stimulus[0].sphere.as_ref().expect("sphere");
    let ring = nodes_of(&mesh, OSTIUM_RING_TAG);
    let clearance = appendage
        .union(&ring)
        .map(|&n| cardiotwin::mesh::geometry::dist(mesh.nodes[n as usize], sphere.center))
        .fold(f64::INFINITY, f64::min);
    eprintln!(
        "pacing sphere: radius {} mm, nearest ring/appendage node {clearance:.1} mm",
        sphere.radius
    );
    assert!(clearance > sphere.radius + 2.0);
    let tip_node = nearest(&mesh, tip);
    let last = |sim: &Simulation| {
        sim.lat_ms
            .iter()
            .cloned()
            .filter(|t| t.is_finite())
            .fold(0.0, f64::max)
    };
    eprintln!(
        "connected: appendage {}/{} nodes, tip at {:.1} ms, last {:.1} ms; isolated: appendage {}/{}, body {}/{}, last {:.1} ms",
        count(&connected, &appendage),
        appendage.len(),
        connected.lat_ms[tip_node],
        last(&connected),
        count(&isolated, &appendage),
        appendage.len(),
        count(&isolated, &body),
        body.len(),
        last(&isolated)
    );
    assert_eq!(count(&connected, &appendage), appendage.len());
    assert!(connected.lat_ms[tip_node].is_finite());
    assert_eq!(
        count(&isolated, &appendage),
        0,
        "the isolated appendage activated"
    );
    assert_eq!(
        count(&isolated, &body),
        body.len(),
        "the body must still activate"
    );
}

#[test]
fn lesson_pacing_site_changes_order_and_total_time() {
    let corners = [
        [0.0, 0.0, 0.0],
        [40.0, 0.0, 0.0],
        [0.0, 40.0, 0.0],
        [40.0, 40.0, 0.0],
    ];
    let run = |file: &str| {
        let mut s = lesson(file);
        s.output.snapshot_every_ms = 0.0;
        let (p, sim) = run_cpu(&s);
        let lat: Vec<f64> = corners
            .iter()
            .map(|&c| sim.lat_ms[nearest(&p.mesh, c)])
            .collect();
        let total = sim.lat_ms.iter().cloned().fold(f64::MIN, f64::max);
        let radius = s.stimulus[0].sphere.as_ref().expect("sphere").radius;
        (lat, total, radius)
    };
    let (corner, t_corner, r) = run("06_pacing_corner.toml");
    let (centre, t_centre, r2) = run("07_pacing_centre.toml");
    assert_eq!(r, r2, "same stimulus size at both sites");
    eprintln!(
        "corner pacing: corner LATs {corner:.1?}, total {t_corner:.1} ms; \
         centre pacing: {centre:.1?}, total {t_centre:.1} ms; ratio {:.2}",
        t_centre / t_corner
    );
    // Paced at a corner, the opposite corner is last; the two neighbours
    // are reached together, and the far corner takes about sqrt(2) times
    // as long as they do.
    assert!((t_corner - corner[3]).abs() < 1.0);
    assert!((corner[1] - corner[2]).abs() < 1.0);
    assert!(corner[3] > corner[1] + 20.0);
    // Paced at the centre, the four corners are reached together and last.
    let spread = centre.iter().cloned().fold(f64::MIN, f64::max)
        - centre.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread < 1.0 && (t_centre - centre[0]).abs() < 1.0);
    // The wave travels from the edge of the stimulated disc: the longest
    // path is 56.6 - r mm from a corner, 28.3 - r mm from the centre.
    let diag = 40.0 * 2f64.sqrt();
    let expected = (diag / 2.0 - r) / (diag - r);
    assert!(
        (t_centre / t_corner / expected - 1.0).abs() < 0.15,
        "ratio {:.2} vs path ratio {expected:.2}",
        t_centre / t_corner
    );
}
