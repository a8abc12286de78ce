//! Numeric payloads of VTK files: scalar types, byte order, base64 and the
//! zlib block layout of `vtkZLibDataCompressor`.
//!
//! Binary layout (VTK "File Formats", XML section): an uncompressed array is
//! `[nbytes][data]`; a compressed one is
//! `[nblocks][blocksize][last_blocksize][csize_0]...[csize_n-1]` followed by
//! the zlib streams of each block. Header integers are UInt32 or UInt64
//! (`header_type`). Inline (`format="binary"`) payloads are base64; VTK
//! encodes the compressed header and the blocks as two separate base64
//! streams, so decoding must restart after `=` padding.

use base64::prelude::{Engine, BASE64_STANDARD};
use std::io::Read;

/// A numeric type as named by VTK XML (`Float64`) or legacy VTK (`double`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,
}

impl Scalar {
    /// From a VTK XML `type` attribute.
    pub fn from_xml(name: &str) -> Option<Scalar> {
        Some(match name {
            "Int8" | "Char" => Scalar::Int8,
            "UInt8" | "UChar" => Scalar::UInt8,
            "Int16" => Scalar::Int16,
            "UInt16" => Scalar::UInt16,
            "Int32" => Scalar::Int32,
            "UInt32" => Scalar::UInt32,
            "Int64" | "IdType" => Scalar::Int64,
            "UInt64" => Scalar::UInt64,
            "Float32" => Scalar::Float32,
            "Float64" => Scalar::Float64,
            _ => return None,
        })
    }

    /// From a legacy VTK data type keyword.
    pub fn from_legacy(name: &str) -> Option<Scalar> {
        Some(match name {
            // VTK 5.1 files (VTK 9, meshio 5) name fixed-width types
            // `vtktypeint32` and so on, beside the classic C names.
            "char" | "vtktypeint8" => Scalar::Int8,
            "unsigned_char" | "vtktypeuint8" => Scalar::UInt8,
            "short" | "vtktypeint16" => Scalar::Int16,
            "unsigned_short" | "vtktypeuint16" => Scalar::UInt16,
            // Legacy binary files store vtkIdType as 32-bit int.
            "int" | "vtkidtype" | "vtktypeint32" => Scalar::Int32,
            "unsigned_int" | "vtktypeuint32" => Scalar::UInt32,
            "long" | "vtktypeint64" => Scalar::Int64,
            "unsigned_long" | "vtktypeuint64" => Scalar::UInt64,
            "float" => Scalar::Float32,
            "double" => Scalar::Float64,
            _ => return None,
        })
    }

    /// Size in bytes.
    pub fn size(self) -> usize {
        match self {
            Scalar::Int8 | Scalar::UInt8 => 1,
            Scalar::Int16 | Scalar::UInt16 => 2,
            Scalar::Int32 | Scalar::UInt32 | Scalar::Float32 => 4,
            Scalar::Int64 | Scalar::UInt64 | Scalar::Float64 => 8,
        }
    }

    /// Decode `bytes` (a whole number of values) into f64. 64-bit integers
    /// are exact up to 2^53, far beyond any mesh index.
    pub fn decode(self, bytes: &[u8], big_endian: bool) -> Vec<f64> {
        let n = self.size();
        bytes
            .chunks_exact(n)
            .map(|c| {
                let mut b = [0u8; 8];
                b[..n].copy_from_slice(c);
                if big_endian {
                    b[..n].reverse();
                }
                match self {
                    Scalar::Int8 => b[0] as i8 as f64,
                    Scalar::UInt8 => b[0] as f64,
                    Scalar::Int16 => i16::from_le_bytes([b[0], b[1]]) as f64,
                    Scalar::UInt16 => u16::from_le_bytes([b[0], b[1]]) as f64,
                    Scalar::Int32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
                    Scalar::UInt32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
                    Scalar::Float32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
                    Scalar::Int64 => i64::from_le_bytes(b) as f64,
                    Scalar::UInt64 => u64::from_le_bytes(b) as f64,
                    Scalar::Float64 => f64::from_le_bytes(b),
                }
            })
            .collect()
    }
}

/// Decode base64 text that may be several padded streams back to back
/// (VTK writes the compression header and the data separately). Whitespace
/// is ignored.
pub fn decode_base64_concat(text: &str) -> Result<Vec<u8>, String> {
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let mut start = 0;
    while start < clean.len() {
        // A stream ends after its '=' padding (or at the end of the text).
        let mut end = match clean[start..].iter().position(|&b| b == b'=') {
            Some(p) => start + p,
            None => clean.len(),
        };
        while end < clean.len() && clean[end] == b'=' {
            end += 1;
        }
        BASE64_STANDARD
            .decode_vec(&clean[start..end], &mut out)
            .map_err(|e| format!("invalid base64 near character {start}: {e}"))?;
        start = end;
    }
    Ok(out)
}

/// Read one header integer (UInt32 or UInt64, little or big endian).
pub fn header_int(bytes: &[u8], at: usize, hsize: usize, big_endian: bool) -> Option<u64> {
    let s = bytes.get(at..at + hsize)?;
    let mut b = [0u8; 8];
    b[..hsize].copy_from_slice(s);
    if big_endian {
        b[..hsize].reverse();
    }
    Some(u64::from_le_bytes(b))
}

/// Parse `[nbytes][data]` (uncompressed) or the zlib block layout from the
/// start of `bytes`. Returns the raw data and the number of bytes consumed.
pub fn unpack(
    bytes: &[u8],
    hsize: usize,
    big_endian: bool,
    compressed: bool,
) -> Result<(Vec<u8>, usize), String> {
    let truncated = |what: &str| format!("truncated {what}: {} bytes available", bytes.len());
    if !compressed {
        let n = header_int(bytes, 0, hsize, big_endian).ok_or_else(|| truncated("header"))?;
        let n = usize::try_from(n).map_err(|_| format!("byte count {n} too large"))?;
        let data = bytes.get(hsize..hsize.saturating_add(n)).ok_or_else(|| {
            format!(
                "header announces {n} bytes but only {} follow",
                bytes.len().saturating_sub(hsize)
            )
        })?;
        return Ok((data.to_vec(), hsize + n));
    }
    let h = |i: usize| header_int(bytes, i * hsize, hsize, big_endian);
    let nblocks = h(0).ok_or_else(|| truncated("compression header"))? as usize;
    let block = h(1).ok_or_else(|| truncated("compression header"))? as usize;
    let last = h(2).ok_or_else(|| truncated("compression header"))? as usize;
    if nblocks > bytes.len() {
        return Err(format!(
            "compression header announces {nblocks} blocks in {} bytes",
            bytes.len()
        ));
    }
    let mut pos = (3 + nblocks) * hsize;
    if pos > bytes.len() {
        return Err(truncated("compression header"));
    }
    let mut out = Vec::new();
    for b in 0..nblocks {
        let csize = h(3 + b).ok_or_else(|| truncated("compression header"))? as usize;
        let chunk = bytes
            .get(pos..pos.saturating_add(csize))
            .ok_or_else(|| format!("block {b} of {nblocks} is truncated"))?;
        // The last block may be partial; a zero last size means a full block.
        let expect = if b + 1 == nblocks && last != 0 {
            last
        } else {
            block
        };
        let before = out.len();
        flate2::read::ZlibDecoder::new(chunk)
            .take(expect as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("block {b} of {nblocks}: zlib error: {e}"))?;
        if out.len() - before != expect {
            return Err(format!(
                "block {b} of {nblocks} inflates to {} bytes, header says {expect}",
                out.len() - before
            ));
        }
        pos += csize;
    }
    Ok((out, pos))
}

/// Compressed payload length in bytes for a header at the start of `text`
/// encoded as its own base64 stream: the number of base64 characters the
/// header takes. Used for appended base64 data.
pub fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

/// Pack `data` as `[nbytes: u64][data]` (uncompressed, UInt64 header).
pub fn pack_plain(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Block size used when compressing, as VTK does (32 KiB).
const BLOCK: usize = 32768;

/// Compress `data` into (header, blocks) with UInt64 header integers.
pub fn pack_zlib(data: &[u8]) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    use std::io::Write;
    let chunks: Vec<&[u8]> = data.chunks(BLOCK).collect();
    let last = chunks.last().map_or(0, |c| c.len());
    let mut header: Vec<u64> = vec![chunks.len() as u64, BLOCK as u64, last as u64];
    let mut blocks = Vec::new();
    for c in &chunks {
        // Level 1: results are written often (snapshots) and most of the
        // size gain (connectivity, offsets, types) comes at the fastest level.
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(c)?;
        let z = enc.finish()?;
        header.push(z.len() as u64);
        blocks.extend_from_slice(&z);
    }
    let header_bytes = header.iter().flat_map(|v| v.to_le_bytes()).collect();
    Ok((header_bytes, blocks))
}

/// Base64 encode.
pub fn encode_base64(bytes: &[u8]) -> String {
    BASE64_STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separately_encoded_streams_decode_back_to_back() {
        let a = encode_base64(&[1, 2, 3, 4]);
        let b = encode_base64(&[5, 6]);
        let joined = format!("{a}\n  {b}");
        assert_eq!(
            decode_base64_concat(&joined).unwrap(),
            vec![1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn zlib_pack_unpack_round_trips_multiple_blocks() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (h, b) = pack_zlib(&data).unwrap();
        let mut all = h.clone();
        all.extend_from_slice(&b);
        let (back, used) = unpack(&all, 8, false, true).unwrap();
        assert_eq!(back, data);
        assert_eq!(used, all.len());
    }

    #[test]
    fn big_endian_int32_decodes() {
        assert_eq!(Scalar::Int32.decode(&[0, 0, 1, 0], true), vec![256.0]);
        assert_eq!(Scalar::Int32.decode(&[0, 1, 0, 0], false), vec![256.0]);
    }
}
