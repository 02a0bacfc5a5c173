//! Long answers sent piece by piece (`LIST`): each piece is sent when the
//! client's connection has drained the last, so no hold of the hub lock
//! grows with the answer.

use crate::link::IdMap;
use crate::state::State;
use crate::state::client::ClientId;

/// The rest of a long answer: sends its next piece to the client and
/// returns true while more is left.
pub(super) type Continuation = Box<dyn FnMut(&mut State, ClientId) -> bool + Send>;

/// Long answers being sent piece by piece, by client.
#[derive(Default)]
pub(crate) struct Continuations(IdMap<Continuation>);

impl std::fmt::Debug for Continuations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} long answers under way", self.0.len())
    }
}

impl Continuations {
    /// Drops `id`'s answer under way (it left).
    pub(super) fn forget(&mut self, id: ClientId) {
        self.0.remove(&id);
    }
}

impl State {
    /// Finishes `id`'s answer later, piece by piece, each time its
    /// connection's queue has drained (see `Outbox::is_continuing`).
    pub(crate) fn continue_later(&mut self, id: ClientId, rest: Continuation) {
        if let Some(client) = self.registry.get(id) {
            client.outbox.set_continuing(true);
            self.continuations.0.insert(id, rest);
        }
    }

    /// Sends the next piece of `id`'s long answer, if it has one.
    pub(crate) fn continue_answer(&mut self, id: ClientId) {
        let more = match self.continuations.0.remove(&id) {
            Some(mut rest) => {
                let more = rest(self, id) && self.registry.contains(id);
                if more {
                    self.continuations.0.insert(id, rest);
                }
                more
            }
            None => false,
        };
        if !more && let Some(client) = self.registry.get(id) {
            client.outbox.set_continuing(false);
        }
    }
}
