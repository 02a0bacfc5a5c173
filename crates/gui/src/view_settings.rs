//! How the app looks and behaves, chosen by the user and remembered
//! between runs (the settings window edits these).

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
