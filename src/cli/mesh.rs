//! `cardiotwin mesh info` and `cardiotwin mesh convert`.

use anyhow::{bail, Result};
use cardiotwin::mesh::extent;
use cardiotwin::mesh::info::MeshInfo;
use cardiotwin::mesh::io::{self, LoadOptions};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum MeshCommand {
    /// Counts, bounding box, edge lengths, element quality and problems found.
    Info {
        file: PathBuf,
        /// Cell-data array holding region tags (default: `region` or `tag`).
        #[arg(long)]
        region_array: Option<String>,
        /// Factor from the file's coordinates to mm (default: 0.001 for
        /// openCARP files, which are in um; 1 for every other format).
        #[arg(long)]
        scale: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Convert between formats (by extension: .vtu, .vtk, or openCARP .pts/.elem).
    ///
    /// Coordinates go through mm: openCARP input is read as um and openCARP
    /// output written in um; other formats are mm.
    ///
    /// Example: cardiotwin mesh convert heart.vtk heart.vtu
    ///          cardiotwin mesh convert full.vtu myo.vtu --region-array _volume-id --regions 1,2,7
    ///          cardiotwin mesh convert heart_in_metres.stl heart.vtu --scale 1000
    Convert {
        input: PathBuf,
        output: PathBuf,
        /// Cell-data array holding region tags in the input.
        #[arg(long)]
        region_array: Option<String>,
        /// Keep only these region tags (comma separated); unused nodes are dropped.
        #[arg(long, value_delimiter = ',')]
        regions: Vec<i32>,
        /// Factor from the input's coordinates to mm (e.g. 0.001 for um,
        /// 1000 for m). Default: 0.001 for openCARP input, else 1, and a
        /// mesh that is not heart-sized is refused; an explicit scale is
        /// trusted.
        #[arg(long)]
        scale: Option<f64>,
    },
}

pub fn dispatch(command: MeshCommand) -> Result<()> {
    match command {
        MeshCommand::Info {
            file,
            region_array,
            scale,
            json,
        } => {
            let opts = LoadOptions {
                region_array,
                scale,
                // Report the extent instead of refusing the mesh.
                allow_implausible: true,
            };
            let mesh = io::load_with(&file, &opts)?;
            let info = MeshInfo::compute_scaled(&mesh, io::effective_scale(&file, &opts));
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                if let Some(note) = io::unit_note(&file, &opts) {
                    eprintln!("{note}");
                }
                println!("{}", file.display());
                println!("{info}");
            }
            Ok(())
        }
        MeshCommand::Convert {
            input,
            output,
            region_array,
            regions,
            scale,
        } => {
            if let Some(scale) = scale {
                if !(scale.is_finite() && scale > 0.0) {
                    bail!("--scale must be a positive number (got {scale})");
                }
            }
            let opts = LoadOptions {
                region_array,
                scale,
                ..LoadOptions::default()
            };
            if let Some(note) = io::unit_note(&input, &opts) {
                eprintln!("{note}");
            }
            let mut mesh = io::load_with(&input, &opts)?;
            if scale.is_some() {
                warn_if_implausible(&input, &mesh, io::effective_scale(&input, &opts));
            }
            if !regions.is_empty() {
                let kept = io::extract_regions(&mesh, &regions);
                if kept.element_count() == 0 {
                    bail!(
                        "{}: no element has a region in {:?} (the mesh has regions {:?})",
                        input.display(),
                        regions,
                        mesh.region_tags()
                    );
                }
                mesh = kept;
            }
            io::save(&mesh, &output)?;
            println!(
                "wrote {} ({} nodes, {} {}s{})",
                output.display(),
                mesh.node_count(),
                mesh.element_count(),
                mesh.kind.name(),
                if io::default_scale(&output) != 1.0 {
                    "; coordinates in um, openCARP's unit"
                } else {
                    ""
                }
            );
            Ok(())
        }
    }
}

/// With an explicit scale the mesh is loaded whatever its size; still say
/// when the result is not heart-sized.
pub fn warn_if_implausible(path: &Path, mesh: &cardiotwin::Mesh, scale: f64) {
    let (lo, hi) = mesh.bounding_box();
    let check = extent::check(extent::extent_of(lo, hi), scale);
    if !check.plausible {
        eprintln!("warning: {}: {}", path.display(), check.describe());
    }
}
