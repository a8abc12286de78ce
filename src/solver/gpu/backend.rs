//! [`GpuBackend`]: the monodomain problem integrated on the GPU in f32.
//!
//! Every step is one dispatch of shaders/step.wgsl, ping-ponging the state
//! between buffers A and B; up to `steps_per_submit` steps go into one
//! compute pass and one submit, and the only read-back per submit is a
//! 4-byte status word (the first step at which some u ran away, see
//! `kernels::is_runaway`). Probe
//! samples accumulate in a GPU history buffer and are read back when it
//! fills or when asked for.

use std::time::Duration;

use super::buffers::{
    check_fits, f32_bytes_to_f64, map_read, read_back, storage_init, to_f32, validate_problem,
};
use super::context::GpuContext;
use super::layout::{
    dispatch_grid, slot_stride, Params, StepSlot, PROBE_WORKGROUP_SIZE, STATUS_OK,
    STEP_WORKGROUP_SIZE,
};
use crate::physics::units::T_NORM_MS;
use crate::solver::kernels::{RUNAWAY_U_MAX, RUNAWAY_U_MIN};
use crate::solver::problem::{Problem, StimulusProtocol, NO_TIME};
use crate::solver::{Backend, BackendKind};
use crate::{Error, Result};

mod pace;

const STEP_WGSL: &str = include_str!("../../../shaders/step.wgsl");
const PROBE_WGSL: &str = include_str!("../../../shaders/probe.wgsl");

/// Tuning knobs of the GPU backend; the defaults suit real GPUs and lavapipe.
#[derive(Debug, Clone)]
pub struct GpuOptions {
    /// Steps recorded into one command encoder and submitted together. More
    /// steps per submit = fewer host round trips; blow-up is detected once per
    /// submit (the reported step is still exact).
    pub steps_per_submit: u32,
    /// Use at most this many workgroups per dispatch dimension (the device's
    /// `max_compute_workgroups_per_dimension` when `None`); tests lower it to
    /// exercise the 2D grid on small meshes.
    pub max_workgroups_per_dim: Option<u32>,
    /// Probe history rows kept on the GPU before they are read back.
    pub probe_history_samples: u32,
    /// Longest wait for one submit or read-back.
    pub timeout: Duration,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions {
            steps_per_submit: 512,
            max_workgroups_per_dim: None,
            probe_history_samples: 4096,
            timeout: Duration::from_secs(600),
        }
    }
}

/// The probe machinery, present only when the problem has probe nodes.
struct Probes {
    pipeline: wgpu::ComputePipeline,
    /// [0] reads state A, [1] reads state B.
    groups: [wgpu::BindGroup; 2],
    history: wgpu::Buffer,
    workgroups: [u32; 2],
}

/// GPU time stepper for one [`Problem`].
pub struct GpuBackend {
    ctx: GpuContext,
    options: GpuOptions,
    n: usize,
    dt_ms: f64,
    stimuli: Vec<StimulusProtocol>,
    n_probes: usize,
    probe_every: u64,
    /// Largest |A_ii| (1/ms), for the blow-up hint.
    max_diagonal: f64,

    step_pipeline: wgpu::ComputePipeline,
    /// [0]: A -> B (even steps), [1]: B -> A (odd steps).
    step_groups: [wgpu::BindGroup; 2],
    slots: wgpu::Buffer,
    slot_stride: u64,
    u: [wgpu::Buffer; 2],
    v: [wgpu::Buffer; 2],
    lat: wgpu::Buffer,
    repol: wgpu::Buffer,
    status: wgpu::Buffer,
    status_staging: wgpu::Buffer,
    /// 4-byte staging buffer for reading one node's u (viewer traces).
    node_staging: wgpu::Buffer,
    /// u threshold of activation, to record the time of a forced
    /// depolarisation (see `pace.rs`).
    lat_threshold_u: f64,
    workgroups: [u32; 2],

    probes: Option<Probes>,
    /// Rows of the GPU probe history filled since the last read-back.
    samples_on_gpu: u64,
    probe_capacity: u64,
    /// Samples already read back.
    probe_rows: Vec<Vec<f64>>,

    steps_done: u64,
    /// Global index of the step that blew up, once it happened.
    blown_up: Option<u64>,
}

impl GpuBackend {
    /// Upload `problem` (f64 -> f32) with u = v = 0 and no recorded times.
    pub fn new(ctx: &GpuContext, problem: &Problem) -> Result<GpuBackend> {
        Self::with_options(ctx, problem, GpuOptions::default())
    }

    pub fn with_options(
        ctx: &GpuContext,
        problem: &Problem,
        options: GpuOptions,
    ) -> Result<GpuBackend> {
        validate_problem(problem)?;
        let limits = ctx.limits().clone();
        let adapter = ctx.adapter_name();
        let n = problem.node_count();
        let n_probes = problem.probe_nodes.len();
        let probe_every = problem.probe_every_steps;

        let stride = slot_stride(limits.min_uniform_buffer_offset_alignment);
        let mut steps_per_submit = u64::from(options.steps_per_submit.max(1));
        steps_per_submit = steps_per_submit.min((limits.max_buffer_size / stride).max(1));

        // The probe history must hold at least one submit's samples.
        let mut probe_capacity = 0;
        if n_probes > 0 {
            let per_row = 4 * n_probes as u64;
            let fit = limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size)
                / per_row;
            probe_capacity = u64::from(options.probe_history_samples)
                .max(steps_per_submit.div_ceil(probe_every))
                .min(fit)
                .max(1);
            if probe_capacity < steps_per_submit.div_ceil(probe_every) {
                steps_per_submit = probe_capacity * probe_every;
            }
        }
        check_fits(problem, probe_capacity, &limits, &adapter)?;

        let max_dim = options
            .max_workgroups_per_dim
            .unwrap_or(limits.max_compute_workgroups_per_dimension)
            .min(limits.max_compute_workgroups_per_dimension);
        let workgroups = dispatch_grid(n as u64, STEP_WORKGROUP_SIZE, max_dim)?;
        let probe_workgroups = dispatch_grid(n_probes as u64, PROBE_WORKGROUP_SIZE, max_dim)?;

        let device = ctx.device();
        let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);

        let params = params_of(problem);
        let params_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("step params"),
            size: std::mem::size_of::<Params>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        ctx.queue()
            .write_buffer(&params_buf, 0, bytemuck::bytes_of(&params));
        let slots = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("step slots"),
            size: steps_per_submit * stride,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let none = wgpu::BufferUsages::empty();
        let state = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let a = &problem.operator;
        let row_ptr = storage_init(ctx, "row_ptr", &a.row_ptr, none);
        let col_idx = storage_init(ctx, "col_idx", &a.col_idx, none);
        let values = storage_init(ctx, "values", &to_f32(&a.values), none);
        let flags = storage_init(ctx, "node_flags", &problem.node_flags, none);
        let zeros = vec![0f32; n];
        let u = [
            storage_init(ctx, "u A", &zeros, state),
            storage_init(ctx, "u B", &zeros, state),
        ];
        let v = [
            storage_init(ctx, "v A", &zeros, state),
            storage_init(ctx, "v B", &zeros, state),
        ];
        let no_time = vec![NO_TIME as f32; n];
        let lat = storage_init(ctx, "lat", &no_time, state);
        let repol = storage_init(ctx, "repol", &no_time, state);
        let status = storage_init(ctx, "status", &[STATUS_OK], state);
        let status_staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("status staging"),
            size: 4,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });

        let step_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("step layout"),
            entries: &[
                uniform_entry(0, false, std::mem::size_of::<Params>() as u64),
                uniform_entry(1, true, std::mem::size_of::<StepSlot>() as u64),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, true),
                storage_entry(5, true),
                storage_entry(6, true),
                storage_entry(7, true),
                storage_entry(8, false),
                storage_entry(9, false),
                storage_entry(10, false),
                storage_entry(11, false),
                storage_entry(12, false),
            ],
        });
        let step_pipeline = pipeline(ctx, "step", STEP_WGSL, &step_layout);
        let slot_binding = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &slots,
            offset: 0,
            size: wgpu::BufferSize::new(std::mem::size_of::<StepSlot>() as u64),
        });
        let step_group = |from: usize| {
            let to = 1 - from;
            let bufs: [&wgpu::Buffer; 11] = [
                &row_ptr, &col_idx, &values, &flags, &u[from], &v[from], &u[to], &v[to], &lat,
                &repol, &status,
            ];
            let mut entries = vec![
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: slot_binding.clone(),
                },
            ];
            entries.extend(bufs.iter().enumerate().map(|(j, b)| wgpu::BindGroupEntry {
                binding: 2 + j as u32,
                resource: b.as_entire_binding(),
            }));
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(if from == 0 { "step A->B" } else { "step B->A" }),
                layout: &step_layout,
                entries: &entries,
            })
        };
        let step_groups = [step_group(0), step_group(1)];

        let probes = if n_probes > 0 {
            let nodes = storage_init(ctx, "probe nodes", &problem.probe_nodes, none);
            let history = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("probe history"),
                size: probe_capacity * 4 * n_probes as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("probe layout"),
                entries: &[
                    uniform_entry(0, false, std::mem::size_of::<Params>() as u64),
                    uniform_entry(1, true, std::mem::size_of::<StepSlot>() as u64),
                    storage_entry(2, true),
                    storage_entry(3, true),
                    storage_entry(4, false),
                ],
            });
            let pipeline = pipeline(ctx, "probe", PROBE_WGSL, &layout);
            let group = |s: usize| {
                device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("probe"),
                    layout: &layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: params_buf.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: slot_binding.clone(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: nodes.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 3,
                            resource: u[s].as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 4,
                            resource: history.as_entire_binding(),
                        },
                    ],
                })
            };
            Some(Probes {
                pipeline,
                groups: [group(0), group(1)],
                history,
                workgroups: probe_workgroups,
            })
        } else {
            None
        };

        let validation_error = pollster::block_on(validation.pop());
        let oom_error = pollster::block_on(oom.pop());
        if let Some(e) = oom_error.or(validation_error) {
            return Err(Error::Gpu(format!(
                "setting up the solver for {n} nodes / {} non-zeros on {adapter} failed: {e}",
                a.nnz()
            )));
        }

        let max_diagonal = (0..n)
            .flat_map(|i| {
                let (s, e) = (a.row_ptr[i] as usize, a.row_ptr[i + 1] as usize);
                (s..e)
                    .filter(move |&k| a.col_idx[k] as usize == i)
                    .map(|k| a.values[k].abs())
            })
            .fold(0.0, f64::max);

        Ok(GpuBackend {
            ctx: ctx.clone(),
            options: GpuOptions {
                steps_per_submit: steps_per_submit as u32,
                ..options
            },
            n,
            dt_ms: problem.dt_ms,
            stimuli: problem.stimuli.clone(),
            n_probes,
            probe_every,
            max_diagonal,
            step_pipeline,
            step_groups,
            slots,
            slot_stride: stride,
            u,
            v,
            lat,
            repol,
            status,
            status_staging,
            node_staging: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("node staging"),
                size: 4,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            lat_threshold_u: problem.lat_threshold_u,
            workgroups,
            probes,
            samples_on_gpu: 0,
            probe_capacity,
            probe_rows: Vec::new(),
            steps_done: 0,
            blown_up: None,
        })
    }

    /// The options in effect (steps_per_submit may have been lowered to fit
    /// the device's limits).
    pub fn options(&self) -> &GpuOptions {
        &self.options
    }

    /// The workgroup grid of one step dispatch.
    pub fn workgroups(&self) -> [u32; 2] {
        self.workgroups
    }

    /// The buffer holding the current u (f32 per node, solver order), e.g.
    /// for a viewer to bind in its vertex shader. It changes after `advance`.
    pub fn u_buffer(&self) -> &wgpu::Buffer {
        &self.u[self.parity()]
    }

    /// Both u buffers, [A, B], in solver node order (f32, dimensionless):
    /// the viewer binds each once and picks by [`Self::state_parity`]
    /// every frame, so drawing needs no copy.
    pub fn u_buffers(&self) -> [&wgpu::Buffer; 2] {
        [&self.u[0], &self.u[1]]
    }

    /// Activation times in ms (f32, solver node order; NO_TIME = never).
    pub fn lat_buffer(&self) -> &wgpu::Buffer {
        &self.lat
    }

    /// Index into [`Self::u_buffers`] of the buffer holding the current u.
    pub fn state_parity(&self) -> usize {
        self.parity()
    }

    /// Number of solver nodes (length of the state buffers).
    pub fn node_count(&self) -> usize {
        self.n
    }

    /// Current v (dimensionless recovery variable).
    pub fn read_v(&mut self) -> Result<Vec<f64>> {
        let buf = &self.v[self.parity()];
        let bytes = read_back(&self.ctx, buf, 4 * self.n as u64, self.options.timeout, "v")?;
        Ok(f32_bytes_to_f64(&bytes))
    }

    /// Replace the state (u, v, times in ms with NO_TIME for never) and the
    /// step counter, e.g. to restart from a checkpoint. Probe samples taken
    /// so far are kept.
    pub fn upload_state(
        &mut self,
        steps_done: u64,
        u: &[f64],
        v: &[f64],
        lat: &[f64],
        repol: &[f64],
    ) -> Result<()> {
        for (name, x) in [("u", u), ("v", v), ("lat", lat), ("repol", repol)] {
            if x.len() != self.n {
                return Err(Error::Gpu(format!(
                    "upload_state: {name} has {} values for {} nodes",
                    x.len(),
                    self.n
                )));
            }
        }
        self.steps_done = steps_done;
        self.blown_up = None;
        let s = self.parity();
        let q = self.ctx.queue();
        q.write_buffer(&self.u[s], 0, bytemuck::cast_slice(&to_f32(u)));
        q.write_buffer(&self.v[s], 0, bytemuck::cast_slice(&to_f32(v)));
        q.write_buffer(&self.lat, 0, bytemuck::cast_slice(&to_f32(lat)));
        q.write_buffer(&self.repol, 0, bytemuck::cast_slice(&to_f32(repol)));
        Ok(())
    }

    /// Which state buffer (0 = A, 1 = B) holds the state at the start of step
    /// `steps_done`.
    fn parity(&self) -> usize {
        (self.steps_done % 2) as usize
    }

    fn takes_sample(&self, step: u64) -> bool {
        self.probe_every > 0 && step % self.probe_every == 0
    }

    /// Run steps [steps_done, steps_done + count) in one submit. Returns the
    /// local index of the first step at which some u ran away, if any.
    fn submit_chunk(&mut self, count: u32) -> Result<Option<u32>> {
        let base = self.steps_done;
        let samples = (0..u64::from(count))
            .filter(|&k| self.takes_sample(base + k))
            .count() as u64;
        if self.probes.is_some() && self.samples_on_gpu + samples > self.probe_capacity {
            self.flush_probes()?;
        }

        // One slot per step: its index, which stimuli are on (decided in f64
        // like the CPU twin), its start time and its probe history row.
        let mut slot_bytes = vec![0u8; (u64::from(count) * self.slot_stride) as usize];
        let mut sample = self.samples_on_gpu;
        let mut probe_steps = Vec::new();
        for k in 0..count {
            let step = base + u64::from(k);
            let t = step as f64 * self.dt_ms;
            let active = self
                .stimuli
                .iter()
                .enumerate()
                .filter(|(_, p)| p.active(t))
                .fold(0u32, |m, (s, _)| m | (1 << s));
            let takes = self.takes_sample(step);
            let slot = StepSlot {
                k,
                stim_on: active,
                t: t as f32,
                sample: if takes { sample as u32 } else { u32::MAX },
            };
            if takes {
                sample += 1;
                probe_steps.push(k);
            }
            let at = (u64::from(k) * self.slot_stride) as usize;
            slot_bytes[at..at + 16].copy_from_slice(bytemuck::bytes_of(&slot));
        }
        let q = self.ctx.queue();
        q.write_buffer(&self.slots, 0, &slot_bytes);
        q.write_buffer(&self.status, 0, bytemuck::bytes_of(&STATUS_OK));

        let device = self.ctx.device();
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("steps"),
        });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("steps"),
                timestamp_writes: None,
            });
            let mut probe_steps = probe_steps.into_iter().peekable();
            for k in 0..count {
                let parity = ((base + u64::from(k)) % 2) as usize;
                let offset = [(u64::from(k) * self.slot_stride) as u32];
                if probe_steps.peek() == Some(&k) {
                    probe_steps.next();
                    if let Some(p) = &self.probes {
                        pass.set_pipeline(&p.pipeline);
                        pass.set_bind_group(0, &p.groups[parity], &offset);
                        pass.dispatch_workgroups(p.workgroups[0], p.workgroups[1], 1);
                    }
                }
                pass.set_pipeline(&self.step_pipeline);
                pass.set_bind_group(0, &self.step_groups[parity], &offset);
                pass.dispatch_workgroups(self.workgroups[0], self.workgroups[1], 1);
            }
        }
        enc.copy_buffer_to_buffer(&self.status, 0, &self.status_staging, 0, 4);
        q.submit([enc.finish()]);
        if let Some(e) = pollster::block_on(validation.pop()) {
            return Err(Error::Gpu(format!(
                "recording steps on {}: {e}",
                self.ctx.adapter_name()
            )));
        }
        let bytes = map_read(
            &self.ctx,
            &self.status_staging,
            4,
            self.options.timeout,
            "the step status",
        )?;

        self.steps_done = base + u64::from(count);
        if self.probes.is_some() {
            self.samples_on_gpu = sample;
        } else {
            // No probe nodes: a sample is an empty row.
            self.probe_rows.extend((0..samples).map(|_| Vec::new()));
        }
        let status = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Ok((status != STATUS_OK).then_some(status))
    }

    /// Read the GPU probe history into `probe_rows` and start it afresh.
    fn flush_probes(&mut self) -> Result<()> {
        let Some(p) = &self.probes else {
            return Ok(());
        };
        if self.samples_on_gpu == 0 {
            return Ok(());
        }
        let bytes = self.samples_on_gpu * 4 * self.n_probes as u64;
        let data = read_back(
            &self.ctx,
            &p.history,
            bytes,
            self.options.timeout,
            "probe history",
        )?;
        let values = f32_bytes_to_f64(&data);
        self.probe_rows
            .extend(values.chunks_exact(self.n_probes).map(<[f64]>::to_vec));
        self.samples_on_gpu = 0;
        Ok(())
    }

    fn blow_up_error(&self, step: u64) -> Error {
        let time_ms = step as f64 * self.dt_ms;
        let stiffness = self.dt_ms * self.max_diagonal;
        let strongest = self
            .stimuli
            .iter()
            .map(|s| s.du_dt.abs())
            .fold(0.0, f64::max);
        Error::BlowUp {
            time_ms,
            message: format!(
                "u left [{RUNAWAY_U_MIN}, {RUNAWAY_U_MAX}] (or became NaN/inf) during step {step} (GPU, {})",
                self.ctx.adapter_name()
            ),
            hint: format!(
                "dt = {} ms times the largest |A_ii| = {:.4} 1/ms gives {stiffness:.3}; explicit diffusion \
                 needs this below about 1, so if it is near or above 1 dt is too large for this mesh and \
                 conductivity (use dt_ms = \"auto\", or check for tiny elements with `cardiotwin mesh info`); \
                 otherwise the stimulus may be too strong (strongest du/dt = {strongest} 1/ms = {} mV/ms; \
                 a few tens of mV/ms for a few ms is usual)",
                self.dt_ms,
                self.max_diagonal,
                strongest * crate::physics::units::VM_NORM_MV
            ),
        }
    }
}

impl Backend for GpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Gpu
    }

    fn adapter_name(&self) -> String {
        self.ctx.adapter_name()
    }

    fn steps_done(&self) -> u64 {
        self.steps_done
    }

    fn advance(&mut self, steps: u64) -> Result<()> {
        if let Some(step) = self.blown_up {
            return Err(self.blow_up_error(step));
        }
        let mut left = steps;
        while left > 0 {
            let count = left.min(u64::from(self.options.steps_per_submit)) as u32;
            let base = self.steps_done;
            if let Some(k) = self.submit_chunk(count)? {
                let step = base + u64::from(k);
                self.blown_up = Some(step);
                return Err(self.blow_up_error(step));
            }
            left -= u64::from(count);
        }
        Ok(())
    }

    fn read_u(&mut self) -> Result<Vec<f64>> {
        let buf = &self.u[self.parity()];
        let bytes = read_back(&self.ctx, buf, 4 * self.n as u64, self.options.timeout, "u")?;
        Ok(f32_bytes_to_f64(&bytes))
    }

    fn read_times(&mut self) -> Result<(Vec<f64>, Vec<f64>)> {
        let bytes = 4 * self.n as u64;
        let lat = read_back(
            &self.ctx,
            &self.lat,
            bytes,
            self.options.timeout,
            "activation times",
        )?;
        let repol = read_back(
            &self.ctx,
            &self.repol,
            bytes,
            self.options.timeout,
            "repolarisation times",
        )?;
        // -1.0 converts exactly, so the NO_TIME sentinel survives f32 -> f64.
        Ok((f32_bytes_to_f64(&lat), f32_bytes_to_f64(&repol)))
    }

    fn read_probes(&mut self) -> Result<Vec<Vec<f64>>> {
        self.flush_probes()?;
        Ok(self.probe_rows.clone())
    }

    fn depolarise(&mut self, solver_nodes: &[u32], u: f64) -> Result<()> {
        GpuBackend::depolarise(self, solver_nodes, u)
    }

    fn read_u_at(&mut self, solver_node: u32) -> Result<f64> {
        GpuBackend::read_u_at(self, solver_node)
    }
}

/// The uniform constants of `problem`, as f32.
pub fn params_of(problem: &Problem) -> Params {
    let m = &problem.model;
    let mut stim_rate = [[0f32; 4]; 8];
    for (s, p) in problem.stimuli.iter().enumerate().take(31) {
        stim_rate[s / 4][s % 4] = p.du_dt as f32;
    }
    Params {
        n: problem.node_count() as u32,
        dt: problem.dt_ms as f32,
        lat_threshold: problem.lat_threshold_u as f32,
        repol_threshold: problem.repol_threshold_u as f32,
        k: m.k as f32,
        a: m.a as f32,
        eps0: m.eps0 as f32,
        mu1: m.mu1 as f32,
        mu2: m.mu2 as f32,
        inv_t: (1.0 / T_NORM_MS) as f32,
        n_stimuli: problem.stimuli.len() as u32,
        n_probes: problem.probe_nodes.len() as u32,
        runaway_min: RUNAWAY_U_MIN as f32,
        runaway_max: RUNAWAY_U_MAX as f32,
        _pad0: 0,
        _pad1: 0,
        stim_rate,
    }
}

fn uniform_entry(binding: u32, dynamic: bool, min_size: u64) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: wgpu::BufferSize::new(min_size),
        },
        count: None,
    }
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn pipeline(
    ctx: &GpuContext,
    entry: &str,
    source: &str,
    layout: &wgpu::BindGroupLayout,
) -> wgpu::ComputePipeline {
    let device = ctx.device();
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(entry),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(entry),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: Some(&pipeline_layout),
        module: &module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}
