//! IRC formatting drawn with egui: the spans of
//! [`ciao_client::format`] become sections of a [`LayoutJob`].

use ciao_client::format::{Rgb, Span};
use eframe::egui::{self, Color32, FontId, Stroke, TextFormat, text::LayoutJob};

/// Appends `text` drawn in `span`'s style over `base`.
pub fn append(job: &mut LayoutJob, text: &str, span: &Span, base: &TextFormat, ui: &egui::Ui) {
    job.append(text, 0.0, section_format(span, base, ui));
}

fn color(rgb: Rgb) -> Color32 {
    Color32::from_rgb(rgb.0, rgb.1, rgb.2)
}

/// The format of one span: its colours, reversed if asked, and its
/// decorations over the line's base format.
fn section_format(span: &Span, base: &TextFormat, ui: &egui::Ui) -> TextFormat {
    let style = span.style;
    let visuals = ui.visuals();
    let mut format = base.clone();
    // egui ships no bold face: bold is drawn in the strong text colour.
    let default_fg = if style.bold {
        visuals.strong_text_color()
    } else {
        base.color
    };
    let mut fg = style.fg.map_or(default_fg, color);
    let mut bg = style.bg.map_or(base.background, color);
    if style.reverse {
        let bg_default = if bg == Color32::TRANSPARENT {
            visuals.panel_fill
        } else {
            bg
        };
        (fg, bg) = (bg_default, fg);
    }
    format.color = fg;
    format.background = bg;
    format.italics |= style.italic;
    if style.underline {
        format.underline = Stroke::new(1.0, fg);
    }
    if style.strikethrough {
        format.strikethrough = Stroke::new(1.0, fg);
    }
    if style.monospace {
        format.font_id = FontId::monospace(base.font_id.size);
    }
    format
}
