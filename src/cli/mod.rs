//! Subcommands of the binary, one module each.

pub mod bench;
pub mod bench_memory;
pub mod demo;
pub mod generate;
pub mod laa;
pub mod mesh;
pub mod run;
#[cfg(feature = "viewer")]
pub mod view;
