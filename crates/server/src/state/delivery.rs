//! Delivery: every line to a client passes [`State::deliver`], which
//! hands it to the client's outbox or, while a labeled command of that
//! client is answered, to the gathering of its answer (see
//! [`responses`](crate::state::responses)). Replies, standard replies and
//! the fan-out loops (a channel, a client's neighbours) are built on it.

use std::cell::RefCell;
use std::collections::HashSet;

use bytes::Bytes;
use ciao_proto::{CaseKey, Message, Numeric};

use crate::caps::Cap;
use crate::link::cost;
use crate::link::outbox::CloseReason;
use crate::state::State;
use crate::state::channel::Rank;
use crate::state::client::{Client, ClientId, Protocol};
use crate::state::effect::Effect;
use crate::state::fanout::{Fanout, plain_line};
use crate::state::publisher::{Release, Stored};
use crate::state::responses::{Capture, Responses, Token};

/// What delivery keeps between lines.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    /// labeled-response: replies being gathered. Every delivery looks
    /// here through `&self`, hence the `RefCell` (the hub's mutex keeps
    /// it to one thread at a time). An explicit reply sink borrowed
    /// mutably beside the registry would need every handler and fan-out
    /// loop to split its borrows of the state (they hold a `&Client` of
    /// the registry while they deliver to it), which would touch every
    /// command for no gain in safety: one borrow at a time is checked
    /// either way, and nothing here is re-entered.
    responses: RefCell<Responses>,
    /// Counter behind batch references.
    next_batch: u64,
}

impl State {
    /// Queues one line for `client`: every line to a client passes here,
    /// so a labeled command's responses can be gathered (see
    /// [`responses`](crate::state::responses)).
    pub(crate) fn deliver(&self, client: &Client, line: Bytes) {
        self.spend(cost::DELIVERY);
        let mut responses = self.delivery.responses.borrow_mut();
        let capture = if responses.is_idle() {
            Capture::Send(line)
        } else {
            responses.capture(client.id, line, self.config.sendq_bytes)
        };
        drop(responses);
        settle(client, capture);
    }

    /// As [`deliver`](Self::deliver), for a line that is never a response
    /// to the client's own command (a message it sent to itself).
    pub(crate) fn deliver_aside(&self, client: &Client, line: Bytes) {
        self.spend(cost::DELIVERY);
        let capture = self.delivery.responses.borrow_mut().capture_aside(
            client.id,
            line,
            self.config.sendq_bytes,
        );
        settle(client, capture);
    }

    /// Sends an IRC message to an IRC client (plain clients do not speak
    /// IRC and get nothing).
    pub(crate) fn send(&self, id: ClientId, message: &Message) {
        if let Some(client) = self.registry.get(id)
            && client.protocol == Protocol::Irc
        {
            self.spend(cost::REPLY);
            self.deliver(client, message.to_bytes());
        }
    }

    /// Sends a text line to a plain client.
    pub(crate) fn send_plain(&self, id: ClientId, text: &str) {
        if let Some(client) = self.registry.get(id)
            && client.protocol == Protocol::Plain
        {
            self.deliver(client, plain_line(text));
        }
    }

    /// `:server CODE nick params…` to one IRC client.
    pub(crate) fn reply<I, S>(&self, id: ClientId, numeric: Numeric, params: I)
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
    pub(crate) fn fail(&self, id: ClientId, command: &str, params: &[&str]) {
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

    /// A reference for a `BATCH`, unique on this server.
    pub(crate) fn next_batch_ref(&mut self) -> String {
        self.delivery.next_batch += 1;
        format!("b{:x}", self.delivery.next_batch)
    }

    /// Starts gathering the responses to `id`'s command labeled `label`.
    pub(crate) fn begin_response(&mut self, id: ClientId, label: String) -> Token {
        let batch = self.client(id).is_some_and(|c| c.caps.has(Cap::Batch));
        let begun_at = self.history_ticket();
        self.delivery
            .responses
            .get_mut()
            .begin(id, label, batch, begun_at)
    }

    /// Marks the history job being released, so that what it sends is
    /// not held behind answers to labeled commands that came after it.
    pub(crate) fn set_releasing(&mut self, ticket: Option<u64>) {
        let responses = self.delivery.responses.get_mut();
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
        let responses = self.delivery.responses.get_mut();
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
        let Some(finished) = self.delivery.responses.get_mut().finish(token) else {
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
        for line in self
            .delivery
            .responses
            .get_mut()
            .after_earlier(id, token, lines)
        {
            outbox.send(line);
        }
    }

    /// The labeled command running now (its handler, or a release run as
    /// it), if any.
    pub(super) fn active_response(&self) -> Option<Token> {
        self.delivery.responses.borrow().active()
    }

    /// Runs `f` as the labeled command `token` again: what it sends is
    /// part of that command's answer.
    pub(super) fn as_response<T>(&mut self, token: Token, f: impl FnOnce(&mut State) -> T) -> T {
        let previous = self.delivery.responses.get_mut().set_active(Some(token));
        let result = f(self);
        self.delivery.responses.get_mut().set_active(previous);
        result
    }

    /// Notes that the labeled command `token` published a job whose
    /// release is part of its answer, which therefore waits for it.
    pub(super) fn defer_response(&mut self, token: Token) {
        self.delivery.responses.get_mut().defer(token);
    }

    /// True while a labeled command runs: its answer is gathered whole,
    /// so it cannot be sent piece by piece.
    pub(crate) fn answering_label(&self) -> bool {
        self.active_response().is_some()
    }

    /// Sends `fanout` to every member of a channel but `skip`.
    pub(crate) fn fanout_channel(
        &self,
        channel: &CaseKey,
        fanout: &mut Fanout,
        skip: Option<ClientId>,
    ) {
        self.fanout_channel_with(channel, fanout, skip, None);
    }

    /// As [`fanout_channel`](Self::fanout_channel), limited to members that
    /// negotiated `only_with` when given (away-notify).
    pub(crate) fn fanout_channel_with(
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
    pub(crate) fn fanout_channel_released(
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
    pub(crate) fn members(
        &self,
        channel: &CaseKey,
        ticket: u64,
        min_rank: Rank,
    ) -> impl Iterator<Item = &Client> {
        self.channels
            .get(channel)
            .into_iter()
            .flat_map(|channel| channel.members().iter())
            .filter(move |(_, status)| status.joined_after < ticket && status.rank() >= min_rank)
            .filter_map(|(id, _)| self.registry.get(*id))
    }

    /// Sends `fanout` once to everyone who shares a channel with `id`, and
    /// to `id` itself when `include_self`. `only_with` limits it to clients
    /// that negotiated a capability (away-notify). Returns everyone it
    /// considered, for extended-monitor not to tell them twice.
    pub(crate) fn fanout_neighbours(
        &self,
        id: ClientId,
        fanout: &mut Fanout,
        include_self: bool,
        only_with: Option<Cap>,
    ) -> HashSet<ClientId> {
        let Some(client) = self.registry.get(id) else {
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
            .flat_map(|channel| channel.members().keys().copied());
        let mut walked = 0;
        for member in std::iter::once(id).chain(others) {
            walked += 1;
            if !seen.insert(member) {
                continue;
            }
            if let Some(recipient) = self.registry.get(member)
                && only_with.is_none_or(|cap| recipient.caps.has(cap))
                && let Some(line) = fanout.bytes_for(recipient)
            {
                self.deliver(recipient, line);
            }
        }
        self.spend(cost::ENTRY * walked);
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
