//! What the hub keeps for each client's link, below the state that owns
//! the clients: the bounded outbox the connection drains, the wake-ups
//! that batch its writer, the admission slot it holds, and the buckets of
//! flood control and work budgets. Nothing here knows of channels, nicks
//! or commands; both the connection task and the hub use it.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub(crate) mod admission;
pub(crate) mod attempts;
pub(crate) mod cost;
pub(crate) mod flood;
pub(crate) mod outbox;
pub(crate) mod presence;
pub(crate) mod wakes;

/// A connection's number, unique for the server's life: the hub's key for
/// its client and the admission slots' key for who is registering.
pub(crate) type ClientId = u64;

/// A map keyed by client, the hub's one kind for them: the registry's
/// clients and a channel's members are looked up once per recipient of
/// every fan-out, under the hub lock.
pub(crate) type IdMap<V> = HashMap<ClientId, V, BuildHasherDefault<IdHasher>>;
/// A set of clients, hashed as [`IdMap`] is.
pub(crate) type IdSet = HashSet<ClientId, BuildHasherDefault<IdHasher>>;

/// Hashes a `ClientId` with one multiplication. Ids come from the
/// server's own counter and are never chosen by a client, so a keyed
/// (flood-resistant) hash buys nothing here, and SipHash was a tenth of
/// a fan-out's time. The odd multiplier (2^64 / φ) maps consecutive ids
/// to distinct low bits (the table's bucket) and mixes them into the
/// high bits (the table's tag).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only reached for keys other than a bare u64 (none today).
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(GOLDEN);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(GOLDEN);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn consecutive_ids_land_in_distinct_buckets_with_mixed_tags() {
        let build = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (1..=1024u64).map(|id| build.hash_one(id)).collect();
        let buckets: HashSet<u64> = hashes.iter().map(|h| h & 1023).collect();
        assert_eq!(buckets.len(), 1024, "a table of 1024 has no collision");
        let tags: HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(tags.len() > 100, "the top 7 bits vary: {}", tags.len());
    }

    #[test]
    fn maps_keyed_by_id_work_as_maps() {
        let mut map = IdMap::default();
        for id in 0..10_000u64 {
            map.insert(id * 7, id);
        }
        assert!((0..10_000u64).all(|id| map.get(&(id * 7)) == Some(&id)));
        assert_eq!(map.get(&1), None);
    }
}
