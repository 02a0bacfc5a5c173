//! A channel: its members with their status, topic and modes.

use ciao_proto::irc_eq;

use crate::link::IdMap;
use crate::state::client::{Client, ClientId};

/// A member's channel status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Status {
    /// `+o`, shown as `@`.
    pub(crate) op: bool,
    /// `+h` (half-operator), shown as `%`: may set the topic under `+t`,
    /// invite under `+i`, voice members and kick those below it.
    pub(crate) halfop: bool,
    /// `+v`, shown as `+`.
    pub(crate) voice: bool,
    /// History jobs submitted before the member joined: messages released
    /// later but sent before that reach it through the join's replay, not
    /// live (see `State::publish`).
    pub(crate) joined_after: u64,
}

/// How much a member may do in a channel, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    Member,
    Voice,
    HalfOp,
    Op,
}

impl Rank {
    /// The member prefix (`STATUSMSG`) and mode letter of a rank.
    pub(crate) fn from_prefix(prefix: char) -> Option<Rank> {
        match prefix {
            '@' => Some(Rank::Op),
            '%' => Some(Rank::HalfOp),
            '+' => Some(Rank::Voice),
            _ => None,
        }
    }
}

impl Status {
    /// The highest status this member holds.
    pub(crate) fn rank(self) -> Rank {
        if self.op {
            Rank::Op
        } else if self.halfop {
            Rank::HalfOp
        } else if self.voice {
            Rank::Voice
        } else {
            Rank::Member
        }
    }

    /// The prefix shown in NAMES and WHO: the highest one, or all of them,
    /// highest first, for clients with `multi-prefix`.
    pub(crate) fn prefix(self, all: bool) -> String {
        let mut prefix = String::new();
        for (held, symbol) in [(self.op, '@'), (self.halfop, '%'), (self.voice, '+')] {
            if held {
                prefix.push(symbol);
                if !all {
                    break;
                }
            }
        }
        prefix
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Topic {
    pub(crate) text: String,
    pub(crate) set_by: String,
    pub(crate) set_at: u64,
}

/// One entry of a mask list (`+b`, `+e`, `+I`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MaskEntry {
    /// `nick!user@host`, with `*` and `?`.
    pub(crate) mask: String,
    pub(crate) set_by: String,
    pub(crate) set_at: u64,
}

/// Most entries in each of a channel's mask lists (ISUPPORT `MAXLIST`).
pub(crate) const MAX_LIST_ENTRIES: usize = 100;

/// The channel modes that hold lists of masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaskList {
    /// `+b`: who may not join or speak.
    Bans,
    /// `+e`: who is let past the bans.
    Exceptions,
    /// `+I`: who may join an invite-only channel uninvited.
    InviteExceptions,
}

impl MaskList {
    pub(crate) const ALL: [MaskList; 3] = [
        MaskList::Bans,
        MaskList::Exceptions,
        MaskList::InviteExceptions,
    ];

    pub(crate) fn from_letter(letter: char) -> Option<MaskList> {
        MaskList::ALL
            .into_iter()
            .find(|list| list.letter() == letter)
    }

    pub(crate) fn letter(self) -> char {
        match self {
            MaskList::Bans => 'b',
            MaskList::Exceptions => 'e',
            MaskList::InviteExceptions => 'I',
        }
    }
}

/// Who a mask list is matched against: the client's `nick!user@host`
/// and, for account extbans, its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Identity<'a> {
    pub(crate) mask: &'a str,
    pub(crate) account: Option<&'a str>,
}

impl<'a> Identity<'a> {
    pub(crate) fn of(client: &'a Client) -> Self {
        Identity {
            mask: client.mask(),
            account: client.account(),
        }
    }
}

/// A mask alone: nobody logged in.
impl<'a> From<&'a str> for Identity<'a> {
    fn from(mask: &'a str) -> Self {
        Identity {
            mask,
            account: None,
        }
    }
}

/// What starts an extended ban (ISUPPORT `EXTBAN=~,a`).
pub(crate) const EXTBAN_PREFIX: char = '~';
/// The extended ban type matching accounts (`ACCOUNTEXTBAN=a`):
/// `~a:<account>`, `*` and `?` allowed, compared folded as nicks are.
pub(crate) const ACCOUNT_EXTBAN: char = 'a';

/// The account mask of an account extban (`~a:bob` → `bob`).
fn account_extban(mask: &str) -> Option<&str> {
    mask.strip_prefix(EXTBAN_PREFIX)?
        .strip_prefix(ACCOUNT_EXTBAN)?
        .strip_prefix(':')
}

/// True when the list entry `entry` matches `who`: an account extban
/// only a client logged in to a matching account, any other mask its
/// `nick!user@host`.
fn entry_matches(entry: &str, who: Identity<'_>) -> bool {
    match account_extban(entry) {
        Some(account) => who
            .account
            .is_some_and(|name| crate::glob::wildcard_match(account, name)),
        None => crate::glob::wildcard_match(entry, who.mask),
    }
}

/// A mask as a `+b`/`+e`/`+I` entry: an extban as given (`~a:<account>`,
/// the only type), any other mask completed by [`full_mask`]; `Err` with
/// the reason for an extban of another type or without an account.
pub(crate) fn list_entry(mask: &str) -> Result<String, &'static str> {
    if !mask.starts_with(EXTBAN_PREFIX) {
        return Ok(full_mask(mask));
    }
    match account_extban(mask) {
        Some(account) if !account.is_empty() => Ok(mask.to_owned()),
        Some(_) => Err("An account extban needs an account: ~a:<account>"),
        None => Err("Unknown extban: the only type is ~a:<account>"),
    }
}

/// A ban mask completed to `nick!user@host` (`bob` → `bob!*@*`,
/// `*@host` → `*!*@host`), as other servers do.
pub(crate) fn full_mask(mask: &str) -> String {
    match (mask.contains('!'), mask.contains('@')) {
        (true, true) => mask.to_owned(),
        (true, false) => format!("{mask}@*"),
        (false, true) => format!("*!{mask}"),
        (false, false) => format!("{mask}!*@*"),
    }
}

/// Channel modes ciao supports (`CHANMODES=beI,k,l,Cimnst`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Modes {
    /// `+t`: only operators change the topic.
    pub(crate) topic_ops_only: bool,
    /// `+n`: no messages from outside the channel.
    pub(crate) no_external: bool,
    /// `+m`: only voiced members and operators speak.
    pub(crate) moderated: bool,
    /// `+s`: hidden from LIST and WHOIS for non-members.
    pub(crate) secret: bool,
    /// `+i`: only invited clients may join.
    pub(crate) invite_only: bool,
    /// `+C`: no CTCP to the channel but ACTION (`/me`).
    pub(crate) no_ctcp: bool,
    /// `+b`: who may not join, as `nick!user@host` masks with wildcards.
    pub(crate) bans: Vec<MaskEntry>,
    /// `+e`: ban exceptions.
    pub(crate) exceptions: Vec<MaskEntry>,
    /// `+I`: invite exceptions.
    pub(crate) invite_exceptions: Vec<MaskEntry>,
    /// `+k`: the key needed to join.
    pub(crate) key: Option<String>,
    /// `+l`: the most members allowed.
    pub(crate) limit: Option<usize>,
}

impl Modes {
    pub(crate) fn list(&self, list: MaskList) -> &Vec<MaskEntry> {
        match list {
            MaskList::Bans => &self.bans,
            MaskList::Exceptions => &self.exceptions,
            MaskList::InviteExceptions => &self.invite_exceptions,
        }
    }

    pub(crate) fn list_mut(&mut self, list: MaskList) -> &mut Vec<MaskEntry> {
        match list {
            MaskList::Bans => &mut self.bans,
            MaskList::Exceptions => &mut self.exceptions,
            MaskList::InviteExceptions => &mut self.invite_exceptions,
        }
    }

    /// `+kl...` and its parameters; the key is shown only to members.
    pub(crate) fn describe(&self, show_key: bool) -> (String, Vec<String>) {
        let mut flags = String::from("+");
        let mut params = Vec::new();
        for (on, c) in [
            (self.no_ctcp, 'C'),
            (self.invite_only, 'i'),
            (self.moderated, 'm'),
            (self.no_external, 'n'),
            (self.secret, 's'),
            (self.topic_ops_only, 't'),
        ] {
            if on {
                flags.push(c);
            }
        }
        if let Some(key) = &self.key {
            flags.push('k');
            params.push(if show_key {
                key.clone()
            } else {
                "*".to_owned()
            });
        }
        if let Some(limit) = self.limit {
            flags.push('l');
            params.push(limit.to_string());
        }
        (flags, params)
    }
}

/// Most accounts a registered channel gives `@` besides its founder
/// (`ChanServ ACCESS`).
pub(crate) const MAX_CHANNEL_OPERATORS: usize = 100;

/// Why a channel outlives its members, and (with history on) a restart.
#[derive(Debug, Clone, Default)]
pub(crate) struct Kept {
    /// The default channel: its topic and modes are kept (with history
    /// on), so that nobody takes `@` in it by being first back after a
    /// restart.
    pub(crate) default: bool,
    /// Registered with ChanServ: also its founder and operators.
    pub(crate) registration: Option<Registration>,
}

impl Kept {
    /// True when the channel stays without members.
    pub(crate) fn any(&self) -> bool {
        self.default || self.registration.is_some()
    }

    /// Whether a client logged in to `account` (and an IRC operator when
    /// `oper`) gets `@` on joining: the registration's founder and
    /// operators; in the default channel IRC operators too, who are the
    /// ones to run a server's own room.
    pub(crate) fn gives_op(&self, account: Option<&str>, oper: bool) -> bool {
        (self.default && oper)
            || account
                .zip(self.registration.as_ref())
                .is_some_and(|(account, registration)| registration.gives_op(account))
    }
}

/// A registered channel's owners, by account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    pub(crate) founder: String,
    /// Unix seconds.
    pub(crate) registered_at: u64,
    /// Accounts given `@` on joining, besides the founder (at most
    /// [`MAX_CHANNEL_OPERATORS`]).
    pub(crate) operators: Vec<String>,
}

impl Registration {
    pub(crate) fn is_founder(&self, account: &str) -> bool {
        irc_eq(&self.founder, account)
    }

    pub(crate) fn gives_op(&self, account: &str) -> bool {
        self.is_founder(account) || self.operators.iter().any(|a| irc_eq(a, account))
    }
}

#[derive(Debug)]
pub(crate) struct Channel {
    /// The name as first created (its case is kept for display).
    pub(crate) name: String,
    pub(crate) created_at: u64,
    pub(crate) topic: Option<Topic>,
    pub(crate) modes: Modes,
    /// Whether (and why) it outlives its members.
    pub(crate) kept: Kept,
    members: IdMap<Status>,
    /// Clients invited (INVITE) and not yet joined, each with whether a
    /// half-operator or above invited it: only such an invitation gets
    /// past `+k`, `+l` and bans (anyone's gets past nothing else, since
    /// under `+i` only they may invite).
    invited: IdMap<bool>,
}

impl Channel {
    /// True when an entry of `list` matches `who` (its `nick!user@host`,
    /// or its account for an account extban).
    pub(crate) fn matches<'a>(&self, list: MaskList, who: impl Into<Identity<'a>>) -> bool {
        let who = who.into();
        self.modes
            .list(list)
            .iter()
            .any(|entry| entry_matches(&entry.mask, who))
    }

    /// A new channel with the usual `+nt` defaults.
    pub(crate) fn new(name: &str) -> Self {
        Channel {
            name: name.to_owned(),
            created_at: crate::clock::now_secs(),
            topic: None,
            invited: IdMap::default(),
            modes: Modes {
                topic_ops_only: true,
                no_external: true,
                ..Modes::default()
            },
            kept: Kept::default(),
            members: IdMap::default(),
        }
    }

    /// The members and their status (joined and left only through
    /// `state::channels`, which keeps each client's list in step).
    pub(crate) fn members(&self) -> &IdMap<Status> {
        &self.members
    }

    /// A member's status, to change its `+o`/`+h`/`+v`.
    pub(crate) fn member_mut(&mut self, id: ClientId) -> Option<&mut Status> {
        self.members.get_mut(&id)
    }

    /// Adds or removes `id` as a member: only `state::channels` does.
    pub(in crate::state) fn members_mut(&mut self) -> &mut IdMap<Status> {
        &mut self.members
    }

    /// Clients invited and not yet joined, each with whether a
    /// half-operator or above invited it.
    pub(crate) fn invited(&self) -> &IdMap<bool> {
        &self.invited
    }

    /// A member added without the channels owner, for unit tests of the
    /// rules that read a channel.
    #[cfg(test)]
    pub(crate) fn add_member_for_test(&mut self, id: ClientId, status: Status) {
        self.members.insert(id, status);
    }

    /// Records an invitation (INVITE); joining or quitting uses it up.
    pub(crate) fn invite(&mut self, id: ClientId, privileged: bool) {
        self.invited.insert(id, privileged);
    }

    /// Forgets `id`'s invitation.
    pub(in crate::state) fn uninvite(&mut self, id: ClientId) {
        self.invited.remove(&id);
    }

    /// A member's rank; `None` for non-members.
    pub(crate) fn rank(&self, id: ClientId) -> Option<Rank> {
        self.members.get(&id).map(|status| status.rank())
    }
}

#[cfg(test)]
mod tests {
    use super::{Identity, entry_matches, list_entry};

    #[test]
    fn account_extbans_match_accounts_never_masks() {
        let bob = Identity {
            mask: "bob!b@h",
            account: Some("Bob"),
        };
        let anonymous_bob = Identity::from("bob!b@h");
        assert!(entry_matches("~a:bob", bob), "folded");
        assert!(entry_matches("~a:b*", bob));
        assert!(
            !entry_matches("~a:bob", anonymous_bob),
            "a nick is no account"
        );
        assert!(!entry_matches("~a:alice", bob));
        assert!(entry_matches("bob!*@*", anonymous_bob));
    }

    #[test]
    fn list_entries_complete_masks_and_check_extbans() {
        assert_eq!(list_entry("bob").as_deref(), Ok("bob!*@*"));
        assert_eq!(list_entry("~a:bob").as_deref(), Ok("~a:bob"));
        assert!(list_entry("~a:").is_err());
        assert!(list_entry("~q:bob").is_err());
        assert!(list_entry("~a").is_err());
    }
}
