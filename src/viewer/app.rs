//! The egui shell of `cardiotwin view`: lays out the panels, forwards input
//! to the camera and the session, and shows errors. The same
//! [`ViewerApp::show`] runs in the eframe window, in the headless
//! screenshot/frame-time paths and in the kittest tests.
//!
//! - [`gpu`]: one device for solver + UI, with the solver's limits.
//! - [`offscreen`]: paint a whole egui frame to a texture and read it back.
//! - [`headless`]: run the app for a few frames without a window.
//! - [`frame_time`]: time frames of simulate + render + paint.
//! - [`run_window`]: the eframe window.
//! - `side_panel`, `placement_panel`, `view3d`, `trace_panel`, `legend`,
//!   `feedback`: one panel or widget each; `scene3d` draws the mesh;
//!   `content` is what is open; `model` the small value types.

pub mod frame_time;
pub mod gpu;
pub mod headless;
pub mod offscreen;

pub mod annotations;
mod content;
mod feedback;
mod legend;
mod model;
mod placement_panel;
mod scene3d;
mod side_panel;
mod trace_panel;
mod view3d;
mod window;

pub use legend::LegendView;
pub use model::{ClickMode, ColourMode, Launch, LessonControls, LessonView, SimStatus};
pub use trace_panel::TraceView;
pub use view3d::ViewClick;
pub use window::{run_window, Smoke};

use std::path::PathBuf;

use eframe::egui;
use eframe::egui_wgpu::RenderState;

use crate::solver::gpu::GpuContext;
use crate::viewer::camera::OrbitCamera;
use crate::viewer::gallery::Gallery;
use crate::viewer::loader::{Loaded, Loader};
use crate::viewer::placement::Placement;
use crate::viewer::render::{Legend, Marker, Overlays};
use crate::viewer::session::{Frame as SimFrame, Session};
use crate::{Error, Result};

/// Radius of the picked-point marker, as a fraction of the mesh's
/// bounding-box diagonal (visible at any mesh size).
const MARKER_FRACTION: f32 = 0.008;

/// The whole app state. Drawing lives in the panel modules; state changes
/// go through methods here so tests can drive them without a window.
pub struct ViewerApp {
    render_state: RenderState,
    gpu: GpuContext,
    /// `view --scale`, applied to every bare mesh this app opens.
    mesh_scale: Option<f64>,
    pub camera: OrbitCamera,
    pub colour: ColourMode,
    pub click_mode: ClickMode,
    /// Contents of the path field in the file section.
    pub path_field: String,
    /// Messages for the red banner, oldest first.
    pub errors: Vec<String>,
    /// One-line notes (e.g. "wrote shot.png", "paced 40 nodes").
    pub notice: Option<String>,
    /// The open mesh/scenario/lesson, once loaded.
    content: Option<content::Content>,
    /// The shipped teaching lessons, or why they are missing.
    gallery: std::result::Result<Gallery, String>,
    /// A load in progress (the UI keeps running meanwhile).
    loader: Option<Loader>,
    /// What the load in progress becomes once installed.
    pending: PendingLoad,
    /// The lesson on show, with the values of its sliders.
    lesson: Option<OpenLesson>,
    scene3d: scene3d::Scene3d,
    /// Set by the screenshot button; done after the frame is painted
    /// (needs the painted window, see [`Self::take_screenshot_request`]).
    screenshot_request: Option<PathBuf>,
    /// Simulate this far once the next load finishes (--time-ms).
    pending_time_ms: Option<f64>,
    /// Outcomes of window screenshots taken by eframe's thread.
    shots: feedback::Outcomes,
    /// Where the 3D view was drawn last frame (points), for scripted
    /// clicks in tests.
    view_rect: Option<egui::Rect>,
    /// What the last frame's stepping did (None when it failed or nothing
    /// is open).
    last_frame: Option<SimFrame>,
    /// The triad, scale bar and labels drawn over the last frame's view.
    annotations: Option<annotations::Drawn>,
    /// Region labels for a camera, view size and scene.
    label_cache: Option<(LabelKey, Vec<annotations::RegionLabel>)>,
    /// Counts installed scenes (a new scene invalidates the label cache).
    scene_generation: u64,
}

type LabelKey = (OrbitCamera, glam::Vec2, u64);

impl ViewerApp {
    /// An app drawing with `render_state` (eframe's, or a headless one);
    /// the solver shares its device.
    pub fn new(render_state: RenderState, launch: Launch) -> ViewerApp {
        let gpu = gpu::solver_context(&render_state);
        let mut app = ViewerApp {
            render_state,
            gpu,
            mesh_scale: launch.scale,
            camera: OrbitCamera::default(),
            colour: launch.mode.unwrap_or_default(),
            click_mode: ClickMode::default(),
            path_field: String::new(),
            errors: Vec::new(),
            notice: None,
            content: None,
            gallery: Gallery::shipped().map_err(|e| e.to_string()),
            loader: None,
            pending: PendingLoad::default(),
            lesson: None,
            scene3d: scene3d::Scene3d::default(),
            screenshot_request: None,
            pending_time_ms: launch.time_ms,
            shots: feedback::Outcomes::default(),
            view_rect: None,
            last_frame: None,
            annotations: None,
            label_cache: None,
            scene_generation: 0,
        };
        if let Some(path) = launch.path {
            app.open(path);
        }
        app
    }

    /// The solver's device (shared with the UI).
    pub fn gpu(&self) -> &GpuContext {
        &self.gpu
    }

    /// Show an error in the app's banner (never a panic).
    pub fn report(&mut self, error: impl std::fmt::Display) {
        self.errors.push(error.to_string());
    }

    /// Start loading a mesh or scenario in the background; what is open
    /// stays on show until the new one is ready.
    pub fn open(&mut self, path: PathBuf) {
        self.path_field = path.display().to_string();
        // A gallery lesson opened by its path is that lesson, sliders and all.
        let lesson = self.lesson_index_of(&path);
        self.loader = Some(Loader::spawn(path, self.mesh_scale));
        self.pending = PendingLoad::default();
        if let Some(index) = lesson {
            self.pending.lesson = self.lesson_spec(index).map(|l| {
                let values = l.default_values();
                OpenLesson {
                    index,
                    draft: values.clone(),
                    values,
                }
            });
        }
    }

    /// The gallery lesson whose file `path` is, if any.
    fn lesson_index_of(&self, path: &std::path::Path) -> Option<usize> {
        let wanted = std::fs::canonicalize(path).ok()?;
        let gallery = self.gallery.as_ref().ok()?;
        gallery
            .lessons
            .iter()
            .position(|l| std::fs::canonicalize(&l.path).ok().as_ref() == Some(&wanted))
    }

    /// Start a background job that prepares something to open (lessons).
    pub fn open_job(&mut self, loader: Loader) {
        self.loader = Some(loader);
    }

    pub fn is_loading(&self) -> bool {
        self.loader.is_some()
    }

    /// Block until the load in progress (if any) is done and installed
    /// (scripted runs and tests; the window polls instead).
    pub fn wait_for_load(&mut self) {
        if let Some(loader) = self.loader.take() {
            let result = loader.wait();
            self.install(result);
        }
    }

    /// Take a finished load, if there is one.
    fn poll_loader(&mut self) {
        let Some(loader) = &mut self.loader else {
            return;
        };
        if let Some(result) = loader.poll() {
            self.loader = None;
            self.install(result);
        }
    }

    fn install(&mut self, result: Result<Loaded>) {
        let pending = std::mem::take(&mut self.pending);
        // What `run` prints before stepping, the app shows: a scenario that
        // does not do what it seems to ask must not look normal here either.
        let warnings: Vec<String> = match &result {
            Ok(loaded) => loaded
                .prepared
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect(),
            Err(_) => Vec::new(),
        };
        let started = result.and_then(|loaded| content::Content::start(loaded, &self.gpu));
        match started {
            Ok(content) => {
                for w in warnings {
                    self.report(w);
                }
                // A lesson re-prepared with new values keeps the view.
                if !pending.keep_camera {
                    self.camera = framing(content.bounds);
                }
                self.lesson = pending.lesson;
                self.scene_generation += 1;
                self.notice = None;
                self.content = Some(content);
                self.scene3d.scene_changed();
                if let Some(t) = self.pending_time_ms.take() {
                    self.simulate_to(t);
                }
            }
            Err(e) => {
                // What is on show stays, and so do its slider values.
                if let Some(lesson) = &mut self.lesson {
                    lesson.draft = lesson.values.clone();
                }
                self.report(e);
            }
        }
    }

    /// Step (paused) until the simulated time reaches `time_ms`.
    pub fn simulate_to(&mut self, time_ms: f64) {
        let Some(c) = &mut self.content else {
            return;
        };
        let dt = c.session.dt_ms();
        let left = time_ms - c.session.time_ms();
        if !(left.is_finite() && left > 0.0 && dt > 0.0) {
            return;
        }
        let steps = (left / dt).round() as u64;
        if let Err(e) = c.session.step(steps) {
            self.report(e);
        }
    }

    /// The open session, for tests and scripted runs.
    pub fn session(&self) -> Option<&Session> {
        self.content.as_ref().map(|c| &c.session)
    }

    pub fn session_mut(&mut self) -> Option<&mut Session> {
        self.content.as_mut().map(|c| &mut c.session)
    }

    /// The last frame's stepping: steps, simulated ms, wall time.
    pub fn last_frame(&self) -> Option<SimFrame> {
        self.last_frame
    }

    /// The 3D view's rectangle in the last frame (points).
    pub fn view_rect(&self) -> Option<egui::Rect> {
        self.view_rect
    }

    /// The triad, scale bar and region labels drawn over the 3D view in
    /// the last frame (None before a mesh is drawn).
    pub fn annotations(&self) -> Option<&annotations::Drawn> {
        self.annotations.as_ref()
    }

    /// Region names to write in the view of `viewport` pixels: in the
    /// regions colour mode only, where each region is seen (recomputed
    /// when the camera or the view changes).
    fn region_labels_on_show(&mut self, viewport: glam::Vec2) -> Vec<annotations::RegionLabel> {
        let Some(c) = &self.content else {
            return Vec::new();
        };
        if self.colour != ColourMode::Regions {
            return Vec::new();
        }
        let key = (self.camera, viewport, self.scene_generation);
        if let Some((k, labels)) = &self.label_cache {
            if *k == key {
                return labels.clone();
            }
        }
        let labels =
            content::visible_region_labels(&c.picker, &c.region_naming, &self.camera, viewport);
        self.label_cache = Some((key, labels.clone()));
        labels
    }

    /// Ask for a PNG of the window after this frame is painted.
    pub fn request_screenshot(&mut self, path: PathBuf) {
        self.screenshot_request = Some(path);
    }

    /// The pending screenshot path, if any (the window loop or the headless
    /// driver writes the PNG).
    pub fn take_screenshot_request(&mut self) -> Option<PathBuf> {
        self.screenshot_request.take()
    }

    /// Where the screenshot button writes: screenshots/cardiotwin-N.png in
    /// the working folder, N the first free number.
    pub fn next_screenshot_path(&self) -> PathBuf {
        let dir = PathBuf::from("screenshots");
        (1..)
            .map(|n| dir.join(format!("cardiotwin-{n}.png")))
            .find(|p| !p.exists())
            .unwrap_or_else(|| dir.join("cardiotwin.png"))
    }

    /// Name of the mesh/scenario/lesson on show.
    pub fn loaded_name(&self) -> Option<String> {
        self.content.as_ref().map(content::Content::name)
    }

    /// The open scenario's explanation, if it has one.
    pub fn loaded_description(&self) -> Option<&str> {
        self.content.as_ref()?.description.as_deref()
    }

    /// The teaching gallery's lessons (empty when the shipped lessons
    /// cannot be found; the panel then says why).
    pub fn lessons(&self) -> Vec<LessonView> {
        match &self.gallery {
            Ok(g) => g
                .lessons
                .iter()
                .map(|l| LessonView {
                    title: l.title.clone(),
                    description: l.description.clone(),
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Why the gallery is empty, if it is.
    pub fn gallery_error(&self) -> Option<&str> {
        self.gallery.as_ref().err().map(String::as_str)
    }

    /// Open lesson `index` of the gallery (in the background).
    pub fn open_lesson(&mut self, index: usize) {
        let path = match &self.gallery {
            Ok(g) => g.lessons.get(index).map(|l| l.path.clone()),
            Err(_) => None,
        };
        match path {
            Some(path) => self.open(path),
            None => self.report(format!("there is no lesson {}", index + 1)),
        }
    }

    fn lesson_spec(&self, index: usize) -> Option<&crate::viewer::gallery::Lesson> {
        self.gallery.as_ref().ok()?.lessons.get(index)
    }

    /// The open lesson's question and sliders, None when no lesson is open.
    pub fn lesson_controls(&self) -> Option<LessonControls> {
        let open = self.lesson.as_ref()?;
        let lesson = self.lesson_spec(open.index)?;
        Some(LessonControls {
            question: lesson.question.to_string(),
            knobs: lesson.knobs.clone(),
            values: open.draft.clone(),
            changed: open.values != lesson.default_values(),
        })
    }

    /// Move slider `knob` of the open lesson to `value` without applying it
    /// (while it is dragged).
    pub fn set_lesson_draft(&mut self, knob: usize, value: f64) {
        if let Some(v) = self.lesson.as_mut().and_then(|l| l.draft.get_mut(knob)) {
            *v = value;
        }
    }

    /// Re-prepare the open lesson with its sliders' values (in the
    /// background; the lesson on show keeps running until it is ready).
    pub fn apply_lesson_draft(&mut self) {
        let Some(open) = &self.lesson else {
            return;
        };
        let draft = open.draft.clone();
        self.apply_lesson_values(draft);
    }

    /// Re-prepare the open lesson with `values` (one per slider).
    pub fn apply_lesson_values(&mut self, values: Vec<f64>) {
        let Some(index) = self.lesson.as_ref().map(|l| l.index) else {
            self.report("no lesson is open");
            return;
        };
        let Some(lesson) = self.lesson_spec(index) else {
            return;
        };
        let scenario = match lesson.with_values(&values) {
            Ok(s) => s,
            Err(e) => {
                if let Some(open) = &mut self.lesson {
                    open.draft = open.values.clone();
                }
                self.report(e);
                return;
            }
        };
        let source = lesson.path.display().to_string();
        let what = format!("{} with new values", lesson.title);
        self.loader = Some(Loader::spawn_job(what, move || {
            crate::viewer::loader::prepare_loaded(source, scenario, None)
        }));
        self.pending = PendingLoad {
            keep_camera: true,
            lesson: Some(OpenLesson {
                index,
                draft: values.clone(),
                values,
            }),
        };
    }

    /// Put the open lesson's own values back.
    pub fn restore_lesson_values(&mut self) {
        let defaults = self
            .lesson
            .as_ref()
            .and_then(|l| self.lesson_spec(l.index))
            .map(|l| l.default_values());
        if let Some(values) = defaults {
            self.apply_lesson_values(values);
        }
    }

    /// Open the lesson with this id (`spiral_wave`, ...).
    pub fn open_lesson_id(&mut self, id: &str) -> Result<()> {
        let index = self
            .gallery
            .as_ref()
            .ok()
            .and_then(|g| g.lessons.iter().position(|l| l.id == id))
            .ok_or_else(|| Error::Unsupported(format!("no lesson {id:?} in the gallery")))?;
        self.open_lesson(index);
        Ok(())
    }

    pub fn sim_status(&self) -> Option<SimStatus> {
        let s = self.session()?;
        Some(SimStatus {
            time_ms: s.time_ms(),
            playing: s.is_playing(),
            speed_ms_per_s: s.speed(),
        })
    }

    pub fn set_playing(&mut self, playing: bool) {
        if let Some(s) = self.session_mut() {
            if playing {
                s.play();
            } else {
                s.pause();
            }
        }
    }

    /// One frame's worth of steps at the current speed (at least one step).
    pub fn step_once(&mut self) {
        let Some(s) = self.session_mut() else {
            return;
        };
        let steps = (s.speed() / 60.0 / s.dt_ms()).round().max(1.0) as u64;
        if let Err(e) = s.step(steps) {
            self.report(e);
        }
    }

    pub fn reset_simulation(&mut self) {
        let Some(c) = &mut self.content else {
            return;
        };
        c.lat = None;
        if let Err(e) = c.session.reset() {
            self.report(e);
        }
    }

    pub fn set_speed(&mut self, ms_per_s: f64) {
        if let Some(Err(e)) = self.session_mut().map(|s| s.set_speed(ms_per_s)) {
            self.report(e);
        }
    }

    /// The colour bar of the current colour mode, in mV / ms, or the
    /// region swatches.
    pub fn legend(&self) -> Option<LegendView> {
        let c = self.content.as_ref()?;
        match self.colour {
            ColourMode::Vm => Some(legend::gradient(&Legend::vm())),
            ColourMode::Lat => {
                let (lo, hi) = c.lat.as_ref()?.range?;
                Some(legend::gradient(&lat_legend(lo, hi)))
            }
            ColourMode::Regions => Some(legend::regions(
                &c.session.mesh().region_tags(),
                &c.session.scenario().regions,
            )),
        }
    }

    /// Nodes of the loaded mesh.
    pub fn node_count(&self) -> Option<usize> {
        Some(self.session()?.mesh().node_count())
    }

    /// Solver steps taken since the simulation was (re)started.
    pub fn steps_done(&self) -> u64 {
        self.session()
            .map(|s| (s.time_ms() / s.dt_ms()).round() as u64)
            .unwrap_or(0)
    }

    /// True when the open mesh holds an appendage, or is being measured for
    /// one: the device placement panel is shown. Volumes, flat sheets and
    /// surfaces where no appendage was found have no panel.
    pub fn has_placement(&self) -> bool {
        self.content.as_ref().is_some_and(|c| {
            matches!(
                c.placement,
                content::PlacementState::Measuring(_) | content::PlacementState::Ready(_)
            )
        })
    }

    /// Why a 3-D surface has no device placement (no appendage found), if
    /// that is the case.
    pub fn placement_unavailable(&self) -> Option<&str> {
        match &self.content.as_ref()?.placement {
            content::PlacementState::Unavailable(why) => Some(why),
            _ => None,
        }
    }

    /// The device placement tool, once the appendage is measured.
    pub fn placement(&self) -> Option<&Placement> {
        self.content.as_ref()?.placement.ready()
    }

    pub fn placement_mut(&mut self) -> Option<&mut Placement> {
        self.content.as_mut()?.placement.ready_mut()
    }

    /// Block until the appendage is measured (tests, screenshots).
    pub fn wait_for_placement(&mut self) {
        if let Some(c) = &mut self.content {
            c.placement.wait();
        }
    }

    /// Frame the mesh again from the anterior view.
    pub fn reset_camera(&mut self) {
        self.camera = match &self.content {
            Some(c) => framing(c.bounds),
            None => OrbitCamera::default(),
        };
    }

    pub fn trace(&self) -> Option<TraceView> {
        let trace = self.session()?.trace()?;
        let node = trace.mesh_node();
        let p = self.session()?.mesh().nodes.get(node as usize)?;
        Some(TraceView {
            title: format!("node {node} at ({:.1}, {:.1}, {:.1}) mm", p[0], p[1], p[2]),
            points: trace.points(),
        })
    }

    /// A click in the 3D view: pick the surface node under it, then pace
    /// there or follow its trace.
    pub fn view_clicked(&mut self, click: ViewClick) {
        let Some(c) = &mut self.content else {
            return;
        };
        let (origin, dir) = self.camera.ray(click.pixel, click.viewport);
        let Some(hit) = c.picker.pick(origin, dir) else {
            self.notice = Some("missed the surface".into());
            return;
        };
        let outcome = match click.mode {
            ClickMode::Pace => c.session.pace_at(hit.mesh_node, 0.0).map(|p| {
                format!(
                    "paced {} nodes within {:.1} mm at t = {:.1} ms",
                    p.nodes, p.radius_mm, p.time_ms
                )
            }),
            ClickMode::Trace => c
                .session
                .select_trace(hit.mesh_node)
                .map(|()| format!("tracing node {}", hit.mesh_node)),
        };
        match outcome {
            Ok(note) => self.notice = Some(note),
            Err(e) => self.report(e),
        }
    }

    /// Advance a playing simulation by this frame's wall time and pass its
    /// errors (blow-ups) to the banner.
    fn advance(&mut self, wall_dt_s: f64) {
        let Some(c) = &mut self.content else {
            return;
        };
        // A failed frame's message is kept by the session and reported
        // below; the frame's figures are kept for `view --frame-time`.
        self.last_frame = c.session.advance_frame(wall_dt_s).ok();
        if let Some(e) = c.session.error().map(str::to_string) {
            c.session.clear_error();
            self.errors.push(e);
        }
        // The LAT colours come straight from the solver's buffer; only the
        // legend's range needs the map on the CPU, so it is re-read now
        // and then, not every frame.
        if self.colour == ColourMode::Lat {
            match &mut c.lat {
                Some(lat) if lat.age < content::LAT_REFRESH_FRAMES => lat.age += 1,
                _ => {
                    if let Err(e) = c.refresh_lat() {
                        self.errors.push(e.to_string());
                    }
                }
            }
        }
    }

    /// Render the 3D view at `size` pixels; the egui texture to show.
    fn render_view(&mut self, size: [u32; 2]) -> Option<egui::TextureId> {
        let overlays = self.overlays();
        let c = self.content.as_mut()?;
        match self.scene3d.render(
            &self.render_state,
            c,
            &self.camera,
            self.colour,
            &overlays,
            size,
        ) {
            Ok(id) => id,
            Err(e) => {
                self.errors.push(format!("3D view: {e}"));
                None
            }
        }
    }

    /// What is drawn over the surface: the traced node's marker.
    fn overlays(&self) -> Overlays {
        let mut overlays = Overlays::default();
        let Some(c) = &self.content else {
            return overlays;
        };
        if let Some(p) = c.placement.ready() {
            placement_panel::overlays(p, &mut overlays);
        }
        if let Some(trace) = c.session.trace() {
            if let Some(p) = c.session.mesh().nodes.get(trace.mesh_node() as usize) {
                let (lo, hi) = c.bounds;
                overlays.marker = Some(Marker {
                    position: glam::Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32),
                    radius: (hi - lo).length() * MARKER_FRACTION,
                    colour: [255, 255, 255, 255],
                });
            }
        }
        overlays
    }

    fn view_placeholder(&self) -> String {
        match (&self.content, &self.loader) {
            (_, Some(l)) => format!("Loading {} ...", l.what()),
            (Some(_), None) => self
                .scene3d
                .failure()
                .map_or_else(|| "3D view unavailable".into(), |e| format!("3D view: {e}")),
            (None, None) => "Open a mesh, scenario or lesson (left panel)".into(),
        }
    }

    /// Draw one frame of the whole window into `ui` (the root UI).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        for outcome in self.shots.drain() {
            match outcome {
                Ok(note) => self.notice = Some(note),
                Err(e) => self.report(e),
            }
        }
        self.poll_loader();
        if let Some(c) = &mut self.content {
            c.placement.poll();
        }
        let dt = f64::from(ui.input(|i| i.stable_dt));
        self.advance(dt);
        let measuring = self
            .content
            .as_ref()
            .is_some_and(|c| matches!(c.placement, content::PlacementState::Measuring(_)));
        if self.is_loading() || measuring || self.sim_status().is_some_and(|s| s.playing) {
            ui.ctx().request_repaint();
        }
        feedback::error_banner(ui, &mut self.errors);
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| side_panel::show(ui, self));
        egui::Panel::bottom("trace")
            .resizable(true)
            .default_size(160.0)
            .show(ui, |ui| trace_panel::show(ui, self));
        egui::CentralPanel::default().show(ui, |ui| view3d::show(ui, self));
    }
}

/// What a load in progress becomes once it is installed.
#[derive(Default)]
struct PendingLoad {
    /// Keep the camera (the same mesh, re-prepared).
    keep_camera: bool,
    /// The lesson it is, with its slider values.
    lesson: Option<OpenLesson>,
}

/// The lesson on show: which one, the values in effect, and the sliders'
/// values (differing from `values` while a slider is dragged).
#[derive(Debug, Clone)]
struct OpenLesson {
    index: usize,
    values: Vec<f64>,
    draft: Vec<f64>,
}

/// A camera framing `bounds`: from the front, or face-on when the mesh is
/// flat (a 2D sheet seen from the front would be a line), x right and y up.
fn framing((lo, hi): (glam::Vec3, glam::Vec3)) -> OrbitCamera {
    OrbitCamera::framing_mesh(lo, hi)
}

/// About this many isochrones are drawn across the LAT range.
const ISOCHRONES: f64 = 8.0;

/// The LAT legend over the activation times so far (a flat range is
/// widened so the bar is not degenerate), with isochrones at a round step
/// (10 ms, 20 ms, ...) giving about [`ISOCHRONES`] lines.
fn lat_legend(lo: f64, hi: f64) -> Legend {
    let legend = Legend::lat(lo, hi.max(lo + 1.0));
    match legend.round_step(ISOCHRONES) {
        Some(step) => legend.with_isolines(step),
        None => legend,
    }
}
