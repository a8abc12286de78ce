//! Everything a backend needs to time-step, in the solver's node order and
//! internal units (u dimensionless, t in ms). Built by [`crate::run`] from a
//! scenario; backends never see the mesh or the scenario.

use crate::physics::model::AlievPanfilov;

/// Bit in [`Problem::node_flags`] marking a node that does not take part in
/// the simulation (it lies only in non-conducting, non-excitable scar).
pub const FLAG_INERT: u32 = 1 << 31;
/// The low 31 bits of a node's flags: bit s set = node receives stimulus s.
pub const MAX_STIMULI: usize = 31;

/// Sentinel stored for "never crossed" activation/repolarisation times inside
/// the backends (times are >= 0). Mapped to NaN at the output edge.
pub const NO_TIME: f64 = -1.0;

/// Compressed sparse row matrix (f64 values).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    pub n: usize,
    pub row_ptr: Vec<u32>,
    pub col_idx: Vec<u32>,
    pub values: Vec<f64>,
}

impl Csr {
    pub fn nnz(&self) -> usize {
        self.col_idx.len()
    }

    /// y = A x.
    pub fn mul_vec(&self, x: &[f64], y: &mut [f64]) {
        for (i, yi) in y.iter_mut().enumerate().take(self.n) {
            let (s, e) = (self.row_ptr[i] as usize, self.row_ptr[i + 1] as usize);
            *yi = (s..e)
                .map(|k| self.values[k] * x[self.col_idx[k] as usize])
                .sum();
        }
    }
}

/// One stimulus protocol. Active for t in [start + j period, start + j period
/// + duration) for j = 0..count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StimulusProtocol {
    pub start_ms: f64,
    pub duration_ms: f64,
    /// 0 for a single pulse.
    pub period_ms: f64,
    pub count: u32,
    /// Rate of u per ms while active (mV/ms divided by 100).
    pub du_dt: f64,
}

impl StimulusProtocol {
    /// Is the protocol on at time t (ms)?
    #[inline]
    pub fn active(&self, t: f64) -> bool {
        let rel = t - self.start_ms;
        if rel < 0.0 {
            return false;
        }
        if self.period_ms <= 0.0 {
            return rel < self.duration_ms;
        }
        let j = (rel / self.period_ms).floor();
        j < self.count as f64 && rel - j * self.period_ms < self.duration_ms
    }
}

/// The time-stepping problem.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Diffusion operator A = -M_lumped^-1 K in 1/ms (row i: du_i/dt from
    /// diffusion = sum_j A_ij u_j). Diagonal included.
    pub operator: Csr,
    /// Per node: stimulus bits (low 31) and FLAG_INERT.
    pub node_flags: Vec<u32>,
    pub stimuli: Vec<StimulusProtocol>,
    pub model: AlievPanfilov,
    pub dt_ms: f64,
    /// u threshold for activation (upward crossing).
    pub lat_threshold_u: f64,
    /// u threshold for repolarisation (downward crossing after activation).
    pub repol_threshold_u: f64,
    /// Probe node indices (solver order) sampled every `probe_every_steps`.
    pub probe_nodes: Vec<u32>,
    pub probe_every_steps: u64,
}

impl Problem {
    pub fn node_count(&self) -> usize {
        self.operator.n
    }

    /// Simulated time (ms) at the start of step `step`.
    pub fn time_of_step(&self, step: u64) -> f64 {
        step as f64 * self.dt_ms
    }
}
