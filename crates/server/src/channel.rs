//! A channel: its members with their status, topic and modes.

use std::collections::{HashMap, HashSet};

use crate::client::ClientId;

/// A member's channel status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
    /// `+o`, shown as `@`.
    pub op: bool,
    /// `+v`, shown as `+`.
    pub voice: bool,
    /// History jobs submitted before the member joined: messages released
    /// later but sent before that reach it through the join's replay, not
    /// live (see `State::publish`).
    pub joined_after: u64,
}

impl Status {
    /// The prefix shown in NAMES and WHO: the highest one, or all of them
    /// for clients with `multi-prefix`.
    pub fn prefix(self, all: bool) -> &'static str {
        match (self.op, self.voice, all) {
            (true, true, true) => "@+",
            (true, _, _) => "@",
            (false, true, _) => "+",
            (false, false, _) => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub text: String,
    pub set_by: String,
    pub set_at: u64,
}

/// One `+b` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// `nick!user@host`, with `*` and `?`.
    pub mask: String,
    pub set_by: String,
    pub set_at: u64,
}

/// Most entries in a channel's ban list (ISUPPORT `MAXLIST=b:…`).
pub const MAX_BANS: usize = 100;

/// A ban mask completed to `nick!user@host` (`bob` → `bob!*@*`,
/// `*@host` → `*!*@host`), as other servers do.
pub fn full_mask(mask: &str) -> String {
    match (mask.contains('!'), mask.contains('@')) {
        (true, true) => mask.to_owned(),
        (true, false) => format!("{mask}@*"),
        (false, true) => format!("*!{mask}"),
        (false, false) => format!("{mask}!*@*"),
    }
}

/// Channel modes ciao supports (`CHANMODES=b,k,l,imnst`).
#[derive(Debug, Clone, Default)]
pub struct Modes {
    /// `+t`: only operators change the topic.
    pub topic_ops_only: bool,
    /// `+n`: no messages from outside the channel.
    pub no_external: bool,
    /// `+m`: only voiced members and operators speak.
    pub moderated: bool,
    /// `+s`: hidden from LIST and WHOIS for non-members.
    pub secret: bool,
    /// `+i`: only invited clients may join.
    pub invite_only: bool,
    /// `+b`: who may not join, as `nick!user@host` masks with wildcards.
    pub bans: Vec<Ban>,
    /// `+k`: the key needed to join.
    pub key: Option<String>,
    /// `+l`: the most members allowed.
    pub limit: Option<usize>,
}

impl Modes {
    /// `+kl...` and its parameters; the key is shown only to members.
    pub fn describe(&self, show_key: bool) -> (String, Vec<String>) {
        let mut flags = String::from("+");
        let mut params = Vec::new();
        for (on, c) in [
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

#[derive(Debug)]
pub struct Channel {
    /// The name as first created (its case is kept for display).
    pub name: String,
    pub created_at: u64,
    pub topic: Option<Topic>,
    pub modes: Modes,
    pub members: HashMap<ClientId, Status>,
    /// Clients invited (INVITE) and not yet joined.
    pub invited: HashSet<ClientId>,
}

impl Channel {
    /// True when a ban matches `mask` (`nick!user@host`).
    pub fn is_banned(&self, mask: &str) -> bool {
        let mask = ciao_proto::irc_lower(mask);
        self.modes
            .bans
            .iter()
            .any(|ban| crate::commands::wildcard_match(&ciao_proto::irc_lower(&ban.mask), &mask))
    }

    /// A new channel with the usual `+nt` defaults.
    pub fn new(name: &str) -> Self {
        Channel {
            name: name.to_owned(),
            created_at: crate::clock::now_secs(),
            topic: None,
            invited: HashSet::new(),
            modes: Modes {
                topic_ops_only: true,
                no_external: true,
                ..Modes::default()
            },
            members: HashMap::new(),
        }
    }

    pub fn is_op(&self, id: ClientId) -> bool {
        self.members.get(&id).is_some_and(|s| s.op)
    }

    /// May this member speak under `+m`?
    pub fn can_speak(&self, id: ClientId) -> bool {
        match self.members.get(&id) {
            Some(status) => !self.modes.moderated || status.op || status.voice,
            None => !self.modes.no_external && !self.modes.moderated,
        }
    }
}
