//! The top bar: the conversation's name and topic, the hosting note, and
//! the link's state with a way to reconnect.

use ciao_client::model::LinkState;
use eframe::egui::{self, RichText};

use crate::host::HostedServer;
use crate::session::Session;

pub fn show(session: &mut Session, host: Option<&HostedServer>, ui: &mut egui::Ui) {
    egui::Panel::top("topic").show(ui, |ui| {
        let buffer = session.model.active_buffer();
        ui.horizontal_wrapped(|ui| {
            ui.strong(&buffer.name);
            if let Some(topic) = &buffer.topic {
                ui.label("—");
                ui.label(topic);
            }
        });
        if let Some(host) = host {
            ui.label(
                RichText::new(format!(
                    "Hosting on port {} — others can join at {}",
                    host.port,
                    host.addresses.join(", ")
                ))
                .small(),
            );
        }
        if let LinkState::Disconnected(reason) = &session.model.link {
            let reason = reason.clone();
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().error_fg_color, reason);
                if !session.leaving {
                    if let Some(wait) = session.retry_in() {
                        ui.label(format!("Reconnecting in {} s…", wait.as_secs() + 1));
                    }
                    if ui.button("Reconnect").clicked() {
                        session.reconnect_now();
                    }
                }
            });
        }
    });
}
