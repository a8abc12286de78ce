//! One simulation from a scenario: load the mesh, reorder it, assemble the
//! operator, pick dt, build the [`Problem`], time-step on a backend, and
//! hand results back in the mesh's own node order.
//!
//! [`prepare`] and [`simulate`] work in memory (tests use them directly);
//! [`crate::output::results`] writes the files.

use crate::mesh::{io, reorder, Mesh};
use crate::physics::fem::{self, ElementConductivity};
use crate::physics::stability::{self, TimeStepLimits};
use crate::physics::units;
use crate::scenario::Scenario;
use crate::scenario_checks::{self as checks, Warning};
use crate::solver::problem::{StimulusProtocol, FLAG_INERT, NO_TIME};
use crate::solver::{Backend, Problem};
use crate::{Error, Result};

/// A scenario made ready to run.
pub struct Prepared {
    /// The mesh in the file's node order, coordinates in mm.
    pub mesh: Mesh,
    /// Solver order: solver node `i` is mesh node `order[i]` (RCM).
    pub order: Vec<u32>,
    pub problem: Problem,
    pub limits: TimeStepLimits,
    /// Number of steps to reach the scenario's duration.
    pub total_steps: u64,
    /// Nodes selected by each stimulus.
    pub stimulus_nodes: Vec<usize>,
    /// For each probe: (mesh node index, distance from the asked point, mm).
    pub probes: Vec<(usize, f64)>,
    /// Steps between snapshots (0: none).
    pub snapshot_every_steps: u64,
    /// Per mesh node: touched by an excitable element.
    pub excitable_nodes: Vec<bool>,
    /// What the run will do differently from what the scenario seems to ask
    /// (see [`crate::scenario_checks`]); print them before stepping.
    pub warnings: Vec<Warning>,
}

impl Prepared {
    /// A per-solver-node vector put back into mesh node order.
    pub fn to_mesh_order(&self, solver_values: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; solver_values.len()];
        for (new, &old) in self.order.iter().enumerate() {
            out[old as usize] = solver_values[new];
        }
        out
    }
}

/// Load the scenario's mesh (scaled to mm) and prepare.
pub fn prepare(scenario: &Scenario) -> Result<Prepared> {
    let path = scenario.resolve(&scenario.mesh.file);
    let opencarp_base =
        path.with_extension("pts").is_file() || path.with_extension("elem").is_file();
    if !path.is_file() && !opencarp_base {
        return Err(scenario_error(
            scenario,
            format!(
                "mesh.file = {:?}: no such file (looked for {}; paths are relative to the scenario file)",
                scenario.mesh.file,
                path.display()
            ),
        ));
    }
    let opts = io::LoadOptions {
        region_array: scenario.mesh.region_array.clone(),
        scale: scenario.mesh.scale,
        ..Default::default()
    };
    let (mesh, file_arrays) = io::load_listing(&path, &opts)?;
    prepare_checked(scenario, mesh, &file_arrays)
}

fn scenario_error(scenario: &Scenario, message: String) -> Error {
    Error::Scenario {
        path: scenario.source.clone(),
        message,
    }
}

/// Per-element diffusivities from the [[conduction]] entries (the last entry
/// that names an element's region wins), and which elements conduct at all.
fn element_conductivities(
    scenario: &Scenario,
    mesh: &Mesh,
) -> Result<(Vec<ElementConductivity>, Vec<bool>)> {
    let mut by_tag = std::collections::BTreeMap::new();
    let mut missing = Vec::new();
    for tag in mesh.region_tags() {
        let entry = scenario
            .conduction
            .iter()
            .enumerate()
            .rev()
            .find(|(_, c)| c.regions.matches(tag));
        match entry {
            Some((i, c)) => {
                let (d_l, d_t) = c
                    .diffusivities(&format!("conduction[{i}]"))
                    .map_err(|m| scenario_error(scenario, m))?;
                by_tag.insert(tag, (ElementConductivity { d_l, d_t }, c.conducting));
            }
            None => missing.push(tag),
        }
    }
    if !missing.is_empty() {
        return Err(scenario_error(
            scenario,
            format!(
                "mesh regions {missing:?} have no [[conduction]] entry \
                 (the mesh has regions {:?}); add one, or use regions = \"all\"",
                mesh.region_tags()
            ),
        ));
    }
    let mut cond = Vec::with_capacity(mesh.element_count());
    let mut excitable = Vec::with_capacity(mesh.element_count());
    for &tag in &mesh.regions {
        let (c, e) = by_tag[&tag];
        cond.push(c);
        excitable.push(e);
    }
    Ok((cond, excitable))
}

/// Nodes selected by stimulus `s` (mesh order).
fn stimulus_selection(scenario: &Scenario, mesh: &Mesh, s: usize) -> Result<Vec<usize>> {
    let st = &scenario.stimulus[s];
    let nodes: Vec<usize> = if let Some(b) = &st.box_ {
        (0..mesh.node_count())
            .filter(|&i| {
                (0..3).all(|d| mesh.nodes[i][d] >= b.min[d] && mesh.nodes[i][d] <= b.max[d])
            })
            .collect()
    } else if let Some(sp) = &st.sphere {
        (0..mesh.node_count())
            .filter(|&i| crate::mesh::geometry::dist(mesh.nodes[i], sp.center) <= sp.radius)
            .collect()
    } else if let Some(vtx) = &st.vtx {
        let path = scenario.resolve(vtx);
        let list = io::opencarp::read_vtx(&path)?;
        let mut out = Vec::with_capacity(list.len());
        for (k, &i) in list.iter().enumerate() {
            if i as usize >= mesh.node_count() {
                return Err(Error::parse(
                    &path,
                    format!("entry {k}"),
                    format!(
                        "node {i} is out of range (the mesh has {} nodes)",
                        mesh.node_count()
                    ),
                ));
            }
            out.push(i as usize);
        }
        out
    } else {
        Vec::new()
    };
    if nodes.is_empty() {
        let (lo, hi) = mesh.bounding_box();
        return Err(scenario_error(
            scenario,
            format!(
                "stimulus[{s}] selects no mesh node (the mesh spans {lo:.3?} to {hi:.3?} mm; \
                 check mesh.scale and the stimulus coordinates)"
            ),
        ));
    }
    Ok(nodes)
}

/// Nearest mesh node to `p`.
fn nearest_node(mesh: &Mesh, p: [f64; 3]) -> (usize, f64) {
    mesh.nodes
        .iter()
        .enumerate()
        .map(|(i, q)| (i, crate::mesh::geometry::dist(*q, p)))
        .fold(
            (0, f64::INFINITY),
            |best, c| if c.1 < best.1 { c } else { best },
        )
}

/// Longest element edge (mm): probes farther than this from every node are
/// outside the mesh.
fn longest_edge(mesh: &Mesh) -> f64 {
    (0..mesh.element_count())
        .flat_map(|e| crate::mesh::geometry::element_edge_lengths(mesh, e))
        .fold(0.0, f64::max)
}

/// Prepare a scenario on an already-loaded mesh (mm).
pub fn prepare_with_mesh(scenario: &Scenario, mesh: Mesh) -> Result<Prepared> {
    prepare_checked(scenario, mesh, &[])
}

/// Prepare; `file_arrays` lists the mesh file's data arrays (for the fibre
/// check; empty when the mesh did not come from a file).
fn prepare_checked(
    scenario: &Scenario,
    mesh: Mesh,
    file_arrays: &[io::ArrayInfo],
) -> Result<Prepared> {
    let refuse = |m: String| scenario_error(scenario, m);
    let tags = mesh.region_tags();
    let (cond, excitable) = element_conductivities(scenario, &mesh)?;
    checks::conduction_regions_exist(scenario, &tags).map_err(refuse)?;
    let winners = checks::winning_entries(scenario, &tags);
    let mut warnings = checks::overridden_entries(scenario, &winners);
    warnings.extend(checks::fibres(scenario, &mesh, &cond, &winners, file_arrays).map_err(refuse)?);
    warnings.extend(checks::seam_nodes(&mesh));
    warnings.extend(checks::pulses_after_end(scenario));
    warnings.extend(checks::coarse_dt(scenario));

    // Stimuli and probes are located in the mesh's own numbering.
    let mut flags_mesh = vec![0u32; mesh.node_count()];
    let mut stimulus_nodes = Vec::new();
    let mut selections = Vec::new();
    for s in 0..scenario.stimulus.len() {
        let nodes = stimulus_selection(scenario, &mesh, s)?;
        stimulus_nodes.push(nodes.len());
        for &i in &nodes {
            flags_mesh[i] |= 1 << s;
        }
        selections.push(nodes);
    }
    // A node is inert when no excitable element touches it.
    let mut touched = vec![false; mesh.node_count()];
    for (e, el) in mesh.elements_iter().enumerate() {
        if excitable[e] {
            for &n in el {
                touched[n as usize] = true;
            }
        }
    }
    for (f, t) in flags_mesh.iter_mut().zip(&touched) {
        if !t {
            *f = FLAG_INERT;
        }
    }
    for (s, nodes) in selections.iter().enumerate() {
        if !nodes.iter().any(|&n| touched[n]) {
            return Err(refuse(format!(
                "stimulus[{s}] selects {} nodes, all in non-conducting (scar) regions: it \
                 would excite nothing; move it into conducting tissue",
                nodes.len()
            )));
        }
    }
    let reach = longest_edge(&mesh);
    warnings.extend(checks::stimulus_size(
        &scenario.model,
        scenario,
        &mesh,
        &cond,
        &excitable,
        &selections,
        0.5 * reach,
    ));
    let mut probes = Vec::new();
    for (k, p) in scenario.output.probes.iter().enumerate() {
        let (node, d) = nearest_node(&mesh, *p);
        if d > reach {
            return Err(scenario_error(
                scenario,
                format!(
                    "output.probes[{k}] = {p:?} is {d:.2} mm from the nearest node, \
                     farther than the longest edge ({reach:.2} mm): it lies outside the mesh"
                ),
            ));
        }
        probes.push((node, d));
    }

    let order = reorder::rcm_order(&mesh);
    let inv = reorder::invert(&order);
    let solver_mesh = reorder::permuted(&mesh, &order);
    let ops = fem::assemble(&solver_mesh, &cond);
    let limits = stability::limits(&ops.a, &scenario.model);
    let dt_ms = match scenario.fixed_dt() {
        Some(dt) if dt > limits.stability_limit_ms => {
            return Err(Error::Numerics(format!(
                "{}: time.dt_ms = {dt} ms is above the explicit stability limit of \
                 {:.5} ms for this mesh and conductivity (diffusion limit {:.5} ms, \
                 reaction limit {:.5} ms); use a dt below it or dt_ms = \"auto\" ({:.5} ms)",
                scenario.source.display(),
                limits.stability_limit_ms,
                limits.diffusion_limit_ms,
                limits.reaction_limit_ms,
                limits.auto_dt_ms
            )))
        }
        Some(dt) => dt,
        // Shrink the automatic step so that it divides the probe interval:
        // samples (and snapshots at multiples of it) then fall on exact times.
        None => {
            let every = scenario.output.probe_every_ms;
            every / (every / limits.auto_dt_ms).ceil()
        }
    };

    warnings.extend(checks::output_intervals(scenario, dt_ms));

    let stimuli = scenario
        .stimulus
        .iter()
        .map(|s| StimulusProtocol {
            start_ms: s.start_ms,
            duration_ms: s.duration_ms,
            period_ms: s.period_ms,
            count: if s.period_ms > 0.0 { s.count } else { 1 },
            du_dt: units::du_dt_from_stimulus(s.strength),
        })
        .collect();
    let node_flags = order.iter().map(|&old| flags_mesh[old as usize]).collect();
    let out = &scenario.output;
    let steps_for = |ms: f64| ((ms / dt_ms).round() as u64).max(1);
    let problem = Problem {
        operator: ops.a,
        node_flags,
        stimuli,
        model: scenario.model,
        dt_ms,
        lat_threshold_u: units::u_from_vm(out.lat_threshold_mv),
        repol_threshold_u: units::u_from_vm(out.repol_threshold_mv),
        probe_nodes: probes.iter().map(|&(n, _)| inv[n]).collect(),
        probe_every_steps: steps_for(out.probe_every_ms),
    };
    Ok(Prepared {
        mesh,
        order,
        total_steps: (scenario.time.duration_ms / dt_ms).ceil() as u64,
        snapshot_every_steps: if out.snapshot_every_ms > 0.0 {
            steps_for(out.snapshot_every_ms)
        } else {
            0
        },
        problem,
        limits,
        stimulus_nodes,
        probes,
        excitable_nodes: touched,
        warnings,
    })
}

/// Steps timed at the start of a run to estimate its wall time: enough to
/// average out a dispatch or two, few enough to be instant on any mesh we run.
pub const CALIBRATION_STEPS: u64 = 20;

/// What [`simulate`] reports while it runs.
pub enum Event<'a> {
    /// Simulated time reached (ms).
    Progress { time_ms: f64 },
    /// The first `steps` steps took `seconds` (synchronised): the basis of
    /// the wall-time estimate, sent once, before the rest of the run.
    Calibrated { steps: u64, seconds: f64 },
    /// A Vm snapshot (mV, mesh order) at `time_ms`.
    Snapshot {
        index: usize,
        time_ms: f64,
        vm_mv: &'a [f64],
    },
}

/// Results of a run, in mesh node order and physical units.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Local activation time (ms), NaN where never activated.
    pub lat_ms: Vec<f64>,
    /// Repolarisation time (ms), NaN where never repolarised.
    pub repol_ms: Vec<f64>,
    /// Probe traces: (time ms, Vm mV per probe).
    pub probe_traces: Vec<(f64, Vec<f64>)>,
    /// Vm at the end (mV).
    pub final_vm_mv: Vec<f64>,
    pub steps: u64,
    pub wall_seconds: f64,
}

/// Time-step `prepared` on `backend` to the end, calling `on_event` for
/// progress and snapshots. The backend must start at step 0.
pub fn simulate(
    prepared: &Prepared,
    backend: &mut dyn Backend,
    on_event: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<Simulation> {
    let start = std::time::Instant::now();
    let p = &prepared.problem;
    let total = prepared.total_steps;
    // Progress every ~1 % of the run, never fewer than 50 steps a chunk.
    let progress_every = (total / 100).max(50);
    let snap = prepared.snapshot_every_steps;
    let mut snapshot_index = 0;
    let vm_mesh = |backend: &mut dyn Backend| -> Result<Vec<f64>> {
        let u = backend.read_u()?;
        Ok(prepared
            .to_mesh_order(&u)
            .into_iter()
            .map(units::vm_from_u)
            .collect())
    };
    if snap > 0 {
        let vm = vm_mesh(backend)?;
        on_event(Event::Snapshot {
            index: 0,
            time_ms: 0.0,
            vm_mv: &vm,
        })?;
        snapshot_index = 1;
    }
    let mut step = backend.steps_done();
    // A short first chunk, timed to the end of its work, for the estimate.
    let mut calibrating = step < total;
    while step < total {
        let chunk = if calibrating {
            CALIBRATION_STEPS
        } else {
            progress_every
        };
        let mut next = (step + chunk).min(total);
        if let Some(k) = step.checked_div(snap) {
            next = next.min((k + 1) * snap);
        }
        let chunk_start = std::time::Instant::now();
        backend.advance(next - step)?;
        if calibrating {
            backend.read_u_at(0)?;
            calibrating = false;
            on_event(Event::Calibrated {
                steps: next - step,
                seconds: chunk_start.elapsed().as_secs_f64(),
            })?;
        }
        step = next;
        on_event(Event::Progress {
            time_ms: p.time_of_step(step),
        })?;
        if snap > 0 && step % snap == 0 {
            let vm = vm_mesh(backend)?;
            on_event(Event::Snapshot {
                index: snapshot_index,
                time_ms: p.time_of_step(step),
                vm_mv: &vm,
            })?;
            snapshot_index += 1;
        }
    }
    let (lat, repol) = backend.read_times()?;
    let to_ms = |t: f64| if t == NO_TIME { f64::NAN } else { t };
    let lat_ms = prepared
        .to_mesh_order(&lat)
        .into_iter()
        .map(to_ms)
        .collect();
    let repol_ms = prepared
        .to_mesh_order(&repol)
        .into_iter()
        .map(to_ms)
        .collect();
    let every = p.probe_every_steps as f64 * p.dt_ms;
    let probe_traces = backend
        .read_probes()?
        .into_iter()
        .enumerate()
        .map(|(k, row)| {
            (
                k as f64 * every,
                row.into_iter().map(units::vm_from_u).collect(),
            )
        })
        .collect();
    let final_vm_mv = vm_mesh(backend)?;
    Ok(Simulation {
        lat_ms,
        repol_ms,
        probe_traces,
        final_vm_mv,
        steps: step,
        wall_seconds: start.elapsed().as_secs_f64(),
    })
}
