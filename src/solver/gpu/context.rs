//! The wgpu device the GPU solver runs on: either made here (headless, for
//! the CLI and tests) or handed in by an application that already has one
//! (the viewer, from eframe), so the solver's buffers live on the device
//! that draws them.

use crate::{Error, Result};

/// Storage buffers the step kernel binds at once (shaders/step.wgsl: CSR
/// row_ptr, col_idx, values, flags, u/v in, u/v out, lat, repol, status).
/// WebGPU's default limit is 8, so the device must be asked for more.
pub const REQUIRED_STORAGE_BUFFERS_PER_STAGE: u32 = 11;

/// A wgpu device and queue plus what we know about the adapter behind them.
///
/// wgpu's `Device` and `Queue` are reference-counted handles (`Clone` is an
/// `Arc` clone), so a `GpuContext` is cheap to clone and many backends can
/// share one device.
#[derive(Clone, Debug)]
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
}

impl GpuContext {
    /// Make a device of our own on the best adapter wgpu finds (honours
    /// wgpu's `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` style environment options).
    /// Fails with [`Error::Gpu`] when there is no adapter at all.
    pub fn headless() -> Result<GpuContext> {
        pollster::block_on(Self::headless_async())
    }

    async fn headless_async() -> Result<GpuContext> {
        let (_instance, adapter) = find_adapter().await.map_err(|e| {
            Error::Gpu(format!(
                "{e}; install a Vulkan/Metal/DX12 driver \
                 (on Linux without a GPU: mesa-vulkan-drivers for lavapipe) or use the CPU backend"
            ))
        })?;
        let info = adapter.get_info();
        let limits = required_limits(&adapter.limits());
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("cardiotwin solver"),
                required_features: wgpu::Features::empty(),
                required_limits: limits.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| {
                Error::Gpu(format!(
                    "adapter {} refused to create a device: {e}",
                    describe(&info)
                ))
            })?;
        Ok(GpuContext::from_device(device, queue, info))
    }

    /// Wrap a device an application already has (e.g. eframe's). The limits
    /// are the device's own; ask for [`required_limits`] when creating it so
    /// that big meshes fit.
    pub fn from_device(
        device: wgpu::Device,
        queue: wgpu::Queue,
        adapter_info: wgpu::AdapterInfo,
    ) -> GpuContext {
        let limits = device.limits();
        GpuContext {
            device,
            queue,
            info: adapter_info,
            limits,
        }
    }

    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// The limits the device was created with.
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    /// e.g. "llvmpipe (LLVM 15.0.7, 256 bits) (Vulkan, Cpu)".
    pub fn adapter_name(&self) -> String {
        describe(&self.info)
    }
}

/// Backends the crate searches: Vulkan, Metal and DX12, unless the user picks
/// with `WGPU_BACKEND`. The GL backend probes window systems (noisy on
/// headless machines) and rarely offers the 11 storage buffers the step
/// kernel binds.
pub fn default_backends() -> wgpu::Backends {
    wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY)
}

/// A high-performance adapter on [`default_backends`] (honouring wgpu's
/// `WGPU_ADAPTER_NAME` style environment options), with its instance.
/// The error says only that none was found; callers add their own advice.
pub async fn find_adapter() -> Result<(wgpu::Instance, wgpu::Adapter)> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    desc.backends = default_backends();
    let instance = wgpu::Instance::new(desc);
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface: None,
            ..Default::default()
        })
        .await
        .map_err(|e| Error::Gpu(format!("no GPU adapter found ({e})")))?;
    Ok((instance, adapter))
}

/// The limits the solver asks for: WebGPU defaults (or downlevel defaults on
/// adapters that cannot meet them), raised to the adapter's own maximum for
/// the sizes that decide how big a mesh fits and how many storage buffers
/// one kernel may bind.
pub fn required_limits(adapter: &wgpu::Limits) -> wgpu::Limits {
    let base = if wgpu::Limits::default().check_limits(adapter) {
        wgpu::Limits::default()
    } else {
        wgpu::Limits::downlevel_defaults().using_alignment(adapter.clone())
    };
    wgpu::Limits {
        max_storage_buffer_binding_size: adapter.max_storage_buffer_binding_size,
        max_buffer_size: adapter.max_buffer_size,
        max_storage_buffers_per_shader_stage: adapter.max_storage_buffers_per_shader_stage,
        ..base
    }
}

/// One line per adapter wgpu can see, for `--help` and diagnostics.
pub fn describe_adapters() -> Vec<String> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        .iter()
        .map(|a| describe(&a.get_info()))
        .collect()
}

fn describe(info: &wgpu::AdapterInfo) -> String {
    let driver = if info.driver_info.is_empty() {
        String::new()
    } else {
        format!(" ({})", info.driver_info)
    };
    format!(
        "{}{driver} ({:?}, {:?})",
        info.name, info.backend, info.device_type
    )
}
