//! Results in openCARP's own formats, so openCARP users can open them in
//! meshalyzer or feed them to carputils next to the VTU files:
//!
//! - `.dat`: one value per line per node, in the mesh's node order (the order
//!   of the `.pts` file). Activation times as openCARP's LAT detector writes
//!   them: ms, and -1 for a node that was never reached.
//! - `.igb`: a time series of one float per node per frame, after a
//!   1024-byte ASCII header.
//!
//! The IGB header, as openCARP's `IGBheader` writes and reads it (openCARP
//! documentation, "IGB files"; carputils `carpio.igb`): whitespace-separated
//! `key:value` items on lines ending in CR LF, the block padded to exactly
//! 1024 bytes and ended by a form feed. Keys used here: `x`, `y`, `z`, `t`
//! (dimensions: nodes, 1, 1, frames), `type` (`float`), `systeme`
//! (`little_endian`), `org_t` (time of the first frame), `inc_t` (time
//! between frames), `dim_t` (`(t - 1) * inc_t`, the span), `unites_t` (`ms`)
//! and `unites` (`mV`). The data follow as x * y * z * t little-endian f32,
//! frame after frame.

use crate::output::atomic::write_atomic;
use crate::{Error, Result};
use std::collections::HashMap;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Size of an IGB header.
pub const IGB_HEADER_BYTES: usize = 1024;

/// The value openCARP writes for "never activated".
pub const NOT_REACHED: f64 = -1.0;

/// Write per-node values as an openCARP `.dat` file; NaN (never reached)
/// becomes -1, as openCARP writes it.
pub fn write_dat(path: &Path, values: &[f64]) -> Result<()> {
    write_atomic(path, |w| {
        for &v in values {
            if v.is_finite() {
                writeln!(w, "{v}")?;
            } else {
                writeln!(w, "{NOT_REACHED}")?;
            }
        }
        Ok(())
    })
}

/// The header fields this module writes and reads.
#[derive(Debug, Clone, PartialEq)]
pub struct IgbHeader {
    /// Values per frame (nodes).
    pub nodes: usize,
    /// Number of frames.
    pub frames: usize,
    /// Time of the first frame (ms).
    pub org_t: f64,
    /// Time between frames (ms).
    pub inc_t: f64,
    /// Unit of the values (e.g. `mV`).
    pub unites: String,
}

impl IgbHeader {
    /// The 1024 header bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let items = [
            format!("x:{}", self.nodes),
            "y:1".into(),
            "z:1".into(),
            format!("t:{}", self.frames),
            "type:float".into(),
            "systeme:little_endian".into(),
            format!("org_t:{}", self.org_t),
            format!(
                "dim_t:{}",
                self.frames.saturating_sub(1) as f64 * self.inc_t
            ),
            format!("inc_t:{}", self.inc_t),
            "unites_t:ms".into(),
            format!("unites:{}", self.unites),
        ];
        // Lines of at most 70 characters plus CR LF.
        let mut text = String::new();
        let mut line = String::new();
        for item in items {
            if !line.is_empty() && line.len() + 1 + item.len() > 70 {
                text.push_str(&line);
                text.push_str("\r\n");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&item);
        }
        text.push_str(&line);
        text.push_str("\r\n");
        // Blank lines pad the block; a form feed is its last byte.
        let mut bytes = text.into_bytes();
        while bytes.len() + 72 < IGB_HEADER_BYTES {
            bytes.extend_from_slice(&[b' '; 70]);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.resize(IGB_HEADER_BYTES - 1, b' ');
        bytes.push(0x0c);
        bytes
    }

    /// Parse a 1024-byte header (the fields above; others are ignored).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<IgbHeader> {
        let bad = |m: String| Error::parse(path, "IGB header", m);
        if bytes.len() < IGB_HEADER_BYTES {
            return Err(bad(format!(
                "truncated: an IGB header is {IGB_HEADER_BYTES} bytes, the file has {}",
                bytes.len()
            )));
        }
        let text = String::from_utf8_lossy(&bytes[..IGB_HEADER_BYTES]);
        let fields: HashMap<&str, &str> = text
            .split(|c: char| c.is_ascii_whitespace() || c == '\x0c')
            .filter_map(|item| item.split_once(':'))
            .collect();
        let get = |k: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| bad(format!("no '{k}:' field")))
        };
        let int = |k: &str| -> Result<usize> {
            get(k)?
                .parse()
                .map_err(|_| bad(format!("'{k}' is not a count")))
        };
        let num = |k: &str, default: f64| -> Result<f64> {
            match fields.get(k) {
                Some(v) => v
                    .parse()
                    .map_err(|_| bad(format!("'{k}' is not a number ({v})"))),
                None => Ok(default),
            }
        };
        if get("type")? != "float" {
            return Err(bad(format!(
                "type {} is not supported; expected float",
                get("type")?
            )));
        }
        if let Some(s) = fields.get("systeme") {
            if *s != "little_endian" {
                return Err(bad(format!(
                    "systeme {s} is not supported; expected little_endian"
                )));
            }
        }
        let (y, z) = (int("y")?, int("z")?);
        let nodes = int("x")?
            .checked_mul(y)
            .and_then(|n| n.checked_mul(z))
            .ok_or_else(|| bad("x * y * z overflows".into()))?;
        Ok(IgbHeader {
            nodes,
            frames: int("t")?,
            org_t: num("org_t", 0.0)?,
            inc_t: num("inc_t", 1.0)?,
            unites: fields.get("unites").unwrap_or(&"").to_string(),
        })
    }
}

/// Read an IGB file of floats: the header and the frames.
pub fn read_igb(path: &Path) -> Result<(IgbHeader, Vec<Vec<f32>>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let header = IgbHeader::parse(path, &bytes)?;
    let data = &bytes[IGB_HEADER_BYTES..];
    let need = header
        .nodes
        .checked_mul(header.frames)
        .and_then(|n| n.checked_mul(4))
        .ok_or_else(|| Error::parse(path, "IGB header", "x * t overflows"))?;
    if data.len() != need {
        return Err(Error::parse(
            path,
            "data",
            format!(
                "the header announces {} frames of {} floats ({need} bytes), the file holds {} bytes",
                header.frames,
                header.nodes,
                data.len()
            ),
        ));
    }
    let frames = data
        .chunks_exact(4 * header.nodes.max(1))
        .take(header.frames)
        .map(|f| {
            f.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect();
    Ok((header, frames))
}

/// Writes an IGB series frame by frame into a temporary file beside the
/// target; [`finish`](Self::finish) writes the final header (the frame
/// count is known only then) and renames the file into place.
pub struct IgbWriter {
    path: PathBuf,
    file: BufWriter<tempfile::NamedTempFile>,
    nodes: usize,
    times: Vec<f64>,
    unites: String,
}

impl IgbWriter {
    pub fn create(path: &Path, nodes: usize, unites: &str) -> Result<IgbWriter> {
        let tmp = crate::output::atomic::temp_beside(path)?;
        let mut file = BufWriter::new(tmp);
        file.write_all(&[b' '; IGB_HEADER_BYTES])
            .map_err(|e| Error::io(path, e))?;
        Ok(IgbWriter {
            path: path.to_path_buf(),
            file,
            nodes,
            times: Vec::new(),
            unites: unites.to_string(),
        })
    }

    /// Append one frame (as f32) at `time_ms`.
    pub fn push(&mut self, time_ms: f64, values: &[f64]) -> Result<()> {
        if values.len() != self.nodes {
            return Err(Error::Numerics(format!(
                "{}: a frame of {} values for {} nodes",
                self.path.display(),
                values.len(),
                self.nodes
            )));
        }
        let mut buf = Vec::with_capacity(4 * values.len());
        for &v in values {
            buf.extend_from_slice(&(v as f32).to_le_bytes());
        }
        self.file
            .write_all(&buf)
            .map_err(|e| Error::io(&self.path, e))?;
        self.times.push(time_ms);
        Ok(())
    }

    /// Write the header and move the file into place. IGB frames are
    /// evenly spaced: frames pushed at uneven times are an error.
    pub fn finish(self) -> Result<PathBuf> {
        let org_t = self.times.first().copied().unwrap_or(0.0);
        let inc_t = match self.times.get(1) {
            Some(t1) => t1 - org_t,
            None => 1.0,
        };
        for (k, t) in self.times.iter().enumerate() {
            let expected = org_t + k as f64 * inc_t;
            if (t - expected).abs() > 1e-6 * inc_t.abs().max(1.0) {
                return Err(Error::Numerics(format!(
                    "{}: frame {k} at {t} ms; IGB frames must be evenly spaced ({inc_t} ms from {org_t} ms)",
                    self.path.display()
                )));
            }
        }
        let header = IgbHeader {
            nodes: self.nodes,
            frames: self.times.len(),
            org_t,
            inc_t,
            unites: self.unites,
        };
        let path = self.path;
        let mut tmp = self
            .file
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        tmp.seek(SeekFrom::Start(0))
            .and_then(|_| tmp.write_all(&header.to_bytes()))
            .and_then(|_| tmp.flush())
            .map_err(|e| Error::io(&path, e))?;
        crate::output::atomic::persist(tmp, &path)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_1024_bytes_of_key_value_lines_ending_in_a_form_feed() {
        let h = IgbHeader {
            nodes: 68_799,
            frames: 17,
            org_t: 0.0,
            inc_t: 20.0,
            unites: "mV".into(),
        };
        let b = h.to_bytes();
        assert_eq!(b.len(), IGB_HEADER_BYTES);
        assert_eq!(b[IGB_HEADER_BYTES - 1], 0x0c);
        let text = String::from_utf8(b.clone()).unwrap();
        assert!(text.starts_with("x:68799 y:1 z:1 t:17 type:float systeme:little_endian"));
        assert!(
            text.contains("dim_t:320") && text.contains("unites:mV\r\n"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.len() <= 72));
        assert_eq!(IgbHeader::parse(Path::new("x.igb"), &b).unwrap(), h);
    }
}
