//! Loading a mesh or scenario for the app off the UI thread: reading the
//! file, RCM reordering, FEM assembly, the stability limit and the picking
//! hierarchy all run in a worker thread; the result comes back through a
//! channel that the app polls once per frame. GPU buffers are made
//! afterwards, on the caller's thread, from the [`Loaded`] result (see
//! [`super::session::Session`]).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Instant;

use super::picking::Picker;
use crate::mesh::{io, Mesh};
use crate::run::{prepare, prepare_with_mesh, Prepared};
use crate::scenario::{
    Conduction, MeshSection, OutputSection, RegionSelector, Scenario, TimeSection, TimeStep,
};
use crate::{Error, Result};

/// Conductivity (S/m, isotropic) of the scenario made for a bare mesh.
///
/// 0.5 S/m gives D = 0.36 mm^2/ms: a planar speed of 0.23 mm/ms, a front
/// 1.1 mm wide and a critical pacing radius of 3 mm (volume). The front
/// then spans about one edge of the 1–2 mm meshes people open (finer than
/// that slows the wave, see README), a wave takes a few hundred ms to
/// cross an atrium, slow enough to follow at the default speed, and the
/// explicit stability limit (proportional to 1/D) is four times that of
/// the demo's D = 1.43, so the app gains more simulated time per frame.
pub const BARE_MESH_SIGMA_S_PER_M: f64 = 0.5;

/// A nominal duration for the bare-mesh scenario: the app runs until the
/// user stops, so this only has to be valid.
const BARE_MESH_DURATION_MS: f64 = 1000.0;

/// What the app needs to start a session.
pub struct Loaded {
    /// What was loaded, for the title bar (a path or a scenario's name).
    pub source: String,
    pub scenario: Scenario,
    pub prepared: Prepared,
    /// Picking hierarchy over the mesh's boundary triangles.
    pub picker: Picker,
    /// Wall time of loading and preparing (s).
    pub load_seconds: f64,
}

/// The scenario `cardiotwin view MESH` runs on a mesh without one:
/// isotropic conduction at [`BARE_MESH_SIGMA_S_PER_M`] in every region, no
/// stimuli (the user paces by clicking), dt chosen automatically.
pub fn bare_mesh_scenario(mesh_path: &Path) -> Scenario {
    let sigma = Some(BARE_MESH_SIGMA_S_PER_M);
    let name = mesh_path.file_name().map_or_else(
        || mesh_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Scenario {
        title: Some(name),
        description: Some(
            "A bare mesh: isotropic conduction, no stimuli; click the surface to pace.".into(),
        ),
        mesh: MeshSection {
            file: mesh_path.to_path_buf(),
            scale: None,
            region_array: None,
        },
        model: Default::default(),
        conduction: vec![Conduction {
            regions: RegionSelector::Keyword("all".into()),
            sigma_l: sigma,
            sigma_t: sigma,
            sigma_il: None,
            sigma_el: None,
            sigma_it: None,
            sigma_et: None,
            d_l: None,
            d_t: None,
            scale: 1.0,
            conducting: true,
        }],
        stimulus: Vec::new(),
        time: TimeSection {
            duration_ms: BARE_MESH_DURATION_MS,
            dt_ms: TimeStep::Keyword("auto".into()),
        },
        output: OutputSection::default(),
        regions: Default::default(),
        base_dir: mesh_path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        source: mesh_path.to_path_buf(),
    }
}

/// Prepare `scenario` on `mesh` (or on the mesh file it names) and build
/// the picker: everything but GPU buffers.
pub fn prepare_loaded(source: String, scenario: Scenario, mesh: Option<Mesh>) -> Result<Loaded> {
    let start = Instant::now();
    let prepared = match mesh {
        Some(mesh) => prepare_with_mesh(&scenario, mesh)?,
        None => prepare(&scenario)?,
    };
    // Region names are shown by the app only, so they are checked here.
    scenario
        .regions
        .check_tags(&prepared.mesh.region_tags())
        .map_err(|message| Error::Scenario {
            path: scenario.source.clone(),
            message,
        })?;
    let picker = Picker::from_mesh(&prepared.mesh);
    Ok(Loaded {
        source,
        scenario,
        prepared,
        picker,
        load_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Load `path`: a scenario (`.toml`) as written, any mesh format with
/// [`bare_mesh_scenario`]. Blocking; [`Loader`] runs it in a thread.
pub fn load(path: &Path) -> Result<Loaded> {
    load_scaled(path, None)
}

/// [`load`] with a bare mesh's factor to mm (`view --scale`); a scenario
/// keeps its own `[mesh] scale`.
pub fn load_scaled(path: &Path, scale: Option<f64>) -> Result<Loaded> {
    let source = path.display().to_string();
    let is_scenario = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if is_scenario {
        let scenario = Scenario::load(path)?;
        prepare_loaded(source, scenario, None)
    } else {
        let opts = io::LoadOptions {
            scale,
            ..Default::default()
        };
        let mesh = io::load_with(path, &opts)?;
        let mut scenario = bare_mesh_scenario(path);
        scenario.mesh.scale = scale;
        prepare_loaded(source, scenario, Some(mesh))
    }
}

/// A load running in a worker thread.
pub struct Loader {
    rx: Receiver<Result<Loaded>>,
    what: String,
    done: bool,
}

impl Loader {
    /// Start loading `path` (see [`load`]).
    pub fn spawn(path: PathBuf, scale: Option<f64>) -> Loader {
        let what = path.display().to_string();
        Loader::spawn_job(what, move || load_scaled(&path, scale))
    }

    /// Run any preparation (a teaching scenario on a generated mesh, say)
    /// in a worker thread; `what` names it in messages.
    pub fn spawn_job<F>(what: String, job: F) -> Loader
    where
        F: FnOnce() -> Result<Loaded> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("cardiotwin loader".into())
            .spawn(move || {
                // The receiver is gone only if the app dropped the loader
                // (the user opened something else): nothing to report to.
                let _ = tx.send(job());
            });
        let rx = match spawned {
            Ok(_) => rx,
            Err(e) => {
                // No thread: report it through a channel of its own.
                let (tx, rx) = mpsc::channel();
                let _ = tx.send(Err(Error::Unsupported(format!(
                    "loading {what}: cannot start a worker thread: {e}"
                ))));
                rx
            }
        };
        Loader {
            rx,
            what,
            done: false,
        }
    }

    /// What is being loaded.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The result once ready (exactly once), None while still loading or
    /// after the result was taken.
    pub fn poll(&mut self) -> Option<Result<Loaded>> {
        if self.done {
            return None;
        }
        match self.rx.try_recv() {
            Ok(result) => {
                self.done = true;
                Some(result)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.done = true;
                Some(Err(self.stopped()))
            }
        }
    }

    /// Block until the result is ready (scripted runs and tests).
    pub fn wait(mut self) -> Result<Loaded> {
        if self.done {
            return Err(Error::Unsupported(format!(
                "loading {}: the result was already taken",
                self.what
            )));
        }
        self.done = true;
        self.rx.recv().map_err(|_| self.stopped())?
    }

    fn stopped(&self) -> Error {
        Error::Unsupported(format!(
            "loading {}: the worker thread stopped without a result (a bug: please report it)",
            self.what
        ))
    }
}
