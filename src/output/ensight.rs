//! Vm snapshots as an EnSight Gold case: the geometry written once, then one
//! small file of per-node values per frame.
//!
//! Why EnSight Gold: a PVD of VTU files repeats the full geometry in every
//! frame (the demo's 17 frames took 116 MB, 97 % of it coordinates and
//! connectivity). EnSight Gold was designed for a fixed mesh with transient
//! variables; ParaView, VisIt and EnSight open the `.case` file directly
//! (ParaView: File > Open, the time slider animates it) through VTK's
//! `vtkGenericEnSightReader`, and openCARP's `meshtool collect` exports the
//! same format for the same reason. It needs no HDF5 library (XDMF would).
//!
//! Layout (EnSight Gold "C Binary", little-endian, 80-byte NUL-padded
//! strings, 32-bit ints and floats, 1-based node ids):
//! - `<name>.case`: FORMAT, GEOMETRY (`model:`), VARIABLE (`scalar per
//!   node:`) and TIME (time values in ms);
//! - `<dir>/<var>.geo`: one part, its coordinates as x[], y[], z[], then
//!   `tetra4` or `tria3` connectivity;
//! - `<dir>/<var>_00000.scl` ...: a description, `part`, 1, `coordinates`,
//!   then one float per node.

use crate::mesh::{ElementKind, Mesh};
use crate::output::atomic::{write_atomic, write_string_atomic};
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// EnSight's fixed string length.
const LINE: usize = 80;

fn line(w: &mut dyn Write, s: &str) -> std::io::Result<()> {
    let mut b = [0u8; LINE];
    let n = s.len().min(LINE - 1);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    w.write_all(&b)
}

fn int(w: &mut dyn Write, v: usize) -> std::io::Result<()> {
    let v = i32::try_from(v).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{v} does not fit EnSight's 32-bit integers"),
        )
    })?;
    w.write_all(&v.to_le_bytes())
}

fn floats(w: &mut dyn Write, values: impl Iterator<Item = f64>) -> std::io::Result<()> {
    for v in values {
        w.write_all(&(v as f32).to_le_bytes())?;
    }
    Ok(())
}

/// The EnSight element name of a mesh's cells.
fn element_name(kind: ElementKind) -> &'static str {
    match kind {
        ElementKind::Triangle => "tria3",
        ElementKind::Tetrahedron => "tetra4",
    }
}

/// Write the geometry file (coordinates in mm).
pub fn write_geometry(path: &Path, mesh: &Mesh) -> Result<()> {
    write_atomic(path, |w| {
        line(w, "C Binary")?;
        line(w, "cardiotwin mesh")?;
        line(w, "coordinates in mm")?;
        line(w, "node id off")?;
        line(w, "element id off")?;
        line(w, "part")?;
        int(w, 1)?;
        line(w, "mesh")?;
        line(w, "coordinates")?;
        int(w, mesh.node_count())?;
        for d in 0..3 {
            floats(w, mesh.nodes.iter().map(|p| p[d]))?;
        }
        line(w, element_name(mesh.kind))?;
        int(w, mesh.element_count())?;
        for &i in &mesh.elements {
            int(w, i as usize + 1)?;
        }
        Ok(())
    })
}

/// Write one frame of per-node values.
pub fn write_node_scalars(path: &Path, description: &str, values: &[f64]) -> Result<()> {
    write_atomic(path, |w| {
        line(w, description)?;
        line(w, "part")?;
        int(w, 1)?;
        line(w, "coordinates")?;
        floats(w, values.iter().copied())
    })
}

/// A time series of one node variable on a fixed mesh: `case` names the
/// `.case` file; geometry and frames go into `dir` (relative to the case
/// file's folder), as `<var>.geo` and `<var>_NNNNN.scl`.
pub struct EnsightSeries {
    case: PathBuf,
    dir: String,
    var: String,
    nodes: usize,
    times: Vec<f64>,
}

impl EnsightSeries {
    /// Start a series and write the geometry.
    pub fn create(case: &Path, dir: &str, var: &str, mesh: &Mesh) -> Result<EnsightSeries> {
        let base = case.parent().unwrap_or(Path::new("."));
        write_geometry(&base.join(dir).join(format!("{var}.geo")), mesh)?;
        Ok(EnsightSeries {
            case: case.to_path_buf(),
            dir: dir.to_string(),
            var: var.to_string(),
            nodes: mesh.node_count(),
            times: Vec::new(),
        })
    }

    /// The frame file for frame `k`, relative to the case file.
    pub fn frame_name(&self, k: usize) -> String {
        format!("{}/{}_{k:05}.scl", self.dir, self.var)
    }

    /// The geometry file, relative to the case file.
    pub fn geometry_name(&self) -> String {
        format!("{}/{}.geo", self.dir, self.var)
    }

    /// Write the next frame.
    pub fn push(&mut self, time_ms: f64, values: &[f64]) -> Result<()> {
        if values.len() != self.nodes {
            return Err(Error::Numerics(format!(
                "{}: a frame of {} values for {} nodes",
                self.case.display(),
                values.len(),
                self.nodes
            )));
        }
        if self.times.len() >= 100_000 {
            return Err(Error::Unsupported(format!(
                "{}: EnSight file names here hold 5 digits: at most 100000 frames",
                self.case.display()
            )));
        }
        let base = self.case.parent().unwrap_or(Path::new("."));
        let name = self.frame_name(self.times.len());
        write_node_scalars(&base.join(&name), &self.var, values)?;
        self.times.push(time_ms);
        Ok(())
    }

    /// Number of frames written.
    pub fn frames(&self) -> usize {
        self.times.len()
    }

    /// Write the `.case` file that ties geometry and frames together.
    pub fn finish(self) -> Result<PathBuf> {
        let mut text = format!(
            "FORMAT\ntype: ensight gold\n\nGEOMETRY\nmodel: {}\n\nVARIABLE\n\
             scalar per node: 1 {} {}/{}_*****.scl\n\nTIME\ntime set: 1\n\
             number of steps: {}\nfilename start number: 0\nfilename increment: 1\n\
             time values:\n",
            self.geometry_name(),
            self.var,
            self.dir,
            self.var,
            self.times.len()
        );
        for t in &self.times {
            text.push_str(&format!("{t}\n"));
        }
        write_string_atomic(&self.case, &text)?;
        Ok(self.case)
    }
}

/// Read one frame written by [`write_node_scalars`] (for tests and tools).
pub fn read_node_scalars(path: &Path, nodes: usize) -> Result<Vec<f32>> {
    let b = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let head = 3 * LINE + 4;
    if b.len() != head + 4 * nodes {
        return Err(Error::parse(
            path,
            "size",
            format!(
                "expected {} bytes for {nodes} nodes, found {}",
                head + 4 * nodes,
                b.len()
            ),
        ));
    }
    Ok(b[head..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
