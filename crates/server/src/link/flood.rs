//! Flood control: a token bucket per client. Each line a client sends
//! costs a token; tokens come back at `rate` per second up to `burst`. A
//! client out of tokens is not cut off but slowed down (fakelag): its
//! next lines wait until it has tokens again, and while it waits the
//! server only buffers what it sends, up to `max_queued` bytes — past
//! that it is disconnected with `ERROR :Excess flood`. Operators are
//! exempt; `--flood off` turns it off (benchmarks).

use std::time::Duration;

/// The flood limits (`Config::flood`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloodLimits {
    /// Lines a client may send at once.
    pub burst: u32,
    /// Lines per second it may keep sending.
    pub rate: f32,
    /// Unhandled input a slowed-down client may have waiting, in bytes.
    pub max_queued: usize,
}

impl Default for FloodLimits {
    fn default() -> Self {
        // A pasted paragraph goes through at once; a script sending many
        // lines a second is slowed to four a second; a flood is cut off
        // after 32 KiB (more than any one line may be: 8703 bytes).
        FloodLimits {
            burst: 20,
            rate: 4.0,
            max_queued: 32 * 1024,
        }
    }
}

/// One client's bucket, kept small (it lives in every client): the debt
/// in lines and when it was last charged, in milliseconds on the server's
/// clock (wrapping after 49 days, which only ever forgives a little).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Bucket {
    debt: f32,
    at_ms: u32,
}

impl Bucket {
    /// Adds `lines` to the debt without judging it: the next charge
    /// decides the wait (a multiline message costs more than its closing
    /// line).
    pub(crate) fn add(&mut self, lines: u32) {
        self.debt += lines as f32;
    }

    /// Charges one line at `now_ms`; returns how long the client must wait
    /// before its next line, if it is over its burst.
    pub(crate) fn charge(&mut self, now_ms: u32, limits: FloodLimits) -> Option<Duration> {
        self.spend(now_ms, 1.0, limits.burst as f32, limits.rate)
    }

    /// Charges `amount` at `now_ms` to a bucket of `burst` refilled at
    /// `rate` a second; returns how long to wait, if it is now over.
    pub(crate) fn spend(
        &mut self,
        now_ms: u32,
        amount: f32,
        burst: f32,
        rate: f32,
    ) -> Option<Duration> {
        self.debt = self.debt_at(now_ms, rate) + amount;
        self.at_ms = now_ms;
        self.wait(now_ms, burst, rate)
    }

    /// The debt at `now_ms`, what has been paid back since the last charge
    /// taken off.
    pub(crate) fn debt_at(&self, now_ms: u32, rate: f32) -> f32 {
        let elapsed = now_ms.wrapping_sub(self.at_ms) as f32 / 1000.0;
        (self.debt - elapsed * rate).max(0.0)
    }

    /// How long until the debt is back within `burst`, if it is over.
    pub(crate) fn wait(&self, now_ms: u32, burst: f32, rate: f32) -> Option<Duration> {
        let over = self.debt_at(now_ms, rate) - burst;
        (over > 0.0).then(|| Duration::from_secs_f32(over / rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: FloodLimits = FloodLimits {
        burst: 3,
        rate: 2.0,
        max_queued: 100,
    };

    #[test]
    fn a_burst_passes_then_lines_are_paced() {
        let mut bucket = Bucket::default();
        for _ in 0..3 {
            assert_eq!(bucket.charge(0, LIMITS), None);
        }
        assert_eq!(bucket.charge(0, LIMITS), Some(Duration::from_millis(500)));
        // Half a second later one token is back: the next line is on time
        // again but the one after must wait.
        assert_eq!(bucket.charge(500, LIMITS), Some(Duration::from_millis(500)));
        assert_eq!(
            bucket.charge(1000, LIMITS),
            Some(Duration::from_millis(500))
        );
        // After a quiet while the whole burst is back.
        for _ in 0..3 {
            assert_eq!(bucket.charge(10_000, LIMITS), None);
        }
    }

    #[test]
    fn the_clock_wrapping_forgives_rather_than_punishes() {
        let mut bucket = Bucket {
            debt: 3.0,
            at_ms: u32::MAX - 100,
        };
        assert_eq!(bucket.charge(2_000, LIMITS), None);
    }
}
