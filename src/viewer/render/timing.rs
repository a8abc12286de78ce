//! Frame times of the renderer, for the frame-time benchmark and for
//! checking that a mesh draws at interactive rates on a given adapter.

use std::time::{Duration, Instant};

use super::{ColourMode, RenderStyle, SurfaceMesh, SurfaceRenderer};
use crate::viewer::camera::OrbitCamera;
use crate::{Error, Result};

/// Longest wait for one frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(120);

/// Wall-clock times of frames drawn and waited for one at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameTimes {
    /// Per frame, ms, in drawing order (after one untimed warm-up frame).
    pub frames_ms: Vec<f64>,
}

impl FrameTimes {
    pub fn mean_ms(&self) -> f64 {
        self.frames_ms.iter().sum::<f64>() / self.frames_ms.len().max(1) as f64
    }

    pub fn median_ms(&self) -> f64 {
        let mut v = self.frames_ms.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    }

    pub fn max_ms(&self) -> f64 {
        self.frames_ms.iter().copied().fold(0.0, f64::max)
    }
}

/// Draw `frames` frames at the renderer's current size, turning the camera
/// a little each frame (as an orbiting user would), each submitted and
/// waited for, so a time covers the whole GPU work of one frame.
#[allow(clippy::too_many_arguments)]
pub fn time_frames(
    renderer: &mut SurfaceRenderer,
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    surface: &SurfaceMesh,
    camera: &OrbitCamera,
    mode: &ColourMode,
    style: &RenderStyle,
    frames: usize,
) -> Result<FrameTimes> {
    let mut cam = *camera;
    let mut frame = |cam: &OrbitCamera| -> Result<()> {
        let index = renderer.render(device, queue, surface, cam, mode, style)?;
        device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(index),
                timeout: Some(FRAME_TIMEOUT),
            })
            .map(|_| ())
            .map_err(|e| Error::Gpu(format!("waiting for a viewer frame: {e}")))
    };
    frame(&cam)?;
    let mut frames_ms = Vec::with_capacity(frames);
    for _ in 0..frames {
        cam.orbit(3.0, 0.0);
        let start = Instant::now();
        frame(&cam)?;
        frames_ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(FrameTimes { frames_ms })
}
