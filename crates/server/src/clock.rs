//! Wall-clock formatting for IRCv3 `server-time` and plain-mode stamps.
//!
//! Ten lines of civil-calendar arithmetic instead of a date crate: the
//! server only ever prints UTC timestamps.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The latest time `now_millis` returned.
static LATEST: AtomicU64 = AtomicU64::new(0);

/// Milliseconds since the Unix epoch, never less than the last time it
/// was asked: the history finds a timestamp's place by its rows being in
/// the order of their times, which a clock stepped back must not break.
pub(crate) fn now_millis() -> u64 {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    LATEST.fetch_max(wall, Ordering::Relaxed).max(wall)
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    now_millis() / 1000
}

/// `2026-11-25T15:04:05.123Z`, the format IRCv3 `server-time` requires.
pub(crate) fn iso8601(millis: u64) -> String {
    let secs = millis / 1000;
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

/// Parses `YYYY-MM-DDThh:mm:ss[.sss]Z` (IRCv3 timestamps) into Unix
/// milliseconds.
pub(crate) fn parse_iso8601(text: &str) -> Option<u64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<u32>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (hms, millis) = match time.split_once('.') {
        Some((hms, fraction))
            if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            // Milliseconds: the first three digits, right-padded.
            let digits: String = fraction.chars().chain("00".chars()).take(3).collect();
            (hms, digits.parse::<u64>().ok()?)
        }
        Some(_) => return None,
        None => (time, 0),
    };
    let mut hms = hms.splitn(3, ':').map(str::parse::<u64>);
    let (hour, minute, second) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    // A year a client makes up may be huge: no overflow, just `None`.
    let secs = u64::try_from(days)
        .ok()?
        .checked_mul(86_400)?
        .checked_add(hour * 3600 + minute * 60 + second)?;
    secs.checked_mul(1000)?.checked_add(millis)
}

/// (year, month, day) to days since 1970-01-01, after Howard Hinnant's
/// `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_795_100_645_123), "2026-11-19T15:04:05.123Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for millis in [0, 951_782_400_000, 1_795_100_645_123, 4_102_444_800_999] {
            assert_eq!(parse_iso8601(&iso8601(millis)), Some(millis));
        }
        assert_eq!(
            parse_iso8601("2026-11-19T15:04:05Z"),
            Some(1_795_100_645_000)
        );
        assert_eq!(
            parse_iso8601("2026-11-19T15:04:05.1Z"),
            Some(1_795_100_645_100)
        );
        for bad in [
            "",
            "2026-11-19",
            "2026-13-01T00:00:00Z",
            "2026-11-19T15:04:05",
            "x-y-zTa:b:cZ",
            // Past what fits in u64 milliseconds.
            "600000000-01-01T00:00:00Z",
            "4294967295-12-31T23:59:59.999Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
