//! CPU pictures of nodal fields: geometry, colours, legend, iso-lines, PNG.

use cardiotwin::output::colormap::{ColorMap, LUT_SIZE};
use cardiotwin::output::render::{
    render_scalar_map, render_surface, render_views, save_png, RenderOptions, View,
};
use cardiotwin::{ElementKind, Mesh};
use image::RgbImage;

/// Surface of the cube [-h, h]^3, each face an n x n grid of triangle pairs,
/// wound outward.
fn cube(h: f64, n: usize) -> Mesh {
    let mut nodes = Vec::new();
    let mut tris = Vec::new();
    // (normal axis, sign): the face at coordinate sign * h along the axis.
    for axis in 0..3 {
        for sign in [-1.0, 1.0] {
            let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
            let base = nodes.len() as u32;
            for j in 0..=n {
                for i in 0..=n {
                    let mut p = [0.0; 3];
                    p[axis] = sign * h;
                    p[u] = -h + 2.0 * h * i as f64 / n as f64;
                    p[v] = -h + 2.0 * h * j as f64 / n as f64;
                    nodes.push(p);
                }
            }
            let id = |i: usize, j: usize| base + (j * (n + 1) + i) as u32;
            for j in 0..n {
                for i in 0..n {
                    let (a, b, c, d) = (id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1));
                    // u x v = +axis, so this order faces +axis; flip for -axis.
                    if sign > 0.0 {
                        tris.extend([a, b, c, a, c, d]);
                    } else {
                        tris.extend([a, c, b, a, d, c]);
                    }
                }
            }
        }
    }
    Mesh::new(nodes, ElementKind::Triangle, tris)
}

/// UV sphere of radius r centred at the origin, wound outward.
fn sphere(r: f64, n_lat: usize, n_lon: usize) -> Mesh {
    let mut nodes = vec![[0.0, 0.0, r]];
    for i in 1..n_lat {
        let th = std::f64::consts::PI * i as f64 / n_lat as f64;
        for j in 0..n_lon {
            let ph = 2.0 * std::f64::consts::PI * j as f64 / n_lon as f64;
            nodes.push([
                r * th.sin() * ph.cos(),
                r * th.sin() * ph.sin(),
                r * th.cos(),
            ]);
        }
    }
    nodes.push([0.0, 0.0, -r]);
    let south = (nodes.len() - 1) as u32;
    let ring = |i: usize, j: usize| (1 + (i - 1) * n_lon + j % n_lon) as u32;
    let mut tris = Vec::new();
    for j in 0..n_lon {
        tris.extend([0, ring(1, j), ring(1, j + 1)]);
        tris.extend([south, ring(n_lat - 1, j + 1), ring(n_lat - 1, j)]);
    }
    for i in 1..n_lat - 1 {
        for j in 0..n_lon {
            let (a, b, c, d) = (
                ring(i, j),
                ring(i + 1, j),
                ring(i + 1, j + 1),
                ring(i, j + 1),
            );
            tris.extend([a, b, c, a, c, d]);
        }
    }
    Mesh::new(nodes, ElementKind::Triangle, tris)
}

fn x_values(mesh: &Mesh) -> Vec<f64> {
    mesh.nodes.iter().map(|p| p[0]).collect()
}

fn opts(width: u32, height: u32) -> RenderOptions {
    RenderOptions {
        width,
        height,
        ..RenderOptions::default()
    }
}

fn is_white(c: [u8; 3]) -> bool {
    c == [255, 255, 255]
}

/// First run of non-white pixels in row `y` starting at or after `from`:
/// (first, last) columns.
fn object_run(img: &RgbImage, y: u32, from: u32) -> (u32, u32) {
    let px = |x: u32| img.get_pixel(x, y).0;
    let a = (from..img.width())
        .find(|&x| !is_white(px(x)))
        .expect("no geometry in this row");
    let b = (a..img.width())
        .find(|&x| is_white(px(x)))
        .unwrap_or(img.width())
        - 1;
    (a, b)
}

/// Position t in [0, 1] along the colour map whose colour, under any
/// brightness (lighting), best explains `c`.
fn map_position(c: [u8; 3], cm: ColorMap) -> f64 {
    let c = c.map(f64::from);
    let err = |l: &[u8; 3]| {
        let l = l.map(f64::from);
        let ll: f64 = l.iter().map(|x| x * x).sum();
        let k = (0..3).map(|i| c[i] * l[i]).sum::<f64>() / ll;
        (0..3).map(|i| (c[i] - k * l[i]).powi(2)).sum::<f64>()
    };
    let lut = cm.lut();
    let best = (0..LUT_SIZE)
        .min_by(|&i, &j| err(&lut[i]).total_cmp(&err(&lut[j])))
        .unwrap();
    best as f64 / (LUT_SIZE - 1) as f64
}

fn is_iso_ink(c: [u8; 3]) -> bool {
    c[0] == c[1] && c[1] == c[2] && c[0] < 40
}

#[test]
fn image_has_the_requested_size() {
    let mesh = sphere(10.0, 12, 24);
    let v = x_values(&mesh);
    for (w, h) in [(320, 200), (1200, 600), (97, 61)] {
        let img = render_scalar_map(&mesh, &v, &opts(w, h));
        assert_eq!(img.dimensions(), (w, h));
        let two = render_views(&mesh, &v, &opts(w, h), &[View::Anterior, View::Posterior]);
        assert_eq!(two.dimensions(), (w, h));
    }
}

#[test]
fn left_of_object_gets_the_low_end_and_right_the_high_end() {
    let mesh = cube(10.0, 4);
    let v = x_values(&mesh);
    for cm in [ColorMap::Turbo, ColorMap::CoolWarm] {
        let o = RenderOptions {
            colormap: cm,
            ..opts(400, 300)
        };
        let img = render_scalar_map(&mesh, &v, &o);
        let (a, b) = object_run(&img, 150, 0);
        assert!(b - a > 150, "object too small: {a}..{b}");
        let left = map_position(img.get_pixel(a + 2, 150).0, cm);
        let right = map_position(img.get_pixel(b - 2, 150).0, cm);
        assert!(left < 0.05, "{cm:?}: left is at t = {left}");
        assert!(right > 0.95, "{cm:?}: right is at t = {right}");
    }
}

#[test]
fn requested_range_overrides_the_data_range() {
    let mesh = cube(10.0, 4);
    let v = x_values(&mesh);
    // Data spans -10..10 mm; a range of -10..30 puts the right edge mid-map.
    let o = RenderOptions {
        range: Some((-10.0, 30.0)),
        ..opts(400, 300)
    };
    let img = render_scalar_map(&mesh, &v, &o);
    let (_, b) = object_run(&img, 150, 0);
    let right = map_position(img.get_pixel(b - 2, 150).0, ColorMap::Turbo);
    assert!((right - 0.5).abs() < 0.06, "right edge at t = {right}");
}

#[test]
fn background_stays_white_where_there_is_no_geometry() {
    let mesh = sphere(10.0, 16, 32);
    let img = render_scalar_map(&mesh, &x_values(&mesh), &opts(400, 300));
    let (a, b) = object_run(&img, 150, 0);
    // Left of the object, the corners, and above the sphere's top.
    for (x, y) in [(0, 150), (a - 1, 150), (1, 1), (1, 298), ((a + b) / 2, 2)] {
        assert!(is_white(img.get_pixel(x, y).0), "({x}, {y}) not white");
    }
    // And the object itself is not white.
    assert!(!is_white(img.get_pixel((a + b) / 2, 150).0));
}

#[test]
fn nan_values_render_grey() {
    let mesh = cube(10.0, 4);
    let all_nan = vec![f64::NAN; mesh.node_count()];
    let img = render_scalar_map(&mesh, &all_nan, &opts(400, 300));
    let (a, b) = object_run(&img, 150, 0);
    for x in [a + 2, (a + b) / 2, b - 2] {
        let c = img.get_pixel(x, 150).0;
        assert!(
            c[0] == c[1] && c[1] == c[2] && c[0] > 60 && c[0] < 250,
            "{c:?}"
        );
    }
    // Only the left half NaN: left grey, right coloured.
    let half: Vec<f64> = mesh
        .nodes
        .iter()
        .map(|p| if p[0] < 0.0 { f64::NAN } else { p[0] })
        .collect();
    let img = render_scalar_map(&mesh, &half, &opts(400, 300));
    let (a, b) = object_run(&img, 150, 0);
    let l = img.get_pixel(a + 2, 150).0;
    let r = img.get_pixel(b - 2, 150).0;
    assert!(l[0] == l[1] && l[1] == l[2], "left {l:?} not grey");
    assert!(r[0] != r[1] || r[1] != r[2], "right {r:?} is grey");
}

#[test]
fn inward_facing_triangles_are_lit_like_outward_ones() {
    let mesh = sphere(10.0, 16, 32);
    let mut flipped = mesh.clone();
    for t in flipped.elements.chunks_exact_mut(3) {
        t.swap(1, 2);
    }
    let v = x_values(&mesh);
    let a = render_scalar_map(&mesh, &v, &opts(300, 200));
    let b = render_scalar_map(&flipped, &v, &opts(300, 200));
    // Edge pixels may differ by rounding (the vertex order changes the
    // barycentric arithmetic); a one-sided light would change every pixel.
    let differ = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| (0..3).any(|k| p.0[k].abs_diff(q.0[k]) > 8))
        .count();
    assert!(differ < 100, "{differ} pixels changed with the winding");
}

#[test]
fn legend_has_dark_text_and_title_is_drawn() {
    let mesh = cube(10.0, 4);
    let v = x_values(&mesh);
    let dark = |img: &RgbImage, x0: u32, x1: u32, y0: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 60))
            .count()
    };
    let plain = render_scalar_map(&mesh, &v, &opts(600, 300));
    // The labels sit in the right-most strip, right of the colour bar.
    assert!(dark(&plain, 520, 600, 0, 300) > 100, "no legend text");
    assert_eq!(dark(&plain, 0, 400, 0, 8), 0, "ink in the empty title band");
    let titled = RenderOptions {
        title: "LAT".into(),
        ..opts(600, 300)
    };
    let img = render_scalar_map(&mesh, &v, &titled);
    assert!(dark(&img, 0, 400, 0, 24) > 20, "no title");
}

#[test]
fn isochrones_cross_the_surface_at_multiples_of_the_step() {
    let mesh = cube(10.0, 4);
    let v = x_values(&mesh);
    let plain = render_scalar_map(&mesh, &v, &opts(400, 300));
    let (a, b) = object_run(&plain, 150, 0);
    assert!(!(a..=b).any(|x| is_iso_ink(plain.get_pixel(x, 150).0)));

    let o = RenderOptions {
        isochrone_step: Some(5.0),
        ..opts(400, 300)
    };
    let img = render_scalar_map(&mesh, &v, &o);
    let (a, b) = object_run(&img, 150, 0);
    let inked: Vec<u32> = (a..=b)
        .filter(|&x| is_iso_ink(img.get_pixel(x, 150).0))
        .collect();
    for level in [-5.0, 0.0, 5.0] {
        let col = a as f64 + (b - a) as f64 * (level + 10.0) / 20.0;
        assert!(
            inked.iter().any(|&x| (x as f64 - col).abs() <= 2.0),
            "no line at x = {level} (column {col:.0}); ink at {inked:?}"
        );
    }
    assert!(inked.len() <= 8, "too much ink: {inked:?}");
}

#[test]
fn a_face_sitting_exactly_on_a_level_has_no_isoline_speckle() {
    // The x = +10 face has the value 10 everywhere, a multiple of the step.
    let mesh = cube(10.0, 8);
    let o = RenderOptions {
        view: View::Left,
        isochrone_step: Some(5.0),
        ..opts(400, 300)
    };
    let img = render_scalar_map(&mesh, &x_values(&mesh), &o);
    let (a, b) = object_run(&img, 150, 0);
    let ink = (80..220)
        .flat_map(|y| (a + 3..b - 3).map(move |x| (x, y)))
        .filter(|&(x, y)| is_iso_ink(img.get_pixel(x, y).0))
        .count();
    assert_eq!(ink, 0);
}

#[test]
fn posterior_view_mirrors_anterior_side_by_side() {
    let mesh = cube(10.0, 4);
    let img = render_views(
        &mesh,
        &x_values(&mesh),
        &opts(800, 300),
        &[View::Anterior, View::Posterior],
    );
    let (a1, b1) = object_run(&img, 150, 0);
    let (a2, b2) = object_run(&img, 150, b1 + 1);
    let t = |x: u32| map_position(img.get_pixel(x, 150).0, ColorMap::Turbo);
    // Anterior: patient's left (+x) on the viewer's right; posterior: reversed.
    assert!(t(a1 + 2) < 0.05 && t(b1 - 2) > 0.95);
    assert!(t(a2 + 2) > 0.95 && t(b2 - 2) < 0.05);
    // Same scale in both views.
    assert!((b1 - a1).abs_diff(b2 - a2) <= 2);
}

#[test]
fn odd_inputs_do_not_panic() {
    let mesh = sphere(5.0, 6, 8);
    let empty = Mesh::new(vec![], ElementKind::Triangle, vec![]);
    let bad_index = Mesh::new(vec![[0.0; 3]; 3], ElementKind::Triangle, vec![0, 1, 7]);
    let strange = RenderOptions {
        range: Some((f64::NAN, 3.0)),
        isochrone_step: Some(-1.0),
        view: View::Custom {
            toward_camera: [0.0, 0.0, 0.0],
        },
        title: "µs ✓ é".into(),
        unit: "".into(),
        ..opts(50, 20)
    };
    let tiny_step = RenderOptions {
        isochrone_step: Some(1e-12),
        view: View::Custom {
            toward_camera: [0.0, 0.0, -3.0],
        },
        ..opts(64, 48)
    };
    for o in [&strange, &tiny_step, &opts(0, 0), &opts(1, 1)] {
        render_scalar_map(&mesh, &[], o);
        render_scalar_map(&mesh, &[1.0, f64::INFINITY], o);
        render_scalar_map(&empty, &[], o);
        render_scalar_map(&bad_index, &[1.0, 2.0, 3.0], o);
        render_views(&mesh, &x_values(&mesh), o, &[]);
    }
    for view in [
        View::Left,
        View::Right,
        View::Superior,
        View::Inferior,
        View::Iso,
    ] {
        let o = RenderOptions {
            view,
            ..opts(200, 100)
        };
        let img = render_scalar_map(&mesh, &x_values(&mesh), &o);
        assert!(
            img.pixels().any(|p| !is_white(p.0)),
            "{view:?} drew nothing"
        );
    }
}

#[test]
fn saved_png_decodes_to_the_same_image() {
    let mesh = sphere(10.0, 12, 24);
    let img = render_scalar_map(&mesh, &x_values(&mesh), &opts(320, 240));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("lat.png");
    save_png(&img, &path).unwrap();
    let back = image::open(&path).unwrap().to_rgb8();
    assert_eq!(back.dimensions(), (320, 240));
    assert!(back == img);
}

/// Writes /tmp/render_sample.png (an activation map of a stretched sphere
/// with isochrones, two views) for a human to look at, and times a large
/// tetrahedral mesh. `cargo test --release --test render -- --ignored --nocapture`
#[test]
#[ignore]
fn sample_picture_and_timing() {
    let mut mesh = sphere(25.0, 48, 96);
    for p in &mut mesh.nodes {
        p[2] *= 1.6;
    }
    // Activation spreading from the apex-ish point at 0.5 mm/ms, with a
    // patch that never activated.
    let origin = [10.0, -15.0, -30.0];
    let lat: Vec<f64> = mesh
        .nodes
        .iter()
        .map(|p| {
            let d = ((p[0] - origin[0]).powi(2)
                + (p[1] - origin[1]).powi(2)
                + (p[2] - origin[2]).powi(2))
            .sqrt();
            if p[0] < -18.0 && p[2] > 10.0 {
                f64::NAN
            } else {
                d / 0.5
            }
        })
        .collect();
    let o = RenderOptions {
        width: 1200,
        height: 600,
        title: "Activation time".into(),
        isochrone_step: Some(10.0),
        ..RenderOptions::default()
    };
    let img = render_views(&mesh, &lat, &o, &[View::Anterior, View::Posterior]);
    save_png(&img, std::path::Path::new("/tmp/render_sample.png")).unwrap();

    // 41^3 nodes (~69k), 384k tetrahedra, 19.2k surface triangles.
    let n = 40;
    let id = |i: usize, j: usize, k: usize| (i + (n + 1) * (j + (n + 1) * k)) as u32;
    let mut nodes = Vec::new();
    for k in 0..=n {
        for j in 0..=n {
            for i in 0..=n {
                nodes.push([i as f64, j as f64 * 0.8, k as f64 * 1.2]);
            }
        }
    }
    let mut tets = Vec::new();
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                let c = [
                    id(i, j, k),
                    id(i + 1, j, k),
                    id(i + 1, j + 1, k),
                    id(i, j + 1, k),
                    id(i, j, k + 1),
                    id(i + 1, j, k + 1),
                    id(i + 1, j + 1, k + 1),
                    id(i, j + 1, k + 1),
                ];
                // Kuhn split of the cube along the 0-6 diagonal.
                for [a, b, d] in [
                    [1, 2, 6],
                    [2, 3, 6],
                    [3, 7, 6],
                    [7, 4, 6],
                    [4, 5, 6],
                    [5, 1, 6],
                ] {
                    tets.extend([c[0], c[a], c[b], c[d]]);
                }
            }
        }
    }
    let vol = Mesh::new(nodes, ElementKind::Tetrahedron, tets);
    let v = x_values(&vol);
    let t0 = std::time::Instant::now();
    let tris = vol.surface_triangles();
    let t_surface = t0.elapsed();
    let t0 = std::time::Instant::now();
    let img = render_surface(&vol, &tris, &v, &o, &[View::Iso, View::Posterior]);
    let t_render = t0.elapsed();
    println!(
        "{} nodes, {} surface triangles: surface extraction {t_surface:?}, \
         drawing 1200x600 two views {t_render:?}",
        vol.node_count(),
        tris.len()
    );
    save_png(&img, std::path::Path::new("/tmp/render_sample_tets.png")).unwrap();
}
