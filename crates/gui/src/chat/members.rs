//! The member list of the channel on screen: away members greyed with
//! their message on hover, a double-click opens a private conversation,
//! a right-click offers the rest ([`super::member_menu`]).

use ciao_client::model::BufferKind;
use eframe::egui::{self, RichText};

use ciao_client::format;

use super::{member_menu, nick_color};
use crate::session::Session;

pub fn show(session: &mut Session, max_width: f32, ui: &mut egui::Ui) {
    if session.model.active_buffer().kind != BufferKind::Channel {
        return;
    }
    egui::Panel::right("members")
        .resizable(true)
        .default_size(150.0)
        .max_size(max_width)
        .show(ui, |ui| {
            let buffer = session.model.active_buffer();
            let count = buffer.member_count();
            let channel = buffer.name.clone();
            ui.label(RichText::new(format!("Members ({count})")).strong());
            ui.separator();
            let dark = ui.visuals().dark_mode;
            let mut chosen = None;
            let row_height = ui.spacing().interact_size.y;
            // Only the rows on screen are laid out: a channel may have
            // tens of thousands of members.
            let members = session.model.active_buffer().members();
            egui::ScrollArea::vertical().show_rows(ui, row_height, count, |ui, rows| {
                let shown = members.skip(rows.start).take(rows.len());
                for member in shown {
                    let badge = if member.account.is_some() { "✔ " } else { "" };
                    let name = format!("{badge}{}{}", member.prefix, member.nick);
                    let text = match &member.away {
                        Some(_) => RichText::new(name).color(ui.visuals().weak_text_color()),
                        None => RichText::new(name).color(nick_color(&member.nick, dark)),
                    };
                    let response = ui.add(egui::Button::new(text).frame(false));
                    if response.double_clicked() {
                        chosen = Some(member_menu::Choice::Query(member.nick.clone()));
                    }
                    if let Some(choice) = member_menu::show(&response, member, &channel) {
                        chosen = Some(choice);
                    }
                    let mut hover = match &member.away {
                        Some(message) => format!("Away: {}", format::strip(message)),
                        None => "Double-click for a private conversation, \
                                 right-click for more"
                            .to_owned(),
                    };
                    if let Some(account) = &member.account {
                        hover = format!("Logged in as {account}. {hover}");
                    }
                    response.on_hover_text(hover);
                }
            });
            if let Some(choice) = chosen {
                member_menu::carry_out(session, choice);
            }
        });
}
