//! One GPU context per test binary, shared by every test in it.
//!
//! Use from a test file with `mod common { pub mod gpu; }` (or from
//! tests/common/mod.rs with `pub mod gpu;`).
//!
//! Without an adapter the GPU tests skip loudly; CI machines that must run
//! them set `CARDIOTWIN_REQUIRE_GPU=1`, which turns the skip into a failure.

#![allow(dead_code)]

use std::sync::OnceLock;

use cardiotwin::solver::gpu::GpuContext;

/// The shared context, or None (after printing "SKIPPED") when there is no
/// adapter and `CARDIOTWIN_REQUIRE_GPU` is not 1.
pub fn context() -> Option<&'static GpuContext> {
    static CONTEXT: OnceLock<Option<GpuContext>> = OnceLock::new();
    let ctx = CONTEXT.get_or_init(|| match GpuContext::headless() {
        Ok(ctx) => {
            eprintln!("GPU tests run on {}", ctx.adapter_name());
            Some(ctx)
        }
        Err(e) => {
            if require_gpu() {
                panic!("CARDIOTWIN_REQUIRE_GPU=1 but no GPU context could be made: {e}");
            }
            None
        }
    });
    if ctx.is_none() {
        eprintln!(
            "SKIPPED: no GPU adapter (install mesa-vulkan-drivers for lavapipe; \
             set CARDIOTWIN_REQUIRE_GPU=1 to make this a failure)"
        );
    }
    ctx.as_ref()
}

/// True when the environment demands a GPU (CARDIOTWIN_REQUIRE_GPU=1).
pub fn require_gpu() -> bool {
    std::env::var("CARDIOTWIN_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// A seed from the clock, printed so a failure can be replayed with
/// `CARDIOTWIN_SEED=<seed>`.
pub fn seed(test: &str) -> u64 {
    let seed = std::env::var("CARDIOTWIN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        });
    eprintln!("{test}: seed {seed} (replay with CARDIOTWIN_SEED={seed})");
    seed
}
