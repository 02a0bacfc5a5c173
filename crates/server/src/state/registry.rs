//! The registry: every connection the hub knows, by id, and the nicks
//! they hold. It is the one owner of the nick rule — every nick is taken
//! through [`Registry::claim_nick`] (NICK, registration, plain names) and
//! given up when the client is forgotten — and remembers what was given
//! up (WHOWAS) and the most clients seen at once (LUSERS).

use std::collections::HashMap;

use ciao_proto::CaseKey;

use crate::link::IdMap;
use crate::state::client::{Client, ClientId};
use crate::state::nicks::{NickRefusal, Nicks};
use crate::state::services::{SERVICE_ID, SERVICES};
use crate::state::whowas::Whowas;

#[derive(Debug)]
pub(crate) struct Registry {
    /// Every connection, registered or not. Boxed: the table keeps room
    /// for up to twice its entries, and a client record is some 400
    /// bytes, so inline records cost an idle connection ~200 bytes of
    /// empty slots (docs/BENCHMARKS.md); the extra pointer costs the
    /// fan-out nothing measurable.
    clients: IdMap<Box<Client>>,
    /// The id the next connection gets: ids are never reused, so a stale
    /// id (in a release, a recent message) never names someone else.
    next_id: ClientId,
    /// Registered and pending nicks and their look-alike skeletons;
    /// changed only through `claim_nick` and `forget`, so the table and
    /// the clients' own nicks never disagree.
    nicks: Nicks,
    /// Most registered clients seen at once (LUSERS "max").
    peak_users: usize,
    /// Nicks given up, for WHOWAS.
    whowas: Whowas,
    /// Each nick given up by a connection still here that keeps its
    /// session of it (`state::sessions`): whoever takes the nick next
    /// ends that session, so its holder never reads rows of another's.
    given_up_by: HashMap<CaseKey, ClientId>,
    /// The id the next nick session gets (0 is none's).
    next_session: u64,
}

impl Default for Registry {
    fn default() -> Self {
        // The services' nicks are held from the start (`state::services`).
        let mut nicks = Nicks::default();
        for service in SERVICES {
            let reserved = nicks.claim(SERVICE_ID, None, service.nick);
            debug_assert_eq!(reserved, Ok(()), "{}", service.nick);
        }
        Registry {
            clients: IdMap::default(),
            next_id: 1,
            nicks,
            peak_users: 0,
            whowas: Whowas::default(),
            given_up_by: HashMap::new(),
            next_session: 1,
        }
    }
}

impl Registry {
    /// Adds the client `make` builds with its new id.
    pub(crate) fn add(&mut self, make: impl FnOnce(ClientId) -> Client) -> ClientId {
        let id = self.next_id;
        self.next_id += 1;
        self.clients.insert(id, Box::new(make(id)));
        id
    }

    pub(crate) fn get(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(&id).map(Box::as_ref)
    }

    /// A client to change. Its nick is not for changing here (see
    /// [`claim_nick`](Self::claim_nick)).
    pub(crate) fn get_mut(&mut self, id: ClientId) -> Option<&mut Client> {
        self.clients.get_mut(&id).map(Box::as_mut)
    }

    pub(crate) fn contains(&self, id: ClientId) -> bool {
        self.clients.contains_key(&id)
    }

    /// Every client, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Client> {
        self.clients.values().map(Box::as_ref)
    }

    /// The client holding `nick` (compared under the server's
    /// casemapping).
    pub(crate) fn find_nick(&self, nick: &str) -> Option<&Client> {
        self.nicks
            .holder(nick)
            .and_then(|id| self.clients.get(&id).map(Box::as_ref))
    }

    /// Gives client `id` the nick `wanted` (valid, free, and no look-alike
    /// of another client's), releasing the one it had (WHOWAS keeps it):
    /// the one place where nicks are taken (through `State::claim_nick`).
    /// A nick session it begins sees the rows after `last_row`.
    pub(super) fn claim_nick(
        &mut self,
        id: ClientId,
        wanted: &str,
        last_row: i64,
    ) -> Result<(), NickRefusal> {
        let Some(client) = self.clients.get(&id) else {
            return Ok(());
        };
        self.nicks.claim(id, Some(&client.nick), wanted)?;
        let new = CaseKey::new(wanted);
        // A connection that gave this nick up no longer reads on from
        // where it stopped: from now on its rows are ours.
        if let Some(before) = self.given_up_by.remove(&new)
            && before != id
            && let Some(client) = self.clients.get_mut(&before)
        {
            client.sessions.forget_former(&new);
        }
        let Some(client) = self.clients.get_mut(&id) else {
            return Ok(());
        };
        // WHOWAS remembers the nick given up, as on quit.
        if client.registered {
            self.whowas.record(client);
        }
        // `*` is no nick: the first one taken gives nothing up.
        let old = (client.nick != "*").then(|| CaseKey::new(&client.nick));
        client.set_nick(wanted);
        let next_session = &mut self.next_session;
        let taken = client.sessions.take(old, &new, last_row, || {
            *next_session += 1;
            *next_session - 1
        });
        if let Some(given_up) = taken.given_up {
            self.given_up_by.insert(given_up, id);
        }
        if let Some(forgotten) = taken.forgotten
            && self.given_up_by.get(&forgotten) == Some(&id)
        {
            self.given_up_by.remove(&forgotten);
        }
        Ok(())
    }

    /// Records that `id` registered: its admission slot no longer counts
    /// as registering, and the LUSERS peak may rise.
    pub(crate) fn note_registration(&mut self, id: ClientId) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        client.registered = true;
        // No longer counted as registering, nor ever closed to make room.
        if let Some(slot) = client.slot.as_mut() {
            slot.registered();
        }
        let (registered, _) = self.counts();
        self.peak_users = self.peak_users.max(registered);
    }

    /// Number of registered clients, and of unregistered connections.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let registered = self.clients.values().filter(|c| c.registered).count();
        (registered, self.clients.len() - registered)
    }

    /// Most registered clients seen at once.
    pub(crate) fn peak_users(&self) -> usize {
        self.peak_users
    }

    /// Who used which nick.
    pub(crate) fn whowas(&self) -> &Whowas {
        &self.whowas
    }

    /// Removes client `id`, freeing its nick (WHOWAS keeps it when it was
    /// registered). What else knew the client is the caller's to clear.
    pub(super) fn forget(&mut self, id: ClientId) -> Option<Client> {
        let client = *self.clients.remove(&id)?;
        if client.registered {
            self.whowas.record(&client);
        }
        self.nicks.release(id, &client.nick);
        for nick in client.sessions.former_nicks() {
            if self.given_up_by.get(nick) == Some(&id) {
                self.given_up_by.remove(nick);
            }
        }
        Some(client)
    }

    /// Forgets every client and nick (shutdown).
    pub(super) fn clear(&mut self) {
        self.clients.clear();
        self.nicks.clear();
        self.given_up_by.clear();
    }
}
