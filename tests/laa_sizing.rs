//! Sizing and fit follow the device catalog, on contours of known size
//! (ellipses built directly, no mesh): property tests with proptest, leak
//! grading at its thresholds, catalog validation errors.

use cardiotwin::laao::catalog::Catalog;
use cardiotwin::laao::contour::plane_basis;
use cardiotwin::laao::fit::{fit, grade_leak, largest_gap, LeakGrade, Pose, Site, Verdict};
use cardiotwin::laao::sizing::{size_family, SizingStatus};
use cardiotwin::laao::Contour;
use proptest::prelude::*;
use std::path::Path;

fn catalog() -> Catalog {
    Catalog::load_default().expect("the shipped catalog loads")
}

/// An ellipse with semi-axes a, b (mm) in the plane z = z0, centred on the z axis.
fn ellipse(a: f64, b: f64, z0: f64, n: usize) -> Contour {
    let normal = [0.0, 0.0, 1.0];
    let (e1, e2) = plane_basis(normal);
    let pts = (0..n)
        .map(|k| {
            let t = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            let (x, y) = (a * t.cos(), b * t.sin());
            [
                x * e1[0] + y * e2[0],
                x * e1[1] + y * e2[1],
                z0 + x * e1[2] + y * e2[2],
            ]
        })
        .collect();
    Contour::from_loop(pts, normal)
}

fn site<'a>(ostium: &'a Contour, wall: &'a Contour, wall_depth: f64, depth: f64) -> Site<'a> {
    Site {
        ostium,
        wall,
        wall_depth_mm: wall_depth,
        depth_mm: depth,
        bend: None,
        tip: [0.0, 0.0, depth],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chosen_size_compression_lies_in_the_catalog_range(
        a in 4.0f64..20.0, ratio in 0.6f64..1.0, depth in 30.0f64..60.0
    ) {
        let cat = catalog();
        for fam in &cat.families {
            let lz = ellipse(a, a * ratio, fam.landing_zone_depth_mm, 360);
            let ostium = ellipse(a * 1.05, a * ratio * 1.05, 0.0, 360);
            let out = size_family(&cat, fam, &site(&ostium, &lz, fam.landing_zone_depth_mm, depth));
            if let Some(f) = out.recommended_fit() {
                let size = fam.sizes.iter().find(|s| s.size_mm == f.size_mm).unwrap();
                let [lo, hi] = size.compression_range_pct();
                prop_assert!(f.compression_pct >= lo - 1e-9 && f.compression_pct <= hi + 1e-9,
                    "{} {} mm: compression {} outside {lo}..{hi}", fam.id, f.size_mm, f.compression_pct);
                prop_assert!(f.in_range);
                prop_assert_eq!(out.status, SizingStatus::Recommended);
                // No other eligible size has a better verdict, or the same
                // verdict with compression nearer the target.
                let target = |g: &cardiotwin::laao::fit::DeviceFit| {
                    fam.target_compression_pct
                        .unwrap_or((g.compression_range_pct[0] + g.compression_range_pct[1]) / 2.0)
                };
                for g in out.fits.iter().filter(|g| g.in_range && g.depth_fits) {
                    prop_assert!(g.verdict >= f.verdict, "{} {} mm has a better verdict", fam.id, g.size_mm);
                    if g.verdict == f.verdict {
                        prop_assert!(
                            (g.compression_pct - target(g)).abs()
                                >= (f.compression_pct - target(f)).abs() - 1e-12,
                            "{} {} mm is nearer the target than the chosen {} mm",
                            fam.id, g.size_mm, f.size_mm
                        );
                    }
                }
            } else {
                prop_assert!(out.status != SizingStatus::Recommended);
                prop_assert!(!out.reasons.is_empty());
            }
        }
    }

    #[test]
    fn in_range_agrees_with_the_catalog_min_max(a in 4.0f64..20.0, ratio in 0.5f64..1.0) {
        let cat = catalog();
        for fam in &cat.families {
            let lz = ellipse(a, a * ratio, 2.0, 240);
            let d = fam.sizing_diameter.of(&lz);
            let out = size_family(&cat, fam, &site(&lz, &lz, 2.0, 50.0));
            for (f, s) in out.fits.iter().zip(&fam.sizes) {
                prop_assert_eq!(f.size_mm, s.size_mm);
                prop_assert_eq!(f.in_range, d >= s.landing_zone_min_mm && d <= s.landing_zone_max_mm);
                let expected = (s.size_mm - d) / s.size_mm * 100.0;
                prop_assert!((f.compression_pct - expected).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn landing_zone_wider_than_every_range_is_too_large(extra in 0.05f64..20.0) {
        let cat = catalog();
        for fam in &cat.families {
            let widest = fam.sizes.last().unwrap().landing_zone_max_mm;
            // A 2000-gon's diameters all equal 2r to within 1e-5 mm.
            let r = (widest + extra) / 2.0;
            let lz = ellipse(r, r, 2.0, 2000);
            let out = size_family(&cat, fam, &site(&lz, &lz, 2.0, 80.0));
            prop_assert_eq!(out.recommended_mm, None);
            prop_assert_eq!(out.status, SizingStatus::TooLarge);
            prop_assert!(out.reasons[0].starts_with("too large"), "{:?}", out.reasons);
        }
    }

    #[test]
    fn landing_zone_narrower_than_every_range_is_too_small(short in 0.05f64..8.0) {
        let cat = catalog();
        for fam in &cat.families {
            let narrowest = fam.sizes[0].landing_zone_min_mm;
            let r = (narrowest - short).max(1.0) / 2.0;
            let lz = ellipse(r, r, 2.0, 2000);
            let out = size_family(&cat, fam, &site(&lz, &lz, 2.0, 80.0));
            prop_assert_eq!(out.recommended_mm, None);
            prop_assert_eq!(out.status, SizingStatus::TooSmall);
            prop_assert!(out.reasons[0].starts_with("too small"), "{:?}", out.reasons);
        }
    }

    #[test]
    fn device_circle_covering_the_contour_gives_a_complete_seal(
        frac in 0.3f64..0.999, ratio in 0.5f64..1.0, which in 0usize..18
    ) {
        let cat = catalog();
        let all: Vec<_> = cat.families.iter().flat_map(|f| f.sizes.iter().map(move |s| (f, s))).collect();
        let (fam, size) = all[which % all.len()];
        let a = size.size_mm / 2.0 * frac;
        let lz = ellipse(a, a * ratio, 2.0, 720);
        let f = fit(&cat, fam, size, &site(&lz, &lz, 2.0, 60.0), None);
        prop_assert_eq!(f.leak_mm, 0.0);
        prop_assert_eq!(f.leak_grade_kind, LeakGrade::CompleteSeal);
        prop_assert_eq!(f.leak_grade.as_str(), "complete seal");
        prop_assert!((f.ostium_coverage - 1.0).abs() < 1e-12);
    }

    #[test]
    fn leak_is_the_ellipse_semi_major_axis_minus_the_device_radius(
        excess in 0.01f64..12.0, ratio in 0.4f64..1.0, which in 0usize..18
    ) {
        let cat = catalog();
        let all: Vec<_> = cat.families.iter().flat_map(|f| f.sizes.iter().map(move |s| (f, s))).collect();
        let (fam, size) = all[which % all.len()];
        let a = size.size_mm / 2.0 + excess;
        // Point 0 of the loop is the end of the major axis, so r_max = a exactly.
        let lz = ellipse(a, a * ratio, 2.0, 720);
        let f = fit(&cat, fam, size, &site(&lz, &lz, 2.0, 60.0), None);
        prop_assert!((f.leak_mm - excess).abs() < 1e-9, "leak {} vs {}", f.leak_mm, excess);
        prop_assert_eq!(f.leak_grade_kind, grade_leak(&cat, excess));
    }
}

#[test]
fn leak_grades_switch_at_the_catalog_thresholds() {
    let cat = catalog();
    let t = cat.leak;
    let eps = 1e-9;
    assert_eq!(grade_leak(&cat, 0.0), LeakGrade::CompleteSeal);
    assert_eq!(
        grade_leak(&cat, t.complete_seal_max_mm),
        LeakGrade::CompleteSeal
    );
    assert_eq!(
        grade_leak(&cat, t.complete_seal_max_mm + eps),
        LeakGrade::Small
    );
    assert_eq!(grade_leak(&cat, t.small_below_mm - eps), LeakGrade::Small);
    assert_eq!(grade_leak(&cat, t.small_below_mm), LeakGrade::Moderate);
    assert_eq!(grade_leak(&cat, t.large_above_mm), LeakGrade::Moderate);
    assert_eq!(grade_leak(&cat, t.large_above_mm + eps), LeakGrade::Large);
    let labels: Vec<String> = [
        LeakGrade::CompleteSeal,
        LeakGrade::Small,
        LeakGrade::Moderate,
        LeakGrade::Large,
    ]
    .iter()
    .map(|g| cardiotwin::laao::fit::leak_label(&cat, *g))
    .collect();
    assert_eq!(labels, ["complete seal", "< 3 mm", "3-5 mm", "> 5 mm"]);
}

#[test]
fn largest_gap_is_measured_in_the_device_plane() {
    // A wall point 10 mm off-plane but 8 mm from the axis: gap 8 - 5 = 3 mm.
    let (gap, at) = largest_gap(
        &[[8.0, 0.0, 10.0], [0.0, 2.0, -3.0]],
        [0.0; 3],
        [0.0, 0.0, 1.0],
        5.0,
    );
    assert!((gap - 3.0).abs() < 1e-12);
    assert_eq!(at, Some([8.0, 0.0, 10.0]));
}

#[test]
fn appendage_shallower_than_every_device_in_range_is_too_shallow() {
    let cat = catalog();
    let fam = cat.family("watchman-flx").unwrap();
    let lz = ellipse(10.0, 9.0, 2.0, 720); // perimeter-D about 19 mm: 24 and 27 mm in range
    let out = size_family(&cat, fam, &site(&lz, &lz, 2.0, 6.0));
    assert_eq!(out.status, SizingStatus::TooShallow, "{:?}", out.reasons);
    assert!(out.reasons[0].starts_with("too shallow"));
    assert!(out.fits.iter().all(|f| !f.depth_fits));
}

#[test]
fn watchman_exclusion_rules_apply_before_a_recommendation() {
    let cat = catalog();
    let fam = cat.family("watchman").unwrap();
    let lz = ellipse(12.0, 11.0, 2.0, 720); // max diameter 24 mm: in range
    let big_ostium = ellipse(16.0, 14.0, 0.0, 720); // largest ostium 32 mm > 30.4 mm
    let out = size_family(&cat, fam, &site(&big_ostium, &lz, 2.0, 50.0));
    assert_eq!(out.status, SizingStatus::Excluded);
    assert!(out.reasons[0].contains("30.4"), "{:?}", out.reasons);
    // Depth smaller than the largest ostium diameter is excluded too.
    let ostium = ellipse(12.5, 11.0, 0.0, 720);
    let out = size_family(&cat, fam, &site(&ostium, &lz, 2.0, 24.0));
    assert_eq!(out.status, SizingStatus::Excluded, "{:?}", out.reasons);
    assert!(out.reasons[0].contains("shallower"));
    // And a deep one with a normal ostium gets a size.
    let out = size_family(&cat, fam, &site(&ostium, &lz, 2.0, 45.0));
    assert_eq!(out.status, SizingStatus::Recommended, "{:?}", out.reasons);
}

#[test]
fn pose_proximal_to_the_ostium_protrudes_into_the_atrium() {
    let cat = catalog();
    let fam = cat.family("watchman-flx").unwrap();
    let size = &fam.sizes[1];
    let wall = ellipse(10.0, 9.0, -4.0, 720);
    let ostium = ellipse(11.0, 10.0, 0.0, 720);
    let pose = Pose {
        point: [0.0, 0.0, -4.0],
        axis: [0.0, 0.0, 1.0],
    };
    let f = fit(
        &cat,
        fam,
        size,
        &site(&ostium, &wall, -4.0, 40.0),
        Some(pose),
    );
    let expected = 4.0 + fam.landing_plane_fraction * size.length_mm;
    assert!(
        (f.protrusion_mm - expected).abs() < 1e-9,
        "{}",
        f.protrusion_mm
    );
    assert!(f.reasons.iter().any(|r| r.contains("sticks out")));
}

#[test]
fn ostium_wider_than_the_device_is_only_partly_covered() {
    let cat = catalog();
    let fam = cat.family("watchman-flx").unwrap();
    let size = &fam.sizes[0]; // 20 mm, no disc
    let lz = ellipse(8.0, 7.0, 2.0, 720);
    let ostium = ellipse(14.0, 8.0, 0.0, 720);
    let f = fit(&cat, fam, size, &site(&ostium, &lz, 2.0, 40.0), None);
    assert!(
        f.ostium_coverage > 0.2 && f.ostium_coverage < 0.9,
        "{}",
        f.ostium_coverage
    );
    assert_ne!(
        f.criteria.position.verdict,
        cardiotwin::laao::fit::Verdict::Pass
    );
}

#[test]
fn sizing_every_catalog_device_for_one_patient_takes_under_a_tenth_of_a_second() {
    let cat = catalog();
    let ostium = ellipse(12.0, 10.0, 0.0, 2000);
    let lzs: Vec<Contour> = cat
        .families
        .iter()
        .map(|f| ellipse(10.5, 9.0, f.landing_zone_depth_mm, 2000))
        .collect();
    let start = std::time::Instant::now();
    for (fam, lz) in cat.families.iter().zip(&lzs) {
        let out = size_family(
            &cat,
            fam,
            &site(&ostium, lz, fam.landing_zone_depth_mm, 40.0),
        );
        assert_eq!(out.fits.len(), fam.sizes.len());
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "sized {} families in {:.3} ms",
        cat.families.len(),
        took * 1e3
    );
    assert!(took < 0.1, "took {took} s");
}

fn shipped_text() -> String {
    std::fs::read_to_string(Catalog::default_path().unwrap()).unwrap()
}

#[test]
fn catalog_with_an_unknown_key_is_rejected_naming_the_key_and_file() {
    let text = shipped_text().replacen("length_mm = 15.0", "length_mm = 15.0\nlenght_mm = 3", 1);
    let err = Catalog::parse(&text, Path::new("my_devices.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("my_devices.toml"), "{err}");
    assert!(err.contains("lenght_mm"), "{err}");
    // The line of the misspelt key itself (it used to be one line short).
    let line = text[..text.find("lenght_mm").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(err.contains(&format!("line {line}:")), "line {line}: {err}");
}

#[test]
fn catalog_with_min_above_max_is_rejected_naming_the_field() {
    let text = shipped_text().replacen(
        "landing_zone_min_mm = 16.8",
        "landing_zone_min_mm = 22.0",
        1,
    );
    let err = Catalog::parse(&text, Path::new("my_devices.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("my_devices.toml"), "{err}");
    assert!(
        err.contains("family watchman-flx: size #2: landing_zone_min_mm"),
        "{err}"
    );
}

#[test]
fn catalog_with_unsorted_sizes_or_a_bad_metric_is_rejected() {
    let text = shipped_text().replacen("size_mm = 20.0", "size_mm = 25.0", 1);
    let err = Catalog::parse(&text, Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("size_mm") && err.contains("increasing"),
        "{err}"
    );
    let text = shipped_text().replacen(
        "below = \"ostium_max_diameter_mm\"",
        "below = \"ostium_width\"",
        1,
    );
    let err = Catalog::parse(&text, Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ostium_width") && err.contains("depth_mm"),
        "{err}"
    );
    let text = shipped_text().replacen("small_below_mm = 3.0", "small_below_mm = 6.0", 1);
    let err = Catalog::parse(&text, Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("leak"), "{err}");
}

/// Timing of the library path for one patient: measure, then size every
/// catalog family (run with --ignored --nocapture; the issue asks for well
/// under a second on the CPU).
#[test]
#[ignore = "timing report, not a check"]
fn measuring_and_sizing_one_patient_takes_well_under_a_second() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/laa/windsock.vtu");
    let mesh = cardiotwin::mesh::io::load(&path).unwrap();
    let cat = Catalog::load_default().unwrap();
    let fams: Vec<_> = cat.families.iter().collect();
    for _ in 0..3 {
        let t0 = std::time::Instant::now();
        let m = cardiotwin::laao::measure::measure(&mesh, &Default::default()).unwrap();
        let t1 = t0.elapsed();
        let out = cardiotwin::laao::sizing::size_patient(&mesh, &m, &cat, &fams);
        let t2 = t0.elapsed();
        assert_eq!(out.len(), fams.len());
        eprintln!(
            "windsock: measure {:.0} ms, size {} families {:.0} ms, total {:.0} ms",
            t1.as_secs_f64() * 1e3,
            fams.len(),
            (t2 - t1).as_secs_f64() * 1e3,
            t2.as_secs_f64() * 1e3
        );
    }
}

// ------------------------------------------------ issue 12: sizing says what it means

/// The shallow atrium's situation: in range and long enough, but the
/// ostium is far wider than the device, so Position fails. Before, the
/// failing size was marked recommended.
#[test]
fn a_size_whose_verdict_is_fail_is_never_recommended_and_the_closest_is_named() {
    let cat = catalog();
    let fam = cat.family("watchman-flx").unwrap();
    // Perimeter-D about 19.5 mm: 24 and 27 mm in range; an ostium 40 x 20 mm
    // that no FLX covers.
    let lz = ellipse(10.2, 9.3, 2.0, 720);
    let ostium = ellipse(20.0, 10.0, 0.0, 720);
    let out = size_family(&cat, fam, &site(&ostium, &lz, 2.0, 40.0));
    assert!(out.fits.iter().any(|f| f.in_range && f.depth_fits));
    assert!(
        out.fits
            .iter()
            .filter(|f| f.in_range)
            .all(|f| f.verdict == Verdict::Fail),
        "the setup must make every size in range fail"
    );
    assert_eq!(out.recommended_mm, None, "{:?}", out.reasons);
    assert_eq!(out.status, SizingStatus::NoSizePasses);
    assert_eq!(out.status.label(), "no size passes");
    let closest = out.closest.as_ref().expect("the closest option is named");
    assert!(closest.verdict == Verdict::Fail);
    assert!(
        closest
            .failing
            .iter()
            .any(|r| r.starts_with("Position (fail)")),
        "{closest:?}"
    );
    assert!(
        out.reasons.iter().any(|r| r.starts_with("closest option:")),
        "{:?}",
        out.reasons
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the anatomy, a recommended size passes or is a caution.
    #[test]
    fn recommended_sizes_never_fail(
        a in 4.0f64..20.0, ratio in 0.5f64..1.0, ostium_scale in 0.9f64..2.2, depth in 5.0f64..60.0
    ) {
        let cat = catalog();
        for fam in &cat.families {
            let lz = ellipse(a, a * ratio, fam.landing_zone_depth_mm, 360);
            let ostium = ellipse(a * ostium_scale, a * ratio, 0.0, 360);
            let out = size_family(&cat, fam, &site(&ostium, &lz, fam.landing_zone_depth_mm, depth));
            match out.recommended_fit() {
                Some(f) => prop_assert!(f.verdict != Verdict::Fail, "{} {} mm fails", fam.id, f.size_mm),
                None => {
                    prop_assert!(out.status != SizingStatus::Recommended);
                    if !out.fits.is_empty() {
                        prop_assert!(out.closest.is_some(), "{}: {:?}", fam.id, out.reasons);
                    }
                }
            }
        }
    }
}

/// Device lengths flagged approximate carry the catalog's stated tolerance:
/// a shortfall within it is a caution, beyond it a failure.
#[test]
fn an_approximate_length_short_by_less_than_its_tolerance_is_a_caution_not_a_failure() {
    let cat = catalog();
    let fam = cat.family("watchman-flx").unwrap();
    assert!(
        fam.length_tolerance_mm > 0.0,
        "the FLX lengths are approximate"
    );
    let size = &fam.sizes[1]; // 24 mm
    let lz = ellipse(10.0, 9.0, 2.0, 720);
    // The proximal face sits 2 - f*L deep; room = depth - that.
    let proximal = 2.0 - fam.landing_plane_fraction * size.length_mm;
    let room_for = |short: f64| size.length_mm - short + proximal;
    let within = fit(
        &cat,
        fam,
        size,
        &site(&lz, &lz, 2.0, room_for(0.5 * fam.length_tolerance_mm)),
        None,
    );
    assert!(within.depth_fits);
    assert_eq!(
        within.criteria.position.verdict,
        Verdict::Caution,
        "{:?}",
        within.reasons
    );
    assert!(
        within.criteria.position.reasons[0].contains("approximate"),
        "{:?}",
        within.criteria.position.reasons
    );
    let beyond = fit(
        &cat,
        fam,
        size,
        &site(&lz, &lz, 2.0, room_for(fam.length_tolerance_mm + 0.5)),
        None,
    );
    assert!(!beyond.depth_fits);
    assert_eq!(beyond.criteria.position.verdict, Verdict::Fail);
    // Exact lengths (Amulet) have no tolerance: any shortfall fails.
    let amulet = cat.family("amulet").unwrap();
    assert_eq!(amulet.length_tolerance_mm, 0.0);
}

#[test]
fn catalog_with_a_negative_length_tolerance_is_rejected_naming_the_field() {
    let text =
        shipped_text().replacen("length_tolerance_mm = 2.0", "length_tolerance_mm = -1.0", 1);
    let err = Catalog::parse(&text, Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("family watchman-flx: length_tolerance_mm"),
        "{err}"
    );
}
