//! What the app has open: a running [`Session`] with its picker and the
//! text shown about it, made from a finished background load.

use std::sync::mpsc::{self, Receiver, TryRecvError};

use glam::Vec3;

use super::annotations::RegionLabel;
use crate::laao::catalog::Catalog;
use crate::laao::measure::MeasureOptions;
use crate::scenario::RegionNames;
use crate::solver::gpu::GpuContext;
use crate::viewer::camera::OrbitCamera;
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
    /// Region tags and names, for the labels of the regions colour mode.
    pub region_naming: RegionNaming,
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

/// What region labels are made from: each node's region tag (that of the
/// first element holding it, as the renderer colours it) and the names.
pub struct RegionNaming {
    node_tag: Vec<i32>,
    names: RegionNames,
    /// Label at all: more than one region, or names given.
    pub enabled: bool,
}

impl RegionNaming {
    pub fn new(mesh: &Mesh, names: &RegionNames) -> RegionNaming {
        let mut node_tag: Vec<Option<i32>> = vec![None; mesh.node_count()];
        for (e, nodes) in mesh.elements_iter().enumerate() {
            let tag = mesh.regions.get(e).copied().unwrap_or(0);
            for &n in nodes {
                node_tag[n as usize].get_or_insert(tag);
            }
        }
        RegionNaming {
            node_tag: node_tag.into_iter().map(|t| t.unwrap_or(0)).collect(),
            names: names.clone(),
            enabled: mesh.region_tags().len() > 1 || !names.is_empty(),
        }
    }

    /// Tag of mesh node `n`.
    pub fn tag_of(&self, n: u32) -> Option<i32> {
        self.node_tag.get(n as usize).copied()
    }

    /// The name of `tag`: from the scenario, else "region N".
    pub fn name_of(&self, tag: i32) -> String {
        self.names
            .name_of(tag)
            .map_or_else(|| format!("region {tag}"), str::to_string)
    }
}

/// Rays per side of the grid that finds where each region is seen.
const LABEL_GRID: (u32, u32) = (40, 26);
/// A region seen by fewer grid rays than this gets no label (a sliver).
const LABEL_MIN_HITS: usize = 3;

/// Labels for the regions `camera` sees in a viewport of `viewport`
/// pixels: rays on a grid over the view find the visible surface; each
/// region seen is labelled at its visible sample nearest to the mean
/// screen position of its samples, so the name sits on the region where it
/// is seen (never over a region in front of it, nor on a hidden one).
pub fn visible_region_labels(
    picker: &Picker,
    naming: &RegionNaming,
    camera: &OrbitCamera,
    viewport: glam::Vec2,
) -> Vec<RegionLabel> {
    if !naming.enabled || viewport.min_element() <= 0.0 {
        return Vec::new();
    }
    // tag -> (screen positions, hit points)
    let mut seen: std::collections::BTreeMap<i32, Vec<(glam::Vec2, Vec3)>> = Default::default();
    let (nx, ny) = LABEL_GRID;
    for j in 0..ny {
        for i in 0..nx {
            let pixel = glam::Vec2::new(
                (i as f32 + 0.5) / nx as f32 * viewport.x,
                (j as f32 + 0.5) / ny as f32 * viewport.y,
            );
            let (origin, dir) = camera.ray(pixel, viewport);
            let Some(hit) = picker.pick(origin, dir) else {
                continue;
            };
            if let Some(tag) = naming.tag_of(hit.mesh_node) {
                seen.entry(tag).or_default().push((pixel, hit.point));
            }
        }
    }
    seen.into_iter()
        .filter(|(_, samples)| samples.len() >= LABEL_MIN_HITS)
        .filter_map(|(tag, samples)| {
            let mean = samples.iter().map(|s| s.0).sum::<glam::Vec2>() / samples.len() as f32;
            let (_, anchor) = samples
                .iter()
                .min_by(|a, b| (a.0 - mean).length().total_cmp(&(b.0 - mean).length()))?;
            Some(RegionLabel {
                name: naming.name_of(tag),
                tag,
                anchor: *anchor,
            })
        })
        .collect()
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
        let region_naming = RegionNaming::new(&prepared.mesh, &scenario.regions);
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
            region_naming,
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
