//! VTK XML unstructured grid (`.vtu`) reader and writer.
//!
//! Reader: `format="ascii"`, `"binary"` (base64, optionally
//! `vtkZLibDataCompressor`) and `"appended"` (`encoding="raw"` or
//! `"base64"`), header_type UInt32/UInt64, byte_order Little/BigEndian, all
//! integer and float types. Triangles (5) and tetrahedra (10), mixed files
//! keep the tetrahedra. Errors name the DataArray and its line.
//!
//! The writer lives in [`super::vtu_write`] and is re-exported here.

use super::cells::{self, CellArrays, CellTable};
use super::vtu_codec::{self, Scalar};
use super::LoadOptions;
use crate::mesh::Mesh;
use crate::{Error, Result};
use quick_xml::events::{BytesStart, Event};
use std::path::Path;

pub use super::vtu_write::{write_vtu, write_vtu_with, DataArray, VtuEncoding, VtuWriteOptions};

// ---------------------------------------------------------------- reader

/// Where a DataArray sits in the Piece.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    Points,
    Cells,
    CellData,
    PointData,
    Other,
}

#[derive(Debug)]
struct ArrayDesc {
    section: Section,
    name: String,
    ty: Scalar,
    comps: usize,
    format: String,
    offset: Option<usize>,
    text: String,
    line: usize,
}

impl ArrayDesc {
    fn location(&self) -> String {
        format!("line {}: DataArray '{}'", self.line, self.name)
    }
}

/// File-level settings from the VTKFile element.
struct Header {
    big_endian: bool,
    hsize: usize,
    compressed: bool,
}

/// The XML text of a `.vtu` and its appended payload, if any. quick-xml
/// cannot parse raw appended binary, so the XML part ends where
/// <AppendedData starts and the payload is sliced out by hand.
fn split_appended<'a>(path: &Path, bytes: &'a [u8]) -> Result<(&'a str, Option<Appended>)> {
    let appended_at = find(bytes, b"<AppendedData");
    let xml_end = appended_at.unwrap_or(bytes.len());
    let xml = std::str::from_utf8(&bytes[..xml_end]).map_err(|e| {
        Error::parse(
            path,
            line_of(bytes, e.valid_up_to()),
            "file is not UTF-8 XML",
        )
    })?;
    let appended = match appended_at {
        Some(at) => Some(appended_payload(path, bytes, at)?),
        None => None,
    };
    Ok((xml, appended))
}

/// Read a `.vtu` file.
pub fn read_vtu(path: &Path, opts: &LoadOptions) -> Result<Mesh> {
    read_vtu_listing(path, opts).map(|(mesh, _)| mesh)
}

/// Read a `.vtu` file and list its cell and point data arrays.
pub fn read_vtu_listing(path: &Path, opts: &LoadOptions) -> Result<(Mesh, Vec<super::ArrayInfo>)> {
    let bytes = super::read_bytes(path)?;
    let (xml, appended) = split_appended(path, &bytes)?;
    let (header, piece, arrays) = parse_xml(path, xml)?;
    let ctx = Decoder {
        path,
        header: &header,
        appended: appended.as_ref(),
    };

    let (n_points, n_cells) = piece;
    let find_array = |section: Section, name: Option<&str>| {
        arrays
            .iter()
            .find(|a| a.section == section && name.is_none_or(|n| a.name == n))
    };
    let missing = |what: &str| Error::parse(path, "Piece", format!("missing DataArray {what}"));

    let pts = find_array(Section::Points, None).ok_or_else(|| missing("in <Points>"))?;
    let p = ctx.decode(pts, n_points, 3)?;
    let nodes: Vec<[f64; 3]> = p.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();

    let conn_d = find_array(Section::Cells, Some("connectivity"))
        .ok_or_else(|| missing("'connectivity' in <Cells>"))?;
    let offs_d = find_array(Section::Cells, Some("offsets"))
        .ok_or_else(|| missing("'offsets' in <Cells>"))?;
    let types_d =
        find_array(Section::Cells, Some("types")).ok_or_else(|| missing("'types' in <Cells>"))?;
    let offsets = ctx.decode(offs_d, n_cells, 1)?;
    let types = ctx.decode(types_d, n_cells, 1)?;
    let n_conn = offsets.last().copied().unwrap_or(0.0);
    let conn = ctx.decode_any(conn_d)?;
    if (conn.len() as f64) < n_conn {
        return Err(Error::parse(
            path,
            conn_d.location(),
            format!("{} entries, the last offset needs {n_conn}", conn.len()),
        ));
    }
    let table = CellTable {
        types: types
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                u8::try_from(t as i64).map_err(|_| {
                    Error::parse(
                        path,
                        types_d.location(),
                        format!("cell {i} has invalid type {t}"),
                    )
                })
            })
            .collect::<Result<_>>()?,
        offsets: offsets
            .iter()
            .enumerate()
            .map(|(i, &o)| {
                if o >= 0.0 && o.fract() == 0.0 {
                    Ok(o as usize)
                } else {
                    Err(Error::parse(
                        path,
                        offs_d.location(),
                        format!("cell {i} has invalid offset {o}"),
                    ))
                }
            })
            .collect::<Result<_>>()?,
        connectivity: conn
            .iter()
            .map(|&c| if c.fract() == 0.0 { c as i64 } else { -1 })
            .collect(),
    };

    let mut cell_arrays = CellArrays::default();
    let wanted = cells::region_names(opts);
    let region = wanted
        .iter()
        .find_map(|n| find_array(Section::CellData, Some(n)));
    match (region, &opts.region_array) {
        (Some(d), _) => {
            let v = ctx.decode(d, n_cells, 1)?;
            cell_arrays.regions = Some((d.name.clone(), v));
        }
        (None, Some(name)) => {
            let have: Vec<&str> = arrays
                .iter()
                .filter(|a| a.section == Section::CellData)
                .map(|a| a.name.as_str())
                .collect();
            return Err(Error::parse(
                path,
                "CellData",
                format!(
                    "region array '{name}' not found; cell arrays: {}",
                    have.join(", ")
                ),
            ));
        }
        (None, None) => {}
    }
    if let Some(d) = arrays
        .iter()
        .find(|a| a.section == Section::CellData && cells::is_fibre_name(&a.name))
    {
        let v = ctx.decode(d, n_cells, 3)?;
        cell_arrays.fibres = Some(v.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect());
    }
    let listing = arrays
        .iter()
        .filter(|a| matches!(a.section, Section::CellData | Section::PointData))
        .map(|a| super::ArrayInfo {
            name: a.name.clone(),
            on_cells: a.section == Section::CellData,
            components: a.comps,
        })
        .collect();
    let mesh = cells::assemble(path, "Cells", nodes, &table, cell_arrays)?;
    Ok((mesh, listing))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn line_of(bytes: &[u8], pos: usize) -> String {
    let n = bytes[..pos.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    format!("line {}", n + 1)
}

/// Attributes of an element as (key, value) strings.
fn attrs(path: &Path, xml: &str, pos: usize, e: &BytesStart) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| {
            Error::parse(
                path,
                line_of(xml.as_bytes(), pos),
                format!("bad XML attribute: {err}"),
            )
        })?;
        let key = a.key.as_ref().to_string();
        let val = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| {
                Error::parse(
                    path,
                    line_of(xml.as_bytes(), pos),
                    format!("bad XML attribute value: {err}"),
                )
            })?
            .into_owned();
        out.push((key, val));
    }
    Ok(out)
}

fn get<'a>(a: &'a [(String, String)], k: &str) -> Option<&'a str> {
    a.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

type Piece = (usize, usize);

/// Walk the XML: file header, piece sizes and every DataArray.
fn parse_xml(path: &Path, xml: &str) -> Result<(Header, Piece, Vec<ArrayDesc>)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut header = None;
    let mut piece = None;
    let mut arrays = Vec::new();
    let mut section = Section::Other;
    let mut current: Option<ArrayDesc> = None;
    let mut inner_depth = 0usize;
    let at = |p: u64| line_of(xml.as_bytes(), p as usize);
    loop {
        let pos = reader.buffer_position();
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                return Err(Error::parse(
                    path,
                    at(reader.error_position()),
                    format!("malformed XML: {e}"),
                ))
            }
        };
        match ev {
            // Children of a DataArray (VTK's <InformationKey><Value>...) are
            // metadata, not data: skip them and their text.
            Event::Start(_) if current.is_some() => inner_depth += 1,
            Event::End(_) if inner_depth > 0 => inner_depth -= 1,
            Event::Empty(_) if current.is_some() => {}
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = e.name().as_ref().to_string();
                let a = attrs(path, xml, pos as usize, e)?;
                match name.as_str() {
                    "VTKFile" => header = Some(file_header(path, &at(pos), &a)?),
                    "Piece" => {
                        let count = |k: &str| -> Result<usize> {
                            get(&a, k)
                                .and_then(|v| v.trim().parse().ok())
                                .ok_or_else(|| {
                                    Error::parse(
                                        path,
                                        at(pos),
                                        format!("Piece needs an integer {k} attribute"),
                                    )
                                })
                        };
                        if piece.is_some() {
                            return Err(Error::Unsupported(format!(
                                "{}: {}: several <Piece> elements; only single-piece files are supported",
                                path.display(),
                                at(pos)
                            )));
                        }
                        piece = Some((count("NumberOfPoints")?, count("NumberOfCells")?));
                    }
                    "Points" => section = Section::Points,
                    "Cells" => section = Section::Cells,
                    "CellData" => section = Section::CellData,
                    "PointData" => section = Section::PointData,
                    "FieldData" => section = Section::Other,
                    "DataArray" => {
                        let line = xml[..pos as usize].matches('\n').count() + 1;
                        let aname = get(&a, "Name").unwrap_or("").to_string();
                        let loc = format!("line {line}: DataArray '{aname}'");
                        let ty_s = get(&a, "type")
                            .ok_or_else(|| Error::parse(path, &loc, "missing type attribute"))?;
                        let ty = Scalar::from_xml(ty_s).ok_or_else(|| {
                            Error::parse(path, &loc, format!("unsupported type '{ty_s}'; expected Int8..UInt64, Float32 or Float64"))
                        })?;
                        let comps = match get(&a, "NumberOfComponents") {
                            None => 1,
                            Some(v) => v.trim().parse().map_err(|_| {
                                Error::parse(
                                    path,
                                    &loc,
                                    format!("NumberOfComponents '{v}' is not an integer"),
                                )
                            })?,
                        };
                        let format = get(&a, "format").unwrap_or("ascii").to_string();
                        let offset = match get(&a, "offset") {
                            None => None,
                            Some(v) => Some(v.trim().parse().map_err(|_| {
                                Error::parse(path, &loc, format!("offset '{v}' is not an integer"))
                            })?),
                        };
                        let d = ArrayDesc {
                            section,
                            name: aname,
                            ty,
                            comps,
                            format,
                            offset,
                            text: String::new(),
                            line,
                        };
                        if empty {
                            arrays.push(d);
                        } else {
                            current = Some(d);
                        }
                    }
                    _ => {}
                }
                if empty
                    && matches!(
                        name.as_str(),
                        "Points" | "Cells" | "CellData" | "PointData" | "FieldData"
                    )
                {
                    section = Section::Other;
                }
            }
            Event::Text(t) if inner_depth == 0 => {
                if let Some(d) = current.as_mut() {
                    d.text.push_str(&t);
                }
            }
            Event::CData(t) if inner_depth == 0 => {
                if let Some(d) = current.as_mut() {
                    d.text.push_str(&t.into_inner());
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "DataArray" => {
                    if let Some(d) = current.take() {
                        arrays.push(d);
                    }
                }
                "Points" | "Cells" | "CellData" | "PointData" | "FieldData" => {
                    section = Section::Other
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let header = header
        .ok_or_else(|| Error::parse(path, "line 1", "no <VTKFile> element; not a VTK XML file"))?;
    let piece =
        piece.ok_or_else(|| Error::parse(path, "UnstructuredGrid", "no <Piece> element"))?;
    Ok((header, piece, arrays))
}

fn file_header(path: &Path, loc: &str, a: &[(String, String)]) -> Result<Header> {
    match get(a, "type") {
        Some("UnstructuredGrid") => {}
        other => {
            return Err(Error::parse(
                path,
                loc,
                format!(
                    "VTKFile type '{}' is not supported; expected UnstructuredGrid",
                    other.unwrap_or("")
                ),
            ))
        }
    }
    let big_endian = match get(a, "byte_order").unwrap_or("LittleEndian") {
        "LittleEndian" => false,
        "BigEndian" => true,
        o => {
            return Err(Error::parse(
                path,
                loc,
                format!("byte_order '{o}'; expected LittleEndian or BigEndian"),
            ))
        }
    };
    let hsize = match get(a, "header_type").unwrap_or("UInt32") {
        "UInt32" => 4,
        "UInt64" => 8,
        o => {
            return Err(Error::parse(
                path,
                loc,
                format!("header_type '{o}'; expected UInt32 or UInt64"),
            ))
        }
    };
    let compressed = match get(a, "compressor").unwrap_or("") {
        "" => false,
        "vtkZLibDataCompressor" => true,
        o => {
            return Err(Error::Unsupported(format!(
                "{}: {loc}: compressor '{o}' is not supported; re-save with zlib or no compression",
                path.display()
            )))
        }
    };
    Ok(Header {
        big_endian,
        hsize,
        compressed,
    })
}

/// The appended block: encoding and the bytes after the leading `_`.
struct Appended {
    base64: bool,
    data: Vec<u8>,
}

fn appended_payload(path: &Path, bytes: &[u8], at: usize) -> Result<Appended> {
    let loc = line_of(bytes, at);
    let tag_end = bytes[at..]
        .iter()
        .position(|&b| b == b'>')
        .map(|p| at + p)
        .ok_or_else(|| Error::parse(path, &loc, "unterminated <AppendedData> tag"))?;
    let tag = String::from_utf8_lossy(&bytes[at..=tag_end]);
    let base64 = if tag.contains("encoding=\"base64\"") {
        true
    } else if tag.contains("encoding=\"raw\"") {
        false
    } else {
        return Err(Error::parse(
            path,
            &loc,
            "AppendedData needs encoding=\"raw\" or encoding=\"base64\"",
        ));
    };
    let underscore = bytes[tag_end..]
        .iter()
        .position(|&b| b == b'_')
        .map(|p| tag_end + p + 1)
        .ok_or_else(|| {
            Error::parse(path, &loc, "AppendedData has no '_' marker before the data")
        })?;
    let end = bytes
        .windows(b"</AppendedData>".len())
        .rposition(|w| w == b"</AppendedData>")
        .unwrap_or(bytes.len());
    let mut data = bytes[underscore..end.max(underscore)].to_vec();
    if base64 {
        // Trailing whitespace before the closing tag is not data.
        while data.last().is_some_and(|b| b.is_ascii_whitespace()) {
            data.pop();
        }
    }
    Ok(Appended { base64, data })
}

struct Decoder<'a> {
    path: &'a Path,
    header: &'a Header,
    appended: Option<&'a Appended>,
}

impl Decoder<'_> {
    /// Decode an array of `tuples` x `comps` values, checking both.
    fn decode(&self, d: &ArrayDesc, tuples: usize, comps: usize) -> Result<Vec<f64>> {
        if d.comps != comps {
            return Err(Error::parse(
                self.path,
                d.location(),
                format!("NumberOfComponents is {}, expected {comps}", d.comps),
            ));
        }
        let v = self.decode_any(d)?;
        let want = tuples * comps;
        if v.len() != want {
            return Err(Error::parse(
                self.path,
                d.location(),
                format!(
                    "{} values, expected {want} ({tuples} tuples x {comps} components)",
                    v.len()
                ),
            ));
        }
        Ok(v)
    }

    /// Decode an array of whatever length it has.
    fn decode_any(&self, d: &ArrayDesc) -> Result<Vec<f64>> {
        let err = |m: String| Error::parse(self.path, d.location(), m);
        let h = self.header;
        let raw = match d.format.as_str() {
            "ascii" => return self.ascii(d),
            "binary" => {
                let bytes = vtu_codec::decode_base64_concat(&d.text).map_err(err)?;
                vtu_codec::unpack(&bytes, h.hsize, h.big_endian, h.compressed)
                    .map_err(err)?
                    .0
            }
            "appended" => {
                let app = self.appended.ok_or_else(|| {
                    err("format=\"appended\" but the file has no <AppendedData>".into())
                })?;
                let off = d
                    .offset
                    .ok_or_else(|| err("format=\"appended\" without an offset attribute".into()))?;
                let rest = app.data.get(off..).ok_or_else(|| {
                    err(format!(
                        "offset {off} is beyond the appended data ({} bytes)",
                        app.data.len()
                    ))
                })?;
                if app.base64 {
                    self.appended_base64(rest).map_err(err)?
                } else {
                    vtu_codec::unpack(rest, h.hsize, h.big_endian, h.compressed)
                        .map_err(err)?
                        .0
                }
            }
            other => {
                return Err(err(format!(
                    "unknown format '{other}'; expected ascii, binary or appended"
                )))
            }
        };
        if raw.len() % d.ty.size() != 0 {
            return Err(err(format!(
                "{} bytes is not a whole number of {:?} values",
                raw.len(),
                d.ty
            )));
        }
        Ok(d.ty.decode(&raw, h.big_endian))
    }

    /// Appended base64: the header is its own base64 stream, then the data
    /// (or the compressed blocks) is another.
    fn appended_base64(&self, rest: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let h = self.header;
        let hint = |b: &[u8], i: usize| {
            vtu_codec::header_int(b, i * h.hsize, h.hsize, h.big_endian)
                .map(|v| v as usize)
                .ok_or_else(|| "truncated header".to_string())
        };
        let take = |from: usize, nbytes: usize| -> std::result::Result<(Vec<u8>, usize), String> {
            let len = vtu_codec::base64_len(nbytes);
            let s = rest
                .get(from..from.saturating_add(len))
                .ok_or("appended base64 data is truncated")?;
            let s = std::str::from_utf8(s).map_err(|_| "appended base64 data is not text")?;
            Ok((vtu_codec::decode_base64_concat(s)?, from + len))
        };
        if !h.compressed {
            let (hb, next) = take(0, h.hsize)?;
            let (data, _) = take(next, hint(&hb, 0)?)?;
            return Ok(data);
        }
        let (first, _) = take(0, h.hsize)?;
        let nblocks = hint(&first, 0)?;
        if nblocks > rest.len() {
            return Err(format!("compression header announces {nblocks} blocks"));
        }
        let (header, next) = take(0, (3 + nblocks) * h.hsize)?;
        let mut csum = 0usize;
        for i in 0..nblocks {
            csum = csum.saturating_add(hint(&header, 3 + i)?);
        }
        let (blocks, _) = take(next, csum)?;
        let mut all = header;
        all.extend_from_slice(&blocks);
        Ok(vtu_codec::unpack(&all, h.hsize, h.big_endian, true)?.0)
    }

    fn ascii(&self, d: &ArrayDesc) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for (k, tok) in d.text.split_ascii_whitespace().enumerate() {
            let x: f64 = tok.parse().map_err(|_| {
                // Line of the bad token: the array's line plus newlines before it.
                let before = d
                    .text
                    .find(tok)
                    .map_or(0, |p| d.text[..p].matches('\n').count());
                Error::parse(
                    self.path,
                    format!("line {}: DataArray '{}'", d.line + before, d.name),
                    format!("value {k} is '{tok}', expected a number"),
                )
            })?;
            out.push(x);
        }
        Ok(out)
    }
}

/// Read one named point, cell or field array of a `.vtu` as f64 values
/// (for tests and post-processing). Returns (components, values).
pub fn read_vtu_array(path: &Path, name: &str) -> Result<(usize, Vec<f64>)> {
    let bytes = super::read_bytes(path)?;
    let (xml, appended) = split_appended(path, &bytes)?;
    let (header, _, arrays) = parse_xml(path, xml)?;
    let d = arrays
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::parse(path, "Piece", format!("no DataArray named '{name}'")))?;
    let ctx = Decoder {
        path,
        header: &header,
        appended: appended.as_ref(),
    };
    Ok((d.comps, ctx.decode_any(d)?))
}
