//! Reconnect delays: 1 s, 2 s, 4 s … up to a minute. The count starts
//! again only once a link has been registered and stayed up for
//! [`STABLE_LINK`]: a server that lets us in and drops us at once (a ban
//! applied after 001, a crash loop) keeps getting longer waits instead of
//! one attempt a second.

use std::time::{Duration, Instant};

/// How long a registered link must last before it counts as a success.
pub const STABLE_LINK: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Backoff {
    attempt: u32,
    max: Duration,
    /// When the current link was registered (001), if it is up.
    up_since: Option<Instant>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            attempt: 0,
            max: Duration::from_secs(60),
            up_since: None,
        }
    }
}

impl Backoff {
    /// The delay before the next attempt; each call doubles the next one.
    pub fn next_delay(&mut self) -> Duration {
        let delay = Duration::from_secs(1u64 << self.attempt.min(16)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    /// Starts again from 1 s.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The link was registered at `now`.
    pub fn registered(&mut self, now: Instant) {
        self.up_since = Some(now);
    }

    /// The link dropped, or an attempt failed, at `now`: the delay before
    /// the next attempt, from 1 s again if the link had been up for
    /// [`STABLE_LINK`].
    pub fn dropped(&mut self, now: Instant) -> Duration {
        if let Some(since) = self.up_since.take()
            && now.saturating_duration_since(since) >= STABLE_LINK
        {
            self.reset();
        }
        self.next_delay()
    }

    /// Attempts since the last stable link.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_a_minute_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<u64> = (0..8).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn a_link_dropped_soon_after_registration_keeps_backing_off() {
        let start = Instant::now();
        let mut backoff = Backoff::default();
        let mut delays = Vec::new();
        for n in 0..4 {
            let at = start + Duration::from_secs(n * 100);
            backoff.registered(at);
            delays.push(backoff.dropped(at + Duration::from_secs(5)).as_secs());
        }
        assert_eq!(delays, [1, 2, 4, 8]);
        // Up long enough: a fresh start.
        backoff.registered(start);
        assert_eq!(backoff.dropped(start + STABLE_LINK), Duration::from_secs(1));
        // A failed attempt (never registered) does not reset either.
        assert_eq!(
            backoff.dropped(start + STABLE_LINK * 3),
            Duration::from_secs(2)
        );
    }
}
