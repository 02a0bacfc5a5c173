//! The conversation list: unread counts, mentions, channels left.

use ciao_client::model::BufferKind;
use eframe::egui::{self, RichText};

use crate::session::Session;

pub fn show(session: &mut Session, ui: &mut egui::Ui) {
    egui::Panel::left("buffers")
        .resizable(true)
        .default_size(160.0)
        .show(ui, |ui| {
            ui.label(RichText::new("Conversations").strong());
            ui.separator();
            let mut select = None;
            for (index, buffer) in session.model.buffers.iter().enumerate() {
                let mut label = buffer.name.clone();
                if buffer.unread > 0 {
                    label.push_str(&format!(" ({})", buffer.unread));
                }
                let mut text = RichText::new(label);
                if buffer.mentioned {
                    text = text.color(ui.visuals().warn_fg_color).strong();
                    text = RichText::new(format!("● {}", text.text()))
                        .color(ui.visuals().warn_fg_color);
                } else if buffer.kind == BufferKind::Channel && !buffer.joined {
                    text = text.weak();
                }
                if ui
                    .selectable_label(index == session.model.active, text)
                    .clicked()
                {
                    select = Some(index);
                }
            }
            if let Some(index) = select {
                session.model.set_active(index);
            }
        });
}
