//! What the user does, turned into messages for the server.

use ciao_proto::Message;

use super::*;
use crate::input::{Action, HELP};

impl Model {
    /// Turns a user action into what to send, adding our own lines when
    /// the server will not echo them. Errors are shown in the buffer.
    pub fn prepare(&mut self, action: Action) -> Outgoing {
        let active = self.active_buffer().clone();
        let mut out = Outgoing::default();
        let in_conversation = active.kind != BufferKind::Server;
        match action {
            Action::Say(text) | Action::Act(text) if !in_conversation => {
                let _ = text;
                self.note(
                    "This is the server buffer: join a channel (/join #name) or pick one on the left.",
                    LineKind::Error,
                );
            }
            Action::Say(text) => out.messages.push(self.own_text(&active.name, &text, false)),
            Action::Act(text) => out.messages.push(self.own_text(&active.name, &text, true)),
            Action::Msg { target, text } => {
                let index = self.ensure_buffer(
                    &target,
                    if target.starts_with('#') {
                        BufferKind::Channel
                    } else {
                        BufferKind::Query
                    },
                );
                self.set_active(index);
                out.messages.push(self.own_text(&target, &text, false));
            }
            Action::Join { channel, key } => {
                match self.buffer_index(&channel) {
                    Some(index) if self.buffers[index].joined => self.set_active(index),
                    _ => self.focus_on_join = Some(channel.clone()),
                }
                let mut params = vec![channel];
                params.extend(key);
                out.messages.push(Message::new("JOIN", params));
            }
            Action::Part { channel, reason } => {
                let channel = channel
                    .or_else(|| (active.kind == BufferKind::Channel).then(|| active.name.clone()));
                match channel {
                    Some(channel) => {
                        let mut params = vec![channel];
                        params.extend(reason);
                        out.messages.push(Message::new("PART", params));
                    }
                    None => self.note("Usage: /part #channel [reason]", LineKind::Error),
                }
            }
            Action::Nick(nick) => out.messages.push(Message::new("NICK", [nick])),
            Action::Topic(topic) => {
                if active.kind == BufferKind::Channel {
                    let mut params = vec![active.name.clone()];
                    params.extend(topic);
                    out.messages.push(Message::new("TOPIC", params));
                } else {
                    self.note("/topic works in a channel.", LineKind::Error);
                }
            }
            Action::Quit(reason) => {
                out.messages.push(Message::new("QUIT", reason.clone()));
                out.quit = Some(reason);
            }
            Action::Help => self.note(HELP, LineKind::Info),
            Action::LoadOlder => self.request_older(&mut out),
        }
        out
    }

    /// Our own PRIVMSG (or ACTION) to `target`; shown at once unless the
    /// server will echo it.
    fn own_text(&mut self, target: &str, text: &str, action: bool) -> Message {
        let body = if action {
            format!("\u{1}ACTION {text}\u{1}")
        } else {
            text.to_owned()
        };
        if !self.echo_message {
            let index = self.ensure_buffer(
                target,
                if target.starts_with('#') {
                    BufferKind::Channel
                } else {
                    BufferKind::Query
                },
            );
            let kind = if action {
                LineKind::Action
            } else {
                LineKind::Message
            };
            let own = self.own_nick.clone();
            let line = self.line(now_millis(), Some(&own), text.to_owned(), kind);
            self.push(index, line);
        }
        Message::new("PRIVMSG", [target.to_owned(), body])
    }
}
