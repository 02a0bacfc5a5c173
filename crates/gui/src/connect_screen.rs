//! The first screen, and the "Add server" form: where to connect (or
//! host), as whom; the saved servers to connect to again.

use eframe::egui;

use crate::app::{CiaoApp, Intent};
use crate::host::Reach;

/// A labelled single-line text field; the label names it for screen
/// readers and tests.
fn field(ui: &mut egui::Ui, label: &str, value: &mut String, password: bool) -> egui::Response {
    let label = ui.label(label);
    let edit = egui::TextEdit::singleline(value)
        .password(password)
        .desired_width(260.0);
    ui.add(edit).labelled_by(label.id)
}

pub fn show(app: &mut CiaoApp, ui: &mut egui::Ui) {
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| form(app, ui));
    });
}

fn form(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let in_chat_behind = app.sessions().iter().any(|s| s.ever_registered);
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
    let enabled = !app.is_connecting();
    ui.add_enabled_ui(enabled, |ui| {
        saved_servers(app, ui);
        egui::Grid::new("connect-form")
            .num_columns(2)
            .spacing([12.0, 10.0])
            .show(ui, |ui| {
                let fields: [(&str, &mut String, bool); 6] = [
                    ("Server address", &mut app.prefs.host, false),
                    ("Port", &mut app.prefs.port, false),
                    ("Nickname", &mut app.prefs.nick, false),
                    ("Password (optional)", &mut app.password, true),
                    ("Name in the list (optional)", &mut app.prefs.name, false),
                    (
                        "Channels to join (optional)",
                        &mut app.prefs.channels,
                        false,
                    ),
                ];
                for (label, value, password) in fields {
                    let response = field(ui, label, value, password);
                    submit = submit.or(entered(ui, &response));
                    ui.end_row();
                }
            });
        ui.checkbox(
            &mut app.prefs.remember_password,
            "Remember the password (kept as plain text in this app's data folder)",
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
        let host = egui::Button::new("Host a chat");
        let host = ui
            .add_enabled(enabled && app.host.is_none(), host)
            .on_hover_text("Start a ciao server in this app on the port above, and join it");
        if host.clicked() {
            submit = Some(Intent::Host);
        }
        if ui.button("Settings").clicked() {
            app.settings_open = true;
        }
        if in_chat_behind && ui.button("Back to the chat").clicked() {
            app.adding_server = false;
            app.form_error = None;
        }
        if app.is_connecting() {
            ui.spinner();
            ui.label(format!(
                "Connecting to {}:{}…",
                app.prefs.host.trim(),
                app.prefs.port.trim()
            ));
        }
    });
    ui.add_enabled_ui(enabled && app.host.is_none(), |ui| {
        ui.horizontal(|ui| {
            ui.label("A hosted chat is open to");
            ui.radio_value(
                &mut app.prefs.reach,
                Reach::Network,
                "Everyone on my network (0.0.0.0)",
            );
            ui.radio_value(
                &mut app.prefs.reach,
                Reach::ThisComputer,
                "Only this computer (127.0.0.1)",
            );
        });
    });
    if let Some(error) = &app.form_error {
        ui.add_space(8.0);
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if let Some(intent) = submit {
        app.submit(intent);
    }
}

/// The saved servers not connected now, each with a way to connect.
fn saved_servers(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let idle: Vec<(String, String)> = app
        .servers
        .entries
        .iter()
        .filter(|e| app.session_named(&e.name).is_none())
        .map(|e| {
            (
                e.name.clone(),
                format!("{} on {}:{}", e.nick, e.host, e.port),
            )
        })
        .collect();
    if idle.is_empty() {
        return;
    }
    ui.strong("Saved servers");
    let mut connect = None;
    let mut forget = None;
    for (name, detail) in idle {
        ui.horizontal(|ui| {
            if ui.button(format!("Connect to {name}")).clicked() {
                connect = Some(name.clone());
            }
            ui.label(detail);
            if ui.small_button("Forget").clicked() {
                forget = Some(name.clone());
            }
        });
    }
    ui.separator();
    if let Some(name) = forget {
        app.servers.remove(&name);
    }
    if let Some(name) = connect {
        app.form_error = None;
        app.connect_saved(&name);
    }
}

/// Enter in a field submits the form as a join.
fn entered(ui: &egui::Ui, response: &egui::Response) -> Option<Intent> {
    (response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))).then_some(Intent::Join)
}
