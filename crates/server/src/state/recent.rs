//! The last messages sent, by msgid: who sent each one and where, so that
//! `REDACT` (draft/message-redaction) can tell at once whether a message
//! exists and whether the sender may take it back.
//!
//! A bounded window rather than a store query: the check runs under the
//! hub lock, which must never wait for the disk. Older messages can no
//! longer be redacted (`REDACT_WINDOW_EXPIRED` in the spec's terms; ciao
//! answers `UNKNOWN_MSGID`, as it no longer knows them).

use std::collections::{HashMap, VecDeque};

use crate::state::client::ClientId;

/// How many of the latest messages can be redacted.
pub(crate) const WINDOW: usize = 10_000;

/// One message that may still be redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    /// The conversation (see `history::conversation`).
    pub(crate) conversation: String,
    /// The sender as it was, `nick!user@host`.
    pub(crate) mask: String,
    /// A private message's sender and recipient connections, as they
    /// were: a REDACT goes to them (if still here), not to whoever holds
    /// the nicks now. `[None, None]` for channel messages.
    pub(crate) parties: [Option<ClientId>; 2],
}

impl Sent {
    /// A message from `sender` (`mask`) in `conversation`, to `recipient`
    /// when it is private.
    pub(crate) fn new(
        conversation: String,
        mask: String,
        sender: ClientId,
        recipient: Option<ClientId>,
    ) -> Self {
        Sent {
            conversation,
            mask,
            parties: recipient.map_or([None, None], |r| [Some(sender), Some(r)]),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct RecentMessages {
    by_msgid: HashMap<String, Sent>,
    /// Msgids, oldest first, for forgetting the oldest.
    order: VecDeque<String>,
}

impl RecentMessages {
    pub(crate) fn remember(&mut self, msgid: String, sent: Sent) {
        if self.order.len() >= WINDOW
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_msgid.remove(&oldest);
        }
        self.order.push_back(msgid.clone());
        self.by_msgid.insert(msgid, sent);
    }

    /// The message `msgid` in `conversation`, if it is still known.
    pub(crate) fn get(&self, conversation: &str, msgid: &str) -> Option<&Sent> {
        self.by_msgid
            .get(msgid)
            .filter(|sent| sent.conversation == conversation)
    }

    /// Forgets a redacted message (its slot in `order` goes in its turn).
    pub(crate) fn forget(&mut self, msgid: &str) {
        self.by_msgid.remove(msgid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(conversation: &str) -> Sent {
        Sent {
            conversation: conversation.to_owned(),
            mask: "a!u@h".to_owned(),
            parties: [None, None],
        }
    }

    #[test]
    fn known_only_in_its_conversation_and_within_the_window() {
        let mut recent = RecentMessages::default();
        recent.remember("m0".to_owned(), sent("#c"));
        assert!(recent.get("#c", "m0").is_some());
        assert!(recent.get("#other", "m0").is_none());
        for i in 1..=WINDOW {
            recent.remember(format!("m{i}"), sent("#c"));
        }
        assert!(recent.get("#c", "m0").is_none(), "the oldest went");
        assert!(recent.get("#c", "m1").is_some());
        recent.forget("m1");
        assert!(recent.get("#c", "m1").is_none());
        assert_eq!(recent.by_msgid.len(), WINDOW - 1);
        assert!(recent.order.len() <= WINDOW);
    }
}
