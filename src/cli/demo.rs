//! `cardiotwin demo`: the main job on the shipped CT-derived heart.

use anyhow::Result;
use cardiotwin::output::render::{render_views, save_png, RenderOptions, View};
use std::path::Path;

/// The demo scenario, relative to the project root.
const DEMO_SCENARIO: &str = "assets/scenarios/demo_heart.toml";
/// Where `cardiotwin demo` writes without `--out` (the README's quick start).
pub const DEFAULT_OUT: &str = "out/demo";

pub fn run(out: &Path, opts: super::run::RunOptions, duration_ms: Option<f64>) -> Result<()> {
    let scenario = cardiotwin::assets::find_shipped(DEMO_SCENARIO)?;
    println!(
        "cardiotwin demo: {}\n  (Rodero et al. 2021 case 01, CC BY 4.0; see meshes/README.md)",
        scenario.display()
    );
    let mut loaded = cardiotwin::scenario::Scenario::load(&scenario)?;
    if let Some(ms) = duration_ms {
        if !(ms.is_finite() && ms > 0.0) {
            anyhow::bail!("--duration-ms must be a positive number of ms (got {ms})");
        }
        loaded.time.duration_ms = ms;
    }
    // The picture is drawn into the staging folder, so it arrives with
    // the run's other files or not at all.
    let mut picture = |outcome: &super::run::RunOutcome, staging: &Path| -> Result<()> {
        let opts = RenderOptions {
            width: 1400,
            height: 700,
            title: "Local activation time, paced from the LV apex".to_string(),
            unit: "ms".to_string(),
            isochrone_step: Some(10.0),
            ..RenderOptions::default()
        };
        let img = render_views(
            &outcome.mesh,
            &outcome.sim.lat_ms,
            &opts,
            &[View::Anterior, View::Posterior],
        );
        save_png(&img, &staging.join("activation.png"))?;
        Ok(())
    };
    let outcome = super::run::run_loaded(loaded, out, opts, &mut picture)?;
    super::run::print_summary(&outcome.summary, out);
    println!(
        "activation map picture: {}",
        out.join("activation.png").display()
    );
    println!(
        "open {}/activation.vtu in ParaView for the 3D map",
        out.display()
    );
    Ok(())
}
