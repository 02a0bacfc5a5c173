//! The chat as the user sees it: buffers (the server, channels, private
//! conversations), their lines, members and topic, and the own nick.
//! Built only by applying [`Update`]s, so it is tested without a window.

use chrono::{DateTime, Local, TimeZone, Utc};
use ciao_proto::{Message, irc_eq, irc_lower};

use crate::connection::Update;
use crate::input::{Action, HELP};
use crate::playback::{Older, Playback};

/// Name of the buffer that shows server messages.
pub const SERVER_BUFFER: &str = "Server";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BufferKind {
    Server,
    Channel,
    Query,
}

/// What kind of line, so the UI can style system lines apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Message,
    Action,
    Notice,
    Join,
    Part,
    Quit,
    Nick,
    Topic,
    Kick,
    Mode,
    /// Server information (MOTD, replies).
    Info,
    /// Something went wrong (error numerics, ERROR, input mistakes).
    Error,
    /// Where replayed history ends and live lines begin.
    HistoryEnd,
}

impl LineKind {
    /// Lines that are about the chat rather than in it.
    pub fn is_system(self) -> bool {
        !matches!(
            self,
            LineKind::Message | LineKind::Action | LineKind::Notice
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Milliseconds since the epoch: the server's time when it said so
    /// (`server-time`), else the time of arrival.
    pub time: i64,
    /// Who said it, for messages, actions and notices.
    pub sender: Option<String>,
    pub text: String,
    pub kind: LineKind,
    /// The server's id for the message (IRCv3 `msgid`), when it gave one.
    pub msgid: Option<String>,
    /// True for lines replayed from the server's history.
    pub replayed: bool,
}

impl Line {
    /// `HH:MM` in local time.
    pub fn clock(&self) -> String {
        match Local.timestamp_millis_opt(self.time).single() {
            Some(time) => time.format("%H:%M").to_string(),
            None => "--:--".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub nick: String,
    /// Status prefixes, highest first (`@`, `%`, `+`, `@+`).
    pub prefix: String,
}

/// Where a status prefix sorts: operators, half-operators, voiced.
fn prefix_rank(prefix: char) -> u8 {
    match prefix {
        '@' => 0,
        '%' => 1,
        '+' => 2,
        _ => 3,
    }
}

impl Member {
    fn rank(&self) -> u8 {
        self.prefix.chars().next().map_or(3, prefix_rank)
    }
}

#[derive(Debug, Clone)]
pub struct Buffer {
    pub name: String,
    pub kind: BufferKind,
    pub lines: Vec<Line>,
    /// Channel members, operators first, then voiced, then the rest.
    pub members: Vec<Member>,
    pub topic: Option<String>,
    /// Lines that arrived while the buffer was not shown.
    pub unread: usize,
    /// True when a line mentioning the own nick arrived unseen.
    pub mentioned: bool,
    /// For channels: whether we are in it now.
    pub joined: bool,
    /// NAMES replies being collected until 366.
    pending_names: Option<Vec<Member>>,
    /// Loading older history (CHATHISTORY BEFORE).
    pub older: Older,
}

impl Buffer {
    fn new(name: &str, kind: BufferKind) -> Self {
        Buffer {
            name: name.to_owned(),
            kind,
            lines: Vec::new(),
            members: Vec::new(),
            topic: None,
            unread: 0,
            mentioned: false,
            joined: kind == BufferKind::Channel,
            pending_names: None,
            older: Older::default(),
        }
    }

    pub fn member(&self, nick: &str) -> Option<&Member> {
        self.members.iter().find(|m| irc_eq(&m.nick, nick))
    }

    fn sort_members(&mut self) {
        self.members.sort_by_key(|m| (m.rank(), irc_lower(&m.nick)));
    }

    fn remove_member(&mut self, nick: &str) -> bool {
        let before = self.members.len();
        self.members.retain(|m| !irc_eq(&m.nick, nick));
        self.members.len() != before
    }
}

/// Where the link is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Connected,
    Registered,
    /// Closed, with the reason shown to the user.
    Disconnected(String),
}

#[derive(Debug, Clone)]
pub struct Model {
    pub own_nick: String,
    pub buffers: Vec<Buffer>,
    /// Index of the buffer on screen.
    pub active: usize,
    /// True when the server echoes our own messages (echo-message), so we
    /// must not add them ourselves.
    pub echo_message: bool,
    pub link: LinkState,
    /// True when the server keeps history we can ask for
    /// (`draft/chathistory`).
    pub chathistory: bool,
    /// A channel the user asked to join: shown as soon as we are in.
    focus_on_join: Option<String>,
    /// Replayed history being collected.
    pub(crate) playback: Playback,
}

/// What the UI should send after an [`Action`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    pub messages: Vec<Message>,
    /// Set for `/quit` and `{quit}`: close after sending.
    pub quit: Option<Option<String>>,
}

fn nick_of(source: Option<&str>) -> String {
    let source = source.unwrap_or("");
    source.split('!').next().unwrap_or(source).to_owned()
}

fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

/// The `time` tag as epoch milliseconds, if present and valid.
fn server_time(message: &Message) -> Option<i64> {
    let value = message.tag("time")??;
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.timestamp_millis())
}

impl Model {
    pub fn new(nick: &str) -> Self {
        Model {
            own_nick: nick.to_owned(),
            buffers: vec![Buffer::new(SERVER_BUFFER, BufferKind::Server)],
            active: 0,
            echo_message: false,
            link: LinkState::Connecting,
            chathistory: false,
            focus_on_join: None,
            playback: Playback::default(),
        }
    }

    pub fn active_buffer(&self) -> &Buffer {
        &self.buffers[self.active.min(self.buffers.len() - 1)]
    }

    pub fn buffer(&self, name: &str) -> Option<&Buffer> {
        self.buffers.iter().find(|b| irc_eq(&b.name, name))
    }

    pub fn buffer_index(&self, name: &str) -> Option<usize> {
        self.buffers.iter().position(|b| irc_eq(&b.name, name))
    }

    /// Shows buffer `index` and marks it read.
    pub fn set_active(&mut self, index: usize) {
        if let Some(buffer) = self.buffers.get_mut(index) {
            self.active = index;
            buffer.unread = 0;
            buffer.mentioned = false;
        }
    }

    /// The buffer named `name`, created (of `kind`) if missing.
    pub fn ensure_buffer(&mut self, name: &str, kind: BufferKind) -> usize {
        if let Some(index) = self.buffer_index(name) {
            return index;
        }
        self.buffers.push(Buffer::new(name, kind));
        self.buffers.len() - 1
    }

    /// Opens (or shows) a private conversation with `nick`.
    pub fn open_query(&mut self, nick: &str) -> usize {
        let index = self.ensure_buffer(nick, BufferKind::Query);
        self.set_active(index);
        index
    }

    /// Adds a line to buffer `index`, counting it as unread (and as a
    /// mention when it names us) unless the buffer is on screen.
    fn push(&mut self, index: usize, line: Line) {
        // A line of replayed history waits for the end of its batch.
        let Err(line) = self.playback.collect(line) else {
            return;
        };
        let own = irc_lower(&self.own_nick);
        let mentions = !line.kind.is_system()
            && line
                .sender
                .as_deref()
                .is_some_and(|s| !irc_eq(s, &self.own_nick))
            && irc_lower(&line.text)
                .split(|c: char| !(c.is_alphanumeric() || "[]{}\\|^_-`".contains(c)))
                .any(|word| word == own);
        let Some(buffer) = self.buffers.get_mut(index) else {
            return;
        };
        if index != self.active && !line.kind.is_system() {
            buffer.unread += 1;
            // A private message is always meant for us.
            buffer.mentioned |= mentions || buffer.kind == BufferKind::Query;
        }
        buffer.lines.push(line);
    }

    fn line(&self, time: i64, sender: Option<&str>, text: String, kind: LineKind) -> Line {
        Line {
            time,
            sender: sender.map(str::to_owned),
            text,
            kind,
            msgid: None,
            replayed: false,
        }
    }

    /// A note from the client itself (help, input errors) in the active
    /// buffer.
    pub fn note(&mut self, text: &str, kind: LineKind) {
        let line = self.line(now_millis(), None, text.to_owned(), kind);
        let active = self.active;
        self.push(active, line);
    }

    /// Applies one update from the connection.
    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Connected => self.link = LinkState::Connected,
            Update::ConnectFailed(reason) => {
                self.link = LinkState::Disconnected(reason.clone());
                self.note(reason, LineKind::Error);
            }
            Update::CapsAcked(caps) => {
                if caps.iter().any(|c| c == "echo-message") {
                    self.echo_message = true;
                }
                if caps.iter().any(|c| c == "draft/chathistory") {
                    self.chathistory = true;
                }
            }
            Update::Message(message) => self.apply_message(message),
            Update::Disconnected(reason) => {
                self.link = LinkState::Disconnected(reason.clone());
                let time = now_millis();
                for index in 0..self.buffers.len() {
                    let line = self.line(time, None, reason.clone(), LineKind::Error);
                    self.buffers[index].lines.push(line);
                    self.buffers[index].members.clear();
                    if self.buffers[index].kind == BufferKind::Channel {
                        self.buffers[index].joined = false;
                    }
                }
            }
        }
    }

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
