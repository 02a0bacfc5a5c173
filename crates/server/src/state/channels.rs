//! The channels: the map from folded name to [`Channel`], and the
//! operations that change who is in one. A member is in its channel's
//! `members` exactly when the channel is in the client's `channels`;
//! joins and parts go through here and [`State::join`] /
//! [`State::remove_member`], which keep both sides in step, and a channel
//! goes when its last member leaves.

use std::collections::BTreeMap;
use std::ops::Bound;

use ciao_proto::{CaseKey, Message, Numeric};

use crate::caps::Cap;
use crate::history::{Scope, Since, conversation};
use crate::link::cost;
use crate::state::channel::{Channel, Rank, Status};
use crate::state::client::ClientId;
use crate::state::fanout::Fanout;
use crate::state::{State, pack_list, replay};

#[derive(Debug, Default)]
pub(crate) struct Channels {
    /// Channels by folded name, in order: LIST walks them in name order
    /// and can stop and resume anywhere.
    map: BTreeMap<CaseKey, Channel>,
}

impl Channels {
    pub(crate) fn get(&self, key: &CaseKey) -> Option<&Channel> {
        self.map.get(key)
    }

    /// A channel to change (topic, modes, invitations, a member's
    /// status); who is a member changes only through the hub's joins and
    /// parts.
    pub(crate) fn get_mut(&mut self, key: &CaseKey) -> Option<&mut Channel> {
        self.map.get_mut(key)
    }

    /// Every channel, in name order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Channel> {
        self.map.values()
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Channels in name order from `start` on (LIST, a piece at a time).
    pub(crate) fn range(
        &self,
        range: (Bound<CaseKey>, Bound<CaseKey>),
    ) -> impl Iterator<Item = (&CaseKey, &Channel)> {
        self.map.range(range)
    }

    /// Makes `id` a member of `key` (creating the channel as `name`, with
    /// `id` as its operator), using up an invitation; `joined_after` is
    /// the history ticket it joined at (see `Status::joined_after`).
    /// Returns the channel and whether it was created. Only a channel's
    /// creator is made operator here: a kept channel (see
    /// [`Kept`](crate::state::channel::Kept)) existed before, empty or
    /// not, and gives `@` by account only.
    fn add_member(
        &mut self,
        key: &CaseKey,
        name: &str,
        id: ClientId,
        joined_after: u64,
    ) -> (&mut Channel, bool) {
        let created = !self.map.contains_key(key);
        let channel = self
            .map
            .entry(key.clone())
            .or_insert_with(|| Channel::new(name));
        let status = Status {
            op: created,
            joined_after,
            ..Status::default()
        };
        channel.members_mut().insert(id, status);
        // An invitation is used up by joining.
        channel.uninvite(id);
        (channel, created)
    }

    /// Takes `id` out of `key`, dropping the channel when it empties
    /// (unless it is kept).
    fn remove_member(&mut self, key: &CaseKey, id: ClientId) {
        if let Some(channel) = self.map.get_mut(key) {
            channel.members_mut().remove(&id);
            self.drop_if_unused(key);
        }
    }

    /// Drops `key` if it has no members and is not kept (after a
    /// ChanServ DROP of an empty channel, or its last member leaving).
    pub(crate) fn drop_if_unused(&mut self, key: &CaseKey) {
        if self
            .map
            .get(key)
            .is_some_and(|channel| channel.members().is_empty() && !channel.kept.any())
        {
            self.map.remove(key);
        }
    }

    /// Puts back a channel kept across a restart (at start, before anyone
    /// is connected).
    pub(super) fn restore(&mut self, channel: Channel) {
        self.map.insert(CaseKey::new(&channel.name), channel);
    }

    /// Forgets client `id` everywhere: its invitations, and its
    /// memberships of `joined`.
    pub(super) fn forget(&mut self, id: ClientId, joined: &[CaseKey]) {
        for channel in self.map.values_mut() {
            if !channel.invited().is_empty() {
                channel.uninvite(id);
            }
        }
        for key in joined {
            self.remove_member(key, id);
        }
    }

    /// Forgets every channel (shutdown).
    pub(super) fn clear(&mut self) {
        self.map.clear();
    }
}

impl State {
    /// Puts `id` into a channel (creating it, with `id` as operator) and
    /// tells everyone. Checks (key, limit, bans) are the caller's.
    pub(crate) fn join(&mut self, id: ClientId, name: &str) {
        let key = CaseKey::new(name);
        let joined_after = self.history_ticket();
        let default = self.is_default_channel(&key);
        let history_on = self.history_on();
        let Some(client) = self.registry.get_mut(id) else {
            return;
        };
        if client.channels.contains(&key) {
            return;
        }
        client.channels.push(key.clone());
        let (mask, nick, realname) = (
            client.mask.clone(),
            client.nick.clone(),
            client.realname.clone(),
        );
        let oper = client.oper;
        let account = client.account().map(str::to_owned);
        let (channel, created) = self.channels.add_member(&key, name, id, joined_after);
        let channel_name = channel.name.clone();
        // With history on, the default channel is kept from its creation
        // on: after a restart nobody is `@` in it by being first back.
        let keep_new_default = created && default && history_on;
        if keep_new_default {
            channel.kept.default = true;
        }
        let gets_op = !created && channel.kept.gives_op(account.as_deref(), oper);

        // extended-join adds the account (none: `*`) and the real name.
        let plain = self.config.lang.joined(&nick);
        let source = Message::new("JOIN", [channel_name.as_str()]).with_source(mask.clone());
        let stored_join = source.clone();
        let mut basic = Fanout::new(source, Some(plain.clone()))
            .skip_plain(id)
            .with_account(account.clone());
        let extended = Message::new(
            "JOIN",
            [
                channel_name.as_str(),
                account.as_deref().unwrap_or("*"),
                &*realname,
            ],
        );
        let mut extended = Fanout::new(extended.with_source(mask), Some(plain))
            .skip_plain(id)
            .with_account(account);
        self.deliver_to_members(&key, u64::MAX, Rank::Member, |recipient, _| {
            let fanout = if recipient.caps.has(Cap::ExtendedJoin) {
                &mut extended
            } else {
                &mut basic
            };
            fanout.bytes_for(recipient)
        });
        // away-notify: a joiner who is away is announced as such.
        if let Some(client) = self.registry.get(id)
            && let Some(away) = &client.away
        {
            let away = Message::new("AWAY", [&**away]).with_source(client.mask.clone());
            let mut away = Fanout::new(away, None);
            self.fanout_channel_with(&key, &mut away, Some(id), Some(Cap::AwayNotify));
        }
        self.send_topic(id, &key, false);
        if self.client(id).is_some_and(|c| c.caps.has(Cap::ReadMarker)) {
            self.send_read_marker(id, &channel_name);
        }
        self.send_names(id, &key);
        if gets_op {
            self.give_op(&key, id);
        }
        if keep_new_default {
            self.save_channel(&key);
        }
        self.replay_on_join(id, channel_name);
        // After the replay, which must not show the joiner its own join.
        self.record_presence(id, [key.as_str()], &stored_join);
    }

    /// Sends a channel's recent history to a client that just joined it
    /// (with history on): everything stored before the join, none of what
    /// it will get live.
    fn replay_on_join(&mut self, id: ClientId, channel_name: String) {
        let lines = self.replay_lines();
        if lines == 0 {
            return;
        }
        let target = conversation(&channel_name, None);
        let events = self
            .client(id)
            .is_some_and(|c| c.caps.has(Cap::EventPlayback));
        // Read later, on the history's side, but on the joiner's account.
        self.spend(cost::HISTORY_ROW * lines as u64);
        self.publish_read(move |store, horizon| {
            let scope = Scope {
                target: &target,
                horizon,
                since: Since::ALL,
                events,
            };
            let read = store.latest(scope, None, lines);
            Box::new(move |state| match read {
                Ok(events) => replay::send(state, id, &channel_name, &events, false),
                Err(error) => tracing::warn!(%error, "history: replay failed"),
            })
        });
    }

    /// Removes `id` from a channel, dropping the channel when it empties.
    pub(crate) fn remove_member(&mut self, id: ClientId, key: &CaseKey) {
        if let Some(client) = self.registry.get_mut(id) {
            client.channels.retain(|k| k != key);
        }
        self.channels.remove_member(key, id);
    }

    /// RPL_TOPIC and RPL_TOPICWHOTIME, or RPL_NOTOPIC when asked for.
    pub(crate) fn send_topic(&mut self, id: ClientId, key: &CaseKey, say_if_none: bool) {
        let mut split = self.split();
        let Some(channel) = split.channels.get(key) else {
            return;
        };
        match &channel.topic {
            Some(topic) => {
                split.reply(
                    id,
                    Numeric::Topic,
                    [channel.name.as_str(), topic.text.as_str()],
                );
                split.reply(
                    id,
                    Numeric::TopicWhoTime,
                    [
                        channel.name.clone(),
                        topic.set_by.clone(),
                        topic.set_at.to_string(),
                    ],
                );
            }
            None if say_if_none => {
                split.reply(
                    id,
                    Numeric::NoTopic,
                    [channel.name.as_str(), "No topic is set"],
                );
            }
            None => {}
        }
    }

    /// RPL_NAMREPLY lines (packed up to ~400 bytes) and RPL_ENDOFNAMES.
    pub(crate) fn send_names(&mut self, id: ClientId, key: &CaseKey) {
        self.send_name_replies(id, key);
        let mut split = self.split();
        if let Some(channel) = split.channels.get(key) {
            split.reply(
                id,
                Numeric::EndOfNames,
                [channel.name.as_str(), "End of /NAMES list"],
            );
        }
    }

    /// RPL_NAMREPLY lines, packed up to ~400 bytes each.
    pub(crate) fn send_name_replies(&mut self, id: ClientId, key: &CaseKey) {
        let mut split = self.split();
        let (registry, channels) = (split.registry, split.channels);
        let Some(viewer) = registry.get(id) else {
            return;
        };
        let Some(channel) = channels.get(key) else {
            return;
        };
        let all_prefixes = viewer.caps.has(Cap::MultiPrefix);
        let with_host = viewer.caps.has(Cap::UserhostInNames);
        let symbol = if channel.modes.secret { "@" } else { "=" };
        let mut names: Vec<String> = channel
            .members()
            .iter()
            .filter_map(|(member, status)| {
                let client = registry.get(*member)?;
                let who = if with_host {
                    &client.mask
                } else {
                    &client.nick
                };
                Some(format!("{}{}", status.prefix(all_prefixes), who))
            })
            .collect();
        names.sort();
        // Each name is formatted and sorted: a few entries' worth of work.
        split.sink.spend(cost::NAME * names.len() as u64);
        for line in pack_list(names.iter().map(String::as_str), ' ') {
            split.reply(
                id,
                Numeric::NamReply,
                [symbol, channel.name.as_str(), line.as_str()],
            );
        }
    }
}
