//! The first screen, and the "Add server" form: where to connect (or
//! host), as whom; the saved servers to connect to again. The form edits
//! its fields in place; everything else the user asks for is an [`Event`]
//! for the app to do.

use eframe::egui;
use serde::{Deserialize, Serialize};

use crate::host::Reach;
use crate::servers::ServerEntry;

/// The connect (and "add server") form's fields, remembered between runs.
/// The passwords are not among them: they are kept only in a saved
/// server, and only when the user asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub host: String,
    pub port: String,
    pub nick: String,
    /// The name in the server list; empty: the address.
    pub name: String,
    /// Channels to join after connecting, as typed ("#a, #b").
    pub channels: String,
    /// Keep the password with the saved server (plain text on disk).
    pub remember_password: bool,
    /// Who may join a chat hosted from the form.
    pub reach: Reach,
    /// Encrypt the connection (TLS); on unless the user unticks it.
    pub tls: bool,
    /// A CA file (a ciao server's `ca.pem`) to trust, as typed.
    pub ca_file: String,
    /// The account to log in to (SASL), as typed; empty: none.
    pub account: String,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            host: "127.0.0.1".to_owned(),
            port: TLS_PORT.to_owned(),
            nick: String::new(),
            name: String::new(),
            channels: String::new(),
            remember_password: false,
            reach: Reach::Network,
            tls: true,
            ca_file: String::new(),
            account: String::new(),
        }
    }
}

/// IRC's usual ports, over TLS and in clear: ticking or unticking
/// "Encrypt" moves the port between them when it was the other one.
pub const TLS_PORT: &str = "6697";
pub const PLAIN_PORT: &str = "6667";

/// The checkbox's label.
pub const TLS_LABEL: &str = "Encrypt (TLS)";
/// What the form says when the connection will not be encrypted.
pub const PLAINTEXT_WARNING: &str =
    "Not encrypted: anyone on the network between you and the server can read what you send.";

/// Which of the form's two ways in the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Connect to the server in the form.
    Join,
    /// Host a chat in this app on the form's port, and join it.
    Host,
    /// Connect and create an account named after the nick, with the
    /// account password (`REGISTER`).
    CreateAccount,
}

/// What the user asked of the form, for the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Check the form, then join or host with it.
    Submit(Intent),
    /// Connect to the saved server of that name.
    ConnectSaved(String),
    /// Drop the saved server of that name from the list.
    ForgetSaved(String),
    OpenSettings,
    /// Close the "Add server" form, back to the conversations behind it.
    BackToChat,
}

/// What the form shows, and the fields it edits.
#[derive(Debug)]
pub struct Form<'a> {
    pub prefs: &'a mut Prefs,
    /// Kept apart from `prefs`: it is not remembered between runs.
    pub password: &'a mut String,
    /// The account's password; not remembered either.
    pub account_password: &'a mut String,
    /// The inline error under the form.
    pub error: Option<&'a str>,
    /// Saved servers not connected now, each offered to connect.
    pub idle: Vec<&'a ServerEntry>,
    /// Some server let us in: this is the "Add server" form over the chat.
    pub in_chat_behind: bool,
    /// A connection from the form is under way: the form waits.
    pub connecting: bool,
    /// This app hosts a chat already: it cannot host a second.
    pub hosting: bool,
}

/// A labelled single-line text field; the label names it for screen
/// readers and tests.
fn field(ui: &mut egui::Ui, label: &str, value: &mut String, password: bool) -> egui::Response {
    let label = ui.label(label);
    let edit = egui::TextEdit::singleline(value)
        .password(password)
        .desired_width(260.0);
    ui.add(edit).labelled_by(label.id)
}

/// Draws the form; what the user asked for, in the order asked.
pub fn show(form: Form<'_>, ui: &mut egui::Ui) -> Vec<Event> {
    let mut form = form;
    let mut events = Vec::new();
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| draw(&mut form, &mut events, ui));
    });
    events
}

fn draw(form: &mut Form<'_>, events: &mut Vec<Event>, ui: &mut egui::Ui) {
    let in_chat_behind = form.in_chat_behind;
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        ui.heading(if in_chat_behind {
            "Add a server"
        } else {
            "ciao"
        });
        ui.label("Join a chat on your network, or host one here.");
        ui.add_space(16.0);
    });
    let mut submit = None;
    let enabled = !form.connecting;
    ui.add_enabled_ui(enabled, |ui| {
        saved_servers(&form.idle, events, ui);
        egui::Grid::new("connect-form")
            .num_columns(2)
            .spacing([12.0, 10.0])
            .show(ui, |ui| {
                let prefs = &mut *form.prefs;
                let fields: [(&str, &mut String, bool); 3] = [
                    ("Server address", &mut prefs.host, false),
                    ("Port", &mut prefs.port, false),
                    ("Nickname", &mut prefs.nick, false),
                ];
                for (label, value, password) in fields {
                    let response = field(ui, label, value, password);
                    submit = submit.or(entered(ui, &response));
                    ui.end_row();
                }
                ui.label("");
                encryption(prefs, ui);
                ui.end_row();
                let fields: [(&str, &mut String, bool); 6] = [
                    ("Account (optional)", &mut prefs.account, false),
                    ("Account password", &mut *form.account_password, true),
                    ("Server password (optional)", &mut *form.password, true),
                    ("CA certificate file (optional)", &mut prefs.ca_file, false),
                    ("Name in the list (optional)", &mut prefs.name, false),
                    ("Channels to join (optional)", &mut prefs.channels, false),
                ];
                for (label, value, password) in fields {
                    let response = field(ui, label, value, password);
                    submit = submit.or(entered(ui, &response));
                    ui.end_row();
                }
            });
        if !form.prefs.tls {
            ui.colored_label(ui.visuals().warn_fg_color, PLAINTEXT_WARNING);
        }
        ui.checkbox(
            &mut form.prefs.remember_password,
            "Remember the passwords (kept as plain text in this app's data folder, \
             app.ron, readable only by you)",
        );
    });
    ui.add_space(12.0);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(enabled, egui::Button::new("Connect"))
            .clicked()
        {
            submit = Some(Intent::Join);
        }
        let create = ui
            .add_enabled(enabled, egui::Button::new("Create an account"))
            .on_hover_text(
                "Connect and register an account named after your nickname, \
                 with the account password",
            );
        if create.clicked() {
            submit = Some(Intent::CreateAccount);
        }
        let host = egui::Button::new("Host a chat");
        let host = ui
            .add_enabled(enabled && !form.hosting, host)
            .on_hover_text("Start a ciao server in this app on the port above, and join it");
        if host.clicked() {
            submit = Some(Intent::Host);
        }
        if ui.button("Settings").clicked() {
            events.push(Event::OpenSettings);
        }
        if in_chat_behind && ui.button("Back to the chat").clicked() {
            events.push(Event::BackToChat);
        }
        if form.connecting {
            ui.spinner();
            ui.label(format!(
                "Connecting to {}:{}…",
                form.prefs.host.trim(),
                form.prefs.port.trim()
            ));
        }
    });
    ui.add_enabled_ui(enabled && !form.hosting, |ui| {
        ui.horizontal(|ui| {
            ui.label("A hosted chat is open to");
            ui.radio_value(
                &mut form.prefs.reach,
                Reach::Network,
                "Everyone on my network (0.0.0.0)",
            );
            ui.radio_value(
                &mut form.prefs.reach,
                Reach::ThisComputer,
                "Only this computer (127.0.0.1)",
            );
        });
    });
    if let Some(error) = form.error {
        ui.add_space(8.0);
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if let Some(intent) = submit {
        events.push(Event::Submit(intent));
    }
}

/// The TLS checkbox: the usual port of the other kind follows it.
fn encryption(prefs: &mut Prefs, ui: &mut egui::Ui) {
    if ui.checkbox(&mut prefs.tls, TLS_LABEL).changed() {
        let (from, to) = if prefs.tls {
            (PLAIN_PORT, TLS_PORT)
        } else {
            (TLS_PORT, PLAIN_PORT)
        };
        if prefs.port.trim() == from {
            prefs.port = to.to_owned();
        }
    }
}

/// The saved servers not connected now, each with a way to connect.
fn saved_servers(idle: &[&ServerEntry], events: &mut Vec<Event>, ui: &mut egui::Ui) {
    if idle.is_empty() {
        return;
    }
    ui.strong("Saved servers");
    let mut connect = None;
    let mut forget = None;
    for entry in idle {
        let name = &entry.name;
        ui.horizontal(|ui| {
            if ui.button(format!("Connect to {name}")).clicked() {
                connect = Some(name.clone());
            }
            ui.label(format!("{} on {}:{}", entry.nick, entry.host, entry.port));
            if ui.small_button("Forget").clicked() {
                forget = Some(name.clone());
            }
        });
    }
    ui.separator();
    // Forgetting first, as the list was drawn: connecting to a server
    // just forgotten finds nothing.
    events.extend(forget.map(Event::ForgetSaved));
    events.extend(connect.map(Event::ConnectSaved));
}

/// Enter in a field submits the form as a join.
fn entered(ui: &egui::Ui, response: &egui::Response) -> Option<Intent> {
    (response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))).then_some(Intent::Join)
}
