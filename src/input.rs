//! Reading input files whole, without reading forever.
//!
//! A regular file has an end, whatever its size. A device such as
//! `/dev/zero` or `/dev/urandom` has none: a reader that takes it for a mesh
//! or a scenario fills the memory. Devices are refused before reading, and
//! other non-regular files (pipes, process substitution) are read up to
//! [`MAX_STREAM_BYTES`].

use crate::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Most bytes read from a pipe or other stream whose size is unknown:
/// above any mesh this program can hold in memory on a workstation.
pub const MAX_STREAM_BYTES: u64 = 4 << 30;

/// Read `path` whole, mapping errors to [`Error::Io`] naming it.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_file() {
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        let mut file = file;
        file.read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        return Ok(bytes);
    }
    if is_device(&meta) {
        return Err(Error::Unsupported(format!(
            "{}: is a device, not a file (it never ends); give a mesh or data file",
            path.display()
        )));
    }
    read_stream(file, MAX_STREAM_BYTES).map_err(|e| match e {
        StreamError::Io(e) => Error::io(path, e),
        StreamError::TooLong => Error::Unsupported(format!(
            "{}: a stream of more than {} GiB without an end; refusing to read further \
             (save it to a file first)",
            path.display(),
            MAX_STREAM_BYTES >> 30
        )),
    })
}

/// Read `path` whole as UTF-8 text (scenario, catalog and parameter files).
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        )
    })
}

#[cfg(unix)]
fn is_device(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_char_device() || meta.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_device(_meta: &std::fs::Metadata) -> bool {
    false
}

#[derive(Debug)]
pub enum StreamError {
    Io(std::io::Error),
    TooLong,
}

/// Read `reader` to its end, or fail once it passes `limit` bytes.
pub fn read_stream(reader: impl Read, limit: u64) -> std::result::Result<Vec<u8>, StreamError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(StreamError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(StreamError::TooLong);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_stream_stops_at_the_limit() {
        let endless = std::io::repeat(0);
        assert!(matches!(
            read_stream(endless, 1000),
            Err(StreamError::TooLong)
        ));
        let short = read_stream(&b"abc"[..], 3).expect("within the limit");
        assert_eq!(short, b"abc");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_without_reading() {
        let err = read_bytes(Path::new("/dev/zero")).expect_err("a device");
        assert!(err.to_string().contains("is a device"), "{err}");
        let err = read_text(Path::new("/dev/urandom")).expect_err("a device");
        assert!(err.to_string().contains("/dev/urandom"), "{err}");
    }
}
