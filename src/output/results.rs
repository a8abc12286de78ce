//! The result folder of `cardiotwin run`: activation.vtu (lat_ms, repol_ms)
//! with the same maps in openCARP's per-node format (lat.dat, repol.dat),
//! Vm snapshots (snapshots.case for ParaView, vm.igb for openCARP tools),
//! probes.csv and summary.json. Every file is written atomically.

use super::atomic::{write_atomic, write_string_atomic};
use super::ensight::EnsightSeries;
use super::opencarp::{write_dat, IgbWriter};
use crate::mesh::io::vtu::{write_vtu, DataArray, VtuWriteOptions};
use crate::run::{Prepared, Simulation};
use crate::scenario::Scenario;
use crate::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One input file and its SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct InputHash {
    pub path: PathBuf,
    pub sha256: String,
}

/// summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub title: Option<String>,
    pub version: String,
    pub backend: crate::solver::BackendKind,
    pub adapter: String,
    pub nodes: usize,
    pub elements: usize,
    pub element_kind: crate::mesh::ElementKind,
    pub dt_ms: f64,
    pub dt_limits: crate::physics::stability::TimeStepLimits,
    pub steps: u64,
    pub simulated_ms: f64,
    pub wall_seconds: f64,
    pub node_steps_per_s: f64,
    /// Earliest and latest activation (ms); null when nothing activated.
    pub lat_min_ms: Option<f64>,
    pub lat_max_ms: Option<f64>,
    /// Fraction of nodes that activated.
    pub activated_fraction: f64,
    pub stimulus_nodes: Vec<usize>,
    pub probes: Vec<ProbeInfo>,
    pub inputs: Vec<InputHash>,
    pub outputs: Vec<String>,
    /// Everything the run did differently from what the scenario seems to
    /// ask, and results that are not what they look like (before-run
    /// warnings first, then those about the result).
    pub warnings: Vec<crate::scenario_checks::Warning>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbeInfo {
    pub requested_mm: [f64; 3],
    pub node: usize,
    pub distance_mm: f64,
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Files the scenario reads: itself, the mesh (openCARP: .pts/.elem/.lon), vtx files.
pub fn input_files(scenario: &Scenario) -> Vec<PathBuf> {
    let mut files = vec![scenario.source.clone()];
    let mesh = scenario.resolve(&scenario.mesh.file);
    if mesh.is_file() {
        files.push(mesh);
    } else {
        for ext in ["pts", "elem", "lon"] {
            let p = mesh.with_extension(ext);
            if p.is_file() {
                files.push(p);
            }
        }
    }
    for s in &scenario.stimulus {
        if let Some(v) = &s.vtx {
            files.push(scenario.resolve(v));
        }
    }
    files
}

/// Min and max of the finite values.
pub fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Writes Vm snapshots as they arrive, in two forms that share no geometry
/// between frames:
/// - `snapshots.case` + `snapshots/vm.geo` + `snapshots/vm_NNNNN.scl`: an
///   EnSight Gold case for ParaView (the mesh once, a float per node per
///   frame; see [`super::ensight`]);
/// - `vm.igb`: the same frames as openCARP's IGB time series.
pub struct SnapshotWriter {
    dir: PathBuf,
    /// Created with the first snapshot (the mesh is known then).
    out: Option<(EnsightSeries, IgbWriter)>,
}

/// The snapshot files, relative to the output folder.
pub const SNAPSHOT_CASE: &str = "snapshots.case";
pub const SNAPSHOT_DIR: &str = "snapshots";
pub const VM_IGB: &str = "vm.igb";

impl SnapshotWriter {
    pub fn new(out_dir: &Path) -> Self {
        SnapshotWriter {
            dir: out_dir.to_path_buf(),
            out: None,
        }
    }

    /// Write snapshot `index` (0, 1, 2... in order) of Vm in mV at `time_ms`.
    pub fn write(
        &mut self,
        mesh: &crate::Mesh,
        index: usize,
        time_ms: f64,
        vm_mv: &[f64],
    ) -> Result<()> {
        let (series, igb) = match &mut self.out {
            Some(out) => out,
            None => self.out.insert((
                EnsightSeries::create(&self.dir.join(SNAPSHOT_CASE), SNAPSHOT_DIR, "vm_mv", mesh)?,
                IgbWriter::create(&self.dir.join(VM_IGB), mesh.node_count(), "mV")?,
            )),
        };
        if index != series.frames() {
            return Err(Error::Numerics(format!(
                "snapshot {index} arrived after {} snapshots; they must come in order",
                series.frames()
            )));
        }
        series.push(time_ms, vm_mv)?;
        igb.push(time_ms, vm_mv)
    }

    /// Write the case file and the IGB header; returns the outputs written
    /// (relative to the output folder), none when there were no snapshots.
    pub fn finish(self) -> Result<Vec<String>> {
        let Some((series, igb)) = self.out else {
            return Ok(Vec::new());
        };
        series.finish()?;
        igb.finish()?;
        Ok(vec![
            SNAPSHOT_CASE.to_string(),
            format!("{SNAPSHOT_DIR}/"),
            VM_IGB.to_string(),
        ])
    }
}

/// The prepared run's warnings, then those about its result.
fn run_warnings(
    scenario: &Scenario,
    prepared: &Prepared,
    sim: &Simulation,
) -> Vec<crate::scenario_checks::Warning> {
    let mut warnings = prepared.warnings.clone();
    warnings.extend(crate::scenario_checks::after_run(
        &prepared.mesh,
        &prepared.excitable_nodes,
        &sim.lat_ms,
        &sim.final_vm_mv,
        scenario.output.lat_threshold_mv,
        prepared.problem.time_of_step(sim.steps),
    ));
    warnings
}

/// Write activation.vtu, probes.csv and summary.json; returns the summary.
pub fn write_results(
    out_dir: &Path,
    scenario: &Scenario,
    prepared: &Prepared,
    sim: &Simulation,
    backend: crate::solver::BackendKind,
    adapter: String,
    mut outputs: Vec<String>,
) -> Result<Summary> {
    write_vtu(
        &out_dir.join("activation.vtu"),
        &prepared.mesh,
        &[
            DataArray {
                name: "lat_ms",
                components: 1,
                values: &sim.lat_ms,
            },
            DataArray {
                name: "repol_ms",
                components: 1,
                values: &sim.repol_ms,
            },
        ],
        &[],
        VtuWriteOptions { compress: true },
    )?;
    outputs.insert(0, "activation.vtu".into());
    // The same maps for openCARP tools: one value per node, -1 = never.
    write_dat(&out_dir.join("lat.dat"), &sim.lat_ms)?;
    write_dat(&out_dir.join("repol.dat"), &sim.repol_ms)?;
    outputs.insert(1, "lat.dat".into());
    outputs.insert(2, "repol.dat".into());

    if !prepared.probes.is_empty() {
        write_atomic(&out_dir.join("probes.csv"), |w| {
            write!(w, "time_ms")?;
            for k in 0..prepared.probes.len() {
                write!(w, ",probe_{k}_vm_mv")?;
            }
            writeln!(w)?;
            for (t, row) in &sim.probe_traces {
                write!(w, "{t:.4}")?;
                for v in row {
                    write!(w, ",{v:.4}")?;
                }
                writeln!(w)?;
            }
            Ok(())
        })?;
        outputs.push("probes.csv".into());
    }

    let mut inputs = Vec::new();
    for f in input_files(scenario) {
        inputs.push(InputHash {
            sha256: sha256_file(&f)?,
            path: f,
        });
    }
    let range = finite_range(&sim.lat_ms);
    let activated = sim.lat_ms.iter().filter(|v| v.is_finite()).count();
    let p = &prepared.problem;
    outputs.push("summary.json".into());
    let summary = Summary {
        title: scenario.title.clone(),
        version: crate::VERSION.to_string(),
        backend,
        adapter,
        nodes: prepared.mesh.node_count(),
        elements: prepared.mesh.element_count(),
        element_kind: prepared.mesh.kind,
        dt_ms: p.dt_ms,
        dt_limits: prepared.limits,
        steps: sim.steps,
        simulated_ms: p.time_of_step(sim.steps),
        wall_seconds: sim.wall_seconds,
        node_steps_per_s: sim.steps as f64 * prepared.mesh.node_count() as f64
            / sim.wall_seconds.max(1e-9),
        lat_min_ms: range.map(|r| r.0),
        lat_max_ms: range.map(|r| r.1),
        activated_fraction: activated as f64 / prepared.mesh.node_count().max(1) as f64,
        stimulus_nodes: prepared.stimulus_nodes.clone(),
        probes: prepared
            .probes
            .iter()
            .zip(&scenario.output.probes)
            .map(|(&(node, d), &p)| ProbeInfo {
                requested_mm: p,
                node,
                distance_mm: d,
            })
            .collect(),
        inputs,
        outputs,
        warnings: run_warnings(scenario, prepared, sim),
    };
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::Unsupported(format!("summary.json: {e}")))?;
    write_string_atomic(&out_dir.join("summary.json"), &json)?;
    Ok(summary)
}
