//! The chat as the user sees it: buffers (the server, channels, private
//! conversations), their lines, members and topic, and the own nick.
//! Built only by applying [`Update`](crate::Update)s, so it is tested without a window.

use chrono::{DateTime, Local, TimeZone, Utc};
use std::collections::HashMap;

use ciao_proto::{Message, irc_eq, irc_lower};

use limits::{
    BYTES_DROPPED_AT_ONCE, LINES_DROPPED_AT_ONCE, MAX_BATCH_LINES, MAX_BYTES_PER_BUFFER,
    MAX_CONVERSATIONS, MAX_LINE_BYTES, MAX_LINES_PER_BUFFER, MAX_MEMBERS_PER_CHANNEL,
};
pub use members::{Member, Members};
use playback::{Collected, Older, Playback};

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
    /// The sender's account, from the `account` tag (account-tag): a
    /// badge says the sender is logged in to it.
    pub account: Option<String>,
}

impl Line {
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

#[derive(Debug, Clone)]
pub struct Buffer {
    pub name: String,
    pub kind: BufferKind,
    /// At most [`MAX_LINES_PER_BUFFER`] and [`MAX_BYTES_PER_BUFFER`]; add
    /// with [`Buffer::append`].
    pub lines: Vec<Line>,
    /// What `lines` hold, as [`line_size`] counts it.
    bytes: usize,
    /// Channel members; read them with [`Buffer::members`].
    pub(crate) members: Members,
    pub topic: Option<String>,
    /// Lines that arrived while the buffer was not shown.
    pub unread: usize,
    /// True when a line mentioning the own nick arrived unseen.
    pub mentioned: bool,
    /// For channels: whether we are in it now.
    pub joined: bool,
    /// NAMES replies being collected until 366.
    pending_names: Option<Members>,
    /// True once the user was told the member list is incomplete
    /// ([`MAX_MEMBERS_PER_CHANNEL`]), so it is said once.
    members_overflow_noted: bool,
    /// Loading older history (CHATHISTORY BEFORE).
    pub older: Older,
}

impl Buffer {
    fn new(name: &str, kind: BufferKind) -> Self {
        Buffer {
            name: name.to_owned(),
            kind,
            lines: Vec::new(),
            bytes: 0,
            members: Members::default(),
            topic: None,
            unread: 0,
            mentioned: false,
            joined: kind == BufferKind::Channel,
            pending_names: None,
            members_overflow_noted: false,
            older: Older::default(),
        }
    }

    /// The members in display order: operators, then half-operators, then
    /// voiced, then the rest, each by nick (case-folded).
    pub fn members(&self) -> impl DoubleEndedIterator<Item = &Member> + ExactSizeIterator {
        self.members.iter()
    }

    /// The member named `nick` (case-insensitively), if present.
    pub fn member(&self, nick: &str) -> Option<&Member> {
        self.members.get(nick)
    }

    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// Adds a line at the end, dropping the oldest ones when the buffer is
    /// full ([`MAX_LINES_PER_BUFFER`], [`MAX_BYTES_PER_BUFFER`]).
    pub fn append(&mut self, line: Line) {
        if self.lines.len() >= MAX_LINES_PER_BUFFER {
            let excess = self.lines.len() + 1 - MAX_LINES_PER_BUFFER;
            self.drop_oldest(excess.max(LINES_DROPPED_AT_ONCE));
        }
        self.bytes += line_size(&line);
        self.lines.push(line);
        self.keep_byte_budget();
    }

    /// The bytes the lines hold (text, senders, msgids).
    pub fn line_bytes(&self) -> usize {
        self.bytes
    }

    /// Past [`MAX_BYTES_PER_BUFFER`], drops the oldest lines down to
    /// [`BYTES_DROPPED_AT_ONCE`] under it. True when lines were dropped.
    pub(crate) fn keep_byte_budget(&mut self) -> bool {
        if self.bytes <= MAX_BYTES_PER_BUFFER {
            return false;
        }
        let target = MAX_BYTES_PER_BUFFER - BYTES_DROPPED_AT_ONCE;
        self.drop_oldest_bytes(self.bytes - target) > 0
    }

    /// Drops the oldest `count` lines (at most all).
    pub(crate) fn drop_oldest(&mut self, count: usize) {
        let count = count.min(self.lines.len());
        let dropped: usize = self.lines[..count].iter().map(line_size).sum();
        self.lines.drain(..count);
        self.bytes = if self.lines.is_empty() {
            0
        } else {
            self.bytes.saturating_sub(dropped)
        };
    }

    /// Drops the oldest lines holding at least `bytes`, the newest line
    /// always kept; the bytes freed.
    fn drop_oldest_bytes(&mut self, bytes: usize) -> usize {
        let mut freed = 0;
        let mut count = 0;
        while count + 1 < self.lines.len() && freed < bytes {
            freed += line_size(&self.lines[count]);
            count += 1;
        }
        self.drop_oldest(count);
        freed
    }

    /// Puts `lines` before the buffer's first line (older history).
    pub(crate) fn prepend(&mut self, lines: Vec<Line>) {
        self.bytes += lines.iter().map(line_size).sum::<usize>();
        self.lines.splice(0..0, lines);
    }

    /// Replaces the text of the lines whose msgid is `msgid` (a
    /// redaction), keeping the byte count.
    pub(crate) fn rewrite(&mut self, msgid: &str, text: &str, kind: LineKind) {
        for line in &mut self.lines {
            if line.msgid.as_deref() == Some(msgid) {
                self.bytes = (self.bytes + text.len()).saturating_sub(line.text.len());
                line.text = text.to_owned();
                line.kind = kind;
            }
        }
    }

    /// Adds a member; past [`MAX_MEMBERS_PER_CHANNEL`] the member is not
    /// listed, and the first time that happens a note says so.
    fn add_member(&mut self, member: Member, time: i64) {
        if !self.members.insert(member) {
            self.note_members_overflow(time);
        }
    }

    /// Says, once, that the member list is incomplete.
    fn note_members_overflow(&mut self, time: i64) {
        if self.members_overflow_noted {
            return;
        }
        self.members_overflow_noted = true;
        self.append(system_line(
            time,
            format!(
                "This channel has more than {MAX_MEMBERS_PER_CHANNEL} members; the list shows the first ones."
            ),
            LineKind::Error,
        ));
    }
}

/// Makes room for one more line in `lines`, which holds at most `max`:
/// drops the oldest [`LINES_DROPPED_AT_ONCE`] when full. True when lines
/// were dropped.
pub(crate) fn make_room(lines: &mut Vec<Line>, max: usize) -> bool {
    if lines.len() < max {
        return false;
    }
    let excess = lines.len() + 1 - max;
    lines.drain(..excess.max(LINES_DROPPED_AT_ONCE).min(lines.len()));
    true
}

/// What a line counts against the byte budgets: its text, sender and
/// msgid, the parts a server chooses the length of.
pub(crate) fn line_size(line: &Line) -> usize {
    line.text.len()
        + line.sender.as_ref().map_or(0, String::len)
        + line.msgid.as_ref().map_or(0, String::len)
        + line.account.as_ref().map_or(0, String::len)
}

/// A line without a sender: server information, joins, errors.
pub(crate) fn system_line(time: i64, text: String, kind: LineKind) -> Line {
    Line {
        time,
        sender: None,
        text,
        kind,
        msgid: None,
        replayed: false,
        highlight: false,
        account: None,
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
    /// The buffers, the server's first. Push new ones with
    /// [`Model::ensure_buffer`] so that lookups by name stay O(1).
    pub buffers: Vec<Buffer>,
    /// Case-folded conversation name → index in `buffers`. The server
    /// buffer (0) is not in it: a nick may well be "Server".
    index: HashMap<String, usize>,
    /// The bytes all buffers' lines hold, kept at most
    /// [`MAX_LINE_BYTES`] (a lower bound: a recount when over corrects it).
    line_bytes: usize,
    /// True when the server said we are away (305/306).
    pub away: bool,
    /// True once the user was told no more conversations can open
    /// ([`MAX_CONVERSATIONS`]), so it is said once.
    conversations_full_noted: bool,
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
    /// The server's limits (005), so that what we send fits.
    pub isupport: Isupport,
    /// Our `user@host` as the server shows it in front of our lines;
    /// `None` until our first JOIN (or echo) shows it.
    pub(crate) own_userhost: Option<String>,
    /// draft/multiline: the server's limits, batches being received.
    pub(crate) multiline: Multiline,
    /// Masks (`nick!user@host` globs) whose lines are not shown.
    ignored: Vec<String>,
    /// The latest answer to `LIST`, for the channel browser.
    pub channel_list: ChannelList,
    /// WHO asked at join, so members already away are seen as away.
    pub(crate) auto_who: AutoWho,
    /// False while the window shows another server: then even this
    /// model's active buffer counts lines as unread.
    pub on_screen: bool,
    /// The link's encryption, when it is encrypted (the lock).
    pub secured: Option<Secured>,
    /// The account we are logged in to (900, `REGISTER SUCCESS`).
    pub account: Option<String>,
    /// The answer to our latest `REGISTER`, for the window to show.
    pub registration: Option<Registration>,
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

/// What the UI should send after an [`Action`](crate::Action).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    /// In order. A `draft/multiline` batch (`BATCH +ref` … `BATCH -ref`)
    /// is one message to the server: its lines go out together, nothing
    /// else between them.
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
            index: HashMap::new(),
            line_bytes: 0,
            away: false,
            conversations_full_noted: false,
            active: 0,
            echo_message: false,
            link: LinkState::Connecting,
            chathistory: false,
            focus_on_join: None,
            playback: Playback::default(),
            alerts: Vec::new(),
            isupport: Isupport::default(),
            own_userhost: None,
            multiline: Multiline::default(),
            ignored: Vec::new(),
            channel_list: ChannelList::default(),
            auto_who: AutoWho::default(),
            on_screen: true,
            secured: None,
            account: None,
            registration: None,
        }
    }

    pub fn active_buffer(&self) -> &Buffer {
        &self.buffers[self.active.min(self.buffers.len() - 1)]
    }

    /// The conversation named `name`; for [`SERVER_BUFFER`], when no
    /// conversation has that name, the server buffer. Prefer
    /// [`Model::server_buffer`] for the latter.
    pub fn buffer(&self, name: &str) -> Option<&Buffer> {
        match self.buffer_index(name) {
            Some(index) => Some(&self.buffers[index]),
            None if name == SERVER_BUFFER => Some(self.server_buffer()),
            None => None,
        }
    }

    /// The buffer of server messages (always `buffers[0]`).
    pub fn server_buffer(&self) -> &Buffer {
        &self.buffers[0]
    }

    /// The bytes all buffers' lines hold (at most [`MAX_LINE_BYTES`]).
    pub fn line_bytes(&self) -> usize {
        self.buffers.iter().map(Buffer::line_bytes).sum()
    }

    /// The index of the conversation (channel or query) named `name`
    /// (case-insensitively), never the server buffer (0) whatever its
    /// name: O(1) through the name index, which is checked against
    /// `buffers` (public, so it may have been changed behind the index's
    /// back) and bypassed by a scan when they disagree.
    pub fn buffer_index(&self, name: &str) -> Option<usize> {
        let indexed = self.index.get(&irc_lower(name)).copied();
        match indexed {
            Some(index)
                if index > 0
                    && self
                        .buffers
                        .get(index)
                        .is_some_and(|b| irc_eq(&b.name, name)) =>
            {
                Some(index)
            }
            None if self.index.len() + 1 == self.buffers.len() => None,
            _ => self
                .buffers
                .iter()
                .skip(1)
                .position(|b| irc_eq(&b.name, name))
                .map(|position| position + 1),
        }
    }

    /// The open channel buffer named `name`, if any.
    pub(crate) fn channel_index(&self, name: Option<&str>) -> Option<usize> {
        let index = self.buffer_index(name?)?;
        (self.buffers[index].kind == BufferKind::Channel).then_some(index)
    }

    /// Makes the name index agree with `buffers` again.
    fn reindex(&mut self) {
        self.index = self
            .buffers
            .iter()
            .enumerate()
            .skip(1)
            .map(|(index, buffer)| (irc_lower(&buffer.name), index))
            .collect();
    }

    /// Adds `line` to buffer `index` as is (no unread count, no alert),
    /// keeping the byte budgets.
    pub(crate) fn append_to(&mut self, index: usize, line: Line) {
        self.edit_lines(index, |buffer| buffer.append(line));
    }

    /// Runs `edit` on buffer `index`'s lines, then keeps the model within
    /// [`MAX_LINE_BYTES`].
    pub(crate) fn edit_lines<R>(
        &mut self,
        index: usize,
        edit: impl FnOnce(&mut Buffer) -> R,
    ) -> Option<R> {
        let buffer = self.buffers.get_mut(index)?;
        let before = buffer.bytes;
        let result = edit(buffer);
        self.line_bytes = (self.line_bytes + buffer.bytes).saturating_sub(before);
        self.keep_line_budget();
        Some(result)
    }

    /// Past [`MAX_LINE_BYTES`], drops the oldest lines of the buffer
    /// holding the most bytes, [`BYTES_DROPPED_AT_ONCE`] at a time, until
    /// under budget. The buffers are scanned only when over.
    fn keep_line_budget(&mut self) {
        if self.line_bytes <= MAX_LINE_BYTES {
            return;
        }
        self.line_bytes = self.line_bytes();
        while self.line_bytes > MAX_LINE_BYTES {
            let Some(biggest) = self.buffers.iter_mut().max_by_key(|b| b.bytes) else {
                return;
            };
            let freed = biggest.drop_oldest_bytes(BYTES_DROPPED_AT_ONCE);
            if freed == 0 {
                return;
            }
            self.line_bytes = self.line_bytes.saturating_sub(freed);
        }
    }

    /// Renames buffer `index` (a query whose peer changed nick), unless
    /// another buffer already has the new name.
    pub(crate) fn rename_buffer(&mut self, index: usize, new: &str) -> bool {
        if self.buffer_index(new).is_some_and(|other| other != index) {
            return false;
        }
        let Some(buffer) = self.buffers.get_mut(index) else {
            return false;
        };
        self.index.remove(&irc_lower(&buffer.name));
        buffer.name = new.to_owned();
        self.index.insert(irc_lower(new), index);
        true
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
        if self.index.len() + 1 != self.buffers.len() {
            self.reindex();
        }
        self.buffers.push(Buffer::new(name, kind));
        let index = self.buffers.len() - 1;
        self.index.insert(irc_lower(name), index);
        index
    }

    /// The buffer for a conversation the server speaks of, opened if
    /// missing — unless [`MAX_CONVERSATIONS`] are open: then the server
    /// buffer (0), with one note. `None` for a name no buffer can have.
    pub(crate) fn conversation(&mut self, name: &str, kind: BufferKind) -> Option<usize> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        if let Some(index) = self.buffer_index(name) {
            return Some(index);
        }
        if self.buffers.len() <= MAX_CONVERSATIONS {
            return Some(self.ensure_buffer(name, kind));
        }
        if !self.conversations_full_noted {
            self.conversations_full_noted = true;
            let text = format!(
                "More than {MAX_CONVERSATIONS} conversations are open; new ones are shown here."
            );
            self.append_to(0, system_line(now_millis(), text, LineKind::Error));
        }
        Some(0)
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
        let mut line = match self.playback.collect(line) {
            Collected::No(line) => line,
            Collected::Yes => return,
            Collected::Overflowing(target) => {
                let text = format!(
                    "The history of {target} is longer than {MAX_BATCH_LINES} lines; only the latest are kept."
                );
                self.append_to(0, system_line(now_millis(), text, LineKind::Info));
                return;
            }
        };
        let Some(buffer) = self.buffers.get_mut(index) else {
            return;
        };
        // Our own lines and the client's or server's notes never ask for
        // attention; nor does anything in the server buffer.
        let from_other = !line.kind.is_system()
            && buffer.kind != BufferKind::Server
            && line
                .sender
                .as_deref()
                .is_some_and(|s| !irc_eq(s, &self.own_nick));
        line.highlight = from_other && mentions(&line.text, &self.own_nick);
        // A private message is always meant for us.
        let for_us = line.highlight || (from_other && buffer.kind == BufferKind::Query);
        if (!self.on_screen || index != self.active) && !line.kind.is_system() {
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
        self.append_to(index, line);
    }

    /// The replayed history being collected (open batches and their lines).
    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// Mentions and private messages since the last call, for the window
    /// to ask for attention and notify the desktop.
    pub fn take_alerts(&mut self) -> Vec<Alert> {
        std::mem::take(&mut self.alerts)
    }

    fn line(&self, time: i64, sender: Option<&str>, text: String, kind: LineKind) -> Line {
        Line {
            sender: sender.map(str::to_owned),
            ..system_line(time, text, kind)
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

/// True when `text` names `nick` as a word of its own: "hi me!" names
/// `me`, "meme" and "me_too" do not (`_` may be part of a nick).
pub(crate) fn mentions(text: &str, nick: &str) -> bool {
    const NICK_SYMBOLS: &str = "[]{}\\|^_-`";
    !nick.is_empty()
        && text
            .split(|c: char| !(c.is_alphanumeric() || NICK_SYMBOLS.contains(c)))
            .any(|word| irc_eq(word, nick))
}

mod channel_list;
mod ignore;
mod incoming;
mod learn;
pub mod limits;
mod link;
mod members;
mod multiline;
mod numerics;
mod outgoing;
pub mod playback;
mod replies;
mod say;
mod who;

pub use crate::connection::Secured;
pub use crate::isupport::Isupport;
pub use crate::mask::full_mask;
pub use channel_list::{ChannelList, ListedChannel, MAX_LISTED_CHANNELS};
pub use incoming::Registration;
use multiline::Multiline;
pub use multiline::MultilineLimits;
pub use who::AUTO_WHO_MAX_MEMBERS;
use who::AutoWho;
