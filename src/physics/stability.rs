//! The explicit (forward Euler) time-step limit.
//!
//! Diffusion: dt < 2 / lambda_max(M^-1 K) (PHYSICS.md). lambda_max is
//! estimated by power iteration on A = -M^-1 K (whose eigenvalues are real and
//! non-positive: it is similar to a symmetric matrix), bounded above by the
//! Gershgorin bound max_i sum_j |A_ij|.
//! Reaction: dt < 2 T / max|d(rate)/du| over the model's range.

use super::model::AlievPanfilov;
use super::units::T_NORM_MS;
use crate::solver::Csr;

/// Fraction of the stability limit used by `dt_ms = "auto"`.
pub const SAFETY_FACTOR: f64 = 0.5;

/// Upper bound for the automatic dt (ms): forward Euler resolves the
/// Aliev–Panfilov upstroke (time scale T/k ~ 1.6 ms) to well under 1 % in
/// activation time at this step (see the single-cell dt-convergence test).
pub const ACCURACY_CAP_MS: f64 = 0.05;

/// The limits found for one problem, all in ms.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct TimeStepLimits {
    /// Largest stable dt for the diffusion term alone.
    pub diffusion_limit_ms: f64,
    /// Largest stable dt for the reaction term alone.
    pub reaction_limit_ms: f64,
    /// The smaller of the two: a user dt above this is rejected.
    pub stability_limit_ms: f64,
    /// What "auto" picks: min(SAFETY_FACTOR * stability, ACCURACY_CAP_MS).
    pub auto_dt_ms: f64,
}

/// Largest eigenvalue magnitude of A (1/ms).
pub fn diffusion_lambda_max(a: &Csr) -> f64 {
    let n = a.n;
    if n == 0 || a.values.iter().all(|&v| v == 0.0) {
        return 0.0;
    }
    let gershgorin = (0..n)
        .map(|i| {
            a.values[a.row_ptr[i] as usize..a.row_ptr[i + 1] as usize]
                .iter()
                .map(|v| v.abs())
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    // Power iteration from a deterministic, non-smooth start vector (a smooth
    // one would be nearly orthogonal to the highest mode).
    let mut x: Vec<f64> = (0..n)
        .map(|i| if (i * 2654435761) % 7 < 3 { 1.0 } else { -1.0 })
        .collect();
    let mut y = vec![0.0; n];
    let mut lambda = 0.0;
    for _ in 0..200 {
        a.mul_vec(&x, &mut y);
        let norm_y = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        let norm_x = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm_y == 0.0 || norm_x == 0.0 {
            break;
        }
        let next = norm_y / norm_x;
        let converged = (next - lambda).abs() < 1e-4 * next;
        lambda = next;
        for (xi, yi) in x.iter_mut().zip(&y) {
            *xi = yi / norm_y;
        }
        if converged {
            break;
        }
    }
    // Power iteration approaches from below: add a margin, never exceed the
    // Gershgorin upper bound.
    (1.05 * lambda).min(gershgorin)
}

/// Largest |d(du/dt)/du| and |d(dv/dt)/dv| of the reaction (1/ms) over
/// u in [0, 1], v in [0, v_max], sampled on a grid.
pub fn reaction_rate_max(model: &AlievPanfilov) -> f64 {
    let v_max = 3.0;
    let mut worst: f64 = 0.0;
    let h = 1e-6;
    for i in 0..=50 {
        for j in 0..=30 {
            let u = i as f64 / 50.0;
            let v = v_max * j as f64 / 30.0;
            let (du0, dv0) = model.rates(u, v);
            let (du1, _) = model.rates(u + h, v);
            let (_, dv1) = model.rates(u, v + h);
            worst = worst
                .max(((du1 - du0) / h).abs())
                .max(((dv1 - dv0) / h).abs());
        }
    }
    worst / T_NORM_MS
}

pub fn limits(a: &Csr, model: &AlievPanfilov) -> TimeStepLimits {
    let lam_d = diffusion_lambda_max(a);
    let lam_r = reaction_rate_max(model);
    let diffusion_limit_ms = if lam_d > 0.0 {
        2.0 / lam_d
    } else {
        f64::INFINITY
    };
    let reaction_limit_ms = 2.0 / lam_r;
    let stability_limit_ms = diffusion_limit_ms.min(reaction_limit_ms);
    TimeStepLimits {
        diffusion_limit_ms,
        reaction_limit_ms,
        stability_limit_ms,
        auto_dt_ms: (SAFETY_FACTOR * stability_limit_ms).min(ACCURACY_CAP_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::generate::box_tets;
    use crate::physics::fem::{assemble, ElementConductivity};

    #[test]
    fn limit_scales_with_h_squared_over_d() {
        let lim = |h: f64, d: f64| {
            let m = box_tets(2.0, 2.0, 2.0, h);
            let c = vec![ElementConductivity { d_l: d, d_t: d }; m.element_count()];
            limits(&assemble(&m, &c).a, &AlievPanfilov::default()).diffusion_limit_ms
        };
        let base = lim(0.5, 1.0);
        assert!((lim(0.25, 1.0) / base - 0.25).abs() < 0.03);
        assert!((lim(0.5, 2.0) / base - 0.5).abs() < 0.01);
    }

    #[test]
    fn explicit_step_at_limit_boundary_is_stable_below_and_unstable_above() {
        // Pure diffusion: x <- x + dt A x must stay bounded for dt < 2/lambda
        // and grow for dt well above it.
        let m = box_tets(2.0, 1.0, 1.0, 0.25);
        let c = vec![ElementConductivity { d_l: 1.0, d_t: 1.0 }; m.element_count()];
        let ops = assemble(&m, &c);
        let lim = limits(&ops.a, &AlievPanfilov::default()).diffusion_limit_ms;
        let grow = |dt: f64| {
            let mut x: Vec<f64> = (0..ops.a.n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
            let mut y = vec![0.0; x.len()];
            for _ in 0..400 {
                ops.a.mul_vec(&x, &mut y);
                for (xi, yi) in x.iter_mut().zip(&y) {
                    *xi += dt * yi;
                }
            }
            x.iter().map(|v| v.abs()).fold(0.0, f64::max)
        };
        assert!(grow(0.95 * lim) < 10.0);
        assert!(grow(1.3 * lim) > 1e6);
    }
}
