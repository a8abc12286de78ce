//! Finding files shipped with cardiotwin (assets/, meshes/) at run time.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Find a shipped file by its path relative to the project root: under
/// $CARDIOTWIN_HOME, the current folder, the folders above the executable
/// (an installed or `cargo run` binary), or the source tree it was built from.
pub fn find_shipped(relative: &str) -> Result<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(home) = std::env::var_os("CARDIOTWIN_HOME") {
        roots.push(home.into());
    }
    roots.push(PathBuf::from("."));
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    roots
        .iter()
        .map(|r| r.join(relative))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::Unsupported(format!(
                "cannot find the shipped file {relative}; run from the cardiotwin source \
                 folder or set CARDIOTWIN_HOME to it"
            ))
        })
}
