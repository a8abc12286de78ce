//! Process environment fixes applied once at start-up.
//!
//! Mesa's Vulkan drivers probe for a Wayland display while wgpu enumerates
//! adapters, and libwayland prints "error: XDG_RUNTIME_DIR is invalid or not
//! set in the environment." when the variable is unset or not an absolute
//! path (batch jobs, containers, `sudo`, cron). The run is fine, but a
//! clinician reading "error:" on a successful run cannot tell. We point the
//! variable at a private per-user folder (mode 0700, ours, as the XDG spec
//! requires) so the probe fails quietly and falls back as before.

/// Set `XDG_RUNTIME_DIR` to a private folder when it is unset or invalid.
/// Call first thing in `main`, before any thread exists (changing the
/// environment is not thread-safe). Does nothing on non-Unix systems or
/// when no safe folder can be made.
pub fn ensure_xdg_runtime_dir() {
    #[cfg(unix)]
    {
        let valid = std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|v| std::path::Path::new(&v).is_absolute());
        if valid {
            return;
        }
        if let Some(dir) = private_runtime_dir() {
            // SAFETY (documented precondition): called before any thread
            // is spawned, so nothing reads the environment concurrently.
            unsafe { std::env::set_var("XDG_RUNTIME_DIR", dir) };
        }
    }
}

/// `$TMPDIR/cardiotwin-runtime-<uid>`, created 0700 if missing; `None` if it
/// exists but is not a real folder owned by us and private.
#[cfg(unix)]
fn private_runtime_dir() -> Option<std::path::PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    // SAFETY: getuid cannot fail and has no side effects.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("cardiotwin-runtime-{uid}"));
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    // symlink_metadata: a symbolic link planted by someone else is refused.
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let private = meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0;
    private.then_some(dir)
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn the_private_folder_is_ours_and_closed_to_others() {
        use std::os::unix::fs::MetadataExt;
        let dir = super::private_runtime_dir().expect("a private folder");
        let meta = std::fs::metadata(&dir).expect("exists");
        assert_eq!(meta.mode() & 0o777, 0o700);
    }
}
