//! How the app looks and behaves, chosen by the user and remembered
//! between runs (the settings window edits these).

use eframe::egui;
use serde::{Deserialize, Serialize};

/// The colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Theme {
    /// Follow the desktop's light or dark mode.
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewSettings {
    /// Show `HH:MM:SS` instead of `HH:MM` beside each line.
    pub show_seconds: bool,
    pub theme: Theme,
    /// Points of the body text.
    pub font_size: f32,
    /// Desktop notifications and window attention on mentions and private
    /// messages.
    pub notifications: bool,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            show_seconds: false,
            theme: Theme::System,
            font_size: 14.0,
            notifications: true,
        }
    }
}

/// Key of the settings in eframe's storage.
pub const VIEW_KEY: &str = "ciao-view";

/// Font sizes the settings window offers, in points of body text.
pub const FONT_SIZES: [f32; 5] = [12.0, 14.0, 16.0, 18.0, 20.0];

/// Applies the theme and the font size to the whole window.
pub fn apply(view: &ViewSettings, ctx: &egui::Context) {
    ctx.set_theme(match view.theme {
        Theme::System => egui::ThemePreference::System,
        Theme::Light => egui::ThemePreference::Light,
        Theme::Dark => egui::ThemePreference::Dark,
    });
    // Every text style grows with the body text, so headings stay
    // headings and small print stays smaller.
    let body = view.font_size.clamp(8.0, 40.0);
    let defaults = egui::style::default_text_styles();
    let default_body = defaults
        .get(&egui::TextStyle::Body)
        .map_or(13.0, |font| font.size);
    ctx.all_styles_mut(|style| {
        for (text_style, font) in &defaults {
            let mut font = font.clone();
            font.size = font.size * body / default_body;
            style.text_styles.insert(text_style.clone(), font);
        }
    });
}
