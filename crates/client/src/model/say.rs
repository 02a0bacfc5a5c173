//! Our own text on its way to the server, so that nothing typed is lost:
//! every line the server relays (`:nick!user@host PRIVMSG #chan :text`)
//! must fit its line limit, so a long line is cut into pieces (at a word
//! when it can), and a paste of several lines is several messages — or,
//! when the server offers `draft/multiline`, one batch that capable
//! clients show as the one message it was.

use ciao_proto::Message;

use super::multiline::{BATCH_TYPE, part_tags};
use super::*;
use crate::split::split_text;

/// The host part of our source until the server shows us ours: 63 bytes,
/// the HOSTLEN of common servers (and a DNS label's limit).
const WORST_HOST_LEN: usize = 63;
/// CR LF ending every line.
const CRLF_LEN: usize = 2;
/// Fewest text bytes a line is given, however long its target: enough to
/// make progress; a target that leaves less is refused by the server.
const MIN_TEXT_BYTES: usize = 64;
/// `\x01ACTION ` and `\x01` around a `/me`.
const ACTION_OPEN: &str = "\u{1}ACTION ";
const ACTION_CLOSE: &str = "\u{1}";

/// What kind of text: the verb and its framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    Message,
    /// `/me`: a CTCP ACTION, framed in every piece.
    Action,
    Notice,
}

impl TextKind {
    fn verb(self) -> &'static str {
        match self {
            TextKind::Notice => "NOTICE",
            TextKind::Message | TextKind::Action => "PRIVMSG",
        }
    }

    fn framing(self) -> usize {
        match self {
            TextKind::Action => ACTION_OPEN.len() + ACTION_CLOSE.len(),
            _ => 0,
        }
    }

    fn line_kind(self) -> LineKind {
        match self {
            TextKind::Message => LineKind::Message,
            TextKind::Action => LineKind::Action,
            TextKind::Notice => LineKind::Notice,
        }
    }

    fn message(self, target: &str, text: &str) -> Message {
        let body = match self {
            TextKind::Action => format!("{ACTION_OPEN}{text}{ACTION_CLOSE}"),
            _ => text.to_owned(),
        };
        Message::new(self.verb(), [target, body.as_str()])
    }
}

/// One piece of a multiline batch.
#[derive(Debug, Clone, Copy)]
struct Part<'a> {
    text: &'a str,
    /// Continues the previous piece without a line break.
    concat: bool,
}

/// The lines of a typed text: line breaks of any convention, blank lines
/// at the start and end dropped (in between they are kept for a batch).
fn typed_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last]
            .iter()
            .map(|l| (*l).to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

impl Model {
    /// Text bytes that fit one `verb` line to `target` as the server
    /// relays it, our source in front, `framing` bytes around the text.
    pub(crate) fn text_budget(&self, verb: &str, target: &str, framing: usize) -> usize {
        let userhost = match &self.own_userhost {
            Some(userhost) => userhost.len(),
            // Until our JOIN shows it: the longest user and host.
            None => self.isupport.user_len + 1 + WORST_HOST_LEN,
        };
        let source = self.own_nick.len() + 1 + userhost;
        // ":" source " " verb " " target " :" text CRLF
        let overhead = 1 + source + 1 + verb.len() + 1 + target.len() + 2 + CRLF_LEN;
        self.isupport
            .line_len
            .saturating_sub(overhead + framing)
            .max(MIN_TEXT_BYTES)
    }

    /// Everything to send for `text` (typed, possibly of several lines) to
    /// `target`, added to `out`; shown in buffer `echo_in` at once unless
    /// the server echoes our lines.
    pub(crate) fn send_text(
        &mut self,
        out: &mut Outgoing,
        target: &str,
        kind: TextKind,
        text: &str,
        echo_in: usize,
    ) {
        let lines = typed_lines(text);
        if lines.is_empty() {
            return;
        }
        let budget = self.text_budget(kind.verb(), target, kind.framing());
        let needs_batch = lines.len() > 1 || lines.iter().any(|l| l.len() > budget);
        // A CTCP ACTION is one line by nature: no batch for `/me`.
        let limits = self.multiline.limits.filter(|_| kind != TextKind::Action);
        let shown: Vec<String> = match limits {
            Some(limits) if needs_batch => {
                let budget = budget.min(limits.max_bytes);
                let parts: Vec<Part<'_>> = lines
                    .iter()
                    .flat_map(|line| {
                        split_text(line, budget)
                            .into_iter()
                            .enumerate()
                            .map(|(i, text)| Part {
                                text,
                                concat: i > 0,
                            })
                    })
                    .collect();
                batches(parts, limits)
                    .into_iter()
                    .map(|batch| self.send_batch(out, target, kind, &batch))
                    .collect()
            }
            _ => {
                for line in lines.iter().filter(|l| !l.is_empty()) {
                    for piece in split_text(line, budget) {
                        out.messages.push(kind.message(target, piece));
                    }
                }
                lines.into_iter().filter(|l| !l.is_empty()).collect()
            }
        };
        if !self.echo_message {
            let own = self.own_nick.clone();
            for text in shown {
                let line = self.line(now_millis(), Some(&own), text, kind.line_kind());
                self.push(echo_in, line);
            }
        }
    }

    /// Adds one batch (one plain line when it has one part) to `out`;
    /// returns its text as receivers show it.
    fn send_batch(
        &mut self,
        out: &mut Outgoing,
        target: &str,
        kind: TextKind,
        parts: &[Part<'_>],
    ) -> String {
        let mut whole = String::new();
        for part in parts {
            if !part.concat && !whole.is_empty() {
                whole.push('\n');
            }
            whole.push_str(part.text);
        }
        if let [only] = parts {
            out.messages.push(kind.message(target, only.text));
            return whole;
        }
        let reference = self.multiline.next_reference();
        out.messages.push(Message::new(
            "BATCH",
            [format!("+{reference}").as_str(), BATCH_TYPE, target],
        ));
        for part in parts {
            let mut message = kind.message(target, part.text);
            message.tags = part_tags(&reference, part.concat);
            out.messages.push(message);
        }
        out.messages
            .push(Message::new("BATCH", [format!("-{reference}")]));
        whole
    }
}

/// Packs parts into batches within the server's limits. A batch never
/// starts with a continuation (its line break is then the one between
/// two messages) nor with a blank line (a batch of nothing but blank
/// lines is refused).
fn batches(parts: Vec<Part<'_>>, limits: MultilineLimits) -> Vec<Vec<Part<'_>>> {
    let mut batches = Vec::new();
    let mut current: Vec<Part<'_>> = Vec::new();
    let mut bytes = 0;
    for mut part in parts {
        let added = part.text.len() + usize::from(!part.concat);
        if !current.is_empty()
            && (current.len() >= limits.max_lines || bytes + added > limits.max_bytes)
        {
            batches.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            if part.text.is_empty() {
                continue;
            }
            part.concat = false;
            bytes = part.text.len();
        } else {
            bytes += added;
        }
        current.push(part);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &str, concat: bool) -> Part<'_> {
        Part { text, concat }
    }

    fn shape(batches: &[Vec<Part<'_>>]) -> Vec<Vec<(String, bool)>> {
        batches
            .iter()
            .map(|b| b.iter().map(|p| (p.text.to_owned(), p.concat)).collect())
            .collect()
    }

    #[test]
    fn typed_lines_drop_blank_ends_and_keep_inner_blanks() {
        assert_eq!(typed_lines("\n a\r\n\r\nb\rc\n \n"), [" a", "", "b", "c"]);
        assert!(typed_lines(" \n\n").is_empty());
    }

    #[test]
    fn batches_respect_both_limits_and_never_start_with_a_continuation() {
        let limits = MultilineLimits {
            max_bytes: 7,
            max_lines: 2,
        };
        let parts = vec![
            part("ab", false),
            part("cd", true),
            part("ef", true),
            part("", false),
            part("gh", false),
        ];
        // "ab"+"cd" = 4 bytes, 2 parts: full. "ef" starts the next batch
        // as a line of its own; the blank line fits ("ef\n" = 3 bytes).
        assert_eq!(
            shape(&batches(parts, limits)),
            [
                vec![("ab".to_owned(), false), ("cd".to_owned(), true)],
                vec![("ef".to_owned(), false), (String::new(), false)],
                vec![("gh".to_owned(), false)],
            ]
        );
    }

    #[test]
    fn budget_counts_the_relayed_prefix_and_the_ctcp_framing() {
        let mut model = Model::new("nick");
        model.own_userhost = Some("~u@host".to_owned());
        // ":nick!~u@host PRIVMSG #c :" is 26 bytes, CRLF 2.
        assert_eq!(model.text_budget("PRIVMSG", "#c", 0), 512 - 28);
        assert_eq!(
            model.text_budget("PRIVMSG", "#c", TextKind::Action.framing()),
            512 - 28 - 9
        );
        model.own_userhost = None;
        assert_eq!(
            model.text_budget("PRIVMSG", "#c", 0),
            512 - 28 - (16 + 1 + 63) + "~u@host".len()
        );
    }
}
