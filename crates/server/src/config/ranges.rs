//! The range every numeric setting must fall in. The binary's `cli` checks
//! them once flags, environment and the config file are merged, so a value
//! from any of the three gets the same message, naming the flag and the
//! range.
//!
//! Values arrive as `i128` (a flag, a variable) or `i64` (TOML), wide
//! enough that `-1` and `18446744073709551615` reach the check instead of
//! failing to parse with a message that does not say what is allowed.

use std::fmt;

/// An integer setting: its flag and the values it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The flag's name, for the message (the file and the environment use
    /// the same name).
    pub flag: &'static str,
    /// The smallest value that still works.
    pub min: u64,
    /// The largest value the server can honour without overflowing a
    /// clock, a counter or memory.
    pub max: u64,
}

/// A value outside its setting's range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{flag} must be between {min} and {max}, got {got}")]
pub struct OutOfRange {
    /// The flag, as the user would type it.
    pub flag: &'static str,
    /// The range, as written in the message.
    pub min: String,
    /// See `min`.
    pub max: String,
    /// The value given, as given.
    pub got: String,
}

impl Bounds {
    const fn new(flag: &'static str, min: u64, max: u64) -> Self {
        Bounds { flag, min, max }
    }

    /// `value` as `T`, if it is in range. Every `max` fits the `T` its
    /// setting is stored in (a unit test checks `usize` on this target).
    pub fn check<T: TryFrom<u64>>(&self, value: i128) -> Result<T, OutOfRange> {
        let in_range = value >= i128::from(self.min) && value <= i128::from(self.max);
        u64::try_from(value)
            .ok()
            .filter(|_| in_range)
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| self.out_of_range(value))
    }

    fn out_of_range(&self, got: impl fmt::Display) -> OutOfRange {
        OutOfRange {
            flag: self.flag,
            min: self.min.to_string(),
            max: self.max.to_string(),
            got: got.to_string(),
        }
    }
}

/// Seconds in a day: the longest timeout or interval, far from any
/// `Instant` overflow and longer than anyone waits for a client.
const DAY_SECS: u64 = 86_400;

/// 0 lets the system choose (the address is logged), as `--listen :0`.
pub const PORT: Bounds = Bounds::new("--port", 0, 65_535);
/// Every connection is a descriptor and a task; a million is more than
/// one process serves well, and far below the semaphore's limit.
pub const MAX_CLIENTS: Bounds = Bounds::new("--max-clients", 1, 1_000_000);
/// 0 means no limit.
pub const MAX_PER_IP: Bounds = Bounds::new("--max-per-ip", 0, 1_000_000);
/// 0 means no limit; otherwise at least `--max-per-ip` (checked apart).
pub const MAX_PER_IPV6_48: Bounds = Bounds::new("--max-per-ipv6-48", 0, 4_000_000);
/// Connects per minute after the burst; 0 means no limit, 60000 is one
/// a millisecond (the bucket's resolution).
pub const CONNECT_RATE: Bounds = Bounds::new("--connect-rate", 0, 60_000);
/// Connects one address may make at once.
pub const CONNECT_BURST: Bounds = Bounds::new("--connect-burst", 1, 10_000);
/// Read from disk and queued at once on every join: ten screens at most.
pub const HISTORY_REPLAY: Bounds = Bounds::new("--history-replay", 0, 1_000);
/// 0 would delete everything (that is `--no-history`); the store binds the
/// count as an SQLite integer, so it must stay far inside `i64`.
pub const HISTORY_KEEP: Bounds = Bounds::new("--history-keep", 1, 1_000_000_000);
/// A hundred years; `days * 86400` seconds stays far inside `u64`.
pub const HISTORY_DAYS: Bounds = Bounds::new("--history-days", 1, 36_500);
pub const FLOOD_BURST: Bounds = Bounds::new("--flood-burst", 1, 10_000);
/// At least one line at its longest (`Config::max_line_len`): a client
/// that is slowed down must be able to send one more line.
pub const FLOOD_MAX_QUEUED: Bounds = Bounds::new("--flood-max-queued", 512 + 8191, 64 << 20);
/// What registration queues at once — the welcome, ISUPPORT, LUSERS, the
/// longest MOTD (100 lines of up to 512 bytes) — and the auto-join's
/// replies fit in 128 KiB with room to spare; less drops clients before
/// they can read (a test registers with the longest MOTD at this sendq).
pub const SENDQ: Bounds = Bounds::new("--sendq", 128 << 10, 1 << 30);
pub const MIN_PASSWORD_LEN: Bounds = Bounds::new("--min-password-len", 1, 64);
pub const REGISTRATION_TIMEOUT: Bounds = Bounds::new("--registration-timeout", 1, DAY_SECS);
pub const PING_INTERVAL: Bounds = Bounds::new("--ping-interval", 1, DAY_SECS);
pub const PING_TIMEOUT: Bounds = Bounds::new("--ping-timeout", 1, DAY_SECS);
/// The TLS port STS sends clients to: a real one.
pub const STS_PORT: Bounds = Bounds::new("--sts-port", 1, 65_535);
/// How long clients keep to TLS, in seconds: 0 tells them to forget the
/// policy; two years is as long as browsers' preload lists ask for.
pub const STS_DURATION: Bounds = Bounds::new("--sts-duration", 0, 2 * 365 * DAY_SECS);

/// `--flood-rate`, lines per second: finite and positive. Below 0.01 a
/// client's wait (debt / rate) would outgrow what a timer can hold; above
/// 1000 flood control controls nothing.
pub fn flood_rate(value: f64) -> Result<f32, OutOfRange> {
    const MIN: f64 = 0.01;
    const MAX: f64 = 1000.0;
    if (MIN..=MAX).contains(&value) {
        Ok(value as f32)
    } else {
        Err(OutOfRange {
            flag: "--flood-rate",
            min: MIN.to_string(),
            max: MAX.to_string(),
            got: value.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Bounds; 16] = [
        PORT,
        MAX_CLIENTS,
        MAX_PER_IP,
        MAX_PER_IPV6_48,
        CONNECT_RATE,
        CONNECT_BURST,
        HISTORY_REPLAY,
        HISTORY_KEEP,
        HISTORY_DAYS,
        FLOOD_BURST,
        FLOOD_MAX_QUEUED,
        SENDQ,
        MIN_PASSWORD_LEN,
        REGISTRATION_TIMEOUT,
        PING_INTERVAL,
        PING_TIMEOUT,
    ];

    #[test]
    fn both_ends_are_in_and_one_past_them_is_out() {
        for bounds in ALL {
            let (min, max) = (i128::from(bounds.min), i128::from(bounds.max));
            assert_eq!(bounds.check::<u64>(min), Ok(bounds.min), "{}", bounds.flag);
            assert_eq!(bounds.check::<u64>(max), Ok(bounds.max), "{}", bounds.flag);
            assert!(bounds.check::<u64>(min - 1).is_err(), "{}", bounds.flag);
            assert!(bounds.check::<u64>(max + 1).is_err(), "{}", bounds.flag);
            assert!(
                bounds.check::<usize>(max).is_ok(),
                "{} fits usize",
                bounds.flag
            );
        }
    }

    #[test]
    fn the_message_names_the_flag_the_range_and_the_value() {
        let error = MAX_CLIENTS
            .check::<usize>(i128::from(u64::MAX))
            .expect_err("out of range");
        assert_eq!(
            error.to_string(),
            "--max-clients must be between 1 and 1000000, got 18446744073709551615"
        );
        let error = MAX_CLIENTS.check::<usize>(-1).expect_err("negative");
        assert!(error.to_string().ends_with("got -1"));
        assert_eq!(PORT.check::<u16>(65_535), Ok(65_535));
    }

    #[test]
    fn the_flood_queue_holds_at_least_one_line() {
        let longest = crate::Config::default().max_line_len as u64;
        assert_eq!(FLOOD_MAX_QUEUED.min, longest);
    }

    #[test]
    fn flood_rate_is_finite_and_positive() {
        assert_eq!(flood_rate(0.01), Ok(0.01));
        assert_eq!(flood_rate(1000.0), Ok(1000.0));
        for bad in [0.0, -1.0, 0.009, 1000.5, f64::NAN, f64::INFINITY] {
            assert!(flood_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(
            flood_rate(0.0).expect_err("zero").to_string(),
            "--flood-rate must be between 0.01 and 1000, got 0"
        );
    }
}
