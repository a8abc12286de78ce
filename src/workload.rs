//! How much work and output a prepared run asks for, and the limits above
//! which it is refused unless forced.
//!
//! A scenario typo (`duration_ms = 1e9`, `snapshot_every_ms = 1e-9`) or a
//! mesh that collapses the stable time step would otherwise start a run of
//! days to years, or one that writes 10^8 files. The limits sit far above
//! any run we know of and far below those:
//!
//! - [`MAX_STEPS`] = 10^7 steps: at the coarsest automatic step (0.05 ms)
//!   that is 500 s of simulated activity, hundreds of beats; the demo takes
//!   8,000 steps. On the demo heart (69k nodes) 10^7 steps take hours on a
//!   GPU and days on a CPU.
//! - [`MAX_SNAPSHOTS`] = 10^4 files: one every ms for 10 s of activity;
//!   ParaView loads a series of that length slowly already.
//! - [`MAX_OUTPUT_BYTES`] = 20 GB: more than a laptop's free disk, usually.
//!
//! `--force` runs past them.

use crate::run::Prepared;

pub const MAX_STEPS: u64 = 10_000_000;
pub const MAX_SNAPSHOTS: u64 = 10_000;
pub const MAX_OUTPUT_BYTES: u64 = 20_000_000_000;

/// An automatic time step below this (ms) has "collapsed": usual values are
/// 0.005-0.05 ms, so the mesh or the model is the cause, not the duration.
const COLLAPSED_DT_MS: f64 = 1e-3;

/// What a prepared run will do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    pub steps: u64,
    pub dt_ms: f64,
    pub duration_ms: f64,
    /// Vm snapshot files (0 when snapshots are off).
    pub snapshots: u64,
    /// Rows of probes.csv.
    pub probe_rows: u64,
    /// Estimate of the bytes written (snapshots, probes.csv, the
    /// activation map), uncompressed.
    pub output_bytes: u64,
    /// The first snapshot's bytes (it carries the geometry) over all the
    /// snapshots' bytes: scales the first snapshot's time to all of them.
    pub first_snapshot_share: f64,
}

impl Workload {
    pub fn of(prepared: &Prepared) -> Workload {
        let steps = prepared.total_steps;
        let p = &prepared.problem;
        let mesh = &prepared.mesh;
        let snapshots = match prepared.snapshot_every_steps {
            0 => 0,
            every => steps / every + 1,
        };
        let probe_rows = if p.probe_nodes.is_empty() {
            0
        } else {
            steps / p.probe_every_steps.max(1) + 1
        };
        // activation.vtu: Float64 points, Int32 connectivity, offsets and
        // regions, UInt8 types, Float64 fibres when present, two Float64
        // fields; the openCARP .dat copies as text, about 16 bytes a value.
        let (n, e) = (mesh.node_count() as u64, mesh.element_count() as u64);
        let npe = mesh.kind.nodes_per_element() as u64;
        let fibres = if mesh.fibres.is_some() { 24 } else { 0 };
        let activation = 24 * n + (4 * npe + 9 + fibres) * e + 16 * n + 2 * 16 * n;
        // Snapshots: the EnSight geometry once (Float32 points, Int32
        // connectivity), then per frame one Float32 per node in the .scl
        // file and one in vm.igb.
        let geometry = if snapshots > 0 {
            12 * n + 4 * npe * e
        } else {
            0
        };
        let frame = 8 * n;
        // probes.csv: about 10 characters per value.
        let csv = probe_rows.saturating_mul(10 * (p.probe_nodes.len() as u64 + 1));
        let output_bytes = snapshots
            .saturating_mul(frame)
            .saturating_add(geometry)
            .saturating_add(csv)
            .saturating_add(activation);
        // Share of the snapshot writing the first snapshot (geometry + one
        // frame) represents.
        let first_snapshot_share = if snapshots > 0 {
            (geometry + frame) as f64 / (geometry + snapshots.saturating_mul(frame)) as f64
        } else {
            1.0
        };
        Workload {
            steps,
            dt_ms: p.dt_ms,
            duration_ms: p.time_of_step(steps),
            snapshots,
            probe_rows,
            output_bytes,
            first_snapshot_share,
        }
    }

    /// Every limit exceeded, each a sentence with its remedy; empty when
    /// the run is within them.
    pub fn excesses(&self, prepared: &Prepared) -> Vec<String> {
        let mut out = Vec::new();
        if self.steps > MAX_STEPS {
            let limits = &prepared.limits;
            let cause = if self.dt_ms < 0.5 * limits.auto_dt_ms {
                format!(
                    "dt = {} is far below the automatic step of {} for this mesh: \
                     time.dt_ms or output.probe_every_ms (the automatic step is shrunk to \
                     divide it) is too small",
                    fmt_ms(self.dt_ms),
                    fmt_ms(limits.auto_dt_ms)
                )
            } else if self.dt_ms < COLLAPSED_DT_MS {
                if limits.diffusion_limit_ms <= limits.reaction_limit_ms {
                    format!(
                        "the time step has collapsed to {} (diffusion limit {}): the mesh \
                         has a tiny or sliver element, or is in the wrong unit. Check \
                         `cardiotwin mesh info` (edge lengths, quality) and mesh.scale, and remesh",
                        fmt_ms(self.dt_ms),
                        fmt_ms(limits.diffusion_limit_ms)
                    )
                } else {
                    format!(
                        "the time step has collapsed to {} (reaction limit {}): the [model] \
                         parameters (k, eps0, mu1, mu2) are far from the Aliev-Panfilov \
                         defaults; check them",
                        fmt_ms(self.dt_ms),
                        fmt_ms(limits.reaction_limit_ms)
                    )
                }
            } else {
                "shorten time.duration_ms or use a larger time.dt_ms".to_string()
            };
            out.push(format!(
                "{} steps ({} ms at dt = {}) is above the limit of {MAX_STEPS}; {cause}",
                self.steps,
                self.duration_ms,
                fmt_ms(self.dt_ms)
            ));
        }
        if self.snapshots > MAX_SNAPSHOTS {
            out.push(format!(
                "{} snapshot files is above the limit of {MAX_SNAPSHOTS}; raise \
                 output.snapshot_every_ms (0 turns snapshots off)",
                self.snapshots
            ));
        }
        if self.output_bytes > MAX_OUTPUT_BYTES {
            out.push(format!(
                "about {:.1} GB of output is above the limit of {:.0} GB; raise \
                 output.snapshot_every_ms or output.probe_every_ms",
                self.output_bytes as f64 / 1e9,
                MAX_OUTPUT_BYTES as f64 / 1e9
            ));
        }
        out
    }

    /// One line for the user before stepping.
    pub fn describe(&self) -> String {
        let mut text = format!("{} steps of {}", self.steps, fmt_ms(self.dt_ms));
        if self.snapshots > 0 {
            text.push_str(&format!(", {} snapshot files", self.snapshots));
        }
        text.push_str(&format!(
            ", about {} of output",
            human_bytes(self.output_bytes)
        ));
        text
    }
}

/// A time in ms with the digits that matter: "0.0357 ms", "2.00e-6 ms".
pub fn fmt_ms(ms: f64) -> String {
    if ms != 0.0 && ms.abs() < 1e-3 {
        format!("{ms:.2e} ms")
    } else {
        format!("{ms:.4} ms")
    }
}

/// `1234567` -> "1.2 MB".
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).max(1.0))
    }
}

/// `5400.0` -> "1 h 30 min".
pub fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "unknown".into();
    }
    let s = seconds.max(0.0);
    if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else if s < 86400.0 {
        format!(
            "{:.0} h {:.0} min",
            (s / 3600.0).floor(),
            (s % 3600.0) / 60.0
        )
    } else {
        format!("{:.1} days", s / 86400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(12.4), "12 s");
        assert_eq!(human_duration(5400.0), "1 h 30 min");
        assert_eq!(human_duration(3.0 * 86400.0), "3.0 days");
        assert_eq!(human_bytes(1_234_567), "1.2 MB");
        assert_eq!(fmt_ms(0.0357), "0.0357 ms");
        assert_eq!(fmt_ms(2e-6), "2.00e-6 ms");
    }
}
