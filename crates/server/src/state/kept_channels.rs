//! Channels kept across restarts: the default channel (topic and
//! modes, with history on) and channels registered with ChanServ (also
//! their founder and operators by account). They stay in the channel
//! map while empty; each change to what is kept goes to the store as a
//! snapshot through the commit seam (a [`Change`] in the history
//! writer's order, never a write under the hub lock), and the store's
//! snapshots are read back once, at start (`install_log`).
//!
//! Who gets `@` in a kept channel: never whoever is first into it (it
//! existed before, even when empty); the accounts its registration
//! names, on joining or on logging in while joined, and in the default
//! channel IRC operators, on joining. ChanServ gives it, so that the
//! channel sees a `MODE +o` from a source that explains it.

use ciao_proto::{CaseKey, Message};

use crate::history::{
    Change, ChannelChange, SavedChannel, SavedMask, SavedRegistration, SavedTopic,
};
use crate::state::State;
use crate::state::channel::{
    Channel, MAX_CHANNEL_OPERATORS, MAX_LIST_ENTRIES, MaskEntry, MaskList, Modes, Registration,
    Topic,
};
use crate::state::client::ClientId;
use crate::state::fanout::Fanout;
use crate::state::publisher::Release;
use crate::state::{TEXT_LEN, truncate};

/// The channel service's nick: no client may take it.
pub(crate) const CHANSERV: &str = "ChanServ";

impl State {
    /// True when `key` is the configured default channel.
    pub(crate) fn is_default_channel(&self, key: &CaseKey) -> bool {
        self.config()
            .default_channel
            .as_deref()
            .is_some_and(|name| CaseKey::new(name) == *key)
    }

    /// ChanServ's `nick!user@host`, the source of what it says and does.
    pub(crate) fn chanserv_mask(&self) -> String {
        format!("{CHANSERV}!{CHANSERV}@{}", self.config().server_name)
    }

    /// Puts back the channels the store kept (at start): registered ones,
    /// and the default channel if it is still the configured one (a
    /// former default channel is left in the store, unused).
    pub(crate) fn load_kept_channels(&mut self, saved: Vec<SavedChannel>) {
        for saved in saved {
            let key = CaseKey::new(&saved.name);
            if key.as_str() != saved.key {
                tracing::warn!(channel = %saved.name, "history: a kept channel's name does not match its key; skipped");
                continue;
            }
            let default = self.is_default_channel(&key);
            if !default && saved.registration.is_none() {
                continue;
            }
            let mut channel = restored(saved);
            channel.kept.default = default;
            self.channels.restore(channel);
        }
    }

    /// Stores what is kept of `key` now, if it is kept and history is on.
    /// Called after every change to its topic, modes or registration.
    pub(crate) fn save_channel(&mut self, key: &CaseKey) {
        if !self.history_on() {
            return;
        }
        let Some(channel) = self.channels.get(key).filter(|c| c.kept.any()) else {
            return;
        };
        let change = ChannelChange::Save(Box::new(snapshot(key, channel)));
        self.submit(
            Vec::new(),
            vec![Change::Channel(change)],
            Release::nothing(),
            None,
        );
    }

    /// Stores that `key` is no longer kept (a ChanServ DROP).
    pub(crate) fn forget_channel(&mut self, key: &CaseKey) {
        if !self.history_on() {
            return;
        }
        let change = ChannelChange::Forget {
            key: key.as_str().to_owned(),
        };
        self.submit(
            Vec::new(),
            vec![Change::Channel(change)],
            Release::nothing(),
            None,
        );
    }

    /// Makes member `id` an operator of `key`, announced to the channel
    /// as ChanServ's `MODE +o`; nothing when it is one already.
    pub(crate) fn give_op(&mut self, key: &CaseKey, id: ClientId) {
        let Some(nick) = self.client(id).map(|c| c.nick().to_owned()) else {
            return;
        };
        let Some(channel) = self.channels.get_mut(key) else {
            return;
        };
        let name = channel.name.clone();
        match channel.member_mut(id) {
            Some(status) if !status.op => status.op = true,
            _ => return,
        }
        let mode = Message::new("MODE", [name.as_str(), "+o", nick.as_str()])
            .with_source(self.chanserv_mask());
        let mut fanout = Fanout::new(mode, None);
        self.fanout_channel(key, &mut fanout, None);
    }

    /// Gives client `id` the `@` its account is owed in the registered
    /// channels it is in: for the accounts owner to call once `id` has
    /// logged in.
    pub(crate) fn give_ops_on_login(&mut self, id: ClientId) {
        let Some(client) = self.client(id) else {
            return;
        };
        let Some(account) = client.account() else {
            return;
        };
        let owed: Vec<CaseKey> = client
            .channels()
            .iter()
            .filter(|key| {
                self.channels.get(key).is_some_and(|channel| {
                    channel.kept.gives_op(Some(account), false)
                        && channel.rank(id) != Some(crate::state::channel::Rank::Op)
                })
            })
            .cloned()
            .collect();
        for key in owed {
            self.give_op(&key, id);
        }
    }
}

/// The flag modes and their letters, in `describe`'s order.
fn flags(modes: &mut Modes) -> [(char, &mut bool); 6] {
    [
        ('C', &mut modes.no_ctcp),
        ('i', &mut modes.invite_only),
        ('m', &mut modes.moderated),
        ('n', &mut modes.no_external),
        ('s', &mut modes.secret),
        ('t', &mut modes.topic_ops_only),
    ]
}

/// What is stored of `channel`.
fn snapshot(key: &CaseKey, channel: &Channel) -> SavedChannel {
    let mut modes = channel.modes.clone();
    let letters: String = flags(&mut modes)
        .into_iter()
        .filter(|(_, on)| **on)
        .map(|(letter, _)| letter)
        .collect();
    let masks = MaskList::ALL
        .into_iter()
        .flat_map(|list| {
            channel.modes.list(list).iter().map(move |entry| SavedMask {
                list: list.letter(),
                mask: entry.mask.clone(),
                set_by: entry.set_by.clone(),
                set_at: entry.set_at,
            })
        })
        .collect();
    SavedChannel {
        key: key.as_str().to_owned(),
        name: channel.name.clone(),
        created_at: channel.created_at,
        topic: channel.topic.as_ref().map(|topic| SavedTopic {
            text: topic.text.clone(),
            set_by: topic.set_by.clone(),
            set_at: topic.set_at,
        }),
        flags: letters,
        key_mode: channel.modes.key.clone(),
        limit: channel.modes.limit.map(|limit| limit as u64),
        masks,
        registration: channel
            .kept
            .registration
            .as_ref()
            .map(|registration| SavedRegistration {
                founder: registration.founder.clone(),
                registered_at: registration.registered_at,
                operators: registration.operators.clone(),
            }),
    }
}

/// A kept channel as it was stored, without members; what a store
/// edited by hand could make too large is cut to the server's bounds.
fn restored(saved: SavedChannel) -> Channel {
    let mut channel = Channel::new(&saved.name);
    channel.created_at = saved.created_at;
    channel.topic = saved.topic.map(|topic| Topic {
        text: truncate(&topic.text, TEXT_LEN).to_owned(),
        set_by: topic.set_by,
        set_at: topic.set_at,
    });
    let mut modes = Modes::default();
    for (letter, on) in flags(&mut modes) {
        *on = saved.flags.contains(letter);
    }
    modes.key = saved.key_mode;
    modes.limit = saved.limit.and_then(|limit| usize::try_from(limit).ok());
    for entry in saved.masks {
        let Some(list) = MaskList::from_letter(entry.list) else {
            continue;
        };
        let entries = modes.list_mut(list);
        if entries.len() < MAX_LIST_ENTRIES {
            entries.push(MaskEntry {
                mask: entry.mask,
                set_by: entry.set_by,
                set_at: entry.set_at,
            });
        }
    }
    channel.modes = modes;
    channel.kept.registration = saved.registration.map(|registration| Registration {
        founder: registration.founder,
        registered_at: registration.registered_at,
        operators: registration
            .operators
            .into_iter()
            .take(MAX_CHANNEL_OPERATORS)
            .collect(),
    });
    channel
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::link::outbox::Outbox;
    use crate::state::channel::{Kept, Rank};
    use crate::state::client::Client;

    fn client(state: &mut State, account: Option<&str>) -> (ClientId, Arc<Outbox>) {
        let outbox = Arc::new(Outbox::new(1 << 16));
        let given = outbox.clone();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let id = state.add_client(|id| Client::new(id, ip, given));
        if let Some(client) = state.client_mut(id) {
            client.account = account.map(str::to_owned);
        }
        (id, outbox)
    }

    fn said(outbox: &Outbox) -> String {
        outbox
            .take_queued()
            .iter()
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect()
    }

    #[test]
    fn a_registered_channel_gives_op_by_account_on_joining_and_on_logging_in() {
        let mut state = State::new(Arc::new(Config::default()));
        let (ann, _) = client(&mut state, Some("ann"));
        let (bob, bob_hears) = client(&mut state, None);
        let key = CaseKey::new("#c");
        state.join(ann, "#c");
        assert_eq!(
            state.channels.get(&key).and_then(|c| c.rank(ann)),
            Some(Rank::Op)
        );
        if let Some(channel) = state.channels.get_mut(&key) {
            channel.kept.registration = Some(Registration {
                founder: "Ann".to_owned(),
                registered_at: 1,
                operators: vec!["bob".to_owned()],
            });
        }
        state.remove_member(ann, &key);
        assert!(state.channels.get(&key).is_some(), "kept while empty");
        state.join(bob, "#c");
        let rank = |state: &State, id| state.channels.get(&key).and_then(|c| c.rank(id));
        assert_eq!(
            rank(&state, bob),
            Some(Rank::Member),
            "not op for being first"
        );
        state.join(ann, "#c");
        assert_eq!(rank(&state, ann), Some(Rank::Op), "the founder, by account");
        assert!(said(&bob_hears).contains("ChanServ!ChanServ@ciao.local MODE #c +o "));

        if let Some(client) = state.client_mut(bob) {
            client.account = Some("BOB".to_owned());
        }
        state.give_ops_on_login(bob);
        assert_eq!(
            rank(&state, bob),
            Some(Rank::Op),
            "an operator, once logged in"
        );
    }

    #[test]
    fn a_snapshot_restores_the_channel_it_was_taken_of() {
        let key = CaseKey::new("#Room");
        let mut channel = Channel::new("#Room");
        channel.created_at = 42;
        channel.topic = Some(Topic {
            text: "hello".to_owned(),
            set_by: "a!u@h".to_owned(),
            set_at: 43,
        });
        channel.modes.moderated = true;
        channel.modes.no_external = false;
        channel.modes.key = Some("k".to_owned());
        channel.modes.limit = Some(5);
        channel.modes.exceptions.push(MaskEntry {
            mask: "a!*@*".to_owned(),
            set_by: "a".to_owned(),
            set_at: 44,
        });
        channel.kept = Kept {
            default: false,
            registration: Some(Registration {
                founder: "ann".to_owned(),
                registered_at: 45,
                operators: vec!["bob".to_owned()],
            }),
        };
        let saved = snapshot(&key, &channel);
        assert_eq!((saved.key.as_str(), saved.flags.as_str()), ("#room", "mt"));
        let back = restored(saved.clone());
        assert_eq!(snapshot(&key, &back), saved);
        assert!(back.kept.gives_op(Some("ANN"), false), "by folded account");
        assert!(back.kept.gives_op(Some("bob"), false));
        assert!(
            !back.kept.gives_op(Some("cat"), true),
            "opers only in the default channel"
        );
        assert!(!back.kept.gives_op(None, false));
    }
}
