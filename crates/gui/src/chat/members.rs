//! The member list of the channel on screen.

use ciao_client::model::BufferKind;
use eframe::egui::{self, RichText};

use super::nick_color;
use crate::session::Session;

pub fn show(session: &mut Session, ui: &mut egui::Ui) {
    if session.model.active_buffer().kind != BufferKind::Channel {
        return;
    }
    egui::Panel::right("members")
        .resizable(true)
        .default_size(150.0)
        .show(ui, |ui| {
            let members: Vec<_> = session.model.active_buffer().members().cloned().collect();
            ui.label(RichText::new(format!("Members ({})", members.len())).strong());
            ui.separator();
            let dark = ui.visuals().dark_mode;
            let mut open = None;
            egui::ScrollArea::vertical().show(ui, |ui| {
                for member in &members {
                    let text = RichText::new(format!("{}{}", member.prefix, member.nick))
                        .color(nick_color(&member.nick, dark));
                    let response = ui.add(egui::Button::new(text).frame(false));
                    if response.double_clicked() {
                        open = Some(member.nick.clone());
                    }
                    response.on_hover_text("Double-click for a private conversation");
                }
            });
            if let Some(nick) = open
                && !ciao_proto::irc_eq(&nick, &session.model.own_nick)
            {
                session.model.open_query(&nick);
            }
        });
}
