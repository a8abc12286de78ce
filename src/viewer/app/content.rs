//! What the app has open: a running [`Session`] with its picker and the
//! text shown about it, made from a finished background load.

use std::sync::mpsc::{self, Receiver, TryRecvError};

use glam::Vec3;

use super::annotations::RegionLabel;
use crate::laao::catalog::Catalog;
use crate::laao::measure::MeasureOptions;
use crate::scenario::RegionNames;
use crate::solver::gpu::GpuContext;
use crate::viewer::loader::Loaded;
use crate::viewer::picking::Picker;
use crate::viewer::placement::Placement;
use crate::viewer::session::Session;
use crate::{ElementKind, Mesh, Result};

/// An open mesh, scenario or lesson.
pub struct Content {
    /// What was loaded (a path or a lesson's name).
    pub source: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub session: Session,
    pub picker: Picker,
    /// Bounding box of the mesh (mm), for the camera.
    pub bounds: (Vec3, Vec3),
    /// The LAT map (mesh order, NaN = not yet) and its finite range, read
    /// when the LAT colour mode is chosen and refreshed every
    /// [`LAT_REFRESH_FRAMES`] frames while it stays chosen.
    pub lat: Option<LatMap>,
    pub placement: PlacementState,
    /// Where each region's name is written in the regions colour mode.
    pub region_labels: Vec<RegionLabel>,
}

/// Device placement for the open mesh. Measuring the appendage takes about
/// a second, so it runs in a thread after the mesh opens.
pub enum PlacementState {
    /// Not an appendage anatomy (a volume mesh).
    NotApplicable,
    Measuring(Receiver<Result<Placement>>),
    Ready(Box<Placement>),
    /// Measuring failed: no appendage was found (or no catalog).
    Unavailable(String),
}

impl PlacementState {
    /// Measure `mesh` in a thread when it may be an appendage: a surface
    /// (the LAA anatomies are triangle meshes; ventricles are volumes) that
    /// is not flat (a 2-D sheet has no appendage, so the device panel is
    /// never shown on one).
    pub fn start(mesh: &Mesh) -> PlacementState {
        if mesh.kind != ElementKind::Triangle || is_flat(mesh) {
            return PlacementState::NotApplicable;
        }
        let mesh = mesh.clone();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("cardiotwin placement".into())
            .spawn(move || {
                let result = Catalog::load_default()
                    .and_then(|catalog| Placement::new(&mesh, catalog, &MeasureOptions::default()));
                // The app may have opened something else meanwhile.
                let _ = tx.send(result);
            });
        match spawned {
            Ok(_) => PlacementState::Measuring(rx),
            Err(e) => PlacementState::Unavailable(format!("cannot start a thread: {e}")),
        }
    }

    /// Take the measurement when it is done.
    pub fn poll(&mut self) {
        let PlacementState::Measuring(rx) = self else {
            return;
        };
        *self = match rx.try_recv() {
            Ok(Ok(p)) => PlacementState::Ready(Box::new(p)),
            Ok(Err(e)) => PlacementState::Unavailable(e.to_string()),
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                PlacementState::Unavailable("the measuring thread stopped".into())
            }
        };
    }

    /// Block until measured (tests and scripted screenshots).
    pub fn wait(&mut self) {
        if let PlacementState::Measuring(rx) = self {
            *self = match rx.recv() {
                Ok(Ok(p)) => PlacementState::Ready(Box::new(p)),
                Ok(Err(e)) => PlacementState::Unavailable(e.to_string()),
                Err(_) => PlacementState::Unavailable("the measuring thread stopped".into()),
            };
        }
    }

    pub fn ready(&self) -> Option<&Placement> {
        match self {
            PlacementState::Ready(p) => Some(p),
            _ => None,
        }
    }

    pub fn ready_mut(&mut self) -> Option<&mut Placement> {
        match self {
            PlacementState::Ready(p) => Some(p),
            _ => None,
        }
    }
}

/// A mesh thinner than this fraction of its largest side along some axis
/// is a flat sheet.
const FLAT_FRACTION: f64 = 0.05;

/// True when the mesh's bounding box is flat along some axis (a sheet).
fn is_flat(mesh: &Mesh) -> bool {
    let (lo, hi) = mesh.bounding_box();
    let extent: Vec<f64> = (0..3).map(|d| hi[d] - lo[d]).collect();
    let largest = extent.iter().copied().fold(0.0, f64::max);
    extent.iter().any(|&e| e <= FLAT_FRACTION * largest)
}

/// One label per region tag: its name from the scenario's `[regions]`
/// table (else "region N"), written at the region's node nearest to its
/// centroid (on the tissue, even for a ring). A mesh with a single region
/// and no name for it gets none.
pub fn region_labels(mesh: &Mesh, names: &RegionNames) -> Vec<RegionLabel> {
    let tags = mesh.region_tags();
    if tags.len() < 2 && names.is_empty() {
        return Vec::new();
    }
    let per = mesh.kind.nodes_per_element();
    tags.iter()
        .filter_map(|&tag| {
            let nodes: Vec<usize> = mesh
                .elements
                .chunks_exact(per)
                .zip(&mesh.regions)
                .filter(|(_, &r)| r == tag)
                .flat_map(|(el, _)| el.iter().map(|&n| n as usize))
                .collect();
            let centroid = nodes
                .iter()
                .fold(Vec3::ZERO, |acc, &n| acc + point(mesh, n))
                / nodes.len().max(1) as f32;
            let anchor = nodes.iter().map(|&n| point(mesh, n)).min_by(|a, b| {
                (*a - centroid)
                    .length()
                    .total_cmp(&(*b - centroid).length())
            })?;
            let name = names
                .name_of(tag)
                .map_or_else(|| format!("region {tag}"), str::to_string);
            Some(RegionLabel { name, anchor })
        })
        .collect()
}

fn point(mesh: &Mesh, n: usize) -> Vec3 {
    let p = mesh.nodes[n];
    Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32)
}

/// Frames between LAT re-reads while the LAT map is on show: the whole map
/// is read back, so not every frame.
pub const LAT_REFRESH_FRAMES: u32 = 30;

pub struct LatMap {
    /// Finite range (ms); None when nothing activated yet.
    pub range: Option<(f64, f64)>,
    /// Frames since it was read.
    pub age: u32,
}

impl Content {
    /// Start a session on the app's device (the renderer binds its buffers).
    pub fn start(loaded: Loaded, gpu: &GpuContext) -> Result<Content> {
        let Loaded {
            source,
            scenario,
            prepared,
            picker,
            ..
        } = loaded;
        let (lo, hi) = prepared.mesh.bounding_box();
        let bounds = (
            Vec3::new(lo[0] as f32, lo[1] as f32, lo[2] as f32),
            Vec3::new(hi[0] as f32, hi[1] as f32, hi[2] as f32),
        );
        let placement = PlacementState::start(&prepared.mesh);
        let region_labels = region_labels(&prepared.mesh, &scenario.regions);
        let title = scenario.title.clone();
        let description = scenario.description.clone();
        let session = Session::on_gpu(scenario, prepared, gpu)?;
        Ok(Content {
            source,
            title,
            description,
            session,
            picker,
            bounds,
            lat: None,
            placement,
            region_labels,
        })
    }

    /// Name for the panel: the scenario's title, else the source.
    pub fn name(&self) -> String {
        self.title.clone().unwrap_or_else(|| self.source.clone())
    }

    /// Read the LAT map now.
    pub fn refresh_lat(&mut self) -> Result<()> {
        let values = self.session.lat_mesh_order()?;
        let range = crate::output::results::finite_range(&values);
        self.lat = Some(LatMap { range, age: 0 });
        Ok(())
    }
}
