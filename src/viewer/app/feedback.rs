//! Feedback to the user: the red error banner, and outcomes of work done
//! off the UI thread (window screenshots) handed back to it.

use std::path::Path;
use std::sync::mpsc;

use eframe::egui;

/// Red banner at the top of the window listing errors, each dismissable.
/// Errors never panic the app; they end up here.
pub fn error_banner(ui: &mut egui::Ui, errors: &mut Vec<String>) {
    if errors.is_empty() {
        return;
    }
    egui::Panel::top("errors").show(ui, |ui| {
        let mut dismiss = None;
        for (i, message) in errors.iter().enumerate() {
            ui.horizontal_wrapped(|ui| {
                if ui.small_button("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                ui.colored_label(ui.visuals().error_fg_color, format!("Error: {message}"));
            });
        }
        if let Some(i) = dismiss {
            errors.remove(i);
        }
    });
}

/// A channel of `Ok(note)` / `Err(message)` from other threads to the UI.
pub struct Outcomes {
    tx: mpsc::Sender<Result<String, String>>,
    rx: mpsc::Receiver<Result<String, String>>,
}

impl Default for Outcomes {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Outcomes { tx, rx }
    }
}

/// The sending end of [`Outcomes`]; sending never fails loudly (the app
/// may have closed meanwhile).
pub struct OutcomeSender(mpsc::Sender<Result<String, String>>);

impl OutcomeSender {
    pub fn send(&self, outcome: Result<String, String>) {
        let _ = self.0.send(outcome);
    }
}

impl Outcomes {
    pub fn sender(&self) -> OutcomeSender {
        OutcomeSender(self.tx.clone())
    }

    /// Everything that arrived since the last call.
    pub fn drain(&self) -> Vec<Result<String, String>> {
        self.rx.try_iter().collect()
    }
}

/// Save eframe's screenshot of the window as PNG (atomically).
pub fn save_color_image(image: &egui::ColorImage, path: &Path) -> Result<String, String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or_else(|| "screenshot has an inconsistent size".to_string())?;
    super::offscreen::save_png_atomic(&img, path)
        .map(|()| format!("wrote {}", path.display()))
        .map_err(|e| format!("screenshot: {e}"))
}
