//! An output folder belongs to one run.
//!
//! - A folder that holds anything is refused, unless `overwrite`; then only
//!   files a previous cardiotwin run wrote (listed in its manifest,
//!   [`MANIFEST_FILE`]) are replaced, and a folder holding anything else is
//!   refused rather than emptied: we never delete a user's files.
//! - A folder that holds (or is) an input of the run is refused: a run never
//!   writes over its own mesh or scenario.
//! - The folder is locked ([`LOCK_FILE`], an flock(2) advisory lock held for the
//!   whole run): a second run into it fails at once instead of interleaving
//!   its files with the first's.
//! - The run writes into a staging folder inside the output folder (same
//!   file system, so moving is a rename) and [`OutputFolder::commit`] moves
//!   the files into place at the end. A run that fails or is interrupted
//!   leaves the previous run's results untouched. Creating the lock and the
//!   staging folder before simulating is also the writability check.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The lock file; kept between runs (deleting it would let two runs lock two
/// different files of the same name).
pub const LOCK_FILE: &str = ".cardiotwin.lock";
/// The list of files the last run wrote, which `overwrite` may delete.
pub const MANIFEST_FILE: &str = ".cardiotwin-manifest.json";
/// Staging folders: ours by name, swept by the next run if a crash left one.
const STAGING_PREFIX: &str = ".cardiotwin-staging-";
/// [`super::atomic`]'s temporary files: `.cardiotwin-*.tmp`.
const ATOMIC_PREFIX: &str = ".cardiotwin-";
const ATOMIC_SUFFIX: &str = ".tmp";
/// How many entries an error message lists.
const LISTED: usize = 5;

#[derive(Serialize, Deserialize)]
struct Manifest {
    written_by: String,
    /// Paths relative to the folder, `/`-separated.
    files: Vec<String>,
}

/// A claimed output folder: locked, with a staging folder to write into.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    /// Always `Some` until dropped; `Option` so that [`Drop`] can delete it
    /// before it unregisters it from the interrupt handler.
    staging: Option<tempfile::TempDir>,
    /// Files of the previous run that [`OutputFolder::commit`] replaces
    /// (empty unless `overwrite`).
    previous: Vec<String>,
    /// Held for the life of the run; the OS releases it on exit or crash.
    _lock: File,
}

fn refuse(dir: &Path, message: String) -> Error {
    Error::Unsupported(format!("output folder {}: {message}", dir.display()))
}

/// Checks that write nothing, for a fast failure before a long preparation:
/// `dir` is a folder or absent, holds no input, and is empty (or, with
/// `overwrite`, holds only a previous run's files). [`OutputFolder::claim`]
/// repeats them under the lock.
pub fn preflight(dir: &Path, inputs: &[PathBuf], overwrite: bool) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(refuse(
                dir,
                "exists and is not a folder (--out names the folder that receives the results)"
                    .into(),
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(refuse(dir, format!("cannot be created or read: {e}"))),
    }
    check_inputs(dir, inputs)?;
    previous_run(dir, overwrite).map(|_| ())
}

/// No input may lie inside the output folder.
fn check_inputs(dir: &Path, inputs: &[PathBuf]) -> Result<()> {
    let Ok(folder) = dir.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(path) = input.canonicalize() {
            if path.starts_with(&folder) {
                return Err(refuse(
                    dir,
                    format!(
                        "it holds {}, an input of this run; a run never writes where its \
                         inputs are: choose another --out",
                        input.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether a top-level name is our own bookkeeping, never a result.
fn is_bookkeeping(name: &str) -> bool {
    name == LOCK_FILE || name == MANIFEST_FILE || name.starts_with(STAGING_PREFIX)
}

fn is_atomic_leftover(name: &str) -> bool {
    name.starts_with(ATOMIC_PREFIX) && name.ends_with(ATOMIC_SUFFIX)
}

/// Files (and empty folders, with a trailing `/`) under `root`, relative and
/// `/`-separated, sorted; bookkeeping at the top level and temporary-file
/// leftovers are left out. Symbolic links are listed, not followed.
fn contents(root: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<()> {
        let here = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        let mut any = false;
        for entry in std::fs::read_dir(&here).map_err(|e| Error::io(&here, e))? {
            let entry = entry.map_err(|e| Error::io(&here, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if (rel.is_empty() && is_bookkeeping(&name)) || is_atomic_leftover(&name) {
                continue;
            }
            any = true;
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else {
                out.push(path);
            }
        }
        if !any && !rel.is_empty() {
            out.push(format!("{rel}/"));
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// Top-level entries of a recursive listing: `snapshots/ (19 files)`.
fn summarised(paths: &[String]) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for p in paths {
        let top = match p.split_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => p.clone(),
        };
        match out.last_mut() {
            Some((last, n)) if *last == top => *n += 1,
            _ => out.push((top, 1)),
        }
    }
    out.into_iter()
        .map(|(top, n)| match n {
            1 => top,
            _ => format!("{top} ({n} files)"),
        })
        .collect()
}

fn listing(names: &[String]) -> String {
    let names = summarised(names);
    let mut text = names
        .iter()
        .take(LISTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED {
        text.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    text
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// What a previous run left in `dir` and `overwrite` may replace; an error
/// when the folder is not empty and that is not allowed.
fn previous_run(dir: &Path, overwrite: bool) -> Result<Vec<String>> {
    let present = contents(dir)?;
    if present.is_empty() {
        return Ok(Vec::new());
    }
    if !overwrite {
        return Err(refuse(
            dir,
            format!(
                "is not empty (it holds {}); a folder holds one run's results: choose a new \
                 or empty folder, or pass --overwrite to replace a previous cardiotwin run's files",
                listing(&present)
            ),
        ));
    }
    let ours: BTreeSet<String> = read_manifest(dir)
        .map(|m| m.files.into_iter().collect())
        .unwrap_or_default();
    let is_ours = |p: &String| {
        ours.contains(p) || (p.ends_with('/') && ours.iter().any(|f| f.starts_with(p.as_str())))
    };
    let foreign: Vec<String> = present.iter().filter(|p| !is_ours(p)).cloned().collect();
    if !foreign.is_empty() {
        return Err(refuse(
            dir,
            format!(
                "--overwrite replaces only files a cardiotwin run wrote (listed in {MANIFEST_FILE}), \
                 and this folder also holds {}; move them or choose another folder",
                listing(&foreign)
            ),
        ));
    }
    Ok(present)
}

/// Remove our staging folders and temporary files left by a crashed or
/// killed run (we hold the lock, so no live run owns them).
fn sweep_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(STAGING_PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        } else if is_atomic_leftover(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_manifest(dir: &Path, files: &[String]) -> Result<()> {
    let manifest = Manifest {
        written_by: format!("cardiotwin {}", crate::VERSION),
        files: files.to_vec(),
    };
    let json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::Unsupported(format!("{MANIFEST_FILE}: {e}")))?;
    super::atomic::write_string_atomic(&dir.join(MANIFEST_FILE), &json)
}

/// Take an exclusive advisory lock on `file` without waiting: `Ok(false)`
/// when another process (or another open of the file) holds it. flock(2),
/// released by the OS when the file is closed or the process dies. (std's
/// `File::try_lock` does the same from Rust 1.89; our MSRV is 1.85.)
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor we own for the duration of the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(err)
    }
}

/// Without flock the folder is not locked; the other guarantees hold.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// `a/b/c.vtu` -> `a`.
fn top_level(rel: &str) -> &str {
    rel.split('/').next().unwrap_or(rel)
}

impl OutputFolder {
    /// Create (if needed) and lock `dir`, check it as [`preflight`] does, and
    /// open a staging folder in it. Fails before any simulation when the
    /// folder cannot be written.
    pub fn claim(dir: &Path, inputs: &[PathBuf], overwrite: bool) -> Result<OutputFolder> {
        preflight(dir, inputs, overwrite)?;
        std::fs::create_dir_all(dir).map_err(|e| refuse(dir, format!("cannot be created: {e}")))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                refuse(
                    dir,
                    format!("is not writable ({}: {e})", lock_path.display()),
                )
            })?;
        match try_lock(&lock) {
            Ok(true) => {}
            Ok(false) => {
                return Err(refuse(
                    dir,
                    format!(
                        "another cardiotwin run is writing into it (it holds {}); wait for it \
                         to finish or choose another --out",
                        lock_path.display()
                    ),
                ))
            }
            Err(e) => return Err(refuse(dir, format!("cannot be locked: {e}"))),
        }
        sweep_leftovers(dir);
        // Again under the lock: the folder may have changed since preflight.
        check_inputs(dir, inputs)?;
        let previous = previous_run(dir, overwrite)?;
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(dir)
            .map_err(|e| refuse(dir, format!("is not writable: {e}")))?;
        crate::interrupt::register(staging.path());
        Ok(OutputFolder {
            dir: dir.to_path_buf(),
            staging: Some(staging),
            previous,
            _lock: lock,
        })
    }

    /// The final folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where the run writes its files (same relative names as in the final
    /// folder).
    pub fn staging(&self) -> &Path {
        self.staging
            .as_ref()
            .expect("the staging folder lives until drop")
            .path()
    }

    /// Replace the previous run's files (if any) by the staged ones and
    /// record them in the manifest; returns the files, relative.
    ///
    /// Order, for a crash at any point: the manifest first lists old and new
    /// files together, so whatever is in the folder afterwards is covered by
    /// it and a later `--overwrite` may clear it.
    pub fn commit(self) -> Result<Vec<String>> {
        let staged = contents(self.staging())?;
        let previous: BTreeSet<&str> = self.previous.iter().map(String::as_str).collect();
        let tops: BTreeSet<&str> = staged.iter().map(|f| top_level(f)).collect();
        for top in &tops {
            let target = self.dir.join(top);
            let was_ours = previous.iter().any(|p| top_level(p) == *top);
            if target.symlink_metadata().is_ok() && !was_ours {
                return Err(refuse(
                    &self.dir,
                    format!(
                        "{top} appeared in it during the run (not written by cardiotwin); \
                         not overwriting it. The results are in {}",
                        self.staging().display()
                    ),
                ));
            }
        }
        let mut union: Vec<String> = self.previous.clone();
        union.extend(staged.iter().cloned());
        union.sort();
        union.dedup();
        write_manifest(&self.dir, &union)?;
        self.remove_previous()?;
        for top in &tops {
            let from = self.staging().join(top);
            let to = self.dir.join(top);
            std::fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        }
        write_manifest(&self.dir, &staged)?;
        Ok(staged)
    }

    /// Delete the previous run's files, then the folders they leave empty.
    fn remove_previous(&self) -> Result<()> {
        let mut folders = BTreeSet::new();
        for rel in &self.previous {
            let path = self.dir.join(rel.trim_end_matches('/'));
            if rel.ends_with('/') {
                folders.insert(path);
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
            let mut parent = Path::new(rel).parent();
            while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
                folders.insert(self.dir.join(p));
                parent = p.parent();
            }
        }
        // Deepest first; a folder that is not empty stays.
        for folder in folders.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
        Ok(())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        // Empty after a commit; a failed or interrupted run's files go here.
        if let Some(staging) = self.staging.take() {
            let path = staging.path().to_path_buf();
            let _ = staging.close();
            crate::interrupt::unregister(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        contents(dir).expect("listing")
    }

    #[test]
    fn a_committed_run_is_listed_in_the_manifest_and_leaves_no_staging() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let folder = OutputFolder::claim(&out, &[], false).expect("claim");
        std::fs::create_dir(folder.staging().join("snapshots")).expect("mkdir");
        std::fs::write(folder.staging().join("snapshots/a.vtu"), "a").expect("write");
        std::fs::write(folder.staging().join("summary.json"), "{}").expect("write");
        let written = folder.commit().expect("commit");
        assert_eq!(written, vec!["snapshots/a.vtu", "summary.json"]);
        assert_eq!(names(&out), written);
        let manifest = read_manifest(&out).expect("manifest");
        assert_eq!(manifest.files, written);
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn overwrite_replaces_only_the_previous_run_and_refuses_foreign_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let first = OutputFolder::claim(&out, &[], false).expect("claim");
        std::fs::create_dir(first.staging().join("snapshots")).expect("mkdir");
        std::fs::write(first.staging().join("snapshots/a.vtu"), "a").expect("write");
        std::fs::write(first.staging().join("summary.json"), "1").expect("write");
        first.commit().expect("commit");

        let err = OutputFolder::claim(&out, &[], false).expect_err("not empty");
        assert!(err.to_string().contains("--overwrite"), "{err}");
        assert!(
            err.to_string().contains("snapshots/, summary.json"),
            "one entry per top-level name: {err}"
        );

        let second = OutputFolder::claim(&out, &[], true).expect("overwrite");
        std::fs::write(second.staging().join("summary.json"), "2").expect("write");
        second.commit().expect("commit");
        assert_eq!(names(&out), vec!["summary.json"], "old snapshots removed");
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "2"
        );

        std::fs::write(out.join("notes.txt"), "mine").expect("write");
        let err = OutputFolder::claim(&out, &[], true).expect_err("foreign");
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert!(
            out.join("notes.txt").is_file(),
            "a user's file is never deleted"
        );
    }

    #[test]
    fn a_listing_names_folders_once_with_their_file_count() {
        let paths: Vec<String> = [
            "a.vtu",
            "snapshots.pvd",
            "snapshots/1.vtu",
            "snapshots/2.vtu",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            listing(&paths),
            "a.vtu, snapshots.pvd, snapshots/ (2 files)"
        );
    }

    #[test]
    fn a_failed_run_leaves_the_previous_results_untouched() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let first = OutputFolder::claim(&out, &[], false).expect("claim");
        std::fs::write(first.staging().join("summary.json"), "good").expect("write");
        first.commit().expect("commit");
        let second = OutputFolder::claim(&out, &[], true).expect("overwrite");
        std::fs::write(second.staging().join("summary.json"), "half").expect("write");
        drop(second); // the run failed
        assert_eq!(names(&out), vec!["summary.json"]);
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "good"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_second_claim_while_the_first_holds_the_lock_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let first = OutputFolder::claim(tmp.path(), &[], false).expect("claim");
        let err = OutputFolder::claim(tmp.path(), &[], false).expect_err("locked");
        assert!(err.to_string().contains("another cardiotwin run"), "{err}");
        drop(first);
        OutputFolder::claim(tmp.path(), &[], false).expect("free again");
    }

    #[test]
    fn an_input_inside_the_folder_or_a_file_as_folder_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mesh = tmp.path().join("mesh.vtu");
        std::fs::write(&mesh, "x").expect("write");
        let inputs = std::slice::from_ref(&mesh);
        let err = preflight(&mesh, inputs, true).expect_err("file");
        assert!(err.to_string().contains("not a folder"), "{err}");
        let err = preflight(tmp.path(), inputs, true).expect_err("input inside");
        assert!(err.to_string().contains("an input of this run"), "{err}");
        assert!(mesh.is_file());
    }

    #[test]
    fn leftovers_of_a_killed_run_are_swept_and_do_not_count_as_content() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let stale = tmp.path().join(format!("{STAGING_PREFIX}abc"));
        std::fs::create_dir(&stale).expect("mkdir");
        std::fs::write(stale.join("activation.vtu"), "half").expect("write");
        std::fs::write(tmp.path().join(".cardiotwin-x.tmp"), "half").expect("write");
        let folder = OutputFolder::claim(tmp.path(), &[], false).expect("empty but for leftovers");
        assert!(!stale.exists());
        assert!(!tmp.path().join(".cardiotwin-x.tmp").exists());
        drop(folder);
    }
}
