//! IRCv3 `labeled-response`: the replies to a command that carried a
//! `label` tag, gathered so they go back as one labeled line, an `ACK`
//! when there are none, or a `labeled-response` batch.
//!
//! Every line for a client passes [`Responses::capture`] (through
//! `State::deliver`). While a labeled command runs — its handler, and with
//! history on the releases of the messages it published, which run after
//! their commit — lines for its sender are its responses. Lines for that
//! sender from anyone else meanwhile are held and follow the responses,
//! so the client sees them in the order they happened: a JOIN's own echo
//! before the next speaker's line.

use bytes::{BufMut, Bytes, BytesMut};

use crate::client::ClientId;

/// Longest label honoured (the specification's bound); a longer one is
/// ignored and the command answered as if unlabeled.
pub const MAX_LABEL_LEN: usize = 64;

/// Identifies one labeled command while its responses are gathered.
pub type Token = u64;

#[derive(Debug, Default)]
pub struct Responses {
    /// Labeled commands whose responses are not sent yet, oldest first.
    pending: Vec<Pending>,
    /// The labeled command whose handler or release is running.
    active: Option<Token>,
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
    responses: Vec<Bytes>,
    /// Lines for the client that are not responses, in arrival order.
    held: Vec<Bytes>,
    /// A release of this command runs after a history commit, so the
    /// responses are complete only when a later job finishes them.
    deferred: bool,
}

/// A finished command's responses and what waited behind them.
#[derive(Debug)]
pub struct Finished {
    pub client: ClientId,
    pub label: String,
    pub batch: bool,
    pub responses: Vec<Bytes>,
    pub held: Vec<Bytes>,
}

impl Responses {
    /// True when no labeled command is waiting: every line goes straight
    /// to its outbox (the common case, checked first on every delivery).
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// Starts gathering the responses to `client`'s labeled command.
    pub fn begin(&mut self, client: ClientId, label: String, batch: bool) -> Token {
        self.next_token += 1;
        let token = self.next_token;
        self.pending.push(Pending {
            token,
            client,
            label,
            batch,
            responses: Vec::new(),
            held: Vec::new(),
            deferred: false,
        });
        self.active = Some(token);
        token
    }

    /// The labeled command running now, if any.
    pub fn active(&self) -> Option<Token> {
        self.active
    }

    /// Makes `token` the running command (for its deferred releases);
    /// returns the one it replaces.
    pub fn set_active(&mut self, token: Option<Token>) -> Option<Token> {
        std::mem::replace(&mut self.active, token)
    }

    /// Notes that `token` published a job whose release is part of its
    /// response.
    pub fn defer(&mut self, token: Token) {
        if let Some(pending) = self.find(token) {
            pending.deferred = true;
        }
    }

    pub fn is_deferred(&self, token: Token) -> bool {
        self.pending
            .iter()
            .any(|pending| pending.token == token && pending.deferred)
    }

    /// Takes a line for `client`: it is a response of the running command,
    /// or waits behind an earlier labeled command of the same client, or
    /// comes back to be sent now.
    pub fn capture(&mut self, client: ClientId, line: Bytes) -> Option<Bytes> {
        let active = self.active;
        if let Some(pending) = self
            .pending
            .iter_mut()
            .find(|pending| Some(pending.token) == active && pending.client == client)
        {
            pending.responses.push(line);
            return None;
        }
        self.hold(client, line)
    }

    /// Takes a line for `client` that is not a response even while its
    /// command runs (a message to oneself is delivered as a side effect):
    /// it waits only behind an earlier labeled command.
    pub fn capture_aside(&mut self, client: ClientId, line: Bytes) -> Option<Bytes> {
        self.hold(client, line)
    }

    fn hold(&mut self, client: ClientId, line: Bytes) -> Option<Bytes> {
        let active = self.active;
        match self
            .pending
            .iter_mut()
            .find(|pending| pending.client == client)
        {
            Some(pending) if Some(pending.token) != active => {
                pending.held.push(line);
                None
            }
            _ => Some(line),
        }
    }

    /// Ends `token`'s gathering and hands back what to send.
    pub fn finish(&mut self, token: Token) -> Option<Finished> {
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

    fn find(&mut self, token: Token) -> Option<&mut Pending> {
        self.pending
            .iter_mut()
            .find(|pending| pending.token == token)
    }
}

impl Finished {
    /// The lines to send, in order: the responses labeled (one line
    /// tagged, an `ACK`, or a batch), then what was held.
    pub fn into_lines(self, server: &str, batch_ref: impl FnOnce() -> String) -> Vec<Bytes> {
        let label = format!("label={}", escaped(&self.label));
        let mut lines = Vec::with_capacity(self.responses.len() + self.held.len() + 2);
        match self.responses.len() {
            0 => lines.push(Bytes::from(format!("@{label} :{server} ACK\r\n"))),
            1 => lines.push(with_tag(&self.responses[0], &label)),
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

/// `line` with a `label` tag: for answers that carry the label
/// themselves (a multiline echo's opening line).
pub fn with_label(line: &[u8], label: &str) -> Bytes {
    with_tag(line, &format!("label={}", escaped(label)))
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

    fn lines(finished: Finished) -> Vec<String> {
        finished
            .into_lines("srv", || "b1".to_owned())
            .iter()
            .map(|line| String::from_utf8_lossy(line).trim_end().to_owned())
            .collect()
    }

    fn gathered(responses: &[&str], batch: bool) -> Finished {
        let mut r = Responses::default();
        let token = r.begin(7, "a b;c".to_owned(), batch);
        for line in responses {
            assert!(r.capture(7, Bytes::from(format!("{line}\r\n"))).is_none());
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
    fn a_nested_batch_keeps_its_own_tags() {
        let out = lines(gathered(
            &[
                ":srv BATCH +h chathistory #c",
                "@batch=h :a PRIVMSG #c :old",
                ":srv BATCH -h",
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
        let token = r.begin(7, "l".to_owned(), true);
        r.defer(token);
        r.set_active(None);
        // Someone else's line for the sender waits; lines for others pass.
        assert!(r.capture(7, Bytes::from_static(b"other\r\n")).is_none());
        assert!(r.capture(8, Bytes::from_static(b"x\r\n")).is_some());
        // The deferred release's line is a response.
        r.set_active(Some(token));
        assert!(r.capture(7, Bytes::from_static(b"echo\r\n")).is_none());
        // A message to oneself is a side effect, not a response.
        assert!(
            r.capture_aside(7, Bytes::from_static(b"self\r\n"))
                .is_some()
        );
        r.set_active(None);
        let finished = r.finish(token).expect("pending");
        assert_eq!(lines(finished), ["@label=l echo", "other"]);
        assert!(r.is_idle());
    }
}
