//! A channel's members, kept in display order and found by nick in
//! O(log n): a JOIN, PART, QUIT, NICK or MODE touches one entry instead
//! of sorting the whole list, so a server announcing tens of thousands
//! of members costs n log n, not n².

use std::collections::{BTreeMap, HashMap};

use ciao_proto::irc_lower;

use super::limits::MAX_MEMBERS_PER_CHANNEL;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub nick: String,
    /// Status prefixes, highest first (`@`, `%`, `+`, `@+`).
    pub prefix: String,
    /// The away message, when the member is away (empty when the server
    /// said they are away without saying why, as WHO does).
    pub away: Option<String>,
    /// The account the member is logged in to, when the server said
    /// (extended-join, account-notify, the `account` tag).
    pub account: Option<String>,
}

/// Where a status prefix sorts: operators, half-operators, voiced, then
/// everyone else.
pub(crate) fn prefix_rank(prefix: char) -> Rank {
    match prefix {
        '@' => 0,
        '%' => 1,
        '+' => 2,
        _ => PLAIN_RANK,
    }
}

/// The sort class of a member; lower sorts first.
pub(crate) type Rank = u8;

/// The rank of a member without any status.
const PLAIN_RANK: Rank = 3;

impl Member {
    pub fn new(nick: &str) -> Self {
        Member {
            nick: nick.to_owned(),
            prefix: String::new(),
            away: None,
            account: None,
        }
    }

    fn rank(&self) -> Rank {
        self.prefix.chars().next().map_or(PLAIN_RANK, prefix_rank)
    }

    /// Gives or takes the status `symbol`, keeping the highest first.
    pub(crate) fn set_status(&mut self, symbol: char, given: bool) {
        self.prefix.retain(|p| p != symbol);
        if given {
            self.prefix.push(symbol);
        }
        let mut symbols: Vec<char> = self.prefix.chars().collect();
        symbols.sort_by_key(|p| prefix_rank(*p));
        self.prefix = symbols.into_iter().collect();
    }
}

/// The members of one channel.
#[derive(Debug, Clone, Default)]
pub struct Members {
    /// Display order: rank, then the case-folded nick.
    ordered: BTreeMap<(Rank, String), Member>,
    /// Case-folded nick → rank: where the member sits in `ordered`.
    ranks: HashMap<String, Rank>,
}

impl Members {
    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }

    /// Operators, then half-operators, then voiced, then the rest, each
    /// by nick (case-folded).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Member> + ExactSizeIterator {
        self.ordered.values()
    }

    pub fn get(&self, nick: &str) -> Option<&Member> {
        let folded = irc_lower(nick);
        let rank = *self.ranks.get(&folded)?;
        self.ordered.get(&(rank, folded))
    }

    /// Adds (or replaces) a member. False when the channel is full
    /// ([`MAX_MEMBERS_PER_CHANNEL`]) and `member` is new: it is not kept.
    pub(crate) fn insert(&mut self, member: Member) -> bool {
        let folded = irc_lower(&member.nick);
        if let Some(rank) = self.ranks.remove(&folded) {
            self.ordered.remove(&(rank, folded.clone()));
        } else if self.len() >= MAX_MEMBERS_PER_CHANNEL {
            return false;
        }
        let rank = member.rank();
        self.ranks.insert(folded.clone(), rank);
        self.ordered.insert((rank, folded), member);
        true
    }

    pub(crate) fn remove(&mut self, nick: &str) -> Option<Member> {
        let folded = irc_lower(nick);
        let rank = self.ranks.remove(&folded)?;
        self.ordered.remove(&(rank, folded))
    }

    /// Changes a member in place (status, away, nick), moving it to its
    /// new place in the order. False when there is no such member.
    pub(crate) fn update(&mut self, nick: &str, change: impl FnOnce(&mut Member)) -> bool {
        let Some(mut member) = self.remove(nick) else {
            return false;
        };
        change(&mut member);
        // Cannot fail: the member's old place was just freed, unless it
        // was renamed onto another member, whom it then replaces.
        self.insert(member);
        true
    }

    /// Changes what does not move a member in the order (its account),
    /// in place. False when there is no such member.
    pub(crate) fn touch(&mut self, nick: &str, change: impl FnOnce(&mut Member)) -> bool {
        let folded = irc_lower(nick);
        let Some(rank) = self.ranks.get(&folded).copied() else {
            return false;
        };
        self.ordered.get_mut(&(rank, folded)).map(change).is_some()
    }

    pub(crate) fn clear(&mut self) {
        self.ordered.clear();
        self.ranks.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(nick: &str, prefix: &str) -> Member {
        Member {
            prefix: prefix.to_owned(),
            ..Member::new(nick)
        }
    }

    #[test]
    fn order_lookup_and_renames() {
        let mut members = Members::default();
        for (nick, prefix) in [("zed", ""), ("Bob", "+"), ("al", "@"), ("[x]", "%")] {
            assert!(members.insert(member(nick, prefix)));
        }
        let order: Vec<&str> = members.iter().map(|m| m.nick.as_str()).collect();
        assert_eq!(order, ["al", "[x]", "Bob", "zed"]);
        assert_eq!(members.get("{X}").map(|m| m.nick.as_str()), Some("[x]"));
        assert!(members.update("bob", |m| m.nick = "Ann".to_owned()));
        assert!(members.get("bob").is_none());
        assert!(members.update("zed", |m| m.set_status('@', true)));
        let order: Vec<&str> = members.iter().map(|m| m.nick.as_str()).collect();
        assert_eq!(order, ["al", "zed", "[x]", "Ann"]);
        assert_eq!(members.len(), 4);
        assert!(members.remove("AL").is_some());
        assert!(!members.update("al", |_| {}));
    }
}
