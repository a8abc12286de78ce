//! The footprints measured: the doubling sweep and an explicit list.

use crate::{Error, Result};

/// Powers of two from `from` to `to` inclusive (both in bytes).
pub fn powers_of_two(from: u64, to: u64) -> Vec<u64> {
    std::iter::successors(Some(from.max(1)), |&s| s.checked_mul(2))
        .take_while(|&s| s <= to)
        .collect()
}

/// Parse `--footprints-mib`: each entry a whole number of MiB, at least
/// `min_mib` and at most `max_mib`; the list sorted and without repeats.
/// The error names the offending entry and what was expected.
pub fn parse_footprints_mib(list: &str, min_mib: u64, max_mib: u64) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    for (i, raw) in list.split(',').enumerate() {
        let entry = raw.trim();
        let mib: u64 = entry.parse().map_err(|_| {
            Error::Unsupported(format!(
                "--footprints-mib: entry {} ('{entry}') is not a whole number of MiB",
                i + 1
            ))
        })?;
        if mib < min_mib || mib > max_mib {
            return Err(Error::Unsupported(format!(
                "--footprints-mib: entry {} ({mib} MiB) is outside {min_mib}..={max_mib} MiB",
                i + 1
            )));
        }
        out.push(mib);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
