//! Who a plan is for: the patient/study header of a report, read from a
//! sidecar file beside the mesh or given on the command line, and a report
//! name per mesh that no other mesh of the same run shares.
//!
//! Sidecar (TOML; every key optional, unknown keys are errors): the first of
//! `MESH.patient.toml` (e.g. `LA.vtu.patient.toml`) and `patient.toml` in the
//! mesh's folder that exists:
//!
//! ```toml
//! id = "P-0042"          # names the report (letters, digits, . _ -)
//! study = "LAAO planning, CT 2026-11-30"
//! comment = "segmented by JD"
//! ```

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The patient/study header of one mesh's plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientInfo {
    /// Patient or case id; names the report file.
    #[serde(default)]
    pub id: Option<String>,
    /// Study, scan or series description.
    #[serde(default)]
    pub study: Option<String>,
    /// Free text shown in the header.
    #[serde(default)]
    pub comment: Option<String>,
    /// The sidecar it was read from (not part of the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// The sidecar files looked for beside `mesh`, in order.
pub fn sidecar_candidates(mesh: &Path) -> [PathBuf; 2] {
    let mut own = mesh.as_os_str().to_owned();
    own.push(".patient.toml");
    let folder = mesh.parent().unwrap_or(Path::new(""));
    [PathBuf::from(own), folder.join("patient.toml")]
}

/// Check that an id can name a file: letters, digits, '.', '_', '-', not
/// starting with '.', at most 100 characters.
pub fn check_id(id: &str, whence: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::Unsupported(format!(
            "{whence}: patient id {id:?} must be 1-100 letters, digits, '.', '_' or '-' (not \
             starting with '.'), as it names the report file"
        )))
    }
}

/// Parse sidecar text; `path` names it in errors.
pub fn parse_sidecar(text: &str, path: &Path) -> Result<PatientInfo> {
    let mut info: PatientInfo = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .map_or_else(|| "patient sidecar".to_string(), |l| format!("line {l}"));
        Error::parse(
            path,
            line,
            format!(
                "{} (a patient sidecar takes id, study and comment)",
                e.message().trim()
            ),
        )
    })?;
    if let Some(id) = &info.id {
        check_id(id, &path.display().to_string())?;
    }
    info.source = Some(path.to_path_buf());
    Ok(info)
}

/// The patient info of `mesh`: its sidecar if one exists (see the module
/// doc), with the command line's `id` and `study`. A flag that contradicts
/// the sidecar is an error, not a silent override.
pub fn patient_for(mesh: &Path, id: Option<&str>, study: Option<&str>) -> Result<PatientInfo> {
    let mut info = PatientInfo::default();
    for p in sidecar_candidates(mesh) {
        if p.is_file() {
            let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            info = parse_sidecar(&text, &p)?;
            break;
        }
    }
    let from = |info: &PatientInfo| {
        info.source
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string())
    };
    if let Some(id) = id {
        check_id(id, "--patient-id")?;
        match &info.id {
            Some(other) if other != id => {
                return Err(Error::Unsupported(format!(
                    "--patient-id {id} contradicts id = {other:?} in {}; give one of them",
                    from(&info)
                )))
            }
            _ => info.id = Some(id.to_string()),
        }
    }
    if let Some(study) = study {
        match &info.study {
            Some(other) if other != study => {
                return Err(Error::Unsupported(format!(
                    "--study {study:?} contradicts study = {other:?} in {}; give one of them",
                    from(&info)
                )))
            }
            _ => info.study = Some(study.to_string()),
        }
    }
    Ok(info)
}

/// A name per mesh for its report and its table rows: the patient id when
/// given, else the mesh path's shortest tail of folders that tells it from
/// the other meshes (`p1/LA.vtu`, `p2/LA.vtu` -> `p1_LA`, `p2_LA`; a lone
/// `LA.vtu` -> `LA`). Two meshes that would share a name are an error that
/// names both, never one report over the other.
pub fn report_names(meshes: &[PathBuf], ids: &[Option<String>]) -> Result<Vec<String>> {
    // Path components without the extension, last first.
    let parts: Vec<Vec<String>> = meshes
        .iter()
        .map(|m| {
            let stem = m.file_stem().map_or_else(
                || "patient".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            let mut v = vec![stem];
            let folders: Vec<String> = m
                .parent()
                .map(|p| {
                    p.components()
                        .filter_map(|c| match c {
                            std::path::Component::Normal(s) => {
                                Some(s.to_string_lossy().into_owned())
                            }
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            v.extend(folders.into_iter().rev());
            v
        })
        .collect();
    let tail = |k: usize, n: usize| -> String {
        let p = &parts[k];
        let mut t: Vec<&str> = p[..n.min(p.len())].iter().map(String::as_str).collect();
        t.reverse();
        t.join("_")
    };
    let mut names = Vec::with_capacity(meshes.len());
    for k in 0..meshes.len() {
        if let Some(id) = &ids[k] {
            names.push(id.clone());
            continue;
        }
        // The shortest tail that no other mesh (without an id) shares.
        let mut n = 1;
        while n < parts[k].len()
            && (0..meshes.len()).any(|j| j != k && ids[j].is_none() && tail(j, n) == tail(k, n))
        {
            n += 1;
        }
        let name: String = tail(k, n)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        names.push(name);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (k, name) in names.iter().enumerate() {
        if let Some(&j) = seen.get(name.as_str()) {
            return Err(Error::Unsupported(format!(
                "{} and {} would both be reported as {name:?}{}: give each a distinct patient \
                 id (a patient.toml sidecar beside each mesh) or pass each mesh once",
                meshes[j].display(),
                meshes[k].display(),
                if ids[j].is_some() || ids[k].is_some() {
                    " (patient id)"
                } else {
                    ""
                }
            )));
        }
        seen.insert(name, k);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn same_file_names_in_different_folders_get_the_folder_in_their_names() {
        let m = paths(&["data/p1/LA.vtu", "data/p2/LA.vtu", "other/RA.vtu"]);
        let n = report_names(&m, &[None, None, None]).unwrap();
        assert_eq!(n, ["p1_LA", "p2_LA", "RA"]);
        assert_eq!(report_names(&paths(&["LA.vtu"]), &[None]).unwrap(), ["LA"]);
    }

    #[test]
    fn the_same_mesh_twice_or_two_equal_ids_are_an_error_naming_both() {
        let m = paths(&["p1/LA.vtu", "p1/LA.vtu"]);
        let e = report_names(&m, &[None, None]).unwrap_err().to_string();
        assert!(e.contains("p1/LA.vtu and p1/LA.vtu"), "{e}");
        let m = paths(&["a/LA.vtu", "b/LA.vtu"]);
        let ids = [Some("P1".to_string()), Some("P1".to_string())];
        let e = report_names(&m, &ids).unwrap_err().to_string();
        assert!(
            e.contains("a/LA.vtu") && e.contains("b/LA.vtu") && e.contains("P1"),
            "{e}"
        );
    }

    #[test]
    fn sidecar_with_an_unknown_key_is_an_error_naming_file_and_line() {
        let e = parse_sidecar(
            "id = \"P1\"\nstudyy = \"x\"\n",
            Path::new("p1/patient.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("p1/patient.toml") && e.contains("line 2") && e.contains("studyy"),
            "{e}"
        );
        let e = parse_sidecar("id = \"../x\"\n", Path::new("patient.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("../x"), "{e}");
    }
}
