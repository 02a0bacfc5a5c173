//! The shared state of the chat, as a composition of owners: the
//! registry of clients and nicks, the channels, delivery (replies and
//! labeled-response), the meter (work and flood charging), the publisher
//! (the commit seam to the history), and the smaller tables (MONITOR,
//! read markers, recent messages, open multiline batches, long answers).
//! Each owner keeps its fields private; operations that need several of
//! them are `impl State` blocks in the owner's file.
//!
//! One `State` lives behind one mutex in the [`Hub`](crate::state::hub::Hub).
//! Every command runs to completion while holding it, which gives all
//! clients the same order of events; nothing inside ever waits (sending is
//! a push onto a bounded outbox), so the lock is held for microseconds.

pub(crate) mod accounts;
pub(crate) mod channel;
mod channel_events;
pub(crate) mod channels;
pub(crate) mod checks;
pub(crate) mod client;
mod continuation;
mod delivery;
pub(crate) mod effect;
pub(crate) mod fanout;
pub(crate) mod hub;
pub(crate) mod kept_channels;
mod lifecycle;
mod meter;
pub(crate) mod monitor;
pub(crate) mod multiline;
pub(crate) mod nicks;
pub(crate) mod parties;
pub(crate) mod publisher;
pub(crate) mod read_markers;
pub(crate) mod recent;
pub(crate) mod refusal;
pub(crate) mod registry;
mod release;
pub(crate) mod replay;
pub(crate) mod responses;
pub(crate) mod sasl;
pub(crate) mod services;
pub(crate) mod sessions;
pub(crate) mod stored;
pub(crate) mod whowas;

use crate::link::IdSet;
use std::sync::Arc;

use ciao_proto::{CaseKey, Numeric};

use crate::caps::Cap;
use crate::config::Config;
use crate::state::accounts::Accounts;
use crate::state::channel::Channel;
use crate::state::channels::Channels;
use crate::state::checks::Checks;
use crate::state::client::{Client, ClientId};
use crate::state::continuation::Continuations;
use crate::state::delivery::{Delivery, Split};
use crate::state::fanout::Fanout;
use crate::state::meter::Meter;
use crate::state::monitor::Monitors;
use crate::state::multiline::OpenBatches;
use crate::state::publisher::Publisher;
use crate::state::read_markers::ReadMarkers;
use crate::state::recent::RecentMessages;
use crate::state::registry::Registry;

/// Most channels one client may be in (`CHANLIMIT=#:`).
pub(crate) const MAX_CHANNELS_PER_CLIENT: usize = 100;
/// Longest topic, kick reason, away and quit message (`TOPICLEN` etc.).
pub(crate) const TEXT_LEN: usize = 390;

#[derive(Debug)]
pub(crate) struct State {
    /// The settings, shared with the hub and every connection.
    config: Arc<Config>,
    /// Server start (Unix seconds), for RPL_CREATED.
    started_at: u64,
    /// Clients, nicks, WHOWAS and the LUSERS peak.
    registry: Registry,
    /// Channels and their members.
    channels: Channels,
    /// labeled-response gathering and batch references.
    delivery: Delivery,
    /// Work metering and the address budgets.
    meter: Meter,
    /// The commit seam: msgids, and where events go to be committed.
    publisher: Publisher,
    /// MONITOR: who watches which nick.
    monitors: Monitors,
    /// draft/read-marker: how far each nick has read where.
    read_markers: ReadMarkers,
    /// The latest messages' senders, for REDACT.
    recent: RecentMessages,
    /// draft/multiline batches being sent, by client.
    batches: OpenBatches,
    /// Long answers being sent piece by piece (`LIST`), by client.
    continuations: Continuations,
    /// Accounts, logins under way and their throttles.
    accounts: Accounts,
    /// Slow checks waiting for their connection tasks, by client.
    checks: Checks,
}

/// Most bytes of items in one reply line listing them (NAMES, MONITOR),
/// so that every such line stays well inside 512 bytes.
pub(crate) const LIST_LINE_BUDGET: usize = 400;

/// `items` joined by `separator` into lines of at most
/// [`LIST_LINE_BUDGET`] bytes (an item longer than that gets a line of
/// its own).
pub(crate) fn pack_list<'a>(items: impl Iterator<Item = &'a str>, separator: char) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && line.len() + 1 + item.len() > LIST_LINE_BUDGET {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(separator);
        }
        line.push_str(item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl State {
    pub(crate) fn new(config: Arc<Config>) -> Self {
        let started_at_millis = crate::clock::now_millis();
        State {
            config,
            started_at: crate::clock::now_secs(),
            registry: Registry::default(),
            channels: Channels::default(),
            delivery: Delivery::default(),
            meter: Meter::new(started_at_millis),
            publisher: Publisher::new(started_at_millis),
            monitors: Monitors::default(),
            read_markers: ReadMarkers::default(),
            recent: RecentMessages::default(),
            batches: OpenBatches::default(),
            continuations: Continuations::default(),
            accounts: Accounts::default(),
            checks: Checks::default(),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The settings, to hold while the state changes (replying from
    /// them).
    pub(crate) fn shared_config(&self) -> Arc<Config> {
        Arc::clone(&self.config)
    }

    /// Server start (Unix seconds).
    pub(crate) fn started_at(&self) -> u64 {
        self.started_at
    }

    /// Clients and nicks.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    pub(crate) fn add_client(&mut self, make: impl FnOnce(ClientId) -> Client) -> ClientId {
        self.registry.add(make)
    }

    pub(crate) fn client(&self, id: ClientId) -> Option<&Client> {
        self.registry.get(id)
    }

    pub(crate) fn client_mut(&mut self, id: ClientId) -> Option<&mut Client> {
        self.registry.get_mut(id)
    }

    /// Every client, in no particular order.
    pub(crate) fn clients(&self) -> impl Iterator<Item = &Client> {
        self.registry.iter()
    }

    pub(crate) fn find_nick(&self, nick: &str) -> Option<&Client> {
        self.registry.find_nick(nick)
    }

    /// Number of registered clients, and of unregistered connections.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.registry.counts()
    }

    pub(crate) fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.get(&CaseKey::new(name))
    }

    pub(crate) fn channels(&self) -> &Channels {
        &self.channels
    }

    /// Channels, to change their topics, modes and invitations (who is a
    /// member changes through [`join`](Self::join) and
    /// [`remove_member`](Self::remove_member)).
    pub(crate) fn channels_mut(&mut self) -> &mut Channels {
        &mut self.channels
    }

    pub(crate) fn monitors(&self) -> &Monitors {
        &self.monitors
    }

    pub(crate) fn monitors_mut(&mut self) -> &mut Monitors {
        &mut self.monitors
    }

    pub(crate) fn read_markers_mut(&mut self) -> &mut ReadMarkers {
        &mut self.read_markers
    }

    pub(crate) fn recent(&self) -> &RecentMessages {
        &self.recent
    }

    pub(crate) fn recent_mut(&mut self) -> &mut RecentMessages {
        &mut self.recent
    }

    pub(crate) fn batches(&self) -> &OpenBatches {
        &self.batches
    }

    pub(crate) fn batches_mut(&mut self) -> &mut OpenBatches {
        &mut self.batches
    }

    /// `MARKREAD <target> timestamp=…` (or `*`): how far `id` has read
    /// in `target` (see `parties::MarkerKey`).
    pub(crate) fn send_read_marker(&mut self, id: ClientId, target: &str) {
        let Some(key) = self.marker_key(id, target) else {
            return;
        };
        let time = self
            .read_markers
            .get(&key.owner, &key.target, key.session)
            .map_or_else(
                || "*".to_owned(),
                |t| format!("timestamp={}", crate::clock::iso8601(t)),
            );
        let markread = self.server_message("MARKREAD", [target, time.as_str()]);
        self.send(id, &markread);
    }

    /// RPL_MONONLINE to everyone watching `id`'s nick: it registered, or
    /// took the nick.
    pub(crate) fn tell_watchers_online(&mut self, id: ClientId) {
        let mut split = self.split();
        let (registry, monitors) = (split.registry, split.monitors);
        let Some(client) = registry.get(id) else {
            return;
        };
        for watcher in monitors.watchers(&client.nick) {
            split.reply(*watcher, Numeric::MonOnline, [client.mask.as_str()]);
        }
    }

    /// RPL_MONOFFLINE to everyone watching `nick`: its holder left or
    /// gave it up.
    pub(crate) fn tell_watchers_offline(&mut self, nick: &str) {
        let mut split = self.split();
        let monitors = split.monitors;
        for watcher in monitors.watchers(nick) {
            split.reply(*watcher, Numeric::MonOffline, [nick]);
        }
    }

    /// extended-monitor: `fanout` (an AWAY, SETNAME or ACCOUNT of `id`) to those
    /// watching `id` who asked for it with `cap` and did not get it
    /// already as `id`'s neighbours (`told`).
    pub(crate) fn tell_watchers_change(
        &mut self,
        id: ClientId,
        fanout: &mut Fanout,
        cap: Cap,
        told: &IdSet,
    ) {
        let Split {
            registry,
            monitors,
            mut sink,
            ..
        } = self.split();
        let Some(client) = registry.get(id) else {
            return;
        };
        for watcher in monitors.watchers(&client.nick) {
            if told.contains(watcher) {
                continue;
            }
            if let Some(recipient) = registry.get(*watcher)
                && recipient.caps.has(Cap::ExtendedMonitor)
                && recipient.caps.has(cap)
                && let Some(line) = fanout.bytes_for(recipient)
            {
                sink.deliver(recipient, line);
            }
        }
    }
}
