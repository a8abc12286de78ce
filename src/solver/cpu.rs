//! The CPU backend: f64, parallel over nodes with rayon. It is the fallback
//! when no GPU adapter exists and the reference every GPU kernel is tested
//! against: each step applies [`kernels::step_node`] to every node.

use super::kernels::{is_runaway, step_node};
use super::problem::{Problem, NO_TIME};
use super::{Backend, BackendKind};
use crate::{Error, Result};
use rayon::prelude::*;

pub struct CpuBackend {
    problem: Problem,
    u: Vec<f64>,
    v: Vec<f64>,
    u_next: Vec<f64>,
    v_next: Vec<f64>,
    lat: Vec<f64>,
    repol: Vec<f64>,
    steps: u64,
    probes: Vec<Vec<f64>>,
}

impl CpuBackend {
    /// Start from rest (u = v = 0) with no recorded times.
    pub fn new(problem: &Problem) -> Self {
        let n = problem.node_count();
        CpuBackend {
            problem: problem.clone(),
            u: vec![0.0; n],
            v: vec![0.0; n],
            u_next: vec![0.0; n],
            v_next: vec![0.0; n],
            lat: vec![NO_TIME; n],
            repol: vec![NO_TIME; n],
            steps: 0,
            probes: Vec::new(),
        }
    }

    /// Current recovery variable v (for tests and snapshots).
    pub fn v(&self) -> &[f64] {
        &self.v
    }

    /// Overwrite the state (for tests that start from a given state).
    pub fn set_state(&mut self, u: &[f64], v: &[f64]) {
        self.u.copy_from_slice(u);
        self.v.copy_from_slice(v);
    }

    fn sample_probes(&mut self) {
        let row = self
            .problem
            .probe_nodes
            .iter()
            .map(|&i| self.u[i as usize])
            .collect();
        self.probes.push(row);
    }

    fn step(&mut self) -> Result<()> {
        let p = &self.problem;
        let t = p.time_of_step(self.steps);
        let (u, v) = (&self.u, &self.v);
        self.u_next
            .par_iter_mut()
            .zip(self.v_next.par_iter_mut())
            .zip(self.lat.par_iter_mut().zip(self.repol.par_iter_mut()))
            .enumerate()
            .for_each(|(i, ((un, vn), (lat, repol)))| {
                let r = step_node(p, i, t, u, v, *lat, *repol);
                *un = r.u;
                *vn = r.v;
                *lat = r.lat;
                *repol = r.repol;
            });
        if let Some(i) = self.u_next.par_iter().position_any(|&x| is_runaway(x)) {
            return Err(Error::BlowUp {
                time_ms: t,
                message: format!(
                    "Vm left the model's range at node {i} (u = {})",
                    self.u_next[i]
                ),
                hint: blow_up_hint(p),
            });
        }
        std::mem::swap(&mut self.u, &mut self.u_next);
        std::mem::swap(&mut self.v, &mut self.v_next);
        self.steps += 1;
        Ok(())
    }
}

/// Advice shared by both backends when the state runs away.
pub fn blow_up_hint(p: &Problem) -> String {
    format!(
        "the time step (dt = {} ms) may be too large for this mesh and conductivity \
         (use dt_ms = \"auto\"), or a stimulus is too strong (a few tens of mV/ms \
         for a few ms is usual); check for very small or degenerate elements \
         with `cardiotwin mesh info`",
        p.dt_ms
    )
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn adapter_name(&self) -> String {
        format!("CPU f64 ({} threads)", rayon::current_num_threads())
    }

    fn steps_done(&self) -> u64 {
        self.steps
    }

    fn advance(&mut self, steps: u64) -> Result<()> {
        for _ in 0..steps {
            let every = self.problem.probe_every_steps;
            // Like the GPU backend: one row per sample time, empty without probes.
            if every > 0 && self.steps % every == 0 {
                self.sample_probes();
            }
            self.step()?;
        }
        Ok(())
    }

    fn read_u(&mut self) -> Result<Vec<f64>> {
        Ok(self.u.clone())
    }

    fn read_times(&mut self) -> Result<(Vec<f64>, Vec<f64>)> {
        Ok((self.lat.clone(), self.repol.clone()))
    }

    fn read_probes(&mut self) -> Result<Vec<Vec<f64>>> {
        Ok(self.probes.clone())
    }

    fn depolarise(&mut self, solver_nodes: &[u32], u: f64) -> Result<()> {
        if !u.is_finite() {
            return Err(Error::Unsupported(format!(
                "depolarise: u must be a finite number (got {u})"
            )));
        }
        let n = self.u.len();
        if let Some(&i) = solver_nodes.iter().find(|&&i| i as usize >= n) {
            return Err(Error::Unsupported(format!(
                "depolarise: node {i} is not below the node count {n}"
            )));
        }
        // The node crosses the threshold now, not inside a step where
        // step_node would interpolate the crossing: record it here.
        let now = self.problem.time_of_step(self.steps);
        let activates = u >= self.problem.lat_threshold_u;
        for &i in solver_nodes {
            let i = i as usize;
            self.u[i] = u;
            if activates && self.lat[i] == NO_TIME {
                self.lat[i] = now;
            }
        }
        Ok(())
    }

    fn read_u_at(&mut self, solver_node: u32) -> Result<f64> {
        self.u.get(solver_node as usize).copied().ok_or_else(|| {
            Error::Unsupported(format!(
                "read_u_at: node {solver_node} is not below the node count {}",
                self.u.len()
            ))
        })
    }
}
