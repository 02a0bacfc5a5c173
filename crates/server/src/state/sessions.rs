//! Privacy: an anonymous client's private history is its session's.
//!
//! Private conversations are stored under the two nicks ("alice bob"),
//! and a nick changes hands: whoever takes `alice` after she left would
//! otherwise read her conversations. Until accounts, the rule is:
//!
//! **A connection sees the private history of the nick it holds only
//! from its session of that nick on: the rows stored after it took the
//! nick (the first time this connection held it, unless another
//! connection has held it since), and the read markers of private
//! targets it set in that session.**
//!
//! So a client that changes from `a` to `b` reads nothing `b` got before;
//! one that changes back to `a` reads what `a` got while it held `a` —
//! unless someone else took `a` in between, whose rows it must not read,
//! and then its session of `a` starts again. Between two holds of `a` by
//! this connection nobody else held `a`, so no row of `a`'s was stored
//! but this connection's. Rows stored before a session, from an earlier
//! connection or an earlier run (the nick-keyed rows of before this
//! rule), are never shown to anyone: they are hidden, not deleted.
//! Channel history and channel read markers are the channel's, as before.
//!
//! The start is a row, exact whatever the clock does: the last row id
//! the publisher gave an event before the nick was taken
//! (`State::last_row`). Row ids are given in submission order and the
//! history's writer stores rows in that order, so every row after the
//! start was submitted after the nick was taken, and none before it was.
//! Nothing is submitted and nothing waits: taking a nick costs no trip
//! to the writer. With history off there are no rows, so nothing to hide.

use ciao_proto::CaseKey;

use crate::history::Since;
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::nicks::NickRefusal;

/// Most nicks a connection gave up whose sessions it keeps (to take one
/// back and read on): a bound on its memory however often it renames.
pub(crate) const MAX_FORMER: usize = 8;

/// One connection's hold of one nick.
#[derive(Debug, Clone)]
pub(crate) struct NickSession {
    /// Unique for the life of the server: a private target's read marker
    /// carries the session that set it.
    id: u64,
    /// When it began (Unix ms): see [`Since::time`].
    started_ms: u64,
    /// The last row id given before it began: it sees the rows after.
    last_row_before: i64,
}

impl NickSession {
    fn new(id: u64, last_row_before: i64) -> Self {
        NickSession {
            id,
            started_ms: crate::clock::now_millis(),
            last_row_before,
        }
    }

    /// Its id, which private read markers carry.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Where its view of private conversations begins.
    pub(crate) fn since(&self) -> Since {
        Since {
            row: self.last_row_before,
            time: self.started_ms,
        }
    }
}

/// A connection's sessions: of the nick it holds, and of the last few
/// it gave up.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    current: Option<NickSession>,
    /// Nicks given up, oldest first, with their sessions.
    former: Vec<(CaseKey, NickSession)>,
}

/// What taking a nick did to a connection's sessions.
#[derive(Debug, Default)]
pub(super) struct Taken {
    /// The nick given up, now kept among the former ones.
    pub(super) given_up: Option<CaseKey>,
    /// A former nick forgotten to stay within [`MAX_FORMER`].
    pub(super) forgotten: Option<CaseKey>,
}

impl Sessions {
    /// The session of the nick held now (none before the first nick).
    pub(crate) fn current(&self) -> Option<&NickSession> {
        self.current.as_ref()
    }

    /// The connection goes from `old` (`None`: no nick yet) to `new`: it
    /// resumes the session it had of `new`, or begins one (`next_id`)
    /// that sees the rows after `last_row`.
    pub(super) fn take(
        &mut self,
        old: Option<CaseKey>,
        new: &CaseKey,
        last_row: i64,
        next_id: impl FnOnce() -> u64,
    ) -> Taken {
        if old.as_ref() == Some(new) && self.current.is_some() {
            // A change of case only.
            return Taken::default();
        }
        let mut taken = Taken::default();
        let resumed = self
            .former
            .iter()
            .position(|(key, _)| key == new)
            .map(|at| self.former.remove(at).1);
        let session = resumed.unwrap_or_else(|| NickSession::new(next_id(), last_row));
        if let (Some(old), Some(previous)) = (old, self.current.replace(session)) {
            if self.former.len() >= MAX_FORMER {
                taken.forgotten = Some(self.former.remove(0).0);
            }
            self.former.push((old.clone(), previous));
            taken.given_up = Some(old);
        }
        taken
    }

    /// Forgets the session of a nick given up: another connection took
    /// it, so its rows from now on are not this connection's.
    pub(super) fn forget_former(&mut self, nick: &CaseKey) {
        self.former.retain(|(key, _)| key != nick);
    }

    /// The nicks given up whose sessions are kept.
    pub(super) fn former_nicks(&self) -> impl Iterator<Item = &CaseKey> {
        self.former.iter().map(|(key, _)| key)
    }
}

impl State {
    /// Gives client `id` the nick `wanted` (see `Registry::claim_nick`):
    /// a session it begins sees the rows given ids from now on.
    pub(crate) fn claim_nick(&mut self, id: ClientId, wanted: &str) -> Result<(), NickRefusal> {
        let last_row = self.last_row();
        self.registry.claim_nick(id, wanted, last_row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> u64 {
        let mut next = 0;
        move || {
            next += 1;
            next
        }
    }

    /// The current session's id and the last row it may not see.
    fn current(sessions: &Sessions) -> Option<(u64, i64)> {
        sessions
            .current()
            .map(|session| (session.id, session.since().row))
    }

    #[test]
    fn a_nick_taken_back_resumes_its_session_and_a_new_one_begins_one() {
        let mut next = ids();
        let mut sessions = Sessions::default();
        let (a, b) = (CaseKey::new("a"), CaseKey::new("b"));
        let first = sessions.take(None, &a, 10, &mut next);
        assert_eq!(current(&sessions), Some((1, 10)), "begins after row 10");
        assert!(first.given_up.is_none());
        let to_b = sessions.take(Some(a.clone()), &b, 20, &mut next);
        assert_eq!(current(&sessions), Some((2, 20)));
        assert_eq!(to_b.given_up, Some(a.clone()));
        sessions.take(Some(b.clone()), &a, 30, &mut next);
        assert_eq!(current(&sessions), Some((1, 10)), "resumed");
        // A change of case keeps the session.
        let case = sessions.take(Some(a.clone()), &CaseKey::new("A"), 40, &mut next);
        assert!(case.given_up.is_none());
        assert_eq!(current(&sessions), Some((1, 10)));
        // Once another connection took b, going back to it begins anew.
        sessions.forget_former(&b);
        sessions.take(Some(a), &b, 50, &mut next);
        assert_eq!(current(&sessions), Some((3, 50)));
    }

    #[test]
    fn a_client_that_renames_often_keeps_only_the_last_few_sessions() {
        let mut next = ids();
        let mut sessions = Sessions::default();
        let mut old = None;
        for n in 0..100 {
            let nick = CaseKey::new(&format!("n{n}"));
            let taken = sessions.take(old.take(), &nick, 0, &mut next);
            if n > MAX_FORMER {
                assert_eq!(
                    taken.forgotten,
                    Some(CaseKey::new(&format!("n{}", n - MAX_FORMER - 1)))
                );
            }
            old = Some(nick);
        }
        assert_eq!(sessions.former_nicks().count(), MAX_FORMER);
    }
}
