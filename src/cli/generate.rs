//! `cardiotwin generate`: structured meshes for teaching and verification.

use anyhow::{bail, Result};
use cardiotwin::mesh::atrium::{self, AtriumParams};
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
    /// A watertight left-atrium surface (body, four capped pulmonary-vein
    /// stubs, flat mitral cap) with a parametric appendage, region-tagged
    /// 1 = body, 2 = appendage. Writes OUT and, beside it, its ground truth
    /// OUT-stem.truth.json (true ostium and landing-zone diameters, depth).
    ///
    /// Example: cardiotwin generate atrium --variant chicken_wing la.vtu
    Atrium {
        /// Output mesh (.vtu, .vtk, or openCARP .pts/.elem).
        out: PathBuf,
        /// Parameters (.toml or .json; see meshes/laa/README.md). Unknown
        /// keys are rejected; missing keys take their defaults.
        #[arg(long, conflicts_with = "variant")]
        params: Option<PathBuf>,
        /// A shipped variant: chicken_wing, windsock, bilobed, cauliflower,
        /// shallow, large_ostium.
        #[arg(long)]
        variant: Option<String>,
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

/// `<dir>/<stem>.truth.json` beside the mesh `out`.
fn truth_path(out: &std::path::Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "atrium".into());
    out.with_file_name(format!("{stem}.truth.json"))
}

pub fn dispatch(command: GenerateCommand) -> Result<()> {
    let (mesh, out) = match command {
        GenerateCommand::Atrium {
            out,
            params,
            variant,
        } => {
            let p = match (params, variant) {
                (Some(file), _) => AtriumParams::load(&file)?,
                (None, Some(name)) => AtriumParams::variant(&name)?,
                (None, None) => AtriumParams::default(),
            };
            let a = atrium::generate(&p)?;
            let truth = truth_path(&out);
            atrium::write(&a, &out, &truth)?;
            let t = &a.truth;
            println!(
                "wrote {} ({} nodes, {} triangles) and {}: ostium {:.1} x {:.1} mm, landing zone {:.1} x {:.1} mm at {:.0} mm, depth {:.1} mm",
                out.display(),
                a.mesh.node_count(),
                a.mesh.element_count(),
                truth.display(),
                t.ostium.max_diameter_mm,
                t.ostium.min_diameter_mm,
                t.landing_zone.max_diameter_mm,
                t.landing_zone.min_diameter_mm,
                t.landing_zone.depth_mm_from_ostium,
                t.depth_mm
            );
            return Ok(());
        }
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
