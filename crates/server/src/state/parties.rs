//! Who the parties of a private conversation are, and who may read it
//! (issue 15: history that belongs to its owner).
//!
//! A party is identified by `@account` when its client is logged in, else
//! by its folded nick. `@` can never start a nick, so the two never
//! collide. A private conversation is stored under its two parties'
//! identities, sorted (`history::conversation`): `@alice bob`, `@alice
//! @carol`, `bob dave`.
//!
//! - A logged-in reader sees every row of its account's conversations,
//!   from any connection, at any time, across restarts: they are keyed by
//!   its account, which nobody else can hold.
//! - An anonymous reader sees the nick-keyed conversations of the nick it
//!   holds only within its session of that nick (`state::sessions`).
//!
//! Rows stored before accounts are keyed by nick: no logged-in reader
//! ever asks for them, and an anonymous one only from its session on, so
//! they are hidden from everyone, not migrated.
//!
//! The other party, as a reader names it (CHATHISTORY, MARKREAD), is
//! resolved by [`State::party_named`]. Read markers follow the same rule:
//! a logged-in reader's are its account's and stored; an anonymous
//! reader's channel markers are its nick's and stored (they reveal
//! nothing private), its private ones its session's and never stored.

use ciao_proto::irc_lower;
use ciao_proto::names::is_channel_name;

use crate::history::{Since, conversation};
use crate::state::State;
use crate::state::client::{Client, ClientId};
use crate::state::sessions::NickSession;

/// What a logged-in party's identity starts with.
const ACCOUNT_MARK: char = '@';

/// A client's identity as a party: `@account` logged in, else its folded
/// nick.
pub(crate) fn identity(client: &Client) -> String {
    match client.account() {
        Some(account) => format!("{ACCOUNT_MARK}{}", irc_lower(account)),
        None => irc_lower(client.nick()),
    }
}

/// How to name a party back to a client (TARGETS): an account by its
/// name (which is the nick it registered), a nick as it is.
pub(crate) fn shown_name(identity: &str) -> &str {
    identity.strip_prefix(ACCOUNT_MARK).unwrap_or(identity)
}

/// Where a read marker lives: whose it is, of what, and whether it is a
/// session's (then it is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MarkerKey {
    /// The reader's identity (`@account` or its nick).
    pub(crate) owner: String,
    /// The folded channel, or the other party's identity.
    pub(crate) target: String,
    /// The nick session that owns it (an anonymous reader's private
    /// marker); `None` when it is stored.
    pub(crate) session: Option<u64>,
}

impl State {
    /// The identity of the party a client names `name` (a nick): the
    /// online holder of that nick → its identity; else a registered
    /// account of that name → `@account` (an account's name is the nick
    /// it owns); else the nick.
    pub(crate) fn party_named(&self, name: &str) -> String {
        if let Some(holder) = self.find_nick(name) {
            return identity(holder);
        }
        match self.account(name) {
            Some(account) => format!("{ACCOUNT_MARK}{}", irc_lower(&account.name)),
            None => irc_lower(name),
        }
    }

    /// The stored key of the private conversation between client `id`
    /// and the party it names `other`; `None` if `id` is gone.
    pub(crate) fn private_conversation(&self, id: ClientId, other: &str) -> Option<String> {
        let me = identity(self.client(id)?);
        Some(conversation(&me, Some(&self.party_named(other))))
    }

    /// Where client `id`'s view of its private conversations begins:
    /// every row for a logged-in reader (they are its account's), its
    /// session's for an anonymous one, none without a nick.
    pub(crate) fn private_view(&self, id: ClientId) -> Since {
        match self.client(id) {
            Some(client) if client.account().is_some() => Since::ALL,
            Some(client) => client.session().map_or(Since::NOTHING, NickSession::since),
            None => Since::NOTHING,
        }
    }

    /// Where client `id`'s read marker of `target` (a channel or a nick)
    /// lives; `None` if `id` is gone.
    pub(crate) fn marker_key(&self, id: ClientId, target: &str) -> Option<MarkerKey> {
        let client = self.client(id)?;
        let owner = identity(client);
        if is_channel_name(target) {
            return Some(MarkerKey {
                owner,
                target: irc_lower(target),
                session: None,
            });
        }
        // Every registered client holds a nick, so a session; 0 is no
        // session's id.
        let session = client
            .account()
            .is_none()
            .then(|| client.session().map_or(0, NickSession::id));
        Some(MarkerKey {
            owner,
            target: self.party_named(target),
            session,
        })
    }
}

/// Whether a stored read marker is still anyone's: a channel's, or a
/// logged-in reader's. Private markers keyed by nick (stored before
/// sessions) are nobody's now.
pub(crate) fn marker_is_kept(owner: &str, target: &str) -> bool {
    is_channel_name(target) || owner.starts_with(ACCOUNT_MARK)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::link::outbox::Outbox;

    /// A client holding `nick`, logged in to `account` if given.
    fn client(state: &mut State, nick: &str, account: Option<&str>) -> ClientId {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let id = state.add_client(|id| Client::new(id, ip, Arc::new(Outbox::new(1 << 16))));
        state.claim_nick(id, nick).expect("free nick");
        if let Some(client) = state.registry.get_mut(id) {
            client.account = account.map(str::to_owned);
        }
        id
    }

    #[test]
    fn a_logged_in_party_is_its_account_and_sees_all_an_anonymous_one_its_session() {
        let mut state = State::new(Arc::new(Config::default()));
        let alice = client(&mut state, "Alice", Some("Alice"));
        let bob = client(&mut state, "bob", None);
        let key = Some("@alice bob".to_owned());
        assert_eq!(state.private_conversation(alice, "BOB"), key);
        assert_eq!(state.private_conversation(bob, "alice"), key, "the same");
        assert_eq!(state.private_view(alice), Since::ALL);
        let session = state
            .client(bob)
            .and_then(|c| c.session())
            .map(NickSession::since);
        assert_eq!(Some(state.private_view(bob)), session);
        assert_ne!(state.private_view(bob), Since::ALL);
        // Markers: the account's are stored, an anonymous one's private
        // markers are its session's, its channel markers its nick's.
        let of_alice = state.marker_key(alice, "bob").expect("alice");
        assert_eq!(
            (of_alice.owner.as_str(), of_alice.target.as_str()),
            ("@alice", "bob")
        );
        assert_eq!(of_alice.session, None);
        let of_bob = state.marker_key(bob, "Alice").expect("bob");
        assert_eq!(
            (of_bob.owner.as_str(), of_bob.target.as_str()),
            ("bob", "@alice")
        );
        assert!(of_bob.session.is_some());
        assert_eq!(state.marker_key(bob, "#C").expect("bob").session, None);
        // A nick nobody holds is that nick.
        assert_eq!(
            state.private_conversation(bob, "carol"),
            Some("bob carol".to_owned())
        );
    }

    #[test]
    fn accounts_and_nicks_never_collide_and_are_shown_by_name() {
        assert_eq!(conversation("@alice", Some("bob")), "@alice bob");
        assert_ne!(
            conversation("@alice", Some("bob")),
            conversation("alice", Some("bob"))
        );
        assert_eq!(shown_name("@alice"), "alice");
        assert_eq!(shown_name("bob"), "bob");
        assert!(marker_is_kept("@alice", "bob"));
        assert!(marker_is_kept("bob", "#c"));
        assert!(!marker_is_kept("bob", "alice"));
    }
}
