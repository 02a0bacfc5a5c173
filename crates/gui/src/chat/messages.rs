//! The conversation on screen: its lines, links, the history separator
//! and loading older lines at the top.

use std::ops::Range;

use ciao_client::Action;
use ciao_client::format::{self, Span};
use ciao_client::model::{BufferKind, Line, LineKind};
use eframe::egui::{self, RichText, TextFormat, text::LayoutJob};

use super::{formatting, links, nick_color};
use crate::session::Session;
use crate::view_settings::ViewSettings;

/// Lines drawn at first: every frame lays out each drawn line, so a
/// conversation of 10 000 lines must not cost 10 000 layouts a frame.
const LINES_DRAWN: usize = 300;

/// Lines added to the drawing each time the user reaches its top.
const MORE_LINES: usize = 300;

pub fn show(session: &mut Session, view: &ViewSettings, ui: &mut egui::Ui) {
    let buffer = session.model.active_buffer();
    let drawn_id = egui::Id::unique(("lines-drawn", &session.name, &buffer.name));
    let drawn = ui
        .ctx()
        .data(|d| d.get_temp::<usize>(drawn_id))
        .unwrap_or(LINES_DRAWN);
    let hidden = buffer.lines.len().saturating_sub(drawn);
    let can_load_older =
        session.model.chathistory && buffer.kind != BufferKind::Server && !buffer.older.exhausted;
    let loading = buffer.older.loading;
    let mut load_older = false;
    let mut draw_more = false;
    let output = egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            if hidden > 0 {
                draw_more |= ui
                    .small_button(format!("Show earlier lines ({hidden} more)"))
                    .clicked();
            } else if buffer.older.loading {
                ui.label(RichText::new("Loading older messages…").weak().italics());
            } else if can_load_older {
                load_older |= ui.small_button("Load older messages").clicked();
            } else if buffer.older.exhausted {
                ui.label(RichText::new("Start of the conversation").weak().italics());
            }
            for line in &buffer.lines[hidden..] {
                if line.kind == LineKind::HistoryEnd {
                    history_end(ui, &line.text);
                } else if line.highlight {
                    highlighted(ui, |ui| one_line(ui, line, view));
                } else {
                    one_line(ui, line, view);
                }
            }
        });
    // Scrolled to the very top of a conversation taller than the view:
    // first the lines kept here, then what the server has from before.
    let scrollable = output.content_size.y > output.inner_rect.height();
    let at_top = scrollable && output.state.clamped_offset().y <= 0.5;
    if hidden > 0 && (draw_more || at_top) {
        ui.ctx()
            .data_mut(|d| d.insert_temp(drawn_id, drawn + MORE_LINES));
        ui.ctx().request_repaint();
        return;
    }
    if can_load_older && at_top {
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

/// A line that mentions the user: on a highlight background, and
/// announced as such to screen readers (and tests).
fn highlighted(ui: &mut egui::Ui, add_line: impl FnOnce(&mut egui::Ui)) {
    let fill = ui.visuals().selection.bg_fill.gamma_multiply(0.35);
    let frame = egui::Frame::new().fill(fill).show(ui, |ui| {
        ui.set_width(ui.available_width());
        add_line(ui);
    });
    let rect = frame.response.rect;
    let id = ui.scope_id().with(("mention", rect.min.y.to_bits()));
    ui.interact(rect, id, egui::Sense::hover())
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, MENTION_LABEL));
}

/// What a highlighted line is called for accessibility.
pub const MENTION_LABEL: &str = "Mentions you";

/// One line: time, sender, then the text with its formatting and links.
fn one_line(ui: &mut egui::Ui, line: &Line, view: &ViewSettings) {
    let dark = ui.visuals().dark_mode;
    ui.horizontal_wrapped(|ui| {
        // The text carries its own spaces; egui's would double them.
        ui.spacing_mut().item_spacing.x = 0.0;
        ui.label(RichText::new(format!("{} ", line.clock_with(view.show_seconds))).weak());
        if let Some(sender) = &line.sender {
            if let Some(account) = &line.account {
                badge(ui, sender, account);
            }
            let color = nick_color(sender, dark);
            let label = match line.kind {
                LineKind::Action => RichText::new(format!("* {sender} ")).italics(),
                LineKind::Notice => RichText::new(format!("-{sender}- ")),
                _ => RichText::new(format!("<{sender}> ")).strong(),
            };
            ui.label(label.color(color));
        }
        text_with_links(ui, &line.text, line.kind);
    });
}

/// What an account badge is called for accessibility (and tests):
/// "bob is logged in as bob".
pub fn badge_label(nick: &str, account: &str) -> String {
    format!("{nick} is logged in as {account}")
}

/// A ✔ before a sender logged in to an account (account-tag,
/// extended-join): the name is the account's, not just a nick anyone
/// may take.
pub(super) fn badge(ui: &mut egui::Ui, nick: &str, account: &str) {
    let label = badge_label(nick, account);
    let response = ui.label(RichText::new("✔ ").weak());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
    response.on_hover_text(label);
}

/// The line's own style: system lines apart, errors in red.
fn base_format(ui: &egui::Ui, kind: LineKind) -> TextFormat {
    let visuals = ui.visuals();
    let mut format = TextFormat {
        font_id: egui::TextStyle::Body.resolve(ui.style()),
        color: visuals.text_color(),
        ..TextFormat::default()
    };
    match kind {
        LineKind::Error => format.color = visuals.error_fg_color,
        LineKind::Action => format.italics = true,
        k if k.is_system() => {
            format.color = visuals.weak_text_color();
            format.italics = true;
        }
        _ => {}
    }
    format
}

/// The text of a line: formatting drawn, links clickable (even inside
/// formatted text), wrapped so a long word never leaves the view.
fn text_with_links(ui: &mut egui::Ui, text: &str, kind: LineKind) {
    let base = base_format(ui, kind);
    let spans = format::parse(text);
    let plain: String = spans.iter().map(|s| s.text.as_str()).collect();
    let links = links::find(&plain);
    let mut at = 0;
    for link in &links {
        text_run(ui, &spans, at..link.range.start, &base);
        let shown = &plain[link.range.clone()];
        ui.add(egui::Hyperlink::from_label_and_url(shown, &link.url).open_in_new_tab(true));
        at = link.range.end;
    }
    text_run(ui, &spans, at..plain.len(), &base);
}

/// The formatted text between two offsets of the plain text, as one label.
fn text_run(ui: &mut egui::Ui, spans: &[Span], range: Range<usize>, base: &TextFormat) {
    if range.is_empty() {
        return;
    }
    let mut job = LayoutJob::default();
    let mut offset = 0;
    for span in spans {
        let span_range = offset..offset + span.text.len();
        offset = span_range.end;
        let start = range.start.max(span_range.start);
        let end = range.end.min(span_range.end);
        if start < end {
            let piece = &span.text[start - span_range.start..end - span_range.start];
            formatting::append(&mut job, piece, span, base, ui);
        }
    }
    // egui wraps at spaces; a word wider than the whole view has none to
    // wrap at, and egui then draws its start left of the view, cut. Such
    // a run (only such a run) wraps anywhere instead.
    job.wrap.break_anywhere = has_word_wider_than_view(ui, &job.text, base);
    ui.add(egui::Label::new(job).wrap());
}

/// Words shorter than this always fit a view of ciao's minimum width.
const SHORTEST_WORD_TO_MEASURE: usize = 16;

/// True when some word of `text` is wider than the view's full width.
fn has_word_wider_than_view(ui: &egui::Ui, text: &str, base: &TextFormat) -> bool {
    let width = ui.max_rect().width();
    text.split_whitespace()
        .filter(|word| word.chars().count() >= SHORTEST_WORD_TO_MEASURE)
        .any(|word| {
            let galley =
                ui.painter()
                    .layout_no_wrap(word.to_owned(), base.font_id.clone(), base.color);
            galley.size().x > width
        })
}
