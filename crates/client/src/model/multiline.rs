//! IRCv3 `draft/multiline`: the server's limits for the batches we send,
//! and batches received (someone's paste, or our own echoed) shown as ONE
//! line: its parts joined with a line break, or with nothing for a part
//! tagged `draft/multiline-concat` (a long line split only for the wire).
//!
//! A batch nested in a `chathistory` replay keeps its outer `batch` tag on
//! the joined message, so the replay collects it like any other line.

use ciao_proto::{Message, Numeric, Tag};

use super::Model;

/// The capability, and the batch type it uses.
pub const CAP: &str = "draft/multiline";
pub const BATCH_TYPE: &str = "draft/multiline";
/// The tag that joins a part to the previous one without a line break.
pub const CONCAT_TAG: &str = "draft/multiline-concat";

/// Batches received at once: a server opening more (or never closing
/// them) gets its further batches shown line by line instead.
const MAX_OPEN_BATCHES: usize = 8;
/// Parts and bytes kept of one received batch, whatever the server
/// advertised: what a window can show, and the memory one peer may use.
/// 16 KiB is four times the usual advertised `max-bytes` (4096); past it
/// the parts are dropped and the line ends with [`CUT_NOTE`]. Each such
/// line then counts against the buffer's byte budget
/// (`limits::MAX_BYTES_PER_BUFFER`).
const MAX_RECEIVED_LINES: usize = 1000;
const MAX_RECEIVED_BYTES: usize = 16 * 1024;
/// Appended when a received batch was longer than that.
const CUT_NOTE: &str = "\n[… the rest of this message was too long to show]";

/// What the server allows in one batch (its CAP value,
/// `max-bytes=4096,max-lines=100`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultilineLimits {
    /// Text bytes, one for each line break between parts counted.
    pub max_bytes: usize,
    /// Parts; `usize::MAX` when the server sets no such limit.
    pub max_lines: usize,
}

impl MultilineLimits {
    /// Reads the CAP value; `None` without a usable `max-bytes`, which the
    /// specification requires (we could not know what fits).
    pub fn parse(value: &str) -> Option<Self> {
        let mut max_bytes = None;
        let mut max_lines = usize::MAX;
        for pair in value.split(',') {
            match pair.split_once('=') {
                Some(("max-bytes", n)) => max_bytes = n.parse().ok().filter(|n| *n > 0),
                Some(("max-lines", n)) => {
                    max_lines = n.parse().ok().filter(|n| *n > 0).unwrap_or(max_lines);
                }
                _ => {}
            }
        }
        Some(MultilineLimits {
            max_bytes: max_bytes?,
            max_lines,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Multiline {
    /// Limits from `CAP LS`, waiting for the ack.
    offered: Option<MultilineLimits>,
    /// Set once the server acked the capability (and `batch`): we may
    /// send batches within these limits.
    pub(crate) limits: Option<MultilineLimits>,
    /// Batches being received.
    open: Vec<Incoming>,
    /// Numbers the references of the batches we send.
    sent: u64,
}

impl Multiline {
    /// The capabilities the server offers, with their values.
    pub(crate) fn offered(&mut self, caps: &[(String, Option<String>)]) {
        // A new offer is a new connection: what the last one acked is gone.
        self.limits = None;
        self.offered = caps
            .iter()
            .find(|(name, _)| name == CAP)
            .and_then(|(_, value)| MultilineLimits::parse(value.as_deref()?));
    }

    /// The capabilities the server acknowledged.
    pub(crate) fn acked(&mut self, caps: &[String]) {
        let has = |cap: &str| caps.iter().any(|c| c == cap);
        if has(CAP) && has("batch") {
            self.limits = self.offered;
        }
    }

    /// A fresh reference for a batch we open.
    pub(crate) fn next_reference(&mut self) -> String {
        self.sent += 1;
        format!("ml{}", self.sent)
    }
}

/// A batch being received.
#[derive(Debug, Clone)]
struct Incoming {
    reference: String,
    /// The `BATCH +ref` line: its tags (time, msgid, an outer batch) are
    /// the message's.
    opener: Message,
    /// `PRIVMSG` or `NOTICE`, and source and target, from the first part.
    first: Option<Message>,
    text: String,
    lines: usize,
    /// Parts were dropped (over the bounds).
    cut: bool,
}

impl Incoming {
    fn push(&mut self, part: &Message) {
        let text = part.param(1).unwrap_or("");
        let concat = part.tag(CONCAT_TAG).is_some();
        let separator = usize::from(self.lines > 0 && !concat);
        if self.lines >= MAX_RECEIVED_LINES
            || self.text.len() + separator + text.len() > MAX_RECEIVED_BYTES
        {
            self.cut = true;
            return;
        }
        if separator == 1 {
            self.text.push('\n');
        }
        self.text.push_str(text);
        self.lines += 1;
        if self.first.is_none() {
            self.first = Some(part.clone());
        }
    }

    /// The batch as one message; `None` when it had no text.
    fn into_message(mut self) -> Option<Message> {
        let first = self.first?;
        if self.text.trim().is_empty() {
            return None;
        }
        if self.cut {
            self.text.push_str(CUT_NOTE);
        }
        let target = first.param(0).unwrap_or("").to_owned();
        Some(Message {
            tags: self.opener.tags,
            source: first.source.or(self.opener.source),
            command: first.command,
            params: vec![target, self.text],
        })
    }
}

impl Model {
    /// The server's draft/multiline limits, when it acked the capability:
    /// a paste then goes as one message.
    pub fn multiline_limits(&self) -> Option<MultilineLimits> {
        self.multiline.limits
    }

    /// Takes the lines of a `draft/multiline` batch; true when `message`
    /// was one (it is then not applied on its own). At the batch's end
    /// the whole message is applied as one line.
    pub(crate) fn claim_multiline(&mut self, message: &Message) -> bool {
        let open = &mut self.multiline.open;
        match message.command.as_str() {
            // A new registration: batches of the last connection never end.
            command if command == Numeric::Welcome.code() => {
                open.clear();
                false
            }
            "BATCH" => {
                let reference = message.param(0).unwrap_or("");
                if let Some(reference) = reference.strip_prefix('+') {
                    if message.param(1) != Some(BATCH_TYPE) || open.len() >= MAX_OPEN_BATCHES {
                        return false;
                    }
                    open.push(Incoming {
                        reference: reference.to_owned(),
                        opener: message.clone(),
                        first: None,
                        text: String::new(),
                        lines: 0,
                        cut: false,
                    });
                    return true;
                }
                let Some(reference) = reference.strip_prefix('-') else {
                    return false;
                };
                let Some(index) = open.iter().position(|b| b.reference == reference) else {
                    return false;
                };
                let batch = open.remove(index);
                if let Some(whole) = batch.into_message() {
                    self.apply_message(&whole);
                }
                true
            }
            "PRIVMSG" | "NOTICE" => {
                let Some(reference) = message.tag("batch").flatten() else {
                    return false;
                };
                let Some(batch) = open.iter_mut().find(|b| b.reference == reference) else {
                    return false;
                };
                batch.push(message);
                true
            }
            _ => false,
        }
    }
}

/// A `batch=ref` tag, and the concat tag for a continuing part.
pub(crate) fn part_tags(reference: &str, concat: bool) -> Vec<Tag> {
    let mut tags = vec![Tag {
        key: "batch".to_owned(),
        value: Some(reference.to_owned()),
    }];
    if concat {
        tags.push(Tag {
            key: CONCAT_TAG.to_owned(),
            value: None,
        });
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_the_cap_value() {
        assert_eq!(
            MultilineLimits::parse("max-bytes=4096,max-lines=100"),
            Some(MultilineLimits {
                max_bytes: 4096,
                max_lines: 100
            })
        );
        assert_eq!(
            MultilineLimits::parse("max-bytes=40000"),
            Some(MultilineLimits {
                max_bytes: 40000,
                max_lines: usize::MAX
            })
        );
        assert_eq!(MultilineLimits::parse("max-lines=5"), None);
        assert_eq!(MultilineLimits::parse("max-bytes=x"), None);
    }

    #[test]
    fn an_offer_counts_only_once_acked_with_batch() {
        let mut multiline = Multiline::default();
        multiline.offered(&[(CAP.to_owned(), Some("max-bytes=100".to_owned()))]);
        multiline.acked(&[CAP.to_owned()]);
        assert_eq!(multiline.limits, None);
        multiline.acked(&[CAP.to_owned(), "batch".to_owned()]);
        assert_eq!(multiline.limits.map(|l| l.max_bytes), Some(100));
        multiline.offered(&[]);
        assert_eq!(multiline.limits, None);
    }
}
