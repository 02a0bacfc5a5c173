//! The top bar: the conversation's name and topic, the server's buttons
//! (add a server, settings, disconnect), the hosting note, a notice the
//! user must see, the lock of an encrypted link (or the warning of a
//! plaintext one), and the link's state with a way to reconnect.

use ciao_client::connection::TrustedBy;
use ciao_client::model::LinkState;
use eframe::egui::{self, RichText};

use crate::host::HostedServer;
use crate::session::Session;

/// The lock shown on an encrypted link.
pub const LOCK_LABEL: &str = "🔒 Encrypted";
/// Shown instead on a plaintext link to another computer.
pub const PLAINTEXT_LABEL: &str = "⚠ Not encrypted";

/// What the user asked of the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopAction {
    AddServer,
    Settings,
    /// Leave the server on screen.
    Disconnect,
}

pub fn show(
    session: &mut Session,
    host: Option<&HostedServer>,
    ui: &mut egui::Ui,
) -> Option<TopAction> {
    let mut action = None;
    egui::Panel::top("topic").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Disconnect").clicked() {
                    action = Some(TopAction::Disconnect);
                }
                if ui.button("Settings").clicked() {
                    action = Some(TopAction::Settings);
                }
                if ui.button("Add server").clicked() {
                    action = Some(TopAction::AddServer);
                }
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    security(session, ui);
                    let buffer = session.model.active_buffer();
                    ui.strong(&buffer.name);
                    if let Some(topic) = &buffer.topic {
                        ui.label("—");
                        ui.label(ciao_client::format::strip(topic));
                    }
                });
            });
        });
        if let Some(host) = host.filter(|_| session.hosted) {
            let mut text = format!(
                "Hosting on port {} — others can join at {}",
                host.port,
                host.addresses.join(", ")
            );
            if !host.web_urls.is_empty() {
                text.push_str(&format!(
                    ", or in a browser at {}",
                    host.web_urls.join(", ")
                ));
            }
            ui.label(RichText::new(text).small());
        }
        if let Some(notice) = session.notice.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, notice);
                if ui.small_button("OK").clicked() {
                    session.notice = None;
                }
            });
        }
        if let LinkState::Disconnected(reason) = &session.model.link {
            let reason = reason.clone();
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().error_fg_color, reason);
                if !session.leaving {
                    if session.retry_at.is_some() {
                        ui.label(capitalised(&session.status()));
                    }
                    if ui.button("Reconnect").clicked() {
                        session.reconnect_now();
                    }
                }
            });
        }
    });
    action
}

/// The lock, with how the certificate was trusted on hover; or, on a
/// plaintext link (not the hosted one, which stays on this computer),
/// the warning.
fn security(session: &Session, ui: &mut egui::Ui) {
    match &session.model.secured {
        Some(secured) => {
            let how = match secured.trusted_by {
                TrustedBy::Authority => "its certificate is signed by an authority you trust",
                TrustedBy::Pinned => "its certificate is the one you accepted",
            };
            ui.label(LOCK_LABEL).on_hover_text(format!(
                "The connection is encrypted (TLS); {how}. SHA-256 fingerprint: {}",
                secured.fingerprint
            ));
        }
        None if session.is_connected() && !session.hosted => {
            ui.colored_label(ui.visuals().warn_fg_color, PLAINTEXT_LABEL)
                .on_hover_text(
                    "Anyone on the network between you and the server can read this chat.",
                );
        }
        None => {}
    }
    if let Some(account) = &session.model.account {
        ui.label(format!("✔ {account}"))
            .on_hover_text(format!("You are logged in to the account {account}."));
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
