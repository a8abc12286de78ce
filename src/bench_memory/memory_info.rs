//! The Vulkan memory heaps and types the driver reports.

use super::*;

/// One Vulkan memory heap or type, as the driver reports it.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryHeap {
    pub index: usize,
    pub size_bytes: u64,
    pub flags: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryType {
    pub index: usize,
    pub heap: u32,
    pub flags: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VulkanMemory {
    pub heaps: Vec<MemoryHeap>,
    pub types: Vec<MemoryType>,
}

/// Memory heaps and types of a Vulkan adapter, from the driver.
#[cfg(all(
    not(target_arch = "wasm32"),
    any(windows, all(unix, not(target_vendor = "apple")))
))]
pub(super) fn vulkan_memory(adapter: &wgpu::Adapter) -> Option<VulkanMemory> {
    // SAFETY: the hal adapter is only read (one query of static properties)
    // while `adapter` is alive, and no wgpu object is created from it.
    let hal = unsafe { adapter.as_hal::<wgpu::hal::api::Vulkan>() }?;
    let props = unsafe {
        hal.shared_instance()
            .raw_instance()
            .get_physical_device_memory_properties(hal.raw_physical_device())
    };
    let heaps = props
        .memory_heaps_as_slice()
        .iter()
        .enumerate()
        .map(|(index, h)| MemoryHeap {
            index,
            size_bytes: h.size,
            flags: format!("{:?}", h.flags),
        })
        .collect();
    let types = props
        .memory_types_as_slice()
        .iter()
        .enumerate()
        .map(|(index, t)| MemoryType {
            index,
            heap: t.heap_index,
            flags: format!("{:?}", t.property_flags),
        })
        .collect();
    Some(VulkanMemory { heaps, types })
}

#[cfg(not(all(
    not(target_arch = "wasm32"),
    any(windows, all(unix, not(target_vendor = "apple")))
)))]
pub(super) fn vulkan_memory(_adapter: &wgpu::Adapter) -> Option<VulkanMemory> {
    None
}
