//! Attempts counted in a window (failed logins per address and per
//! account, registrations per address and in all): a key that made
//! `max` attempts is refused until its window, which began with its
//! first attempt, is over.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Most keys remembered: past it, expired windows are dropped, and if all
/// are live the oldest half goes (an attacker spreading attempts over
/// that many keys is limited by the connection limits, not by this).
const MAX_KEYS: usize = 16_384;

/// Attempts per key in a window.
#[derive(Debug)]
pub(crate) struct Attempts<K> {
    max: u32,
    window: Duration,
    counts: HashMap<K, (Instant, u32)>,
}

impl<K: Hash + Eq + Clone> Attempts<K> {
    pub(crate) fn new(max: u32, window: Duration) -> Self {
        Attempts {
            max,
            window,
            counts: HashMap::new(),
        }
    }

    /// How long until `key` may try again; `None` if it may now.
    pub(crate) fn retry_after(&self, key: &K, now: Instant) -> Option<Duration> {
        let &(start, count) = self.counts.get(key)?;
        let end = start + self.window;
        (count >= self.max && now < end).then(|| end - now)
    }

    /// Counts one attempt of `key`.
    pub(crate) fn record(&mut self, key: K, now: Instant) {
        if self.counts.len() >= MAX_KEYS && !self.counts.contains_key(&key) {
            self.prune(now);
        }
        let window = self.window;
        let entry = self.counts.entry(key).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    /// Forgets `key`'s attempts (a login that succeeded).
    pub(crate) fn clear(&mut self, key: &K) {
        self.counts.remove(key);
    }

    fn prune(&mut self, now: Instant) {
        let window = self.window;
        self.counts.retain(|_, (start, _)| now < *start + window);
        if self.counts.len() >= MAX_KEYS {
            let mut starts: Vec<Instant> = self.counts.values().map(|(start, _)| *start).collect();
            starts.sort_unstable();
            let median = starts[starts.len() / 2];
            self.counts.retain(|_, (start, _)| *start > median);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_max_attempts_until_its_window_ends() {
        let start = Instant::now();
        let mut attempts = Attempts::new(2, Duration::from_secs(60));
        attempts.record("a", start);
        assert_eq!(attempts.retry_after(&"a", start), None);
        attempts.record("a", start + Duration::from_secs(10));
        assert_eq!(
            attempts.retry_after(&"a", start + Duration::from_secs(10)),
            Some(Duration::from_secs(50))
        );
        assert_eq!(attempts.retry_after(&"b", start), None);
        assert_eq!(
            attempts.retry_after(&"a", start + Duration::from_secs(60)),
            None
        );
        // A new window starts with the next attempt.
        attempts.record("a", start + Duration::from_secs(61));
        assert_eq!(
            attempts.retry_after(&"a", start + Duration::from_secs(61)),
            None
        );
        attempts.clear(&"a");
        assert!(attempts.counts.is_empty());
    }

    #[test]
    fn memory_stays_bounded_however_many_keys_try() {
        let now = Instant::now();
        let mut attempts = Attempts::new(3, Duration::from_secs(60));
        for key in 0..(MAX_KEYS * 3) {
            attempts.record(key, now + Duration::from_millis(key as u64));
        }
        assert!(attempts.counts.len() <= MAX_KEYS);
    }
}
