//! `cardiotwin mesh info` and `cardiotwin mesh convert`.

use anyhow::{bail, Result};
use cardiotwin::mesh::info::MeshInfo;
use cardiotwin::mesh::io::{self, LoadOptions};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum MeshCommand {
    /// Counts, bounding box, edge lengths, element quality and problems found.
    Info {
        file: PathBuf,
        /// Cell-data array holding region tags (default: `region` or `tag`).
        #[arg(long)]
        region_array: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Convert between formats (by extension: .vtu, .vtk, or openCARP .pts/.elem).
    ///
    /// Example: cardiotwin mesh convert heart.vtk heart.vtu
    ///          cardiotwin mesh convert full.vtu myo.vtu --region-array _volume-id --regions 1,2,7
    Convert {
        input: PathBuf,
        output: PathBuf,
        /// Cell-data array holding region tags in the input.
        #[arg(long)]
        region_array: Option<String>,
        /// Keep only these region tags (comma separated); unused nodes are dropped.
        #[arg(long, value_delimiter = ',')]
        regions: Vec<i32>,
        /// Multiply coordinates by this factor (e.g. 0.001 for um -> mm).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
}

pub fn dispatch(command: MeshCommand) -> Result<()> {
    match command {
        MeshCommand::Info {
            file,
            region_array,
            json,
        } => {
            let mesh = io::load_with(&file, &LoadOptions { region_array })?;
            let info = MeshInfo::compute(&mesh);
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
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
            if !(scale.is_finite() && scale > 0.0) {
                bail!("--scale must be a positive number (got {scale})");
            }
            let mut mesh = io::load_with(&input, &LoadOptions { region_array })?;
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
            if scale != 1.0 {
                mesh.scale(scale);
            }
            io::save(&mesh, &output)?;
            println!(
                "wrote {} ({} nodes, {} {}s)",
                output.display(),
                mesh.node_count(),
                mesh.element_count(),
                mesh.kind.name()
            );
            Ok(())
        }
    }
}
