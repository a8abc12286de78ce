//! Running the `cardiotwin` binary from end-to-end tests.
//!
//! Use from a test file with `mod common { pub mod cli; }`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the binary with `args`; its output, whatever the exit status.
pub fn cardiotwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cardiotwin"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// stdout and stderr together, for messages in assertions.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A path in the project (shipped meshes, scenarios).
pub fn project(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
