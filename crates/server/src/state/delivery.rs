//! Delivery: every line to a client passes a [`Sink`], which hands it
//! to the client's outbox or, while a labeled command of that client is
//! answered, to the gathering of its answer (see
//! [`responses`](crate::state::responses)). Replies, standard replies and
//! the fan-out loops (a channel, a client's neighbours) are `&mut State`
//! operations built on it.

use bytes::Bytes;
use ciao_proto::{CaseKey, Message, Numeric};

use crate::caps::Cap;
use crate::config::Config;
use crate::link::outbox::CloseReason;
use crate::link::{IdSet, cost};
use crate::state::State;
use crate::state::channel::{Rank, Status};
use crate::state::channels::Channels;
use crate::state::client::{Client, ClientId, Protocol};
use crate::state::effect::Effect;
use crate::state::fanout::{Fanout, plain_line};
use crate::state::meter::Meter;
use crate::state::monitor::Monitors;
use crate::state::publisher::Release;
use crate::state::registry::Registry;
use crate::state::responses::{Capture, Responses, Token};
use crate::state::stored::Stored;

/// What delivery keeps between lines.
///
/// The gathering of labeled answers is the state's, not a command's: an
/// answer that waits for a history commit is finished by the releaser,
/// after the command's handler returned, and lines for a client whose
/// earlier answer waits are held behind it whoever sends them. So it is
/// an owner of its own inside [`State`], written only through `&mut`:
/// every operation that sends splits the state into the registry and
/// channels it reads and a [`Sink`] it writes, and a fan-out loop hands
/// each member it reads straight to the sink.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    /// labeled-response: replies being gathered.
    responses: Responses,
    /// Counter behind batch references.
    next_batch: u64,
}

/// Where lines to clients go: the labeled-response gathering and the work
/// meter, borrowed mutably for as long as one operation delivers, beside
/// shared borrows of the registry and channels it takes the recipients
/// from (see [`State::split`]). Disjoint field borrows, so delivering to
/// a member costs what it did when these were `RefCell`/`Cell`s: no
/// lookup, clone or allocation, and one `is_idle` check while no label
/// is being answered.
pub(super) struct Sink<'s> {
    responses: &'s mut Responses,
    meter: &'s mut Meter,
    /// The client's sendq, which bounds a held answer too.
    sendq_bytes: usize,
}

/// The state as one delivering operation borrows it (see
/// [`State::split`]).
pub(super) struct Split<'s> {
    pub(super) config: &'s Config,
    pub(super) registry: &'s Registry,
    pub(super) channels: &'s Channels,
    pub(super) monitors: &'s Monitors,
    pub(super) sink: Sink<'s>,
}

impl Split<'_> {
    /// `:server CODE nick params…` to one IRC client (see
    /// [`State::reply`]), for an operation that reads the state while it
    /// replies.
    pub(super) fn reply<I, S>(&mut self, id: ClientId, numeric: Numeric, params: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let Some(client) = self.registry.get(id) else {
            return;
        };
        if client.protocol != Protocol::Irc {
            return;
        }
        self.sink.spend(cost::REPLY);
        let mut all = vec![client.nick.clone()];
        all.extend(params.into_iter().map(Into::into));
        let message = Message {
            tags: Vec::new(),
            source: Some(self.config.server_name.clone()),
            command: numeric.code().to_owned(),
            params: all,
        };
        self.sink.deliver(client, message.to_bytes());
    }
}

impl Sink<'_> {
    /// Queues one line for `client`, or gathers it as (or behind) the
    /// answer to a labeled command.
    pub(super) fn deliver(&mut self, client: &Client, line: Bytes) {
        self.meter.spend(cost::DELIVERY);
        let capture = if self.responses.is_idle() {
            Capture::Send(line)
        } else {
            self.responses.capture(client.id, line, self.sendq_bytes)
        };
        settle(client, capture);
    }

    /// As [`deliver`](Self::deliver), for a line that is never a response
    /// to the client's own command (a message it sent to itself).
    pub(super) fn deliver_aside(&mut self, client: &Client, line: Bytes) {
        self.meter.spend(cost::DELIVERY);
        let capture = self
            .responses
            .capture_aside(client.id, line, self.sendq_bytes);
        settle(client, capture);
    }

    /// Counts `units` of work against the command being metered.
    pub(super) fn spend(&mut self, units: u64) {
        self.meter.spend(units);
    }
}

impl State {
    /// The state split for one operation that delivers: what it reads,
    /// and the sink it sends to.
    pub(super) fn split(&mut self) -> Split<'_> {
        let State {
            config,
            registry,
            channels,
            delivery,
            meter,
            monitors,
            ..
        } = self;
        Split {
            config,
            registry,
            channels,
            monitors,
            sink: Sink {
                responses: &mut delivery.responses,
                meter,
                sendq_bytes: config.sendq_bytes,
            },
        }
    }

    /// Queues for client `id` the lines `lines` makes for it (a fan-out's
    /// form for its capabilities, or none).
    pub(crate) fn deliver_to<L>(&mut self, id: ClientId, lines: impl FnOnce(&Client) -> L)
    where
        L: IntoIterator<Item = Bytes>,
    {
        let Split {
            registry, mut sink, ..
        } = self.split();
        if let Some(client) = registry.get(id) {
            for line in lines(client) {
                sink.deliver(client, line);
            }
        }
    }

    /// As [`deliver_to`](Self::deliver_to), for lines that are never a
    /// response to the client's own command (a message to oneself).
    pub(crate) fn deliver_aside_to<L>(&mut self, id: ClientId, lines: impl FnOnce(&Client) -> L)
    where
        L: IntoIterator<Item = Bytes>,
    {
        let Split {
            registry, mut sink, ..
        } = self.split();
        if let Some(client) = registry.get(id) {
            for line in lines(client) {
                sink.deliver_aside(client, line);
            }
        }
    }

    /// Queues for every client the lines `lines` makes for it.
    pub(crate) fn deliver_to_all<L>(&mut self, mut lines: impl FnMut(&Client) -> L)
    where
        L: IntoIterator<Item = Bytes>,
    {
        let Split {
            registry, mut sink, ..
        } = self.split();
        for client in registry.iter() {
            for line in lines(client) {
                sink.deliver(client, line);
            }
        }
    }

    /// Queues for each member of `channel` of at least `min_rank` who
    /// joined before history job `ticket` was submitted (`u64::MAX`:
    /// everyone) the lines `lines` makes for it and its status. Those who
    /// joined later get that job's line in their join's replay.
    pub(crate) fn deliver_to_members<L>(
        &mut self,
        channel: &CaseKey,
        ticket: u64,
        min_rank: Rank,
        mut lines: impl FnMut(&Client, &Status) -> L,
    ) where
        L: IntoIterator<Item = Bytes>,
    {
        let Split {
            registry,
            channels,
            mut sink,
            ..
        } = self.split();
        let Some(channel) = channels.get(channel) else {
            return;
        };
        for (id, status) in channel.members() {
            if status.joined_after < ticket
                && status.rank() >= min_rank
                && let Some(client) = registry.get(*id)
            {
                for line in lines(client, status) {
                    sink.deliver(client, line);
                }
            }
        }
    }

    /// Sends an IRC message to an IRC client (plain clients do not speak
    /// IRC and get nothing).
    pub(crate) fn send(&mut self, id: ClientId, message: &Message) {
        let Split {
            registry, mut sink, ..
        } = self.split();
        if let Some(client) = registry.get(id)
            && client.protocol == Protocol::Irc
        {
            sink.spend(cost::REPLY);
            sink.deliver(client, message.to_bytes());
        }
    }

    /// Sends a text line to a plain client.
    pub(crate) fn send_plain(&mut self, id: ClientId, text: &str) {
        let Split {
            registry, mut sink, ..
        } = self.split();
        if let Some(client) = registry.get(id)
            && client.protocol == Protocol::Plain
        {
            sink.deliver(client, plain_line(text));
        }
    }

    /// `:server CODE nick params…` to one IRC client.
    pub(crate) fn reply<I, S>(&mut self, id: ClientId, numeric: Numeric, params: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.split().reply(id, numeric, params);
    }

    /// `FAIL <command> <code> [context…] :<text>`, an IRCv3 standard
    /// reply: `params` are the code, any context and the text.
    pub(crate) fn fail(&mut self, id: ClientId, command: &str, params: &[&str]) {
        let mut all = vec![command];
        all.extend_from_slice(params);
        let fail = self.server_message("FAIL", all);
        self.send(id, &fail);
    }

    /// A message from the server itself (NOTICE, MODE, ERROR…).
    pub(crate) fn server_message<I, S>(&self, command: &str, params: I) -> Message
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Message::new(command, params).with_source(self.config.server_name.clone())
    }

    /// A NOTICE from the server to `id`.
    pub(crate) fn notice(&mut self, id: ClientId, text: &str) {
        let nick = self
            .client(id)
            .map_or_else(|| "*".to_owned(), |client| client.nick().to_owned());
        let notice = self.server_message("NOTICE", [nick.as_str(), text]);
        self.send(id, &notice);
    }

    /// A reference for a `BATCH`, unique on this server.
    pub(crate) fn next_batch_ref(&mut self) -> String {
        self.delivery.next_batch += 1;
        format!("b{:x}", self.delivery.next_batch)
    }

    /// Starts gathering the responses to `id`'s command labeled `label`.
    pub(crate) fn begin_response(&mut self, id: ClientId, label: String) -> Token {
        let batch = self.client(id).is_some_and(|c| c.caps.has(Cap::Batch));
        let begun_at = self.history_ticket();
        self.delivery.responses.begin(id, label, batch, begun_at)
    }

    /// Marks the history job being released, so that what it sends is
    /// not held behind answers to labeled commands that came after it.
    pub(crate) fn set_releasing(&mut self, ticket: Option<u64>) {
        let responses = &mut self.delivery.responses;
        responses.set_releasing(ticket);
        // A release that panicked did not put back the command it ran as.
        if ticket.is_none() {
            responses.set_active(None);
        }
    }

    /// Ends a labeled command's handler. Its responses go out now, or,
    /// when it published messages that wait for a history commit, once
    /// those are released.
    pub(crate) fn end_response(&mut self, token: Token) {
        let responses = &mut self.delivery.responses;
        responses.set_active(None);
        if responses.is_deferred(token) {
            // Not as the command again: this is its answer itself.
            self.submit(
                Vec::new(),
                Vec::new(),
                Release::Apply(Effect::Answer(token)),
                None,
            );
        } else {
            self.finish_response(token);
        }
    }

    pub(super) fn finish_response(&mut self, token: Token) {
        self.close_response(token, true);
    }

    /// Ends gathering for a command that turned out to answer later in
    /// another way (a multiline batch that opened: its echo carries the
    /// label). Whatever was held goes out, unlabeled.
    pub(crate) fn cancel_response(&mut self, token: Token) {
        self.close_response(token, false);
    }

    /// Sends a labeled command's gathered lines, as its answer when
    /// `answer` (labeled, see `Finished::into_lines`), then what was held
    /// behind it; all behind an earlier labeled command of the same
    /// client that still waits.
    fn close_response(&mut self, token: Token, answer: bool) {
        let Some(finished) = self.delivery.responses.finish(token) else {
            return;
        };
        let Some(client) = self.registry.get(finished.client) else {
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
        for line in self.delivery.responses.after_earlier(id, token, lines) {
            outbox.send(line);
        }
    }

    /// The labeled command running now (its handler, or a release run as
    /// it), if any.
    pub(super) fn active_response(&self) -> Option<Token> {
        self.delivery.responses.active()
    }

    /// Runs `f` as the labeled command `token` again: what it sends is
    /// part of that command's answer.
    pub(super) fn as_response<T>(&mut self, token: Token, f: impl FnOnce(&mut State) -> T) -> T {
        let previous = self.delivery.responses.set_active(Some(token));
        let result = f(self);
        self.delivery.responses.set_active(previous);
        result
    }

    /// Notes that the labeled command `token` published a job whose
    /// release is part of its answer, which therefore waits for it.
    pub(super) fn defer_response(&mut self, token: Token) {
        self.delivery.responses.defer(token);
    }

    /// True while a labeled command runs: its answer is gathered whole,
    /// so it cannot be sent piece by piece.
    pub(crate) fn answering_label(&self) -> bool {
        self.active_response().is_some()
    }

    /// Sends `fanout` to every member of a channel but `skip`.
    pub(crate) fn fanout_channel(
        &mut self,
        channel: &CaseKey,
        fanout: &mut Fanout,
        skip: Option<ClientId>,
    ) {
        self.fanout_channel_with(channel, fanout, skip, None);
    }

    /// As [`fanout_channel`](Self::fanout_channel), limited to members that
    /// negotiated `only_with` when given (away-notify).
    pub(crate) fn fanout_channel_with(
        &mut self,
        channel: &CaseKey,
        fanout: &mut Fanout,
        skip: Option<ClientId>,
        only_with: Option<Cap>,
    ) {
        self.deliver_to_members(channel, u64::MAX, Rank::Member, |client, _| {
            if Some(client.id) != skip && only_with.is_none_or(|cap| client.caps.has(cap)) {
                fanout.bytes_for(client)
            } else {
                None
            }
        });
    }

    /// Sends a released history job's `fanout` to the channel's members
    /// of at least `min_rank` (everyone, or the operators for `@#chan`)
    /// who were there when it was submitted.
    pub(crate) fn fanout_channel_released(
        &mut self,
        channel: &CaseKey,
        fanout: &mut Fanout,
        skip: Option<ClientId>,
        stored: Option<Stored>,
        min_rank: Rank,
    ) {
        let ticket = stored.map_or(u64::MAX, |stored| stored.ticket);
        self.deliver_to_members(channel, ticket, min_rank, |client, _| {
            if Some(client.id) != skip {
                fanout.bytes_for(client)
            } else {
                None
            }
        });
    }

    /// Sends `fanout` once to everyone who shares a channel with `id`, and
    /// to `id` itself when `include_self`. `only_with` limits it to clients
    /// that negotiated a capability (away-notify). Returns everyone it
    /// considered, for extended-monitor not to tell them twice.
    pub(crate) fn fanout_neighbours(
        &mut self,
        id: ClientId,
        fanout: &mut Fanout,
        include_self: bool,
        only_with: Option<Cap>,
    ) -> IdSet {
        let Split {
            registry,
            channels,
            mut sink,
            ..
        } = self.split();
        let Some(client) = registry.get(id) else {
            return IdSet::default();
        };
        // The event is `id`'s own (a NICK, QUIT, AWAY, …): account-tag.
        fanout.or_account(client.account());
        let mut seen = IdSet::default();
        if !include_self {
            seen.insert(id);
        }
        let others = client
            .channels
            .iter()
            .filter_map(|key| channels.get(key))
            .flat_map(|channel| channel.members().keys().copied());
        let mut walked = 0;
        for member in std::iter::once(id).chain(others) {
            walked += 1;
            if !seen.insert(member) {
                continue;
            }
            if let Some(recipient) = registry.get(member)
                && only_with.is_none_or(|cap| recipient.caps.has(cap))
                && let Some(line) = fanout.bytes_for(recipient)
            {
                sink.deliver(recipient, line);
            }
        }
        sink.spend(cost::ENTRY * walked);
        seen
    }
}

/// Does what the gathering decided with a line.
fn settle(client: &Client, capture: Capture) {
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
