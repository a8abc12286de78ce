//! `cardiotwin generate`: structured meshes for teaching and verification.

use anyhow::{bail, Result};
use cardiotwin::mesh::generate::{box_tets, sheet_triangles};
use cardiotwin::mesh::io;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum GenerateCommand {
    /// A box of tetrahedra, fibres along x (default: the 20 x 7 x 3 mm
    /// N-version benchmark slab of Niederer et al. 2011).
    ///
    /// Example: cardiotwin generate slab slab.vtk --spacing 0.5
    Slab {
        /// Output mesh (.vtu, .vtk, or openCARP .pts/.elem).
        out: PathBuf,
        /// Box size in mm, x,y,z.
        #[arg(long, value_delimiter = ',', default_values_t = vec![20.0, 7.0, 3.0])]
        size: Vec<f64>,
        /// Node spacing in mm.
        #[arg(long, default_value_t = 0.5)]
        spacing: f64,
    },
    /// A flat rectangular sheet of triangles at z = 0 (2D tissue: spiral
    /// waves, planar fronts).
    ///
    /// Example: cardiotwin generate sheet sheet.vtu --size 50,50 --spacing 0.25
    Sheet {
        out: PathBuf,
        /// Sheet size in mm, x,y.
        #[arg(long, value_delimiter = ',', default_values_t = vec![50.0, 50.0])]
        size: Vec<f64>,
        #[arg(long, default_value_t = 0.25)]
        spacing: f64,
    },
}

fn check(size: &[f64], dims: usize, spacing: f64) -> Result<()> {
    if size.len() != dims {
        bail!(
            "--size takes {dims} comma-separated lengths in mm (got {})",
            size.len()
        );
    }
    if size.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        bail!("--size: every length must be a positive number of mm (got {size:?})");
    }
    if !(spacing.is_finite() && spacing > 0.0) {
        bail!("--spacing must be a positive number of mm (got {spacing})");
    }
    let cells: f64 = size.iter().map(|s| (s / spacing).max(1.0)).product();
    if cells > 2e7 {
        bail!("--spacing {spacing} mm gives about {cells:.1e} cells; use a coarser spacing");
    }
    Ok(())
}

pub fn dispatch(command: GenerateCommand) -> Result<()> {
    let (mesh, out) = match command {
        GenerateCommand::Slab { out, size, spacing } => {
            check(&size, 3, spacing)?;
            let mut mesh = box_tets(size[0], size[1], size[2], spacing);
            mesh.fibres = Some(vec![[1.0, 0.0, 0.0]; mesh.element_count()]);
            (mesh, out)
        }
        GenerateCommand::Sheet { out, size, spacing } => {
            check(&size, 2, spacing)?;
            (sheet_triangles(size[0], size[1], spacing), out)
        }
    };
    io::save(&mesh, &out)?;
    println!(
        "wrote {} ({} nodes, {} {}s)",
        out.display(),
        mesh.node_count(),
        mesh.element_count(),
        mesh.kind.name()
    );
    Ok(())
}
