//! What the 3D view draws over the rendered mesh with egui's painter, so
//! that a picture can be read on its own: an axis triad (which way x, y and
//! z point), a scale bar (how long 10 mm is at the depth of the target) and,
//! in the regions colour mode, each region's name at the region.
//!
//! The geometry ([`ScaleBar::for_view`], [`triad`], [`project`]) is plain
//! functions of the camera, tested without a window; [`paint`] only draws.

use eframe::egui;
use glam::{Vec2, Vec3};

use crate::viewer::camera::OrbitCamera;

/// Longest the scale bar may be, as a fraction of the view's width.
const BAR_MAX_FRACTION: f32 = 0.25;
/// Margin between the view's edge and the triad or the bar (points).
const MARGIN: f32 = 18.0;
/// Length of each triad arm (points) when the axis lies in the screen.
const TRIAD_ARM: f32 = 34.0;
/// Thickness of the scale bar (points).
pub const BAR_THICKNESS: f32 = 4.0;
/// Colour of the scale bar and its label.
pub const BAR_COLOUR: egui::Color32 = egui::Color32::WHITE;
/// Triad colours: x red, y green, z blue (the usual convention).
pub const AXIS_COLOURS: [egui::Color32; 3] = [
    egui::Color32::from_rgb(235, 60, 60),
    egui::Color32::from_rgb(70, 210, 90),
    egui::Color32::from_rgb(80, 140, 255),
];
const AXIS_NAMES: [&str; 3] = ["x", "y", "z"];

/// A scale bar: `mm` millimetres drawn `pixels` long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleBar {
    pub mm: f32,
    pub pixels: f32,
}

impl ScaleBar {
    /// The longest round length (1, 2 or 5 times a power of ten, mm) whose
    /// bar fits in a quarter of the view's width, at the camera's scale in
    /// the plane of the target. None for a degenerate view.
    pub fn for_view(camera: &OrbitCamera, viewport: Vec2) -> Option<ScaleBar> {
        let mm_per_pixel = camera.mm_per_pixel(viewport);
        if !(mm_per_pixel.is_finite() && mm_per_pixel > 0.0) {
            return None;
        }
        let max_mm = BAR_MAX_FRACTION * viewport.x * mm_per_pixel;
        let decade = 10f32.powf(max_mm.log10().floor());
        let mm = [5.0, 2.0, 1.0]
            .into_iter()
            .map(|m| m * decade)
            .find(|&mm| mm <= max_mm)?;
        Some(ScaleBar {
            mm,
            pixels: mm / mm_per_pixel,
        })
    }

    /// "10 mm", "0.5 mm".
    pub fn label(&self) -> String {
        if self.mm >= 1.0 {
            format!("{:.0} mm", self.mm)
        } else {
            format!("{} mm", self.mm)
        }
    }
}

/// Screen directions (x right, y down, unit length when the axis lies in
/// the screen plane, shorter when it points at the viewer) of the world
/// axes x, y and z.
pub fn triad(camera: &OrbitCamera) -> [Vec2; 3] {
    let (right, up) = (camera.right(), camera.up());
    [Vec3::X, Vec3::Y, Vec3::Z].map(|axis| Vec2::new(axis.dot(right), -axis.dot(up)))
}

/// Pixel position (top-left origin) of world point `p` in a viewport of
/// `viewport` pixels; None when it is behind the eye or off screen.
pub fn project(camera: &OrbitCamera, viewport: Vec2, p: Vec3) -> Option<Vec2> {
    let clip = camera.view_proj(viewport.x / viewport.y) * p.extend(1.0);
    if clip.w <= 1e-6 {
        return None;
    }
    let ndc = Vec2::new(clip.x, clip.y) / clip.w;
    if ndc.abs().max_element() > 1.0 {
        return None;
    }
    Some(Vec2::new(
        (ndc.x + 1.0) / 2.0 * viewport.x,
        (1.0 - ndc.y) / 2.0 * viewport.y,
    ))
}

/// A region's name and the point (mm) where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionLabel {
    pub name: String,
    pub tag: i32,
    pub anchor: Vec3,
}

/// What [`paint`] drew in the last frame (for tests).
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub scale_bar: Option<ScaleBar>,
    /// Left end of the bar (points, in the window).
    pub bar_start: egui::Pos2,
    /// Where each triad arm starts and ends (points, in the window).
    pub triad: [(egui::Pos2, egui::Pos2); 3],
    /// Region labels written in the view.
    pub labels: Vec<RegionLabel>,
}

/// Draw the triad (bottom left), the scale bar (bottom right) and the
/// region labels over the view at `rect`; `ppp` is pixels per point.
pub fn paint(
    painter: &egui::Painter,
    rect: egui::Rect,
    ppp: f32,
    camera: &OrbitCamera,
    labels: &[RegionLabel],
) -> Drawn {
    let viewport = Vec2::new(rect.width() * ppp, rect.height() * ppp);
    let font = egui::FontId::proportional(13.0);
    let shadow = egui::Color32::from_black_alpha(200);

    // Axis triad: arms from a common origin, the nearer ones drawn last.
    let origin = egui::pos2(
        rect.left() + MARGIN + TRIAD_ARM,
        rect.bottom() - MARGIN - TRIAD_ARM,
    );
    let dirs = triad(camera);
    let mut order = [0usize, 1, 2];
    let towards_viewer = |i: usize| [Vec3::X, Vec3::Y, Vec3::Z][i].dot(camera.backward());
    order.sort_by(|&a, &b| towards_viewer(a).total_cmp(&towards_viewer(b)));
    let mut arms = [(origin, origin); 3];
    for i in order {
        let d = dirs[i];
        let end = origin + egui::vec2(d.x, d.y) * TRIAD_ARM;
        arms[i] = (origin, end);
        painter.line_segment([origin, end], egui::Stroke::new(4.0, shadow));
        painter.line_segment([origin, end], egui::Stroke::new(2.5, AXIS_COLOURS[i]));
        // An axis pointing at the viewer has no length: its name sits at the
        // origin, offset so that it does not hide the other arms.
        let text_at = if d.length() > 0.2 {
            origin + egui::vec2(d.x, d.y).normalized() * (TRIAD_ARM + 9.0)
        } else {
            origin + egui::vec2(-9.0, 9.0)
        };
        painter.text(
            text_at,
            egui::Align2::CENTER_CENTER,
            AXIS_NAMES[i],
            font.clone(),
            AXIS_COLOURS[i],
        );
    }

    // Scale bar, right-aligned at the bottom.
    let bar = ScaleBar::for_view(camera, viewport);
    let mut bar_start = egui::pos2(rect.right() - MARGIN, rect.bottom() - MARGIN);
    if let Some(bar) = bar {
        let length = bar.pixels / ppp;
        let y = rect.bottom() - MARGIN;
        bar_start = egui::pos2(rect.right() - MARGIN - length, y);
        let bar_rect = egui::Rect::from_min_max(
            egui::pos2(bar_start.x, y - BAR_THICKNESS),
            egui::pos2(rect.right() - MARGIN, y),
        );
        painter.rect_filled(bar_rect.expand(1.0), 0.0, shadow);
        painter.rect_filled(bar_rect, 0.0, BAR_COLOUR);
        painter.text(
            egui::pos2(bar_rect.center().x, y - BAR_THICKNESS - 3.0),
            egui::Align2::CENTER_BOTTOM,
            bar.label(),
            font.clone(),
            BAR_COLOUR,
        );
    }

    // Region names, on a dark plate so they read over any colour.
    let mut written = Vec::new();
    for label in labels {
        let Some(p) = project(camera, viewport, label.anchor) else {
            continue;
        };
        let at = rect.min + egui::vec2(p.x, p.y) / ppp;
        let galley = painter.layout_no_wrap(label.name.clone(), font.clone(), BAR_COLOUR);
        let plate = egui::Rect::from_center_size(at, galley.size()).expand(3.0);
        painter.rect_filled(plate, 3.0, shadow);
        painter.galley(plate.min + egui::vec2(3.0, 3.0), galley, BAR_COLOUR);
        written.push(label.clone());
    }

    Drawn {
        scale_bar: bar,
        bar_start,
        triad: arms,
        labels: written,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_is_a_round_length_within_a_quarter_of_the_view() {
        let cam = OrbitCamera::framing_mesh(Vec3::ZERO, Vec3::new(50.0, 10.0, 0.0));
        let viewport = Vec2::new(600.0, 400.0);
        let bar = ScaleBar::for_view(&cam, viewport).expect("a bar");
        let mmpp = cam.mm_per_pixel(viewport);
        assert!((bar.pixels * mmpp - bar.mm).abs() < 1e-3 * bar.mm);
        assert!(bar.pixels <= 0.25 * viewport.x + 1e-3);
        // The next round length up would not fit.
        let mantissa = bar.mm / 10f32.powf(bar.mm.log10().floor());
        let next = match mantissa.round() as i32 {
            1 => 2.0,
            2 => 5.0,
            _ => 10.0,
        } * bar.mm
            / mantissa;
        assert!(next / mmpp > 0.25 * viewport.x, "{bar:?}");
        assert_eq!(ScaleBar::for_view(&cam, Vec2::ZERO), None);
        assert_eq!(
            ScaleBar {
                mm: 10.0,
                pixels: 1.0
            }
            .label(),
            "10 mm"
        );
        assert_eq!(
            ScaleBar {
                mm: 0.5,
                pixels: 1.0
            }
            .label(),
            "0.5 mm"
        );
    }

    #[test]
    fn the_triad_of_a_sheet_points_x_right_and_y_up() {
        let cam = OrbitCamera::framing_mesh(Vec3::ZERO, Vec3::new(40.0, 40.0, 0.0));
        let [x, y, z] = triad(&cam);
        assert!((x - Vec2::X).length() < 1e-5, "x {x}");
        // Screen y grows downward: "up" is negative.
        assert!((y - Vec2::NEG_Y).length() < 1e-5, "y {y}");
        assert!(z.length() < 1e-5, "z points at the viewer: {z}");
    }

    #[test]
    fn projection_puts_the_target_at_the_centre() {
        let cam = OrbitCamera::framing(Vec3::ZERO, Vec3::splat(20.0));
        let viewport = Vec2::new(300.0, 200.0);
        let p = project(&cam, viewport, cam.target).expect("on screen");
        assert!((p - viewport / 2.0).length() < 1e-3, "{p}");
        assert_eq!(project(&cam, viewport, cam.eye() + cam.backward()), None);
    }
}
