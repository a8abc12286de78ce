//! Aliev–Panfilov (1996) cell model, dimensionless.
//!
//! du/dt = -k u (u - a)(u - 1) - u v
//! dv/dt = eps(u, v) (-v - k u (u - a - 1)),  eps = eps0 + mu1 v / (u + mu2)
//!
//! Aliev RR, Panfilov AV. A simple two-variable model of cardiac excitation.
//! Chaos, Solitons & Fractals 7(3):293-301, 1996.

use serde::{Deserialize, Serialize};

/// Model parameters (dimensionless), with the 1996 defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlievPanfilov {
    pub k: f64,
    pub a: f64,
    pub eps0: f64,
    pub mu1: f64,
    pub mu2: f64,
}

impl Default for AlievPanfilov {
    fn default() -> Self {
        AlievPanfilov {
            k: 8.0,
            a: 0.15,
            eps0: 0.002,
            mu1: 0.2,
            mu2: 0.3,
        }
    }
}

impl AlievPanfilov {
    /// Reaction rates (du/dt, dv/dt) in dimensionless time.
    #[inline]
    pub fn rates(&self, u: f64, v: f64) -> (f64, f64) {
        let du = -self.k * u * (u - self.a) * (u - 1.0) - u * v;
        let eps = self.eps0 + self.mu1 * v / (u + self.mu2);
        let dv = eps * (-v - self.k * u * (u - self.a - 1.0));
        (du, dv)
    }

    /// Planar front speed in mm/ms for diffusivity `d_mm2_per_ms`
    /// (Nagumo front, PHYSICS.md fact 1): c = (1 - 2a) sqrt(k D / (2 T)).
    ///
    /// ```
    /// use cardiotwin::physics::model::AlievPanfilov;
    /// let model = AlievPanfilov::default();
    /// let c = model.planar_speed_mm_per_ms(1.0);
    /// assert!((c - 0.390).abs() < 1e-3);
    /// // Quartering D halves the speed.
    /// assert!((model.planar_speed_mm_per_ms(0.25) / c - 0.5).abs() < 1e-12);
    /// ```
    pub fn planar_speed_mm_per_ms(&self, d_mm2_per_ms: f64) -> f64 {
        (1.0 - 2.0 * self.a) * (self.k * d_mm2_per_ms / (2.0 * super::units::T_NORM_MS)).sqrt()
    }

    /// Front width in mm, sqrt(2 D T / k); a mesh needs several nodes across it.
    pub fn front_width_mm(&self, d_mm2_per_ms: f64) -> f64 {
        (2.0 * d_mm2_per_ms * super::units::T_NORM_MS / self.k).sqrt()
    }

    /// Check the parameters are in the model's meaningful range.
    pub fn validate(&self) -> Result<(), String> {
        let finite = [self.k, self.a, self.eps0, self.mu1, self.mu2]
            .iter()
            .all(|x| x.is_finite());
        if !finite {
            return Err("model parameters must be finite numbers".into());
        }
        if self.k <= 0.0 {
            return Err(format!("model.k must be > 0 (got {})", self.k));
        }
        if !(0.0..0.5).contains(&self.a) {
            return Err(format!(
                "model.a must be in [0, 0.5) for an excitable medium (got {})",
                self.a
            ));
        }
        if self.eps0 <= 0.0 || self.mu1 < 0.0 || self.mu2 <= 0.0 {
            return Err("model.eps0 and model.mu2 must be > 0, model.mu1 >= 0".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planar_speed_for_unit_diffusivity_is_0_390() {
        let c = AlievPanfilov::default().planar_speed_mm_per_ms(1.0);
        assert!((c - 0.390).abs() < 5e-4, "c = {c}");
    }

    #[test]
    fn rest_is_a_fixed_point() {
        assert_eq!(AlievPanfilov::default().rates(0.0, 0.0), (0.0, 0.0));
    }
}
