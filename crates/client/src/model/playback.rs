//! Replayed history: lines from a `chathistory` batch are collected, then
//! shown apart from live ones (after a separator when they are the recent
//! past, before everything when the user asked for older lines), without
//! the duplicates a rejoin's replay would bring.

use std::collections::{HashMap, HashSet};

use chrono::{SecondsFormat, TimeZone, Utc};
use ciao_proto::Message;

use super::limits::{MAX_BATCH_LINES, MAX_LINES_PER_BUFFER, MAX_OPEN_BATCHES};
use super::{Buffer, BufferKind, Line, LineKind, Model, Outgoing, make_room, system_line};

/// Lines asked for each time the user reaches the top of a conversation.
pub const OLDER_PAGE: usize = 50;

/// Open `chathistory` batches: at most [`MAX_OPEN_BATCHES`], each holding
/// at most [`MAX_BATCH_LINES`].
#[derive(Debug, Clone, Default)]
pub struct Playback {
    open: HashMap<String, Batch>,
    /// The batch the line being applied belongs to.
    pub(crate) collecting: Option<String>,
    /// Counts batches opened, so the oldest open one can be told apart.
    opened: u64,
}

#[derive(Debug, Clone)]
struct Batch {
    /// The conversation: a channel, or the other party's nick.
    target: String,
    lines: Vec<Line>,
    /// When it opened (see [`Playback::opened`]).
    serial: u64,
    /// True once lines were dropped for room, so that is said once.
    overflowed: bool,
}

/// What became of a line offered to the open batches.
pub(crate) enum Collected {
    /// No batch is being collected: the line is live.
    No(Line),
    /// Kept for when its batch ends.
    Yes,
    /// Kept, but the batch (for this target) was full: its oldest lines
    /// went, which the user should be told, once.
    Overflowing(String),
}

/// Where a conversation's older history stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Older {
    /// A CHATHISTORY BEFORE is on its way.
    pub loading: bool,
    /// The server has nothing older.
    pub exhausted: bool,
}

impl Playback {
    /// True when `message` belongs to an open chathistory batch; its line
    /// is then collected rather than shown.
    pub(crate) fn claims(&self, message: &Message) -> Option<String> {
        let reference = message.tag("batch")??;
        self.open
            .contains_key(reference)
            .then(|| reference.to_owned())
    }

    /// Adds a line to the batch being collected, if any.
    pub(crate) fn collect(&mut self, line: Line) -> Collected {
        let Some(batch) = self.collecting.as_ref().and_then(|r| self.open.get_mut(r)) else {
            return Collected::No(line);
        };
        let dropped = make_room(&mut batch.lines, MAX_BATCH_LINES);
        batch.lines.push(Line {
            replayed: true,
            ..line
        });
        if dropped && !batch.overflowed {
            batch.overflowed = true;
            return Collected::Overflowing(batch.target.clone());
        }
        Collected::Yes
    }

    /// The number of open batches (at most [`MAX_OPEN_BATCHES`]).
    pub fn open_batches(&self) -> usize {
        self.open.len()
    }

    /// The number of lines the open batches hold (each at most
    /// [`MAX_BATCH_LINES`]).
    pub fn collected_lines(&self) -> usize {
        self.open.values().map(|b| b.lines.len()).sum()
    }
}

impl Model {
    /// `BATCH +ref chathistory target` opens a batch; `BATCH -ref` ends it.
    pub(crate) fn apply_batch(&mut self, message: &Message) {
        let reference = message.param(0).unwrap_or("");
        if let Some(reference) = reference.strip_prefix('+') {
            if message.param(1) == Some("chathistory")
                && let Some(target) = message.param(2)
                && !reference.is_empty()
            {
                self.make_room_for_batch(reference);
                // A reference reused while still open (a server's bug):
                // what the first batch collected is shown, not lost.
                if let Some(earlier) = self.playback.open.remove(reference) {
                    self.show_playback(earlier);
                }
                self.playback.opened += 1;
                self.playback.open.insert(
                    reference.to_owned(),
                    Batch {
                        target: target.to_owned(),
                        lines: Vec::new(),
                        serial: self.playback.opened,
                        overflowed: false,
                    },
                );
            }
        } else if let Some(reference) = reference.strip_prefix('-')
            && let Some(batch) = self.playback.open.remove(reference)
        {
            self.show_playback(batch);
        }
    }

    /// At [`MAX_OPEN_BATCHES`], shows the oldest open batch as it stands
    /// (unless `reference` reopens one, which then replaces it).
    fn make_room_for_batch(&mut self, reference: &str) {
        if self.playback.open.contains_key(reference) || self.playback.open.len() < MAX_OPEN_BATCHES
        {
            return;
        }
        let oldest = self
            .playback
            .open
            .iter()
            .min_by_key(|(_, batch)| batch.serial)
            .map(|(reference, _)| reference.clone());
        if let Some(batch) = oldest.and_then(|r| self.playback.open.remove(&r)) {
            self.show_playback(batch);
        }
    }

    fn show_playback(&mut self, batch: Batch) {
        let kind = if self.isupport.is_channel(&batch.target) {
            BufferKind::Channel
        } else {
            BufferKind::Query
        };
        let Some(index) = self.conversation(&batch.target, kind) else {
            return;
        };
        self.edit_lines(index, |buffer| show_in(buffer, batch.lines));
    }

    /// Asks the server for the lines before the oldest one shown in the
    /// active conversation (the user scrolled to its top).
    pub(crate) fn request_older(&mut self, out: &mut Outgoing) {
        if !self.chathistory {
            return;
        }
        let active = self.active;
        let Some(buffer) = self.buffers.get_mut(active) else {
            return;
        };
        if buffer.kind == BufferKind::Server || buffer.older.loading || buffer.older.exhausted {
            return;
        }
        let reference = match buffer.lines.iter().find_map(|l| l.msgid.as_deref()) {
            Some(msgid) => format!("msgid={msgid}"),
            None => {
                let oldest = buffer
                    .lines
                    .first()
                    .map_or_else(|| Utc::now().timestamp_millis(), |l| l.time);
                let time = Utc
                    .timestamp_millis_opt(oldest)
                    .single()
                    .unwrap_or_else(Utc::now)
                    .to_rfc3339_opts(SecondsFormat::Millis, true);
                format!("timestamp={time}")
            }
        };
        buffer.older.loading = true;
        out.messages.push(Message::new(
            "CHATHISTORY",
            [
                "BEFORE".to_owned(),
                buffer.name.clone(),
                reference,
                OLDER_PAGE.to_string(),
            ],
        ));
    }
}

/// Shows replayed `lines` in `buffer`: older history before its lines,
/// else at its end followed by a marker.
fn show_in(buffer: &mut Buffer, lines: Vec<Line>) {
    let known: HashSet<&str> = buffer
        .lines
        .iter()
        .filter_map(|l| l.msgid.as_deref())
        .collect();
    let fresh: Vec<Line> = lines
        .into_iter()
        .filter(|line| line.msgid.as_deref().is_none_or(|id| !known.contains(id)))
        .collect();
    if buffer.older.loading {
        buffer.older.loading = false;
        buffer.older.exhausted = fresh.is_empty();
        buffer.prepend(fresh);
        // A full buffer keeps its latest lines: older ones cannot be
        // shown, so stop asking for them.
        if buffer.lines.len() > MAX_LINES_PER_BUFFER {
            let excess = buffer.lines.len() - MAX_LINES_PER_BUFFER;
            buffer.drop_oldest(excess);
            buffer.older.exhausted = true;
        }
        if buffer.keep_byte_budget() {
            buffer.older.exhausted = true;
        }
        return;
    }
    let Some(last) = fresh.last() else {
        return;
    };
    let time = last.time;
    for line in fresh {
        buffer.append(line);
    }
    let text = "Earlier messages above, live from here".to_owned();
    buffer.append(system_line(time, text, LineKind::HistoryEnd));
}
