//! What a scenario asks for that the mesh or the numerics would otherwise
//! drop, guess or override without a word: each check either refuses the
//! scenario (an error message) or reports a [`Warning`] with the remedy.
//! [`crate::run::prepare`] runs the checks that need the mesh; [`after_run`]
//! those that need the result. Warnings end up on stderr, in summary.json
//! and in `run --json`.

use crate::mesh::io::ArrayInfo;
use crate::mesh::{seams, ElementKind, Mesh};
use crate::physics::fem::ElementConductivity;
use crate::physics::model::AlievPanfilov;
use crate::physics::stability::ACCURACY_CAP_MS;
use crate::scenario::{RegionSelector, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;

/// Something the run does differently from what the scenario seems to ask,
/// or a result that is not what it looks like. `code` is stable (for
/// scripts); `message` says what happened and what to change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

impl Warning {
    fn new(code: &'static str, message: String) -> Self {
        Warning { code, message }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

/// Every tag a `[[conduction]]` entry names must be a region of the mesh:
/// otherwise the entry (often a scar) silently applies to nothing.
pub fn conduction_regions_exist(scenario: &Scenario, mesh_tags: &[i32]) -> Result<(), String> {
    for (i, c) in scenario.conduction.iter().enumerate() {
        let RegionSelector::Tags(tags) = &c.regions else {
            continue;
        };
        let absent: Vec<i32> = tags
            .iter()
            .copied()
            .filter(|t| !mesh_tags.contains(t))
            .collect();
        if !absent.is_empty() {
            let what = if c.conducting { "" } else { " (scar)" };
            return Err(format!(
                "conduction[{i}]{what}.regions names {absent:?}, which the mesh does not have \
                 (its regions are {mesh_tags:?}{}); the entry would apply to nothing. \
                 Use the mesh's tags, or set mesh.region_array to the array that holds yours",
                match &scenario.mesh.region_array {
                    Some(name) => format!(", read from cell array '{name}'"),
                    None => String::new(),
                }
            ));
        }
    }
    Ok(())
}

/// For each region tag, the index of the `[[conduction]]` entry that
/// applies (the last one that names it). Tags without an entry are absent.
pub fn winning_entries(scenario: &Scenario, mesh_tags: &[i32]) -> BTreeMap<i32, usize> {
    mesh_tags
        .iter()
        .filter_map(|&tag| {
            scenario
                .conduction
                .iter()
                .rposition(|c| c.regions.matches(tag))
                .map(|i| (tag, i))
        })
        .collect()
}

/// An entry that applies to no region because later entries override it
/// everywhere has no effect.
pub fn overridden_entries(scenario: &Scenario, winners: &BTreeMap<i32, usize>) -> Vec<Warning> {
    let mut out = Vec::new();
    for (i, c) in scenario.conduction.iter().enumerate() {
        if winners.values().any(|&w| w == i) {
            continue;
        }
        let by: Vec<String> = winners
            .iter()
            .filter(|(&tag, _)| c.regions.matches(tag))
            .map(|(_, &w)| format!("conduction[{w}]"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        out.push(Warning::new(
            "conduction_entry_overridden",
            format!(
                "conduction[{i}] has no effect: {} set every region it names (the last entry \
                 naming a region wins); remove it or move it after them",
                by.join(", ")
            ),
        ));
    }
    out
}

/// Anisotropic conduction needs fibres. Elements without a fibre direction
/// conduct isotropically at d_t; a fibre array the reader does not take
/// (another name, or point data) is refused, everything else is a warning.
pub fn fibres(
    scenario: &Scenario,
    mesh: &Mesh,
    cond: &[ElementConductivity],
    winners: &BTreeMap<i32, usize>,
    file_arrays: &[ArrayInfo],
) -> Result<Vec<Warning>, String> {
    let mut out = Vec::new();
    let mesh_file = scenario.mesh.file.display();
    for (i, _) in scenario.conduction.iter().enumerate() {
        let tags: Vec<i32> = winners
            .iter()
            .filter(|(_, &w)| w == i)
            .map(|(&t, _)| t)
            .collect();
        let elements: Vec<usize> = (0..mesh.element_count())
            .filter(|&e| tags.contains(&mesh.regions[e]))
            .collect();
        let Some(&first) = elements.first() else {
            continue;
        };
        let ElementConductivity { d_l, d_t } = cond[first];
        if (d_l - d_t).abs() <= 1e-12 * d_l.max(d_t) {
            continue;
        }
        let without: usize = match &mesh.fibres {
            None => elements.len(),
            Some(f) => elements.iter().filter(|&&e| f[e] == [0.0; 3]).count(),
        };
        if without == 0 {
            continue;
        }
        let candidates: Vec<String> = file_arrays
            .iter()
            .filter(|a| a.name.to_ascii_lowercase().contains("fib"))
            .map(|a| {
                format!(
                    "{} array '{}' ({} component{})",
                    if a.on_cells { "cell" } else { "point" },
                    a.name,
                    a.components,
                    if a.components == 1 { "" } else { "s" }
                )
            })
            .collect();
        if mesh.fibres.is_none() && !candidates.is_empty() {
            return Err(format!(
                "conduction[{i}] asks for anisotropic conduction (d_l = {d_l:.4}, d_t = {d_t:.4} \
                 mm^2/ms), but fibres are read only from a 3-component cell array named \
                 'fibres' or 'fibers', and {mesh_file} has {} instead: the run would conduct \
                 isotropically at d_t. Rename the array (point data: convert it to cell data, \
                 e.g. ParaView's Point Data to Cell Data), or give sigma_l = sigma_t for \
                 isotropic conduction",
                candidates.join(", ")
            ));
        }
        let percent = 100.0 * without as f64 / elements.len() as f64;
        out.push(Warning::new(
            "anisotropy_without_fibres",
            format!(
                "conduction[{i}] gives d_l = {d_l:.4} and d_t = {d_t:.4} mm^2/ms, but {without} \
                 of its {} elements ({percent:.0} %) have no fibre direction{}: they conduct \
                 isotropically at d_t. Add fibres (a 3-component cell array 'fibres'), or \
                 give sigma_l = sigma_t to make isotropy explicit",
                elements.len(),
                if mesh.fibres.is_none() {
                    format!(" ({mesh_file} has none)")
                } else {
                    String::new()
                }
            ),
        ));
    }
    Ok(out)
}

/// The largest slower-direction diffusivity min(d_l, d_t) (mm^2/ms) of the
/// excitable elements around each node. The size check uses it so that it
/// never warns about a stimulus that works (N-version slab: a 1.5 mm corner
/// cube, d_l = 1, d_t = 0.25 mm^2/ms, 10 ms); judged at d_l it would.
fn node_diffusivity(mesh: &Mesh, cond: &[ElementConductivity], excitable: &[bool]) -> Vec<f64> {
    let mut d = vec![0.0f64; mesh.node_count()];
    for (e, el) in mesh.elements_iter().enumerate() {
        if !excitable[e] {
            continue;
        }
        let de = cond[e].d_l.min(cond[e].d_t);
        for &n in el {
            d[n as usize] = d[n as usize].max(de);
        }
    }
    d
}

/// The front that leaves a stimulated region is as curved as the region:
/// the semi-axes of the ellipsoid that bounds its nodes (infinite along an
/// axis the region spans from wall to wall; the whole extent along an axis
/// where it touches one wall, which mirrors it), each grown by `spread_mm`,
/// how far diffusion carries the depolarisation while the stimulus is on.
/// On a surface the smallest semi-axis (across the sheet) is dropped.
/// Returns the sum of principal curvatures at the flattest point of that
/// ellipsoid (1/mm; 0: planar) and the number of curved directions.
fn front_curvature(
    mesh: &Mesh,
    nodes: &[usize],
    tolerance_mm: f64,
    spread_mm: f64,
) -> (f64, usize) {
    let (lo, hi) = mesh.bounding_box();
    let mut s_lo = [f64::INFINITY; 3];
    let mut s_hi = [f64::NEG_INFINITY; 3];
    for &n in nodes {
        for d in 0..3 {
            s_lo[d] = s_lo[d].min(mesh.nodes[n][d]);
            s_hi[d] = s_hi[d].max(mesh.nodes[n][d]);
        }
    }
    let mut semi: Vec<f64> = (0..3)
        .map(|d| {
            let touches_lo = s_lo[d] <= lo[d] + tolerance_mm;
            let touches_hi = s_hi[d] >= hi[d] - tolerance_mm;
            match (touches_lo, touches_hi) {
                (true, true) => f64::INFINITY,
                (true, false) | (false, true) => s_hi[d] - s_lo[d],
                (false, false) => 0.5 * (s_hi[d] - s_lo[d]),
            }
        })
        .collect();
    for s in semi.iter_mut() {
        *s += spread_mm;
    }
    if mesh.kind == ElementKind::Triangle {
        // Across the sheet: the flattest axis of the mesh when the mesh is
        // flat, else the region's own thinnest axis.
        let flat = (0..3).find(|&d| hi[d] - lo[d] <= tolerance_mm);
        let drop = flat.unwrap_or_else(|| {
            (0..3)
                .min_by(|&a, &b| semi[a].total_cmp(&semi[b]))
                .expect("three axes")
        });
        semi.remove(drop);
    }
    semi.sort_by(f64::total_cmp);
    let s1 = semi[0];
    if !s1.is_finite() {
        return (0.0, semi.len() - 1);
    }
    let kappa = semi[1..]
        .iter()
        .filter(|s| s.is_finite())
        .map(|s| s1 / (s * s))
        .sum();
    (kappa, semi.len() - 1)
}

/// A stimulated region smaller than the critical radius n D / c launches a
/// front whose speed c - D kappa is not positive: it dies out (PHYSICS.md).
/// Calibrated on a 24 mm cube (0.6 mm spacing), D = 1 mm^2/ms, 2 ms pulses:
/// spheres of radius 1 to 3 mm die and are warned about, 5 mm propagate and
/// are not; 4 mm dies and sits at the margin. With 10 ms pulses 4 mm
/// propagates and is not warned about.
pub fn stimulus_size(
    model: &AlievPanfilov,
    scenario: &Scenario,
    mesh: &Mesh,
    cond: &[ElementConductivity],
    excitable: &[bool],
    selections: &[Vec<usize>],
    tolerance_mm: f64,
) -> Vec<Warning> {
    let d_node = node_diffusivity(mesh, cond, excitable);
    let mut out = Vec::new();
    for (s, nodes) in selections.iter().enumerate() {
        let d = nodes.iter().map(|&n| d_node[n]).fold(0.0, f64::max);
        if d <= 0.0 {
            continue;
        }
        let spread = (d * scenario.stimulus[s].duration_ms).sqrt();
        let (kappa, curved) = front_curvature(mesh, nodes, tolerance_mm, spread);
        let c = model.planar_speed_mm_per_ms(d);
        if kappa <= 0.0 || c - d * kappa > 0.0 {
            continue;
        }
        let n = curved as f64;
        let critical = n * d / c;
        out.push(Warning::new(
            "stimulus_below_critical_size",
            format!(
                "stimulus[{s}] is smaller than the critical radius {n} D / c = {critical:.2} mm \
                 (D = {d:.3} mm^2/ms, plane-wave speed c = {c:.3} mm/ms): its {} nodes, with \
                 the spread of its pulse, launch a front as curved as a radius of {:.2} mm, \
                 and a front of radius r travels at c - {n} D / r, so the wave will likely \
                 die out. Enlarge the stimulus to a radius of at least {:.1} mm",
                nodes.len(),
                n / kappa,
                1.5 * critical
            ),
        ));
    }
    out
}

/// Coincident nodes that share no element split the mesh along a seam.
pub fn seam_nodes(mesh: &Mesh) -> Option<Warning> {
    let found = seams::coincident_nodes(mesh);
    (found.duplicates > 0).then(|| {
        Warning::new(
            "coincident_nodes",
            format!(
                "{} mesh nodes lie on another node (within {:.1e} mm) without sharing an \
                 element with it: the mesh is split along seams that a wave cannot cross. \
                 Merge coincident nodes before running (e.g. ParaView's Clean filter, or \
                 meshio/pyvista `clean()` with a small tolerance)",
                found.duplicates, found.tolerance_mm
            ),
        )
    })
}

/// Pulse trains cut short by the end of the run.
pub fn pulses_after_end(scenario: &Scenario) -> Vec<Warning> {
    let end = scenario.time.duration_ms;
    let mut out = Vec::new();
    for (i, s) in scenario.stimulus.iter().enumerate() {
        if s.period_ms <= 0.0 || s.count <= 1 {
            continue;
        }
        let within = (0..s.count)
            .take_while(|&k| s.start_ms + k as f64 * s.period_ms < end)
            .count();
        if within < s.count as usize {
            out.push(Warning::new(
                "pulses_after_end",
                format!(
                    "stimulus[{i}]: only {within} of its {} pulses start before the end of the \
                     run ({end} ms); lengthen time.duration_ms to at least {} ms or lower count",
                    s.count,
                    s.start_ms + (s.count - 1) as f64 * s.period_ms + s.duration_ms
                ),
            ));
        }
    }
    out
}

/// Output intervals that dt does not divide are rounded to a whole number
/// of steps; intervals longer than the run give one sample.
pub fn output_intervals(scenario: &Scenario, dt_ms: f64) -> Vec<Warning> {
    let o = &scenario.output;
    let end = scenario.time.duration_ms;
    let mut out = Vec::new();
    let mut check = |name: &str, asked: f64, used: bool| {
        if !used {
            return;
        }
        let steps = ((asked / dt_ms).round()).max(1.0);
        // Rounded to 9 decimals so that 33 x 0.015 prints as 0.495.
        let actual = (steps * dt_ms * 1e9).round() / 1e9;
        if (actual - asked).abs() > 1e-6 * asked {
            out.push(Warning::new(
                "output_interval_rounded",
                format!(
                    "output.{name} = {asked} ms is not a whole number of time steps \
                     (dt = {dt_ms} ms): it is rounded to {actual} ms; give a dt that divides \
                     it, or dt_ms = \"auto\""
                ),
            ));
        }
        if asked > end {
            out.push(Warning::new(
                "output_interval_beyond_run",
                format!(
                    "output.{name} = {asked} ms is longer than the run ({end} ms): only the \
                     sample at t = 0 is written; give a shorter interval"
                ),
            ));
        }
    };
    check("probe_every_ms", o.probe_every_ms, !o.probes.is_empty());
    check(
        "snapshot_every_ms",
        o.snapshot_every_ms,
        o.snapshot_every_ms > 0.0,
    );
    out
}

/// A fixed dt that is stable but coarser than the step at which the
/// upstroke is resolved gives late, mesh-independent errors in activation.
pub fn coarse_dt(scenario: &Scenario) -> Option<Warning> {
    let dt = scenario.fixed_dt()?;
    (dt > ACCURACY_CAP_MS).then(|| {
        Warning::new(
            "coarse_time_step",
            format!(
                "time.dt_ms = {dt} ms is stable but above {ACCURACY_CAP_MS} ms, the step at \
                 which forward Euler resolves the upstroke to about 1 % in activation time; \
                 expect less accurate activation times, or use dt_ms = \"auto\""
            ),
        )
    })
}

/// Checks on a finished run: nothing activated, or the run ended while the
/// front was still moving (so the activation map is incomplete).
/// `excitable` is per mesh node; `lat_ms` and `final_vm_mv` are in mesh order.
pub fn after_run(
    mesh: &Mesh,
    excitable: &[bool],
    lat_ms: &[f64],
    final_vm_mv: &[f64],
    lat_threshold_mv: f64,
    end_ms: f64,
) -> Vec<Warning> {
    let activated = lat_ms.iter().filter(|t| t.is_finite()).count();
    if activated == 0 {
        return vec![Warning::new(
            "no_activation",
            "no node activated. The stimuli may be too weak or too small: a stimulated \
             region much narrower than the front width (sqrt(2 D 12.9 / k) mm) loses its \
             charge to diffusion before it reaches threshold; try a larger region or a \
             stronger stimulus (e.g. 100 mV/ms for 2 ms)"
                .to_string(),
        )];
    }
    // The front is still moving when a depolarised node shares an element
    // with an excitable node that has not activated yet.
    let excited = |n: usize| lat_ms[n].is_finite() && final_vm_mv[n] > lat_threshold_mv;
    let waiting = |n: usize| excitable[n] && !lat_ms[n].is_finite();
    let moving = mesh.elements_iter().any(|el| {
        el.iter().any(|&n| excited(n as usize)) && el.iter().any(|&n| waiting(n as usize))
    });
    if !moving {
        return Vec::new();
    }
    let total = excitable.iter().filter(|&&e| e).count().max(1);
    let done = (0..mesh.node_count())
        .filter(|&n| excitable[n] && lat_ms[n].is_finite())
        .count();
    let last = lat_ms
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    vec![Warning::new(
        "activation_incomplete",
        format!(
            "the run ended at {end_ms} ms before activation completed: the front was still \
             moving and {:.1} % of the excitable nodes had activated (latest so far at \
             {last:.1} ms); nodes not yet reached have no activation time. Lengthen \
             time.duration_ms",
            100.0 * done as f64 / total as f64
        ),
    )]
}
