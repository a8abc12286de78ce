//! The left-atrium anatomies: the parametric generator with its exact ground
//! truth, the shipped variants in meshes/laa/, and the real atrium.

use cardiotwin::laao::{APPENDAGE_TAG, BODY_TAG};
use cardiotwin::mesh::atrium::sdf::Model;
use cardiotwin::mesh::atrium::{
    self, check_closed_surface, rodero, truth_at_depth, AtriumParams, LobeParams, SectionTruth,
    VARIANTS,
};
use cardiotwin::mesh::io;
use cardiotwin::Mesh;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

type V3 = [f64; 3];

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Points where the mesh's edges cross the plane (c, n), within `reach` mm
/// of c.
fn plane_crossings(mesh: &Mesh, c: V3, n: V3, reach: f64) -> Vec<V3> {
    let mut out = Vec::new();
    for t in mesh.elements.chunks_exact(3) {
        for k in 0..3 {
            let (a, b) = (
                mesh.nodes[t[k] as usize],
                mesh.nodes[t[(k + 1) % 3] as usize],
            );
            let (da, db) = (dot(sub(a, c), n), dot(sub(b, c), n));
            if (da < 0.0) != (db < 0.0) {
                let s = da / (da - db);
                let p = [0, 1, 2].map(|d| a[d] + s * (b[d] - a[d]));
                if dot(sub(p, c), sub(p, c)).sqrt() < reach {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Normalised ellipse radius of `p` in the true section: 1 on its ellipse.
fn ellipse_ratio(s: &SectionTruth, p: V3) -> f64 {
    let minor_dir = cross(s.normal, s.major_axis);
    let d = sub(p, s.center);
    let (a, b) = (s.max_diameter_mm / 2.0, s.min_diameter_mm / 2.0);
    (dot(d, s.major_axis) / a).hypot(dot(d, minor_dir) / b)
}

#[test]
fn generated_atrium_is_a_closed_outward_oriented_valid_surface_with_both_tags() {
    let a = atrium::generate(&AtriumParams::default()).expect("default atrium");
    let r = check_closed_surface(&a.mesh);
    assert!(r.is_closed_sphere(), "{r:?}");
    // Outward: the enclosed volume is positive and close to the body's.
    let vol: f64 = a
        .mesh
        .elements
        .chunks_exact(3)
        .map(|t| {
            let p = |i: u32| a.mesh.nodes[i as usize];
            dot(p(t[0]), cross(p(t[1]), p(t[2]))) / 6.0
        })
        .sum();
    let p = AtriumParams::default();
    let ellipsoid = 4.0 / 3.0 * std::f64::consts::PI * p.body_radii_mm.iter().product::<f64>();
    assert!(
        vol > 0.6 * ellipsoid && vol < 1.6 * ellipsoid,
        "volume {vol} mm^3"
    );
    let mut m = a.mesh.clone();
    cardiotwin::mesh::validate::validate(&mut m, Path::new("generated")).expect("valid");
    assert_eq!(m, a.mesh, "validation must find nothing to fix");
    let tags = a.mesh.region_tags();
    assert_eq!(tags, vec![BODY_TAG, APPENDAGE_TAG]);
    let app = a
        .mesh
        .regions
        .iter()
        .filter(|&&t| t == APPENDAGE_TAG)
        .count();
    assert!(
        app > 1000 && app < a.mesh.element_count() / 2,
        "{app} appendage triangles"
    );
}

#[test]
fn landing_zone_section_of_the_mesh_lies_on_the_true_ellipse() {
    for name in ["chicken_wing", "bilobed"] {
        let p = AtriumParams::variant(name).unwrap();
        let a = atrium::generate(&p).unwrap();
        let lz = &a.truth.landing_zone;
        assert!(lz.exact);
        let pts = plane_crossings(&a.mesh, lz.center, lz.normal, lz.max_diameter_mm);
        assert!(pts.len() > 50, "{name}: {} crossings", pts.len());
        for q in &pts {
            let r = ellipse_ratio(lz, *q);
            assert!(
                (r - 1.0).abs() < 0.02,
                "{name}: crossing {q:?} at ratio {r}"
            );
        }
        // The model's own field is zero on the true ellipse.
        let model = Model::new(&p).unwrap();
        let minor = cross(lz.normal, lz.major_axis);
        for k in 0..36 {
            let th = k as f64 * std::f64::consts::TAU / 36.0;
            let q = [0, 1, 2].map(|d| {
                lz.center[d]
                    + lz.max_diameter_mm / 2.0 * th.cos() * lz.major_axis[d]
                    + lz.min_diameter_mm / 2.0 * th.sin() * minor[d]
            });
            assert!(
                model.sdf(q).abs() < 1e-6,
                "{name}: field {} on the ellipse",
                model.sdf(q)
            );
        }
    }
}

#[test]
fn appendage_tag_boundary_is_the_true_ostium_ellipse_and_depth_matches() {
    let p = AtriumParams::variant("windsock").unwrap();
    let a = atrium::generate(&p).unwrap();
    let ost = &a.truth.ostium;
    let mut edges: HashMap<(u32, u32), Vec<i32>> = HashMap::new();
    for (e, t) in a.mesh.elements.chunks_exact(3).enumerate() {
        for k in 0..3 {
            let (x, y) = (t[k], t[(k + 1) % 3]);
            edges
                .entry((x.min(y), x.max(y)))
                .or_default()
                .push(a.mesh.regions[e]);
        }
    }
    let mut n_boundary = 0;
    for ((x, y), tags) in &edges {
        if tags.len() == 2 && tags[0] != tags[1] {
            n_boundary += 1;
            for v in [x, y] {
                let q = a.mesh.nodes[*v as usize];
                let w = dot(sub(q, ost.center), ost.normal);
                assert!(
                    w.abs() < 0.6,
                    "tag boundary vertex {q:?} is {w} mm off the ostium plane"
                );
                let r = ellipse_ratio(ost, q);
                assert!(
                    (r - 1.0).abs() < 0.06,
                    "tag boundary vertex {q:?} at ellipse ratio {r}"
                );
            }
        }
    }
    assert!(n_boundary > 100, "{n_boundary} boundary edges");
    let deepest = a
        .mesh
        .elements
        .chunks_exact(3)
        .zip(&a.mesh.regions)
        .filter(|(_, &t)| t == APPENDAGE_TAG)
        .flat_map(|(t, _)| {
            t.iter()
                .map(|&i| dot(sub(a.mesh.nodes[i as usize], ost.center), ost.normal))
        })
        .fold(f64::MIN, f64::max);
    assert!(
        (deepest - a.truth.depth_mm).abs() <= p.noise_mm + 0.1,
        "mesh depth {deepest} vs truth {}",
        a.truth.depth_mm
    );
}

#[test]
fn truth_is_computed_from_the_parameters_in_closed_form() {
    let mut p = AtriumParams::default();
    p.appendage.ostium_major_mm = 26.0;
    p.appendage.ostium_minor_mm = 20.0;
    p.appendage.taper = 0.8;
    let t = atrium::truth(&p).unwrap();
    assert_eq!(t.ostium.max_diameter_mm, 26.0);
    assert_eq!(t.ostium.min_diameter_mm, 20.0);
    assert!((t.landing_zone.max_diameter_mm - 20.8).abs() < 1e-12);
    assert!((t.landing_zone.min_diameter_mm - 16.0).abs() < 1e-12);
    assert_eq!(t.landing_zone.depth_mm_from_ostium, 10.0);
    // A circle's perimeter- and area-derived diameters equal its diameter.
    p.appendage.ostium_minor_mm = 26.0;
    let c = atrium::truth(&p).unwrap().ostium;
    assert!((c.perimeter_diameter_mm - 26.0).abs() < 1e-9);
    assert!((c.area_diameter_mm - 26.0).abs() < 1e-9);
    // Other depths; the straight neck keeps axial depth = arc length.
    let s = truth_at_depth(&p, 6.0).unwrap();
    assert!((s.axial_depth_mm - 6.0).abs() < 1e-9);
    assert!(s.max_diameter_mm < 26.0 && s.max_diameter_mm > 20.8);
    assert!(truth_at_depth(&p, 1000.0).is_err());
    assert!(truth_at_depth(&p, f64::NAN).is_err());
}

#[test]
fn params_files_reject_unknown_keys_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let toml_path = dir.path().join("p.toml");
    std::fs::write(&toml_path, "seed = 3\n[appendage]\nostium_major = 25.0\n").unwrap();
    let e = AtriumParams::load(&toml_path).unwrap_err().to_string();
    assert!(e.contains("p.toml") && e.contains("ostium_major"), "{e}");
    let json_path = dir.path().join("p.json");
    std::fs::write(&json_path, r#"{"appendage": {"bend": 30}}"#).unwrap();
    let e = AtriumParams::load(&json_path).unwrap_err().to_string();
    assert!(e.contains("p.json") && e.contains("bend"), "{e}");
    // Known keys with defaults for the rest.
    std::fs::write(&toml_path, "[appendage]\nbend_deg = 20.0\n").unwrap();
    assert_eq!(
        AtriumParams::load(&toml_path).unwrap().appendage.bend_deg,
        20.0
    );
    // Out-of-range values name the field.
    std::fs::write(&toml_path, "[appendage]\nostium_minor_mm = 40.0\n").unwrap();
    let e = AtriumParams::load(&toml_path).unwrap_err().to_string();
    assert!(e.contains("ostium_minor_mm"), "{e}");
}

#[test]
fn impossible_shapes_are_rejected_naming_the_parameter() {
    let mut p = AtriumParams::default();
    p.appendage.lobes = vec![LobeParams {
        depth_mm: 10.0,
        ..LobeParams::default()
    }];
    let e = atrium::generate(&p).unwrap_err().to_string();
    assert!(
        e.contains("appendage.lobes") && e.contains("landing zone"),
        "{e}"
    );
    let mut p = AtriumParams::default();
    p.appendage.bend_radius_mm = 4.0;
    p.appendage.bend_deg = 20.0;
    let e = atrium::generate(&p).unwrap_err().to_string();
    assert!(e.contains("bend_radius_mm"), "{e}");
    let mut p = AtriumParams::default();
    p.appendage.ostium_major_mm = 60.0;
    p.appendage.ostium_minor_mm = 50.0;
    let e = atrium::generate(&p).unwrap_err().to_string();
    assert!(e.contains("ostium_major_mm"), "{e}");
}

#[test]
fn shipped_variants_load_closed_tagged_and_match_their_truth() {
    let dir = repo().join("meshes/laa");
    for name in VARIANTS {
        let (mesh_path, params_path, truth_path) = atrium::variant_paths(&dir, name);
        let mesh = io::load(&mesh_path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = check_closed_surface(&mesh);
        assert!(r.is_closed_sphere(), "{name}: {r:?}");
        assert_eq!(mesh.region_tags(), vec![BODY_TAG, APPENDAGE_TAG], "{name}");
        let size = std::fs::metadata(&mesh_path).unwrap().len();
        assert!(size < 3_000_000, "{name}: {size} bytes");
        let params = AtriumParams::load(&params_path).unwrap();
        assert_eq!(params, AtriumParams::variant(name).unwrap(), "{name}");
        let truth = atrium::read_truth(&truth_path).unwrap();
        assert_same_truth(&truth, &atrium::truth(&params).unwrap(), name);
        // Realistic per LAAO.md.
        let (o, l) = (&truth.ostium, &truth.landing_zone);
        assert!((20.0..=34.0).contains(&o.max_diameter_mm), "{name}");
        assert!((15.0..=30.0).contains(&l.max_diameter_mm), "{name}");
        assert!((15.0..=45.0).contains(&truth.depth_mm), "{name}");
    }
    let t = |n: &str| atrium::read_truth(&atrium::variant_paths(&dir, n).2).unwrap();
    let shallow = t("shallow");
    assert!(shallow.depth_mm < shallow.ostium.max_diameter_mm);
    assert!(t("chicken_wing").params.appendage.bend_deg >= 100.0);
    let bi = t("bilobed");
    assert!(bi.params.appendage.lobes.iter().any(|l| l.depth_mm <= 10.0));
    assert!(t("large_ostium").ostium.max_diameter_mm >= 32.0);
}

/// Equal up to the last bits lost in the JSON round trip.
fn assert_same_truth(a: &atrium::AtriumTruth, b: &atrium::AtriumTruth, name: &str) {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * (1.0 + x.abs());
    for (s, t) in [(&a.ostium, &b.ostium), (&a.landing_zone, &b.landing_zone)] {
        for (x, y) in [
            (s.max_diameter_mm, t.max_diameter_mm),
            (s.min_diameter_mm, t.min_diameter_mm),
            (s.perimeter_diameter_mm, t.perimeter_diameter_mm),
            (s.area_diameter_mm, t.area_diameter_mm),
            (s.depth_mm_from_ostium, t.depth_mm_from_ostium),
        ] {
            assert!(close(x, y), "{name}: {x} vs {y}");
        }
        for d in 0..3 {
            assert!(
                close(s.center[d], t.center[d]) && close(s.normal[d], t.normal[d]),
                "{name}"
            );
        }
    }
    assert!(
        close(a.depth_mm, b.depth_mm),
        "{name}: depth {} vs {}",
        a.depth_mm,
        b.depth_mm
    );
    for d in 0..3 {
        assert!(close(a.tip[d], b.tip[d]), "{name}: tip");
    }
    assert_eq!(a.params, b.params, "{name}");
}

fn rodero_mesh() -> Mesh {
    io::load(&repo().join("meshes/rodero01_left_atrium.vtu")).expect("real atrium")
}

#[test]
fn real_atrium_loads_with_both_tags_and_a_connected_appendage() {
    let mesh = rodero_mesh();
    assert_eq!(mesh.kind, cardiotwin::ElementKind::Triangle);
    assert_eq!(mesh.region_tags(), vec![BODY_TAG, APPENDAGE_TAG]);
    let app: Vec<usize> = (0..mesh.element_count())
        .filter(|&e| mesh.regions[e] == APPENDAGE_TAG)
        .collect();
    assert!(app.len() > 30, "{} appendage triangles", app.len());
    // Connected through shared edges.
    let mut by_edge: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for &e in &app {
        let t = mesh.element(e);
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            by_edge.entry((a.min(b), a.max(b))).or_default().push(e);
        }
    }
    let mut seen = std::collections::HashSet::from([app[0]]);
    let mut stack = vec![app[0]];
    while let Some(e) = stack.pop() {
        let t = mesh.element(e);
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            for &f in &by_edge[&(a.min(b), a.max(b))] {
                if seen.insert(f) {
                    stack.push(f);
                }
            }
        }
    }
    assert_eq!(seen.len(), app.len(), "the appendage falls apart");
    // Open at the veins and mitral valve, manifold and consistently oriented.
    let r = check_closed_surface(&mesh);
    assert_eq!(r.non_manifold_edges, 0);
    assert_eq!(r.inconsistent_edges, 0);
    assert!(r.boundary_edges > 0);
}

/// Regenerates meshes/laa/ (run after changing the generator or variants):
/// `cargo test --release --test atrium -- --ignored regenerate_laa_variants`
#[test]
#[ignore]
fn regenerate_laa_variants() {
    let dir = repo().join("meshes/laa");
    for name in VARIANTS {
        let p = AtriumParams::variant(name).unwrap();
        let a = atrium::generate(&p).unwrap();
        let (m, pp, t) = atrium::variant_paths(&dir, name);
        atrium::write_params(&p, &pp).unwrap();
        atrium::write(&a, &m, &t).unwrap();
        let tr = &a.truth;
        println!(
            "| {name} | {} | {} | {:.2} x {:.2} | {:.2} | {:.2} x {:.2} | {:.2} | {:.2} |",
            a.mesh.node_count(),
            a.mesh.element_count(),
            tr.ostium.max_diameter_mm,
            tr.ostium.min_diameter_mm,
            tr.ostium.perimeter_diameter_mm,
            tr.landing_zone.max_diameter_mm,
            tr.landing_zone.min_diameter_mm,
            tr.landing_zone.perimeter_diameter_mm,
            tr.depth_mm
        );
    }
}

/// Regenerates meshes/rodero01_left_atrium.vtu from the wheel's source (its
/// `.namemap.json` must lie beside it):
/// `RODERO_VTU=.../rodero_01_fullheart_2.0mm.vtu cargo test --release --test atrium -- --ignored regenerate_rodero_left_atrium --nocapture`
/// Set `RODERO_OUT` to write elsewhere (e.g. to inspect the 1.5 mm source
/// without replacing the shipped file).
#[test]
#[ignore]
fn regenerate_rodero_left_atrium() {
    let src = std::env::var("RODERO_VTU").expect("set RODERO_VTU to the source .vtu");
    let x = rodero::extract_left_atrium(Path::new(&src)).unwrap();
    let out = std::env::var("RODERO_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo().join("meshes/rodero01_left_atrium.vtu"));
    io::save(&x.mesh, &out).unwrap();
    let back = io::load(&out).unwrap();
    assert_eq!(back.elements, x.mesh.elements);
    assert_eq!(back.regions, x.mesh.regions);
    let app = x
        .mesh
        .regions
        .iter()
        .filter(|&&t| t == APPENDAGE_TAG)
        .count();
    println!(
        "surface ids {} (endocardium), {} (cap); {} nodes, {} triangles ({app} appendage); cap centre {:.2?}, axis {:.3?}, cap diameter {:.2} mm, ostium {:.1} mm below the cap; {:?}",
        x.endocardium_id,
        x.cap_id,
        x.mesh.node_count(),
        x.mesh.element_count(),
        x.cap_center,
        x.cap_normal,
        x.cap_diameter_mm,
        -x.ostium_height_mm,
        check_closed_surface(&x.mesh)
    );
}
