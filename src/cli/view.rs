//! `cardiotwin view`: the desktop app, or its headless modes (a PNG of the
//! whole window, or frame timing) when asked.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cardiotwin::viewer::app::{self, ColourMode, Launch};

#[derive(clap::Args)]
pub struct ViewArgs {
    /// A mesh (.vtk, .vtu, openCARP, .obj, .stl) or a scenario .toml.
    /// Without it the app opens on the teaching gallery.
    pub path: Option<PathBuf>,
    /// Render the window headless (no display needed) and write it to this
    /// PNG instead of opening a window.
    #[arg(long, value_name = "OUT.png", conflicts_with = "frame_time")]
    pub screenshot: Option<PathBuf>,
    /// Window size in pixels for --screenshot and --frame-time.
    #[arg(long, value_name = "WxH", default_value = "1280x800", value_parser = parse_size)]
    pub size: [u32; 2],
    /// Simulate this many ms before the screenshot (so it shows a wave);
    /// 0 to 10000 ms.
    #[arg(long, value_name = "T", value_parser = parse_time_ms)]
    pub time_ms: Option<f64>,
    /// Colour map to show first.
    #[arg(long, value_enum)]
    pub mode: Option<ColourMode>,
    /// Headless: time N frames of (advance the simulation one frame's worth,
    /// render the 3D view, paint the UI) and print mean/median/p95 ms per
    /// frame with the adapter name.
    #[arg(long, value_name = "N")]
    pub frame_time: Option<u32>,
    /// CI smoke run of the real window (needs a display, e.g. Xvfb): show
    /// this many frames, save the window's framebuffer to --smoke-shot, close.
    #[arg(long, value_name = "N", requires = "smoke_shot", hide = true)]
    pub smoke_frames: Option<u32>,
    /// Where the smoke run writes the window's framebuffer.
    #[arg(long, value_name = "OUT.png", requires = "smoke_frames", hide = true)]
    pub smoke_shot: Option<PathBuf>,
    /// With --frame-time: print the figures as JSON.
    #[arg(long, requires = "frame_time")]
    pub json: bool,
    /// Factor from a mesh file's coordinates to mm (e.g. 0.001 for um, 1000
    /// for m). Default: 0.001 for openCARP files, else 1, and a mesh that is
    /// not heart-sized is refused; an explicit scale is trusted. A scenario
    /// sets its own `[mesh] scale` instead.
    #[arg(long)]
    pub scale: Option<f64>,
}

pub fn run(args: ViewArgs) -> Result<()> {
    if let Some(path) = &args.path {
        if !path.exists() && !opencarp_base_exists(path) {
            bail!(
                "{}: no such file (give a mesh or a scenario .toml)",
                path.display()
            );
        }
    }
    if args.scale.is_some() {
        match &args.path {
            Some(p)
                if p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("toml")) =>
            {
                bail!(
                "--scale applies to a mesh; {} is a scenario: set `scale` under its [mesh] instead",
                p.display()
            )
            }
            None => bail!("--scale applies to a mesh: give one"),
            _ => {}
        }
    }
    let launch = Launch {
        path: args.path.clone(),
        time_ms: args.time_ms,
        mode: args.mode,
        scale: args.scale,
    };
    if let Some(out) = &args.screenshot {
        let shot = app::headless::screenshot(&launch, args.size, out)
            .with_context(|| format!("rendering {}", out.display()))?;
        println!(
            "wrote {} ({}x{}, t = {:.1} ms, on {})",
            out.display(),
            args.size[0],
            args.size[1],
            shot.time_ms,
            shot.adapter
        );
        return Ok(());
    }
    if let Some(frames) = args.frame_time {
        if args.path.is_none() {
            bail!("--frame-time needs a mesh or scenario to simulate");
        }
        let report = app::frame_time::measure(&launch, args.size, frames)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{report}");
        }
        return Ok(());
    }
    let smoke = match (args.smoke_frames, args.smoke_shot) {
        (Some(frames), Some(shot)) => Some(app::Smoke {
            frames: frames.max(1),
            shot,
        }),
        _ => None,
    };
    app::run_window(launch, smoke)?;
    Ok(())
}

/// openCARP meshes are named by their basename (heart -> heart.pts, heart.elem).
fn opencarp_base_exists(path: &std::path::Path) -> bool {
    path.with_extension("pts").is_file() || path.with_extension("elem").is_file()
}

/// Longest --time-ms: ten seconds of activity, many beats; a screenshot of
/// a wave needs tens to hundreds of ms, and the app steps synchronously
/// before it draws (no progress, no interrupt).
const MAX_TIME_MS: f64 = 10_000.0;

fn parse_time_ms(text: &str) -> std::result::Result<f64, String> {
    let t: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: expected a time in ms, e.g. 40"))?;
    if !(t.is_finite() && (0.0..=MAX_TIME_MS).contains(&t)) {
        return Err(format!(
            "{text}: the time must be from 0 to {MAX_TIME_MS} ms"
        ));
    }
    Ok(t)
}

fn parse_size(text: &str) -> std::result::Result<[u32; 2], String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{text:?}: expected WIDTHxHEIGHT, e.g. 1280x800"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|&v| (64..=8192).contains(&v))
            .ok_or_else(|| format!("{text:?}: each side must be a whole number from 64 to 8192"))
    };
    Ok([parse(w)?, parse(h)?])
}

#[cfg(test)]
mod tests {
    use super::{parse_size, parse_time_ms};

    #[test]
    fn time_is_capped_and_must_be_a_number() {
        assert_eq!(parse_time_ms("40"), Ok(40.0));
        assert!(parse_time_ms("1e9").is_err());
        assert!(parse_time_ms("NaN").is_err());
        assert!(parse_time_ms("-5").is_err());
        assert!(parse_time_ms("inf").is_err());
    }

    #[test]
    fn size_parses_width_by_height_and_rejects_nonsense() {
        assert_eq!(parse_size("800x500"), Ok([800, 500]));
        assert_eq!(parse_size("1280X720"), Ok([1280, 720]));
        assert!(parse_size("800").is_err());
        assert!(parse_size("0x500").is_err());
        assert!(parse_size("axb").is_err());
    }
}
