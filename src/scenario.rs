//! Scenario files (TOML): which mesh, tissue parameters per region, stimuli,
//! duration and outputs. Unknown keys are errors. Paths are relative to the
//! scenario file. See README.md, "Scenario reference".

use crate::physics::model::AlievPanfilov;
use crate::physics::units;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short title shown in outputs and the app.
    #[serde(default)]
    pub title: Option<String>,
    /// A few sentences on what the scenario shows.
    #[serde(default)]
    pub description: Option<String>,
    pub mesh: MeshSection,
    #[serde(default)]
    pub model: AlievPanfilov,
    pub conduction: Vec<Conduction>,
    #[serde(default)]
    pub stimulus: Vec<Stimulus>,
    pub time: TimeSection,
    #[serde(default)]
    pub output: OutputSection,
    /// `[regions]`: display names of the region tags (the app's legend).
    #[serde(default, skip_serializing_if = "RegionNames::is_empty")]
    pub regions: RegionNames,
    /// Folder the scenario was read from (relative paths resolve against it).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The scenario file itself.
    #[serde(skip)]
    pub source: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeshSection {
    /// Mesh file, relative to the scenario file. The format comes from the
    /// extension (.vtk, .vtu, .obj, .stl) or is an openCARP basename.
    pub file: PathBuf,
    /// Factor that converts the file's coordinates to mm. Absent: the
    /// format's unit (openCARP: um, 0.001; others: mm), and a mesh that is
    /// not heart-sized is refused; an explicit scale is trusted.
    #[serde(default)]
    pub scale: Option<f64>,
    /// Cell-data array to read region tags from (default `region` or `tag`).
    #[serde(default)]
    pub region_array: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// `[regions] names = { 1 = "LV", 2 = "RV" }`: what each region tag is,
/// for display only (the app names regions in its legend and view).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionNames {
    /// Tag (a TOML key, so a string here) -> name.
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
}

impl RegionNames {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// (tag, name) pairs, by tag. Keys that are not integers are left out
    /// here; [`Scenario::load`] refuses them.
    pub fn tagged(&self) -> Vec<(i32, &str)> {
        let mut pairs: Vec<(i32, &str)> = self
            .names
            .iter()
            .filter_map(|(k, v)| Some((k.trim().parse().ok()?, v.as_str())))
            .collect();
        pairs.sort_unstable_by_key(|p| p.0);
        pairs
    }

    /// The name of `tag`, if one was given.
    pub fn name_of(&self, tag: i32) -> Option<&str> {
        self.tagged().into_iter().find(|p| p.0 == tag).map(|p| p.1)
    }

    /// Keys must be region tags (integers) and names non-empty.
    fn check(&self) -> std::result::Result<(), String> {
        for (key, name) in &self.names {
            if key.trim().parse::<i32>().is_err() {
                return Err(format!(
                    "regions.names: key \"{key}\" is not a region tag (an integer, e.g. 1 = \"LV\")"
                ));
            }
            if name.trim().is_empty() {
                return Err(format!("regions.names.{key}: the name is empty"));
            }
        }
        Ok(())
    }

    /// Every named tag must be one of the mesh's `tags`: a name for a
    /// region that does not exist is a typo, not something to ignore.
    pub fn check_tags(&self, tags: &[i32]) -> std::result::Result<(), String> {
        for (tag, name) in self.tagged() {
            if !tags.contains(&tag) {
                return Err(format!(
                    "regions.names: region {tag} (\"{name}\") is not in the mesh (its regions: {tags:?})"
                ));
            }
        }
        Ok(())
    }
}

/// Which regions an entry applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RegionSelector {
    /// The string "all".
    Keyword(String),
    Tags(Vec<i32>),
}

impl RegionSelector {
    pub fn matches(&self, tag: i32) -> bool {
        match self {
            RegionSelector::Keyword(_) => true,
            RegionSelector::Tags(tags) => tags.contains(&tag),
        }
    }
}

/// Conductivity of a set of regions. Give either sigma_l/sigma_t (S/m,
/// monodomain, openCARP convention), or the bidomain pairs sigma_il/sigma_el
/// and sigma_it/sigma_et (their harmonic mean is used), or d_l/d_t (mm^2/ms).
/// `scale` multiplies the result (fibrosis); `conducting = false` makes the
/// regions non-conducting, non-excitable scar.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conduction {
    pub regions: RegionSelector,
    pub sigma_l: Option<f64>,
    pub sigma_t: Option<f64>,
    pub sigma_il: Option<f64>,
    pub sigma_el: Option<f64>,
    pub sigma_it: Option<f64>,
    pub sigma_et: Option<f64>,
    pub d_l: Option<f64>,
    pub d_t: Option<f64>,
    #[serde(default = "one")]
    pub scale: f64,
    #[serde(default = "yes")]
    pub conducting: bool,
}

fn yes() -> bool {
    true
}

/// Where a stimulus is applied: exactly one of box, sphere, vtx.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stimulus {
    #[serde(rename = "box")]
    pub box_: Option<BoxRegion>,
    pub sphere: Option<SphereRegion>,
    /// openCARP .vtx node list, relative to the scenario file.
    pub vtx: Option<PathBuf>,
    #[serde(default)]
    pub start_ms: f64,
    pub duration_ms: f64,
    /// mV/ms added to dVm/dt while on.
    pub strength: f64,
    /// Repeat every period_ms (0 or absent: one pulse).
    #[serde(default)]
    pub period_ms: f64,
    /// Number of pulses when period_ms > 0.
    #[serde(default = "one_u32")]
    pub count: u32,
}

fn one_u32() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxRegion {
    pub min: [f64; 3],
    pub max: [f64; 3],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SphereRegion {
    pub center: [f64; 3],
    pub radius: f64,
}

/// "auto" or a number of ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TimeStep {
    Fixed(f64),
    Keyword(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSection {
    pub duration_ms: f64,
    #[serde(default = "auto_dt")]
    pub dt_ms: TimeStep,
}

fn auto_dt() -> TimeStep {
    TimeStep::Keyword("auto".into())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Activation threshold (upward crossing), mV.
    #[serde(default = "minus_forty")]
    pub lat_threshold_mv: f64,
    /// Repolarisation threshold (downward crossing after activation), mV.
    #[serde(default = "minus_forty")]
    pub repol_threshold_mv: f64,
    /// Interval between Vm snapshots (0: none), ms.
    #[serde(default)]
    pub snapshot_every_ms: f64,
    /// Probe points (mm); each is mapped to the nearest node.
    #[serde(default)]
    pub probes: Vec<[f64; 3]>,
    /// Sampling interval of the probe traces, ms.
    #[serde(default = "half")]
    pub probe_every_ms: f64,
}

fn minus_forty() -> f64 {
    -40.0
}
fn half() -> f64 {
    0.5
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection {
            lat_threshold_mv: -40.0,
            repol_threshold_mv: -40.0,
            snapshot_every_ms: 0.0,
            probes: Vec::new(),
            probe_every_ms: 0.5,
        }
    }
}

impl Conduction {
    /// A `conducting = false` entry is scar: conductivities or a scale given
    /// with it would be ignored, so they are refused.
    fn check_scar(&self, field: &str) -> std::result::Result<(), String> {
        if self.conducting {
            return Ok(());
        }
        let given: Vec<&str> = [
            ("sigma_l", self.sigma_l),
            ("sigma_t", self.sigma_t),
            ("sigma_il", self.sigma_il),
            ("sigma_el", self.sigma_el),
            ("sigma_it", self.sigma_it),
            ("sigma_et", self.sigma_et),
            ("d_l", self.d_l),
            ("d_t", self.d_t),
        ]
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(name, _)| *name)
        .chain((self.scale != 1.0).then_some("scale"))
        .collect();
        if given.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{field}: conducting = false makes its regions non-conducting scar, so {} \
                 would be ignored; remove {}, or drop conducting = false for slow tissue \
                 (use scale < 1)",
                given.join(", "),
                if given.len() == 1 { "it" } else { "them" }
            ))
        }
    }

    /// Diffusivities (d_l, d_t) in mm^2/ms, scale applied; `field` names the
    /// entry for error messages.
    pub fn diffusivities(&self, field: &str) -> std::result::Result<(f64, f64), String> {
        if !self.conducting {
            return Ok((0.0, 0.0));
        }
        let pick =
            |mono: Option<f64>, i: Option<f64>, e: Option<f64>, d: Option<f64>, dir: &str| {
                let given = [mono.is_some(), i.is_some() || e.is_some(), d.is_some()]
                    .iter()
                    .filter(|&&x| x)
                    .count();
                if given != 1 {
                    return Err(format!(
                        "{field}: give exactly one of sigma_{dir} (S/m), the bidomain pair \
                     sigma_i{dir} + sigma_e{dir} (S/m), or d_{dir} (mm^2/ms)"
                    ));
                }
                let value = match (mono, i, e, d) {
                    (Some(s), _, _, _) => units::diffusivity_from_sigma(s),
                    (_, Some(si), Some(se), _) => {
                        units::diffusivity_from_sigma(units::monodomain_sigma(si, se))
                    }
                    (_, Some(_), None, _) | (_, None, Some(_), _) => {
                        return Err(format!(
                            "{field}: sigma_i{dir} and sigma_e{dir} must be given together"
                        ))
                    }
                    (_, _, _, Some(d)) => d,
                    _ => unreachable!("exactly one source was checked above"),
                };
                if !value.is_finite() || value < 0.0 {
                    return Err(format!("{field}: conductivity along '{dir}' must be >= 0"));
                }
                Ok(value)
            };
        let d_l = pick(self.sigma_l, self.sigma_il, self.sigma_el, self.d_l, "l")?;
        let d_t = pick(self.sigma_t, self.sigma_it, self.sigma_et, self.d_t, "t")?;
        if !self.scale.is_finite() || self.scale < 0.0 {
            return Err(format!("{field}: scale must be >= 0 (got {})", self.scale));
        }
        Ok((d_l * self.scale, d_t * self.scale))
    }
}

impl Scenario {
    /// Read and check a scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = crate::input::read_text(path)?;
        Scenario::parse(&text, path)
    }

    /// Parse scenario text; `path` is used for messages and relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Scenario> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| Error::Scenario {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        s.source = path.to_path_buf();
        s.base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        s.check().map_err(|message| Error::Scenario {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(s)
    }

    /// Path of a file named in the scenario.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            relative.to_path_buf()
        } else {
            self.base_dir.join(relative)
        }
    }

    /// The fixed dt, if one was given.
    pub fn fixed_dt(&self) -> Option<f64> {
        match self.time.dt_ms {
            TimeStep::Fixed(dt) => Some(dt),
            TimeStep::Keyword(_) => None,
        }
    }

    /// Value checks serde cannot express.
    fn check(&self) -> std::result::Result<(), String> {
        let positive = |x: f64, name: &str| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a positive number (got {x})"))
            }
        };
        if let Some(scale) = self.mesh.scale {
            positive(scale, "mesh.scale")?;
        }
        self.regions.check()?;
        self.model.validate()?;
        positive(self.time.duration_ms, "time.duration_ms")?;
        match &self.time.dt_ms {
            TimeStep::Fixed(dt) => positive(*dt, "time.dt_ms")?,
            TimeStep::Keyword(k) if k == "auto" => {}
            TimeStep::Keyword(k) => {
                return Err(format!(
                    "time.dt_ms must be \"auto\" or a number of ms (got \"{k}\")"
                ))
            }
        }
        if self.conduction.is_empty() {
            return Err("at least one [[conduction]] entry is needed".into());
        }
        for (i, c) in self.conduction.iter().enumerate() {
            let field = format!("conduction[{i}]");
            if let RegionSelector::Keyword(k) = &c.regions {
                if k != "all" {
                    return Err(format!(
                        "{field}.regions must be \"all\" or a list of region tags (got \"{k}\")"
                    ));
                }
            }
            c.diffusivities(&field)?;
            c.check_scar(&field)?;
        }
        if self.stimulus.len() > crate::solver::problem::MAX_STIMULI {
            return Err(format!(
                "at most {} [[stimulus]] entries are supported (got {})",
                crate::solver::problem::MAX_STIMULI,
                self.stimulus.len()
            ));
        }
        for (i, s) in self.stimulus.iter().enumerate() {
            let field = format!("stimulus[{i}]");
            let shapes = [s.box_.is_some(), s.sphere.is_some(), s.vtx.is_some()]
                .iter()
                .filter(|&&x| x)
                .count();
            if shapes != 1 {
                return Err(format!(
                    "{field}: give exactly one of box = {{ min, max }}, sphere = {{ center, radius }} or vtx = \"file.vtx\""
                ));
            }
            if let Some(b) = &s.box_ {
                // Written so that NaN coordinates fail too.
                if (0..3).any(|d| b.min[d].partial_cmp(&b.max[d]).is_none_or(|o| o.is_gt())) {
                    return Err(format!(
                        "{field}.box: min must be <= max in every coordinate"
                    ));
                }
            }
            if let Some(sp) = &s.sphere {
                positive(sp.radius, &format!("{field}.sphere.radius"))?;
            }
            positive(s.duration_ms, &format!("{field}.duration_ms"))?;
            if !s.start_ms.is_finite() || s.start_ms < 0.0 {
                return Err(format!("{field}.start_ms must be >= 0"));
            }
            if !s.strength.is_finite() {
                return Err(format!("{field}.strength must be a number (mV/ms)"));
            }
            if s.strength == 0.0 {
                return Err(format!(
                    "{field}.strength = 0 mV/ms stimulates nothing; give a strength such as 100"
                ));
            }
            if s.start_ms >= self.time.duration_ms {
                return Err(format!(
                    "{field}.start_ms = {} ms is not before the end of the run \
                     (time.duration_ms = {} ms): it would never be applied; \
                     lengthen the run or start the stimulus earlier",
                    s.start_ms, self.time.duration_ms
                ));
            }
            if s.count == 0 {
                return Err(format!("{field}.count = 0 gives no pulse; give count >= 1"));
            }
            if s.count > 1 && s.period_ms == 0.0 {
                return Err(format!(
                    "{field}.count = {} needs period_ms > 0 (the interval between pulses); \
                     without it only one pulse is given",
                    s.count
                ));
            }
            if s.period_ms < 0.0 || !s.period_ms.is_finite() {
                return Err(format!("{field}.period_ms must be >= 0"));
            }
            if s.period_ms > 0.0 && s.period_ms < s.duration_ms {
                return Err(format!(
                    "{field}: period_ms ({}) is shorter than duration_ms ({})",
                    s.period_ms, s.duration_ms
                ));
            }
        }
        let o = &self.output;
        for (name, v) in [
            ("output.lat_threshold_mv", o.lat_threshold_mv),
            ("output.repol_threshold_mv", o.repol_threshold_mv),
        ] {
            if !(-80.0..20.0).contains(&v) || v == -80.0 {
                return Err(format!(
                    "{name} must lie strictly between rest (-80 mV) and the peak (+20 mV) (got {v})"
                ));
            }
        }
        if !o.snapshot_every_ms.is_finite() || o.snapshot_every_ms < 0.0 {
            return Err("output.snapshot_every_ms must be >= 0 (0 = no snapshots)".into());
        }
        positive(o.probe_every_ms, "output.probe_every_ms")?;
        for (i, p) in o.probes.iter().enumerate() {
            if p.iter().any(|c| !c.is_finite()) {
                return Err(format!(
                    "output.probes[{i}] must be three finite numbers (mm)"
                ));
            }
        }
        Ok(())
    }
}
