//! `cardiotwin demo`.

use anyhow::Result;
use cardiotwin::solver::select::BackendChoice;
use std::path::Path;

pub fn run(_out: &Path, _backend: BackendChoice) -> Result<()> {
    anyhow::bail!("demo: not built yet")
}
