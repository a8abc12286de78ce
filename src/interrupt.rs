//! Ctrl-C (SIGINT, SIGTERM) during a run: remove the run's temporary files,
//! say so, and exit non-zero.
//!
//! A run writes into a staging folder inside its output folder and moves the
//! files into place only at the end (see [`crate::output::folder`]). The
//! staging folder is registered here while it exists. On a signal the
//! handler raises [`requested`], which the stepping loop's callback turns
//! into an error: the run unwinds and deletes its own staging folder (the
//! handler cannot safely do it while the main thread may still be writing
//! into it). If that does not happen within [`GRACE`] (the main thread is
//! busy elsewhere), the handler deletes the registered folders itself. Then
//! it exits with 130 (the shell's code for SIGINT), leaving neither
//! half-written files nor a mix of old and new results. A staging folder
//! that escaped both carries a name the next run into the same folder
//! recognises and removes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// How long the handler waits for the run to clean up after itself.
pub const GRACE: Duration = Duration::from_secs(3);

/// Whether Ctrl-C (or SIGTERM) arrived: a long loop should stop and unwind.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

fn registered() -> Vec<PathBuf> {
    match REGISTERED.lock() {
        Ok(list) => list.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Install the handler (once per process; later calls do nothing). A failure
/// to install (another handler exists, e.g. in a host application) is not an
/// error: the stale-staging sweep of the next run still cleans up.
pub fn install() {
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let had_files = !registered().is_empty();
            REQUESTED.store(true, Ordering::SeqCst);
            let deadline = Instant::now() + GRACE;
            while !registered().is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            for p in registered() {
                let _ = std::fs::remove_dir_all(p);
            }
            if !had_files {
                eprintln!("\ninterrupted");
            } else {
                eprintln!(
                    "\ninterrupted: removed the unfinished run's temporary files; \
                     the output folder keeps what it held before"
                );
            }
            std::process::exit(130);
        });
    });
}

/// Delete `path` (a folder) if the process is interrupted before
/// [`unregister`] is called.
pub fn register(path: &Path) {
    if let Ok(mut list) = REGISTERED.lock() {
        list.push(path.to_path_buf());
    }
}

/// The folder no longer needs cleaning on interrupt.
pub fn unregister(path: &Path) {
    if let Ok(mut list) = REGISTERED.lock() {
        list.retain(|p| p != path);
    }
}
