//! The chat as the user sees it: buffers (the server, channels, private
//! conversations), their lines, members and topic, and the own nick.
//! Built only by applying [`Update`]s, so it is tested without a window.

use chrono::{DateTime, Local, TimeZone, Utc};
use ciao_proto::{Message, irc_eq, irc_lower};

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
    /// True when the line mentions the own nick (shown highlighted).
    pub highlight: bool,
}

impl Line {
    /// `HH:MM` in local time.
    pub fn clock(&self) -> String {
        self.clock_with(false)
    }

    /// `HH:MM`, or `HH:MM:SS` with `seconds`, in local time.
    pub fn clock_with(&self, seconds: bool) -> String {
        let (format, unknown) = if seconds {
            ("%H:%M:%S", "--:--:--")
        } else {
            ("%H:%M", "--:--")
        };
        match Local.timestamp_millis_opt(self.time).single() {
            Some(time) => time.format(format).to_string(),
            None => unknown.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub nick: String,
    /// Status prefixes, highest first (`@`, `%`, `+`, `@+`).
    pub prefix: String,
    /// The away message, when the member is away.
    pub away: Option<String>,
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
    /// Mentions and private messages not yet taken by the window.
    alerts: Vec<Alert>,
    /// The latest answer to `LIST`, for the channel browser.
    pub channel_list: ChannelList,
}

/// Alerts kept until the window takes them: a window that never looks
/// (minimised for days) must not grow without bound.
const MAX_ALERTS: usize = 64;

/// Something that asks for the user's attention: a line mentioning them,
/// or a private message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The conversation it arrived in.
    pub buffer: String,
    pub sender: String,
    pub text: String,
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
            alerts: Vec::new(),
            channel_list: ChannelList::default(),
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
        let Err(mut line) = self.playback.collect(line) else {
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
        line.highlight = mentions;
        // A private message is always meant for us.
        let for_us = mentions
            || (buffer.kind == BufferKind::Query
                && line.sender.is_some()
                && !line.kind.is_system()
                && line
                    .sender
                    .as_deref()
                    .is_some_and(|s| !irc_eq(s, &self.own_nick)));
        if index != self.active && !line.kind.is_system() {
            buffer.unread += 1;
            buffer.mentioned |= for_us;
        }
        if for_us && self.alerts.len() < MAX_ALERTS {
            self.alerts.push(Alert {
                buffer: buffer.name.clone(),
                sender: line.sender.clone().unwrap_or_default(),
                text: line.text.clone(),
            });
        }
        buffer.lines.push(line);
    }

    /// Mentions and private messages since the last call, for the window
    /// to ask for attention and notify the desktop.
    pub fn take_alerts(&mut self) -> Vec<Alert> {
        std::mem::take(&mut self.alerts)
    }

    fn line(&self, time: i64, sender: Option<&str>, text: String, kind: LineKind) -> Line {
        Line {
            time,
            sender: sender.map(str::to_owned),
            text,
            kind,
            msgid: None,
            replayed: false,
            highlight: false,
        }
    }

    /// A note from the client itself (help, input errors) in the active
    /// buffer.
    pub fn note(&mut self, text: &str, kind: LineKind) {
        let line = self.line(now_millis(), None, text.to_owned(), kind);
        let active = self.active;
        self.push(active, line);
    }
}

mod channel_list;
mod incoming;
mod link;

pub use channel_list::{ChannelList, ListedChannel, MAX_LISTED_CHANNELS};
mod outgoing;
