//! Legacy VTK (`.vtk`) reader and writer.
//!
//! Reads ASCII and BINARY (big-endian) files with DATASET UNSTRUCTURED_GRID
//! (classic `CELLS n size` and the 5.1 `OFFSETS`/`CONNECTIVITY` layout) or
//! POLYDATA (triangular POLYGONS). Cell data `region`/`tag` become region
//! tags and `fibres`/`fibers` fibre directions; every other array, lookup
//! table, FIELD block and POINT_DATA is skipped. Errors name the line (ASCII)
//! or the section (binary). The writer is [`super::vtk_legacy_write`],
//! re-exported here.

use super::cells::{self, CellArrays, CellTable};
pub(crate) use super::vtk_legacy_write::fmt_f64;
pub use super::vtk_legacy_write::write_vtk;
use super::vtu_codec::Scalar;
use super::{ArrayInfo, LoadOptions};
use crate::mesh::Mesh;
use crate::{Error, Result};
use std::path::Path;

/// Read a legacy VTK file.
pub fn read_vtk(path: &Path, opts: &LoadOptions) -> Result<Mesh> {
    read_vtk_listing(path, opts).map(|(mesh, _)| mesh)
}

/// Read a legacy VTK file and list its CELL_DATA and POINT_DATA arrays.
pub fn read_vtk_listing(path: &Path, opts: &LoadOptions) -> Result<(Mesh, Vec<ArrayInfo>)> {
    let data = super::read_bytes(path)?;
    Parser::new(path, &data, opts).parse()
}

/// A cursor over the file that tracks line numbers.
struct Cursor<'a> {
    path: &'a Path,
    data: &'a [u8],
    pos: usize,
    line: usize,
    binary: bool,
}

/// Numbers read from one section, with the line of each value (ASCII only).
struct Values {
    v: Vec<f64>,
    lines: Vec<usize>,
}

impl<'a> Cursor<'a> {
    fn err(&self, location: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::parse(self.path, location, msg)
    }

    fn here(&self) -> String {
        format!("line {}", self.line)
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if !b.is_ascii_whitespace() {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    /// Next whitespace-separated token and its line, None at end of file.
    fn token(&mut self) -> Option<(&'a str, usize)> {
        self.skip_ws();
        let start = self.pos;
        while self
            .data
            .get(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        let s = std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("<non-text bytes>");
        Some((s, self.line))
    }

    fn expect(&mut self, what: &str) -> Result<(&'a str, usize)> {
        self.token().ok_or_else(|| {
            self.err(
                self.here(),
                format!("truncated: expected {what}, file ended"),
            )
        })
    }

    fn expect_count(&mut self, what: &str) -> Result<usize> {
        let (t, line) = self.expect(what)?;
        t.parse::<usize>().map_err(|_| {
            self.err(
                format!("line {line}"),
                format!("expected {what} (a non-negative integer), found '{t}'"),
            )
        })
    }

    /// Rest of the current line (for the header lines).
    fn line_text(&mut self) -> &'a str {
        let start = self.pos;
        while self.data.get(self.pos).is_some_and(|&b| b != b'\n') {
            self.pos += 1;
        }
        let s = std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("");
        if self.pos < self.data.len() {
            self.pos += 1;
            self.line += 1;
        }
        s.trim()
    }

    /// Skip to just after the end of the current line (binary data starts
    /// there).
    fn end_line(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            if b == b'\n' {
                self.line += 1;
                break;
            }
        }
    }

    /// Is the next thing `kw`? Consumes nothing when it is not.
    fn peek_keyword(&mut self, kw: &str) -> bool {
        let (pos, line) = (self.pos, self.line);
        if self.binary {
            self.end_line();
        } else {
            self.skip_ws();
        }
        let hit = self.data[self.pos..].starts_with(kw.as_bytes());
        self.pos = pos;
        self.line = line;
        hit
    }

    /// Read `n` numbers of type `ty` for section `what`; `item`/`per` name
    /// the record in messages ("point", 3 values each).
    fn values(
        &mut self,
        n: usize,
        ty: Scalar,
        what: &str,
        item: &str,
        per: usize,
    ) -> Result<Values> {
        if self.binary {
            self.end_line();
            let bytes = n.saturating_mul(ty.size());
            let avail = self.data.len() - self.pos;
            if avail < bytes {
                return Err(self.err(
                    format!("section {what}"),
                    format!(
                        "truncated: expected {n} {item} values ({bytes} bytes), file ended after {}",
                        avail / ty.size()
                    ),
                ));
            }
            let v = ty.decode(&self.data[self.pos..self.pos + bytes], true);
            self.pos += bytes;
            return Ok(Values {
                v,
                lines: Vec::new(),
            });
        }
        let mut v = Vec::with_capacity(n.min(1 << 24));
        let mut lines = Vec::with_capacity(n.min(1 << 24));
        for k in 0..n {
            let Some((t, line)) = self.token() else {
                return Err(self.err(
                    self.here(),
                    format!(
                        "truncated: expected {n} {item} values in {what}, file ended after {k}"
                    ),
                ));
            };
            let x = t.parse::<f64>().map_err(|_| {
                let per = per.max(1);
                self.err(
                    format!("line {line}"),
                    format!(
                        "expected a number for {item} {} (value {} of {per}) in {what}, found '{t}'",
                        k / per,
                        k % per + 1
                    ),
                )
            })?;
            v.push(x);
            lines.push(line);
        }
        Ok(Values { v, lines })
    }

    /// Location of value `k` of a section, for record-level errors.
    fn loc(&self, vals: &Values, k: usize, what: &str, record: &str) -> String {
        match vals.lines.get(k) {
            Some(l) => format!("line {l}"),
            None => format!("section {what}, {record}"),
        }
    }
}

/// Which attribute block we are in.
#[derive(Clone, Copy, PartialEq)]
enum Block {
    None,
    Cell(usize),
    Point(usize),
}

struct Parser<'a> {
    c: Cursor<'a>,
    opts: &'a LoadOptions,
    points: Option<Vec<[f64; 3]>>,
    /// Classic or 5.1 unstructured cells (types arrive in CELL_TYPES).
    ug_cells: Option<(Vec<usize>, Vec<i64>, usize)>,
    cell_types: Option<Vec<u8>>,
    /// POLYDATA sections by kind, combined as VTK orders cell data:
    /// vertices, lines, polygons.
    poly: [Option<CellTable>; 3],
    arrays: CellArrays,
    /// Every cell and point array seen, used or not.
    listing: Vec<ArrayInfo>,
    polydata: bool,
}

impl<'a> Parser<'a> {
    fn new(path: &'a Path, data: &'a [u8], opts: &'a LoadOptions) -> Self {
        Parser {
            c: Cursor {
                path,
                data,
                pos: 0,
                line: 1,
                binary: false,
            },
            opts,
            points: None,
            ug_cells: None,
            cell_types: None,
            poly: [None, None, None],
            arrays: CellArrays::default(),
            listing: Vec::new(),
            polydata: false,
        }
    }

    fn parse(mut self) -> Result<(Mesh, Vec<ArrayInfo>)> {
        let first = self.c.line_text();
        if !first
            .to_ascii_lowercase()
            .starts_with("# vtk datafile version")
        {
            return Err(self.c.err(
                "line 1",
                format!("expected '# vtk DataFile Version x.x', found '{first}'"),
            ));
        }
        let _title = self.c.line_text();
        let line = self.c.line;
        let mode = self.c.line_text().to_ascii_uppercase();
        self.c.binary = match mode.as_str() {
            "ASCII" => false,
            "BINARY" => true,
            other => {
                return Err(self.c.err(
                    format!("line {line}"),
                    format!("expected ASCII or BINARY, found '{other}'"),
                ))
            }
        };
        let (kw, line) = self.c.expect("DATASET")?;
        let (ds, _) = self.c.expect("dataset type")?;
        if !kw.eq_ignore_ascii_case("DATASET") {
            return Err(self.c.err(
                format!("line {line}"),
                format!("expected DATASET, found '{kw}'"),
            ));
        }
        match ds.to_ascii_uppercase().as_str() {
            "UNSTRUCTURED_GRID" => {}
            "POLYDATA" => self.polydata = true,
            other => {
                return Err(self.c.err(
                    format!("line {line}"),
                    format!(
                        "dataset {other} is not supported; expected UNSTRUCTURED_GRID or POLYDATA"
                    ),
                ))
            }
        }
        let mut block = Block::None;
        while let Some((kw, line)) = self.c.token() {
            let at = format!("line {line}");
            match kw.to_ascii_uppercase().as_str() {
                "POINTS" => self.points()?,
                "CELLS" => self.cells(&at)?,
                "CELL_TYPES" => self.cell_types()?,
                "VERTICES" => self.poly_section(0, "VERTICES", cells::VTK_VERTEX)?,
                "LINES" => self.poly_section(1, "LINES", cells::VTK_LINE)?,
                "POLYGONS" => self.poly_section(2, "POLYGONS", cells::VTK_TRIANGLE)?,
                "TRIANGLE_STRIPS" => {
                    return Err(self.c.err(
                        at,
                        "TRIANGLE_STRIPS are not supported; expected POLYGONS with 3 vertices",
                    ))
                }
                "CELL_DATA" => block = Block::Cell(self.c.expect_count("CELL_DATA count")?),
                "POINT_DATA" => block = Block::Point(self.c.expect_count("POINT_DATA count")?),
                "FIELD" => self.field(block)?,
                "METADATA" => self.skip_metadata(),
                "SCALARS"
                | "VECTORS"
                | "NORMALS"
                | "TENSORS"
                | "TEXTURE_COORDINATES"
                | "COLOR_SCALARS"
                | "LOOKUP_TABLE"
                | "GLOBAL_IDS"
                | "PEDIGREE_IDS" => {
                    if block == Block::None {
                        return Err(self.c.err(at, format!("{kw} outside CELL_DATA/POINT_DATA")));
                    }
                    self.attribute(kw, block)?
                }
                _ => {
                    return Err(self.c.err(at, format!("unexpected keyword '{kw}'")));
                }
            }
        }
        self.finish()
    }

    fn dtype(&mut self, what: &str) -> Result<Scalar> {
        let (t, line) = self.c.expect(&format!("{what} data type"))?;
        Scalar::from_legacy(&t.to_ascii_lowercase()).ok_or_else(|| {
            self.c.err(
                format!("line {line}"),
                format!("unsupported data type '{t}' for {what}; expected float, double or an integer type"),
            )
        })
    }

    fn points(&mut self) -> Result<()> {
        let n = self.c.expect_count("number of points")?;
        let ty = self.dtype("POINTS")?;
        let vals = self
            .c
            .values(n.saturating_mul(3), ty, "POINTS", "point", 3)?;
        self.points = Some(vals.v.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect());
        Ok(())
    }

    /// Integers from a record section, checked to be integral.
    fn ints(&self, vals: &Values, what: &str) -> Result<Vec<i64>> {
        vals.v
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                if x.fract() == 0.0 && x.is_finite() {
                    Ok(x as i64)
                } else {
                    Err(self.c.err(
                        self.c.loc(vals, k, what, &format!("value {k}")),
                        format!("expected an integer in {what}, found {x}"),
                    ))
                }
            })
            .collect()
    }

    fn cells(&mut self, at: &str) -> Result<()> {
        let n = self.c.expect_count("number of cells")?;
        let size = self.c.expect_count("CELLS size")?;
        if self.c.peek_keyword("OFFSETS") {
            // VTK 5.1: CELLS n_offsets n_conn, OFFSETS type, CONNECTIVITY type.
            self.c.expect("OFFSETS")?;
            let ty = self.dtype("OFFSETS")?;
            let vals = self.c.values(n, ty, "OFFSETS", "offset", 1)?;
            let offs = self.ints(&vals, "OFFSETS")?;
            let (kw, line) = self.c.expect("CONNECTIVITY")?;
            if !kw.eq_ignore_ascii_case("CONNECTIVITY") {
                return Err(self.c.err(
                    format!("line {line}"),
                    format!("expected CONNECTIVITY, found '{kw}'"),
                ));
            }
            let ty = self.dtype("CONNECTIVITY")?;
            let vals = self.c.values(size, ty, "CONNECTIVITY", "connectivity", 1)?;
            let conn = self.ints(&vals, "CONNECTIVITY")?;
            let ends: Vec<usize> = offs.iter().skip(1).map(|&o| o.max(0) as usize).collect();
            self.ug_cells = Some((ends, conn, n.saturating_sub(1)));
            return Ok(());
        }
        let vals = self.c.values(size, Scalar::Int32, "CELLS", "cell", 1)?;
        let (ends, conn) = self.records(&vals, n, "CELLS", "cell", |_, _| Ok(()))?;
        let _ = at;
        self.ug_cells = Some((ends, conn, n));
        Ok(())
    }

    /// Split `k i0 .. ik-1` records; `check(k, location)` vets each size.
    fn records(
        &self,
        vals: &Values,
        n: usize,
        what: &str,
        item: &str,
        check: impl Fn(usize, String) -> Result<()>,
    ) -> Result<(Vec<usize>, Vec<i64>)> {
        let v = self.ints(vals, what)?;
        let mut ends = Vec::with_capacity(n);
        let mut conn = Vec::with_capacity(v.len());
        let mut p = 0;
        for i in 0..n {
            let loc = self.c.loc(
                vals,
                p.min(v.len().saturating_sub(1)),
                what,
                &format!("{item} {i}"),
            );
            let Some(&k) = v.get(p) else {
                return Err(self.c.err(
                    loc,
                    format!("{what} size is too small: {item} {i} of {n} is missing"),
                ));
            };
            if k < 0 || p + 1 + k as usize > v.len() {
                return Err(self.c.err(
                    loc,
                    format!(
                        "{item} {i} declares {k} nodes, past the declared {what} size {}",
                        v.len()
                    ),
                ));
            }
            check(k as usize, loc)?;
            conn.extend_from_slice(&v[p + 1..p + 1 + k as usize]);
            ends.push(conn.len());
            p += 1 + k as usize;
        }
        if p != v.len() {
            return Err(self.c.err(
                format!("section {what}"),
                format!(
                    "{n} {item}s use {p} values but the declared size is {}",
                    v.len()
                ),
            ));
        }
        Ok((ends, conn))
    }

    fn cell_types(&mut self) -> Result<()> {
        let n = self.c.expect_count("number of cell types")?;
        let vals = self
            .c
            .values(n, Scalar::Int32, "CELL_TYPES", "cell type", 1)?;
        let ints = self.ints(&vals, "CELL_TYPES")?;
        let mut types = Vec::with_capacity(n);
        for (k, t) in ints.into_iter().enumerate() {
            types.push(u8::try_from(t).map_err(|_| {
                self.c.err(
                    self.c.loc(&vals, k, "CELL_TYPES", &format!("cell {k}")),
                    format!("invalid cell type {t} for cell {k}"),
                )
            })?);
        }
        self.cell_types = Some(types);
        Ok(())
    }

    fn poly_section(&mut self, slot: usize, what: &str, vtk_type: u8) -> Result<()> {
        let n = self.c.expect_count(&format!("number of {what}"))?;
        let size = self.c.expect_count(&format!("{what} size"))?;
        let vals = self.c.values(size, Scalar::Int32, what, "record", 1)?;
        let triangles = vtk_type == cells::VTK_TRIANGLE;
        let path = self.c.path;
        let (ends, conn) = self.records(
            &vals,
            n,
            what,
            if triangles { "polygon" } else { "record" },
            |k, loc| {
                if triangles && k != 3 {
                    Err(Error::parse(
                        path,
                        loc,
                        format!("polygon has {k} vertices; only triangles (3) are supported"),
                    ))
                } else {
                    Ok(())
                }
            },
        )?;
        let mut t = CellTable::default();
        let mut start = 0;
        for e in ends {
            t.push(vtk_type, &conn[start..e]);
            start = e;
        }
        self.poly[slot] = Some(t);
        Ok(())
    }

    /// SCALARS, VECTORS and friends inside CELL_DATA or POINT_DATA.
    fn attribute(&mut self, kw: &str, block: Block) -> Result<()> {
        let (n, is_cell) = match block {
            Block::Cell(n) => (n, true),
            Block::Point(n) => (n, false),
            Block::None => (0, false),
        };
        let kw = kw.to_ascii_uppercase();
        let (name, _) = self.c.expect(&format!("{kw} name"))?;
        let (comps, ty) = match kw.as_str() {
            "SCALARS" => {
                let ty = self.dtype("SCALARS")?;
                // Optional component count on the same line.
                let (pos, line) = (self.c.pos, self.c.line);
                let mut comps = 1;
                if let Some((t, l)) = self.c.token() {
                    match t.parse::<usize>() {
                        Ok(k) if l == line => comps = k,
                        _ => {
                            self.c.pos = pos;
                            self.c.line = line;
                        }
                    }
                }
                if self.c.peek_keyword("LOOKUP_TABLE") {
                    self.c.expect("LOOKUP_TABLE")?;
                    self.c.expect("lookup table name")?;
                }
                (comps, ty)
            }
            "VECTORS" | "NORMALS" => (3, self.dtype(&kw)?),
            "TENSORS" => (9, self.dtype(&kw)?),
            "GLOBAL_IDS" | "PEDIGREE_IDS" => (1, self.dtype(&kw)?),
            "TEXTURE_COORDINATES" => {
                let d = self.c.expect_count("texture dimension")?;
                (d, self.dtype(&kw)?)
            }
            "COLOR_SCALARS" => {
                let d = self.c.expect_count("number of colour values")?;
                (
                    d,
                    if self.c.binary {
                        Scalar::UInt8
                    } else {
                        Scalar::Float32
                    },
                )
            }
            // LOOKUP_TABLE name size: RGBA per entry.
            _ => {
                let size = self.c.expect_count("lookup table size")?;
                let ty = if self.c.binary {
                    Scalar::UInt8
                } else {
                    Scalar::Float32
                };
                self.c
                    .values(size.saturating_mul(4), ty, "LOOKUP_TABLE", "colour", 4)?;
                return Ok(());
            }
        };
        let what = format!("{kw} {name}");
        let vals = self.c.values(
            n.saturating_mul(comps),
            ty,
            &what,
            if is_cell { "cell" } else { "point" },
            comps,
        )?;
        self.list(name, is_cell, comps);
        if is_cell {
            self.take_cell_array(name, comps, vals.v);
        }
        Ok(())
    }

    fn list(&mut self, name: &str, on_cells: bool, components: usize) {
        self.listing.push(ArrayInfo {
            name: name.to_string(),
            on_cells,
            components,
        });
    }

    /// Keep a cell array when it is the region or fibre array.
    fn take_cell_array(&mut self, name: &str, comps: usize, v: Vec<f64>) {
        let region_names = cells::region_names(self.opts);
        if comps == 1 {
            // Prefer the earlier name in the list ("region" over "tag").
            let rank = region_names.iter().position(|n| *n == name);
            let current = self
                .arrays
                .regions
                .as_ref()
                .and_then(|(n, _)| region_names.iter().position(|r| r == n));
            if let Some(r) = rank {
                if current.is_none_or(|c| r < c) {
                    self.arrays.regions = Some((name.to_string(), v));
                }
            }
        } else if comps == 3 && cells::is_fibre_name(name) {
            self.arrays.fibres = Some(v.chunks_exact(3).map(|f| [f[0], f[1], f[2]]).collect());
        }
    }

    /// FIELD name n, then n arrays `name comps tuples type` + values.
    fn field(&mut self, block: Block) -> Result<()> {
        self.c.expect("FIELD name")?;
        let n = self.c.expect_count("number of FIELD arrays")?;
        for _ in 0..n {
            let (name, line) = self.c.expect("FIELD array name")?;
            let comps = self.c.expect_count("FIELD array components")?;
            let tuples = self.c.expect_count("FIELD array tuples")?;
            let ty = self.dtype(&format!("FIELD array {name}"))?;
            let what = format!("FIELD array {name}");
            let vals = self
                .c
                .values(comps.saturating_mul(tuples), ty, &what, "tuple", comps)?;
            if block != Block::None {
                self.list(name, matches!(block, Block::Cell(_)), comps);
            }
            if let Block::Cell(nc) = block {
                if tuples != nc {
                    return Err(self.c.err(
                        format!("line {line}"),
                        format!("{what} has {tuples} tuples, CELL_DATA declares {nc}"),
                    ));
                }
                self.take_cell_array(name, comps, vals.v);
            }
        }
        Ok(())
    }

    /// VTK 5.1 METADATA blocks end at an empty line.
    fn skip_metadata(&mut self) {
        self.c.end_line();
        while self.c.pos < self.c.data.len() {
            if self.c.line_text().is_empty() {
                break;
            }
        }
    }

    fn finish(self) -> Result<(Mesh, Vec<ArrayInfo>)> {
        let path = self.c.path;
        if let (Some(name), None) = (&self.opts.region_array, &self.arrays.regions) {
            // Tagging every element 0 instead would drop the regions asked for.
            let have: Vec<String> = self
                .listing
                .iter()
                .filter(|a| a.on_cells && a.components == 1)
                .map(|a| format!("'{}'", a.name))
                .collect();
            return Err(Error::parse(
                path,
                "CELL_DATA",
                format!(
                    "region array '{name}' not found; one-component cell arrays: {}",
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(", ")
                    }
                ),
            ));
        }
        let nodes = self
            .points
            .ok_or_else(|| Error::parse(path, "POINTS", "no POINTS section"))?;
        let table = if self.polydata {
            let mut t = CellTable::default();
            for s in self.poly.into_iter().flatten() {
                t.append(s);
            }
            t
        } else {
            let (ends, conn, n) = self
                .ug_cells
                .ok_or_else(|| Error::parse(path, "CELLS", "no CELLS section"))?;
            let types = self
                .cell_types
                .ok_or_else(|| Error::parse(path, "CELL_TYPES", "no CELL_TYPES section"))?;
            if types.len() != n || ends.len() != n {
                return Err(Error::parse(
                    path,
                    "CELL_TYPES",
                    format!("{} cell types for {n} cells", types.len()),
                ));
            }
            CellTable {
                types,
                offsets: ends,
                connectivity: conn,
            }
        };
        let mesh = cells::assemble(path, "CELLS", nodes, &table, self.arrays)?;
        Ok((mesh, self.listing))
    }
}
