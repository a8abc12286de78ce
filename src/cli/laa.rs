//! `cardiotwin laa measure` and `cardiotwin laa size`: left atrial appendage
//! occlusion planning from the command line.

use anyhow::{bail, Context, Result};
use cardiotwin::laao::catalog::{Catalog, Family};
use cardiotwin::laao::fit::num;
use cardiotwin::laao::measure::{measure, measure_on, LaaMeasurement, MeasureOptions};
use cardiotwin::laao::patient::{patient_for, report_names, PatientInfo};
use cardiotwin::laao::report::{now_utc, write_report, ReportInput};
use cardiotwin::laao::section::Surface;
use cardiotwin::laao::sizing::{size_patient_on, FamilySizing};
use cardiotwin::laao::Contour;
use cardiotwin::mesh::io;
use cardiotwin::output::results::sha256_file;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum LaaCommand {
    /// Measure the appendage: centreline, ostium, landing zone, depth and the
    /// diameter-versus-depth profile (all in mm).
    ///
    /// The appendage is found from the tip point when given, else from the
    /// appendage region tag (2) when the mesh has one, else detected.
    ///
    /// Examples:
    ///   cardiotwin laa measure meshes/laa/windsock.vtu
    ///   cardiotwin laa measure patient.stl --tip 12.5,-30,41 --json > laa.json
    #[command(verbatim_doc_comment)]
    Measure {
        /// Atrium surface (or volume) mesh: .vtu, .vtk, .stl, .obj, openCARP.
        mesh: PathBuf,
        /// Appendage tip, X,Y,Z in mm (the mesh's coordinates).
        #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
        tip: Option<[f64; 3]>,
        /// Depth of the landing-zone plane beyond the ostium (mm).
        #[arg(long, default_value_t = 10.0)]
        landing_zone_depth: f64,
        /// Factor from the mesh file's coordinates to mm (e.g. 0.001 for
        /// um, 1000 for m). Default: 0.001 for openCARP files, else 1, and a
        /// mesh that is not heart-sized is refused; an explicit scale is
        /// trusted.
        #[arg(long)]
        scale: Option<f64>,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Size occluders: for each device family, fit every catalog size at the
    /// family's landing zone, recommend one with reasons, or say why none fits.
    ///
    /// Per size: compression (%) and whether it is in the catalog's range,
    /// predicted peri-device leak (largest rim-to-wall gap, mm, graded
    /// complete seal / < 3 mm / 3-5 mm / > 5 mm), ostium coverage, depth fit,
    /// protrusion into the atrium, and a PASS-style verdict (Position,
    /// Anchor, Size, Seal). Several meshes give one table; a mesh that fails
    /// gets an error row and the command exits non-zero after the others.
    ///
    /// Examples:
    ///   cardiotwin laa size meshes/laa/windsock.vtu
    ///   cardiotwin laa size meshes/laa/*.vtu --device amulet --report out/laa
    ///   cardiotwin laa size patient.vtu --catalog my_devices.toml --json
    #[command(verbatim_doc_comment)]
    Size {
        /// One or more atrium meshes.
        #[arg(required = true)]
        meshes: Vec<PathBuf>,
        /// Device family: an id from the catalog (watchman-flx, amulet,
        /// watchman in the shipped one), several separated by commas, or all.
        #[arg(long, default_value = "all")]
        device: String,
        /// Device catalog (TOML; default: the shipped assets/devices.toml;
        /// schema in README.md, "Device catalog").
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Appendage tip, X,Y,Z in mm (only with a single mesh).
        #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
        tip: Option<[f64; 3]>,
        /// Print JSON rows instead of tables.
        #[arg(long)]
        json: bool,
        /// Write a self-contained HTML report per mesh: DIR/<name>.html, the
        /// name being the patient id, else the mesh's file stem with as many
        /// of its folders as tell it from the other meshes (p1/LA.vtu and
        /// p2/LA.vtu: p1_LA.html, p2_LA.html). Two meshes with one name are
        /// an error, never one report over another.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Patient id for the report header and file name (one mesh only;
        /// for several, a sidecar per mesh: MESH.patient.toml or
        /// patient.toml beside it, with id, study, comment).
        #[arg(long, value_name = "ID")]
        patient_id: Option<String>,
        /// Study description for the report header (one mesh only).
        #[arg(long, value_name = "TEXT")]
        study: Option<String>,
        /// Factor from the mesh file's coordinates to mm (e.g. 0.001 for
        /// um, 1000 for m). Default: 0.001 for openCARP files, else 1, and a
        /// mesh that is not heart-sized is refused; an explicit scale is
        /// trusted.
        #[arg(long)]
        scale: Option<f64>,
        /// Replace reports that an earlier run left in the --report folder
        /// under this run's names (without it they are refused: an earlier
        /// patient's report is never silently replaced).
        #[arg(long)]
        overwrite: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Parse "X,Y,Z" (mm).
fn parse_point(s: &str) -> std::result::Result<[f64; 3], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != 3 {
        return Err(format!(
            "expected three comma-separated numbers X,Y,Z in mm (got {s:?})"
        ));
    }
    let mut p = [0.0; 3];
    for (k, part) in parts.iter().enumerate() {
        p[k] = part
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{part:?} is not a finite number (in {s:?})"))?;
    }
    Ok(p)
}

pub fn dispatch(command: LaaCommand) -> Result<()> {
    match command {
        LaaCommand::Measure {
            mesh,
            tip,
            landing_zone_depth,
            scale,
            json,
        } => run_measure(&mesh, tip, landing_zone_depth, json, scale),
        LaaCommand::Size {
            meshes,
            device,
            catalog,
            tip,
            json,
            report,
            patient_id,
            study,
            scale,
            overwrite,
            quiet,
        } => run_size(
            &meshes,
            &device,
            catalog.as_deref(),
            tip,
            json,
            report.as_deref().map(|dir| (dir, overwrite)),
            (patient_id.as_deref(), study.as_deref()),
            quiet,
            scale,
        ),
    }
}

fn measure_mesh(
    path: &Path,
    opts: &MeasureOptions,
    scale: Option<f64>,
) -> Result<(cardiotwin::Mesh, LaaMeasurement)> {
    let mesh = load_mesh(path, scale)?;
    let m = measure(&mesh, opts)
        .with_context(|| format!("{}: measuring the appendage", path.display()))?;
    Ok((mesh, m))
}

fn contour_json(c: &Contour) -> Value {
    json!({
        "max_diameter_mm": c.max_diameter_mm,
        "min_diameter_mm": c.min_diameter_mm,
        "perimeter_diameter_mm": c.perimeter_diameter_mm,
        "area_diameter_mm": c.area_diameter_mm,
        "perimeter_mm": c.perimeter_mm,
        "area_mm2": c.area_mm2,
        "center": c.center,
        "normal": c.normal,
    })
}

/// The `laa measure --json` document.
pub fn measurement_json(mesh: &Path, m: &LaaMeasurement) -> Value {
    let profile: Vec<Value> = m
        .profile
        .iter()
        .map(|s| {
            let mut v = contour_json(&s.contour);
            v["depth_mm"] = json!(s.depth_mm);
            v
        })
        .collect();
    json!({
        "mesh": mesh.display().to_string(),
        "found_by": m.found_by,
        "tip": m.tip,
        "ostium": contour_json(&m.ostium),
        "landing_zone": m.landing_zone.as_ref().map(contour_json),
        "landing_zone_depth_mm": m.landing_zone_depth_mm,
        "depth_mm": m.depth_mm,
        "sizing_depth_mm": m.sizing_depth_mm,
        "bend": m.bend,
        "morphology": m.morphology,
        "truncated": m.truncated,
        "warnings": m.warnings,
        "notes": m.notes,
        "profile": profile,
    })
}

/// Load an atrium in mm: `scale` as given (`--scale`), else the format's
/// unit with the heart-size check (see `cardiotwin::mesh::extent`).
fn load_mesh(path: &Path, scale: Option<f64>) -> Result<cardiotwin::Mesh> {
    let opts = io::LoadOptions {
        scale,
        ..Default::default()
    };
    if let Some(note) = io::unit_note(path, &opts) {
        eprintln!("{note}");
    }
    let mesh = io::load_with(path, &opts)?;
    if scale.is_some() {
        super::mesh::warn_if_implausible(path, &mesh, io::effective_scale(path, &opts));
    }
    Ok(mesh)
}

fn run_measure(
    path: &Path,
    tip: Option<[f64; 3]>,
    lz_depth: f64,
    json: bool,
    scale: Option<f64>,
) -> Result<()> {
    if !(lz_depth.is_finite() && lz_depth >= 0.0) {
        bail!("--landing-zone-depth must be a number >= 0 mm (got {lz_depth})");
    }
    let opts = MeasureOptions {
        tip,
        landing_zone_depth_mm: lz_depth,
        ..MeasureOptions::default()
    };
    let (_, m) = measure_mesh(path, &opts, scale)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&measurement_json(path, &m))?
        );
        return Ok(());
    }
    println!("{}  (appendage found by {})", path.display(), m.found_by);
    println!(
        "depth (ostium plane to tip): {}{:.1} mm; tip at ({:.1}, {:.1}, {:.1}) mm",
        if m.truncated { "at least " } else { "" },
        m.depth_mm,
        m.tip[0],
        m.tip[1],
        m.tip[2]
    );
    print_bend(&m);
    for w in &m.warnings {
        println!("warning: {w}");
    }
    println!();
    println!(
        "{:<24} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "contour (mm)", "max", "min", "perim-D", "area-D", "perimeter", "area mm2"
    );
    // Not a device family's landing zone: `laa size` measures each family
    // at its own catalog depth (FLX and Watchman 2 mm, Amulet 11 mm).
    let lz_name = format!("plane at {} mm", num(m.landing_zone_depth_mm));
    let rows = [
        Some(("ostium", &m.ostium)),
        m.landing_zone.as_ref().map(|c| (lz_name.as_str(), c)),
    ];
    for (name, c) in rows.into_iter().flatten() {
        println!(
            "{:<24} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>10.1} {:>10.1}",
            name,
            c.max_diameter_mm,
            c.min_diameter_mm,
            c.perimeter_diameter_mm,
            c.area_diameter_mm,
            c.perimeter_mm,
            c.area_mm2
        );
    }
    for n in &m.notes {
        println!("note: {n}");
    }
    println!(
        "(plane at {} mm: --landing-zone-depth; each device family's own landing zone, from \
         the catalog, is in `laa size`)",
        num(m.landing_zone_depth_mm)
    );
    println!("\ndiameter versus depth (mm):");
    println!("{:>8} {:>8} {:>8} {:>8}", "depth", "max", "min", "perim-D");
    for s in &m.profile {
        println!(
            "{:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            s.depth_mm,
            s.contour.max_diameter_mm,
            s.contour.min_diameter_mm,
            s.contour.perimeter_diameter_mm
        );
    }
    Ok(())
}

/// The first bend, the depth a device can use and the morphology.
fn print_bend(m: &LaaMeasurement) {
    match &m.bend {
        Some(b) => println!(
            "first bend: {:.0}° at {:.1} mm along the deployment axis; depth a device can use: \
             {:.1} mm",
            b.angle_deg, b.depth_mm, m.sizing_depth_mm
        ),
        None => println!(
            "no bend beyond {:.0}°; depth a device can use: {:.1} mm",
            cardiotwin::laao::bend::BEND_THRESHOLD_DEG,
            m.sizing_depth_mm
        ),
    }
    println!("morphology: {}", m.morphology.description);
}

/// The families `--device` names.
fn select_families<'a>(cat: &'a Catalog, device: &str) -> Result<Vec<&'a Family>> {
    if device.trim() == "all" {
        return Ok(cat.families.iter().collect());
    }
    device
        .split(',')
        .map(str::trim)
        .map(|id| {
            cat.family(id).with_context(|| {
                format!(
                    "--device {id}: not in the catalog {}; choose from: {}, all",
                    cat.path.display(),
                    cat.ids().join(", ")
                )
            })
        })
        .collect()
}

/// An error and its causes on one line, each cause once (library errors
/// already print their source, which anyhow's chain would repeat).
fn chain_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if !text.contains(&c) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&c);
        }
    }
    text
}

/// One patient's outcome.
struct Patient {
    mesh: PathBuf,
    /// Unique among the run's meshes: the report's name and the table's.
    name: String,
    info: PatientInfo,
    result: Result<(LaaMeasurement, Vec<FamilySizing>)>,
}

/// JSON rows of one patient (the names documented in README.md). Every
/// row of a family carries the family's outcome: `family_recommended_mm`
/// (null when no size passes) and `family_closest` (the size nearest to
/// passing and what it fails, when none is recommended).
pub fn size_rows(
    mesh: &Path,
    patient: &str,
    m: &LaaMeasurement,
    sizings: &[FamilySizing],
) -> Vec<Value> {
    let mut rows = Vec::new();
    for fam in sizings {
        let common = json!({
            "mesh": mesh.display().to_string(),
            "patient": patient,
            "family": fam.family,
            "family_status": fam.status.label(),
            "family_reasons": fam.reasons,
            "family_recommended_mm": fam.recommended_mm,
            "family_closest": fam.closest,
            "sizing_diameter": fam.sizing_diameter,
            "landing_zone_depth_mm": fam.landing_zone_depth_mm,
            "depth_mm": m.depth_mm,
            "sizing_depth_mm": m.sizing_depth_mm,
            "bend": m.bend,
            "morphology": m.morphology,
        });
        let with = |extra: Value| {
            let mut row = common.clone();
            if let (Some(r), Some(e)) = (row.as_object_mut(), extra.as_object()) {
                r.extend(e.clone());
            }
            row
        };
        if fam.fits.is_empty() {
            rows.push(with(json!({
                "size_mm": null, "compression_pct": null, "in_range": false,
                "leak_mm": null, "leak_grade": null, "verdict": "fail",
                "reasons": fam.reasons, "recommended": false, "closest": false,
            })));
        }
        for f in &fam.fits {
            rows.push(with(json!({
                "size_mm": f.size_mm,
                "compression_pct": f.compression_pct,
                "in_range": f.in_range,
                "leak_mm": f.leak_mm,
                "leak_grade": f.leak_grade,
                "verdict": f.verdict,
                "reasons": f.reasons,
                "recommended": fam.recommended_mm == Some(f.size_mm),
                "closest": fam.closest.as_ref().is_some_and(|c| c.size_mm == f.size_mm),
                "sizing_diameter_mm": f.sizing_diameter_mm,
                "compression_range_pct": f.compression_range_pct,
                "ostium_coverage": f.ostium_coverage,
                "device_length_mm": f.device_length_mm,
                "length_tolerance_mm": f.length_tolerance_mm,
                "usable_depth_mm": f.usable_depth_mm,
                "depth_fits": f.depth_fits,
                "protrusion_mm": f.protrusion_mm,
                "criteria": f.criteria,
            })));
        }
    }
    rows
}

/// Reports already in `dir` under this run's names: replacing them would
/// leave an earlier run's patients looking like this run's, so that takes
/// `--overwrite`. Checked before any work, so a refusal costs nothing.
fn refuse_earlier_reports(dir: &Path, names: &[String], overwrite: bool) -> Result<()> {
    if overwrite {
        return Ok(());
    }
    let existing: Vec<String> = names
        .iter()
        .map(|n| dir.join(format!("{n}.html")))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        bail!(
            "--report {}: {} report(s) from an earlier run would be replaced ({}); pass \
             --overwrite to replace them, or choose another folder",
            dir.display(),
            existing.len(),
            existing.join(", ")
        );
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_size(
    meshes: &[PathBuf],
    device: &str,
    catalog: Option<&Path>,
    tip: Option<[f64; 3]>,
    json: bool,
    report_and_overwrite: Option<(&Path, bool)>,
    (patient_id, study): (Option<&str>, Option<&str>),
    quiet: bool,
    scale: Option<f64>,
) -> Result<()> {
    let cat = match catalog {
        Some(p) => Catalog::load(p)?,
        None => Catalog::load_default()?,
    };
    let families = select_families(&cat, device)?;
    if tip.is_some() && meshes.len() > 1 {
        bail!(
            "--tip names one point, so it works with one mesh only (got {} meshes)",
            meshes.len()
        );
    }
    if meshes.len() > 1 {
        for (flag, given) in [("--patient-id", patient_id), ("--study", study)] {
            if given.is_some() {
                bail!(
                    "{flag} names one patient, so it works with one mesh only (got {} meshes); \
                     for several, put a patient.toml sidecar beside each mesh",
                    meshes.len()
                );
            }
        }
    }
    // Who each mesh is and its unique name, before any work: a sidecar
    // error or two meshes with one name stop the run here.
    let infos: Vec<PatientInfo> = meshes
        .iter()
        .map(|m| patient_for(m, patient_id, study))
        .collect::<cardiotwin::Result<_>>()?;
    let ids: Vec<Option<String>> = infos.iter().map(|i| i.id.clone()).collect();
    let names = report_names(meshes, &ids)?;
    let report = report_and_overwrite.map(|(dir, _)| dir);
    if let Some((dir, overwrite)) = report_and_overwrite {
        refuse_earlier_reports(dir, &names, overwrite)?;
    }
    let generated = now_utc();
    let catalog_sha = sha256_file(&cat.path)?;
    let bar = if meshes.len() >= 4 && !quiet {
        let b = ProgressBar::new(meshes.len() as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} meshes [{elapsed_precise}]",
            )
            .expect("static template is valid")
            .progress_chars("=> "),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let opts = MeasureOptions {
        tip,
        ..MeasureOptions::default()
    };
    let patients: Vec<Patient> = meshes
        .par_iter()
        .zip(names.par_iter().zip(infos.par_iter()))
        .map(|(path, (name, info))| {
            let result = (|| {
                // One surface for measuring and sizing: building it costs
                // about as much as measuring.
                let mesh = load_mesh(path, scale)?;
                let surface = Surface::from_mesh(&mesh)
                    .and_then(|s| measure_on(&s, &opts).map(|m| (s, m)))
                    .with_context(|| format!("{}: measuring the appendage", path.display()));
                let (surface, m) = surface?;
                let sizings = size_patient_on(&surface, &m, &cat, &families);
                if let Some(dir) = report {
                    let input = ReportInput {
                        name,
                        patient: info,
                        generated: generated.clone(),
                        mesh_path: path,
                        mesh_sha256: sha256_file(path)?,
                        catalog: &cat,
                        catalog_sha256: catalog_sha.clone(),
                        measurement: &m,
                        sizings: &sizings,
                    };
                    write_report(dir, &input)?;
                }
                Ok((m, sizings))
            })();
            bar.inc(1);
            Patient {
                mesh: path.clone(),
                name: name.clone(),
                info: info.clone(),
                result,
            }
        })
        .collect();
    bar.finish_and_clear();

    let failed = patients.iter().filter(|p| p.result.is_err()).count();
    if json {
        let mut rows = Vec::new();
        for p in &patients {
            match &p.result {
                Ok((m, s)) => rows.extend(size_rows(&p.mesh, &p.name, m, s)),
                Err(e) => rows.push(json!({
                    "mesh": p.mesh.display().to_string(),
                    "patient": p.name,
                    "error": chain_text(e),
                })),
            }
        }
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_tables(&patients);
        if let Some(dir) = report {
            let written: Vec<&Patient> = patients.iter().filter(|p| p.result.is_ok()).collect();
            if !written.is_empty() {
                println!("\nreports ({} HTML file(s)):", written.len());
                for p in written {
                    println!(
                        "  {}  ({})",
                        dir.join(format!("{}.html", p.name)).display(),
                        p.mesh.display()
                    );
                }
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} mesh(es) failed (see their rows)",
            patients.len()
        );
    }
    Ok(())
}

fn print_tables(patients: &[Patient]) {
    if let [p] = patients {
        if let Ok((m, sizings)) = &p.result {
            print_detail(&p.mesh, &p.info, m, sizings);
            println!();
        }
    }
    let width = patients
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(7, 40);
    println!(
        "{:<width$} {:<20} {:>7} {:>7} {:>7} {:>7} {:>14} {:>8}  outcome",
        "patient", "family", "D mm", "size", "compr%", "leak", "grade", "verdict"
    );
    for p in patients {
        let name = &p.name;
        match &p.result {
            Err(e) => println!("{name:<width$} error: {}", chain_text(e)),
            Ok((_, sizings)) => {
                for fam in sizings {
                    let d = fam
                        .sizing_diameter_mm
                        .map_or_else(|| "-".to_string(), |d| format!("{d:.1}"));
                    match fam.recommended_fit() {
                        Some(f) => println!(
                            "{:<width$} {:<20} {:>7} {:>7} {:>7.1} {:>7.1} {:>14} {:>8}  {}",
                            name,
                            fam.name,
                            d,
                            num(f.size_mm),
                            f.compression_pct,
                            f.leak_mm,
                            f.leak_grade,
                            f.verdict.label(),
                            fam.status.label()
                        ),
                        None => println!(
                            "{:<width$} {:<20} {:>7} {:>7} {:>7} {:>7} {:>14} {:>8}  {}",
                            name,
                            fam.name,
                            d,
                            "-",
                            "-",
                            "-",
                            "-",
                            "-",
                            no_recommendation(fam)
                        ),
                    }
                }
            }
        }
    }
    println!("(patient: the id, or the mesh path's tail that tells the meshes apart)");
}

/// The table's outcome for a family with no recommended size: its status,
/// the first reason, and the closest option with what it fails.
fn no_recommendation(fam: &FamilySizing) -> String {
    let mut t = fam.status.label().to_string();
    if let Some(r) = fam.reasons.first() {
        if !r.starts_with(fam.status.label()) {
            t.push_str(": ");
        } else {
            t.clear();
        }
        t.push_str(r);
    }
    if let Some(c) = &fam.closest {
        t.push_str(&format!(
            "; closest {} mm ({}){}",
            num(c.size_mm),
            c.verdict.label(),
            c.failing
                .first()
                .map_or_else(String::new, |f| format!(": {f}"))
        ));
    }
    t
}

fn print_detail(mesh: &Path, info: &PatientInfo, m: &LaaMeasurement, sizings: &[FamilySizing]) {
    if let Some(id) = &info.id {
        println!("patient {id}");
    }
    if let Some(study) = &info.study {
        println!("study: {study}");
    }
    println!(
        "{}: appendage found by {}; ostium {:.1} x {:.1} mm (perimeter-D {:.1} mm), depth {}{:.1} mm",
        mesh.display(),
        m.found_by,
        m.ostium.max_diameter_mm,
        m.ostium.min_diameter_mm,
        m.ostium.perimeter_diameter_mm,
        if m.truncated { "at least " } else { "" },
        m.depth_mm
    );
    print_bend(m);
    for w in &m.warnings {
        println!("warning: {w}");
    }
    for fam in sizings {
        println!(
            "\n{} (sized by the {} {}, landing zone {} mm beyond the ostium)",
            fam.name,
            fam.sizing_diameter.label(),
            fam.sizing_diameter_mm
                .map_or_else(|| "(no landing zone)".to_string(), |d| format!("{d:.1} mm")),
            num(fam.landing_zone_depth_mm)
        );
        if !fam.fits.is_empty() {
            println!(
                "  {:>6} {:>8} {:>13} {:>6} {:>7} {:>14} {:>6} {:>9} {:>7} {:>8}",
                "size",
                "compr%",
                "range%",
                "in",
                "leak",
                "grade",
                "cover",
                "depth",
                "protr",
                "verdict"
            );
        }
        for f in &fam.fits {
            let mark = if fam.recommended_mm == Some(f.size_mm) {
                "*"
            } else if fam.closest.as_ref().is_some_and(|c| c.size_mm == f.size_mm) {
                "~"
            } else {
                " "
            };
            println!(
                "{mark} {:>6} {:>8.1} {:>13} {:>6} {:>7.1} {:>14} {:>5.0}% {:>9} {:>7.1} {:>8}",
                num(f.size_mm),
                f.compression_pct,
                format!(
                    "{:.0}-{:.0}",
                    f.compression_range_pct[0], f.compression_range_pct[1]
                ),
                if f.in_range { "yes" } else { "no" },
                f.leak_mm,
                f.leak_grade,
                f.ostium_coverage * 100.0,
                if f.depth_fits { "fits" } else { "no room" },
                f.protrusion_mm,
                f.verdict.label()
            );
        }
        for r in &fam.reasons {
            println!("  - {r}");
        }
        if let Some(f) = fam.recommended_fit() {
            for r in &f.reasons {
                println!("    {r}");
            }
        }
    }
    println!("\n(* recommended; ~ closest option when no size passes: not a recommendation)");
}
