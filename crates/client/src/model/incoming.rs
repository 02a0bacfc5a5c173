//! Server lines applied to the model: membership, messages, topics,
//! modes, numerics.

use ciao_proto::{Message, irc_eq};

use super::*;

impl Model {
    /// Applies one server line.
    pub fn apply_message(&mut self, message: &Message) {
        self.playback.collecting = self.playback.claims(message);
        self.apply_one(message);
        self.playback.collecting = None;
    }

    fn apply_one(&mut self, message: &Message) {
        let time = server_time(message).unwrap_or_else(now_millis);
        let nick = nick_of(message.source.as_deref());
        let is_me = irc_eq(&nick, &self.own_nick);
        let p = |i: usize| message.param(i).unwrap_or("").to_owned();
        if self.apply_channel_list(message) {
            return;
        }
        match message.command.as_str() {
            "001" => {
                self.own_nick = p(0);
                self.link = LinkState::Registered;
                let line = self.line(time, None, p(1), LineKind::Info);
                self.push(0, line);
            }
            "JOIN" => {
                let channel = p(0);
                let index = self.ensure_buffer(&channel, BufferKind::Channel);
                if is_me {
                    let buffer = &mut self.buffers[index];
                    buffer.joined = true;
                    buffer.members.clear();
                    // The first channel opens in front of the server buffer,
                    // and a channel the user just asked for comes to front.
                    let asked = self
                        .focus_on_join
                        .as_deref()
                        .is_some_and(|c| irc_eq(c, &channel));
                    if self.active == 0 || asked {
                        self.focus_on_join = None;
                        self.set_active(index);
                    }
                } else {
                    let buffer = &mut self.buffers[index];
                    if buffer.member(&nick).is_none() {
                        buffer.members.push(Member {
                            nick: nick.clone(),
                            prefix: String::new(),
                            away: None,
                        });
                        buffer.sort_members();
                    }
                }
                let text = format!("{nick} joined {channel}");
                let line = self.line(time, None, text, LineKind::Join);
                self.push(index, line);
            }
            "PART" => {
                let channel = p(0);
                let Some(index) = self.buffer_index(&channel) else {
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
                    buffer.remove_member(&nick);
                }
                let text = format!("{nick} left {channel}{reason}");
                let line = self.line(time, None, text, LineKind::Part);
                self.push(index, line);
            }
            "QUIT" => {
                let reason = message
                    .param(0)
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let text = format!("{nick} quit{reason}");
                for index in 0..self.buffers.len() {
                    let buffer = &mut self.buffers[index];
                    let here = buffer.remove_member(&nick)
                        || (buffer.kind == BufferKind::Query && irc_eq(&buffer.name, &nick));
                    if here {
                        let line = self.line(time, None, text.clone(), LineKind::Quit);
                        self.push(index, line);
                    }
                }
            }
            "NICK" => {
                let new = p(0);
                if is_me {
                    self.own_nick = new.clone();
                }
                let text = format!("{nick} is now known as {new}");
                for index in 0..self.buffers.len() {
                    let buffer = &mut self.buffers[index];
                    let mut here = is_me && buffer.kind == BufferKind::Channel && buffer.joined;
                    if let Some(member) = buffer.members.iter_mut().find(|m| irc_eq(&m.nick, &nick))
                    {
                        member.nick = new.clone();
                        here = true;
                        buffer.sort_members();
                    }
                    if buffer.kind == BufferKind::Query && irc_eq(&buffer.name, &nick) {
                        buffer.name = new.clone();
                        here = true;
                    }
                    if here {
                        let line = self.line(time, None, text.clone(), LineKind::Nick);
                        self.push(index, line);
                    }
                }
            }
            "PRIVMSG" | "NOTICE" => self.apply_text(message, time, &nick, is_me),
            "TOPIC" => {
                let channel = p(0);
                let index = self.ensure_buffer(&channel, BufferKind::Channel);
                let topic = p(1);
                self.buffers[index].topic = (!topic.is_empty()).then(|| topic.clone());
                let text = format!("{nick} set the topic: {topic}");
                let line = self.line(time, None, text, LineKind::Topic);
                self.push(index, line);
            }
            "332" => {
                let index = self.ensure_buffer(&p(1), BufferKind::Channel);
                self.buffers[index].topic = Some(p(2));
                let text = format!("Topic: {}", p(2));
                let line = self.line(time, None, text, LineKind::Topic);
                self.push(index, line);
            }
            "333" | "329" | "315" | "352" => {}
            "353" => {
                let Some(index) = self.buffer_index(&p(2)) else {
                    return;
                };
                let pending = self.buffers[index]
                    .pending_names
                    .get_or_insert_with(Vec::new);
                for entry in p(3).split_whitespace() {
                    let split = entry.find(|c| !matches!(c, '~' | '&' | '@' | '%' | '+'));
                    let (prefix, rest) = entry.split_at(split.unwrap_or(entry.len()));
                    let nick = rest.split('!').next().unwrap_or(rest);
                    // Owners and admins of other servers show as
                    // operators: the app knows three ranks.
                    let mut symbols: Vec<char> = prefix
                        .chars()
                        .map(|c| if matches!(c, '~' | '&') { '@' } else { c })
                        .collect();
                    symbols.dedup();
                    pending.push(Member {
                        nick: nick.to_owned(),
                        prefix: symbols.into_iter().collect(),
                        away: None,
                    });
                }
            }
            "366" => {
                if let Some(index) = self.buffer_index(&p(1))
                    && let Some(names) = self.buffers[index].pending_names.take()
                {
                    self.buffers[index].members = names;
                    self.buffers[index].sort_members();
                }
            }
            "KICK" => {
                let channel = p(0);
                let Some(index) = self.buffer_index(&channel) else {
                    return;
                };
                let victim = p(1);
                let buffer = &mut self.buffers[index];
                if irc_eq(&victim, &self.own_nick) {
                    buffer.joined = false;
                    buffer.members.clear();
                } else {
                    buffer.remove_member(&victim);
                }
                let text = format!("{victim} was kicked by {nick} ({})", p(2));
                let line = self.line(time, None, text, LineKind::Kick);
                self.push(index, line);
            }
            "MODE" => self.apply_mode(message, time, &nick),
            "BATCH" => self.apply_batch(message),
            "REDACT" => self.apply_redact(message, &nick, is_me),
            "ERROR" => {
                let line = self.line(time, None, p(0), LineKind::Error);
                self.push(0, line);
            }
            code if code.len() == 3 && code.starts_with(['4', '5']) => {
                // Errors go where the user is looking.
                let text = message.params[1..].join(" ");
                let active = self.active;
                let line = self.line(time, None, text, LineKind::Error);
                self.push(active, line);
            }
            code if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) => {
                let text = message
                    .params
                    .get(1..)
                    .map(|p| p.join(" "))
                    .unwrap_or_default();
                let line = self.line(time, None, text, LineKind::Info);
                self.push(0, line);
            }
            _ => {}
        }
    }

    /// A message taken back (draft/message-redaction): its line says so
    /// instead of what it said.
    fn apply_redact(&mut self, message: &Message, nick: &str, is_me: bool) {
        let (Some(target), Some(msgid)) = (message.param(0), message.param(1)) else {
            return;
        };
        let buffer_name = if target.starts_with(['#', '&']) || is_me {
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
        for line in &mut self.buffers[index].lines {
            if line.msgid.as_deref() == Some(msgid) {
                line.text = format!("(message deleted by {nick}{reason})");
                line.kind = LineKind::Info;
            }
        }
    }

    fn apply_text(&mut self, message: &Message, time: i64, nick: &str, is_me: bool) {
        let target = message.param(0).unwrap_or("");
        let text = message.param(1).unwrap_or("");
        let notice = message.command == "NOTICE";
        // Server notices (no nick source, or before registration).
        if message.source.as_deref().is_none_or(|s| !s.contains('!')) && !target.starts_with('#') {
            let line = self.line(time, Some(nick), text.to_owned(), LineKind::Notice);
            self.push(0, line);
            return;
        }
        // A channel message goes to the channel; a private one to the
        // conversation with the other party (us echoed: the target).
        let buffer_name = if target.starts_with(['#', '&']) || is_me {
            target
        } else {
            nick
        };
        let kind = if target.starts_with(['#', '&']) {
            BufferKind::Channel
        } else {
            BufferKind::Query
        };
        let index = self.ensure_buffer(buffer_name, kind);
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

    fn apply_mode(&mut self, message: &Message, time: i64, nick: &str) {
        let target = message.param(0).unwrap_or("");
        let Some(index) = self.buffer_index(target) else {
            return;
        };
        let modes = message.param(1).unwrap_or("");
        let mut args = message.params.iter().skip(2);
        let mut adding = true;
        for c in modes.chars() {
            match c {
                '+' | '-' => adding = c == '+',
                'o' | 'h' | 'v' => {
                    let Some(who) = args.next() else { continue };
                    let symbol = match c {
                        'o' => '@',
                        'h' => '%',
                        _ => '+',
                    };
                    let buffer = &mut self.buffers[index];
                    if let Some(member) = buffer.members.iter_mut().find(|m| irc_eq(&m.nick, who)) {
                        member.prefix.retain(|p| p != symbol);
                        if adding {
                            member.prefix.push(symbol);
                        }
                        let mut chars: Vec<char> = member.prefix.chars().collect();
                        chars.sort_by_key(|p| prefix_rank(*p));
                        member.prefix = chars.into_iter().collect();
                    }
                    buffer.sort_members();
                }
                'k' | 'b' | 'e' | 'I' => {
                    args.next();
                }
                'l' if adding => {
                    args.next();
                }
                _ => {}
            }
        }
        let text = format!("{nick} sets mode {}", message.params[1..].join(" "));
        let line = self.line(time, None, text, LineKind::Mode);
        self.push(index, line);
    }
}
