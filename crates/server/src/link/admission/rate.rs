//! The per-address connect rate: a token bucket per address key
//! (`--connect-burst` connects at once, then `--connect-rate` a minute).
//!
//! Each bucket is one instant, the moment it will be full again (the
//! "theoretical arrival time" of GCRA): a connect is allowed while that
//! moment is at most `burst - 1` intervals ahead, and moves it one
//! interval on. A refused connect costs nothing, so retrying does not
//! lengthen the wait. A bucket that is full again says nothing and is
//! dropped, so the map only holds addresses that connected recently.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use tokio::time::Instant;

/// The connect rate limit (`Config::connect_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectRate {
    /// Connects one address may make at once.
    pub burst: u32,
    /// Time for one more connect to become available (a minute divided by
    /// `--connect-rate`).
    pub interval: Duration,
}

impl Default for ConnectRate {
    fn default() -> Self {
        // A household or office behind one address reconnecting after a
        // restart gets 20 places at once, then one every 2 s; a script
        // reconnecting in a loop gets 30 a minute.
        ConnectRate {
            burst: 20,
            interval: Duration::from_secs(2),
        }
    }
}

/// Most addresses with a bucket that is not full. Past this, addresses
/// without a bucket share one (`OVERFLOW`): memory stays bounded (about
/// 3 MB) and a distributed flood from more addresses than this is still
/// held to one address's rate, at the price of newcomers waiting too
/// while it lasts. Addresses already known keep their own buckets.
const MAX_BUCKETS: usize = 65_536;

/// Buckets that are full again are swept at most this often, so a table
/// full of busy buckets is not walked on every connect.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The bucket shared by addresses beyond `MAX_BUCKETS` (no peer connects
/// from the unspecified address).
const OVERFLOW: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

/// Every address's bucket.
#[derive(Debug)]
pub(crate) struct Buckets {
    /// When each address's bucket is full again; absent means full.
    full_at: HashMap<IpAddr, Instant>,
    /// When full buckets are next swept out.
    next_sweep: Instant,
}

impl Buckets {
    pub(crate) fn new(now: Instant) -> Self {
        Buckets {
            full_at: HashMap::new(),
            next_sweep: now + SWEEP_EVERY,
        }
    }

    /// `Ok` if `key` may connect at `now`, else how long until it may.
    pub(crate) fn check(
        &self,
        key: IpAddr,
        now: Instant,
        rate: ConnectRate,
    ) -> Result<(), Duration> {
        let Some(&full_at) = self.full_at.get(&self.bucket_of(key)) else {
            return Ok(());
        };
        let allowed_ahead = rate.interval.saturating_mul(rate.burst.saturating_sub(1));
        let ahead = full_at.saturating_duration_since(now);
        if ahead <= allowed_ahead {
            Ok(())
        } else {
            Err(ahead - allowed_ahead)
        }
    }

    /// True if `key` has at least half its burst left at `now`: it has
    /// not been reconnecting in a loop.
    pub(crate) fn rested(&self, key: IpAddr, now: Instant, rate: ConnectRate) -> bool {
        let Some(&full_at) = self.full_at.get(&self.bucket_of(key)) else {
            return true;
        };
        let spent = full_at.saturating_duration_since(now);
        spent.saturating_mul(2) <= rate.interval.saturating_mul(rate.burst)
    }

    /// Spends one connect from `key`'s bucket (after `check` allowed it).
    pub(crate) fn take(&mut self, key: IpAddr, now: Instant, rate: ConnectRate) {
        if now >= self.next_sweep {
            self.full_at.retain(|_, full_at| *full_at > now);
            self.next_sweep = now + SWEEP_EVERY;
        }
        let bucket = self.bucket_of(key);
        let full_at = self.full_at.entry(bucket).or_insert(now);
        *full_at = (*full_at).max(now) + rate.interval;
    }

    /// The bucket `key` is charged to.
    fn bucket_of(&self, key: IpAddr) -> IpAddr {
        if self.full_at.len() >= MAX_BUCKETS && !self.full_at.contains_key(&key) {
            OVERFLOW
        } else {
            key
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.full_at.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: ConnectRate = ConnectRate {
        burst: 3,
        interval: Duration::from_secs(10),
    };

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(n.into())
    }

    fn connect(buckets: &mut Buckets, key: IpAddr, now: Instant) -> Result<(), Duration> {
        buckets.check(key, now, RATE)?;
        buckets.take(key, now, RATE);
        Ok(())
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let start = Instant::now();
        let mut buckets = Buckets::new(start);
        for _ in 0..3 {
            connect(&mut buckets, ip(1), start).expect("within the burst");
        }
        assert_eq!(
            connect(&mut buckets, ip(1), start),
            Err(Duration::from_secs(10))
        );
        assert_eq!(
            connect(&mut buckets, ip(1), start + Duration::from_secs(4)),
            Err(Duration::from_secs(6)),
            "a refused connect does not lengthen the wait"
        );
        connect(&mut buckets, ip(2), start).expect("other addresses have their own bucket");
        connect(&mut buckets, ip(1), start + Duration::from_secs(10)).expect("one more");
        assert!(connect(&mut buckets, ip(1), start + Duration::from_secs(11)).is_err());
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let start = Instant::now();
        let mut buckets = Buckets::new(start);
        connect(&mut buckets, ip(1), start).expect("connect");
        connect(&mut buckets, ip(2), start).expect("connect");
        connect(&mut buckets, ip(2), start).expect("connect");
        // ip(1) is full again after one interval, ip(2) after two.
        connect(&mut buckets, ip(3), start + Duration::from_secs(15)).expect("connect");
        assert_eq!(buckets.len(), 2, "ip(1)'s full bucket was swept");
        connect(&mut buckets, ip(4), start + Duration::from_secs(60)).expect("connect");
        assert_eq!(buckets.len(), 1);
    }

    #[test]
    fn beyond_the_cap_newcomers_share_one_bucket() {
        let start = Instant::now();
        let mut buckets = Buckets::new(start);
        for n in 0..MAX_BUCKETS as u32 {
            connect(&mut buckets, ip(n), start).expect("connect");
        }
        let (late, later) = (ip(u32::MAX), ip(u32::MAX - 1));
        for _ in 0..3 {
            connect(&mut buckets, late, start).expect("the shared bucket's burst");
        }
        assert!(connect(&mut buckets, later, start).is_err(), "shared");
        connect(&mut buckets, ip(0), start).expect("known addresses keep their own");
        assert_eq!(buckets.len(), MAX_BUCKETS + 1, "bounded");
    }
}
