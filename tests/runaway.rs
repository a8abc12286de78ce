//! No runaway work (issue 12, item 6): a run prints its step count and an
//! estimated wall time before stepping, and refuses, unless --force, more
//! than 10^7 steps, 10^4 snapshot files or 20 GB of output; the readers
//! refuse devices; bench and view check their arguments.

mod common {
    pub mod cli;
    pub mod gpu;
}

use common::cli::{cardiotwin, project, run_cpu, spawn_run_cpu, text};
use std::io::Read;
use std::path::{Path, PathBuf};

fn slab_scenario(dir: &Path, mesh_tail: &str, tail: &str) -> PathBuf {
    let mesh = project("meshes/slab_20x7x3_0.5mm.vtk");
    let path = dir.join("s.toml");
    std::fs::write(
        &path,
        format!(
            "[mesh]\nfile = {:?}\n{mesh_tail}[[conduction]]\nregions = \"all\"\nsigma_l = 1.4\nsigma_t = 0.35\n\
             [[stimulus]]\nbox = {{ min = [0, 0, 0], max = [1.5, 1.5, 1.5] }}\nduration_ms = 2.0\nstrength = 100.0\n{tail}",
            mesh.to_str().expect("utf8")
        ),
    )
    .expect("write scenario");
    path
}

/// Run and expect a refusal; the message.
fn refused(scenario: &Path, out: &Path) -> String {
    let started = std::time::Instant::now();
    let o = run_cpu(scenario, out, &[]);
    let msg = text(&o);
    assert!(!o.status.success(), "ran: {msg}");
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?} to refuse",
        started.elapsed()
    );
    assert!(msg.contains("--force"), "{msg}");
    assert!(!out.exists(), "a refused run creates no folder");
    msg
}

#[test]
fn a_run_of_years_is_refused_before_stepping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = slab_scenario(dir.path(), "", "[time]\nduration_ms = 1e9\n");
    let msg = refused(&s, &dir.path().join("out"));
    assert!(
        msg.contains("above the limit of 10000000") && msg.contains("duration_ms"),
        "{msg}"
    );
}

#[test]
fn a_collapsed_time_step_is_refused_naming_the_mesh_as_the_cause() {
    // The slab read as if it were in metres->mm by mistake (x 0.001): its
    // 0.5 um edges put the stable time step near 1e-7 ms.
    let dir = tempfile::tempdir().expect("tempdir");
    let s = dir.path().join("tiny.toml");
    std::fs::write(
        &s,
        format!(
            "[mesh]\nfile = {:?}\nscale = 0.001\n[[conduction]]\nregions = \"all\"\nsigma_l = 1.4\nsigma_t = 0.35\n\
             [[stimulus]]\nbox = {{ min = [0, 0, 0], max = [0.0015, 0.0015, 0.0015] }}\nduration_ms = 2.0\nstrength = 100.0\n\
             [time]\nduration_ms = 100\n",
            project("meshes/slab_20x7x3_0.5mm.vtk").to_str().expect("utf8")
        ),
    )
    .expect("write");
    let msg = refused(&s, &dir.path().join("out"));
    assert!(
        msg.contains("collapsed") && msg.contains("mesh.scale") && msg.contains("mesh info"),
        "{msg}"
    );
}

#[test]
fn a_tiny_probe_interval_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = slab_scenario(
        dir.path(),
        "",
        "[time]\nduration_ms = 90\n[output]\nprobe_every_ms = 1e-9\nprobes = [[5.0, 1.75, 0.75]]\n",
    );
    let msg = refused(&s, &dir.path().join("out"));
    assert!(msg.contains("probe_every_ms"), "{msg}");
}

#[test]
fn too_many_snapshot_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = slab_scenario(
        dir.path(),
        "",
        "[time]\nduration_ms = 1000\n[output]\nsnapshot_every_ms = 0.05\n",
    );
    let msg = refused(&s, &dir.path().join("out"));
    assert!(
        msg.contains("snapshot files is above the limit of 10000")
            && msg.contains("snapshot_every_ms"),
        "{msg}"
    );
}

#[test]
fn the_step_count_and_an_estimate_come_before_the_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = slab_scenario(dir.path(), "", "[time]\nduration_ms = 10\n");
    let out = dir.path().join("out");
    let o = run_cpu(&s, &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let plan = err.find("plan: 280 steps").expect("the plan on stderr");
    let estimate = err.find("estimated wall time: ").expect("the estimate");
    assert!(plan < estimate, "{err}");
}

/// --force starts the run anyway, with the estimate saying how long.
#[cfg(unix)]
#[test]
fn force_runs_past_the_limit_and_estimates_the_wall_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = slab_scenario(dir.path(), "", "[time]\nduration_ms = 1e7\n");
    let out = dir.path().join("out");
    let mut child = spawn_run_cpu(&s, &out, &["--force"]);
    let mut stderr = child.stderr.take().expect("stderr");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("estimated wall time") {
        let n = stderr.read(&mut buf).expect("read");
        assert!(n > 0, "ended without an estimate: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().expect("wait");
    assert!(!status.success());
    assert!(seen.contains("warning: --force"), "{seen}");
    // 2.8e8 steps of a 4305-node slab: hours at least on any CPU.
    let line = seen
        .lines()
        .find(|l| l.starts_with("estimated wall time"))
        .expect("line");
    assert!(line.contains(" h ") || line.contains("days"), "{line}");
}

#[cfg(unix)]
#[test]
fn a_device_given_as_a_mesh_or_scenario_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zero = dir.path().join("zero.vtu");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let o = cardiotwin(&["mesh", "info", zero.to_str().expect("utf8")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("is a device"), "{}", text(&o));
    let o = cardiotwin(&[
        "run",
        "/dev/zero",
        "--out",
        dir.path().join("o").to_str().expect("utf8"),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("is a device"), "{}", text(&o));
}

#[test]
fn bench_refuses_sizes_and_durations_it_cannot_measure() {
    for (args, expect) in [
        (&["bench", "--sizes", "1000000000000"][..], "--sizes"),
        (&["bench", "--sizes", "8"][..], "8 nodes"),
        (&["bench", "--seconds", "NaN"][..], "--seconds"),
        (&["bench", "--seconds", "inf"][..], "--seconds"),
    ] {
        let started = std::time::Instant::now();
        let o = cardiotwin(args);
        assert!(!o.status.success(), "{args:?} ran");
        assert!(text(&o).contains(expect), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{}", text(&o));
        assert!(
            started.elapsed().as_secs() < 30,
            "{args:?} took long to refuse"
        );
    }
}

#[test]
fn bench_says_why_a_fraction_is_not_a_bandwidth_figure() {
    let o = cardiotwin(&[
        "bench",
        "--sizes",
        "1000",
        "--seconds",
        "0.05",
        "--backends",
        "cpu",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let case = &v["cases"][0];
    assert!(
        case["note"].as_str().is_some_and(|n| n.contains("cache")),
        "{case}"
    );
}

#[cfg(feature = "viewer")]
#[test]
fn view_time_is_capped() {
    let o = cardiotwin(&[
        "view",
        "--screenshot",
        "x.png",
        "--time-ms",
        "1e9",
        project("assets/scenarios/slab.toml")
            .to_str()
            .expect("utf8"),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("from 0 to 10000 ms"), "{}", text(&o));
}

/// libwayland's "XDG_RUNTIME_DIR is invalid or not set" reached the user on
/// every successful GPU run without the variable (batch jobs, containers).
#[test]
fn a_gpu_run_without_xdg_runtime_dir_prints_no_spurious_error() {
    if common::gpu::context().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cardiotwin"))
        .args([
            "run",
            project("assets/scenarios/slab.toml")
                .to_str()
                .expect("utf8"),
            "--out",
            dir.path().join("out").to_str().expect("utf8"),
            "--backend",
            "gpu",
            "-q",
        ])
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
    assert!(!err.contains("error"), "{err}");
}
