//! The chat: buffers on the left, the conversation in the middle, members
//! on the right, the topic on top and the input at the bottom.

use ciao_client::model::{BufferKind, LineKind, LinkState};
use ciao_client::{Action, parse_input};
use eframe::egui::{self, Color32, RichText};

use crate::app::CiaoApp;

/// The input line and its history.
#[derive(Debug, Default)]
pub struct ChatInput {
    pub text: String,
    /// Lines sent, oldest first, for Up/Down recall.
    pub history: Vec<String>,
    /// Position while recalling; `None` when editing a new line.
    recall: Option<usize>,
}

impl ChatInput {
    fn recall(&mut self, older: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        self.recall = match (self.recall, older) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => None,
        };
        self.text = self
            .recall
            .map(|i| self.history[i].clone())
            .unwrap_or_default();
    }

    fn take(&mut self) -> String {
        self.recall = None;
        let text = std::mem::take(&mut self.text);
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        text
    }
}

/// A stable colour per nick, readable on dark and light backgrounds.
pub fn nick_color(nick: &str, dark: bool) -> Color32 {
    const DARK: [Color32; 8] = [
        Color32::from_rgb(0x8a, 0xc6, 0xff),
        Color32::from_rgb(0xff, 0xa6, 0x57),
        Color32::from_rgb(0x7e, 0xe7, 0x87),
        Color32::from_rgb(0xff, 0x7b, 0x9c),
        Color32::from_rgb(0xd2, 0xa8, 0xff),
        Color32::from_rgb(0xf2, 0xcc, 0x60),
        Color32::from_rgb(0x56, 0xd4, 0xdd),
        Color32::from_rgb(0xff, 0x9e, 0xd8),
    ];
    const LIGHT: [Color32; 8] = [
        Color32::from_rgb(0x09, 0x69, 0xda),
        Color32::from_rgb(0xbc, 0x4c, 0x00),
        Color32::from_rgb(0x1a, 0x7f, 0x37),
        Color32::from_rgb(0xcf, 0x22, 0x2e),
        Color32::from_rgb(0x82, 0x50, 0xdf),
        Color32::from_rgb(0x9a, 0x67, 0x00),
        Color32::from_rgb(0x1b, 0x7c, 0x83),
        Color32::from_rgb(0xbf, 0x39, 0x89),
    ];
    let hash = ciao_proto::irc_lower(nick)
        .bytes()
        .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b));
    let palette = if dark { &DARK } else { &LIGHT };
    palette[hash as usize % palette.len()]
}

pub fn show(app: &mut CiaoApp, ui: &mut egui::Ui) {
    top_bar(app, ui);
    input_bar(app, ui);
    buffer_list(app, ui);
    member_list(app, ui);
    egui::CentralPanel::default().show(ui, |ui| messages(app, ui));
}

fn top_bar(app: &mut CiaoApp, ui: &mut egui::Ui) {
    egui::Panel::top("topic").show(ui, |ui| {
        let Some(session) = &mut app.session else {
            return;
        };
        let buffer = session.model.active_buffer();
        ui.horizontal_wrapped(|ui| {
            ui.strong(&buffer.name);
            if let Some(topic) = &buffer.topic {
                ui.label("—");
                ui.label(topic);
            }
        });
        if let Some(host) = &app.host {
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

fn buffer_list(app: &mut CiaoApp, ui: &mut egui::Ui) {
    egui::Panel::left("buffers")
        .resizable(true)
        .default_size(160.0)
        .show(ui, |ui| {
            let Some(session) = &mut app.session else {
                return;
            };
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

fn member_list(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let Some(session) = &mut app.session else {
        return;
    };
    if session.model.active_buffer().kind != BufferKind::Channel {
        return;
    }
    egui::Panel::right("members")
        .resizable(true)
        .default_size(150.0)
        .show(ui, |ui| {
            let members = session.model.active_buffer().members.clone();
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

fn messages(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let Some(session) = &mut app.session else {
        return;
    };
    let buffer = session.model.active_buffer();
    let can_load_older =
        session.model.chathistory && buffer.kind != BufferKind::Server && !buffer.older.exhausted;
    let loading = buffer.older.loading;
    let dark = ui.visuals().dark_mode;
    let mut load_older = false;
    let output = egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            if buffer.older.loading {
                ui.label(RichText::new("Loading older messages…").weak().italics());
            } else if can_load_older {
                load_older |= ui.small_button("Load older messages").clicked();
            } else if buffer.older.exhausted {
                ui.label(RichText::new("Start of the conversation").weak().italics());
            }
            for line in &buffer.lines {
                if line.kind == LineKind::HistoryEnd {
                    history_end(ui, &line.text);
                    continue;
                }
                ui.horizontal_wrapped(|ui| {
                    ui.spacing_mut().item_spacing.x = 4.0;
                    ui.label(RichText::new(line.clock()).weak());
                    match (&line.sender, line.kind) {
                        (Some(sender), LineKind::Action) => {
                            ui.label(
                                RichText::new(format!("* {sender}"))
                                    .color(nick_color(sender, dark))
                                    .italics(),
                            );
                        }
                        (Some(sender), LineKind::Notice) => {
                            ui.label(
                                RichText::new(format!("-{sender}-"))
                                    .color(nick_color(sender, dark)),
                            );
                        }
                        (Some(sender), _) => {
                            ui.label(
                                RichText::new(format!("<{sender}>"))
                                    .color(nick_color(sender, dark))
                                    .strong(),
                            );
                        }
                        (None, _) => {}
                    }
                    text_with_links(ui, &line.text, line.kind);
                });
            }
        });
    // Scrolled to the very top of a conversation taller than the view:
    // fetch what came before.
    let scrollable = output.content_size.y > output.inner_rect.height();
    if can_load_older && scrollable && output.state.clamped_offset().y <= 0.5 {
        load_older = true;
    }
    if load_older && !loading {
        let outgoing = session.model.prepare(Action::LoadOlder);
        session.send(outgoing);
    }
}

/// The line between replayed history and live messages.
fn history_end(ui: &mut egui::Ui, text: &str) {
    ui.horizontal(|ui| {
        let rule = |ui: &mut egui::Ui| {
            let width = (ui.available_width() / 3.0).max(10.0);
            ui.add_sized([width, 1.0], egui::Separator::default().horizontal());
        };
        rule(ui);
        ui.label(RichText::new(text).weak().small());
        rule(ui);
    });
}

/// The text of a line, links clickable, system lines styled apart.
fn text_with_links(ui: &mut egui::Ui, text: &str, kind: LineKind) {
    let error_color = ui.visuals().error_fg_color;
    let style = |s: &str| -> RichText {
        let text = RichText::new(s);
        match kind {
            LineKind::Error => text.color(error_color),
            LineKind::Action => text.italics(),
            k if k.is_system() => text.weak().italics(),
            _ => text,
        }
    };
    let mut plain = String::new();
    for word in text.split_inclusive(' ') {
        let bare = word.trim_end();
        if bare.starts_with("http://") || bare.starts_with("https://") {
            // egui spaces items itself: the text's own trailing space
            // would double the gap before the link.
            if !plain.trim_end().is_empty() {
                ui.label(style(plain.trim_end()));
            }
            plain.clear();
            ui.hyperlink(bare);
        } else {
            plain.push_str(word);
        }
    }
    if !plain.is_empty() {
        ui.add(egui::Label::new(style(&plain)).wrap());
    }
}

fn input_bar(app: &mut CiaoApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("input").show(ui, |ui| {
        let mut send = false;
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let label = ui.label("Message");
            let width = ui.available_width() - 70.0;
            let edit = egui::TextEdit::singleline(&mut app.input.text)
                .desired_width(width.max(100.0))
                .hint_text("Type a message, or /help");
            let response = ui.add(edit).labelled_by(label.id);
            if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                send = true;
            }
            if response.has_focus() {
                if ui.input(|i| i.key_pressed(egui::Key::ArrowUp)) {
                    app.input.recall(true);
                } else if ui.input(|i| i.key_pressed(egui::Key::ArrowDown)) {
                    app.input.recall(false);
                }
            }
            if ui.button("Send").clicked() {
                send = true;
            }
            // Focus stays in the input: after sending, and from the start.
            if send || !ui.ctx().memory(|m| m.focused().is_some()) {
                response.request_focus();
            }
        });
        ui.add_space(4.0);
        if send {
            submit_input(app);
        }
    });
}

fn submit_input(app: &mut CiaoApp) {
    let line = app.input.take();
    let Some(session) = &mut app.session else {
        return;
    };
    match parse_input(&line) {
        Ok(None) => {}
        Ok(Some(Action::Quit(reason))) => app.leave(reason),
        Ok(Some(action)) => {
            let outgoing = session.model.prepare(action);
            session.send(outgoing);
        }
        Err(error) => session.model.note(&error.to_string(), LineKind::Error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_recall() {
        let mut input = ChatInput::default();
        for line in ["one", "two"] {
            input.text = line.into();
            input.take();
        }
        input.recall(true);
        assert_eq!(input.text, "two");
        input.recall(true);
        assert_eq!(input.text, "one");
        input.recall(true);
        assert_eq!(input.text, "one");
        input.recall(false);
        assert_eq!(input.text, "two");
        input.recall(false);
        assert_eq!(input.text, "");
    }

    #[test]
    fn nick_colours_are_stable_and_casefolded() {
        assert_eq!(nick_color("Bob", true), nick_color("bob", true));
    }
}
