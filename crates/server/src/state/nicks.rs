//! Who holds which nick, and the rule for taking one: valid, not held by
//! anyone else, and not a look-alike of a nick someone else holds.
//!
//! Look-alikes are found with confusable skeletons (Unicode TR39): `bоb`
//! with a Cyrillic `о`, `b0b` and `bob` share the skeleton `bob`. A
//! skeleton is computed when a nick is claimed (and released), and kept
//! beside it as a hash.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use ciao_proto::CaseKey;
use ciao_proto::casemap::fold_char;
use ciao_proto::names::{NickError, check_nick};

use crate::state::client::ClientId;

/// Why a nick could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NickRefusal {
    #[error("{0}")]
    Invalid(NickError),
    #[error("the nick is held by someone else")]
    InUse,
    #[error("the nick looks like one held by someone else")]
    TooSimilar,
}

/// The nick table: every registered or pending nick and its skeleton.
#[derive(Debug, Default)]
pub(crate) struct Nicks {
    /// Every held nick, folded, to its holder: what lookups by nick use.
    holders: HashMap<CaseKey, ClientId>,
    /// Every held nick's skeleton, by a keyed hash of it, to its holder,
    /// so that a look-alike is found with one lookup instead of comparing
    /// against every nick. A hash rather than the skeleton itself: the
    /// table has an entry per client, and 8 bytes are a third of a
    /// string's cost; with a key chosen at random per process, nobody can
    /// craft a nick whose skeleton's hash meets another's.
    skeletons: HashMap<u64, ClientId>,
    /// The key of those hashes.
    hasher: RandomState,
}

impl Nicks {
    /// Who holds `nick` (compared under the server's casemapping).
    pub(crate) fn holder(&self, nick: &str) -> Option<ClientId> {
        self.holders.get(&CaseKey::new(nick)).copied()
    }

    /// Gives `wanted` to `id`, releasing `current` (its nick so far, if
    /// any). A client may change to a look-alike of its own nick
    /// (`bob` → `Bob`, `bob` → `b0b`): that misleads nobody.
    pub(crate) fn claim(
        &mut self,
        id: ClientId,
        current: Option<&str>,
        wanted: &str,
    ) -> Result<(), NickRefusal> {
        check_nick(wanted).map_err(NickRefusal::Invalid)?;
        let key = CaseKey::new(wanted);
        if self.holders.get(&key).is_some_and(|holder| *holder != id) {
            return Err(NickRefusal::InUse);
        }
        let skeleton = self.hasher.hash_one(skeleton(wanted));
        if self
            .skeletons
            .get(&skeleton)
            .is_some_and(|holder| *holder != id)
        {
            return Err(NickRefusal::TooSimilar);
        }
        if let Some(current) = current {
            self.release(id, current);
        }
        self.holders.insert(key, id);
        self.skeletons.insert(skeleton, id);
        Ok(())
    }

    /// Frees `nick` if `id` holds it.
    pub(crate) fn release(&mut self, id: ClientId, nick: &str) {
        let key = CaseKey::new(nick);
        if self.holders.get(&key) == Some(&id) {
            self.holders.remove(&key);
            let skeleton = self.hasher.hash_one(skeleton(nick));
            if self.skeletons.get(&skeleton) == Some(&id) {
                self.skeletons.remove(&skeleton);
            }
        }
    }

    /// Forgets every nick (shutdown).
    pub(crate) fn clear(&mut self) {
        self.holders.clear();
        self.skeletons.clear();
    }
}

/// The TR39 skeleton of `nick` under the server's casemapping: folded
/// (RFC 1459) first, so that nicks the server treats as one (`Bob`,
/// `bob`, `[x]`, `{x}`) have one skeleton whatever case the holder
/// chose; and folded again after, because prototypes may be capitals
/// (`0` → `O`, Cyrillic `В` → `B`) that must meet their lower case.
/// Non-ASCII case is not folded, as in the casemapping: `ВОВ` looks like
/// `BOB`, so it must reach `bob` through its capitals.
fn skeleton(nick: &str) -> String {
    let folded: String = nick.chars().map(fold_char).collect();
    unicode_security::skeleton(&folded).map(fold_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciao_proto::names::is_invisible;

    #[test]
    fn look_alikes_share_a_skeleton_and_case_never_matters() {
        for look_alike in [
            "bob",
            "BOB",
            "bоb",
            "b0b",
            "B0B",
            "ВОВ",
            "b\u{200B}ob",
            "bo\u{0301}b",
        ] {
            let want = if look_alike == "bo\u{0301}b" {
                "bób"
            } else {
                "bob"
            };
            assert_eq!(skeleton(look_alike), skeleton(want), "{look_alike:?}");
        }
        assert_eq!(skeleton("[x]"), skeleton("{X}"));
        assert_eq!(skeleton("Ian"), skeleton("ian"));
        assert_ne!(skeleton("alice"), skeleton("bob"));
        assert_ne!(skeleton("bob"), skeleton("bób"));
    }

    #[test]
    fn look_alikes_of_a_held_nick_are_refused_but_not_for_its_holder() {
        let mut nicks = Nicks::default();
        assert_eq!(nicks.claim(1, None, "bob"), Ok(()));
        assert_eq!(nicks.claim(2, None, "Bob"), Err(NickRefusal::InUse));
        assert_eq!(nicks.claim(2, None, "bоb"), Err(NickRefusal::TooSimilar));
        assert_eq!(nicks.claim(2, None, "b0b"), Err(NickRefusal::TooSimilar));
        assert_eq!(
            nicks.claim(2, None, "b\u{200B}ob"),
            Err(NickRefusal::Invalid(NickError::Invisible('\u{200B}')))
        );
        assert_eq!(
            nicks.claim(1, Some("bob"), "b0b"),
            Ok(()),
            "one's own look-alike"
        );
        assert_eq!(nicks.holder("bob"), None);
        assert_eq!(nicks.holder("B0B"), Some(1));
        assert_eq!(nicks.claim(2, None, "bob"), Err(NickRefusal::TooSimilar));
        nicks.release(1, "b0b");
        assert_eq!(nicks.claim(2, None, "bоb"), Ok(()), "free once released");
        nicks.release(1, "bоb");
        assert_eq!(nicks.holder("bоb"), Some(2), "only the holder releases");
    }

    /// The skeleton drops exactly the default-ignorable code points, so
    /// this checks `names::is_invisible`'s hand-written table against the
    /// Unicode data unicode-security carries.
    #[test]
    fn the_invisible_table_matches_the_unicode_data() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let vanishes = unicode_security::skeleton(c.encode_utf8(&mut [0; 4]))
                .next()
                .is_none();
            assert_eq!(is_invisible(c), vanishes, "U+{:04X}", u32::from(c));
        }
    }
}
