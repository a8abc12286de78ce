//! One wgpu device for the solver and the UI: made by eframe (window) or
//! here (headless screenshots, frame timing, tests), always with the
//! solver's limits, so the solver's state buffers can be bound by the
//! renderer without a copy.

use std::sync::Arc;

use eframe::egui_wgpu::{self, RenderState, WgpuConfiguration, WgpuSetup, WgpuSetupExisting};

use crate::solver::gpu::{default_backends, find_adapter, required_limits, GpuContext};
use crate::{Error, Result};

/// Largest window/texture side the UI asks for (eframe's own default: 4k+
/// displays with a depth buffer), capped by what the adapter offers.
const MAX_TEXTURE_SIDE: u32 = 8192;

/// What the desktop app prints when wgpu finds no adapter at all.
pub const NO_ADAPTER_HELP: &str = "the desktop app needs a GPU adapter (Vulkan, Metal or DX12; \
on Linux without a GPU install mesa-vulkan-drivers for lavapipe). \
Batch runs work on the CPU: try `cardiotwin run SCENARIO --out DIR` or `cardiotwin demo`";

/// The device the app asks for on `adapter`: the solver's limits plus a
/// texture size big enough for the window.
pub fn device_descriptor(adapter: &wgpu::Adapter) -> wgpu::DeviceDescriptor<'static> {
    let adapter_limits = adapter.limits();
    let mut limits = required_limits(&adapter_limits);
    limits.max_texture_dimension_2d = limits
        .max_texture_dimension_2d
        .max(MAX_TEXTURE_SIDE.min(adapter_limits.max_texture_dimension_2d));
    wgpu::DeviceDescriptor {
        label: Some("cardiotwin viewer"),
        required_limits: limits,
        ..Default::default()
    }
}

/// eframe's wgpu configuration for the window: same backends and limits as
/// [`headless`], so what the tests see is what the window gets.
pub fn window_configuration() -> WgpuConfiguration {
    let mut create = egui_wgpu::WgpuSetupCreateNew::without_display_handle();
    create.instance_descriptor.backends = default_backends();
    create.device_descriptor = Arc::new(device_descriptor);
    WgpuConfiguration {
        wgpu_setup: WgpuSetup::CreateNew(create),
        ..Default::default()
    }
}

/// The solver's view of eframe's device (shares buffers with the renderer).
pub fn solver_context(render_state: &RenderState) -> GpuContext {
    GpuContext::from_device(
        render_state.device.clone(),
        render_state.queue.clone(),
        render_state.adapter.get_info(),
    )
}

/// True when wgpu sees at least one adapter on the app's backends; checked
/// before opening a window so the user gets [`NO_ADAPTER_HELP`] rather than
/// eframe's generic failure.
pub fn any_adapter() -> bool {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    !pollster::block_on(instance.enumerate_adapters(default_backends())).is_empty()
}

/// A headless device with the solver's limits, wrapped both ways: as an
/// egui-wgpu render state (UI painting, kittest) and as the solver's
/// [`GpuContext`]. `options` are the egui renderer's (predictable ones for
/// snapshot tests).
pub fn headless(options: egui_wgpu::RendererOptions) -> Result<(RenderState, GpuContext)> {
    pollster::block_on(headless_async(options))
}

async fn headless_async(options: egui_wgpu::RendererOptions) -> Result<(RenderState, GpuContext)> {
    let (instance, adapter) = find_adapter()
        .await
        .map_err(|e| Error::Gpu(format!("{e}: {NO_ADAPTER_HELP}")))?;
    let info = adapter.get_info();
    let (device, queue) = adapter
        .request_device(&device_descriptor(&adapter))
        .await
        .map_err(|e| {
            Error::Gpu(format!(
                "adapter {} refused the viewer's device: {e}",
                info.name
            ))
        })?;
    let config = WgpuConfiguration {
        wgpu_setup: WgpuSetup::Existing(WgpuSetupExisting {
            instance: instance.clone(),
            adapter,
            device: device.clone(),
            queue: queue.clone(),
        }),
        ..Default::default()
    };
    let render_state = RenderState::create(&config, &instance, None, options)
        .await
        .map_err(|e| Error::Gpu(format!("egui renderer on {}: {e}", info.name)))?;
    let ctx = GpuContext::from_device(device, queue, info);
    Ok((render_state, ctx))
}

/// A fresh egui renderer on the device of `existing` (egui-kittest wants an
/// unused render state per harness; the device itself is shared).
pub fn render_state_on(
    existing: &RenderState,
    options: egui_wgpu::RendererOptions,
) -> Result<RenderState> {
    let config = WgpuConfiguration {
        wgpu_setup: WgpuSetup::Existing(WgpuSetupExisting {
            instance: existing.instance.clone(),
            adapter: existing.adapter.clone(),
            device: existing.device.clone(),
            queue: existing.queue.clone(),
        }),
        ..Default::default()
    };
    pollster::block_on(RenderState::create(
        &config,
        &existing.instance,
        None,
        options,
    ))
    .map_err(|e| Error::Gpu(format!("egui renderer: {e}")))
}
