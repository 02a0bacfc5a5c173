//! The first screen: where to connect (or host), as whom.

use eframe::egui;

use crate::app::{CiaoApp, Intent};

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
        ui.vertical_centered(|ui| {
            ui.add_space(24.0);
            ui.heading("ciao");
            ui.label("Join a chat on your network, or host one here.");
            ui.add_space(16.0);
        });
        let mut submit = None;
        let enabled = !app.is_connecting();
        ui.add_enabled_ui(enabled, |ui| {
            egui::Grid::new("connect-form")
                .num_columns(2)
                .spacing([12.0, 10.0])
                .show(ui, |ui| {
                    let fields: [(&str, &mut String, bool); 4] = [
                        ("Server address", &mut app.prefs.host, false),
                        ("Port", &mut app.prefs.port, false),
                        ("Nickname", &mut app.prefs.nick, false),
                        ("Password (optional)", &mut app.password, true),
                    ];
                    for (label, value, password) in fields {
                        let response = field(ui, label, value, password);
                        submit = submit.or(entered(ui, &response));
                        ui.end_row();
                    }
                });
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
                .add_enabled(enabled, host)
                .on_hover_text("Start a ciao server in this app on the port above, and join it");
            if host.clicked() {
                submit = Some(Intent::Host);
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
        if let Some(error) = &app.form_error {
            ui.add_space(8.0);
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(intent) = submit {
            app.submit(intent);
        }
    });
}

/// Enter in a field submits the form as a join.
fn entered(ui: &egui::Ui, response: &egui::Response) -> Option<Intent> {
    (response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))).then_some(Intent::Join)
}
