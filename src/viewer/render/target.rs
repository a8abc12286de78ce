//! The offscreen render target: a colour texture the egui shell shows (and
//! screenshots read back) plus a depth texture, both resized on demand.

use std::time::Duration;

use crate::{Error, Result};

pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Longest wait for a read-back (lavapipe is slow on big targets).
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(120);

/// Colour formats the target supports: 8-bit RGBA or BGRA, sRGB or not
/// (what egui-wgpu offers and what read-back converts to RGBA bytes).
pub fn check_format(format: wgpu::TextureFormat) -> Result<()> {
    use wgpu::TextureFormat as F;
    match format {
        F::Rgba8Unorm | F::Rgba8UnormSrgb | F::Bgra8Unorm | F::Bgra8UnormSrgb => Ok(()),
        other => Err(Error::Unsupported(format!(
            "viewer colour format {other:?}: use Rgba8Unorm(Srgb) or Bgra8Unorm(Srgb)"
        ))),
    }
}

pub(crate) struct Target {
    pub format: wgpu::TextureFormat,
    pub size: [u32; 2],
    pub colour: wgpu::Texture,
    pub colour_view: wgpu::TextureView,
    pub depth_view: wgpu::TextureView,
    /// Bumped on every reallocation, so the shell knows to re-register the
    /// texture with egui.
    pub generation: u64,
}

impl Target {
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat, size: [u32; 2]) -> Target {
        let extent = wgpu::Extent3d {
            width: size[0],
            height: size[1],
            depth_or_array_layers: 1,
        };
        let colour = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("viewer colour"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let depth = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("viewer depth"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: DEPTH_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            view_formats: &[],
        });
        Target {
            format,
            size,
            colour_view: colour.create_view(&wgpu::TextureViewDescriptor::default()),
            depth_view: depth.create_view(&wgpu::TextureViewDescriptor::default()),
            colour,
            generation: 0,
        }
    }

    /// Reallocate for `size` (each side at least 1) unless it already has
    /// it. Fails beyond the device's largest texture.
    pub fn resize(&mut self, device: &wgpu::Device, size: [u32; 2]) -> Result<()> {
        let size = [size[0].max(1), size[1].max(1)];
        if size == self.size {
            return Ok(());
        }
        let max = device.limits().max_texture_dimension_2d;
        if size[0] > max || size[1] > max {
            return Err(Error::Unsupported(format!(
                "viewer image {}x{} exceeds the device's largest texture side {max}",
                size[0], size[1]
            )));
        }
        let generation = self.generation + 1;
        *self = Target::new(device, self.format, size);
        self.generation = generation;
        Ok(())
    }

    /// Copy the colour texture to the CPU as RGBA8 (sRGB-encoded bytes when
    /// the format is sRGB, as stored).
    pub fn read_back(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
    ) -> Result<image::RgbaImage> {
        read_texture_rgba(device, queue, &self.colour)
    }
}

/// Copy an 8-bit RGBA or BGRA texture to the CPU as RGBA8: the renderer's
/// target and the app's whole-window frame both come back this way. Rows of
/// a texture-to-buffer copy are padded to wgpu's 256-byte alignment; the
/// padding is dropped and BGRA is swizzled to RGBA.
pub fn read_texture_rgba(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
) -> Result<image::RgbaImage> {
    let bgra = match texture.format() {
        wgpu::TextureFormat::Rgba8Unorm | wgpu::TextureFormat::Rgba8UnormSrgb => false,
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb => true,
        other => {
            return Err(Error::Gpu(format!(
                "cannot read back a {other:?} texture as RGBA8"
            )))
        }
    };
    let (w, h) = (texture.width(), texture.height());
    // Rows of a texture-to-buffer copy are padded to 256 bytes.
    let row = 4 * w;
    let padded =
        row.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    let bytes = u64::from(padded) * u64::from(h);
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("viewer read-back"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("viewer read-back"),
    });
    enc.copy_texture_to_buffer(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::TexelCopyBufferInfo {
            buffer: &staging,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded),
                rows_per_image: Some(h),
            },
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
    queue.submit([enc.finish()]);

    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        // The receiver only goes away once we have given up.
        let _ = tx.send(r);
    });
    // The callback may run in another thread's poll of a shared device,
    // just after ours returns: poll, then listen, until it arrives.
    let start = std::time::Instant::now();
    loop {
        device
            .poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: Some(READ_BACK_TIMEOUT),
            })
            .map_err(|e| Error::Gpu(format!("waiting for the viewer read-back: {e}")))?;
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(Ok(())) => break,
            Ok(Err(e)) => return Err(Error::Gpu(format!("mapping the viewer image failed: {e}"))),
            Err(_) if start.elapsed() < READ_BACK_TIMEOUT => continue,
            Err(_) => {
                return Err(Error::Gpu(format!(
                    "the viewer image was not read back within {READ_BACK_TIMEOUT:?}"
                )))
            }
        }
    }
    let mut pixels = Vec::with_capacity((row * h) as usize);
    {
        let view = staging
            .get_mapped_range(..)
            .map_err(|e| Error::Gpu(format!("reading the mapped viewer image: {e}")))?;
        for y in 0..h as usize {
            let start = y * padded as usize;
            pixels.extend_from_slice(&view[start..start + row as usize]);
        }
    }
    staging.unmap();
    if bgra {
        for px in pixels.chunks_exact_mut(4) {
            px.swap(0, 2);
        }
    }
    image::RgbaImage::from_raw(w, h, pixels)
        .ok_or_else(|| Error::Gpu("read-back size does not match the image".into()))
}
