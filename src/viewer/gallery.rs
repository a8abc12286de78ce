//! Teaching scenarios: the shipped lessons the app offers in its gallery,
//! in teaching order, each with the title and the short explanation shown
//! beside the simulation. The lessons are ordinary scenario files in
//! `assets/scenarios/teaching/` (see README.md, "Teaching scenarios"); this
//! module only lists, finds and checks them, so it works without a window.

use crate::scenario::{Scenario, Stimulus};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Folder of the lessons, relative to the project root.
pub const TEACHING_DIR: &str = "assets/scenarios/teaching";

/// The lessons in teaching order: (id, file name in [`TEACHING_DIR`]).
/// A student first sees a wave and its speed, then what re-entry is, then
/// anatomy (appendage isolation), then how the pacing site shapes the map.
pub const LESSONS: [(&str, &str); 7] = [
    ("planar_wave", "01_planar_wave.toml"),
    ("spiral_wave", "02_spiral_wave.toml"),
    ("scar_reentry", "03_scar_reentry.toml"),
    ("appendage_connected", "04_appendage_connected.toml"),
    ("appendage_isolated", "05_appendage_isolated.toml"),
    ("pacing_corner", "06_pacing_corner.toml"),
    ("pacing_centre", "07_pacing_centre.toml"),
];

/// A lesson parameter the app offers as a slider. Changing it re-prepares
/// the lesson's scenario with the new value (see [`Lesson::with_values`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knob {
    /// Diffusivity of the tissue (mm^2/ms): the largest of the conducting
    /// entries; every conducting entry is scaled by the same factor, so
    /// anisotropy and ratios between regions are kept.
    Diffusivity,
    /// The Aliev-Panfilov recovery rate `model.eps0` (larger: shorter action
    /// potential and refractory period).
    Eps0,
    /// Radius (mm) of the sphere of stimulus `i`.
    StimulusRadius(usize),
    /// Width (mm) along x of the box of stimulus `i`, from its lower x edge.
    StimulusWidth(usize),
    /// Start (ms) of stimulus `i`.
    StimulusStart(usize),
}

/// A [`Knob`] with its slider: label and range (the slider's ends, which
/// are also the values accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct KnobSpec {
    pub knob: Knob,
    pub label: &'static str,
    pub min: f64,
    pub max: f64,
    /// A logarithmic slider (for quantities that matter by ratio).
    pub logarithmic: bool,
}

const fn knob(knob: Knob, label: &'static str, min: f64, max: f64, log: bool) -> KnobSpec {
    KnobSpec {
        knob,
        label,
        min,
        max,
        logarithmic: log,
    }
}

const DIFFUSIVITY: KnobSpec = knob(Knob::Diffusivity, "Diffusivity D (mm²/ms)", 0.05, 5.0, true);
const EPS0: KnobSpec = knob(Knob::Eps0, "Recovery rate eps0", 0.002, 0.05, true);

/// The question each lesson asks the student, and the parameters it lets
/// them change to answer it.
pub fn lesson_plan(id: &str) -> Option<(&'static str, Vec<KnobSpec>)> {
    let plan = match id {
        "planar_wave" => (
            "If you quarter D, how fast does the wave cross the strip? Predict it from \
             CV ~ sqrt(D), then watch. How narrow can the paced edge be before no wave starts?",
            vec![
                DIFFUSIVITY,
                EPS0,
                knob(
                    Knob::StimulusWidth(0),
                    "Paced edge width (mm)",
                    0.1,
                    5.0,
                    false,
                ),
            ],
        ),
        "spiral_wave" => (
            "Give S2 earlier or later than 300-340 ms: does a spiral still form, and why? \
             What does a smaller eps0 (a longer refractory period) do to it?",
            vec![
                DIFFUSIVITY,
                EPS0,
                knob(Knob::StimulusStart(1), "S2 time (ms)", 200.0, 600.0, false),
            ],
        ),
        "scar_reentry" => (
            "When does S2 block one way only and start the circuit? Does the circuit \
             survive a longer refractory period (smaller eps0) or faster conduction (larger D)?",
            vec![
                DIFFUSIVITY,
                EPS0,
                knob(Knob::StimulusStart(1), "S2 time (ms)", 200.0, 600.0, false),
            ],
        ),
        "appendage_connected" => (
            "Lower D: how much later does the appendage tip activate? Shrink the pacing \
             sphere below the critical radius 2D/c: does a wave still start?",
            vec![
                DIFFUSIVITY,
                EPS0,
                knob(
                    Knob::StimulusRadius(0),
                    "Pacing radius (mm)",
                    1.0,
                    15.0,
                    false,
                ),
            ],
        ),
        "appendage_isolated" => (
            "Can any D or pacing make the wave reach the appendage past the ring? Why not?",
            vec![
                DIFFUSIVITY,
                EPS0,
                knob(
                    Knob::StimulusRadius(0),
                    "Pacing radius (mm)",
                    1.0,
                    15.0,
                    false,
                ),
            ],
        ),
        "pacing_corner" | "pacing_centre" => (
            "How does the total activation time change with D? What is the smallest \
             stimulus radius that still starts a wave, compared with 2D/c?",
            vec![
                DIFFUSIVITY,
                EPS0,
                knob(
                    Knob::StimulusRadius(0),
                    "Stimulus radius (mm)",
                    1.0,
                    12.0,
                    false,
                ),
            ],
        ),
        _ => return None,
    };
    Some(plan)
}

impl Knob {
    /// The knob's value in `scenario`, or why the scenario has no such
    /// parameter (a stimulus that is missing or of another shape).
    pub fn value(self, scenario: &Scenario) -> std::result::Result<f64, String> {
        match self {
            Knob::Diffusivity => {
                let d = conducting_diffusivity(scenario)?;
                if d > 0.0 {
                    Ok(d)
                } else {
                    Err("no conducting tissue to set D of".into())
                }
            }
            Knob::Eps0 => Ok(scenario.model.eps0),
            Knob::StimulusRadius(i) => stimulus(scenario, i)?
                .sphere
                .as_ref()
                .map(|s| s.radius)
                .ok_or_else(|| format!("stimulus[{i}] is not a sphere")),
            Knob::StimulusWidth(i) => stimulus(scenario, i)?
                .box_
                .as_ref()
                .map(|b| b.max[0] - b.min[0])
                .ok_or_else(|| format!("stimulus[{i}] is not a box")),
            Knob::StimulusStart(i) => Ok(stimulus(scenario, i)?.start_ms),
        }
    }

    /// Set the knob to `value` in `scenario` (see [`Knob`] for what each
    /// one changes). A value that is not a positive finite number is
    /// refused.
    pub fn apply(self, scenario: &mut Scenario, value: f64) -> std::result::Result<(), String> {
        if !(value.is_finite() && value > 0.0) {
            return Err(format!("{self:?} must be a positive number (got {value})"));
        }
        match self {
            Knob::Diffusivity => {
                let factor = value / self.value(scenario)?;
                for c in scenario.conduction.iter_mut().filter(|c| c.conducting) {
                    c.scale *= factor;
                }
            }
            Knob::Eps0 => {
                scenario.model.eps0 = value;
                scenario.model.validate()?;
            }
            Knob::StimulusRadius(i) => {
                self.value(scenario)?;
                if let Some(sphere) = stimulus_mut(scenario, i)?.sphere.as_mut() {
                    sphere.radius = value;
                }
            }
            Knob::StimulusWidth(i) => {
                self.value(scenario)?;
                if let Some(b) = stimulus_mut(scenario, i)?.box_.as_mut() {
                    b.max[0] = b.min[0] + value;
                }
            }
            Knob::StimulusStart(i) => stimulus_mut(scenario, i)?.start_ms = value,
        }
        Ok(())
    }
}

/// Largest diffusivity (mm^2/ms) of the conducting entries.
fn conducting_diffusivity(scenario: &Scenario) -> std::result::Result<f64, String> {
    let mut largest: f64 = 0.0;
    for (i, c) in scenario.conduction.iter().enumerate() {
        if c.conducting {
            let (l, t) = c.diffusivities(&format!("conduction[{i}]"))?;
            largest = largest.max(l).max(t);
        }
    }
    Ok(largest)
}

fn stimulus(scenario: &Scenario, i: usize) -> std::result::Result<&Stimulus, String> {
    scenario
        .stimulus
        .get(i)
        .ok_or_else(|| format!("the lesson has no stimulus[{i}]"))
}

fn stimulus_mut(scenario: &mut Scenario, i: usize) -> std::result::Result<&mut Stimulus, String> {
    scenario
        .stimulus
        .get_mut(i)
        .ok_or_else(|| format!("the lesson has no stimulus[{i}]"))
}

/// One lesson: a scenario with its title and explanation.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// Stable identifier (`spiral_wave`), e.g. for `cardiotwin view` or tests.
    pub id: &'static str,
    /// Short title shown in the gallery.
    pub title: String,
    /// A few sentences for the student: what to look at, what the numbers mean.
    pub description: String,
    /// The scenario file.
    pub path: PathBuf,
    /// The scenario, loaded and checked.
    pub scenario: Scenario,
    /// The question shown beside the lesson's sliders.
    pub question: &'static str,
    /// The parameters the student may change.
    pub knobs: Vec<KnobSpec>,
}

impl Lesson {
    /// Load and check one lesson file: the scenario must be valid, have a
    /// non-empty title and description, and name a mesh file that exists.
    pub fn load(id: &'static str, path: &Path) -> Result<Lesson> {
        let scenario = Scenario::load(path)?;
        let problem = |message: String| Error::Scenario {
            path: path.to_path_buf(),
            message,
        };
        let text = |field: &Option<String>, name: &str| {
            field
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .ok_or_else(|| problem(format!("a teaching scenario needs a non-empty {name}")))
        };
        let title = text(&scenario.title, "title")?;
        let description = text(&scenario.description, "description")?;
        let (question, knobs) = lesson_plan(id)
            .ok_or_else(|| problem(format!("lesson {id:?} has no question and parameters")))?;
        for k in &knobs {
            let value = k
                .knob
                .value(&scenario)
                .map_err(|e| problem(format!("{}: {e}", k.label)))?;
            if !(k.min..=k.max).contains(&value) {
                return Err(problem(format!(
                    "{}: the lesson's value {value} lies outside the slider's {}..{}",
                    k.label, k.min, k.max
                )));
            }
        }
        let mesh = scenario.resolve(&scenario.mesh.file);
        if !mesh.is_file() {
            return Err(problem(format!(
                "mesh.file = {:?}: no such file ({})",
                scenario.mesh.file,
                mesh.display()
            )));
        }
        Ok(Lesson {
            id,
            title,
            description,
            path: path.to_path_buf(),
            scenario,
            question,
            knobs,
        })
    }

    /// The lesson's own value of each knob (checked at load).
    pub fn default_values(&self) -> Vec<f64> {
        self.knobs
            .iter()
            .map(|k| k.knob.value(&self.scenario).unwrap_or(f64::NAN))
            .collect()
    }

    /// The lesson's scenario with the knobs set to `values` (one per knob,
    /// each within its slider's range): what the app re-prepares when a
    /// slider moves.
    pub fn with_values(&self, values: &[f64]) -> Result<Scenario> {
        let problem = |message: String| Error::Scenario {
            path: self.path.clone(),
            message,
        };
        if values.len() != self.knobs.len() {
            return Err(problem(format!(
                "{} values for {} lesson parameters",
                values.len(),
                self.knobs.len()
            )));
        }
        let mut scenario = self.scenario.clone();
        for (k, &v) in self.knobs.iter().zip(values) {
            if !(k.min..=k.max).contains(&v) {
                return Err(problem(format!(
                    "{} must lie in {}..{} (got {v})",
                    k.label, k.min, k.max
                )));
            }
            k.knob
                .apply(&mut scenario, v)
                .map_err(|e| problem(format!("{}: {e}", k.label)))?;
        }
        Ok(scenario)
    }
}

/// The shipped lessons, in teaching order.
#[derive(Debug, Clone)]
pub struct Gallery {
    pub lessons: Vec<Lesson>,
}

impl Gallery {
    /// Find every shipped lesson (via [`crate::assets::find_shipped`], like
    /// other shipped files) and load it. A missing or invalid lesson is an
    /// error naming the file: a gallery with a broken lesson is a bug.
    pub fn shipped() -> Result<Gallery> {
        let lessons = LESSONS
            .iter()
            .map(|&(id, file)| {
                let path = crate::assets::find_shipped(&format!("{TEACHING_DIR}/{file}"))?;
                Lesson::load(id, &path)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Gallery { lessons })
    }

    /// Load the lessons from another folder holding the same files (tests,
    /// or a course's own copy).
    pub fn from_dir(dir: &Path) -> Result<Gallery> {
        let lessons = LESSONS
            .iter()
            .map(|&(id, file)| Lesson::load(id, &dir.join(file)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Gallery { lessons })
    }

    /// The lesson with this id.
    pub fn get(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_ids_and_files_are_unique() {
        for (i, a) in LESSONS.iter().enumerate() {
            for b in &LESSONS[i + 1..] {
                assert_ne!(a.0, b.0);
                assert_ne!(a.1, b.1);
            }
        }
    }

    #[test]
    fn every_lesson_has_a_question_and_knobs() {
        for (id, _) in LESSONS {
            let (question, knobs) = lesson_plan(id).expect("a plan");
            assert!(question.ends_with('?'), "{id}: {question}");
            assert!(
                knobs.contains(&DIFFUSIVITY) && knobs.contains(&EPS0),
                "{id}"
            );
            for k in knobs {
                assert!(k.min > 0.0 && k.min < k.max, "{id}: {k:?}");
            }
        }
    }

    #[test]
    fn knobs_change_what_they_name_and_refuse_what_is_not_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.toml");
        let text = "[mesh]\nfile = \"m.vtk\"\n\
            [[conduction]]\nregions = [1]\nd_l = 2.0\nd_t = 1.0\n\
            [[conduction]]\nregions = [2]\nd_l = 0.5\nd_t = 0.5\n\
            [[conduction]]\nregions = [3]\nconducting = false\n\
            [[stimulus]]\nsphere = { center = [0, 0, 0], radius = 3.0 }\nduration_ms = 2.0\nstrength = 100.0\n\
            [[stimulus]]\nbox = { min = [1, 0, 0], max = [3, 5, 1] }\nstart_ms = 300.0\nduration_ms = 2.0\nstrength = 100.0\n\
            [time]\nduration_ms = 1000.0\n";
        let mut s = Scenario::parse(text, &path).expect("a scenario");
        assert_eq!(Knob::Diffusivity.value(&s), Ok(2.0));
        Knob::Diffusivity.apply(&mut s, 1.0).expect("D");
        // Every conducting entry halves: anisotropy and ratios are kept.
        let d: Vec<(f64, f64)> = s
            .conduction
            .iter()
            .map(|c| c.diffusivities("c").expect("valid"))
            .collect();
        assert_eq!(d, vec![(1.0, 0.5), (0.25, 0.25), (0.0, 0.0)]);
        Knob::Eps0.apply(&mut s, 0.02).expect("eps0");
        assert_eq!(s.model.eps0, 0.02);
        Knob::StimulusRadius(0).apply(&mut s, 5.0).expect("radius");
        assert_eq!(s.stimulus[0].sphere.as_ref().map(|p| p.radius), Some(5.0));
        Knob::StimulusWidth(1).apply(&mut s, 4.0).expect("width");
        assert_eq!(s.stimulus[1].box_.as_ref().map(|b| b.max[0]), Some(5.0));
        Knob::StimulusStart(1).apply(&mut s, 320.0).expect("start");
        assert_eq!(s.stimulus[1].start_ms, 320.0);
        // Wrong shape, missing stimulus, bad values: errors, nothing changed.
        assert!(Knob::StimulusRadius(1).apply(&mut s, 2.0).is_err());
        assert!(Knob::StimulusWidth(0).apply(&mut s, 2.0).is_err());
        assert!(Knob::StimulusStart(5).apply(&mut s, 2.0).is_err());
        assert!(Knob::Eps0.apply(&mut s, f64::NAN).is_err());
        assert!(Knob::Diffusivity.apply(&mut s, 0.0).is_err());
        assert_eq!(s.model.eps0, 0.02);
    }

    #[test]
    fn a_lesson_without_a_description_is_rejected_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("m.vtk"), "").expect("write");
        let path = dir.path().join("lesson.toml");
        std::fs::write(
            &path,
            "title = \"T\"\n[mesh]\nfile = \"m.vtk\"\n[[conduction]]\nregions = \"all\"\n\
             d_l = 1.0\nd_t = 1.0\n[time]\nduration_ms = 10.0\n",
        )
        .expect("write");
        let err = Lesson::load("x", &path).expect_err("no description");
        let msg = err.to_string();
        assert!(
            msg.contains("description") && msg.contains("lesson.toml"),
            "{msg}"
        );
    }
}
