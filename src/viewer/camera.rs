//! [`OrbitCamera`]: a perspective camera that orbits a target point, with
//! the standard anatomical views, fit-to-mesh and picking rays.
//!
//! Axis convention: the views are defined in the mesh's own axes, named as
//! if the mesh were in patient LPS (DICOM/CT: +x patient left, +y posterior,
//! +z superior), the same convention as the PNG views in
//! [`crate::output::render::View`], so the app and the pictures agree. A
//! mesh in another frame (RAS, or an arbitrary CAD frame) still gets the six
//! axis-aligned views; only their anatomical names are then wrong. Mesh +z
//! is "up" for orbiting.
//!
//! World units are mm. Pixel coordinates have their origin at the top-left
//! corner of the viewport and grow right and down (egui's convention).

use glam::{Mat4, Vec2, Vec3, Vec4Swizzles};

/// Default vertical field of view (of the narrower viewport side), radians.
pub const DEFAULT_FOV: f32 = 0.6;
/// Largest |pitch|: straight above or below the target. The camera basis is
/// built from yaw and pitch directly, so the poles are not singular.
pub const MAX_PITCH: f32 = std::f32::consts::FRAC_PI_2;
/// Radians of orbit per pixel of drag.
const ORBIT_PER_PIXEL: f32 = 0.01;
/// Margin around the bounding sphere when fitting (1 = touching).
const FIT_MARGIN: f32 = 1.05;
/// A mesh thinner than this fraction of its largest side along some axis
/// is shown face-on by [`OrbitCamera::framing_mesh`].
const FLAT_FRACTION: f32 = 0.05;

/// The axis-aligned views, named in patient LPS (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardView {
    /// From the front: camera on -y, superior (+z) up.
    Anterior,
    /// From the back: camera on +y, superior up.
    Posterior,
    /// From the patient's left: camera on +x, superior up.
    Left,
    /// From the patient's right: camera on -x, superior up.
    Right,
    /// From above: camera on +z, anterior (-y) up.
    Superior,
    /// From below: camera on -z, anterior up.
    Inferior,
}

impl StandardView {
    pub const ALL: [StandardView; 6] = [
        StandardView::Anterior,
        StandardView::Posterior,
        StandardView::Left,
        StandardView::Right,
        StandardView::Superior,
        StandardView::Inferior,
    ];

    /// Button label.
    pub fn label(self) -> &'static str {
        match self {
            StandardView::Anterior => "Anterior",
            StandardView::Posterior => "Posterior",
            StandardView::Left => "Left",
            StandardView::Right => "Right",
            StandardView::Superior => "Superior",
            StandardView::Inferior => "Inferior",
        }
    }

    /// (yaw, pitch) in radians that put the camera on this side. Yaw is the
    /// azimuth of the eye about +z measured from +x; pitch its elevation.
    fn angles(self) -> (f32, f32) {
        use std::f32::consts::{FRAC_PI_2, PI};
        match self {
            StandardView::Anterior => (-FRAC_PI_2, 0.0),
            StandardView::Posterior => (FRAC_PI_2, 0.0),
            StandardView::Left => (0.0, 0.0),
            StandardView::Right => (PI, 0.0),
            // At the poles the yaw only turns the picture: these put
            // anterior at the top of the screen.
            StandardView::Superior => (FRAC_PI_2, MAX_PITCH),
            StandardView::Inferior => (-FRAC_PI_2, -MAX_PITCH),
        }
    }
}

/// A camera looking at `target` from `distance` mm away, in the direction
/// given by `yaw` and `pitch` (radians; see [`StandardView`] for their
/// meaning). `fov` is the vertical field of view in radians, or the
/// horizontal one when the viewport is taller than wide, so a fitted mesh
/// stays in view at any aspect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitCamera {
    pub target: Vec3,
    pub distance: f32,
    pub yaw: f32,
    pub pitch: f32,
    pub fov: f32,
    /// Radius (mm) of the scene's bounding sphere, set by [`Self::fit`]; it
    /// sets the near and far planes and the zoom limits.
    pub scene_radius: f32,
}

impl Default for OrbitCamera {
    /// Anterior view of a 100 mm sphere at the origin.
    fn default() -> Self {
        let mut cam = OrbitCamera {
            target: Vec3::ZERO,
            distance: 1.0,
            yaw: 0.0,
            pitch: 0.0,
            fov: DEFAULT_FOV,
            scene_radius: 50.0,
        };
        cam.set_view(StandardView::Anterior);
        cam.fit(Vec3::splat(-50.0), Vec3::splat(50.0));
        cam
    }
}

impl OrbitCamera {
    /// A camera framing the box `min..max` (mm) from the anterior view.
    pub fn framing(min: Vec3, max: Vec3) -> OrbitCamera {
        let mut cam = OrbitCamera::default();
        cam.fit(min, max);
        cam
    }

    /// Unit vector from the target towards the eye.
    pub fn backward(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        Vec3::new(cp * cy, cp * sy, sp)
    }

    /// Screen right in world space (unit, horizontal).
    pub fn right(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        Vec3::new(-sy, cy, 0.0)
    }

    /// Screen up in world space (unit).
    pub fn up(&self) -> Vec3 {
        self.backward().cross(self.right())
    }

    /// Eye position in mm.
    pub fn eye(&self) -> Vec3 {
        self.target + self.distance * self.backward()
    }

    /// Turn to a standard view, keeping target and distance.
    pub fn set_view(&mut self, view: StandardView) {
        (self.yaw, self.pitch) = view.angles();
    }

    /// Look down the mesh's -z axis with +x to the right and +y up, as a
    /// 2-D sheet's coordinates are drawn on paper. (The anatomical
    /// [`StandardView::Superior`] puts anterior, -y, at the top, which
    /// mirrors a sheet: its "left edge" would appear on the right.)
    pub fn set_plan_view(&mut self) {
        // right() = (-sin yaw, cos yaw, 0) = +x needs yaw = -90 degrees;
        // up() = backward x right = z x x = +y.
        (self.yaw, self.pitch) = (-std::f32::consts::FRAC_PI_2, MAX_PITCH);
    }

    /// A camera framing the box `min..max` (mm): face-on with +x right and
    /// +y up when the box is flat in z (a 2-D sheet), from the patient's
    /// left when it is flat in x, otherwise from the front.
    pub fn framing_mesh(min: Vec3, max: Vec3) -> OrbitCamera {
        let extent = max - min;
        let mut camera = OrbitCamera::framing(min, max);
        let flat = |axis: f32| axis <= FLAT_FRACTION * extent.max_element();
        if flat(extent.z) {
            camera.set_plan_view();
        } else if flat(extent.x) {
            camera.set_view(StandardView::Left);
        }
        camera
    }

    /// Millimetres per pixel in the plane through the target facing the
    /// camera, for a viewport of `viewport` pixels: the scale of the scale
    /// bar (exact for a flat sheet seen face-on, which lies in that plane).
    pub fn mm_per_pixel(&self, viewport: Vec2) -> f32 {
        if viewport.min_element() <= 0.0 {
            return f32::NAN;
        }
        2.0 * self.distance * (self.fovy(viewport.x / viewport.y) / 2.0).tan() / viewport.y
    }

    /// Orbit by a mouse drag of (dx, dy) pixels: right drags turn the mesh
    /// right (the eye moves left), down drags tilt its top towards the user.
    pub fn orbit(&mut self, dx: f32, dy: f32) {
        if !(dx.is_finite() && dy.is_finite()) {
            return;
        }
        self.yaw = (self.yaw - dx * ORBIT_PER_PIXEL).rem_euclid(std::f32::consts::TAU);
        self.pitch = (self.pitch + dy * ORBIT_PER_PIXEL).clamp(-MAX_PITCH, MAX_PITCH);
    }

    /// Move the target so the mesh follows a drag of (dx, dy) pixels in a
    /// viewport of `viewport` pixels (the point under the cursor at the
    /// target's depth stays under the cursor).
    pub fn pan(&mut self, dx: f32, dy: f32, viewport: Vec2) {
        if !(dx.is_finite() && dy.is_finite()) || viewport.min_element() <= 0.0 {
            return;
        }
        self.target += (-dx * self.right() + dy * self.up()) * self.mm_per_pixel(viewport);
    }

    /// Zoom in by `factor` (> 1 closer, < 1 further), within limits set by
    /// the scene radius.
    pub fn zoom(&mut self, factor: f32) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let r = self.scene_radius.max(1e-3);
        self.distance = (self.distance / factor).clamp(0.01 * r, 100.0 * r);
    }

    /// Centre on the box `min..max` (mm) and back off until its bounding
    /// sphere fits the view, keeping the direction. A non-finite or inverted
    /// box is ignored.
    pub fn fit(&mut self, min: Vec3, max: Vec3) {
        if !(min.is_finite() && max.is_finite()) || min.cmpgt(max).any() {
            return;
        }
        let radius = ((max - min).length() / 2.0).max(1e-3);
        self.target = (min + max) / 2.0;
        self.scene_radius = radius;
        self.distance = FIT_MARGIN * radius / (self.fov / 2.0).sin();
    }

    /// Vertical field of view for a viewport of this aspect (width/height):
    /// `fov` itself, or wider when the viewport is portrait so that `fov`
    /// spans the width.
    fn fovy(&self, aspect: f32) -> f32 {
        if aspect >= 1.0 || !aspect.is_finite() || aspect <= 0.0 {
            self.fov
        } else {
            2.0 * ((self.fov / 2.0).tan() / aspect).atan()
        }
    }

    /// World-to-view matrix (right-handed, looking down -z).
    pub fn view(&self) -> Mat4 {
        glam::camera::rh::view::look_to_mat4(self.eye(), -self.backward(), self.up())
    }

    /// World-to-clip matrix for a viewport of `aspect` = width / height,
    /// with wgpu's 0..1 depth range. Near and far enclose the scene sphere.
    pub fn view_proj(&self, aspect: f32) -> Mat4 {
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        let r = self.scene_radius.max(1e-3);
        let centre_depth = (self.target - self.eye()).dot(-self.backward());
        let far = (centre_depth + 2.0 * r).max(1e-2);
        let near = (centre_depth - 2.0 * r).max(far * 1e-4);
        // WebGPU clip space: z in [0, 1], y up (glam's DirectX convention).
        let fovy = self.fovy(aspect).clamp(1e-3, 3.0);
        glam::camera::rh::proj::directx::perspective(fovy, aspect, near, far) * self.view()
    }

    /// The picking ray through `pixel` (top-left origin) of a viewport of
    /// `viewport` pixels: origin at the eye, unit direction.
    pub fn ray(&self, pixel: Vec2, viewport: Vec2) -> (Vec3, Vec3) {
        let eye = self.eye();
        if viewport.min_element() <= 0.0 || !pixel.is_finite() {
            return (eye, -self.backward());
        }
        let ndc = Vec2::new(
            2.0 * pixel.x / viewport.x - 1.0,
            1.0 - 2.0 * pixel.y / viewport.y,
        );
        let inverse = self.view_proj(viewport.x / viewport.y).inverse();
        let far = inverse * ndc.extend(1.0).extend(1.0);
        let far = far.xyz() / far.w;
        let dir = (far - eye).normalize_or(-self.backward());
        (eye, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Vec3, b: Vec3, tol: f32) -> bool {
        (a - b).length() <= tol
    }

    #[test]
    fn ray_through_the_centre_pixel_hits_the_target() {
        let mut cam = OrbitCamera::framing(Vec3::new(0.0, 0.0, 0.0), Vec3::new(40.0, 20.0, 10.0));
        cam.orbit(37.0, -21.0);
        let viewport = Vec2::new(640.0, 400.0);
        let (origin, dir) = cam.ray(viewport / 2.0, viewport);
        assert!(close(origin, cam.eye(), 1e-4));
        let along = (cam.target - origin).dot(dir);
        let miss = (origin + along * dir - cam.target).length();
        assert!(miss < 1e-3 * cam.distance, "ray misses target by {miss} mm");
        assert!((dir.length() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn ray_through_the_right_edge_points_right() {
        let cam = OrbitCamera::framing(Vec3::splat(-10.0), Vec3::splat(10.0));
        let viewport = Vec2::new(200.0, 100.0);
        let (_, dir) = cam.ray(Vec2::new(200.0, 50.0), viewport);
        assert!(dir.dot(cam.right()) > 0.1, "{dir}");
        let (_, dir) = cam.ray(Vec2::new(100.0, 0.0), viewport);
        assert!(dir.dot(cam.up()) > 0.1, "top edge ray {dir}");
    }

    #[test]
    fn orbit_keeps_distance_and_target() {
        let mut cam = OrbitCamera::framing(Vec3::ZERO, Vec3::new(30.0, 30.0, 30.0));
        let (d, t) = ((cam.eye() - cam.target).length(), cam.target);
        for (dx, dy) in [(10.0, 0.0), (0.0, 500.0), (-300.0, -900.0), (1e4, 3.0)] {
            cam.orbit(dx, dy);
            assert!(((cam.eye() - cam.target).length() - d).abs() < 1e-3 * d);
            assert_eq!(cam.target, t);
            assert!(cam.pitch.abs() <= MAX_PITCH);
        }
    }

    #[test]
    fn fit_contains_the_box_at_any_aspect() {
        let (min, max) = (Vec3::new(-5.0, 10.0, 3.0), Vec3::new(95.0, 30.0, 60.0));
        for view in StandardView::ALL {
            for aspect in [0.5, 1.0, 1.6, 3.0] {
                let mut cam = OrbitCamera::default();
                cam.set_view(view);
                cam.orbit(13.0, 7.0);
                cam.fit(min, max);
                let vp = cam.view_proj(aspect);
                for i in 0..8 {
                    let corner = Vec3::new(
                        if i & 1 == 0 { min.x } else { max.x },
                        if i & 2 == 0 { min.y } else { max.y },
                        if i & 4 == 0 { min.z } else { max.z },
                    );
                    let clip = vp * corner.extend(1.0);
                    let ndc = clip.xyz() / clip.w;
                    assert!(
                        ndc.x.abs() <= 1.0 && ndc.y.abs() <= 1.0 && (0.0..=1.0).contains(&ndc.z),
                        "{view:?} aspect {aspect}: corner {corner} at ndc {ndc}"
                    );
                }
            }
        }
    }

    #[test]
    fn standard_views_look_along_their_axes_with_a_right_handed_screen() {
        let expect = [
            (StandardView::Anterior, Vec3::NEG_Y, Vec3::Z),
            (StandardView::Posterior, Vec3::Y, Vec3::Z),
            (StandardView::Left, Vec3::X, Vec3::Z),
            (StandardView::Right, Vec3::NEG_X, Vec3::Z),
            (StandardView::Superior, Vec3::Z, Vec3::NEG_Y),
            (StandardView::Inferior, Vec3::NEG_Z, Vec3::NEG_Y),
        ];
        for (view, back, up) in expect {
            let mut cam = OrbitCamera::default();
            cam.set_view(view);
            assert!(
                close(cam.backward(), back, 1e-5),
                "{view:?} {}",
                cam.backward()
            );
            assert!(close(cam.up(), up, 1e-5), "{view:?} up {}", cam.up());
            // right x up = towards the camera: no view is mirrored.
            assert!(close(cam.right().cross(cam.up()), back, 1e-5), "{view:?}");
        }
    }

    #[test]
    fn a_flat_sheet_is_framed_with_x_right_and_y_up() {
        // The 2-D lessons: x to the right, y up, looking down -z.
        let cam = OrbitCamera::framing_mesh(Vec3::ZERO, Vec3::new(50.0, 10.0, 0.0));
        assert!(close(cam.right(), Vec3::X, 1e-5), "right {}", cam.right());
        assert!(close(cam.up(), Vec3::Y, 1e-5), "up {}", cam.up());
        assert!(close(cam.backward(), Vec3::Z, 1e-5));
        // So the point (0, 0) projects left of and below the point (50, 10).
        let vp = cam.view_proj(2.0);
        let ndc = |p: Vec3| {
            let c = vp * p.extend(1.0);
            c.xyz() / c.w
        };
        let (a, b) = (ndc(Vec3::ZERO), ndc(Vec3::new(50.0, 10.0, 0.0)));
        assert!(a.x < b.x && a.y < b.y, "{a} vs {b}");
        // A volume keeps the anterior view.
        let cam = OrbitCamera::framing_mesh(Vec3::ZERO, Vec3::splat(40.0));
        assert!(close(cam.backward(), Vec3::NEG_Y, 1e-5));
    }

    #[test]
    fn mm_per_pixel_matches_the_projection_at_the_target() {
        let mut cam = OrbitCamera::framing(Vec3::ZERO, Vec3::splat(30.0));
        cam.orbit(40.0, 25.0);
        for viewport in [Vec2::new(640.0, 400.0), Vec2::new(300.0, 500.0)] {
            let mmpp = cam.mm_per_pixel(viewport);
            // A 10 mm step along screen-right at the target spans 10 / mmpp px.
            let vp = cam.view_proj(viewport.x / viewport.y);
            let px = |p: Vec3| {
                let c = vp * p.extend(1.0);
                c.x / c.w * viewport.x / 2.0
            };
            let span = px(cam.target + 10.0 * cam.right()) - px(cam.target);
            assert!(
                (span - 10.0 / mmpp).abs() < 1e-3 * span,
                "{span} vs {}",
                10.0 / mmpp
            );
        }
    }

    #[test]
    fn pan_moves_the_target_in_the_screen_plane_and_zoom_is_bounded() {
        let mut cam = OrbitCamera::framing(Vec3::ZERO, Vec3::splat(20.0));
        let t0 = cam.target;
        cam.pan(50.0, 0.0, Vec2::new(400.0, 300.0));
        let moved = cam.target - t0;
        assert!(
            moved.dot(cam.right()) < 0.0,
            "drag right moves the target left"
        );
        assert!(moved.dot(cam.backward()).abs() < 1e-4);
        cam.zoom(2.0);
        let d = cam.distance;
        cam.zoom(0.0);
        cam.zoom(f32::NAN);
        assert_eq!(cam.distance, d);
        cam.zoom(1e9);
        assert!(cam.distance > 0.0);
    }
}
