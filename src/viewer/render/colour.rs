//! What the surface is coloured by ([`ColourMode`]) and how values map to
//! colours ([`Legend`], which the egui layer draws as a colour bar).
//!
//! Scalar sources are storage buffers bound to the vertex shader:
//! [`SolverFields`] wraps the solver's own u (both ping-pong buffers) and
//! lat buffers, so drawing a frame copies nothing to the CPU;
//! [`ScalarField`] is a buffer the app fills (CPU solver fallback, static
//! maps).

use std::borrow::Cow;

use super::gpu_data::LUT_ENTRIES;
use crate::output::colormap::{ColorMap, NAN_COLOR};
use crate::physics::units::{VM_NORM_MV, VM_REST_MV};
use crate::solver::gpu::GpuBackend;
use crate::{Error, Result};

/// Stored value of "no data" in a [`ScalarField`] (NaN on the host). A
/// finite sentinel, because WGSL does not promise NaN comparisons work.
pub const MISSING: f32 = -f32::MAX;

/// How values map to colours, in physical units; also the colour bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    /// Quantity, e.g. "Vm" or "LAT".
    pub title: Cow<'static, str>,
    /// Unit, e.g. "mV" or "ms".
    pub unit: Cow<'static, str>,
    /// Value drawn with the low end of the map.
    pub min: f64,
    /// Value drawn with the high end of the map.
    pub max: f64,
    pub colormap: ColorMap,
    /// Iso-lines every this much (e.g. LAT isochrones every 10 ms); None
    /// or a step that is not positive: no lines.
    pub isolines: Option<f64>,
}

impl Legend {
    /// Colour of values that are missing (never activated): the PNG
    /// renderer's grey.
    pub const MISSING_COLOUR: [u8; 3] = NAN_COLOR;

    /// Membrane potential, cool-warm over rest (-80 mV) to the
    /// Aliev-Panfilov peak (u = 1, +20 mV).
    pub fn vm() -> Legend {
        Legend {
            title: "Vm".into(),
            unit: "mV".into(),
            min: VM_REST_MV,
            max: VM_REST_MV + VM_NORM_MV,
            colormap: ColorMap::CoolWarm,
            isolines: None,
        }
    }

    /// Activation time, Turbo over `min_ms..max_ms` (early = blue), no
    /// isochrones (see [`Self::with_isolines`]).
    pub fn lat(min_ms: f64, max_ms: f64) -> Legend {
        Legend {
            title: "LAT".into(),
            unit: "ms".into(),
            min: min_ms,
            max: max_ms,
            colormap: ColorMap::Turbo,
            isolines: None,
        }
    }

    /// The same legend with iso-lines every `step` (ignored unless finite
    /// and positive).
    pub fn with_isolines(mut self, step: f64) -> Legend {
        self.isolines = (step.is_finite() && step > 0.0).then_some(step);
        self
    }

    /// A round iso-line step (1, 2 or 5 times a power of ten) giving about
    /// `lines` lines over the legend's range; None for an empty range.
    pub fn round_step(&self, lines: f64) -> Option<f64> {
        let raw = (self.max - self.min).abs() / lines.max(1.0);
        if !(raw.is_finite() && raw > 0.0) {
            return None;
        }
        let decade = 10f64.powf(raw.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * decade)
            .find(|&s| s >= raw)
    }

    /// "Vm (mV)".
    pub fn heading(&self) -> String {
        format!("{} ({})", self.title, self.unit)
    }

    /// Value at position `t` (0 = min, 1 = max) along the bar.
    pub fn value_at(&self, t: f64) -> f64 {
        self.min + t * (self.max - self.min)
    }

    /// Colour at position `t` in [0, 1] exactly as the shader draws it (the
    /// nearest of the map's 256 table entries).
    pub fn sample(&self, t: f64) -> [u8; 3] {
        let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
        let k = (t * (LUT_ENTRIES - 1) as f64).round() as usize;
        self.colormap.lut()[k.min(LUT_ENTRIES - 1)]
    }

    /// Colour of a physical value (NaN: [`Self::MISSING_COLOUR`]).
    pub fn colour_of(&self, value: f64) -> [u8; 3] {
        match crate::output::colormap::normalise(value, self.min, self.max) {
            Some(t) => self.sample(t),
            None => Self::MISSING_COLOUR,
        }
    }

    /// `n` (at least 2) evenly spaced (value, colour) stops from min to max,
    /// for drawing the bar as a gradient mesh.
    pub fn stops(&self, n: usize) -> Vec<(f64, [u8; 3])> {
        let n = n.max(2);
        (0..n)
            .map(|i| {
                let t = i as f64 / (n - 1) as f64;
                (self.value_at(t), self.sample(t))
            })
            .collect()
    }
}

/// Which node numbering a [`ScalarField`]'s values follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeOrder {
    /// The mesh file's order (as `run::Simulation` results are).
    Mesh,
    /// The solver's order (as `Backend::read_u` returns).
    Solver,
}

/// Bind groups over a [`GpuBackend`]'s state: u A, u B and lat.
pub struct SolverFields {
    pub(crate) u: [wgpu::BindGroup; 2],
    pub(crate) lat: wgpu::BindGroup,
    node_count: usize,
}

impl SolverFields {
    /// Bind `backend`'s buffers for drawing with `renderer`'s pipelines; the
    /// backend must live on the renderer's device. Build once per backend.
    pub fn new(
        renderer: &super::SurfaceRenderer,
        device: &wgpu::Device,
        backend: &GpuBackend,
    ) -> SolverFields {
        let [a, b] = backend.u_buffers();
        SolverFields {
            u: [
                renderer.field_group(device, "viewer u A", a),
                renderer.field_group(device, "viewer u B", b),
            ],
            lat: renderer.field_group(device, "viewer lat", backend.lat_buffer()),
            node_count: backend.node_count(),
        }
    }

    pub fn node_count(&self) -> usize {
        self.node_count
    }
}

/// A per-node scalar (physical units, NaN = no data) uploaded by the app.
pub struct ScalarField {
    buffer: wgpu::Buffer,
    pub(crate) group: wgpu::BindGroup,
    len: usize,
    order: NodeOrder,
}

impl ScalarField {
    /// Upload `values` (one per node in `order`). Fails when empty.
    pub fn new(
        renderer: &super::SurfaceRenderer,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        values: &[f64],
        order: NodeOrder,
    ) -> Result<ScalarField> {
        if values.is_empty() {
            return Err(Error::Unsupported(
                "a scalar field to draw needs at least one value".into(),
            ));
        }
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("viewer scalar field"),
            size: 4 * values.len() as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let group = renderer.field_group(device, "viewer scalar field", &buffer);
        let field = ScalarField {
            buffer,
            group,
            len: values.len(),
            order,
        };
        field.update(queue, values)?;
        Ok(field)
    }

    /// Replace the values (same length).
    pub fn update(&self, queue: &wgpu::Queue, values: &[f64]) -> Result<()> {
        if values.len() != self.len {
            return Err(Error::Unsupported(format!(
                "scalar field update has {} values for a field of {}",
                values.len(),
                self.len
            )));
        }
        let stored: Vec<f32> = values
            .iter()
            .map(|&v| if v.is_nan() { MISSING } else { v as f32 })
            .collect();
        queue.write_buffer(&self.buffer, 0, bytemuck::cast_slice(&stored));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn order(&self) -> NodeOrder {
        self.order
    }
}

/// What colours the surface.
pub enum ColourMode<'a> {
    /// Vm (mV) = 100 u - 80 from the solver's current u buffer
    /// (`parity` = [`GpuBackend::state_parity`]).
    SolverVm {
        fields: &'a SolverFields,
        parity: usize,
        legend: Legend,
    },
    /// Activation time (ms) from the solver's lat buffer; never activated
    /// (NO_TIME, negative) is grey.
    SolverLat {
        fields: &'a SolverFields,
        legend: Legend,
    },
    /// Categorical colour per region tag
    /// ([`super::SurfaceGeometry::region_legend`]).
    Regions,
    /// An uploaded field; NaN is grey.
    Scalar {
        field: &'a ScalarField,
        legend: Legend,
    },
}

impl<'a> ColourMode<'a> {
    /// Live Vm of `backend` on the default Vm legend.
    pub fn vm(fields: &'a SolverFields, backend: &GpuBackend) -> ColourMode<'a> {
        ColourMode::SolverVm {
            fields,
            parity: backend.state_parity(),
            legend: Legend::vm(),
        }
    }

    /// Activation times so far, over `min_ms..max_ms`.
    pub fn lat(fields: &'a SolverFields, min_ms: f64, max_ms: f64) -> ColourMode<'a> {
        ColourMode::SolverLat {
            fields,
            legend: Legend::lat(min_ms, max_ms),
        }
    }

    /// The colour bar to draw beside the view (none for regions).
    pub fn legend(&self) -> Option<&Legend> {
        match self {
            ColourMode::SolverVm { legend, .. }
            | ColourMode::SolverLat { legend, .. }
            | ColourMode::Scalar { legend, .. } => Some(legend),
            ColourMode::Regions => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_legend_spans_rest_to_peak_in_mv() {
        let l = Legend::vm();
        assert_eq!((l.min, l.max), (-80.0, 20.0));
        assert_eq!(l.heading(), "Vm (mV)");
        assert_eq!(l.colour_of(20.0), ColorMap::CoolWarm.at(1.0));
        assert_eq!(l.colour_of(-80.0), ColorMap::CoolWarm.at(0.0));
        assert_eq!(l.colour_of(f64::NAN), Legend::MISSING_COLOUR);
    }

    #[test]
    fn stops_run_from_min_to_max() {
        let l = Legend::lat(10.0, 110.0);
        let s = l.stops(5);
        assert_eq!(s.len(), 5);
        assert_eq!(s[0], (10.0, ColorMap::Turbo.at(0.0)));
        assert_eq!(s[2].0, 60.0);
        assert_eq!(s[4], (110.0, ColorMap::Turbo.at(1.0)));
        assert_eq!(l.stops(0).len(), 2);
    }

    #[test]
    fn isoline_steps_are_round_and_checked() {
        let l = Legend::lat(0.0, 133.0);
        assert_eq!(l.round_step(8.0), Some(20.0));
        assert_eq!(Legend::lat(0.0, 40.0).round_step(8.0), Some(5.0));
        assert_eq!(Legend::lat(5.0, 5.0).round_step(8.0), None);
        assert_eq!(l.clone().with_isolines(10.0).isolines, Some(10.0));
        assert_eq!(l.clone().with_isolines(0.0).isolines, None);
        assert_eq!(l.with_isolines(f64::NAN).isolines, None);
    }
}
