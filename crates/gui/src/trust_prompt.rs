//! "Trust this certificate?": shown when a server's certificate is
//! vouched for by no authority this computer trusts (nor the imported
//! CA) and the user never accepted it. It shows the SHA-256 fingerprint
//! to compare with the one the server's operator gives
//! (`ciao-server tls-fingerprint`); accepting keeps it with the saved
//! server, and later connections check it without asking. A changed
//! certificate is never asked about: that is a hard error on the form.

use ciao_client::Settings;
use ciao_client::connection::Fingerprint;
use eframe::egui;

use crate::servers::ServerEntry;

/// The window's title, and what tests look for.
pub const TITLE: &str = "Trust this server's certificate?";
pub const TRUST: &str = "Trust and connect";
pub const CANCEL: &str = "Do not connect";

/// A connection waiting for the user's word on a certificate.
#[derive(Debug)]
pub struct TrustPrompt {
    /// The saved-list entry to connect with once trusted.
    pub entry: ServerEntry,
    /// The connection's settings (the passwords typed, REGISTER or not).
    pub settings: Settings,
    pub channels: Vec<String>,
    pub fingerprint: Fingerprint,
    /// Why the certificate did not verify.
    pub reason: String,
}

/// What the user answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Trust,
    Cancel,
}

pub fn show(prompt: &TrustPrompt, ctx: &egui::Context) -> Option<Answer> {
    let mut answer = None;
    egui::Window::new(TITLE)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            let address = format!("{}:{}", prompt.entry.host, prompt.entry.port);
            ui.label(format!(
                "The certificate of {address} is not signed by an authority this computer \
                 trusts ({}). That is usual for a ciao server with its own generated certificate; \
                 it is also what an impostor's would look like.",
                prompt.reason
            ));
            ui.add_space(6.0);
            ui.label("Its SHA-256 fingerprint:");
            ui.monospace(prompt.fingerprint.to_string());
            ui.add_space(6.0);
            ui.label(
                "Compare it with the one the server's operator gives you \
                 (`ciao-server tls-fingerprint` prints it). If you trust it, ciao keeps it with \
                 this server and checks it on every connection; if it ever changes, ciao will \
                 refuse to connect.",
            );
            ui.horizontal(|ui| {
                if ui.button(TRUST).clicked() {
                    answer = Some(Answer::Trust);
                }
                if ui.button(CANCEL).clicked() {
                    answer = Some(Answer::Cancel);
                }
            });
        });
    answer
}
