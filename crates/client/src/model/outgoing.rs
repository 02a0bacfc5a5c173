//! What the user does, turned into messages for the server.

use ciao_proto::{Message, irc_eq};

use super::say::TextKind;
use super::*;
use crate::input::{Action, help_text};
use crate::split::cut;

/// A note in the server buffer for what needs a conversation.
const NOT_IN_CONVERSATION: &str =
    "This is the server buffer: join a channel (/join #name) or pick one on the left.";

impl Model {
    /// Turns a user action into what to send, adding our own lines when
    /// the server will not echo them. Errors are shown in the buffer.
    pub fn prepare(&mut self, action: Action) -> Outgoing {
        let active = self.active_buffer().clone();
        let active_index = self.active;
        let mut out = Outgoing::default();
        let in_conversation = active.kind != BufferKind::Server;
        // The active channel, for the commands that act on one.
        let channel = (active.kind == BufferKind::Channel).then(|| active.name.clone());
        match action {
            Action::Say(_) | Action::Act(_) if !in_conversation => {
                self.note(NOT_IN_CONVERSATION, LineKind::Error);
            }
            Action::Say(text) => {
                self.send_text(&mut out, &active.name, TextKind::Message, &text, active_index);
            }
            Action::Act(text) => {
                self.send_text(&mut out, &active.name, TextKind::Action, &text, active_index);
            }
            Action::Msg { target, text } => {
                let index = self.ensure_buffer(&target, self.kind_of(&target));
                self.set_active(index);
                self.send_text(&mut out, &target, TextKind::Message, &text, index);
            }
            Action::Query { nick, text } => {
                let index = self.open_query(&nick);
                if let Some(text) = text {
                    self.send_text(&mut out, &nick, TextKind::Message, &text, index);
                }
            }
            Action::Notice { target, text } => {
                // Shown where the conversation is, if open; else here.
                let index = self.buffer_index(&target).unwrap_or(active_index);
                self.send_text(&mut out, &target, TextKind::Notice, &text, index);
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
            Action::Part { channel: target, reason } => match target.or(channel) {
                Some(channel) => {
                    let mut params = vec![channel];
                    params.extend(reason);
                    out.messages.push(Message::new("PART", params));
                }
                None => self.note("Usage: /part #channel [reason]", LineKind::Error),
            },
            Action::Nick(nick) => match self.isupport.nick_len {
                Some(max) if nick.chars().count() > max => self.note(
                    &format!(
                        "“{nick}” cannot be a nickname: this server allows at most {max} characters."
                    ),
                    LineKind::Error,
                ),
                _ => out.messages.push(Message::new("NICK", [nick])),
            },
            Action::Topic(topic) => match channel {
                Some(channel) => {
                    let mut params = vec![channel.clone()];
                    params.extend(topic.map(|topic| self.fit_topic(&channel, topic)));
                    out.messages.push(Message::new("TOPIC", params));
                }
                None => self.note("/topic works in a channel.", LineKind::Error),
            },
            Action::Whois(nick) => out.messages.push(Message::new("WHOIS", [nick])),
            Action::Away(text) => {
                let limit = self.isupport.away_len;
                let text = text.map(|text| self.fit_text("away message", text, limit));
                out.messages.push(Message::new("AWAY", text));
            }
            Action::List(filter) => out.messages.push(Message::new("LIST", filter)),
            Action::Names(target) => match target.or(channel) {
                Some(channel) => out.messages.push(Message::new("NAMES", [channel])),
                None => self.note("Usage: /names #channel", LineKind::Error),
            },
            Action::Invite { nick, channel: to } => match to.or(channel) {
                Some(channel) => out.messages.push(Message::new("INVITE", [nick, channel])),
                None => self.note("Usage: /invite nick #channel", LineKind::Error),
            },
            Action::Kick { nick, reason } => match channel {
                Some(channel) => {
                    let limit = self.isupport.kick_len;
                    let reason = reason.map(|reason| self.fit_text("kick reason", reason, limit));
                    let mut params = vec![channel, nick];
                    params.extend(reason);
                    out.messages.push(Message::new("KICK", params));
                }
                None => self.note("/kick works in a channel.", LineKind::Error),
            },
            Action::Ban { mask, add } => match channel {
                Some(channel) => {
                    let sign = if add { "+b" } else { "-b" };
                    out.messages
                        .push(Message::new("MODE", [channel.as_str(), sign, mask.as_str()]));
                }
                None => self.note("/ban and /unban work in a channel.", LineKind::Error),
            },
            Action::Mode { target, modes } => match target.or(channel) {
                Some(target) => {
                    let mut params = vec![target];
                    params.extend(modes);
                    out.messages.push(Message::new("MODE", params));
                }
                None => self.note("Usage: /mode #channel modes [args]", LineKind::Error),
            },
            Action::MemberMode { add, mode, nicks } => match channel {
                Some(channel) => self.member_modes(&mut out, &channel, add, mode, &nicks),
                None => self.note(
                    "/op, /deop, /voice and /devoice work in a channel.",
                    LineKind::Error,
                ),
            },
            Action::Close => self.close_active(&mut out),
            Action::Ignore(mask) => self.ignore_command(mask),
            Action::Unignore(mask) => self.unignore_command(&mask),
            Action::Quote(message) => out.messages.push(message),
            Action::Quit(reason) => {
                out.messages.push(Message::new("QUIT", reason.clone()));
                out.quit = Some(reason);
            }
            Action::Help => self.note(&help_text(), LineKind::Info),
            Action::LoadOlder => self.request_older(&mut out),
        }
        out
    }

    /// A channel buffer for a channel name, a query for a nick.
    fn kind_of(&self, target: &str) -> BufferKind {
        if self.isupport.is_channel(target) {
            BufferKind::Channel
        } else {
            BufferKind::Query
        }
    }

    /// The topic cut to what the server keeps (TOPICLEN) and what fits
    /// its relayed line, telling the user when it was cut.
    fn fit_topic(&mut self, channel: &str, topic: String) -> String {
        let limit = self
            .isupport
            .topic_len
            .min(self.text_budget("TOPIC", channel, 0));
        self.fit_text("topic", topic, limit)
    }

    /// `text` (a topic, a kick reason, an away message) cut to `limit`
    /// bytes at a character boundary, the user told when it was: the
    /// server would cut it anyway, silently.
    fn fit_text(&mut self, what: &str, text: String, limit: usize) -> String {
        let fitted = cut(&text, limit);
        if fitted.len() == text.len() {
            return text;
        }
        let (kept, typed) = (fitted.chars().count(), text.chars().count());
        self.note(
            &format!(
                "The {what} was cut to {kept} of its {typed} characters: this server keeps at most {limit} bytes."
            ),
            LineKind::Info,
        );
        fitted.to_owned()
    }

    /// `+ooo a b c`: as many nicks in one MODE as the server allows.
    fn member_modes(
        &self,
        out: &mut Outgoing,
        channel: &str,
        add: bool,
        mode: char,
        nicks: &[String],
    ) {
        let sign = if add { '+' } else { '-' };
        for group in nicks.chunks(self.isupport.modes.max(1)) {
            let modes: String = std::iter::once(sign)
                .chain(std::iter::repeat_n(mode, group.len()))
                .collect();
            let mut params = vec![channel.to_owned(), modes];
            params.extend(group.iter().cloned());
            out.messages.push(Message::new("MODE", params));
        }
    }

    /// `/close`: the active buffer goes, a joined channel is parted first;
    /// the server buffer stays.
    fn close_active(&mut self, out: &mut Outgoing) {
        let index = self.active;
        let Some(buffer) = self.buffers.get(index) else {
            return;
        };
        if buffer.kind == BufferKind::Server {
            self.note(
                "The server buffer cannot be closed; /quit disconnects.",
                LineKind::Error,
            );
            return;
        }
        if buffer.kind == BufferKind::Channel && buffer.joined {
            out.messages
                .push(Message::new("PART", [buffer.name.clone()]));
        }
        if self
            .focus_on_join
            .as_deref()
            .is_some_and(|c| irc_eq(c, &buffer.name))
        {
            self.focus_on_join = None;
        }
        self.buffers.remove(index);
        self.set_active(index - 1);
    }
}
