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

/// The arguments of `cardiotwin run SCENARIO --out OUT --backend cpu EXTRA..`
/// (the CPU backend: the same on every test machine).
fn run_cpu_args<'a>(scenario: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        scenario.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--backend",
        "cpu",
    ];
    args.extend_from_slice(extra);
    args
}

/// Run `scenario` into `out` on the CPU backend, with `extra` flags.
pub fn run_cpu(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    cardiotwin(&run_cpu_args(scenario, out, extra))
}

/// Start the same run as [`run_cpu`] without waiting for it, its stderr
/// piped: for tests that interrupt a run or read its first lines.
pub fn spawn_run_cpu(scenario: &Path, out: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_cardiotwin"))
        .args(run_cpu_args(scenario, out, extra))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn")
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
