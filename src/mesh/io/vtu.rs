//! VTK XML unstructured grid (`.vtu`) reader and writer.
//!
//! Reader: `format="ascii"`, `"binary"` (base64, optionally
//! `vtkZLibDataCompressor`) and `"appended"` (`encoding="raw"` or
//! `"base64"`), header_type UInt32/UInt64, byte_order Little/BigEndian, all
//! integer and float types. Triangles (5) and tetrahedra (10), mixed files
//! keep the tetrahedra. Errors name the DataArray and its line.
//!
//! Writer: one Piece, `header_type="UInt64"`, little endian, Float64 points,
//! Int64 connectivity/offsets, UInt8 types, Int32 `region`, Float64
//! `fibres`, plus caller arrays as Float64; base64 binary, zlib-compressed
//! binary or ascii.

use super::cells::{self, CellArrays, CellTable};
use super::vtu_codec::{self, Scalar};
use super::LoadOptions;
use crate::mesh::{ElementKind, Mesh};
use crate::output::atomic::write_atomic;
use crate::{Error, Result};
use quick_xml::events::{BytesStart, Event};
use std::io::Write;
use std::path::Path;

/// A named array to write: `components` values per tuple (point or cell).
#[derive(Debug, Clone, Copy)]
pub struct DataArray<'a> {
    pub name: &'a str,
    pub components: usize,
    pub values: &'a [f64],
}

/// Options for [`write_vtu`]: `compress` selects zlib blocks, otherwise
/// plain base64 binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct VtuWriteOptions {
    pub compress: bool,
}

/// How [`write_vtu_with`] encodes arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VtuEncoding {
    /// Whitespace-separated text (`nan` for NaN).
    Ascii,
    /// base64 of `[UInt64 nbytes][data]`, NaN bit-exact.
    #[default]
    Binary,
    /// base64 of zlib blocks (`vtkZLibDataCompressor`).
    Compressed,
}

// ---------------------------------------------------------------- reader

/// Where a DataArray sits in the Piece.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    Points,
    Cells,
    CellData,
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

/// Read a `.vtu` file.
pub fn read_vtu(path: &Path, opts: &LoadOptions) -> Result<Mesh> {
    let bytes = super::read_bytes(path)?;
    // quick-xml cannot parse raw appended binary, so the XML part ends where
    // <AppendedData starts and the payload is sliced out by hand.
    let appended_at = find(&bytes, b"<AppendedData");
    let xml_end = appended_at.unwrap_or(bytes.len());
    let xml = std::str::from_utf8(&bytes[..xml_end])
        .map_err(|e| Error::parse(path, line_of(&bytes, e.valid_up_to()), "file is not UTF-8 XML"))?;
    let (header, piece, arrays) = parse_xml(path, xml)?;
    let appended = match appended_at {
        Some(at) => Some(appended_payload(path, &bytes, at)?),
        None => None,
    };
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

    let conn_d = find_array(Section::Cells, Some("connectivity")).ok_or_else(|| missing("'connectivity' in <Cells>"))?;
    let offs_d = find_array(Section::Cells, Some("offsets")).ok_or_else(|| missing("'offsets' in <Cells>"))?;
    let types_d = find_array(Section::Cells, Some("types")).ok_or_else(|| missing("'types' in <Cells>"))?;
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
                u8::try_from(t as i64).map_err(|_| Error::parse(path, types_d.location(), format!("cell {i} has invalid type {t}")))
            })
            .collect::<Result<_>>()?,
        offsets: offsets
            .iter()
            .enumerate()
            .map(|(i, &o)| {
                if o >= 0.0 && o.fract() == 0.0 {
                    Ok(o as usize)
                } else {
                    Err(Error::parse(path, offs_d.location(), format!("cell {i} has invalid offset {o}")))
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
                format!("region array '{name}' not found; cell arrays: {}", have.join(", ")),
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
    cells::assemble(path, "Cells", nodes, &table, cell_arrays)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn line_of(bytes: &[u8], pos: usize) -> String {
    let n = bytes[..pos.min(bytes.len())].iter().filter(|&&b| b == b'\n').count();
    format!("line {}", n + 1)
}

/// Attributes of an element as (key, value) strings.
fn attrs(path: &Path, xml: &str, pos: usize, e: &BytesStart) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| Error::parse(path, line_of(xml.as_bytes(), pos), format!("bad XML attribute: {err}")))?;
        let key = a.key.as_ref().to_string();
        let val = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| Error::parse(path, line_of(xml.as_bytes(), pos), format!("bad XML attribute value: {err}")))?
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
    let at = |p: u64| line_of(xml.as_bytes(), p as usize);
    loop {
        let pos = reader.buffer_position();
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                return Err(Error::parse(path, at(reader.error_position()), format!("malformed XML: {e}")))
            }
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = e.name().as_ref().to_string();
                let a = attrs(path, xml, pos as usize, e)?;
                match name.as_str() {
                    "VTKFile" => header = Some(file_header(path, &at(pos), &a)?),
                    "Piece" => {
                        let count = |k: &str| -> Result<usize> {
                            get(&a, k).and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
                                Error::parse(path, at(pos), format!("Piece needs an integer {k} attribute"))
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
                    "PointData" | "FieldData" => section = Section::Other,
                    "DataArray" => {
                        let line = xml[..pos as usize].matches('\n').count() + 1;
                        let aname = get(&a, "Name").unwrap_or("").to_string();
                        let loc = format!("line {line}: DataArray '{aname}'");
                        let ty_s = get(&a, "type").ok_or_else(|| Error::parse(path, &loc, "missing type attribute"))?;
                        let ty = Scalar::from_xml(ty_s).ok_or_else(|| {
                            Error::parse(path, &loc, format!("unsupported type '{ty_s}'; expected Int8..UInt64, Float32 or Float64"))
                        })?;
                        let comps = match get(&a, "NumberOfComponents") {
                            None => 1,
                            Some(v) => v.trim().parse().map_err(|_| {
                                Error::parse(path, &loc, format!("NumberOfComponents '{v}' is not an integer"))
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
                if empty && matches!(name.as_str(), "Points" | "Cells" | "CellData" | "PointData" | "FieldData") {
                    section = Section::Other;
                }
            }
            Event::Text(t) => {
                if let Some(d) = current.as_mut() {
                    d.text.push_str(&t);
                }
            }
            Event::CData(t) => {
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
                "Points" | "Cells" | "CellData" | "PointData" | "FieldData" => section = Section::Other,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let header = header.ok_or_else(|| Error::parse(path, "line 1", "no <VTKFile> element; not a VTK XML file"))?;
    let piece = piece.ok_or_else(|| Error::parse(path, "UnstructuredGrid", "no <Piece> element"))?;
    Ok((header, piece, arrays))
}

fn file_header(path: &Path, loc: &str, a: &[(String, String)]) -> Result<Header> {
    match get(a, "type") {
        Some("UnstructuredGrid") => {}
        other => {
            return Err(Error::parse(
                path,
                loc,
                format!("VTKFile type '{}' is not supported; expected UnstructuredGrid", other.unwrap_or("")),
            ))
        }
    }
    let big_endian = match get(a, "byte_order").unwrap_or("LittleEndian") {
        "LittleEndian" => false,
        "BigEndian" => true,
        o => return Err(Error::parse(path, loc, format!("byte_order '{o}'; expected LittleEndian or BigEndian"))),
    };
    let hsize = match get(a, "header_type").unwrap_or("UInt32") {
        "UInt32" => 4,
        "UInt64" => 8,
        o => return Err(Error::parse(path, loc, format!("header_type '{o}'; expected UInt32 or UInt64"))),
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
        return Err(Error::parse(path, &loc, "AppendedData needs encoding=\"raw\" or encoding=\"base64\""));
    };
    let underscore = bytes[tag_end..]
        .iter()
        .position(|&b| b == b'_')
        .map(|p| tag_end + p + 1)
        .ok_or_else(|| Error::parse(path, &loc, "AppendedData has no '_' marker before the data"))?;
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
                format!("{} values, expected {want} ({tuples} tuples x {comps} components)", v.len()),
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
                let app = self.appended.ok_or_else(|| err("format=\"appended\" but the file has no <AppendedData>".into()))?;
                let off = d.offset.ok_or_else(|| err("format=\"appended\" without an offset attribute".into()))?;
                let rest = app.data.get(off..).ok_or_else(|| {
                    err(format!("offset {off} is beyond the appended data ({} bytes)", app.data.len()))
                })?;
                if app.base64 {
                    self.appended_base64(rest).map_err(err)?
                } else {
                    vtu_codec::unpack(rest, h.hsize, h.big_endian, h.compressed).map_err(err)?.0
                }
            }
            other => return Err(err(format!("unknown format '{other}'; expected ascii, binary or appended"))),
        };
        if raw.len() % d.ty.size() != 0 {
            return Err(err(format!("{} bytes is not a whole number of {:?} values", raw.len(), d.ty)));
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
                let before = d.text.find(tok).map_or(0, |p| d.text[..p].matches('\n').count());
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

// ---------------------------------------------------------------- writer

/// Write `mesh` as a VTU with extra point and cell arrays (Float64).
/// `opts.compress` selects zlib blocks; otherwise base64 binary.
pub fn write_vtu(
    path: &Path,
    mesh: &Mesh,
    point_data: &[DataArray],
    cell_data: &[DataArray],
    opts: VtuWriteOptions,
) -> Result<()> {
    let enc = if opts.compress {
        VtuEncoding::Compressed
    } else {
        VtuEncoding::Binary
    };
    write_vtu_with(path, mesh, point_data, cell_data, enc)
}

/// Write a VTU with the given encoding (see [`VtuEncoding`]).
pub fn write_vtu_with(
    path: &Path,
    mesh: &Mesh,
    point_data: &[DataArray],
    cell_data: &[DataArray],
    encoding: VtuEncoding,
) -> Result<()> {
    let n_p = mesh.node_count();
    let n_c = mesh.element_count();
    for (arrays, n, what) in [(point_data, n_p, "point"), (cell_data, n_c, "cell")] {
        for a in arrays {
            if a.components == 0 || a.values.len() != a.components * n {
                return Err(Error::Numerics(format!(
                    "{}: {what} array '{}' has {} values, expected {} x {n}",
                    path.display(),
                    a.name,
                    a.values.len(),
                    a.components
                )));
            }
        }
    }
    write_atomic(path, |w| write_body(w, mesh, point_data, cell_data, encoding))
}

/// Typed values for one DataArray.
enum Payload<'a> {
    F64(&'a mut dyn Iterator<Item = f64>),
    I64(&'a mut dyn Iterator<Item = i64>),
    I32(&'a mut dyn Iterator<Item = i32>),
    U8(&'a mut dyn Iterator<Item = u8>),
}

fn write_body(
    w: &mut dyn Write,
    mesh: &Mesh,
    point_data: &[DataArray],
    cell_data: &[DataArray],
    enc: VtuEncoding,
) -> std::io::Result<()> {
    let npe = mesh.kind.nodes_per_element();
    let vtk_type = match mesh.kind {
        ElementKind::Triangle => cells::VTK_TRIANGLE,
        ElementKind::Tetrahedron => cells::VTK_TETRA,
    };
    let compressor = if enc == VtuEncoding::Compressed {
        " compressor=\"vtkZLibDataCompressor\""
    } else {
        ""
    };
    writeln!(w, "<?xml version=\"1.0\"?>")?;
    writeln!(
        w,
        "<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\"{compressor}>"
    )?;
    writeln!(w, "  <UnstructuredGrid>")?;
    writeln!(
        w,
        "    <Piece NumberOfPoints=\"{}\" NumberOfCells=\"{}\">",
        mesh.node_count(),
        mesh.element_count()
    )?;
    if !point_data.is_empty() {
        writeln!(w, "      <PointData>")?;
        for a in point_data {
            array(w, a.name, a.components, Payload::F64(&mut a.values.iter().copied()), enc)?;
        }
        writeln!(w, "      </PointData>")?;
    }
    writeln!(w, "      <CellData>")?;
    array(w, "region", 1, Payload::I32(&mut mesh.regions.iter().copied()), enc)?;
    if let Some(f) = &mesh.fibres {
        array(w, "fibres", 3, Payload::F64(&mut f.iter().flatten().copied()), enc)?;
    }
    for a in cell_data {
        array(w, a.name, a.components, Payload::F64(&mut a.values.iter().copied()), enc)?;
    }
    writeln!(w, "      </CellData>")?;
    writeln!(w, "      <Points>")?;
    array(w, "Points", 3, Payload::F64(&mut mesh.nodes.iter().flatten().copied()), enc)?;
    writeln!(w, "      </Points>")?;
    writeln!(w, "      <Cells>")?;
    array(w, "connectivity", 1, Payload::I64(&mut mesh.elements.iter().map(|&i| i as i64)), enc)?;
    array(
        w,
        "offsets",
        1,
        Payload::I64(&mut (1..=mesh.element_count()).map(|e| (e * npe) as i64)),
        enc,
    )?;
    array(w, "types", 1, Payload::U8(&mut std::iter::repeat_n(vtk_type, mesh.element_count())), enc)?;
    writeln!(w, "      </Cells>")?;
    writeln!(w, "    </Piece>")?;
    writeln!(w, "  </UnstructuredGrid>")?;
    writeln!(w, "</VTKFile>")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn array(w: &mut dyn Write, name: &str, comps: usize, values: Payload, enc: VtuEncoding) -> std::io::Result<()> {
    let ty = match values {
        Payload::F64(_) => "Float64",
        Payload::I64(_) => "Int64",
        Payload::I32(_) => "Int32",
        Payload::U8(_) => "UInt8",
    };
    let comps_attr = if comps > 1 {
        format!(" NumberOfComponents=\"{comps}\"")
    } else {
        String::new()
    };
    let format = if enc == VtuEncoding::Ascii { "ascii" } else { "binary" };
    writeln!(
        w,
        "        <DataArray type=\"{ty}\" Name=\"{}\"{comps_attr} format=\"{format}\">",
        xml_escape(name)
    )?;
    if enc == VtuEncoding::Ascii {
        let text: Vec<String> = match values {
            Payload::F64(it) => it.map(super::vtk_legacy::fmt_f64).collect(),
            Payload::I64(it) => it.map(|v| v.to_string()).collect(),
            Payload::I32(it) => it.map(|v| v.to_string()).collect(),
            Payload::U8(it) => it.map(|v| v.to_string()).collect(),
        };
        for line in text.chunks(comps.max(1) * 4) {
            writeln!(w, "          {}", line.join(" "))?;
        }
    } else {
        let bytes: Vec<u8> = match values {
            Payload::F64(it) => it.flat_map(|v| v.to_le_bytes()).collect(),
            Payload::I64(it) => it.flat_map(|v| v.to_le_bytes()).collect(),
            Payload::I32(it) => it.flat_map(|v| v.to_le_bytes()).collect(),
            Payload::U8(it) => it.collect(),
        };
        let text = if enc == VtuEncoding::Compressed {
            // VTK encodes header and blocks as two base64 streams.
            let (h, b) = vtu_codec::pack_zlib(&bytes)?;
            format!("{}{}", vtu_codec::encode_base64(&h), vtu_codec::encode_base64(&b))
        } else {
            vtu_codec::encode_base64(&vtu_codec::pack_plain(&bytes))
        };
        writeln!(w, "          {text}")?;
    }
    writeln!(w, "        </DataArray>")
}

/// Read one named point, cell or field array of a `.vtu` as f64 values
/// (for tests and post-processing). Returns (components, values).
pub fn read_vtu_array(path: &Path, name: &str) -> Result<(usize, Vec<f64>)> {
    let bytes = super::read_bytes(path)?;
    let appended_at = find(&bytes, b"<AppendedData");
    let xml_end = appended_at.unwrap_or(bytes.len());
    let xml = std::str::from_utf8(&bytes[..xml_end])
        .map_err(|e| Error::parse(path, line_of(&bytes, e.valid_up_to()), "file is not UTF-8 XML"))?;
    let (header, _, arrays) = parse_xml(path, xml)?;
    let appended = match appended_at {
        Some(at) => Some(appended_payload(path, &bytes, at)?),
        None => None,
    };
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
