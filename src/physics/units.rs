//! The one place where physical units meet the solver's internal ones.
//!
//! Files and the UI speak mm, ms, mV and S/m (openCARP convention). The solver
//! integrates the dimensionless Aliev–Panfilov variable `u` with time in ms.
//! Sources: PHYSICS.md (openCARP / TorchCor conventions).

/// Surface-to-volume ratio chi in 1/mm.
pub const CHI_PER_MM: f64 = 140.0;
/// Membrane capacitance Cm in uF/mm^2.
pub const CM_UF_PER_MM2: f64 = 0.01;
/// Resting potential (u = 0) in mV.
pub const VM_REST_MV: f64 = -80.0;
/// Potential range (u = 1 maps to VM_REST + VM_NORM) in mV.
pub const VM_NORM_MV: f64 = 100.0;
/// Milliseconds per dimensionless Aliev–Panfilov time unit.
pub const T_NORM_MS: f64 = 12.9;

/// Diffusivity D in mm^2/ms from a monodomain conductivity in S/m:
/// D = sigma / (chi Cm). With chi = 140/mm and Cm = 0.01 uF/mm^2 this is
/// sigma / 1.4 (S/m = 1e-3 S/mm; 1e-3 / (140 * 1e-8 F/mm^2) = 1/1.4 mm^2/ms).
///
/// ```
/// use cardiotwin::physics::units::diffusivity_from_sigma;
/// // A typical longitudinal monodomain conductivity of 0.14 S/m:
/// assert!((diffusivity_from_sigma(0.14) - 0.1).abs() < 1e-12);
/// ```
pub fn diffusivity_from_sigma(sigma_s_per_m: f64) -> f64 {
    sigma_s_per_m * 1e-3 / (CHI_PER_MM * CM_UF_PER_MM2 * 1e-6) * 1e-3
}

/// Monodomain conductivity from bidomain intra/extracellular ones (harmonic mean).
pub fn monodomain_sigma(sigma_i: f64, sigma_e: f64) -> f64 {
    sigma_i * sigma_e / (sigma_i + sigma_e)
}

/// Vm (mV) from u.
pub fn vm_from_u(u: f64) -> f64 {
    VM_NORM_MV * u + VM_REST_MV
}

/// u from Vm (mV).
pub fn u_from_vm(vm_mv: f64) -> f64 {
    (vm_mv - VM_REST_MV) / VM_NORM_MV
}

/// A stimulus in mV/ms (added to dVm/dt) as a rate of u per ms.
pub fn du_dt_from_stimulus(mv_per_ms: f64) -> f64 {
    mv_per_ms / VM_NORM_MV
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_point_four_s_per_m_is_one_mm2_per_ms() {
        assert!((diffusivity_from_sigma(1.4) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn vm_and_u_round_trip() {
        assert_eq!(vm_from_u(0.0), -80.0);
        assert_eq!(vm_from_u(1.0), 20.0);
        assert!((u_from_vm(-40.0) - 0.4).abs() < 1e-12);
    }
}
