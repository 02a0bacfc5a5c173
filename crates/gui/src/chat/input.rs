//! The input: the own nick, a box that grows to a few rows (Enter sends,
//! Shift+Enter starts a new line, a pasted text keeps its lines), Up and
//! Down recall on the first and last row, Tab completes.

use ciao_client::complete::{Candidates, Completer};
use eframe::egui::{self, Key, RichText};
use egui::text::{CCursor, CCursorRange};

use super::nick_color;
use crate::session::Session;

/// Rows the input grows to before it scrolls.
const MAX_ROWS: usize = 6;

/// What the accessibility tree (and the tests) call the input.
pub const INPUT_LABEL: &str = "Message";

/// The input and its history.
#[derive(Debug, Default)]
pub struct ChatInput {
    pub text: String,
    /// Lines sent, oldest first, for Up/Down recall.
    pub history: Vec<String>,
    /// Position while recalling; `None` when editing a new line.
    recall: Option<usize>,
    /// What was being typed when recall began, given back by Down past
    /// the newest line: Up must never lose a draft.
    draft: String,
    /// Tab completion, cycling while Tab is pressed again.
    completer: Completer,
}

impl ChatInput {
    fn recall(&mut self, older: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        if self.recall.is_none() {
            if !older {
                return;
            }
            self.draft = std::mem::take(&mut self.text);
        }
        self.recall = match (self.recall, older) {
            (None, _) => Some(last),
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => None,
        };
        self.text = match self.recall {
            Some(i) => self.history[i].clone(),
            None => std::mem::take(&mut self.draft),
        };
    }

    pub fn take(&mut self) -> String {
        self.recall = None;
        self.draft.clear();
        self.completer.reset();
        let text = std::mem::take(&mut self.text);
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        text
    }
}

/// What the user did in the input bar this frame.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InputOutcome {
    /// The text is to be sent.
    pub send: bool,
    /// The "Channels" button: list the server's channels.
    pub browse_channels: bool,
}

/// The keys the input handles itself, taken before egui's text box and
/// focus handling see them.
#[derive(Debug, Default)]
struct Keys {
    enter: bool,
    /// Tab, and whether Shift was held.
    tab: Option<bool>,
    up: bool,
    down: bool,
}

fn take_keys(ui: &egui::Ui, id: egui::Id, text: &str, cursor: Option<usize>) -> Keys {
    let mut keys = Keys::default();
    if !ui.memory(|m| m.has_focus(id)) {
        return keys;
    }
    // Up and Down move within the text, except on its first and last row.
    let cursor = cursor.unwrap_or(text.chars().count());
    let byte = byte_offset(text, cursor);
    let first_row = !text[..byte].contains('\n');
    let last_row = !text[byte..].contains('\n');
    ui.input_mut(|input| {
        input.events.retain(|event| {
            let egui::Event::Key {
                key,
                pressed: true,
                modifiers,
                ..
            } = event
            else {
                return true;
            };
            match key {
                Key::Enter if !modifiers.shift => keys.enter = true,
                Key::Tab => keys.tab = Some(modifiers.shift),
                Key::ArrowUp if first_row && modifiers.is_none() => keys.up = true,
                Key::ArrowDown if last_row && modifiers.is_none() => keys.down = true,
                _ => return true,
            }
            false
        });
    });
    keys
}

fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(at, _)| at)
}

/// Puts the cursor of text box `id` at `chars` characters.
fn set_cursor(ctx: &egui::Context, id: egui::Id, chars: usize) {
    let mut state = egui::TextEdit::load_state(ctx, id).unwrap_or_default();
    state
        .cursor
        .set_char_range(Some(CCursorRange::one(CCursor::new(chars))));
    egui::TextEdit::store_state(ctx, id, state);
}

/// Draws the input bar.
pub fn show(input: &mut ChatInput, session: &Session, ui: &mut egui::Ui) -> InputOutcome {
    egui::Panel::bottom("input")
        .show(ui, |ui| {
            let mut outcome = InputOutcome::default();
            // A blinking cursor repaints the window twice a second forever:
            // an idle chat must cost nothing.
            ui.visuals_mut().text_cursor.blink = false;
            ui.add_space(4.0);
            // Top-aligned: a scroll area in a row centred (or bottom-aligned)
            // across is placed by the whole panel's height, not its own.
            let row = egui::Layout::left_to_right(egui::Align::Min);
            ui.with_layout(row, |ui| {
                let nick = &session.model.own_nick;
                let dark = ui.visuals().dark_mode;
                ui.label(RichText::new(nick).strong().color(nick_color(nick, dark)))
                    .on_hover_text("your nickname — /nick to change");

                let id = egui::Id::unique("chat-input");
                let cursor = egui::TextEdit::load_state(ui.ctx(), id)
                    .and_then(|s| s.cursor.char_range())
                    .map(|r| r.primary.index.0);
                let keys = take_keys(ui, id, &input.text, cursor);
                if let Some(back) = keys.tab {
                    let at = byte_offset(&input.text, cursor.unwrap_or(usize::MAX));
                    let candidates = Candidates::for_model(&session.model);
                    if let Some(done) = input.completer.complete(&input.text, at, back, &candidates)
                    {
                        let chars = done.text[..done.cursor].chars().count();
                        input.text = done.text;
                        set_cursor(ui.ctx(), id, chars);
                    }
                } else if keys.up || keys.down {
                    input.recall(keys.up);
                    set_cursor(ui.ctx(), id, input.text.chars().count());
                }
                outcome.send = keys.enter;

                let row_height = ui.text_style_height(&egui::TextStyle::Body);
                let width = (ui.available_width() - 150.0).max(100.0);
                // Grows with the text's lines up to MAX_ROWS, then scrolls.
                let rows = (input.text.matches('\n').count() + 1).min(MAX_ROWS);
                let margin = 2.0 * ui.spacing().button_padding.y + 4.0;
                let height = rows as f32 * row_height + margin;
                let response = ui
                    .allocate_ui(egui::vec2(width, height), |ui| {
                        egui::ScrollArea::vertical()
                            .auto_shrink([false, true])
                            .max_height(height)
                            .show(ui, |ui| {
                                let edit = egui::TextEdit::multiline(&mut input.text)
                                    .id(id)
                                    .desired_rows(1)
                                    .desired_width(f32::INFINITY)
                                    .return_key(egui::KeyboardShortcut::new(
                                        egui::Modifiers::SHIFT,
                                        Key::Enter,
                                    ))
                                    // Tab is taken above; this keeps egui from
                                    // moving focus to the next widget.
                                    .lock_focus(true)
                                    .hint_text("Type a message, or /help");
                                ui.add(edit)
                            })
                            .inner
                    })
                    .inner;
                ui.ctx().accesskit_node_builder(response.id, |node| {
                    node.set_label(INPUT_LABEL);
                });
                outcome.send |= ui.button("Send").clicked();
                outcome.browse_channels = ui
                    .button("Channels")
                    .on_hover_text("Browse the server's channels")
                    .clicked();
                // Focus stays in the input: after sending, and from the start.
                if outcome.send || !ui.ctx().memory(|m| m.focused().is_some()) {
                    response.request_focus();
                }
            });
            ui.add_space(4.0);
            outcome
        })
        .inner
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
    fn recall_gives_back_the_draft() {
        let mut input = ChatInput {
            text: "sent".into(),
            ..ChatInput::default()
        };
        input.take();
        input.text = "half a thought".into();
        input.recall(true);
        assert_eq!(input.text, "sent");
        input.recall(false);
        assert_eq!(input.text, "half a thought");
        // Down with nothing recalled keeps what is typed.
        input.recall(false);
        assert_eq!(input.text, "half a thought");
    }
}
