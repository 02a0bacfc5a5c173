//! Fonts: egui's defaults (with their monochrome emoji), a colour emoji
//! font from the system when one is installed, and the system's fonts as
//! fallback for other scripts.

use std::sync::Arc;

use eframe::egui;

/// Where Debian and friends install a colour emoji font.
const COLOR_EMOJI_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/google-noto-emoji/NotoColorEmoji.ttf",
    "/System/Library/Fonts/Apple Color Emoji.ttc",
    "C:\\Windows\\Fonts\\seguiemj.ttf",
];

/// Installs the fonts; returns the colour emoji font used, if any.
pub fn install(ctx: &egui::Context) -> Option<&'static str> {
    let mut fonts = egui::FontDefinitions::default();
    let mut used = None;
    for path in COLOR_EMOJI_FONTS {
        if let Ok(bytes) = std::fs::read(path) {
            fonts.font_data.insert(
                "color-emoji".to_owned(),
                Arc::new(egui::FontData::from_owned(bytes)),
            );
            // Before egui's monochrome emoji, after the text fonts.
            for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
                let list = fonts.families.entry(family).or_default();
                let position = list.len().min(1);
                list.insert(position, "color-emoji".to_owned());
            }
            used = Some(*path);
            break;
        }
    }
    ctx.set_fonts(fonts);
    used
}
