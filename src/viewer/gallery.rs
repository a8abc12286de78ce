//! Teaching scenarios: the shipped lessons the app offers in its gallery,
//! in teaching order, each with the title and the short explanation shown
//! beside the simulation. The lessons are ordinary scenario files in
//! `assets/scenarios/teaching/` (see README.md, "Teaching scenarios"); this
//! module only lists, finds and checks them, so it works without a window.

use crate::scenario::Scenario;
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
        })
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
