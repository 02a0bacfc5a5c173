//! The shared state of the chat: clients, nicks, channels.
//!
//! One `State` lives behind one mutex in the [`Hub`](crate::state::hub::Hub).
//! Every command runs to completion while holding it, which gives all
//! clients the same order of events; nothing inside ever waits (sending is
//! a push onto a bounded outbox), so the lock is held for microseconds.

pub mod channel;
pub mod client;
pub mod fanout;
pub mod hub;
pub mod monitor;
pub mod multiline;
pub mod nicks;
pub mod read_markers;
pub mod recent;
pub(crate) mod refusal;
pub mod replay;
pub mod responses;
pub mod whowas;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use ciao_proto::{CaseKey, Message, Numeric};

use crate::caps::Cap;
use crate::config::Config;
use crate::history::{
    Change, Deliver, Event, History, Job, Release, Scope, Store, Stored, conversation,
};
use crate::link::cost::{self, AddressBudgets};
use crate::link::outbox::CloseReason;
use crate::state::channel::{Channel, Rank, Status};
use crate::state::client::{Client, ClientId, Protocol};
use crate::state::fanout::{Fanout, plain_line};
use crate::state::monitor::Monitors;
use crate::state::multiline::OpenBatch;
use crate::state::nicks::{NickRefusal, Nicks};
use crate::state::read_markers::ReadMarkers;
use crate::state::recent::RecentMessages;
use crate::state::responses::{Capture, Responses, Token};
use crate::state::whowas::Whowas;

/// Most channels one client may be in (`CHANLIMIT=#:`).
pub const MAX_CHANNELS_PER_CLIENT: usize = 100;
/// Longest topic, kick reason, away and quit message (`TOPICLEN` etc.).
pub const TEXT_LEN: usize = 390;

#[derive(Debug)]
pub struct State {
    pub config: Arc<Config>,
    pub clients: HashMap<ClientId, Client>,
    /// Registered and pending nicks and their look-alike skeletons;
    /// changed only through `claim_nick` and `quit`.
    nicks: Nicks,
    /// Channels by folded name, in order: LIST walks them in name order
    /// and can stop and resume anywhere.
    pub channels: BTreeMap<CaseKey, Channel>,
    /// Server start, for RPL_CREATED and message ids.
    pub started_at: u64,
    started_at_millis: u64,
    /// Most registered clients seen at once (LUSERS "max").
    pub peak_users: usize,
    /// Counter behind `msgid` tags.
    next_msgid: u64,
    /// Counter behind batch references.
    next_batch: u64,
    /// The history store's writer, when history is on.
    pub history: Option<History>,
    /// Nicks given up, for WHOWAS.
    pub whowas: Whowas,
    /// MONITOR: who watches which nick.
    pub monitors: Monitors,
    /// draft/read-marker: how far each nick has read where.
    pub read_markers: ReadMarkers,
    /// The latest messages' senders, for REDACT.
    pub recent: RecentMessages,
    /// draft/multiline batches being sent, by client.
    pub batches: HashMap<ClientId, OpenBatch>,
    /// labeled-response: replies being gathered. Every delivery looks
    /// here, through `&self` (fan-out borrows the clients), hence the
    /// `RefCell`; the hub's mutex keeps it to one thread at a time.
    responses: RefCell<Responses>,
    next_id: ClientId,
    /// Work units spent by the command being metered (see
    /// [`cost`](crate::link::cost)); deliveries count through `&self`, hence
    /// the `Cell`s.
    work: Cell<u64>,
    /// True while a metered command runs.
    metering: Cell<bool>,
    /// The work budgets of the addresses clients connect from.
    budgets: AddressBudgets,
    /// Long answers being sent piece by piece (`LIST`), by client: each
    /// sends its next piece and says whether more is left.
    continuations: Continuations,
}

/// Long answers being sent piece by piece, by client.
#[derive(Default)]
struct Continuations(HashMap<ClientId, Continuation>);

impl std::fmt::Debug for Continuations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} long answers under way", self.0.len())
    }
}

/// The rest of a long answer: sends its next piece to the client and
/// returns true while more is left.
pub type Continuation = Box<dyn FnMut(&mut State, ClientId) -> bool + Send>;

/// Most bytes of items in one reply line listing them (NAMES, MONITOR),
/// so that every such line stays well inside 512 bytes.
pub const LIST_LINE_BUDGET: usize = 400;

/// `items` joined by `separator` into lines of at most
/// [`LIST_LINE_BUDGET`] bytes (an item longer than that gets a line of
/// its own).
pub fn pack_list<'a>(items: impl Iterator<Item = &'a str>, separator: char) -> Vec<String> {
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

/// `release` run as the labeled command `token` again: what it sends is
/// part of that command's answer.
fn as_command(token: Token, release: Release) -> Release {
    let wrap = move |deliver: Deliver| -> Deliver {
        Box::new(move |state: &mut State, stored| {
            let previous = state.responses.get_mut().set_active(Some(token));
            deliver(state, stored);
            state.responses.get_mut().set_active(previous);
        })
    };
    match release {
        Release::Deliver(deliver) => Release::Deliver(wrap(deliver)),
        Release::Read(read) => {
            Release::Read(Box::new(move |store, horizon| wrap(read(store, horizon))))
        }
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
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
    pub fn new(config: Arc<Config>) -> Self {
        State {
            config,
            clients: HashMap::new(),
            nicks: Nicks::default(),
            channels: BTreeMap::new(),
            started_at: crate::clock::now_secs(),
            started_at_millis: crate::clock::now_millis(),
            peak_users: 0,
            next_msgid: 0,
            next_batch: 0,
            history: None,
            whowas: Whowas::default(),
            monitors: Monitors::default(),
            read_markers: ReadMarkers::default(),
            recent: RecentMessages::default(),
            batches: HashMap::new(),
            responses: RefCell::default(),
            next_id: 1,
            work: Cell::new(0),
            metering: Cell::new(false),
            budgets: AddressBudgets::default(),
            continuations: Continuations::default(),
        }
    }

    pub fn add_client(&mut self, make: impl FnOnce(ClientId) -> Client) -> ClientId {
        let id = self.next_id;
        self.next_id += 1;
        self.clients.insert(id, make(id));
        id
    }

    pub fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(&id)
    }

    pub fn find_nick(&self, nick: &str) -> Option<&Client> {
        self.nicks.holder(nick).and_then(|id| self.clients.get(&id))
    }

    /// Gives client `id` the nick `wanted` (valid, free, and no look-alike
    /// of another client's), releasing the one it had (WHOWAS keeps it):
    /// the one place where nicks are taken.
    pub fn claim_nick(&mut self, id: ClientId, wanted: &str) -> Result<(), NickRefusal> {
        let Some(client) = self.clients.get_mut(&id) else {
            return Ok(());
        };
        self.nicks.claim(id, Some(&client.nick), wanted)?;
        // WHOWAS remembers the nick given up, as on quit.
        if client.registered {
            self.whowas.record(client);
        }
        client.set_nick(wanted);
        Ok(())
    }

    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.get(&CaseKey::new(name))
    }

    /// Queues one line for `client`: every line to a client passes here,
    /// so a labeled command's responses can be gathered (see
    /// [`responses`](crate::state::responses)).
    pub fn deliver(&self, client: &Client, line: Bytes) {
        self.spend(cost::DELIVERY);
        let mut responses = self.responses.borrow_mut();
        let capture = if responses.is_idle() {
            Capture::Send(line)
        } else {
            responses.capture(client.id, line, self.config.sendq_bytes)
        };
        drop(responses);
        self.settle(client, capture);
    }

    /// As [`deliver`](Self::deliver), for a line that is never a response
    /// to the client's own command (a message it sent to itself).
    pub fn deliver_aside(&self, client: &Client, line: Bytes) {
        self.spend(cost::DELIVERY);
        let capture =
            self.responses
                .borrow_mut()
                .capture_aside(client.id, line, self.config.sendq_bytes);
        self.settle(client, capture);
    }

    fn settle(&self, client: &Client, capture: Capture) {
        match capture {
            Capture::Send(line) => client.outbox.send(line),
            Capture::Kept => {}
            // Answers held past the sendq: a reader that slow goes, as
            // the outbox would send it.
            Capture::Overflow => client.outbox.close(
                CloseReason::SendQExceeded,
                &[Bytes::from_static(b"ERROR :SendQ exceeded\r\n")],
            ),
        }
    }

    /// Queues a raw line for one client.
    pub fn send_bytes(&self, id: ClientId, line: Bytes) {
        if let Some(client) = self.clients.get(&id) {
            self.deliver(client, line);
        }
    }

    /// Sends an IRC message to an IRC client (plain clients do not speak
    /// IRC and get nothing).
    pub fn send(&self, id: ClientId, message: &Message) {
        if let Some(client) = self.clients.get(&id)
            && client.protocol == Protocol::Irc
        {
            self.spend(cost::REPLY);
            self.deliver(client, message.to_bytes());
        }
    }

    /// Sends a text line to a plain client.
    pub fn send_plain(&self, id: ClientId, text: &str) {
        if let Some(client) = self.clients.get(&id)
            && client.protocol == Protocol::Plain
        {
            self.deliver(client, plain_line(text));
        }
    }

    /// Starts gathering the responses to `id`'s command labeled `label`.
    pub fn begin_response(&mut self, id: ClientId, label: String) -> Token {
        let batch = self.client(id).is_some_and(|c| c.caps.has(Cap::Batch));
        let begun_at = self.history_ticket();
        self.responses.get_mut().begin(id, label, batch, begun_at)
    }

    /// Marks the history job being released, so that what it sends is
    /// not held behind answers to labeled commands that came after it.
    pub fn set_releasing(&mut self, ticket: Option<u64>) {
        let responses = self.responses.get_mut();
        responses.set_releasing(ticket);
        // A release that panicked did not put back the command it ran as.
        if ticket.is_none() {
            responses.set_active(None);
        }
    }

    /// Ends a labeled command's handler. Its responses go out now, or,
    /// when it published messages that wait for a history commit, once
    /// those are released.
    pub fn end_response(&mut self, token: Token) {
        let responses = self.responses.get_mut();
        responses.set_active(None);
        if responses.is_deferred(token) {
            let finish = move |state: &mut State, _: Option<Stored>| state.finish_response(token);
            self.submit(Vec::new(), Vec::new(), Release::Deliver(Box::new(finish)));
        } else {
            self.finish_response(token);
        }
    }

    fn finish_response(&mut self, token: Token) {
        self.close_response(token, true);
    }

    /// Ends gathering for a command that turned out to answer later in
    /// another way (a multiline batch that opened: its echo carries the
    /// label). Whatever was held goes out, unlabeled.
    pub fn cancel_response(&mut self, token: Token) {
        self.close_response(token, false);
    }

    /// Sends a labeled command's gathered lines, as its answer when
    /// `answer` (labeled, see `Finished::into_lines`), then what was held
    /// behind it; all behind an earlier labeled command of the same
    /// client that still waits.
    fn close_response(&mut self, token: Token, answer: bool) {
        let Some(finished) = self.responses.get_mut().finish(token) else {
            return;
        };
        let Some(client) = self.clients.get(&finished.client) else {
            return;
        };
        let (id, outbox) = (client.id, client.outbox.clone());
        let lines = if answer {
            let server = self.config.server_name.clone();
            finished.into_lines(&server, || self.next_batch_ref())
        } else {
            let mut lines = finished.responses;
            lines.extend(finished.held);
            lines
        };
        for line in self.responses.get_mut().after_earlier(id, token, lines) {
            outbox.send(line);
        }
    }

    /// `:server CODE nick params…` to one IRC client.
    pub fn reply<I, S>(&self, id: ClientId, numeric: Numeric, params: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        if client.protocol != Protocol::Irc {
            return;
        }
        self.spend(cost::REPLY);
        let mut all = vec![client.nick.clone()];
        all.extend(params.into_iter().map(Into::into));
        let message = Message {
            tags: Vec::new(),
            source: Some(self.config.server_name.clone()),
            command: numeric.code().to_owned(),
            params: all,
        };
        self.deliver(client, message.to_bytes());
    }

    /// `FAIL <command> <code> [context…] :<text>`, an IRCv3 standard
    /// reply: `params` are the code, any context and the text.
    pub fn fail(&self, id: ClientId, command: &str, params: &[&str]) {
        let mut all = vec![command];
        all.extend_from_slice(params);
        let fail = self.server_message("FAIL", all);
        self.send(id, &fail);
    }

    /// A message from the server itself (NOTICE, MODE, ERROR…).
    pub fn server_message<I, S>(&self, command: &str, params: I) -> Message
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Message::new(command, params).with_source(self.config.server_name.clone())
    }

    /// Sends `fanout` to every member of a channel but `skip`.
    pub fn fanout_channel(&self, channel: &CaseKey, fanout: &mut Fanout, skip: Option<ClientId>) {
        self.fanout_channel_with(channel, fanout, skip, None);
    }

    /// As [`fanout_channel`](Self::fanout_channel), limited to members that
    /// negotiated `only_with` when given (away-notify).
    pub fn fanout_channel_with(
        &self,
        channel: &CaseKey,
        fanout: &mut Fanout,
        skip: Option<ClientId>,
        only_with: Option<Cap>,
    ) {
        for client in self.members(channel, u64::MAX, Rank::Member) {
            if Some(client.id) != skip
                && only_with.is_none_or(|cap| client.caps.has(cap))
                && let Some(line) = fanout.bytes_for(client)
            {
                self.deliver(client, line);
            }
        }
    }

    /// Sends a released history job's `fanout` to the channel's members
    /// of at least `min_rank` (everyone, or the operators for `@#chan`)
    /// who were there when it was submitted.
    pub fn fanout_channel_released(
        &self,
        channel: &CaseKey,
        fanout: &mut Fanout,
        skip: Option<ClientId>,
        stored: Option<Stored>,
        min_rank: Rank,
    ) {
        let ticket = stored.map_or(u64::MAX, |stored| stored.ticket);
        for client in self.members(channel, ticket, min_rank) {
            if Some(client.id) != skip
                && let Some(line) = fanout.bytes_for(client)
            {
                self.deliver(client, line);
            }
        }
    }

    /// A channel's members of at least `min_rank` who joined before
    /// history job `ticket` was submitted (`u64::MAX`: everyone). Those
    /// who joined later get that job's line in their join's replay.
    pub fn members(
        &self,
        channel: &CaseKey,
        ticket: u64,
        min_rank: Rank,
    ) -> impl Iterator<Item = &Client> {
        self.channels
            .get(channel)
            .into_iter()
            .flat_map(|channel| channel.members.iter())
            .filter(move |(_, status)| status.joined_after < ticket && status.rank() >= min_rank)
            .filter_map(|(id, _)| self.clients.get(id))
    }

    /// Sends `fanout` once to everyone who shares a channel with `id`, and
    /// to `id` itself when `include_self`. `only_with` limits it to clients
    /// that negotiated a capability (away-notify). Returns everyone it
    /// considered, for extended-monitor not to tell them twice.
    pub fn fanout_neighbours(
        &self,
        id: ClientId,
        fanout: &mut Fanout,
        include_self: bool,
        only_with: Option<Cap>,
    ) -> HashSet<ClientId> {
        let Some(client) = self.clients.get(&id) else {
            return HashSet::new();
        };
        let mut seen = HashSet::new();
        if !include_self {
            seen.insert(id);
        }
        let others = client
            .channels
            .iter()
            .filter_map(|key| self.channels.get(key))
            .flat_map(|channel| channel.members.keys().copied());
        let mut walked = 0;
        for member in std::iter::once(id).chain(others) {
            walked += 1;
            if !seen.insert(member) {
                continue;
            }
            if let Some(recipient) = self.clients.get(&member)
                && only_with.is_none_or(|cap| recipient.caps.has(cap))
                && let Some(line) = fanout.bytes_for(recipient)
            {
                self.deliver(recipient, line);
            }
        }
        self.spend(cost::ENTRY * walked);
        seen
    }

    /// Puts `id` into a channel (creating it, with `id` as operator) and
    /// tells everyone. Checks (key, limit, bans) are the caller's.
    pub fn join(&mut self, id: ClientId, name: &str) {
        let key = CaseKey::new(name);
        let Some(client) = self.clients.get_mut(&id) else {
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
        let channel = self
            .channels
            .entry(key.clone())
            .or_insert_with(|| Channel::new(name));
        let status = Status {
            op: channel.members.is_empty(),
            joined_after: self.history.as_ref().map_or(0, History::submitted),
            ..Status::default()
        };
        channel.members.insert(id, status);
        // An invitation is used up by joining.
        channel.invited.remove(&id);
        let channel_name = channel.name.clone();

        // extended-join adds the account (none: `*`) and the real name.
        let plain = self.config.lang.joined(&nick);
        let source = Message::new("JOIN", [channel_name.as_str()]).with_source(mask.clone());
        let stored_join = source.clone();
        let mut basic = Fanout::new(source, Some(plain.clone())).skip_plain(id);
        let extended = Message::new("JOIN", [channel_name.as_str(), "*", realname.as_str()]);
        let mut extended = Fanout::new(extended.with_source(mask), Some(plain)).skip_plain(id);
        if let Some(channel) = self.channels.get(&key) {
            for member in channel.members.keys() {
                let Some(recipient) = self.clients.get(member) else {
                    continue;
                };
                let fanout = if recipient.caps.has(Cap::ExtendedJoin) {
                    &mut extended
                } else {
                    &mut basic
                };
                if let Some(line) = fanout.bytes_for(recipient) {
                    self.deliver(recipient, line);
                }
            }
        }
        // away-notify: a joiner who is away is announced as such.
        if let Some(client) = self.clients.get(&id)
            && let Some(away) = &client.away
        {
            let away = Message::new("AWAY", [away.as_str()]).with_source(client.mask.clone());
            let mut away = Fanout::new(away, None);
            self.fanout_channel_with(&key, &mut away, Some(id), Some(Cap::AwayNotify));
        }
        self.send_topic(id, &key, false);
        if self.client(id).is_some_and(|c| c.caps.has(Cap::ReadMarker)) {
            self.send_read_marker(id, &channel_name);
        }
        self.send_names(id, &key);
        self.replay_on_join(id, channel_name);
        // After the replay, which must not show the joiner its own join.
        self.record_presence(id, [key.as_str()], &stored_join);
    }

    /// Sends a channel's recent history to a client that just joined it
    /// (with history on): everything stored before the join, none of what
    /// it will get live.
    fn replay_on_join(&mut self, id: ClientId, channel_name: String) {
        let Some(history) = &self.history else {
            return;
        };
        let lines = history.config.replay_lines;
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
                events,
            };
            let read = store.latest(scope, None, lines);
            Box::new(move |state, _| match read {
                Ok(events) => replay::send(state, id, &channel_name, &events, false),
                Err(error) => tracing::warn!(%error, "history: replay failed"),
            })
        });
    }

    /// RPL_TOPIC and RPL_TOPICWHOTIME, or RPL_NOTOPIC when asked for.
    pub fn send_topic(&self, id: ClientId, key: &CaseKey, say_if_none: bool) {
        let Some(channel) = self.channels.get(key) else {
            return;
        };
        match &channel.topic {
            Some(topic) => {
                self.reply(
                    id,
                    Numeric::Topic,
                    [channel.name.as_str(), topic.text.as_str()],
                );
                self.reply(
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
                self.reply(
                    id,
                    Numeric::NoTopic,
                    [channel.name.as_str(), "No topic is set"],
                );
            }
            None => {}
        }
    }

    /// RPL_NAMREPLY lines (packed up to ~400 bytes) and RPL_ENDOFNAMES.
    pub fn send_names(&self, id: ClientId, key: &CaseKey) {
        if let Some(channel) = self.channels.get(key) {
            self.send_name_replies(id, key);
            self.reply(
                id,
                Numeric::EndOfNames,
                [channel.name.as_str(), "End of /NAMES list"],
            );
        }
    }

    /// RPL_NAMREPLY lines, packed up to ~400 bytes each.
    pub fn send_name_replies(&self, id: ClientId, key: &CaseKey) {
        let Some(viewer) = self.clients.get(&id) else {
            return;
        };
        let Some(channel) = self.channels.get(key) else {
            return;
        };
        let all_prefixes = viewer.caps.has(Cap::MultiPrefix);
        let with_host = viewer.caps.has(Cap::UserhostInNames);
        let symbol = if channel.modes.secret { "@" } else { "=" };
        let mut names: Vec<String> = channel
            .members
            .iter()
            .filter_map(|(member, status)| {
                let client = self.clients.get(member)?;
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
        self.spend(cost::NAME * names.len() as u64);
        for line in pack_list(names.iter().map(String::as_str), ' ') {
            self.reply(
                id,
                Numeric::NamReply,
                [symbol, channel.name.as_str(), line.as_str()],
            );
        }
    }

    /// Removes `id` from a channel, dropping the channel when it empties.
    pub fn remove_member(&mut self, id: ClientId, key: &CaseKey) {
        if let Some(client) = self.clients.get_mut(&id) {
            client.channels.retain(|k| k != key);
        }
        if let Some(channel) = self.channels.get_mut(key) {
            channel.members.remove(&id);
            if channel.members.is_empty() {
                self.channels.remove(key);
            }
        }
    }

    /// Tells everyone who shares a channel that `id` left, and forgets it.
    /// Safe to call twice.
    pub fn quit(&mut self, id: ClientId, reason: &str) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        if client.registered {
            self.tell_watchers_offline(&client.nick);
            let quit = Message::new("QUIT", [reason]).with_source(client.mask.clone());
            let channels: Vec<CaseKey> = client.channels.clone();
            let mut fanout = Fanout::new(quit.clone(), Some(self.config.lang.left(&client.nick)));
            self.fanout_neighbours(id, &mut fanout, false, None);
            self.record_presence(id, channels.iter().map(CaseKey::as_str), &quit);
        }
        let Some(client) = self.clients.remove(&id) else {
            return;
        };
        if client.registered {
            self.whowas.record(&client);
        }
        self.monitors.clear(id);
        self.batches.remove(&id);
        self.continuations.0.remove(&id);
        for channel in self.channels.values_mut() {
            if !channel.invited.is_empty() {
                channel.invited.remove(&id);
            }
        }
        self.nicks.release(id, &client.nick);
        for channel_key in &client.channels {
            if let Some(channel) = self.channels.get_mut(channel_key) {
                channel.members.remove(&id);
                if channel.members.is_empty() {
                    self.channels.remove(channel_key);
                }
            }
        }
        client
            .outbox
            .close(CloseReason::Closed(reason.to_owned()), &[]);
    }

    /// Closes a client's link with `ERROR :reason` (IRC) or a text line
    /// (plain) and removes it, telling others `quit_reason`.
    pub fn disconnect(&mut self, id: ClientId, error: &str, quit_reason: &str) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        let last = match client.protocol {
            Protocol::Irc => Message::new("ERROR", [error]).to_bytes(),
            Protocol::Plain => plain_line(error),
        };
        client
            .outbox
            .close(CloseReason::Closed(quit_reason.to_owned()), &[last]);
        self.quit(id, quit_reason);
    }

    /// Tells every client the server is going away and closes every
    /// outbox. Plain clients get a text line, then the seed's `{quit}`
    /// sentinel on its own so `Client.py` recognises it.
    pub fn shutdown(&mut self) {
        let lang = self.config.lang;
        let irc =
            Message::new("ERROR", [format!("Closing link: {}", lang.shutting_down())]).to_bytes();
        let plain = [
            plain_line(lang.shutting_down()),
            Bytes::from_static(b"{quit}"),
        ];
        for client in self.clients.values() {
            let last: &[Bytes] = match client.protocol {
                Protocol::Irc => std::slice::from_ref(&irc),
                Protocol::Plain => &plain,
            };
            client
                .outbox
                .close(CloseReason::Closed("Server shutting down".to_owned()), last);
        }
        self.clients.clear();
        self.nicks.clear();
        self.channels.clear();
    }

    /// Finishes `id`'s answer later, piece by piece, each time its
    /// connection's queue has drained (see `Outbox::is_continuing`).
    pub fn continue_later(&mut self, id: ClientId, rest: Continuation) {
        if let Some(client) = self.clients.get(&id) {
            client.outbox.set_continuing(true);
            self.continuations.0.insert(id, rest);
        }
    }

    /// Sends the next piece of `id`'s long answer, if it has one.
    pub fn continue_answer(&mut self, id: ClientId) {
        let more = match self.continuations.0.remove(&id) {
            Some(mut rest) => {
                let more = rest(self, id) && self.clients.contains_key(&id);
                if more {
                    self.continuations.0.insert(id, rest);
                }
                more
            }
            None => false,
        };
        if !more && let Some(client) = self.clients.get(&id) {
            client.outbox.set_continuing(false);
        }
    }

    /// True while a labeled command runs: its answer is gathered whole,
    /// so it cannot be sent piece by piece.
    pub fn answering_label(&self) -> bool {
        self.responses.borrow().active().is_some()
    }

    /// Starts metering a line's work (see [`cost`](crate::link::cost)).
    pub fn begin_metering(&self) {
        self.work.set(0);
        self.metering.set(true);
    }

    /// Stops metering; returns the work units spent since it began.
    pub fn end_metering(&self) -> u64 {
        self.metering.set(false);
        self.work.replace(0)
    }

    /// Runs `f` unmetered (a message inside a metered line: plain text
    /// becomes a PRIVMSG).
    pub fn unmetered<T>(&mut self, f: impl FnOnce(&mut State) -> T) -> T {
        let was = self.metering.replace(false);
        let result = f(self);
        self.metering.set(was);
        result
    }

    /// Counts `units` of work against the command being metered.
    pub fn spend(&self, units: u64) {
        if self.metering.get() {
            self.work.set(self.work.get() + units);
        }
    }

    /// Charges client `id` one line of flood control and the `work` its
    /// command did to its address's work budget; returns how long it must
    /// wait before its next line, if it is over its own flood limit.
    pub fn charge_line(&mut self, id: ClientId, work: u64) -> Option<std::time::Duration> {
        self.charge_work(id, work);
        let limits = self.config.flood?;
        let now_ms = self.clock_ms();
        let client = self.clients.get_mut(&id).filter(|c| !c.oper)?;
        client.flood.charge(now_ms, limits)
    }

    /// Charges `work` units done for client `id` to its address's work
    /// budget. The debt holds back the address's next costly command
    /// (see `work_wait`), not this client's messages.
    pub fn charge_work(&mut self, id: ClientId, work: u64) {
        if work == 0 || self.config.flood.is_none() {
            return;
        }
        let now_ms = self.clock_ms();
        if let Some(client) = self.clients.get(&id).filter(|c| !c.oper) {
            self.budgets.spend(client.ip, work, now_ms);
        }
    }

    /// How long a metered command from `id` must wait because its
    /// address has spent its work budget; `None` when it may run now.
    pub fn work_wait(&self, id: ClientId) -> Option<std::time::Duration> {
        self.config.flood?;
        let client = self.clients.get(&id).filter(|c| !c.oper)?;
        self.budgets.wait(client.ip, self.clock_ms())
    }

    /// Charges client `id` `lines` more on top of its current line (see
    /// `Bucket::add`).
    pub fn charge_extra(&mut self, id: ClientId, lines: u32) {
        if self.config.flood.is_some()
            && let Some(client) = self.clients.get_mut(&id)
            && !client.oper
        {
            client.flood.add(lines);
        }
    }

    /// Milliseconds since the server started, wrapping (flood control).
    fn clock_ms(&self) -> u32 {
        crate::clock::now_millis().wrapping_sub(self.started_at_millis) as u32
    }

    /// A message id unique across restarts: the start time in
    /// milliseconds, then a counter.
    pub fn next_msgid(&mut self) -> String {
        self.next_msgid += 1;
        format!("{:x}-{:x}", self.started_at_millis, self.next_msgid)
    }

    /// A reference for a `BATCH`, unique on this server.
    pub fn next_batch_ref(&mut self) -> String {
        self.next_batch += 1;
        format!("b{:x}", self.next_batch)
    }

    /// Runs `release` once `events` are stored: at once when history is
    /// off, otherwise on the history writer after the commit, in
    /// submission order. Everything a client sends that others see goes
    /// through here, so nobody sees a line the store could lose.
    pub fn publish(
        &mut self,
        events: Vec<Event>,
        release: impl FnOnce(&mut State, Option<Stored>) + Send + 'static,
    ) {
        self.publish_with(events, Vec::new(), Release::Deliver(Box::new(release)));
    }

    /// Reads the history (`read`, on the history's thread, off the hub
    /// lock) once everything submitted before is stored, then delivers
    /// what `read` returns, in submission order. Only with history on.
    pub fn publish_read(&mut self, read: impl FnOnce(&Store, i64) -> Deliver + Send + 'static) {
        self.publish_with(Vec::new(), Vec::new(), Release::Read(Box::new(read)));
    }

    fn publish_with(&mut self, events: Vec<Event>, changes: Vec<Change>, release: Release) {
        // A labeled command's deferred release is still part of its
        // response: it runs as that command again.
        let responses = self.responses.get_mut();
        if let Some(token) = responses.active()
            && self.history.is_some()
        {
            responses.defer(token);
            self.submit(events, changes, as_command(token, release));
        } else {
            self.submit(events, changes, release);
        }
    }

    /// Queues `events`, `changes` and their release with the history
    /// writer, or runs the release at once with history off (there is
    /// nothing to read then).
    fn submit(&mut self, events: Vec<Event>, changes: Vec<Change>, release: Release) {
        match &mut self.history {
            None => {
                if let Release::Deliver(deliver) = release {
                    deliver(self, None);
                }
            }
            Some(history) => {
                history.submit(Job {
                    events,
                    changes,
                    release,
                });
            }
        }
    }

    /// Stores a read marker with history on (it is kept in memory
    /// either way). Like an event, its answer does not wait for it.
    /// `forgotten` is a marker dropped to make room, (nick, target).
    pub fn store_read_marker(
        &mut self,
        marker: crate::history::ReadMarker,
        forgotten: Option<(String, String)>,
    ) {
        let mut changes = vec![Change::ReadMarker(marker)];
        changes.extend(forgotten.map(|(nick, target)| Change::ForgetReadMarker { nick, target }));
        self.submit(Vec::new(), changes, Release::nothing());
    }

    /// Deletes a redacted message from the history, then runs `release`
    /// (telling those who should know): nobody hears of a redaction that
    /// a later query could contradict.
    pub fn publish_redaction(
        &mut self,
        target: String,
        msgid: String,
        release: impl FnOnce(&mut State, Option<Stored>) + Send + 'static,
    ) {
        let change = Change::Redaction { target, msgid };
        self.publish_with(
            Vec::new(),
            vec![change],
            Release::Deliver(Box::new(release)),
        );
    }

    /// `MARKREAD <target> timestamp=…` (or `*`): how far `id`'s nick has
    /// read in `target`.
    pub fn send_read_marker(&self, id: ClientId, target: &str) {
        let Some(client) = self.client(id) else {
            return;
        };
        let time = self.read_markers.get(&client.nick, target).map_or_else(
            || "*".to_owned(),
            |t| format!("timestamp={}", crate::clock::iso8601(t)),
        );
        let markread = self.server_message("MARKREAD", [target, time.as_str()]);
        self.send(id, &markread);
    }

    /// Stores a channel event (join, part, quit, nick change, topic,
    /// kick) in the history of each of `channels` (folded names), with
    /// history on. Unlike messages, events go out at once: holding a JOIN
    /// until its commit would reorder the joiner's replies, and an event
    /// lost to a crash costs no one a word of the conversation.
    pub fn record_event<'a>(
        &mut self,
        channels: impl IntoIterator<Item = &'a str>,
        message: &Message,
    ) {
        if self.history.is_none() {
            return;
        }
        let time = crate::clock::now_millis();
        let line = message.to_string();
        let events: Vec<Event> = channels
            .into_iter()
            .map(|channel| Event {
                msgid: self.next_msgid(),
                time,
                target: conversation(channel, None),
                line: line.clone(),
            })
            .collect();
        if !events.is_empty() {
            // Not `publish`: the event went out already, so a labeled
            // command need not wait for it.
            self.submit(events, Vec::new(), Release::nothing());
        }
    }

    /// Stores `id`'s own join, part, quit or nick change as
    /// [`record_event`](Self::record_event) does, while its presence
    /// budget lasts (see `presence.rs`).
    pub fn record_presence<'a>(
        &mut self,
        id: ClientId,
        channels: impl IntoIterator<Item = &'a str>,
        message: &Message,
    ) {
        if self.history.is_none() {
            return;
        }
        let channels: Vec<&str> = channels.into_iter().collect();
        let now_ms = self.clock_ms();
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        if client.presence.take(channels.len(), now_ms) {
            self.record_event(channels, message);
        } else {
            tracing::debug!(nick = %client.nick, "history: not storing the events of a churning client");
        }
    }

    /// History jobs submitted so far (0 with history off): a connection
    /// waits until the writer has released this many before it handles a
    /// command whose output could overtake its last message.
    pub fn history_ticket(&self) -> u64 {
        self.history.as_ref().map_or(0, History::submitted)
    }

    /// Records that `id` registered: for the LUSERS peak and for those
    /// monitoring its nick.
    pub fn note_registration(&mut self, id: ClientId) {
        // No longer counted as registering, nor ever closed to make room.
        if let Some(slot) = self.clients.get_mut(&id).and_then(|c| c.slot.as_mut()) {
            slot.registered();
        }
        let (registered, _) = self.counts();
        self.peak_users = self.peak_users.max(registered);
        self.tell_watchers_online(id);
    }

    /// Number of registered clients, and of unregistered connections.
    pub fn counts(&self) -> (usize, usize) {
        let registered = self.clients.values().filter(|c| c.registered).count();
        (registered, self.clients.len() - registered)
    }
}
