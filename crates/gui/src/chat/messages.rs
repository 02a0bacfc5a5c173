//! The conversation on screen: its lines, links, the history separator
//! and loading older lines at the top.

use ciao_client::Action;
use ciao_client::model::{BufferKind, LineKind};
use eframe::egui::{self, RichText};

use super::nick_color;
use crate::session::Session;
use crate::view_settings::ViewSettings;

pub fn show(session: &mut Session, view: &ViewSettings, ui: &mut egui::Ui) {
    let _ = view.show_seconds;
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
