//! The conversation list: one group per server (its name and the link's
//! state), its conversations with unread counts, mentions, channels left;
//! saved servers not connected, with a way to connect.

use ciao_client::model::BufferKind;
use eframe::egui::{self, RichText};

use crate::session::Session;

/// What the user chose in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAction {
    Select { session: usize, buffer: usize },
    Connect(String),
    Disconnect(usize),
}

pub fn show(
    sessions: &[Session],
    active: usize,
    idle: &[String],
    max_width: f32,
    ui: &mut egui::Ui,
) -> Option<ListAction> {
    let mut action = None;
    egui::Panel::left("buffers")
        .resizable(true)
        .default_size(180.0)
        .max_size(max_width)
        .show(ui, |ui| {
            ui.label(RichText::new("Conversations").strong());
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (index, session) in sessions.iter().enumerate() {
                    let shown = (index == active).then_some(session.model.active);
                    if let Some(chosen) = group(session, index, shown, ui) {
                        action = Some(chosen);
                    }
                }
                for name in idle {
                    let header = format!("{name} — not connected");
                    egui::CollapsingHeader::new(header)
                        .id_salt(("server", name))
                        .default_open(true)
                        .show(ui, |ui| {
                            if ui.button(format!("Connect to {name}")).clicked() {
                                action = Some(ListAction::Connect(name.clone()));
                            }
                        });
                }
            });
        });
    action
}

/// One server's group; `shown` is the buffer on screen when it is this
/// server's.
fn group(
    session: &Session,
    index: usize,
    shown: Option<usize>,
    ui: &mut egui::Ui,
) -> Option<ListAction> {
    let mut action = None;
    let header = format!("{} — {}", session.name, session.status());
    let response = egui::CollapsingHeader::new(header)
        .id_salt(("server", &session.name))
        .default_open(true)
        .show(ui, |ui| {
            for (buffer_index, buffer) in session.model.buffers.iter().enumerate() {
                let mut label = buffer.name.clone();
                if buffer.unread > 0 {
                    label.push_str(&format!(" ({})", buffer.unread));
                }
                let mut text = RichText::new(label);
                if buffer.mentioned {
                    text = RichText::new(format!("● {}", text.text()))
                        .color(ui.visuals().warn_fg_color)
                        .strong();
                } else if buffer.kind == BufferKind::Channel && !buffer.joined {
                    text = text.weak();
                }
                if ui
                    .selectable_label(shown == Some(buffer_index), text)
                    .clicked()
                {
                    action = Some(ListAction::Select {
                        session: index,
                        buffer: buffer_index,
                    });
                }
            }
        });
    response.header_response.context_menu(|ui| {
        if ui.button("Disconnect").clicked() {
            action = Some(ListAction::Disconnect(index));
            ui.close();
        }
    });
    action
}
