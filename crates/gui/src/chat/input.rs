//! The input line: Enter or Send submits, Up and Down recall.

use eframe::egui;

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

    pub fn take(&mut self) -> String {
        self.recall = None;
        let text = std::mem::take(&mut self.text);
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        text
    }
}

/// Draws the input; true when the user sent its line.
pub fn show(input: &mut ChatInput, ui: &mut egui::Ui) -> bool {
    egui::Panel::bottom("input")
        .show(ui, |ui| {
            let mut send = false;
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let label = ui.label("Message");
                let width = ui.available_width() - 70.0;
                let edit = egui::TextEdit::singleline(&mut input.text)
                    .desired_width(width.max(100.0))
                    .hint_text("Type a message, or /help");
                let response = ui.add(edit).labelled_by(label.id);
                if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    send = true;
                }
                if response.has_focus() {
                    if ui.input(|i| i.key_pressed(egui::Key::ArrowUp)) {
                        input.recall(true);
                    } else if ui.input(|i| i.key_pressed(egui::Key::ArrowDown)) {
                        input.recall(false);
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
            send
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
}
