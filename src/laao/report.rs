//! A self-contained HTML report per patient (no scripts, no external files):
//! the diameter-versus-depth plot, the ostium and landing-zone contours drawn
//! in their planes with their diameters, the sizing tables and verdicts with
//! reasons, and the inputs (mesh, hashes, catalog, version). SVG is written
//! by hand: a few hundred elements do not need a plotting library.
//!
//! The page opens with the patient/study header and date and a research-use
//! banner; the drawings carry orientation labels (as if the mesh were in LPS
//! axes, as the rest of cardiotwin assumes) and a scale bar; printed, the
//! summary fits one A4 page (the per-size tables are on screen only).

use super::catalog::Catalog;
use super::contour::{unit, Contour};
use super::fit::{num, Verdict};
use super::measure::LaaMeasurement;
use super::patient::PatientInfo;
use super::sizing::FamilySizing;
use crate::mesh::geometry::{cross, dot, sub, V3};
use crate::output::atomic::write_string_atomic;
use crate::Result;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What one report shows.
pub struct ReportInput<'a> {
    /// The report's name (unique among the run's meshes; see
    /// [`super::patient::report_names`]): the file is `<name>.html`.
    pub name: &'a str,
    pub patient: &'a PatientInfo,
    /// When the plan was made, as shown in the header (e.g.
    /// [`now_utc`]).
    pub generated: String,
    pub mesh_path: &'a Path,
    pub mesh_sha256: String,
    pub catalog: &'a Catalog,
    pub catalog_sha256: String,
    pub measurement: &'a LaaMeasurement,
    pub sizings: &'a [FamilySizing],
}

/// Write DIR/<name>.html atomically; returns its path.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<PathBuf> {
    let path = dir.join(format!("{}.html", input.name));
    write_string_atomic(&path, &render_html(input))?;
    Ok(path)
}

/// The current time, UTC, to the minute ("2026-12-04 17:05 UTC").
pub fn now_utc() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The research-use banner at the top of every report.
pub const RESEARCH_BANNER: &str = "RESEARCH USE ONLY. Not a medical device and not for \
     clinical decisions: a planning aid computed from the mesh's geometry alone. Verify every \
     measurement and device choice against the imaging and the devices' instructions for use.";

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}\
th{background:#f3f3f3}td.l,th.l{text-align:left}tr.rec{background:#eaf6ea;font-weight:600}\
.pass{color:#1e7d32}.caution{color:#b26a00}.fail{color:#b71c1c}\
svg{background:#fff;border:1px solid #ddd;margin:4px}ul{margin:4px 0 12px}li{font-size:13px}\
.note{color:#666;font-size:12px}tr.closest{background:#fdf0e6}\
.banner{border:3px solid #b71c1c;background:#fdecea;color:#b71c1c;font-weight:700;padding:8px 12px;\
margin:8px 0 12px;font-size:14px}table.patient td,table.patient th{font-size:14px}\
@page{size:A4 portrait;margin:8mm}\
@media print{body{margin:0;max-width:none;font-size:7pt}h1{font-size:12pt;margin:2px 0}\
h2{font-size:9pt;margin:5px 0 2px}td,th{font-size:6.5pt;padding:1px 3px}li{font-size:6.5pt}\
.note{font-size:6pt}.banner{font-size:7.5pt;padding:3px 6px;margin:3px 0}\
table.patient td,table.patient th{font-size:7pt}.screen{display:none}\
svg.plot{width:100%;height:auto;max-height:62mm}svg.panel{width:23%;height:auto;margin:1px}\
ul{margin:1px 0 3px}p{margin:2px 0}}";

/// The whole page.
pub fn render_html(input: &ReportInput) -> String {
    let m = input.measurement;
    let title = input
        .patient
        .id
        .clone()
        .unwrap_or_else(|| input.name.to_string());
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>LAAO plan: {}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = write!(
        h,
        "<h1>Left atrial appendage occlusion plan: {}</h1>\n<div class=\"banner\">{}</div>\n",
        esc(&title),
        esc(RESEARCH_BANNER)
    );
    h.push_str(&patient_header(input));
    let _ = writeln!(
        h,
        "<p>Ostium {:.1} x {:.1} mm (perimeter-derived {:.1} mm); depth to the tip {}{:.1} mm; \
         depth a device can use {:.1} mm{}; appendage found by {}.<br>Morphology: {}.</p>",
        m.ostium.max_diameter_mm,
        m.ostium.min_diameter_mm,
        m.ostium.perimeter_diameter_mm,
        if m.truncated { "at least " } else { "" },
        m.depth_mm,
        m.sizing_depth_mm,
        m.bend.map_or_else(String::new, |b| format!(
            " (to the {:.0}° bend, along the deployment axis)",
            b.angle_deg
        )),
        esc(&m.found_by),
        esc(&m.morphology.description)
    );
    for w in &m.warnings {
        let _ = writeln!(h, "<p class=\"note\"><b>Warning: {}</b></p>", esc(w));
    }
    for n in &m.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: {}</p>", esc(n));
    }
    h.push_str(&summary_table(input.sizings));
    h.push_str("<h2>Diameter versus depth</h2>\n");
    h.push_str(&profile_svg(m, input.sizings));
    h.push_str(
        "<h2>Contours</h2>\n<p class=\"note\">Each contour in its own plane, same scale \
        (bar: 10 mm); letters: the anatomical direction of each edge, as if the mesh were in \
        LPS axes (L left, P posterior, S superior); red: maximum diameter, blue: minimum \
        diameter; dashed: the recommended device's rim (nominal diameter); orange: where the \
        largest gap is.</p>\n",
    );
    h.push_str(&contour_panels(m, input.sizings));
    h.push_str("<h2>Measurements</h2>\n");
    h.push_str(&measurement_table(m, input.sizings));
    for fam in input.sizings {
        h.push_str(&family_section(fam));
    }
    h.push_str(&inputs_table(input));
    h.push_str("</body></html>\n");
    h
}

/// The patient/study header: id, study, comment, mesh, date.
fn patient_header(input: &ReportInput) -> String {
    let p = input.patient;
    let missing = "not given (--patient-id or a patient.toml sidecar)";
    let mut rows = vec![
        (
            "Patient",
            p.id.clone().unwrap_or_else(|| missing.to_string()),
        ),
        (
            "Study",
            p.study
                .clone()
                .unwrap_or_else(|| "not given (--study or a patient.toml sidecar)".to_string()),
        ),
    ];
    if let Some(c) = &p.comment {
        rows.push(("Comment", c.clone()));
    }
    rows.push(("Mesh", input.mesh_path.display().to_string()));
    rows.push(("Planned", input.generated.clone()));
    let mut h = String::from("<table class=\"patient\">");
    for (k, v) in rows {
        let _ = write!(
            h,
            "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>",
            esc(&v)
        );
    }
    h.push_str("</table>\n");
    h
}

/// A length in mm, or a dash when there is none (never "NaN").
fn mm_or_dash(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))
}

fn verdict_span(v: Verdict) -> String {
    format!("<span class=\"{0}\">{0}</span>", v.label())
}

fn summary_table(sizings: &[FamilySizing]) -> String {
    let mut h = String::from(
        "<h2>Recommendation</h2>\n<table><tr><th class=\"l\">family</th><th>sizing diameter (mm)</th>\
         <th>size (mm)</th><th>compression</th><th>leak (mm)</th><th class=\"l\">grade</th>\
         <th class=\"l\">verdict</th><th class=\"l\">why</th></tr>\n",
    );
    for fam in sizings {
        let why = esc(&fam.reasons.first().cloned().unwrap_or_default());
        match fam.recommended_fit() {
            Some(f) => {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{}</td><td>{} ({})</td><td>{} ★</td><td>{:.1} %</td>\
                     <td>{:.1}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{why}</td></tr>",
                    esc(&fam.name),
                    mm_or_dash(fam.sizing_diameter_mm),
                    fam.sizing_diameter.label(),
                    num(f.size_mm),
                    f.compression_pct,
                    f.leak_mm,
                    esc(&f.leak_grade),
                    verdict_span(f.verdict)
                );
            }
            None => {
                // No size recommended: say so, and show the closest option
                // with what it fails.
                let closest = match (&fam.closest, fam.closest_fit()) {
                    (Some(c), Some(f)) => format!(
                        "<br><b>closest: {} mm</b> ({}, compression {:.1} %, leak {:.1} mm); \
                         fails: {}",
                        num(c.size_mm),
                        verdict_span(c.verdict),
                        f.compression_pct,
                        f.leak_mm,
                        esc(&c.failing.join("; "))
                    ),
                    _ => String::new(),
                };
                let _ = writeln!(
                    h,
                    "<tr class=\"none\"><td class=\"l\">{}</td><td>{} ({})</td><td>none</td><td></td><td></td>\
                     <td></td><td class=\"l\"><span class=\"fail\">{}</span></td><td class=\"l\">{why}{closest}</td></tr>",
                    esc(&fam.name),
                    mm_or_dash(fam.sizing_diameter_mm),
                    fam.sizing_diameter.label(),
                    fam.status.label()
                );
            }
        }
    }
    h.push_str("</table>\n");
    h
}

/// A "nice" tick step for a span (1, 2 or 5 times a power of ten).
fn tick_step(span: f64, target_ticks: f64) -> f64 {
    let raw = (span / target_ticks).max(1e-9);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

fn profile_svg(m: &LaaMeasurement, sizings: &[FamilySizing]) -> String {
    let (w, hgt, ml, mr, mt, mb) = (820.0, 380.0, 60.0, 150.0, 20.0, 45.0);
    if m.profile.is_empty() {
        return "<p class=\"note\">No diameter-versus-depth profile was measured.</p>\n".into();
    }
    let mut x0 = m.profile.iter().map(|s| s.depth_mm).fold(0.0, f64::min);
    let mut x1 = m
        .profile
        .iter()
        .map(|s| s.depth_mm)
        .fold(m.depth_mm, f64::max);
    if x1 - x0 < 1.0 {
        x0 -= 1.0;
        x1 += 1.0;
    }
    let y1 = m
        .profile
        .iter()
        .map(|s| s.contour.max_diameter_mm)
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max)
        * 1.1;
    let px = |x: f64| ml + (x - x0) / (x1 - x0) * (w - ml - mr);
    let py = |y: f64| mt + (1.0 - y / y1) * (hgt - mt - mb);
    let mut s = format!(
        "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{hgt}\" \
         viewBox=\"0 0 {w} {hgt}\" font-size=\"12\">\n"
    );
    // Grid and ticks.
    let xs = tick_step(x1 - x0, 10.0);
    let mut t = (x0 / xs).ceil() * xs;
    while t <= x1 + 1e-9 {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"#eee\"/>\
             <text x=\"{0:.1}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
            px(t),
            mt,
            hgt - mb,
            hgt - mb + 16.0,
            num(t)
        );
        t += xs;
    }
    let ys = tick_step(y1, 6.0);
    let mut t = 0.0;
    while t <= y1 + 1e-9 {
        let _ = writeln!(
            s,
            "<line x1=\"{0}\" y1=\"{1:.1}\" x2=\"{2}\" y2=\"{1:.1}\" stroke=\"#eee\"/>\
             <text x=\"{3}\" y=\"{4:.1}\" text-anchor=\"end\">{5}</text>",
            ml,
            py(t),
            w - mr,
            ml - 6.0,
            py(t) + 4.0,
            num(t)
        );
        t += ys;
    }
    let _ = writeln!(
        s,
        "<rect x=\"{ml}\" y=\"{mt}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">depth beyond the ostium plane (mm)</text>\
         <text transform=\"translate(16,{}) rotate(-90)\" text-anchor=\"middle\">diameter (mm)</text>",
        w - ml - mr,
        hgt - mt - mb,
        (ml + w - mr) / 2.0,
        hgt - 8.0,
        (mt + hgt - mb) / 2.0
    );
    // Markers: ostium, landing zones, tip.
    let mut marks: Vec<(f64, String, &str)> = vec![(0.0, "ostium".into(), "#000")];
    for fam in sizings {
        let d = fam.landing_zone_depth_mm;
        match marks
            .iter_mut()
            .find(|(x, _, _)| (*x - d).abs() < 1e-9 && *x != 0.0)
        {
            Some(mk) => mk.1.push_str(&format!(", {}", fam.family)),
            None => marks.push((d, format!("LZ {}", fam.family), "#7b1fa2")),
        }
    }
    marks.push((m.depth_mm, "tip".into(), "#555"));
    let last = marks.len() - 1;
    for (k, (d, label, colour)) in marks.iter().enumerate() {
        if *d < x0 || *d > x1 {
            continue;
        }
        // The tip sits at the right edge: label it on the left of its line.
        let (lx, anchor) = if k == last {
            (px(*d) - 3.0, "end")
        } else {
            (px(*d) + 3.0, "start")
        };
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"{3}\" \
             stroke-dasharray=\"5,4\"/><text x=\"{4:.1}\" y=\"{5}\" fill=\"{3}\" \
             text-anchor=\"{anchor}\">{6}</text>",
            px(*d),
            mt,
            hgt - mb,
            colour,
            lx,
            mt + 14.0 + 14.0 * k as f64,
            esc(label)
        );
    }
    type Series = (&'static str, &'static str, fn(&Contour) -> f64);
    let series: [Series; 3] = [
        ("maximum", "#c62828", |c| c.max_diameter_mm),
        ("minimum", "#1565c0", |c| c.min_diameter_mm),
        ("perimeter-derived", "#2e7d32", |c| c.perimeter_diameter_mm),
    ];
    for (k, (name, colour, f)) in series.iter().enumerate() {
        let pts: Vec<String> = m
            .profile
            .iter()
            .filter(|p| f(&p.contour).is_finite())
            .map(|p| format!("{:.1},{:.1}", px(p.depth_mm), py(f(&p.contour))))
            .collect();
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\
             <line x1=\"{2}\" y1=\"{3}\" x2=\"{4}\" y2=\"{3}\" stroke=\"{colour}\" stroke-width=\"2\"/>\
             <text x=\"{5}\" y=\"{6}\">{1}</text>",
            pts.join(" "),
            name,
            w - mr + 10.0,
            mt + 20.0 + 18.0 * k as f64,
            w - mr + 30.0,
            w - mr + 34.0,
            mt + 24.0 + 18.0 * k as f64
        );
    }
    s.push_str("</svg>\n");
    s
}

/// In-plane coordinates of a contour: x along its maximum diameter.
fn flatten(c: &Contour) -> (Vec<[f64; 2]>, V3, V3) {
    let e1 = unit(c.max_axis);
    let e2 = unit(cross(c.normal, e1));
    let pts = c
        .points
        .iter()
        .map(|p| {
            let r = sub(*p, c.center);
            [dot(r, e1), dot(r, e2)]
        })
        .collect();
    (pts, e1, e2)
}

/// The two farthest points, and the narrowest strip's direction with the
/// extent (lo, hi) of the points along it.
type Strip = ([f64; 2], f64, f64);
fn diameters(pts: &[[f64; 2]]) -> ([[f64; 2]; 2], Strip) {
    // Sample large loops: the drawing needs pixels, not microns.
    let stride = (pts.len() / 400).max(1);
    let s: Vec<[f64; 2]> = pts.iter().step_by(stride).copied().collect();
    let mut far = ([[0.0; 2]; 2], -1.0);
    for i in 0..s.len() {
        for j in i + 1..s.len() {
            let d = (s[i][0] - s[j][0]).hypot(s[i][1] - s[j][1]);
            if d > far.1 {
                far = ([s[i], s[j]], d);
            }
        }
    }
    let mut narrow = ([1.0, 0.0], 0.0, 0.0, f64::INFINITY);
    for k in 0..360 {
        let a = std::f64::consts::PI * k as f64 / 360.0;
        let d = [a.cos(), a.sin()];
        let (lo, hi) = s
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                let t = p[0] * d[0] + p[1] * d[1];
                (lo.min(t), hi.max(t))
            });
        if hi - lo < narrow.3 {
            narrow = (d, lo, hi, hi - lo);
        }
    }
    (far.0, (narrow.0, narrow.1, narrow.2))
}

fn contour_panels(m: &LaaMeasurement, sizings: &[FamilySizing]) -> String {
    let mut panels: Vec<(String, &Contour, Option<&FamilySizing>)> =
        vec![("Ostium".to_string(), &m.ostium, None)];
    for fam in sizings {
        if let Some(lz) = &fam.landing_zone {
            panels.push((
                format!(
                    "{}: landing zone {} mm",
                    fam.name,
                    num(fam.landing_zone_depth_mm)
                ),
                lz,
                Some(fam),
            ));
        }
    }
    // One scale for all panels so sizes compare by eye.
    let mut extent: f64 = 1.0;
    for (_, c, fam) in &panels {
        for p in &c.points {
            extent = extent.max(crate::mesh::geometry::dist(*p, c.center));
        }
        if let Some(f) = fam.and_then(|f| f.recommended_fit()) {
            extent = extent.max(f.size_mm / 2.0);
        }
    }
    extent *= 1.15;
    let size = 300.0;
    let sc = size / 2.0 / extent;
    let mut h = String::new();
    for (title, c, fam) in &panels {
        let (pts, e1, e2) = flatten(c);
        let tx = |p: [f64; 2]| (size / 2.0 + p[0] * sc, size / 2.0 + 10.0 - p[1] * sc);
        let _ = write!(
            h,
            "<svg class=\"panel\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{}\" \
             viewBox=\"0 0 {size} {}\" font-size=\"11\">\n<text x=\"6\" y=\"14\" \
             font-weight=\"600\">{}</text>\n",
            size + 20.0,
            size + 20.0,
            esc(title)
        );
        if pts.len() < 3 {
            h.push_str("<text x=\"20\" y=\"60\">degenerate contour</text></svg>\n");
            continue;
        }
        let poly: Vec<String> = pts
            .iter()
            .map(|p| {
                let (x, y) = tx(*p);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = writeln!(
            h,
            "<polygon points=\"{}\" fill=\"#fde9e7\" stroke=\"#444\" stroke-width=\"1.5\"/>",
            poly.join(" ")
        );
        h.push_str(&orientation_and_scale(e1, e2, sc, size));
        let (far, (d, lo, hi)) = diameters(&pts);
        let (ax, ay) = tx(far[0]);
        let (bx, by) = tx(far[1]);
        let _ = writeln!(
            h,
            "<line x1=\"{ax:.1}\" y1=\"{ay:.1}\" x2=\"{bx:.1}\" y2=\"{by:.1}\" stroke=\"#c62828\" \
             stroke-width=\"2\"/><text x=\"6\" y=\"{}\" fill=\"#c62828\">max {:.1} mm</text>",
            size + 2.0,
            c.max_diameter_mm
        );
        // Drawn through the centroid, across the narrowest strip.
        let (mx0, my0) = tx([lo * d[0], lo * d[1]]);
        let (mx1, my1) = tx([hi * d[0], hi * d[1]]);
        let _ = writeln!(
            h,
            "<line x1=\"{mx0:.1}\" y1=\"{my0:.1}\" x2=\"{mx1:.1}\" y2=\"{my1:.1}\" stroke=\"#1565c0\" \
             stroke-width=\"2\"/><text x=\"6\" y=\"{}\" fill=\"#1565c0\">min {:.1} mm</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#2e7d32\">perimeter-D {:.1} mm</text>",
            size + 16.0,
            c.min_diameter_mm,
            size - 6.0,
            size + 16.0,
            c.perimeter_diameter_mm
        );
        if let Some(f) = fam.and_then(|f| f.recommended_fit()) {
            let r = sub(f.center, c.center);
            let (cx, cy) = tx([dot(r, e1), dot(r, e2)]);
            let _ = writeln!(
                h,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{:.1}\" fill=\"none\" stroke=\"#2e7d32\" \
                 stroke-width=\"2\" stroke-dasharray=\"6,4\"/><text x=\"{}\" y=\"30\" \
                 text-anchor=\"end\" fill=\"#2e7d32\">device {} mm</text>",
                f.size_mm / 2.0 * sc,
                size - 6.0,
                num(f.size_mm)
            );
            if let Some(p) = f.leak_at {
                let r = sub(p, c.center);
                let (lx, ly) = tx([dot(r, e1), dot(r, e2)]);
                let _ = writeln!(
                    h,
                    "<circle cx=\"{lx:.1}\" cy=\"{ly:.1}\" r=\"4\" fill=\"#ef6c00\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#ef6c00\">gap {:.1} mm</text>",
                    lx + 6.0,
                    ly - 6.0,
                    f.leak_mm
                );
            }
        }
        h.push_str("</svg>\n");
    }
    h
}

/// The ostium and each family's own landing zone (at the depth the family
/// is sized at: one landing-zone definition per family, the same in the
/// tables, the plot and the sizing), then the depths.
/// The anatomical direction a unit vector points to, as if the mesh were in
/// LPS axes (+x left, +y posterior, +z superior): the letters of its
/// components larger than cos 67.5°, largest first ("L", "S", "PS").
pub fn lps_direction(v: V3) -> String {
    let letters = [('L', 'R'), ('P', 'A'), ('S', 'I')];
    let mut parts: Vec<(f64, char)> = (0..3)
        .filter(|&k| v[k].abs() >= 0.38)
        .map(|k| {
            let (pos, neg) = letters[k];
            (v[k].abs(), if v[k] >= 0.0 { pos } else { neg })
        })
        .collect();
    parts.sort_by(|a, b| b.0.total_cmp(&a.0));
    parts.into_iter().map(|(_, c)| c).collect()
}

/// A panel's orientation labels (the anatomical directions of its right and
/// up edges) and a 10 mm scale bar, for a panel `size` px wide drawn at `sc`
/// px per mm with in-plane axes `e1` (right) and `e2` (up).
fn orientation_and_scale(e1: V3, e2: V3, sc: f64, size: f64) -> String {
    let neg = |v: V3| [-v[0], -v[1], -v[2]];
    let (right, left, up, down) = (
        lps_direction(e1),
        lps_direction(neg(e1)),
        lps_direction(e2),
        lps_direction(neg(e2)),
    );
    let mid = size / 2.0 + 10.0;
    let bar = 10.0 * sc;
    format!(
        "<g fill=\"#555\" font-size=\"11\" font-weight=\"600\">\
         <text x=\"{:.1}\" y=\"{mid:.1}\" text-anchor=\"end\">{right}</text>\
         <text x=\"4\" y=\"{mid:.1}\">{left}</text>\
         <text x=\"{:.1}\" y=\"30\" text-anchor=\"middle\">{up}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{down}</text></g>\n\
         <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">10 mm</text>\n",
        size - 4.0,
        size / 2.0,
        size / 2.0,
        size - 14.0,
        size - 8.0 - bar,
        size - 24.0,
        size - 8.0,
        size - 24.0,
        size - 8.0 - bar / 2.0,
        size - 28.0
    )
}

fn measurement_table(m: &LaaMeasurement, sizings: &[FamilySizing]) -> String {
    let mut h = String::from(
        "<table><tr><th class=\"l\">contour</th><th>depth (mm)</th><th>max</th><th>min</th>\
         <th>perimeter-D</th><th>area-D</th><th>perimeter</th><th>area (mm²)</th></tr>\n",
    );
    let mut rows: Vec<(String, f64, &Contour)> = vec![("ostium".to_string(), 0.0, &m.ostium)];
    for fam in sizings {
        let Some(lz) = &fam.landing_zone else {
            continue;
        };
        match rows
            .iter_mut()
            .skip(1)
            .find(|(_, d, _)| (*d - fam.landing_zone_depth_mm).abs() < 1e-9)
        {
            Some(row) => row.0.push_str(&format!(", {}", fam.name)),
            None => rows.push((
                format!("landing zone: {}", fam.name),
                fam.landing_zone_depth_mm,
                lz,
            )),
        }
    }
    for (name, depth, c) in rows {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td>\
             <td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
            esc(&name),
            depth,
            c.max_diameter_mm,
            c.min_diameter_mm,
            c.perimeter_diameter_mm,
            c.area_diameter_mm,
            c.perimeter_mm,
            c.area_mm2
        );
    }
    let bend = match &m.bend {
        Some(b) => format!(
            "First bend: {:.0}°, starting {:.1} mm beyond the ostium along the deployment axis \
             (the ostium normal); devices are sized against this depth.",
            b.angle_deg, b.depth_mm
        ),
        None => format!(
            "No bend of more than {:.0}° from the deployment axis: devices are sized against \
             the depth to the tip.",
            super::bend::BEND_THRESHOLD_DEG
        ),
    };
    let _ = writeln!(
        h,
        "</table><p>Depth from the ostium plane to the tip: {}{:.1} mm. {bend} Diameters in mm.</p>",
        if m.truncated { "at least " } else { "" },
        m.depth_mm
    );
    h
}

fn family_section(fam: &FamilySizing) -> String {
    let mut h = format!(
        "<div class=\"screen\"><h2>{}</h2>\n<p>Sized by the {} of the landing zone {} mm beyond \
         the ostium: {} mm. Outcome: <b>{}</b>.</p>\n<ul>",
        esc(&fam.name),
        fam.sizing_diameter.label(),
        num(fam.landing_zone_depth_mm),
        mm_or_dash(fam.sizing_diameter_mm),
        fam.status.label()
    );
    for r in &fam.reasons {
        let _ = write!(h, "<li>{}</li>", esc(r));
    }
    h.push_str("</ul>\n");
    if !fam.fits.is_empty() {
        h.push_str(
            "<table><tr><th>size (mm)</th><th>compression</th><th>range</th><th>in range</th>\
             <th>leak (mm)</th><th class=\"l\">grade</th><th>ostium coverage</th>\
             <th>length / room (mm)</th><th>protrusion (mm)</th><th class=\"l\">Position</th>\
             <th class=\"l\">Anchor</th><th class=\"l\">Size</th><th class=\"l\">Seal</th>\
             <th class=\"l\">verdict</th></tr>\n",
        );
        for f in &fam.fits {
            let rec = fam.recommended_mm == Some(f.size_mm);
            let closest = fam.closest.as_ref().is_some_and(|c| c.size_mm == f.size_mm);
            let _ = writeln!(
                h,
                "<tr{}><td>{}{}</td><td>{:.1} %</td><td>{:.0}-{:.0} %</td><td>{}</td><td>{:.1}</td>\
                 <td class=\"l\">{}</td><td>{:.0} %</td><td>{} / {:.1}</td><td>{:.1}</td>\
                 <td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td>\
                 <td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                if rec {
                    " class=\"rec\""
                } else if closest {
                    " class=\"closest\""
                } else {
                    ""
                },
                num(f.size_mm),
                if rec {
                    " ★"
                } else if closest {
                    " (closest)"
                } else {
                    ""
                },
                f.compression_pct,
                f.compression_range_pct[0],
                f.compression_range_pct[1],
                if f.in_range { "yes" } else { "no" },
                f.leak_mm,
                esc(&f.leak_grade),
                f.ostium_coverage * 100.0,
                num(f.device_length_mm),
                f.usable_depth_mm,
                f.protrusion_mm,
                verdict_span(f.criteria.position.verdict),
                verdict_span(f.criteria.anchor.verdict),
                verdict_span(f.criteria.size.verdict),
                verdict_span(f.criteria.seal.verdict),
                verdict_span(f.verdict)
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(f) = fam.recommended_fit().or_else(|| fam.closest_fit()) {
        let _ = write!(
            h,
            "<p>Why the {} {} mm device gets {}:</p><ul>",
            if fam.recommended_mm.is_some() {
                "recommended"
            } else {
                "closest (not recommended)"
            },
            num(f.size_mm),
            verdict_span(f.verdict)
        );
        for r in &f.reasons {
            let _ = write!(h, "<li>{}</li>", esc(r));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</div>\n");
    h
}

fn inputs_table(input: &ReportInput) -> String {
    let m = input.measurement;
    let rows = [
        ("mesh", input.mesh_path.display().to_string()),
        ("mesh SHA-256", input.mesh_sha256.clone()),
        ("device catalog", input.catalog.path.display().to_string()),
        ("catalog SHA-256", input.catalog_sha256.clone()),
        ("appendage found by", m.found_by.clone()),
        (
            "tip (mm)",
            format!("{:.2}, {:.2}, {:.2}", m.tip[0], m.tip[1], m.tip[2]),
        ),
        ("cardiotwin", crate::VERSION.to_string()),
    ];
    let mut h = String::from("<h2>Inputs</h2>\n<table>");
    for (k, v) in rows {
        let _ = write!(
            h,
            "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>",
            esc(&v)
        );
    }
    h.push_str(
        "</table>\n<p class=\"note\">A planning aid computed from geometry alone. Device \
         data come from the catalog above; check them against the current instructions for use.</p>\n",
    );
    h
}
