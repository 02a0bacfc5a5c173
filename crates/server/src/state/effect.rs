//! What a committed entry does, as data. A handler checks a message,
//! stamps it (msgid, time) and builds its [`Effect`]; the publisher
//! commits the entry and then, in submission order, [`State::apply`]
//! does what the effect says. Nothing of the command runs again: the
//! path of one message enters `commands/` once, and applying an entry
//! needs nothing but the entry (see the publisher's "What a replicated
//! log will need").

use ciao_proto::CaseKey;

use crate::caps::Cap;
use crate::state::State;
use crate::state::channel::Rank;
use crate::state::client::{Client, ClientId};
use crate::state::fanout::Fanout;
use crate::state::multiline::MultilineFanout;
use crate::state::recent::Sent;
use crate::state::refusal::{RefusedAs, refused};
use crate::state::responses::Token;
use crate::state::stored::Stored;

/// What a committed entry does under the hub lock.
#[derive(Debug)]
pub(crate) enum Effect {
    /// Nothing: the entry only stores (channel events, read markers).
    None,
    /// A message to a channel: its members of at least `min_rank` who
    /// were there when it was submitted (those who joined later get it
    /// from their join's replay), the sender only when `echo`.
    Channel {
        channel: CaseKey,
        /// The message, stamped with its msgid and time.
        fanout: Fanout,
        sender: ClientId,
        /// echo-message (IRC) or the seed's echo (plain): the sender gets
        /// its own message back, even when sent to a rank it lacks.
        echo: bool,
        /// `Rank::Member` for everyone; higher for STATUSMSG (`@#chan`).
        min_rank: Rank,
        refused_as: RefusedAs,
    },
    /// A message to one client.
    Private {
        /// The recipient's connection as it was when the message was sent.
        recipient: ClientId,
        fanout: Fanout,
        sender: ClientId,
        /// echo-message: the sender gets its own message back.
        echo: bool,
        refused_as: RefusedAs,
    },
    /// A draft/multiline message, to a channel or to one client.
    Multiline {
        to: Audience,
        fanout: MultilineFanout,
        sender: ClientId,
        /// echo-message; the echo answers a labeled batch.
        echo: bool,
        refused_as: RefusedAs,
    },
    /// A message taken back (draft/message-redaction), told to those in
    /// its conversation who negotiated the capability.
    Redaction {
        /// The channel's key, or `None` in a private conversation.
        channel: Option<CaseKey>,
        /// A private conversation's connections, as they were.
        parties: Vec<ClientId>,
        /// The `REDACT` line.
        fanout: Fanout,
        redactor: ClientId,
        /// The target as the redactor wrote it, to refuse with.
        target: String,
        msgid: String,
        /// What the redactor took back: remembered again when the store
        /// could not make the redaction, so it may be retried.
        sent: Sent,
    },
    /// The answer to a labeled command that waited for its messages'
    /// commits (see [`responses`](crate::state::responses)).
    Answer(Token),
}

/// Who a multiline message goes to.
#[derive(Debug)]
pub(crate) enum Audience {
    Channel(CaseKey),
    Client(ClientId),
}

impl State {
    /// Does what a committed entry's `effect` says. With history off
    /// `stored` is `None` (nothing was committed, nothing is refused);
    /// otherwise an entry the store could not keep is refused to its
    /// sender and delivered to nobody.
    pub(crate) fn apply(&mut self, effect: Effect, stored: Option<Stored>) {
        match effect {
            Effect::None => {}
            Effect::Channel {
                channel,
                mut fanout,
                sender,
                echo,
                min_rank,
                refused_as,
            } => {
                if refused_as.refused(self, stored, sender) {
                    return;
                }
                let skip = (!echo).then_some(sender);
                self.fanout_channel_released(&channel, &mut fanout, skip, stored, min_rank);
                // The sender's echo, when the message went to a rank it
                // lacks.
                if echo
                    && self.channels().get(&channel).and_then(|c| c.rank(sender)) < Some(min_rank)
                {
                    self.deliver_to(sender, |client| fanout.bytes_for(client));
                }
            }
            Effect::Private {
                recipient,
                mut fanout,
                sender,
                echo,
                refused_as,
            } => {
                if refused_as.refused(self, stored, sender) {
                    return;
                }
                // A message to oneself arrives, and with echo-message is
                // echoed too; only the echo answers a labeled command.
                if recipient == sender {
                    self.deliver_aside_to(recipient, |client| fanout.bytes_for(client));
                } else {
                    self.deliver_to(recipient, |client| fanout.bytes_for(client));
                }
                if echo {
                    self.deliver_to(sender, |client| fanout.bytes_for(client));
                }
            }
            Effect::Multiline {
                to,
                mut fanout,
                sender,
                echo,
                refused_as,
            } => {
                if refused_as.refused(self, stored, sender) {
                    return;
                }
                let ticket = stored.map_or(u64::MAX, |stored| stored.ticket);
                match to {
                    // To oneself: delivered aside (not an answer), as
                    // PRIVMSG is.
                    Audience::Client(id) if id == sender => {
                        self.deliver_aside_to(id, |client| fanout.lines_for(client));
                    }
                    Audience::Client(id) => self.deliver_to(id, |client| fanout.lines_for(client)),
                    Audience::Channel(key) => {
                        self.deliver_to_members(&key, ticket, Rank::Member, |client, _| {
                            if client.id == sender {
                                Vec::new()
                            } else {
                                fanout.lines_for(client)
                            }
                        });
                    }
                }
                // The echo answers a labeled batch (its first line gets
                // the label).
                if echo {
                    self.deliver_to(sender, |client| fanout.lines_for(client));
                }
            }
            Effect::Redaction {
                channel,
                parties,
                mut fanout,
                redactor,
                target,
                msgid,
                sent,
            } => {
                if refused(self, stored, redactor, "REDACT", &[&target, &msgid]) {
                    self.recent_mut().remember(msgid, sent);
                    return;
                }
                let mut line_for = |client: &Client| {
                    if client.caps.has(Cap::MessageRedaction) {
                        fanout.bytes_for(client)
                    } else {
                        None
                    }
                };
                match &channel {
                    Some(key) => {
                        self.deliver_to_members(key, u64::MAX, Rank::Member, |c, _| line_for(c));
                    }
                    None => {
                        for id in &parties {
                            self.deliver_to(*id, &mut line_for);
                        }
                    }
                }
            }
            Effect::Answer(token) => self.finish_response(token),
        }
    }
}
