//! Whether the store is taking commits, as the writer sees it: operators
//! are told when it starts failing and when it recovers, not once per
//! batch (a full disk fails every batch, many a second).

use std::time::{Duration, Instant};

/// How often a store that keeps failing is logged again.
const REMIND_EVERY: Duration = Duration::from_secs(60);

/// A change operators must hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transition {
    /// Commits began to fail, with the first error.
    Failing(String),
    /// A commit succeeded again after failures.
    Recovered,
}

/// The writer's record of failing commits.
#[derive(Debug, Default)]
pub(super) struct Health {
    /// Since when commits fail, or `None` while they succeed.
    failing_since: Option<Instant>,
    /// When the failure was last logged, to remind at most once a minute.
    last_logged: Option<Instant>,
    /// Jobs not stored since the failure was last logged (their messages
    /// refused, their events sent unstored).
    unstored_jobs: usize,
}

impl Health {
    /// Records a failed commit of `jobs` jobs; returns the transition
    /// when the store was healthy until now.
    pub(super) fn failed(&mut self, error: &rusqlite::Error, jobs: usize) -> Option<Transition> {
        let now = Instant::now();
        self.unstored_jobs += jobs;
        if self.failing_since.is_none() {
            self.failing_since = Some(now);
            self.log_failure(error, now, "history: the store cannot commit");
            return Some(Transition::Failing(error.to_string()));
        }
        if self
            .last_logged
            .is_none_or(|at| now.duration_since(at) >= REMIND_EVERY)
        {
            self.log_failure(error, now, "history: the store still cannot commit");
        }
        None
    }

    /// Records a successful commit; returns the transition when commits
    /// were failing until now.
    pub(super) fn succeeded(&mut self) -> Option<Transition> {
        let since = self.failing_since.take()?;
        tracing::warn!(
            failing_for_secs = since.elapsed().as_secs(),
            unstored_jobs = self.unstored_jobs,
            "history: the store commits again; messages are delivered again"
        );
        self.unstored_jobs = 0;
        self.last_logged = None;
        Some(Transition::Recovered)
    }

    fn log_failure(&mut self, error: &rusqlite::Error, now: Instant, what: &str) {
        tracing::error!(
            %error,
            unstored_jobs = self.unstored_jobs,
            "{what}: messages are refused (senders get FAIL) and events go out unstored \
             until a commit succeeds"
        );
        self.last_logged = Some(now);
        self.unstored_jobs = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None)
    }

    #[test]
    fn tells_once_when_failing_and_once_when_recovered() {
        let mut health = Health::default();
        assert_eq!(health.succeeded(), None);
        assert!(matches!(
            health.failed(&full(), 3),
            Some(Transition::Failing(_))
        ));
        assert_eq!(health.failed(&full(), 3), None);
        assert_eq!(health.succeeded(), Some(Transition::Recovered));
        assert_eq!(health.succeeded(), None);
        assert!(health.failed(&full(), 1).is_some());
    }
}
