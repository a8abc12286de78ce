//! The kernels of `cardiotwin bench memory` (shaders/copy.wgsl,
//! shaders/chase.wgsl) against their host twins on seeded random inputs, and
//! the measurements' own checks on small footprints.
//!
//! Without an adapter these skip loudly, unless CARDIOTWIN_REQUIRE_GPU=1.
//! Seeds come from the clock and are printed; replay with CARDIOTWIN_SEED.

mod common {
    pub mod gpu;
}

use cardiotwin::bench_memory::{
    chase_words, copy_words, cpu_walk, measure_chase, measure_copy, Hints, Layout, MemoryDevice,
    CHASE_STRIDE_BYTES, MIB,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A benchmark device, or None (skip) when there is no adapter.
fn device(hints: Hints, timestamps: bool) -> Option<MemoryDevice> {
    common::gpu::context()?;
    Some(MemoryDevice::open(hints, timestamps).expect("a device with these memory hints"))
}

#[test]
fn copy_kernel_copies_random_words_exactly() {
    let Some(dev) = device(Hints::Performance, false) else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(common::gpu::seed("copy_kernel"));
    for words in [
        4usize,
        64,
        1 << 12,
        (1 << 16) + 4 * rng.random_range(1..1000usize),
    ] {
        let data: Vec<u32> = (0..words).map(|_| rng.random()).collect();
        // Whole buffer in one binding, and in 256-byte windows (offsets
        // other than zero, a short last window).
        for window in [None, Some(256)] {
            let out = copy_words(&dev, &data, window).expect("copy runs");
            assert_eq!(out, data, "{words} words, window {window:?}");
        }
    }
}

#[test]
fn chase_kernel_ends_where_the_host_walk_ends() {
    let Some(dev) = device(Hints::Performance, false) else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(common::gpu::seed("chase_kernel"));
    for len in [1usize, 7, 1000, 1 << 16] {
        // A random permutation: one or more cycles, every link in range.
        let mut chain: Vec<u32> = (0..len as u32).collect();
        chain.shuffle(&mut rng);
        for hops in [0u32, 1, 2, 1 + rng.random_range(0..5000u32)] {
            let start = rng.random_range(0..len as u32);
            let want = cpu_walk(&chain, start, hops).expect("links stay in the chain");
            let got = chase_words(&dev, &chain, start, hops).expect("chase runs");
            assert_eq!(got, want, "chain of {len}, {hops} hops from {start}");
        }
    }
}

#[test]
fn copy_measurement_verifies_and_reports_a_rate_in_both_layouts_and_hints() {
    for (hints, timestamps) in [(Hints::Performance, true), (Hints::ManualSmall, false)] {
        let Some(dev) = device(hints, timestamps) else {
            return;
        };
        for layout in [Layout::One, Layout::Split] {
            let case = measure_copy(&dev, 4 * MIB, layout, 0.01).expect("copy measured");
            assert_eq!(case.footprint_mib, 4);
            assert_eq!(case.buffers, 2);
            assert!(case.verified_words > 0);
            assert!(case.bytes_per_s.is_finite() && case.bytes_per_s > 0.0);
            if !timestamps {
                assert!(case.gpu_seconds.is_none(), "wall clock asked for");
            }
        }
    }
}

#[test]
fn split_layout_uses_buffers_under_128_mib() {
    let Some(dev) = device(Hints::Performance, false) else {
        return;
    };
    let case = measure_copy(&dev, 256 * MIB, Layout::Split, 0.01).expect("copy measured");
    // 128 MiB each of source and destination, in 64 MiB pieces.
    assert_eq!(case.buffers, 4);
    assert!(case.buffer_mib < 128.0);
}

#[test]
fn chase_measurement_checks_its_final_index() {
    let Some(dev) = device(Hints::Performance, true) else {
        return;
    };
    for (footprint, hops) in [(MIB, 1000), (2 * MIB, 4096), (MIB, 65536)] {
        let case = measure_chase(&dev, footprint, hops, 0.01).expect("chase measured");
        assert_eq!(case.nodes, footprint / CHASE_STRIDE_BYTES);
        assert!(case.ns_per_load.is_finite() && case.ns_per_load > 0.0);
    }
}

#[test]
fn footprints_the_adapter_cannot_bind_are_refused_not_faked() {
    let Some(dev) = device(Hints::Performance, false) else {
        return;
    };
    let limit = dev.ctx.limits().max_storage_buffer_binding_size;
    let too_big = (limit / CHASE_STRIDE_BYTES + 1) * CHASE_STRIDE_BYTES;
    let err = measure_chase(&dev, too_big, 16, 0.01).expect_err("beyond the binding limit");
    assert!(
        err.to_string().contains("max_storage_buffer_binding_size"),
        "{err}"
    );
    let err = measure_copy(&dev, 3 * MIB, Layout::One, 0.01).expect_err("odd footprint");
    assert!(err.to_string().contains("multiple of 2 MiB"), "{err}");
}

#[test]
fn chase_longer_than_one_loop_limit_is_complete() {
    // llvmpipe silently ends a loop after 65535 iterations; the kernel
    // splits its hops so every count arrives where the host walk does.
    let Some(dev) = device(Hints::Performance, false) else {
        return;
    };
    let chain: Vec<u32> = (0..16u32).map(|k| (k + 1) % 16).collect();
    for hops in [65535u32, 65536, 65537, 200_003] {
        let want = cpu_walk(&chain, 0, hops).expect("links stay in the chain");
        let got = chase_words(&dev, &chain, 0, hops).expect("chase runs");
        assert_eq!(got, want, "{hops} hops");
    }
}

// ------------------------------------------------------------------ the CLI

fn cardiotwin(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cardiotwin"))
        .args(args)
        .output()
        .expect("cardiotwin runs")
}

#[test]
fn cli_refuses_a_max_below_the_smallest_copy_and_mixed_modes() {
    let out = cardiotwin(&["bench", "memory", "--max-mib", "32"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--max-mib") && err.contains("64"), "{err}");
    // Step-bench options with the memory mode would be ignored: refused.
    let out = cardiotwin(&["bench", "--sizes", "1000", "memory"]);
    assert!(!out.status.success());
}

#[test]
fn cli_memory_json_has_both_devices_and_every_footprint() {
    if common::gpu::context().is_none() {
        return;
    }
    let out = cardiotwin(&[
        "bench",
        "memory",
        "--json",
        "--max-mib",
        "64",
        "--seconds",
        "0.01",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let devices = report["devices"].as_array().expect("devices");
    let hints: Vec<&str> = devices.iter().filter_map(|d| d["hints"].as_str()).collect();
    assert_eq!(hints, ["performance", "manual-small"]);
    for d in devices {
        let layouts: Vec<&str> = d["copy"]
            .as_array()
            .expect("copy")
            .iter()
            .filter_map(|c| c["layout"].as_str())
            .collect();
        assert_eq!(layouts, ["one", "split"], "64 MiB in both layouts");
        assert_eq!(d["buffer_copy"].as_array().map(Vec::len), Some(1));
        // 1 .. 64 MiB chase footprints.
        assert_eq!(d["chase"].as_array().map(Vec::len), Some(7));
    }
}
