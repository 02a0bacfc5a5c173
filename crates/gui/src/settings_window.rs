//! The settings window: time format, theme, font size, notifications.
//! The app applies theme and font size; the chat views read the rest.

use eframe::egui;

use crate::view_settings::{FONT_SIZES, Theme, ViewSettings};

pub fn show(open: &mut bool, view: &mut ViewSettings, ctx: &egui::Context) {
    egui::Window::new("Settings")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.checkbox(&mut view.show_seconds, "Show seconds in times");
            ui.checkbox(
                &mut view.notifications,
                "Notify me of mentions and private messages",
            );
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                ui.label("Theme");
                for (theme, label) in [
                    (Theme::System, "Like the system"),
                    (Theme::Light, "Light"),
                    (Theme::Dark, "Dark"),
                ] {
                    ui.radio_value(&mut view.theme, theme, label);
                }
            });
            ui.horizontal(|ui| {
                ui.label("Text size");
                for size in FONT_SIZES {
                    ui.radio_value(&mut view.font_size, size, format!("{size} pt"));
                }
            });
        });
}
