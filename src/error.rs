//! The library's error type. Every variant says where (file, line, field) and
//! what was expected, so the CLI can print it as is.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written. The OS error is part of
    /// the message and deliberately not a `#[source]`: the CLI prints the
    /// whole chain (`{:#}`), which would repeat it.
    #[error("{path}: {reason}")]
    Io {
        path: PathBuf,
        reason: std::io::Error,
    },

    /// A mesh or data file is malformed. `location` is "line N", "record N",
    /// "element N" or similar.
    #[error("{path}: {location}: {message}")]
    Parse {
        path: PathBuf,
        location: String,
        message: String,
    },

    /// A mesh loaded but is not usable (bad indices, degenerate elements...).
    #[error("invalid mesh {path}: {message}")]
    InvalidMesh { path: PathBuf, message: String },

    /// A scenario file is wrong: unknown key, bad value, missing field.
    #[error("scenario {path}: {message}")]
    Scenario { path: PathBuf, message: String },

    /// The numerical set-up is not valid (dt above the stability limit...).
    #[error("{0}")]
    Numerics(String),

    /// The simulation blew up.
    #[error("simulation blew up at t = {time_ms:.3} ms: {message}. Hint: {hint}")]
    BlowUp {
        time_ms: f64,
        message: String,
        hint: String,
    },

    /// GPU set-up or execution failed.
    #[error("GPU: {0}")]
    Gpu(String),

    /// Unsupported request (format, option).
    #[error("{0}")]
    Unsupported(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            reason: source,
        }
    }

    pub fn parse(
        path: impl Into<PathBuf>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Parse {
            path: path.into(),
            location: location.into(),
            message: message.into(),
        }
    }

    pub fn invalid_mesh(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::InvalidMesh {
            path: path.into(),
            message: message.into(),
        }
    }
}
