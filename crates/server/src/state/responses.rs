//! IRCv3 `labeled-response`: the replies to a command that carried a
//! `label` tag, gathered so they go back as one labeled line, an `ACK`
//! when there are none, or a `labeled-response` batch (or, when the reply
//! is itself one batch, that batch with the label on its first line).
//!
//! Every line for a client passes [`Responses::capture`] (through
//! `Sink::deliver`). While a labeled command runs — its handler, and with
//! history on the releases of the messages it published, which run after
//! their commit — lines for its sender are its responses. Other lines for
//! that sender wait behind the answer when they happened after the
//! command began (a handler's line, or a release of a later job), and go
//! at once when they come from a job submitted before it: so the client
//! sees everything in the order it happened.

use bytes::{BufMut, Bytes, BytesMut};

use crate::state::client::ClientId;

/// Longest label honoured (the specification's bound); a longer one is
/// ignored and the command answered as if unlabeled.
pub(crate) const MAX_LABEL_LEN: usize = 64;

/// Identifies one labeled command while its responses are gathered.
pub(crate) type Token = u64;

#[derive(Debug, Default)]
pub(crate) struct Responses {
    /// Labeled commands whose responses are not sent yet, oldest first.
    pending: Vec<Pending>,
    /// The labeled command whose handler or release is running.
    active: Option<Token>,
    /// The history job being released, if a release is running.
    releasing: Option<u64>,
    next_token: Token,
}

#[derive(Debug)]
struct Pending {
    token: Token,
    client: ClientId,
    label: String,
    /// The client negotiated `batch`: several responses go in one batch
    /// (without it, only the first carries the label, as the spec allows).
    batch: bool,
    /// History jobs submitted when the command began: releases of these
    /// happened before it.
    begun_at: u64,
    responses: Vec<Bytes>,
    /// Lines for the client that are not responses, in arrival order.
    held: Vec<Bytes>,
    /// Bytes in `responses` and `held`, bounded like the client's sendq.
    bytes: usize,
    /// A release of this command runs after a history commit, so the
    /// responses are complete only when a later job finishes them.
    deferred: bool,
}

/// A finished command's responses and what waited behind them.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) client: ClientId,
    pub(crate) label: String,
    pub(crate) batch: bool,
    pub(crate) responses: Vec<Bytes>,
    pub(crate) held: Vec<Bytes>,
}

/// What became of a line offered to [`Responses::capture`].
#[derive(Debug)]
pub(crate) enum Capture {
    /// Not held: send it now.
    Send(Bytes),
    /// Kept for later.
    Kept,
    /// Keeping it would pass the client's sendq: the client's pending
    /// answers are dropped, and the client must go as a reader too slow.
    Overflow,
}

impl Responses {
    /// True when no labeled command is waiting: every line goes straight
    /// to its outbox (the common case, checked first on every delivery).
    pub(crate) fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// Starts gathering the responses to `client`'s labeled command;
    /// `begun_at` is the number of history jobs submitted so far.
    pub(crate) fn begin(
        &mut self,
        client: ClientId,
        label: String,
        batch: bool,
        begun_at: u64,
    ) -> Token {
        self.next_token += 1;
        let token = self.next_token;
        self.pending.push(Pending {
            token,
            client,
            label,
            batch,
            begun_at,
            responses: Vec::new(),
            held: Vec::new(),
            bytes: 0,
            deferred: false,
        });
        self.active = Some(token);
        token
    }

    /// The labeled command running now, if any.
    pub(crate) fn active(&self) -> Option<Token> {
        self.active
    }

    /// Makes `token` the running command (for its deferred releases);
    /// returns the one it replaces.
    pub(crate) fn set_active(&mut self, token: Option<Token>) -> Option<Token> {
        std::mem::replace(&mut self.active, token)
    }

    /// Marks the history job being released (`None` between releases).
    pub(crate) fn set_releasing(&mut self, ticket: Option<u64>) {
        self.releasing = ticket;
    }

    /// Notes that `token` published a job whose release is part of its
    /// response.
    pub(crate) fn defer(&mut self, token: Token) {
        if let Some(pending) = self.pending.iter_mut().find(|p| p.token == token) {
            pending.deferred = true;
        }
    }

    pub(crate) fn is_deferred(&self, token: Token) -> bool {
        self.pending
            .iter()
            .any(|pending| pending.token == token && pending.deferred)
    }

    /// Takes a line for `client`: it is a response of the running command,
    /// or waits behind an earlier labeled command of the same client, or
    /// comes back to be sent now. `limit` is the client's sendq.
    pub(crate) fn capture(&mut self, client: ClientId, line: Bytes, limit: usize) -> Capture {
        let active = self.active;
        if let Some(pending) = self
            .pending
            .iter_mut()
            .find(|pending| Some(pending.token) == active && pending.client == client)
        {
            pending.bytes += line.len();
            pending.responses.push(line);
            return self.check(client, limit);
        }
        self.hold(client, line, limit)
    }

    /// Takes a line for `client` that is not a response even while its
    /// command runs (a message to oneself is delivered as a side effect):
    /// it waits only behind an earlier labeled command.
    pub(crate) fn capture_aside(&mut self, client: ClientId, line: Bytes, limit: usize) -> Capture {
        self.hold(client, line, limit)
    }

    fn hold(&mut self, client: ClientId, line: Bytes, limit: usize) -> Capture {
        let (active, releasing) = (self.active, self.releasing);
        match self
            .pending
            .iter_mut()
            .find(|pending| pending.client == client)
        {
            // A release of a job from before the command began happened
            // before it: it goes now, ahead of the answer.
            Some(pending)
                if Some(pending.token) != active
                    && releasing.is_none_or(|ticket| ticket > pending.begun_at) =>
            {
                pending.bytes += line.len();
                pending.held.push(line);
                self.check(client, limit)
            }
            _ => Capture::Send(line),
        }
    }

    /// Drops `client`'s pending answers if they hold more than `limit`.
    fn check(&mut self, client: ClientId, limit: usize) -> Capture {
        let held: usize = self
            .pending
            .iter()
            .filter(|pending| pending.client == client)
            .map(|pending| pending.bytes)
            .sum();
        if held <= limit {
            return Capture::Kept;
        }
        self.pending.retain(|pending| pending.client != client);
        Capture::Overflow
    }

    /// Ends `token`'s gathering and hands back what to send.
    pub(crate) fn finish(&mut self, token: Token) -> Option<Finished> {
        if self.active == Some(token) {
            self.active = None;
        }
        let index = self
            .pending
            .iter()
            .position(|pending| pending.token == token)?;
        let pending = self.pending.remove(index);
        Some(Finished {
            client: pending.client,
            label: pending.label,
            batch: pending.batch,
            responses: pending.responses,
            held: pending.held,
        })
    }

    /// Lines of a finished answer of `client`'s: they wait behind an
    /// earlier labeled command of the same client still pending, if any,
    /// or come back to be sent now.
    pub(crate) fn after_earlier(
        &mut self,
        client: ClientId,
        token: Token,
        lines: Vec<Bytes>,
    ) -> Vec<Bytes> {
        match self
            .pending
            .iter_mut()
            .find(|pending| pending.client == client && pending.token < token)
        {
            Some(earlier) => {
                earlier.bytes += lines.iter().map(Bytes::len).sum::<usize>();
                earlier.held.extend(lines);
                Vec::new()
            }
            None => lines,
        }
    }
}

impl Finished {
    /// The lines to send, in order: the responses labeled (one line
    /// tagged, an `ACK`, one batch with the label on its first line, or a
    /// `labeled-response` batch), then what was held.
    pub(crate) fn into_lines(self, server: &str, batch_ref: impl FnOnce() -> String) -> Vec<Bytes> {
        let label = format!("label={}", escaped(&self.label));
        let mut lines = Vec::with_capacity(self.responses.len() + self.held.len() + 2);
        match self.responses.len() {
            0 => lines.push(Bytes::from(format!("@{label} :{server} ACK\r\n"))),
            1 => lines.push(with_tag(&self.responses[0], &label)),
            _ if is_one_batch(&self.responses) => {
                lines.push(with_tag(&self.responses[0], &label));
                lines.extend(self.responses[1..].iter().cloned());
            }
            _ if self.batch => {
                let reference = batch_ref();
                lines.push(Bytes::from(format!(
                    "@{label} :{server} BATCH +{reference} labeled-response\r\n"
                )));
                let tag = format!("batch={reference}");
                for line in &self.responses {
                    // A nested batch's lines keep their own batch tag;
                    // its BATCH lines carry ours.
                    if has_tag(line, "batch") {
                        lines.push(line.clone());
                    } else {
                        lines.push(with_tag(line, &tag));
                    }
                }
                lines.push(Bytes::from(format!(":{server} BATCH -{reference}\r\n")));
            }
            _ => {
                lines.push(with_tag(&self.responses[0], &label));
                lines.extend(self.responses[1..].iter().cloned());
            }
        }
        lines.extend(self.held);
        lines
    }
}

/// True when `lines` are one batch: `BATCH +ref …`, lines tagged with a
/// batch, `BATCH -ref`.
fn is_one_batch(lines: &[Bytes]) -> bool {
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return false;
    };
    let Some(reference) = batch_reference(first, '+') else {
        return false;
    };
    batch_reference(last, '-') == Some(reference)
        && lines[1..lines.len() - 1]
            .iter()
            .all(|line| has_tag(line, "batch"))
}

/// The reference of a `BATCH <sign>ref …` line that is not itself inside
/// another batch.
fn batch_reference(line: &[u8], sign: char) -> Option<&[u8]> {
    if has_tag(line, "batch") {
        return None;
    }
    let line = line.strip_suffix(b"\r\n").unwrap_or(line);
    let mut words = line.split(|&b| b == b' ');
    let mut word = words.next()?;
    if word.starts_with(b"@") {
        word = words.next()?;
    }
    if word.starts_with(b":") {
        word = words.next()?;
    }
    if word != b"BATCH" {
        return None;
    }
    words.next()?.strip_prefix(&[sign as u8])
}

fn escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // Writing to a String cannot fail.
    let _ = ciao_proto::message::escape_tag_value(value, &mut out);
    out
}

/// `line` with `tag` (`key=value`, escaped) added first among its tags.
fn with_tag(line: &[u8], tag: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(line.len() + tag.len() + 2);
    out.put_u8(b'@');
    out.put_slice(tag.as_bytes());
    match line.strip_prefix(b"@") {
        Some(rest) => {
            out.put_u8(b';');
            out.put_slice(rest);
        }
        None => {
            out.put_u8(b' ');
            out.put_slice(line);
        }
    }
    out.freeze()
}

/// True when the serialised `line` carries the tag `key`.
fn has_tag(line: &[u8], key: &str) -> bool {
    let Some(rest) = line.strip_prefix(b"@") else {
        return false;
    };
    let tags = rest.split(|&b| b == b' ').next().unwrap_or_default();
    tags.split(|&b| b == b';').any(|tag| {
        let name = tag.split(|&b| b == b'=').next().unwrap_or_default();
        name == key.as_bytes()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    fn lines(finished: Finished) -> Vec<String> {
        finished
            .into_lines("srv", || "b1".to_owned())
            .iter()
            .map(|line| String::from_utf8_lossy(line).trim_end().to_owned())
            .collect()
    }

    fn line(text: &str) -> Bytes {
        Bytes::from(format!("{text}\r\n"))
    }

    fn kept(capture: Capture) -> bool {
        matches!(capture, Capture::Kept)
    }

    fn sent(capture: Capture) -> bool {
        matches!(capture, Capture::Send(_))
    }

    fn gathered(responses: &[&str], batch: bool) -> Finished {
        let mut r = Responses::default();
        let token = r.begin(7, "a b;c".to_owned(), batch, 0);
        for text in responses {
            assert!(kept(r.capture(7, line(text), LIMIT)));
        }
        r.finish(token).expect("pending")
    }

    #[test]
    fn none_one_or_many() {
        assert_eq!(lines(gathered(&[], true)), ["@label=a\\sb\\:c :srv ACK"]);
        assert_eq!(
            lines(gathered(&[":srv PONG srv x"], true)),
            ["@label=a\\sb\\:c :srv PONG srv x"]
        );
        assert_eq!(
            lines(gathered(
                &["@time=t :a JOIN #c", ":srv 366 a #c :End"],
                true
            )),
            [
                "@label=a\\sb\\:c :srv BATCH +b1 labeled-response",
                "@batch=b1;time=t :a JOIN #c",
                "@batch=b1 :srv 366 a #c :End",
                ":srv BATCH -b1",
            ]
        );
        // Without batch, only the first line is labeled.
        assert_eq!(
            lines(gathered(&[":a JOIN #c", ":srv 366 a #c :End"], false)),
            ["@label=a\\sb\\:c :a JOIN #c", ":srv 366 a #c :End"]
        );
    }

    #[test]
    fn an_answer_that_is_one_batch_carries_the_label_itself() {
        let out = lines(gathered(
            &[
                ":a BATCH +m draft/multiline #c",
                "@batch=m :a PRIVMSG #c :one",
                ":a BATCH -m",
            ],
            true,
        ));
        assert_eq!(
            out,
            [
                "@label=a\\sb\\:c :a BATCH +m draft/multiline #c",
                "@batch=m :a PRIVMSG #c :one",
                ":a BATCH -m",
            ]
        );
    }

    #[test]
    fn a_nested_batch_keeps_its_own_tags() {
        let out = lines(gathered(
            &[
                ":srv BATCH +h chathistory #c",
                "@batch=h :a PRIVMSG #c :old",
                ":srv BATCH -h",
                ":srv 366 a #c :End",
            ],
            true,
        ));
        assert_eq!(out[1], "@batch=b1 :srv BATCH +h chathistory #c");
        assert_eq!(out[2], "@batch=h :a PRIVMSG #c :old");
        assert_eq!(out[3], "@batch=b1 :srv BATCH -h");
    }

    #[test]
    fn others_lines_wait_behind_a_deferred_response() {
        let mut r = Responses::default();
        // Three history jobs were submitted before the command began.
        let token = r.begin(7, "l".to_owned(), true, 3);
        r.defer(token);
        r.set_active(None);
        // A line from a handler (now) waits; lines for others pass.
        assert!(kept(r.capture(7, line("other"), LIMIT)));
        assert!(sent(r.capture(8, line("x"), LIMIT)));
        // A release of an earlier job happened before the command: it
        // goes at once; a release of a later one waits.
        r.set_releasing(Some(3));
        assert!(sent(r.capture(7, line("earlier"), LIMIT)));
        r.set_releasing(Some(5));
        assert!(kept(r.capture(7, line("later"), LIMIT)));
        // The deferred release's line is a response.
        r.set_releasing(Some(4));
        r.set_active(Some(token));
        assert!(kept(r.capture(7, line("echo"), LIMIT)));
        // A message to oneself is a side effect, not a response.
        assert!(sent(r.capture_aside(7, line("self"), LIMIT)));
        r.set_active(None);
        r.set_releasing(None);
        let finished = r.finish(token).expect("pending");
        assert_eq!(lines(finished), ["@label=l echo", "other", "later"]);
        assert!(r.is_idle());
    }

    #[test]
    fn a_later_answer_waits_behind_an_earlier_one() {
        let mut r = Responses::default();
        let first = r.begin(7, "1".to_owned(), true, 0);
        r.defer(first);
        r.set_active(None);
        let second = r.begin(7, "2".to_owned(), true, 0);
        assert!(kept(r.capture(7, line("401"), LIMIT)));
        let done = r.finish(second).expect("pending");
        let out = done.into_lines("srv", || "b".to_owned());
        assert!(r.after_earlier(7, second, out).is_empty());
        assert_eq!(
            lines(r.finish(first).expect("pending")),
            ["@label=1 :srv ACK", "@label=2 401"]
        );
    }

    #[test]
    fn answers_are_bounded_like_the_sendq() {
        let mut r = Responses::default();
        r.begin(7, "l".to_owned(), true, 0);
        // Ten bytes each: the second passes fifteen.
        assert!(kept(r.capture(7, line("12345678"), 15)));
        assert!(matches!(
            r.capture(7, line("12345678"), 15),
            Capture::Overflow
        ));
        assert!(r.is_idle(), "the client's answers are dropped");
    }
}
