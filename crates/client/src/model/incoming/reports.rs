//! What the server reports about itself or about what we asked: ERROR,
//! and the IRCv3 standard replies FAIL, WARN and NOTE.

use super::Incoming;
use crate::model::*;

impl Model {
    // ERROR :<reason> — the server is closing the link; shown in the
    // server buffer.
    pub(super) fn on_error(&mut self, incoming: Incoming<'_>) {
        let Incoming { message, time, .. } = incoming;
        let text = message.param(0).unwrap_or("The server reported an error.");
        let line = self.line(time, None, text.to_owned(), LineKind::Error);
        self.push(0, line);
    }

    // FAIL|WARN|NOTE <command> <code> [<context>…] :<description> —
    // shown where the user looks (a refused multiline batch says why
    // here).
    pub(super) fn on_standard_reply(&mut self, incoming: Incoming<'_>) {
        let Incoming { message, time, .. } = incoming;
        let description = message
            .params
            .last()
            .filter(|_| message.params.len() >= 3)
            .map_or("The server refused the request.", String::as_str);
        let kind = if message.command == "FAIL" {
            LineKind::Error
        } else {
            LineKind::Info
        };
        let line = self.line(time, None, description.to_owned(), kind);
        let active = self.active;
        self.push(active, line);
    }
}
