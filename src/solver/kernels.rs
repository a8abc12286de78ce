//! CPU twins of the WGSL kernels in shaders/. Each function here computes
//! exactly what its shader does (same inputs, same outputs, same order of
//! operations), in f64. The CPU backend is made of these; the GPU tests
//! compare against them.
//!
//! Keep in sync with shaders/step.wgsl and shaders/probe.wgsl.

use super::problem::{Problem, StimulusProtocol, FLAG_INERT, NO_TIME};
use crate::physics::units::T_NORM_MS;

/// Sum of the rates of every stimulus whose bit is set in `flags` at time t.
#[inline]
pub fn stimulus_rate(flags: u32, stimuli: &[StimulusProtocol], t: f64) -> f64 {
    let mut bits = flags & !FLAG_INERT;
    let mut rate = 0.0;
    while bits != 0 {
        let s = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        if let Some(p) = stimuli.get(s) {
            if p.active(t) {
                rate += p.du_dt;
            }
        }
    }
    rate
}

/// Output of one node update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeUpdate {
    pub u: f64,
    pub v: f64,
    pub lat: f64,
    pub repol: f64,
}

/// The fused step for node `i` (shaders/step.wgsl, `step`): diffusion SpMV,
/// Aliev–Panfilov reaction (forward Euler), stimulus, and threshold-crossing
/// times linearly interpolated inside [t, t + dt].
#[inline]
pub fn step_node(
    p: &Problem,
    i: usize,
    t: f64,
    u: &[f64],
    v: &[f64],
    lat: f64,
    repol: f64,
) -> NodeUpdate {
    let flags = p.node_flags[i];
    let (ui, vi) = (u[i], v[i]);
    if flags & FLAG_INERT != 0 {
        return NodeUpdate {
            u: ui,
            v: vi,
            lat,
            repol,
        };
    }
    let a = &p.operator;
    let (s, e) = (a.row_ptr[i] as usize, a.row_ptr[i + 1] as usize);
    let mut diffusion = 0.0;
    for k in s..e {
        diffusion += a.values[k] * u[a.col_idx[k] as usize];
    }
    let (du_r, dv_r) = p.model.rates(ui, vi);
    let inv_t = 1.0 / T_NORM_MS;
    let dt = p.dt_ms;
    let u_new = ui + dt * (diffusion + du_r * inv_t + stimulus_rate(flags, &p.stimuli, t));
    let v_new = vi + dt * dv_r * inv_t;

    let mut lat_new = lat;
    let mut repol_new = repol;
    let th = p.lat_threshold_u;
    if lat == NO_TIME && ui < th && u_new >= th {
        lat_new = t + dt * (th - ui) / (u_new - ui);
    }
    let rth = p.repol_threshold_u;
    if lat != NO_TIME && repol == NO_TIME && ui >= rth && u_new < rth {
        repol_new = t + dt * (ui - rth) / (ui - u_new);
    }
    NodeUpdate {
        u: u_new,
        v: v_new,
        lat: lat_new,
        repol: repol_new,
    }
}

/// Lowest u the model can reach in a sane run (Vm = -180 mV).
pub const RUNAWAY_U_MIN: f64 = -1.0;
/// Highest u a sane run reaches, strong stimuli included (Vm = +220 mV).
pub const RUNAWAY_U_MAX: f64 = 3.0;

/// Is a state value outside what the model can produce (NaN, inf, or far
/// outside [0, 1])? Same bounds as shaders/step.wgsl.
#[inline]
pub fn is_runaway(u: f64) -> bool {
    !(RUNAWAY_U_MIN..=RUNAWAY_U_MAX).contains(&u)
}
