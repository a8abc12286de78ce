//! One interactive simulation: a prepared scenario time-stepped on the GPU
//! (on the app's own device, so the renderer binds the solver's buffers) or
//! on the CPU, with the controls of the app: play/pause, step, reset,
//! speed, a per-frame work budget, pacing by click, a voltage trace of one
//! node and the activation map. No window: tests drive it headless.
//!
//! Times in ms, potentials in mV, distances in mm. Node indices given to
//! and returned by a [`Session`] are in the mesh's own order; the solver's
//! (RCM) order stays inside.

use std::time::{Duration, Instant};

use super::trace::Trace;
use crate::mesh::geometry::dist;
use crate::mesh::ElementKind;
use crate::physics::units;
use crate::run::Prepared;
use crate::scenario::Scenario;
use crate::solver::cpu::CpuBackend;
use crate::solver::gpu::{GpuBackend, GpuContext};
use crate::solver::problem::{FLAG_INERT, NO_TIME};
use crate::solver::{Backend, BackendKind};
use crate::{Error, Mesh, Result};

/// Simulated ms per wall second when a session starts: a planar wave at
/// D = 1 (0.39 mm/ms) then moves about 20 mm per second on screen.
pub const DEFAULT_SPEED_MS_PER_S: f64 = 50.0;

/// Wall time one frame may spend stepping when a session starts: half a
/// 60 Hz frame, leaving the rest for drawing and the UI.
pub const DEFAULT_FRAME_BUDGET: Duration = Duration::from_millis(8);

/// Longest wall interval one frame makes up for (s): after the app stalls
/// (window dragged, machine asleep) the simulation resumes, it does not
/// race to catch up.
const MAX_FRAME_S: f64 = 0.25;

/// u forced on paced nodes: the action potential's peak (Vm = +20 mV).
pub const PACE_U: f64 = 1.0;

/// Paced regions are this many critical radii wide: a region just at the
/// critical radius neither grows nor dies (an unstable balance), and the
/// curvature estimate it comes from is only asymptotic.
pub const PACE_SAFETY: f64 = 1.5;

/// The backend a session steps on: the renderer needs the GPU one's
/// buffers, so it is kept by type rather than as a `dyn Backend`.
enum SimBackend {
    Gpu(Box<GpuBackend>),
    Cpu(Box<CpuBackend>),
}

impl SimBackend {
    fn get(&mut self) -> &mut dyn Backend {
        match self {
            SimBackend::Gpu(b) => b.as_mut(),
            SimBackend::Cpu(b) => b.as_mut(),
        }
    }

    fn get_ref(&self) -> &dyn Backend {
        match self {
            SimBackend::Gpu(b) => b.as_ref(),
            SimBackend::Cpu(b) => b.as_ref(),
        }
    }
}

/// What one frame's stepping did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Frame {
    /// Steps taken.
    pub steps: u64,
    /// Simulated time gained (ms).
    pub sim_ms: f64,
    /// True when the frame budget cut the steps short: the simulation runs
    /// slower than the speed asked for.
    pub limited: bool,
    /// Wall time spent stepping (s).
    pub wall_seconds: f64,
}

/// What a click-to-pace did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paced {
    /// Excitable nodes set to the peak.
    pub nodes: usize,
    /// Radius used (mm): the one asked for, or the smallest that captures.
    pub radius_mm: f64,
    /// Simulated time of the pace (ms).
    pub time_ms: f64,
}

/// An interactive simulation.
pub struct Session {
    scenario: Scenario,
    prepared: Prepared,
    /// Mesh node -> solver node (the inverse of `prepared.order`).
    solver_of: Vec<u32>,
    backend: SimBackend,
    playing: bool,
    speed_ms_per_s: f64,
    frame_budget: Duration,
    /// Simulated time owed to the next frame (less than one step).
    carry_ms: f64,
    /// Running estimate of wall seconds per step, for the frame budget.
    seconds_per_step: Option<f64>,
    trace: Option<Trace>,
    /// The last error, shown by the app until cleared.
    error: Option<String>,
    /// Largest diffusivity of the scenario's conducting tissue (mm^2/ms).
    max_diffusivity: f64,
}

/// Largest diffusivity (mm^2/ms) any conducting [[conduction]] entry gives.
fn max_diffusivity(scenario: &Scenario) -> f64 {
    scenario
        .conduction
        .iter()
        .filter(|c| c.conducting)
        .filter_map(|c| c.diffusivities("conduction").ok())
        .map(|(l, t)| l.max(t))
        .fold(0.0, f64::max)
}

impl Session {
    /// Time-step on the GPU of `ctx` (the app passes eframe's device so the
    /// renderer can bind [`GpuBackend::u_buffers`] and the LAT buffer).
    pub fn on_gpu(scenario: Scenario, prepared: Prepared, ctx: &GpuContext) -> Result<Session> {
        let backend = GpuBackend::new(ctx, &prepared.problem)?;
        Ok(Session::with_backend(
            scenario,
            prepared,
            SimBackend::Gpu(Box::new(backend)),
        ))
    }

    /// Time-step on the CPU (no usable adapter); the renderer then uploads
    /// [`Session::read_u_mesh_order`] every frame.
    pub fn on_cpu(scenario: Scenario, prepared: Prepared) -> Session {
        let backend = CpuBackend::new(&prepared.problem);
        Session::with_backend(scenario, prepared, SimBackend::Cpu(Box::new(backend)))
    }

    fn with_backend(scenario: Scenario, prepared: Prepared, backend: SimBackend) -> Session {
        let mut solver_of = vec![0u32; prepared.order.len()];
        for (solver, &mesh) in prepared.order.iter().enumerate() {
            solver_of[mesh as usize] = solver as u32;
        }
        Session {
            max_diffusivity: max_diffusivity(&scenario),
            scenario,
            prepared,
            solver_of,
            backend,
            playing: false,
            speed_ms_per_s: DEFAULT_SPEED_MS_PER_S,
            frame_budget: DEFAULT_FRAME_BUDGET,
            carry_ms: 0.0,
            seconds_per_step: None,
            trace: None,
            error: None,
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    pub fn mesh(&self) -> &Mesh {
        &self.prepared.mesh
    }

    /// Solver order: solver node `i` is mesh node `order()[i]` (for a
    /// renderer that indexes the solver's buffers by mesh vertex).
    pub fn order(&self) -> &[u32] {
        &self.prepared.order
    }

    /// The solver node of a mesh node, None when out of range.
    pub fn solver_node(&self, mesh_node: u32) -> Option<u32> {
        self.solver_of.get(mesh_node as usize).copied()
    }

    pub fn backend_kind(&self) -> BackendKind {
        self.backend.get_ref().kind()
    }

    pub fn adapter_name(&self) -> String {
        self.backend.get_ref().adapter_name()
    }

    /// The GPU backend, for binding its buffers; None on the CPU.
    pub fn gpu(&self) -> Option<&GpuBackend> {
        match &self.backend {
            SimBackend::Gpu(b) => Some(b.as_ref()),
            SimBackend::Cpu(_) => None,
        }
    }

    /// Simulated time now (ms).
    pub fn time_ms(&self) -> f64 {
        self.prepared
            .problem
            .time_of_step(self.backend.get_ref().steps_done())
    }

    pub fn dt_ms(&self) -> f64 {
        self.prepared.problem.dt_ms
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    pub fn play(&mut self) {
        self.playing = true;
    }

    pub fn pause(&mut self) {
        self.playing = false;
        self.carry_ms = 0.0;
    }

    pub fn toggle_play(&mut self) {
        if self.playing {
            self.pause();
        } else {
            self.play();
        }
    }

    /// Simulated ms per wall second.
    pub fn speed(&self) -> f64 {
        self.speed_ms_per_s
    }

    pub fn set_speed(&mut self, ms_per_s: f64) -> Result<()> {
        if !(ms_per_s.is_finite() && ms_per_s > 0.0) {
            return Err(Error::Unsupported(format!(
                "speed must be a positive number of simulated ms per second (got {ms_per_s})"
            )));
        }
        self.speed_ms_per_s = ms_per_s;
        Ok(())
    }

    /// Longest wall time one [`Session::advance_frame`] spends stepping.
    pub fn frame_budget(&self) -> Duration {
        self.frame_budget
    }

    pub fn set_frame_budget(&mut self, budget: Duration) {
        self.frame_budget = budget;
    }

    /// The last error (a blow-up, a GPU failure), for the app to show.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn clear_error(&mut self) {
        self.error = None;
    }

    /// Take `n` steps now, playing or not; records a trace sample.
    pub fn step(&mut self, n: u64) -> Result<()> {
        self.run_steps(n)?;
        self.record_trace()
    }

    /// The steps owed to `wall_dt_s` seconds of wall time at the current
    /// speed, cut short when they would take longer than the frame budget.
    /// Does nothing while paused. Time left over from a budget cut is not
    /// owed to later frames (the simulation slows down instead of falling
    /// ever further behind).
    pub fn advance_frame(&mut self, wall_dt_s: f64) -> Result<Frame> {
        if !(self.playing && wall_dt_s.is_finite() && wall_dt_s > 0.0) {
            return Ok(Frame::default());
        }
        let dt = self.dt_ms();
        let owed_ms = self.carry_ms + self.speed_ms_per_s * wall_dt_s.min(MAX_FRAME_S);
        let wanted = (owed_ms / dt).floor() as u64;
        let budget = self.frame_budget.as_secs_f64();
        let start = Instant::now();
        let mut done = 0u64;
        while done < wanted {
            let left = budget - start.elapsed().as_secs_f64();
            if left <= 0.0 {
                break;
            }
            // As many steps as the estimate says fit in what is left; one
            // to measure when there is no estimate yet.
            let fit = self
                .seconds_per_step
                .map_or(1, |s| (left / s).floor() as u64);
            let chunk = fit.clamp(1, wanted - done);
            let t0 = Instant::now();
            self.run_steps(chunk)?;
            let per = t0.elapsed().as_secs_f64() / chunk as f64;
            self.seconds_per_step = Some(match self.seconds_per_step {
                // Weighted toward the newest: the cost per step changes
                // with chunk size (fixed submit cost) and machine load.
                Some(s) => 0.5 * s + 0.5 * per,
                None => per,
            });
            done += chunk;
        }
        let limited = done < wanted;
        self.carry_ms = if limited {
            0.0
        } else {
            owed_ms - done as f64 * dt
        };
        let wall_seconds = start.elapsed().as_secs_f64();
        self.record_trace()?;
        Ok(Frame {
            steps: done,
            sim_ms: done as f64 * dt,
            limited,
            wall_seconds,
        })
    }

    /// Step, and on failure pause and keep the message: a blow-up is shown,
    /// never a panic, and play stops until the user resets.
    fn run_steps(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let result = self.backend.get().advance(n);
        if let Err(e) = &result {
            self.playing = false;
            self.carry_ms = 0.0;
            self.error = Some(match e {
                Error::BlowUp { .. } => format!("{e}. Reset to start again."),
                _ => e.to_string(),
            });
        }
        result
    }

    /// Back to t = 0 at rest with no activation times; the scenario's
    /// stimuli fire again as time passes. Playing stays as it was; the
    /// trace restarts; a blow-up is cleared.
    pub fn reset(&mut self) -> Result<()> {
        let n = self.prepared.problem.node_count();
        match &mut self.backend {
            // Same buffers (the renderer's bind groups stay valid), state
            // overwritten.
            SimBackend::Gpu(b) => {
                let zeros = vec![0.0; n];
                let never = vec![NO_TIME; n];
                b.upload_state(0, &zeros, &zeros, &never, &never)?;
            }
            SimBackend::Cpu(b) => **b = CpuBackend::new(&self.prepared.problem),
        }
        self.carry_ms = 0.0;
        self.error = None;
        if let Some(t) = &mut self.trace {
            t.clear();
        }
        self.record_trace()
    }

    /// Smallest radius (mm) that starts a wave: a front of curvature kappa
    /// travels at c - D kappa (PHYSICS.md), so a paced disc (surface mesh,
    /// kappa = 1/r) dies below r = D/c and a ball (volume, kappa = 2/r)
    /// below 2D/c; times [`PACE_SAFETY`]. With the scenario's largest D:
    /// about 6 mm for a ball at D = 1.4 mm^2/ms.
    pub fn min_pace_radius_mm(&self) -> f64 {
        let d = self.max_diffusivity;
        let c = self.scenario.model.planar_speed_mm_per_ms(d);
        if d <= 0.0 || c <= 0.0 {
            return 0.0;
        }
        let curvature_per_radius = match self.prepared.mesh.kind {
            ElementKind::Triangle => 1.0,
            ElementKind::Tetrahedron => 2.0,
        };
        PACE_SAFETY * curvature_per_radius * d / c
    }

    /// Excite every excitable node within `radius_mm` of `mesh_node` now
    /// (u to the peak, [`PACE_U`]); the radius is raised to
    /// [`Session::min_pace_radius_mm`] if smaller. Refractory nodes take
    /// the value but their high v pulls them back without propagating, as
    /// in real tissue; scar is left alone.
    pub fn pace_at(&mut self, mesh_node: u32, radius_mm: f64) -> Result<Paced> {
        let mesh = &self.prepared.mesh;
        let Some(&center) = mesh.nodes.get(mesh_node as usize) else {
            return Err(Error::Unsupported(format!(
                "pace: node {mesh_node} is not in the mesh ({} nodes)",
                mesh.node_count()
            )));
        };
        if !radius_mm.is_finite() || radius_mm < 0.0 {
            return Err(Error::Unsupported(format!(
                "pace: the radius must be a number of mm >= 0 (got {radius_mm})"
            )));
        }
        let radius = radius_mm.max(self.min_pace_radius_mm());
        let flags = &self.prepared.problem.node_flags;
        let nodes: Vec<u32> = mesh
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, p)| dist(**p, center) <= radius)
            .map(|(i, _)| self.solver_of[i])
            .filter(|&s| flags[s as usize] & FLAG_INERT == 0)
            .collect();
        if nodes.is_empty() {
            return Err(Error::Unsupported(format!(
                "pace: no excitable tissue within {radius:.1} mm of node {mesh_node} (scar)"
            )));
        }
        let time_ms = self.time_ms();
        self.backend.get().depolarise(&nodes, PACE_U)?;
        self.record_trace()?;
        Ok(Paced {
            nodes: nodes.len(),
            radius_mm: radius,
            time_ms,
        })
    }

    /// Record Vm of `mesh_node` from now on (one sample per frame or step
    /// call, the last [`super::trace::TRACE_CAPACITY`] kept).
    pub fn select_trace(&mut self, mesh_node: u32) -> Result<()> {
        if self.solver_node(mesh_node).is_none() {
            return Err(Error::Unsupported(format!(
                "trace: node {mesh_node} is not in the mesh ({} nodes)",
                self.prepared.mesh.node_count()
            )));
        }
        self.trace = Some(Trace::new(mesh_node));
        self.record_trace()
    }

    pub fn clear_trace(&mut self) {
        self.trace = None;
    }

    pub fn trace(&self) -> Option<&Trace> {
        self.trace.as_ref()
    }

    /// One value read from the solver (4 bytes on the GPU), not the state.
    fn record_trace(&mut self) -> Result<()> {
        let Some(node) = self.trace.as_ref().map(Trace::mesh_node) else {
            return Ok(());
        };
        let solver = self.solver_of[node as usize];
        let t = self.time_ms();
        let u = self.backend.get().read_u_at(solver)?;
        if let Some(trace) = &mut self.trace {
            trace.push(t, units::vm_from_u(u));
        }
        Ok(())
    }

    /// Activation times (ms) in mesh order, NaN where not yet activated.
    /// Reads the whole map: call when the user asks for it, not per frame.
    pub fn lat_mesh_order(&mut self) -> Result<Vec<f64>> {
        let (lat, _) = self.backend.get().read_times()?;
        Ok(self
            .prepared
            .to_mesh_order(&lat)
            .into_iter()
            .map(|t| if t == NO_TIME { f64::NAN } else { t })
            .collect())
    }

    /// u (dimensionless, Vm = 100 u - 80 mV) in mesh order, as f32 for
    /// upload: the CPU path's per-frame state for the renderer.
    pub fn read_u_mesh_order(&mut self) -> Result<Vec<f32>> {
        let u = self.backend.get().read_u()?;
        Ok(self
            .prepared
            .to_mesh_order(&u)
            .into_iter()
            .map(|x| x as f32)
            .collect())
    }
}
