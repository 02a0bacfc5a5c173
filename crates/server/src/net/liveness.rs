//! When a connection must prove it is alive, as plain arithmetic on
//! instants so that the read loop needs one timer and touches it only
//! when it fires: hearing from the client just records the time.

use std::time::Duration;

use tokio::time::Instant;

/// The deadlines of one connection (kept small: every connection's
/// future holds one).
#[derive(Debug, Clone)]
pub(super) struct Liveness {
    stage: Stage,
    last_heard: Instant,
    due: Instant,
}

/// How long a client may stay silent.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Silence after which the server sends PING.
    pub(crate) ping_interval: Duration,
    /// How long the answer to PING may take.
    pub(crate) ping_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Must finish registering before `due`.
    Registering,
    /// PING after `ping_interval` of silence.
    Active,
    /// PING sent at the given instant; the client must say anything
    /// before `due`.
    Pinged(Instant),
}

/// What the connection must do when the deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Nothing yet; the deadline moved to `due()`.
    Wait,
    /// Send PING now.
    Ping,
    /// Registration did not finish in time.
    RegistrationTimedOut,
    /// No answer to PING.
    PingTimedOut,
}

impl Liveness {
    pub(super) fn new(now: Instant, registration_timeout: Duration) -> Self {
        Liveness {
            stage: Stage::Registering,
            last_heard: now,
            due: now + registration_timeout,
        }
    }

    /// The client sent something.
    pub(super) fn heard(&mut self, now: Instant) {
        self.last_heard = now;
    }

    /// When `expire` must next be called.
    pub(super) fn due(&self) -> Instant {
        self.due
    }

    /// Decides what happens at `now` (at or after `due()`). `registered`
    /// says whether registration finished; `pingable` is false for plain
    /// clients, who cannot answer PING (TCP keepalive watches them).
    pub(super) fn expire(
        &mut self,
        now: Instant,
        registered: bool,
        pingable: bool,
        limits: Limits,
    ) -> Verdict {
        if now < self.due {
            return Verdict::Wait;
        }
        let silent_since_ping = match self.stage {
            Stage::Registering if !registered => return Verdict::RegistrationTimedOut,
            Stage::Pinged(sent) => self.last_heard < sent,
            Stage::Registering | Stage::Active => false,
        };
        if silent_since_ping {
            return Verdict::PingTimedOut;
        }
        let ping_at = if pingable {
            self.last_heard + limits.ping_interval
        } else {
            now + limits.ping_interval
        };
        if ping_at > now {
            self.stage = Stage::Active;
            self.due = ping_at;
            return Verdict::Wait;
        }
        self.stage = Stage::Pinged(now);
        self.due = now + limits.ping_timeout;
        Verdict::Ping
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    const LIMITS: Limits = Limits {
        ping_interval: Duration::from_secs(100),
        ping_timeout: Duration::from_secs(50),
    };

    fn liveness(now: Instant) -> Liveness {
        Liveness::new(now, 10 * SEC)
    }

    #[test]
    fn unregistered_client_times_out_at_the_registration_deadline() {
        let start = Instant::now();
        let mut live = liveness(start);
        live.heard(start + SEC);
        assert_eq!(live.due(), start + 10 * SEC);
        assert_eq!(
            live.expire(start + 10 * SEC, false, true, LIMITS),
            Verdict::RegistrationTimedOut
        );
    }

    #[test]
    fn chatty_client_is_never_pinged() {
        let start = Instant::now();
        let mut live = liveness(start);
        live.heard(start + 5 * SEC);
        assert_eq!(
            live.expire(start + 10 * SEC, true, true, LIMITS),
            Verdict::Wait
        );
        assert_eq!(live.due(), start + 105 * SEC);
        live.heard(start + 60 * SEC);
        assert_eq!(
            live.expire(start + 105 * SEC, true, true, LIMITS),
            Verdict::Wait
        );
        assert_eq!(live.due(), start + 160 * SEC);
    }

    #[test]
    fn silent_client_is_pinged_then_dropped() {
        let start = Instant::now();
        let mut live = liveness(start);
        assert_eq!(
            live.expire(start + 10 * SEC, true, true, LIMITS),
            Verdict::Wait
        );
        assert_eq!(
            live.expire(start + 100 * SEC, true, true, LIMITS),
            Verdict::Ping
        );
        assert_eq!(live.due(), start + 150 * SEC);
        assert_eq!(
            live.expire(start + 150 * SEC, true, true, LIMITS),
            Verdict::PingTimedOut
        );
    }

    #[test]
    fn answer_to_ping_keeps_the_link() {
        let start = Instant::now();
        let mut live = liveness(start);
        live.expire(start + 10 * SEC, true, true, LIMITS);
        assert_eq!(
            live.expire(start + 100 * SEC, true, true, LIMITS),
            Verdict::Ping
        );
        live.heard(start + 101 * SEC);
        assert_eq!(
            live.expire(start + 150 * SEC, true, true, LIMITS),
            Verdict::Wait
        );
        assert_eq!(live.due(), start + 201 * SEC);
    }

    #[test]
    fn plain_client_is_never_pinged() {
        let start = Instant::now();
        let mut live = liveness(start);
        assert_eq!(
            live.expire(start + 10 * SEC, true, false, LIMITS),
            Verdict::Wait
        );
        assert_eq!(
            live.expire(start + 500 * SEC, true, false, LIMITS),
            Verdict::Wait
        );
        assert_eq!(live.due(), start + 600 * SEC);
    }
}
