//! An output folder belongs to one run (issue 12, item 3): a second run is
//! refused unless --overwrite, which replaces only a previous run's files
//! and only once the new run has succeeded; inputs are never written over;
//! the folder is locked while a run writes; an interrupt leaves no
//! temporary files.

mod common {
    pub mod cli;
}

use common::cli::{cardiotwin, project, run_cpu, spawn_run_cpu, text};
use std::path::{Path, PathBuf};

/// The shipped slab, with the given [time]/[output] tail.
fn slab_scenario(dir: &Path, name: &str, tail: &str) -> PathBuf {
    let mesh = project("meshes/slab_20x7x3_0.5mm.vtk");
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[mesh]\nfile = {:?}\n[[conduction]]\nregions = \"all\"\nsigma_l = 1.4\nsigma_t = 0.35\n\
             [[stimulus]]\nbox = {{ min = [0, 0, 0], max = [1.5, 1.5, 1.5] }}\nduration_ms = 2.0\nstrength = 100.0\n{tail}",
            mesh.to_str().expect("utf8")
        ),
    )
    .expect("write scenario");
    path
}

fn run(scenario: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["-q"];
    args.extend_from_slice(extra);
    run_cpu(scenario, out, &args)
}

/// Names in `dir`, hidden bookkeeping included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn staging_leftovers(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.starts_with(".cardiotwin-staging") || n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_second_run_is_refused_and_overwrite_replaces_the_whole_previous_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_snapshots = slab_scenario(
        dir.path(),
        "snap.toml",
        "[time]\nduration_ms = 10\n[output]\nsnapshot_every_ms = 5\n",
    );
    let without = slab_scenario(dir.path(), "plain.toml", "[time]\nduration_ms = 5\n");
    let out = dir.path().join("out");
    let o = run(&with_snapshots, &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.join("snapshots/vm_mv_00002.scl").is_file());
    let first = std::fs::read(out.join("summary.json")).expect("summary");

    let o = run(&without, &out, &[]);
    assert!(!o.status.success(), "a second run into a full folder");
    let msg = text(&o);
    assert!(
        msg.contains("not empty") && msg.contains("--overwrite"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(out.join("summary.json")).expect("kept"),
        first
    );

    let o = run(&without, &out, &["--overwrite"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !out.join("snapshots").exists() && !out.join("snapshots.case").exists(),
        "the first run's snapshots are gone: {:?}",
        listing(&out)
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(s["simulated_ms"].as_f64().map(f64::round), Some(5.0));
    assert!(staging_leftovers(&out).is_empty(), "{:?}", listing(&out));
}

#[test]
fn a_failed_run_with_overwrite_leaves_the_good_results_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = slab_scenario(
        dir.path(),
        "good.toml",
        "[time]\nduration_ms = 10\n[output]\nsnapshot_every_ms = 5\n",
    );
    let out = dir.path().join("out");
    let o = run(&good, &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let before: Vec<(String, Vec<u8>)> = [
        "summary.json",
        "activation.vtu",
        "snapshots/vm_mv_00001.scl",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(out.join(f)).expect("file")))
    .collect();
    // Blows up at once: a stimulus of 1e9 mV/ms.
    let boom = dir.path().join("boom.toml");
    std::fs::write(
        &boom,
        std::fs::read_to_string(&good)
            .expect("read")
            .replace("strength = 100.0", "strength = 1e9"),
    )
    .expect("write");
    let o = run(&boom, &out, &["--overwrite"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("blew up"), "{}", text(&o));
    for (name, bytes) in &before {
        assert_eq!(
            &std::fs::read(out.join(name)).expect("still there"),
            bytes,
            "{name} changed"
        );
    }
    assert!(staging_leftovers(&out).is_empty(), "{:?}", listing(&out));
}

#[test]
fn overwrite_never_deletes_files_cardiotwin_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = slab_scenario(dir.path(), "s.toml", "[time]\nduration_ms = 5\n");
    let out = dir.path().join("mine");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "my notes").expect("write");
    let o = run(&scenario, &out, &["--overwrite"]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(msg.contains("notes.txt"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "my notes"
    );
    assert!(!out.join("summary.json").exists());
}

#[test]
fn the_output_folder_never_holds_or_replaces_an_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mesh = dir.path().join("slab.vtk");
    std::fs::copy(project("meshes/slab_20x7x3_0.5mm.vtk"), &mesh).expect("copy");
    let original = std::fs::read(&mesh).expect("mesh");
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "[mesh]\nfile = \"slab.vtk\"\n[[conduction]]\nregions = \"all\"\nsigma_l = 1.4\nsigma_t = 0.35\n\
         [[stimulus]]\nbox = { min = [0, 0, 0], max = [1.5, 1.5, 1.5] }\nduration_ms = 2.0\nstrength = 100.0\n\
         [time]\nduration_ms = 5\n",
    )
    .expect("write");
    // The folder holding the mesh, even with --overwrite.
    let o = run(&scenario, dir.path(), &["--overwrite"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("an input of this run"), "{}", text(&o));
    // The mesh file itself as --out.
    let o = run(&scenario, &mesh, &["--overwrite"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("not a folder"), "{}", text(&o));
    assert_eq!(std::fs::read(&mesh).expect("mesh"), original);
}

#[cfg(unix)]
#[test]
fn a_folder_another_run_is_writing_into_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = slab_scenario(dir.path(), "s.toml", "[time]\nduration_ms = 5\n");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    // Hold the lock as a running cardiotwin would.
    let lock = std::fs::File::create(out.join(".cardiotwin.lock")).expect("lock file");
    // SAFETY: flock on a descriptor this test owns.
    let rc = unsafe {
        libc::flock(
            std::os::unix::io::AsRawFd::as_raw_fd(&lock),
            libc::LOCK_EX | libc::LOCK_NB,
        )
    };
    assert_eq!(rc, 0, "lock taken");
    let o = run(&scenario, &out, &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("another cardiotwin run"), "{}", text(&o));
    assert!(!out.join("summary.json").exists());
    drop(lock);
    let o = run(&scenario, &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn an_unwritable_output_folder_fails_before_any_stepping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = slab_scenario(dir.path(), "s.toml", "[time]\nduration_ms = 5\n");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let out = file.join("out");
    let o = cardiotwin(&[
        "run",
        scenario.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--backend",
        "cpu",
    ]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(msg.contains("cannot be created"), "{msg}");
    assert!(!msg.contains("estimated wall time"), "stepped first: {msg}");
}

/// Ctrl-C in the middle of a run: non-zero exit, no temporary files, the
/// previous results as they were.
#[cfg(unix)]
#[test]
fn an_interrupted_run_cleans_its_temporary_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quick = slab_scenario(dir.path(), "quick.toml", "[time]\nduration_ms = 5\n");
    // About a minute of stepping at the small dt a large k forces.
    let long = slab_scenario(
        dir.path(),
        "long.toml",
        "[model]\nk = 1e5\n[time]\nduration_ms = 400\n[output]\nsnapshot_every_ms = 1\n",
    );
    let out = dir.path().join("out");
    let o = run(&quick, &out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = std::fs::read(out.join("summary.json")).expect("summary");

    let mut child = spawn_run_cpu(&long, &out, &["--overwrite", "-q"]);
    // Wait until the run has written into its staging folder.
    let started = std::time::Instant::now();
    loop {
        let staged = std::fs::read_dir(&out)
            .expect("dir")
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".cardiotwin-staging")
            })
            .any(|e| e.path().join("snapshots").is_dir());
        if staged {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "the run never started writing"
        );
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("the run ended before it was interrupted: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let o = child.wait_with_output().expect("wait");
    assert!(!o.status.success(), "exit 0 after an interrupt");
    assert!(
        staging_leftovers(&out).is_empty(),
        "leftovers: {:?}",
        listing(&out)
    );
    assert_eq!(
        std::fs::read(out.join("summary.json")).expect("kept"),
        summary
    );
    assert!(!out.join("snapshots").exists());
}
