//! MONITOR (IRCv3): who asked to be told when which nicks come and go.
//!
//! Kept apart from `Client` so that only clients that monitor someone pay
//! for it: an idle connection's memory is counted in bytes.

use std::collections::HashMap;

use ciao_proto::CaseKey;

use crate::link::IdMap;
use crate::state::client::ClientId;

/// Most nicks one client may monitor (ISUPPORT `MONITOR=`).
pub(crate) const MAX_MONITORED: usize = 100;

#[derive(Debug, Default)]
pub(crate) struct Monitors {
    /// Folded nick → the clients watching it.
    watchers: HashMap<CaseKey, Vec<ClientId>>,
    /// Each watching client's list, as typed (for `MONITOR L`).
    lists: IdMap<Vec<String>>,
}

/// The list is full; nothing more was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListFull;

impl Monitors {
    /// Adds `nick` to `id`'s list; `Ok(false)` when it was there already.
    pub(crate) fn add(&mut self, id: ClientId, nick: &str) -> Result<bool, ListFull> {
        let key = CaseKey::new(nick);
        let list = self.lists.entry(id).or_default();
        if list.iter().any(|n| CaseKey::new(n) == key) {
            return Ok(false);
        }
        if list.len() >= MAX_MONITORED {
            return Err(ListFull);
        }
        list.push(nick.to_owned());
        self.watchers.entry(key).or_default().push(id);
        Ok(true)
    }

    /// Takes `nick` off `id`'s list.
    pub(crate) fn remove(&mut self, id: ClientId, nick: &str) {
        let key = CaseKey::new(nick);
        if let Some(list) = self.lists.get_mut(&id) {
            list.retain(|n| CaseKey::new(n) != key);
            if list.is_empty() {
                self.lists.remove(&id);
            }
        }
        self.unwatch(id, &key);
    }

    /// Empties `id`'s list (`MONITOR C`, and when it leaves).
    pub(crate) fn clear(&mut self, id: ClientId) {
        for nick in self.lists.remove(&id).unwrap_or_default() {
            self.unwatch(id, &CaseKey::new(&nick));
        }
    }

    /// `id`'s list, as typed.
    pub(crate) fn list(&self, id: ClientId) -> &[String] {
        self.lists.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Who watches `nick`.
    pub(crate) fn watchers(&self, nick: &str) -> &[ClientId] {
        self.watchers
            .get(&CaseKey::new(nick))
            .map_or(&[], Vec::as_slice)
    }

    fn unwatch(&mut self, id: ClientId, key: &CaseKey) {
        if let Some(watchers) = self.watchers.get_mut(key) {
            watchers.retain(|w| *w != id);
            if watchers.is_empty() {
                self.watchers.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_case_insensitive_and_bounded() {
        let mut monitors = Monitors::default();
        assert_eq!(monitors.add(1, "Bob"), Ok(true));
        assert_eq!(monitors.add(1, "bob"), Ok(false));
        assert_eq!(monitors.watchers("BOB"), [1]);
        assert_eq!(monitors.list(1), ["Bob"]);
        monitors.remove(1, "BOB");
        assert!(monitors.watchers("bob").is_empty());
        assert!(monitors.list(1).is_empty());
        for i in 0..MAX_MONITORED {
            assert_eq!(monitors.add(2, &format!("n{i}")), Ok(true));
        }
        assert_eq!(monitors.add(2, "one-more"), Err(ListFull));
        monitors.clear(2);
        assert!(monitors.watchers("n1").is_empty());
    }
}
