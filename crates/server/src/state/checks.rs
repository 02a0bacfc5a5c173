//! Slow checks (a password hash to verify or make) run off the runtime,
//! in the order of the client's lines.
//!
//! A command that needs one hands the state a [`Check`]: work for a
//! blocking thread that returns a [`Verdict`] to apply under the hub
//! lock. The client's connection task takes it after the line, runs it
//! while it keeps writing the client's output, applies the verdict, and
//! only then reads the client's next line — so `AUTHENTICATE …` followed
//! by `CAP END` in one burst registers after the login, never before.

use crate::link::IdMap;
use crate::state::State;
use crate::state::client::ClientId;

/// What a check decided, applied under the hub lock (the client may have
/// left meanwhile: look it up).
pub(crate) type Verdict = Box<dyn FnOnce(&mut State) + Send>;

/// Work for a blocking thread.
pub(crate) type Check = Box<dyn FnOnce() -> Verdict + Send>;

/// Checks waiting for their clients' connection tasks to take them.
#[derive(Default)]
pub(crate) struct Checks(IdMap<Check>);

impl std::fmt::Debug for Checks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} checks to run", self.0.len())
    }
}

impl Checks {
    /// Drops `id`'s check (it left).
    pub(super) fn forget(&mut self, id: ClientId) {
        self.0.remove(&id);
    }
}

impl State {
    /// Runs `check` off the runtime before `id`'s next line. A client has
    /// at most one: its connection takes it before reading on.
    pub(crate) fn check_later(&mut self, id: ClientId, check: Check) {
        if self.registry.contains(id) {
            self.checks.0.insert(id, check);
        }
    }

    /// True when `id`'s last line asked for a check.
    pub(crate) fn has_check(&self, id: ClientId) -> bool {
        self.checks.0.contains_key(&id)
    }

    /// The check `id`'s last line asked for, if any.
    pub(crate) fn take_check(&mut self, id: ClientId) -> Option<Check> {
        self.checks.0.remove(&id)
    }
}
