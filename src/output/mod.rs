//! Output files: atomic writes, VTU/PVD results, probe CSV, JSON summary, PNG maps.

pub mod atomic;
pub mod colormap;
pub mod folder;
pub mod render;
pub mod results;
