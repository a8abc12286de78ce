//! `view --frame-time N`: the cost of one interactive frame (advance the
//! simulation by one frame's worth of steps, render the 3D view, paint the
//! UI), measured headless on the app's own code path.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::headless::HeadlessApp;
use super::Launch;
use crate::{Error, Result};

/// Frames run before timing (pipeline creation, first uploads).
const WARM_UP_FRAMES: u32 = 3;

/// Frame-time figures, ms per frame.
#[derive(Debug, Clone, Serialize)]
pub struct FrameTimes {
    pub adapter: String,
    pub nodes: usize,
    pub frames: u32,
    pub width: u32,
    pub height: u32,
    pub mean_ms: f64,
    pub median_ms: f64,
    pub p95_ms: f64,
    /// Solver steps taken per frame (mean).
    pub steps_per_frame: f64,
    /// Simulated ms per frame (mean).
    pub sim_ms_per_frame: f64,
    /// Of the frame time, ms spent stepping the solver (mean); the rest is
    /// drawing the 3D view and painting the UI.
    pub step_ms_per_frame: f64,
}

impl std::fmt::Display for FrameTimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "adapter: {}", self.adapter)?;
        writeln!(
            f,
            "{} nodes, {} frames at {}x{}",
            self.nodes, self.frames, self.width, self.height
        )?;
        writeln!(
            f,
            "frame time: mean {:.2} ms, median {:.2} ms, p95 {:.2} ms",
            self.mean_ms, self.median_ms, self.p95_ms
        )?;
        write!(
            f,
            "per frame: {:.1} solver steps ({:.2} ms of the frame), {:.3} simulated ms",
            self.steps_per_frame, self.step_ms_per_frame, self.sim_ms_per_frame
        )
    }
}

/// Load `launch.path`, start playing, and time `frames` frames. Each frame
/// waits for the GPU, so the time is what a user would see.
pub fn measure(launch: &Launch, size: [u32; 2], frames: u32) -> Result<FrameTimes> {
    if frames == 0 {
        return Err(Error::Unsupported(
            "--frame-time needs at least one frame".into(),
        ));
    }
    let mut headless = HeadlessApp::new(launch.clone(), size)?;
    headless.settle(Duration::from_secs(600))?;
    let nodes = headless
        .app
        .node_count()
        .ok_or_else(|| Error::Unsupported("nothing to simulate was loaded".into()))?;
    headless.app.set_playing(true);
    for _ in 0..WARM_UP_FRAMES {
        headless.frame()?;
        headless.wait()?;
    }
    let steps0 = headless.app.steps_done();
    let t0 = headless.app.sim_status().map(|s| s.time_ms).unwrap_or(0.0);
    let mut times = Vec::with_capacity(frames as usize);
    let mut stepping_s = 0.0;
    for _ in 0..frames {
        let start = Instant::now();
        headless.frame()?;
        headless.wait()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        stepping_s += headless.app.last_frame().map_or(0.0, |f| f.wall_seconds);
        if let Some(e) = headless.app.errors.first() {
            return Err(Error::Unsupported(e.clone()));
        }
    }
    let steps = headless.app.steps_done().saturating_sub(steps0);
    let t1 = headless.app.sim_status().map(|s| s.time_ms).unwrap_or(0.0);
    let (mean, median, p95) = summarise(&mut times);
    Ok(FrameTimes {
        adapter: headless.app.gpu().adapter_name(),
        nodes,
        frames,
        width: size[0],
        height: size[1],
        mean_ms: mean,
        median_ms: median,
        p95_ms: p95,
        steps_per_frame: steps as f64 / f64::from(frames),
        sim_ms_per_frame: (t1 - t0) / f64::from(frames),
        step_ms_per_frame: stepping_s * 1e3 / f64::from(frames),
    })
}

/// (mean, median, 95th percentile) of `times` (sorted in place; nearest
/// rank percentile).
pub fn summarise(times: &mut [f64]) -> (f64, f64, f64) {
    if times.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let mean = times.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    };
    let rank = ((0.95 * n as f64).ceil() as usize).clamp(1, n);
    (mean, median, times[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::summarise;

    #[test]
    fn summary_of_known_times() {
        let mut t: Vec<f64> = (1..=20).map(f64::from).collect();
        t.reverse();
        let (mean, median, p95) = summarise(&mut t);
        assert_eq!(mean, 10.5);
        assert_eq!(median, 10.5);
        assert_eq!(p95, 19.0);
        let (_, m, p) = summarise(&mut [3.0]);
        assert_eq!((m, p), (3.0, 3.0));
    }
}
