//! The nicks that were: a bounded memory of who left or changed nick,
//! for WHOWAS.

use std::collections::VecDeque;

use ciao_proto::irc_eq;

use crate::state::client::Client;

/// How many departures are remembered.
const REMEMBERED: usize = 1024;

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) nick: String,
    pub(crate) user: String,
    pub(crate) host: String,
    pub(crate) realname: String,
    /// When the nick was given up (Unix milliseconds).
    pub(crate) left_at: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Whowas {
    /// Oldest first.
    entries: VecDeque<Entry>,
}

impl Whowas {
    /// Remembers that `client` gave up its current nick.
    pub(crate) fn record(&mut self, client: &Client) {
        if self.entries.len() == REMEMBERED {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            nick: client.nick.clone(),
            user: client.user.to_string(),
            host: client.host.to_string(),
            realname: client.realname.to_string(),
            left_at: crate::clock::now_millis(),
        });
    }

    /// Who used `nick`, the most recent first.
    pub(crate) fn find<'a>(&'a self, nick: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .rev()
            .filter(move |e| irc_eq(&e.nick, nick))
    }
}
