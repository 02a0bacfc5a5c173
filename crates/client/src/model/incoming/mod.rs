//! Server lines applied to the model. [`Model::apply_message`] takes a
//! line (or leaves it to a multiline batch, the ignore list, or replayed
//! history), and one `match` sends it to the handler for its verb:
//! membership (`membership.rs`), messages (`text.rs`), channel state
//! (`channel.rs`), the server's reports (`reports.rs`); numeric replies
//! are in `replies.rs`, `LIST` in `channel_list.rs`, batches in
//! `playback.rs`.
//!
//! Every parameter is read with `Message::param` (missing ones read as
//! absent, never as a panic), names the server sends are checked before a
//! buffer is opened for them, and each update touches the members it
//! names in O(log n).

mod account;
mod channel;
mod membership;
mod reports;
mod text;

pub use account::Registration;
use ciao_proto::{Message, irc_eq};

use super::*;
use crate::numeric::is_numeric;

/// One server line and what every handler reads of it, worked out once.
#[derive(Debug, Clone, Copy)]
struct Incoming<'a> {
    message: &'a Message,
    /// Milliseconds since the epoch: the `time` tag, else now.
    time: i64,
    /// The sender's nick; empty for a server or no source.
    nick: &'a str,
    /// True when the sender is us (our own JOIN, an echoed message).
    is_me: bool,
}

impl Model {
    /// Applies one server line.
    pub fn apply_message(&mut self, message: &Message) {
        self.learn(message);
        if self.claim_multiline(message) || self.ignores(message) {
            return;
        }
        self.playback.collecting = self.playback.claims(message);
        self.apply_one(message);
        self.playback.collecting = None;
    }

    fn apply_one(&mut self, message: &Message) {
        if self.apply_channel_list(message) {
            return;
        }
        let time = server_time(message).unwrap_or_else(now_millis);
        let nick = nick_of(message.source.as_deref());
        let is_me = !nick.is_empty() && irc_eq(&nick, &self.own_nick);
        let incoming = Incoming {
            message,
            time,
            nick: &nick,
            is_me,
        };
        match message.command.as_str() {
            "JOIN" => self.on_join(incoming),
            "PART" => self.on_part(incoming),
            "QUIT" => self.on_quit(incoming),
            "NICK" => self.on_nick(incoming),
            "KICK" => self.on_kick(incoming),
            "AWAY" => self.on_away(incoming),
            "PRIVMSG" | "NOTICE" => self.on_text(incoming),
            "REDACT" => self.on_redact(incoming),
            "TOPIC" => self.on_topic(incoming),
            "MODE" => self.on_mode(incoming),
            "ERROR" => self.on_error(incoming),
            "FAIL" | "WARN" | "NOTE" => {
                self.note_failed_registration(incoming);
                self.on_standard_reply(incoming);
            }
            "REGISTER" => self.on_register(incoming),
            "ACCOUNT" => self.on_account(incoming),
            command if account::is_sasl_numeric(command) => self.on_sasl_numeric(incoming),
            "BATCH" => self.apply_batch(message),
            command if is_numeric(command) => self.apply_numeric(message, time),
            _ => {}
        }
    }
}
