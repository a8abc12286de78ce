//! Output files: atomic writes, VTU results, EnSight snapshots, openCARP
//! .dat/.igb, probe CSV, JSON summary, PNG maps.

pub mod atomic;
pub mod colormap;
pub mod ensight;
pub mod folder;
pub mod opencarp;
pub mod render;
pub mod results;
