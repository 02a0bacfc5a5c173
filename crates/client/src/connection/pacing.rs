//! Pacing of what we send, so that a paste of many lines never gets us
//! killed for flooding.
//!
//! The choice: a token bucket of [`Pacing::burst`] lines (5) refilled at
//! one line per [`Pacing::interval`] (0.5 s). That stays within
//! ciao-server's flood control (burst 20, four lines a second) and within
//! the stricter defaults of InspIRCd and ngIRCd, while a few lines typed
//! in a row still go at once. A `draft/multiline` batch (`BATCH +ref` …
//! `BATCH -ref`) goes out whole, as the server only shows it once it is
//! closed; its lines are charged together, so what follows it waits
//! until the bucket has paid for them.

use std::collections::VecDeque;
use std::time::Duration;

use ciao_proto::Message;
use tokio::time::Instant;

/// How fast the connection may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Lines that may go at once after a quiet moment.
    pub burst: u32,
    /// Time that earns one more line.
    pub interval: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            burst: 5,
            interval: Duration::from_millis(500),
        }
    }
}

/// Lines waiting to be sent, and the bucket that lets them go.
#[derive(Debug)]
pub(super) struct Pacer {
    pacing: Pacing,
    /// Lines we may send now; negative after a batch larger than it.
    tokens: f64,
    refilled_at: Instant,
    queue: VecDeque<Message>,
}

impl Pacer {
    pub(super) fn new(pacing: Pacing, now: Instant) -> Self {
        Pacer {
            pacing,
            tokens: f64::from(pacing.burst.max(1)),
            refilled_at: now,
            queue: VecDeque::new(),
        }
    }

    pub(super) fn push(&mut self, message: Message) {
        self.queue.push_back(message);
    }

    fn refill(&mut self, now: Instant) {
        let earned = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64()
            / self.pacing.interval.as_secs_f64().max(1e-3);
        self.tokens = (self.tokens + earned).min(f64::from(self.pacing.burst.max(1)));
        self.refilled_at = now;
    }

    /// How many lines the next unit is: one line, or a whole batch; None
    /// while a batch has not been closed yet (its end is still coming).
    fn next_unit(&self) -> Option<usize> {
        let head = self.queue.front()?;
        let Some(reference) = batch_opened(head) else {
            return Some(1);
        };
        let closing = format!("-{reference}");
        self.queue
            .iter()
            .position(|m| m.command.eq_ignore_ascii_case("BATCH") && m.param(0) == Some(&closing))
            .map(|end| end + 1)
    }

    /// Takes the lines that may go at `now`.
    pub(super) fn ready(&mut self, now: Instant) -> Vec<Message> {
        self.refill(now);
        let mut out = Vec::new();
        while self.tokens >= 1.0 {
            let Some(lines) = self.next_unit() else {
                break;
            };
            self.tokens -= lines as f64;
            out.extend(self.queue.drain(..lines));
        }
        out
    }

    /// When the next line may go; None when nothing is ready to wait for.
    pub(super) fn next_at(&self) -> Option<Instant> {
        self.next_unit()?;
        let missing = (1.0 - self.tokens).max(0.0);
        Some(self.refilled_at + self.pacing.interval.mul_f64(missing))
    }
}

/// The reference of a `BATCH +ref …` line.
fn batch_opened(message: &Message) -> Option<&str> {
    if !message.command.eq_ignore_ascii_case("BATCH") {
        return None;
    }
    message.param(0)?.strip_prefix('+')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Message {
        Message::new("PRIVMSG", ["#c", text])
    }

    #[test]
    fn a_burst_then_one_line_per_interval() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Pacing::default(), start);
        for n in 0..8 {
            pacer.push(line(&n.to_string()));
        }
        assert_eq!(pacer.ready(start).len(), 5);
        assert_eq!(pacer.next_at(), Some(start + Duration::from_millis(500)));
        assert!(pacer.ready(start + Duration::from_millis(499)).is_empty());
        let later = pacer.ready(start + Duration::from_millis(500));
        assert_eq!(later, [line("5")]);
        assert_eq!(pacer.ready(start + Duration::from_secs(5)).len(), 2);
        assert_eq!(pacer.next_at(), None);
    }

    #[test]
    fn a_batch_goes_whole_once_closed_and_is_paid_for_after() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Pacing::default(), start);
        pacer.push(Message::new("BATCH", ["+b1", "draft/multiline", "#c"]));
        for n in 0..6 {
            pacer.push(line(&n.to_string()));
        }
        assert!(pacer.ready(start).is_empty(), "the batch is not closed yet");
        assert_eq!(pacer.next_at(), None);
        pacer.push(Message::new("BATCH", ["-b1"]));
        pacer.push(line("after"));
        assert_eq!(pacer.ready(start).len(), 8, "the whole batch at once");
        // 5 tokens paid for 8 lines: the next line waits 4 intervals.
        assert_eq!(pacer.next_at(), Some(start + Duration::from_secs(2)));
        assert_eq!(pacer.ready(start + Duration::from_secs(2)), [line("after")]);
    }
}
