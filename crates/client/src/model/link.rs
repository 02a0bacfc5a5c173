//! The link's life as the model sees it: connected, registered, refused,
//! failed, capabilities, closed.

use super::*;
use crate::connection::{Update, taken_nick_note};

impl Model {
    /// Applies one update from the connection.
    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Connected => {
                // What this connection will agree on is asked afresh.
                self.link = LinkState::Connected;
                self.echo_message = false;
                self.chathistory = false;
                self.auto_who = AutoWho::default();
                self.secured = None;
                self.account = None;
            }
            Update::Secured(secured) => self.secured = Some(*secured),
            Update::Untrusted(untrusted) => {
                self.secured = None;
                self.link_down(&untrusted.sentence("the server"));
            }
            Update::ConnectFailed(reason) | Update::Refused(reason) => {
                self.link_down(reason);
            }
            Update::Registered { nick } => {
                if !irc_eq(nick, &self.own_nick) {
                    // The first buffer shown after connecting is where the
                    // user looks; the Server tab alone would hide it.
                    let note = taken_nick_note(&self.own_nick, nick);
                    self.note(&note, LineKind::Nick);
                }
                self.own_nick = nick.clone();
                self.link = LinkState::Registered;
            }
            Update::CapsOffered(caps) => self.multiline.offered(caps),
            Update::CapsAcked(caps) => {
                self.multiline.acked(caps);
                if caps.iter().any(|c| c == "away-notify") {
                    self.auto_who.away_notify = true;
                }
                if caps.iter().any(|c| c == "echo-message") {
                    self.echo_message = true;
                }
                if caps.iter().any(|c| c == "draft/chathistory") {
                    self.chathistory = true;
                }
            }
            Update::Message(message) => self.apply_message(message),
            Update::Disconnected(reason) => self.link_down(reason),
        }
    }

    /// The link is down. A link that was up says so once in each
    /// conversation; a failed retry (already down) only changes the state,
    /// which the status bar shows, so retries add no lines anywhere.
    fn link_down(&mut self, reason: &str) {
        let was_up = self.link == LinkState::Registered;
        let first_attempt = !was_up && self.buffers.iter().all(|b| b.lines.is_empty());
        self.link = LinkState::Disconnected(reason.to_owned());
        if first_attempt {
            // Never got anywhere: the one line goes where the user looks.
            self.note(reason, LineKind::Error);
            return;
        }
        if !was_up {
            return;
        }
        let time = now_millis();
        for index in 0..self.buffers.len() {
            let line = self.line(time, None, reason.to_owned(), LineKind::Error);
            self.append_to(index, line);
            self.buffers[index].members.clear();
            if self.buffers[index].kind == BufferKind::Channel {
                self.buffers[index].joined = false;
            }
        }
    }
}
