//! Server lines applied to the model: membership, messages, topics,
//! modes, away. Numeric replies are in `replies.rs`.
//!
//! Every parameter is read with `Message::param` (missing ones read as
//! absent, never as a panic), names the server sends are checked before a
//! buffer is opened for them, and each update touches the members it
//! names in O(log n).

use ciao_proto::{Message, irc_eq};

use super::*;
use crate::numeric::is_numeric;

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
        let time = server_time(message).unwrap_or_else(now_millis);
        let nick = nick_of(message.source.as_deref());
        let is_me = !nick.is_empty() && irc_eq(&nick, &self.own_nick);
        if self.apply_channel_list(message) {
            return;
        }
        match message.command.as_str() {
            "JOIN" => self.apply_join(message, time, &nick, is_me),
            "PART" => self.apply_part(message, time, &nick, is_me),
            "QUIT" => self.apply_quit(message, time, &nick),
            "NICK" => self.apply_nick(message, time, &nick, is_me),
            "PRIVMSG" | "NOTICE" => self.apply_text(message, time, &nick, is_me),
            "TOPIC" => {
                let Some(index) = self.channel_index(message.param(0)) else {
                    return;
                };
                let topic = message.param(1).unwrap_or("");
                self.buffers[index].topic = (!topic.is_empty()).then(|| topic.to_owned());
                let text = format!("{nick} set the topic: {topic}");
                let line = self.line(time, None, text, LineKind::Topic);
                self.push(index, line);
            }
            "KICK" => self.apply_kick(message, time, &nick),
            "MODE" => self.apply_mode(message, time, &nick),
            "AWAY" => self.apply_away(&nick, is_me, message.param(0)),
            "BATCH" => self.apply_batch(message),
            "REDACT" => self.apply_redact(message, &nick, is_me),
            "ERROR" => {
                let text = message.param(0).unwrap_or("The server reported an error.");
                let line = self.line(time, None, text.to_owned(), LineKind::Error);
                self.push(0, line);
            }
            // IRCv3 standard replies: `FAIL|WARN|NOTE <command> <code>
            // [<context>…] :<description>`, shown where the user looks (a
            // refused multiline batch says why here).
            "FAIL" | "WARN" | "NOTE" => {
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
            command if is_numeric(command) => self.apply_numeric(message, time),
            _ => {}
        }
    }

    /// The open channel buffer named `name`, if any.
    pub(crate) fn channel_index(&self, name: Option<&str>) -> Option<usize> {
        let index = self.buffer_index(name?)?;
        (self.buffers[index].kind == BufferKind::Channel).then_some(index)
    }

    // JOIN <channel> [<account> :<realname>]
    fn apply_join(&mut self, message: &Message, time: i64, nick: &str, is_me: bool) {
        let Some(channel) = message.param(0).filter(|c| self.isupport.is_channel(c)) else {
            return;
        };
        let index = if is_me {
            let Some(index) = self.conversation(channel, BufferKind::Channel) else {
                return;
            };
            if self.buffers[index].kind == BufferKind::Channel {
                // What we knew of the channel may be stale (we were away,
                // the server restarted): it is rebuilt from what the
                // server says now (NAMES, TOPIC).
                let buffer = &mut self.buffers[index];
                buffer.joined = true;
                buffer.members.clear();
                buffer.pending_names = None;
                buffer.topic = None;
                self.who_after_join(channel);
                // The first channel opens in front of the server buffer,
                // and a channel the user just asked for comes to front.
                let asked = self
                    .focus_on_join
                    .as_deref()
                    .is_some_and(|c| irc_eq(c, channel));
                if self.active == 0 || asked {
                    self.focus_on_join = None;
                    self.set_active(index);
                }
            }
            index
        } else {
            // Someone joining a channel we are not in is none of ours.
            let Some(index) = self.channel_index(Some(channel)) else {
                return;
            };
            let buffer = &mut self.buffers[index];
            if buffer.member(nick).is_none() && !nick.is_empty() {
                buffer.add_member(Member::new(nick), time);
            }
            index
        };
        let text = format!("{nick} joined {channel}");
        let line = self.line(time, None, text, LineKind::Join);
        self.push(index, line);
    }

    // PART <channel> [:<reason>]
    fn apply_part(&mut self, message: &Message, time: i64, nick: &str, is_me: bool) {
        let Some(index) = self.channel_index(message.param(0)) else {
            return;
        };
        let reason = message
            .param(1)
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let buffer = &mut self.buffers[index];
        if is_me {
            buffer.joined = false;
            buffer.members.clear();
        } else {
            buffer.members.remove(nick);
        }
        let text = format!("{nick} left {}{reason}", buffer.name);
        let line = self.line(time, None, text, LineKind::Part);
        self.push(index, line);
    }

    // QUIT [:<reason>] — shown in every channel the nick was in and in the
    // conversation with them: one lookup per buffer.
    fn apply_quit(&mut self, message: &Message, time: i64, nick: &str) {
        if nick.is_empty() {
            return;
        }
        let reason = message
            .param(0)
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let text = format!("{nick} quit{reason}");
        for index in 0..self.buffers.len() {
            let buffer = &mut self.buffers[index];
            let here = buffer.members.remove(nick).is_some()
                || (buffer.kind == BufferKind::Query && irc_eq(&buffer.name, nick));
            if here {
                let line = self.line(time, None, text.clone(), LineKind::Quit);
                self.push(index, line);
            }
        }
    }

    // NICK <new>
    fn apply_nick(&mut self, message: &Message, time: i64, nick: &str, is_me: bool) {
        let Some(new) = message
            .param(0)
            .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))
        else {
            return;
        };
        if nick.is_empty() {
            return;
        }
        if is_me {
            self.own_nick = new.to_owned();
        }
        let text = format!("{nick} is now known as {new}");
        for index in 0..self.buffers.len() {
            let buffer = &mut self.buffers[index];
            let mut here = is_me && buffer.kind == BufferKind::Channel && buffer.joined;
            here |= buffer.members.update(nick, |m| m.nick = new.to_owned());
            if buffer.kind == BufferKind::Query && irc_eq(&buffer.name, nick) {
                // Unless a conversation with the new nick is open already.
                self.rename_buffer(index, new);
                here = true;
            }
            if here {
                let line = self.line(time, None, text.clone(), LineKind::Nick);
                self.push(index, line);
            }
        }
    }

    // KICK <channel> <nick> [:<reason>]
    fn apply_kick(&mut self, message: &Message, time: i64, nick: &str) {
        let (Some(index), Some(victim)) = (self.channel_index(message.param(0)), message.param(1))
        else {
            return;
        };
        let buffer = &mut self.buffers[index];
        if irc_eq(victim, &self.own_nick) {
            buffer.joined = false;
            buffer.members.clear();
        } else {
            buffer.members.remove(victim);
        }
        let reason = message
            .param(2)
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let text = format!("{victim} was kicked by {nick}{reason}");
        let line = self.line(time, None, text, LineKind::Kick);
        self.push(index, line);
    }

    // AWAY [:<message>] (away-notify): the member is away with that
    // message, or back without one.
    fn apply_away(&mut self, nick: &str, is_me: bool, away: Option<&str>) {
        if is_me {
            self.away = away.is_some();
        }
        self.set_away(nick, away);
    }

    /// Marks `nick` away (with its message) or back in every channel.
    pub(crate) fn set_away(&mut self, nick: &str, away: Option<&str>) {
        if nick.is_empty() {
            return;
        }
        for buffer in &mut self.buffers {
            buffer
                .members
                .update(nick, |m| m.away = away.map(str::to_owned));
        }
    }

    /// A message taken back (draft/message-redaction): its line says so
    /// instead of what it said.
    fn apply_redact(&mut self, message: &Message, nick: &str, is_me: bool) {
        let (Some(target), Some(msgid)) = (message.param(0), message.param(1)) else {
            return;
        };
        let buffer_name = if self.isupport.is_channel(target) || is_me {
            target
        } else {
            nick
        };
        let Some(index) = self.buffer_index(buffer_name) else {
            return;
        };
        let reason = message
            .param(2)
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let text = format!("(message deleted by {nick}{reason})");
        self.edit_lines(index, |buffer| buffer.rewrite(msgid, &text, LineKind::Info));
    }

    // PRIVMSG/NOTICE <target> :<text>
    fn apply_text(&mut self, message: &Message, time: i64, nick: &str, is_me: bool) {
        let target = message.param(0).unwrap_or("");
        let text = message.param(1).unwrap_or("");
        let notice = message.command == "NOTICE";
        // Server notices (no nick source, or before registration).
        if message.source.as_deref().is_none_or(|s| !s.contains('!'))
            && !self.isupport.is_channel(target)
        {
            let sender = (!nick.is_empty()).then_some(nick);
            let line = self.line(time, sender, text.to_owned(), LineKind::Notice);
            self.push(0, line);
            return;
        }
        // A channel message goes to the channel; a private one to the
        // conversation with the other party (us echoed: the target).
        let (buffer_name, kind) = match (self.isupport.is_channel(target), is_me) {
            (true, _) => (target, BufferKind::Channel),
            (false, true) => (target, BufferKind::Query),
            (false, false) => (nick, BufferKind::Query),
        };
        let Some(index) = self.conversation(buffer_name, kind) else {
            return;
        };
        let (kind, text) = match text.strip_prefix('\u{1}') {
            Some(ctcp) => {
                let ctcp = ctcp.strip_suffix('\u{1}').unwrap_or(ctcp);
                match ctcp.strip_prefix("ACTION ") {
                    Some(action) => (LineKind::Action, action.to_owned()),
                    None => return, // other CTCP: not shown
                }
            }
            None if notice => (LineKind::Notice, text.to_owned()),
            None => (LineKind::Message, text.to_owned()),
        };
        let mut line = self.line(time, Some(nick), text, kind);
        line.msgid = message.tag("msgid").flatten().map(str::to_owned);
        self.push(index, line);
    }

    // MODE <target> <modes> [<args>…]
    fn apply_mode(&mut self, message: &Message, time: i64, nick: &str) {
        let target = message.param(0).unwrap_or("");
        let changes = message.params.get(1..).unwrap_or_default().join(" ");
        let Some(index) = self.channel_index(Some(target)) else {
            // Our own user modes go to the server buffer.
            if !target.is_empty() && irc_eq(target, &self.own_nick) {
                let text = format!("{nick} sets mode {changes} on you");
                let line = self.line(time, None, text, LineKind::Mode);
                self.push(0, line);
            }
            return;
        };
        let modes = message.param(1).unwrap_or("");
        let mut args = message.params.iter().skip(2);
        let mut adding = true;
        for c in modes.chars() {
            if matches!(c, '+' | '-') {
                adding = c == '+';
                continue;
            }
            if !self.isupport.mode_takes_argument(c, adding) {
                continue;
            }
            let Some(argument) = args.next() else {
                continue;
            };
            if let Some(symbol) = self.isupport.status_symbol(c) {
                self.buffers[index]
                    .members
                    .update(argument, |m| m.set_status(symbol, adding));
            }
        }
        let text = format!("{nick} sets mode {changes}");
        let line = self.line(time, None, text, LineKind::Mode);
        self.push(index, line);
    }
}
