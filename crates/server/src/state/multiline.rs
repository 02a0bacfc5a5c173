//! IRCv3 `draft/multiline`: a message of several lines, sent by a client as
//! a batch and delivered as one.
//!
//! A client opens `BATCH +ref draft/multiline <target>`, sends its lines
//! tagged `batch=ref` (a line tagged `draft/multiline-concat` continues the
//! previous one without a line break) and closes with `BATCH -ref`. Only
//! then is the message checked, given one msgid and time, stored and sent:
//! as the same batch to clients that negotiated the capability, and as
//! separate lines to the others (blank lines left out, the msgid on the
//! first), so nobody misses a word.

use bytes::Bytes;
use ciao_proto::{Message, Tag};

use crate::caps::Cap;
use crate::link::IdMap;
use crate::state::client::{Client, ClientId, Protocol};
use crate::state::fanout::{TagFlavour, message_tags, plain_line, plain_text};

/// Most bytes of text in one message, line breaks counted (`max-bytes`).
pub(crate) use crate::caps::MULTILINE_MAX_BYTES as MAX_BYTES;
/// Most lines in one message (`max-lines`).
pub(crate) use crate::caps::MULTILINE_MAX_LINES as MAX_LINES;
/// The batch type.
pub(crate) const BATCH_TYPE: &str = "draft/multiline";
/// The tag that joins a line to the previous one.
pub(crate) const CONCAT_TAG: &str = "draft/multiline-concat";

/// A batch a client has opened and not closed yet.
#[derive(Debug)]
pub(crate) struct OpenBatch {
    /// The client's reference for it.
    pub(crate) reference: String,
    /// Where the message goes, as the client wrote it.
    pub(crate) target: String,
    /// The opening line's `label`, for the echo (labeled-response).
    pub(crate) label: Option<String>,
    /// Client-only tags of the opening line (`+reply=…`).
    pub(crate) client_tags: Vec<Tag>,
    /// `PRIVMSG` or `NOTICE`, fixed by the first line.
    pub(crate) command: Option<String>,
    pub(crate) lines: Vec<Line>,
    /// Text bytes so far, with one for each line break.
    pub(crate) bytes: usize,
}

/// The batches clients have open, by client (one each at most).
#[derive(Debug, Default)]
pub(crate) struct OpenBatches(IdMap<OpenBatch>);

impl OpenBatches {
    pub(crate) fn get(&self, id: ClientId) -> Option<&OpenBatch> {
        self.0.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: ClientId) -> Option<&mut OpenBatch> {
        self.0.get_mut(&id)
    }

    pub(crate) fn contains(&self, id: ClientId) -> bool {
        self.0.contains_key(&id)
    }

    /// Opens `batch` for `id` (replacing none: the caller checked).
    pub(crate) fn open(&mut self, id: ClientId, batch: OpenBatch) {
        self.0.insert(id, batch);
    }

    /// Closes `id`'s batch, handing it back.
    pub(crate) fn close(&mut self, id: ClientId) -> Option<OpenBatch> {
        self.0.remove(&id)
    }
}

/// One line of a multiline message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) text: String,
    /// Joined to the previous line without a break.
    pub(crate) concat: bool,
}

/// Why a batch was refused (`FAIL BATCH <code> …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    MaxBytes,
    MaxLines,
    /// A line for another target than the batch's.
    InvalidTarget(String),
    /// Anything else: mixed commands, a blank line that continues
    /// another, nothing but blank lines.
    Invalid(&'static str),
}

/// Lines of flood control a message of `lines` lines and `bytes` bytes
/// costs: one per four lines or per 512 bytes, whichever is more, so that
/// a paste goes through at once but a stream of them is paced like the
/// separate lines most clients will show.
pub(crate) fn cost(lines: usize, bytes: usize) -> u32 {
    let cost = lines.div_ceil(4).max(bytes.div_ceil(512)).max(1);
    u32::try_from(cost).unwrap_or(u32::MAX)
}

impl OpenBatch {
    /// Adds a line; a refusal ends the batch.
    pub(crate) fn push(&mut self, command: &str, target: &str, line: Line) -> Result<(), Refusal> {
        if !matches!(command, "PRIVMSG" | "NOTICE") {
            return Err(Refusal::Invalid("Only PRIVMSG or NOTICE lines"));
        }
        if *self.command.get_or_insert_with(|| command.to_owned()) != command {
            return Err(Refusal::Invalid("PRIVMSG and NOTICE lines mixed"));
        }
        if !ciao_proto::irc_eq(target, &self.target) {
            return Err(Refusal::InvalidTarget(target.to_owned()));
        }
        if line.concat && line.text.is_empty() {
            return Err(Refusal::Invalid("A blank line cannot continue another"));
        }
        let separator = usize::from(!self.lines.is_empty() && !line.concat);
        self.bytes += line.text.len() + separator;
        self.lines.push(line);
        if self.lines.len() > MAX_LINES {
            return Err(Refusal::MaxLines);
        }
        if self.bytes > MAX_BYTES {
            return Err(Refusal::MaxBytes);
        }
        Ok(())
    }

    /// Checks the closed batch as a whole.
    pub(crate) fn check(&self) -> Result<(), Refusal> {
        if self.lines.iter().all(|line| line.text.is_empty()) {
            return Err(Refusal::Invalid("No text"));
        }
        Ok(())
    }
}

/// A multiline message, serialised once per wire flavour as its
/// recipients need it.
#[derive(Debug)]
pub(crate) struct MultilineFanout {
    /// `nick!user@host` of the sender.
    pub(crate) source: String,
    pub(crate) sender_nick: String,
    pub(crate) command: String,
    /// The target as recipients see it (the channel, or the recipient).
    pub(crate) target: String,
    pub(crate) lines: Vec<Line>,
    pub(crate) msgid: String,
    pub(crate) time: u64,
    pub(crate) client_tags: Vec<Tag>,
    pub(crate) bot: bool,
    /// The server's reference for the batch.
    pub(crate) reference: String,
    pub(crate) private: bool,
    /// The sender's account, if logged in (the `account` tag).
    pub(crate) account: Option<String>,
    /// Lines per flavour: plain, then IRC by (account tag, multiline,
    /// server-time, message-tags).
    cache: [Option<Vec<Bytes>>; 17],
}

impl MultilineFanout {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        source: String,
        sender_nick: String,
        command: String,
        target: String,
        lines: Vec<Line>,
        (msgid, time): (String, u64),
        client_tags: Vec<Tag>,
        bot: bool,
        reference: String,
        private: bool,
    ) -> Self {
        MultilineFanout {
            source,
            sender_nick,
            command,
            target,
            lines,
            msgid,
            time,
            client_tags,
            bot,
            reference,
            private,
            account: None,
            cache: Default::default(),
        }
    }

    /// The lines `client` should receive.
    pub(crate) fn lines_for(&mut self, client: &Client) -> Vec<Bytes> {
        let mut flavour = TagFlavour::of(client);
        flavour.account &= self.account.is_some();
        let multiline = client.caps.has(Cap::Multiline) && client.caps.has(Cap::Batch);
        let slot = match client.protocol {
            Protocol::Plain => 0,
            Protocol::Irc => {
                1 + usize::from(flavour.account) * 8
                    + usize::from(multiline) * 4
                    + usize::from(flavour.time) * 2
                    + usize::from(flavour.tags)
            }
        };
        if self.cache[slot].is_none() {
            let lines = match client.protocol {
                Protocol::Plain => self.plain(),
                Protocol::Irc if multiline => self.batched(flavour),
                Protocol::Irc => self.separate(flavour),
            };
            self.cache[slot] = Some(lines);
        }
        self.cache[slot].clone().unwrap_or_default()
    }

    /// The message's own tags (time, account, msgid, bot, client tags),
    /// as the flavour allows.
    fn message_tags(&self, flavour: TagFlavour, msgid: bool) -> Vec<Tag> {
        let msgid = msgid.then_some(self.msgid.as_str());
        let account = self.account.as_deref();
        message_tags(
            flavour,
            self.time,
            account,
            msgid,
            self.bot,
            &self.client_tags,
        )
    }

    fn batched(&self, flavour: TagFlavour) -> Vec<Bytes> {
        let open = Message {
            tags: self.message_tags(flavour, true),
            ..Message::new(
                "BATCH",
                [
                    format!("+{}", self.reference),
                    BATCH_TYPE.to_owned(),
                    self.target.clone(),
                ],
            )
            .with_source(self.source.clone())
        };
        let mut out = vec![open.to_bytes()];
        for line in &self.lines {
            let mut message = self.line(&line.text);
            message
                .tags
                .push(tag("batch", Some(self.reference.clone())));
            if line.concat {
                message.tags.push(tag(CONCAT_TAG, None));
            }
            out.push(message.to_bytes());
        }
        let close = Message::new("BATCH", [format!("-{}", self.reference)])
            .with_source(self.source.clone());
        out.push(close.to_bytes());
        out
    }

    /// One line each, blank ones left out; the msgid on the first.
    fn separate(&self, flavour: TagFlavour) -> Vec<Bytes> {
        self.lines
            .iter()
            .filter(|line| !line.text.is_empty())
            .enumerate()
            .map(|(i, line)| {
                let mut message = self.line(&line.text);
                message.tags = self.message_tags(flavour, i == 0);
                message.to_bytes()
            })
            .collect()
    }

    fn plain(&self) -> Vec<Bytes> {
        self.lines
            .iter()
            .filter(|line| !line.text.is_empty())
            .filter_map(|line| {
                plain_text(&self.command, &self.sender_nick, &line.text, self.private)
            })
            .map(|text| plain_line(&text))
            .collect()
    }

    fn line(&self, text: &str) -> Message {
        Message::new(&self.command, [self.target.as_str(), text]).with_source(self.source.clone())
    }
}

fn tag(key: &str, value: Option<String>) -> Tag {
    Tag {
        key: key.to_owned(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> OpenBatch {
        OpenBatch {
            reference: "r".to_owned(),
            target: "#c".to_owned(),
            label: None,
            client_tags: Vec::new(),
            command: None,
            lines: Vec::new(),
            bytes: 0,
        }
    }

    fn line(text: &str, concat: bool) -> Line {
        Line {
            text: text.to_owned(),
            concat,
        }
    }

    #[test]
    fn lines_are_counted_with_their_breaks() {
        let mut batch = open();
        batch.push("PRIVMSG", "#C", line("ab", false)).expect("ok");
        batch.push("PRIVMSG", "#c", line("", false)).expect("ok");
        batch.push("PRIVMSG", "#c", line("cd", true)).expect("ok");
        // "ab" + "\n" + "" + "cd" (joined)
        assert_eq!(batch.bytes, 5);
        assert!(batch.check().is_ok());
        assert_eq!(
            batch.push("NOTICE", "#c", line("x", false)),
            Err(Refusal::Invalid("PRIVMSG and NOTICE lines mixed"))
        );
    }

    #[test]
    fn costs() {
        assert_eq!(cost(1, 10), 1);
        assert_eq!(cost(4, 40), 1);
        assert_eq!(cost(5, 40), 2);
        assert_eq!(cost(100, 400), 25);
        assert_eq!(cost(2, 4096), 8);
    }

    #[test]
    fn refusals() {
        let mut batch = open();
        assert_eq!(
            batch.push("PRIVMSG", "#d", line("x", false)),
            Err(Refusal::InvalidTarget("#d".to_owned()))
        );
        let mut batch = open();
        assert!(matches!(
            batch.push("PRIVMSG", "#c", line("", true)),
            Err(Refusal::Invalid(_))
        ));
        let mut batch = open();
        batch.push("PRIVMSG", "#c", line("", false)).expect("ok");
        assert!(matches!(batch.check(), Err(Refusal::Invalid(_))));
        let mut batch = open();
        let long = "x".repeat(MAX_BYTES);
        batch.push("PRIVMSG", "#c", line(&long, false)).expect("ok");
        assert_eq!(
            batch.push("PRIVMSG", "#c", line("y", true)),
            Err(Refusal::MaxBytes)
        );
        let mut batch = open();
        for _ in 0..MAX_LINES {
            batch.push("PRIVMSG", "#c", line("l", false)).expect("ok");
        }
        assert_eq!(
            batch.push("PRIVMSG", "#c", line("l", false)),
            Err(Refusal::MaxLines)
        );
    }
}
