//! openCARP text meshes: `<base>.pts` (node count, then `x y z` per line),
//! `<base>.elem` (element count, then `Tr n0 n1 n2 tag` or
//! `Tt n0 n1 n2 n3 tag`), optional `<base>.lon` (first line 1 or 2 = fibre
//! directions per element, then 3 or 6 floats per element; we keep the first
//! direction) and `.vtx` node lists. These functions keep coordinates as
//! written; openCARP works in um, and [`super::load_with`] /
//! [`super::save`] convert to and from mm.

use crate::mesh::{ElementKind, Mesh};
use crate::output::atomic::write_atomic;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

/// Lines of a text file with their 1-based numbers, skipping blank lines.
fn lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let bytes = super::read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::parse(path, format!("line {line}"), "not UTF-8 text")
    })?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .filter(|(_, l)| !l.is_empty())
        .collect())
}

/// The count on the first line, and the records after it (exactly `count`).
fn counted<'a>(
    path: &Path,
    lines: &'a [(usize, String)],
    what: &str,
) -> Result<&'a [(usize, String)]> {
    let (line, first) = lines.first().ok_or_else(|| {
        Error::parse(
            path,
            "line 1",
            format!("empty file; expected the number of {what}"),
        )
    })?;
    let n: usize = first
        .split_whitespace()
        .next()
        .unwrap_or("")
        .parse()
        .map_err(|_| {
            Error::parse(
                path,
                format!("line {line}"),
                format!("expected the number of {what}, found '{first}'"),
            )
        })?;
    let rest = &lines[1..];
    if rest.len() < n {
        return Err(Error::parse(
            path,
            format!("line {}", rest.last().map_or(*line, |l| l.0)),
            format!(
                "truncated: header announces {n} {what}, file ended after {}",
                rest.len()
            ),
        ));
    }
    if rest.len() > n {
        return Err(Error::parse(
            path,
            format!("line {}", rest[n].0),
            format!("header announces {n} {what} but more lines follow"),
        ));
    }
    Ok(rest)
}

fn floats(path: &Path, line: usize, text: &str, n: usize, what: &str) -> Result<Vec<f64>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    if toks.len() != n {
        return Err(Error::parse(
            path,
            format!("line {line}"),
            format!("expected {n} values for {what}, found {}", toks.len()),
        ));
    }
    toks.iter()
        .map(|t| {
            t.parse::<f64>().map_err(|_| {
                Error::parse(
                    path,
                    format!("line {line}"),
                    format!("expected a number for {what}, found '{t}'"),
                )
            })
        })
        .collect()
}

/// Read `<base>.pts`, `<base>.elem` and, when present, `<base>.lon`.
pub fn read_opencarp(base: &Path) -> Result<Mesh> {
    let pts_path = with_ext(base, ".pts");
    let pts_lines = lines(&pts_path)?;
    let mut nodes = Vec::new();
    for (i, (line, text)) in counted(&pts_path, &pts_lines, "points")?.iter().enumerate() {
        let v = floats(&pts_path, *line, text, 3, &format!("point {i}"))?;
        nodes.push([v[0], v[1], v[2]]);
    }

    let elem_path = with_ext(base, ".elem");
    let elem_lines = lines(&elem_path)?;
    let mut kind = None;
    let mut elements = Vec::new();
    let mut regions = Vec::new();
    for (e, (line, text)) in counted(&elem_path, &elem_lines, "elements")?
        .iter()
        .enumerate()
    {
        let loc = || format!("line {line}");
        let toks: Vec<&str> = text.split_whitespace().collect();
        let this = match toks.first().copied() {
            Some("Tt") => ElementKind::Tetrahedron,
            Some("Tr") => ElementKind::Triangle,
            other => {
                return Err(Error::parse(
                    &elem_path,
                    loc(),
                    format!(
                        "element {e}: unsupported element type '{}'; supported: Tt (tetrahedron), Tr (triangle)",
                        other.unwrap_or("")
                    ),
                ))
            }
        };
        if *kind.get_or_insert(this) != this {
            return Err(Error::parse(
                &elem_path,
                loc(),
                format!(
                    "element {e} is a {} in a mesh of {}s; mixed meshes are not supported",
                    this.name(),
                    kind.map_or("", |k| k.name())
                ),
            ));
        }
        let npe = this.nodes_per_element();
        if toks.len() != npe + 1 && toks.len() != npe + 2 {
            return Err(Error::parse(
                &elem_path,
                loc(),
                format!(
                    "element {e}: expected {npe} node indices and a tag, found {} fields",
                    toks.len() - 1
                ),
            ));
        }
        for t in &toks[1..=npe] {
            elements.push(t.parse::<u32>().map_err(|_| {
                Error::parse(
                    &elem_path,
                    loc(),
                    format!("element {e}: expected a node index, found '{t}'"),
                )
            })?);
        }
        let tag = match toks.get(npe + 1) {
            Some(t) => t.parse::<i32>().map_err(|_| {
                Error::parse(
                    &elem_path,
                    loc(),
                    format!("element {e}: expected an integer tag, found '{t}'"),
                )
            })?,
            None => 0,
        };
        regions.push(tag);
    }
    let kind = kind.ok_or_else(|| Error::invalid_mesh(&elem_path, "no elements"))?;

    let lon_path = with_ext(base, ".lon");
    let fibres = if lon_path.is_file() {
        Some(read_lon(&lon_path, regions.len())?)
    } else {
        None
    };
    Ok(Mesh {
        nodes,
        kind,
        elements,
        regions,
        fibres,
    })
}

/// Fibre file: optional header `1` or `2`, then one line per element.
fn read_lon(path: &Path, n_el: usize) -> Result<Vec<[f64; 3]>> {
    let all = lines(path)?;
    let (per, body) = match all.first() {
        Some((_, l)) if l.split_whitespace().count() == 1 => {
            let dirs: usize = l
                .parse()
                .ok()
                .filter(|d| *d == 1 || *d == 2)
                .ok_or_else(|| {
                    Error::parse(
                        path,
                        format!("line {}", all[0].0),
                        format!("expected 1 or 2 fibre directions, found '{l}'"),
                    )
                })?;
            (dirs * 3, &all[1..])
        }
        // Old files have no header: 3 values per line.
        _ => (3, &all[..]),
    };
    if body.len() != n_el {
        let line = body.last().map_or(1, |l| l.0);
        return Err(Error::parse(
            path,
            format!("line {line}"),
            format!("{} fibre lines for {n_el} elements", body.len()),
        ));
    }
    body.iter()
        .enumerate()
        .map(|(e, (line, text))| {
            let v = floats(path, *line, text, per, &format!("element {e}"))?;
            Ok(super::cells::normalise([v[0], v[1], v[2]]))
        })
        .collect()
}

/// Read a `.vtx` node list: count line, `intra`/`extra` line, one index per
/// line.
pub fn read_vtx(path: &Path) -> Result<Vec<u32>> {
    let all = lines(path)?;
    let (line, first) = all
        .first()
        .ok_or_else(|| Error::parse(path, "line 1", "empty file; expected the number of nodes"))?;
    let n: usize = first.parse().map_err(|_| {
        Error::parse(
            path,
            format!("line {line}"),
            format!("expected the number of nodes, found '{first}'"),
        )
    })?;
    let body = match all.get(1) {
        Some((_, l)) if l == "intra" || l == "extra" => &all[2..],
        Some((l, t)) => {
            return Err(Error::parse(
                path,
                format!("line {l}"),
                format!("expected 'intra' or 'extra', found '{t}'"),
            ))
        }
        None => &all[1..],
    };
    if body.len() != n {
        return Err(Error::parse(
            path,
            format!("line {}", body.last().map_or(*line, |l| l.0)),
            format!("header announces {n} nodes, found {}", body.len()),
        ));
    }
    body.iter()
        .map(|(l, t)| {
            t.parse::<u32>().map_err(|_| {
                Error::parse(
                    path,
                    format!("line {l}"),
                    format!("expected a node index, found '{t}'"),
                )
            })
        })
        .collect()
}

/// Write `<base>.pts` (coordinates multiplied by `to_file_unit`: 1000 for a
/// mesh in mm, as openCARP wants um), `<base>.elem` and (with fibres)
/// `<base>.lon`.
pub fn write_opencarp(base: &Path, mesh: &Mesh, to_file_unit: f64) -> Result<()> {
    write_atomic(&with_ext(base, ".pts"), |w| {
        writeln!(w, "{}", mesh.node_count())?;
        for p in &mesh.nodes {
            let [x, y, z] = p.map(|c| c * to_file_unit);
            writeln!(w, "{x} {y} {z}")?;
        }
        Ok(())
    })?;
    let code = match mesh.kind {
        ElementKind::Triangle => "Tr",
        ElementKind::Tetrahedron => "Tt",
    };
    write_atomic(&with_ext(base, ".elem"), |w| {
        writeln!(w, "{}", mesh.element_count())?;
        for (el, tag) in mesh.elements_iter().zip(&mesh.regions) {
            let idx: Vec<String> = el.iter().map(|i| i.to_string()).collect();
            writeln!(w, "{code} {} {tag}", idx.join(" "))?;
        }
        Ok(())
    })?;
    if let Some(f) = &mesh.fibres {
        write_atomic(&with_ext(base, ".lon"), |w| {
            writeln!(w, "1")?;
            for v in f {
                writeln!(w, "{} {} {}", v[0], v[1], v[2])?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
