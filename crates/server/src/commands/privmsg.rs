//! PRIVMSG <target>{,<target>} <text>
//! NOTICE <target>{,<target>} <text>
//! TAGMSG <target>{,<target>}        (IRCv3 message-tags)
//!
//! NOTICE never causes an automatic error reply, as RFC 2812 requires.
//! A channel target may carry a STATUSMSG prefix (`@#chan`): the message
//! then reaches only members of that rank or above, and is not stored.

use std::time::Instant;

use ciao_proto::names::looks_like_channel;
use ciao_proto::{CaseKey, Message, Numeric, Tag};

use super::context::{CommandError, CommandResult, Ctx};
use super::limits::MAX_TARGETS;
use super::services;
use crate::caps::Cap;
use crate::clock;
use crate::history::{self, Event};
use crate::state::State;
use crate::state::channel::Rank;
use crate::state::client::{ClientId, Protocol};
use crate::state::effect::Effect;
use crate::state::fanout::{Fanout, plain_text};
use crate::state::recent::Sent;
use crate::state::refusal::RefusedAs;

/// `STATUSMSG`: `@#chan` reaches the channel's operators, `%#chan` its
/// half-operators and above, `+#chan` its voiced members and above.
const STATUS_PREFIXES: [char; 3] = ['@', '%', '+'];

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    // The table sends only these three here; named once, for the
    // refusal a failed commit may send (see `state::refusal`).
    let verb = match message.command.as_str() {
        "NOTICE" => "NOTICE",
        "TAGMSG" => "TAGMSG",
        _ => "PRIVMSG",
    };
    let is_notice = verb == "NOTICE";
    let needs_text = verb != "TAGMSG";
    let Some(targets) = message.param(0).filter(|t| !t.is_empty()) else {
        if is_notice {
            return Ok(());
        }
        return Err(CommandError::numeric(
            Numeric::NoRecipient,
            [format!("No recipient given ({verb})")],
        ));
    };
    let text = message.param(1).unwrap_or("");
    if needs_text && text.is_empty() {
        if is_notice {
            return Ok(());
        }
        return Err(CommandError::numeric(
            Numeric::NoTextToSend,
            ["No text to send"],
        ));
    }
    let client_tags = client_tags(message);
    if let Some(client) = ctx.state.client_mut(ctx.id) {
        client.last_spoke = Instant::now();
    }
    for target in targets
        .split(',')
        .filter(|t| !t.is_empty())
        .take(MAX_TARGETS)
    {
        if verb == "PRIVMSG" && relayed_too_long(ctx, target, text) {
            ctx.refuse(CommandError::numeric(
                Numeric::InputTooLong,
                ["Input line was too long"],
            ));
            continue;
        }
        let delivery = Delivery {
            verb,
            target,
            text,
            client_tags: client_tags.clone(),
        };
        let result = if looks_like_channel(target.trim_start_matches(STATUS_PREFIXES)) {
            to_channel(ctx, delivery)
        } else {
            to_user(ctx, delivery)
        };
        // A refused target does not stop the others.
        if let Err(error) = result
            && !is_notice
        {
            ctx.refuse(error);
        }
    }
    Ok(())
}

/// IRC's lines are at most 512 bytes with CRLF (RFC 1459 §2.3), the ones
/// recipients get included, which carry the sender's source in front: a
/// message that would reach them longer is refused with 417 rather than
/// cut, so nothing is lost without its sender knowing (clients, ciao's app
/// among them, split long text with their source counted). NOTICE gets no
/// error reply (RFC 2812) and is relayed as it came.
fn relayed_too_long(ctx: &Ctx<'_>, target: &str, text: &str) -> bool {
    let source = ctx.state.client(ctx.id).map_or(0, |c| c.mask().len());
    // ":" source " PRIVMSG " target " :" text
    1 + source + " PRIVMSG ".len() + target.len() + " :".len() + text.len() > MAX_LINE_BODY
}

/// A line without its CRLF.
const MAX_LINE_BODY: usize = 510;

/// The tags that travel from client to client: client-only ones (`+name`).
pub(super) fn client_tags(message: &Message) -> Vec<Tag> {
    message
        .tags
        .iter()
        .filter(|t| t.key.starts_with('+'))
        .cloned()
        .collect()
}

struct Delivery<'a> {
    verb: &'static str,
    target: &'a str,
    text: &'a str,
    client_tags: Vec<Tag>,
}

impl Delivery<'_> {
    fn message(&self, source: String, target: &str) -> Message {
        let mut params = vec![target.to_owned()];
        if self.verb != "TAGMSG" {
            params.push(self.text.to_owned());
        }
        Message::new(self.verb, params).with_source(source)
    }
}

/// Where a message goes, for its history row and for REDACT.
struct Place {
    conversation: String,
    /// Stored and redactable: not a status message (which is not the
    /// channel's, and whose REDACT would go to all of it).
    store: bool,
    /// The other party of a private message, as it was then.
    recipient: Option<ClientId>,
}

/// Gives a message its msgid and time, and returns its history row (none
/// for TAGMSG, since tags are not history, nor for a status message) and
/// its fan-out, both carrying them.
fn stamp(
    state: &mut State,
    sender_id: ClientId,
    delivery: Delivery<'_>,
    message: Message,
    plain: Option<String>,
    place: Place,
) -> (Vec<Event>, Fanout) {
    let msgid = state.next_msgid();
    let time = clock::now_millis();
    let bot = state.client(sender_id).is_some_and(|c| c.bot);
    let account = state
        .client(sender_id)
        .and_then(|c| c.account().map(str::to_owned));
    if place.store
        && let Some(sender) = state.client(sender_id)
    {
        let sent = Sent::new(
            place.conversation.clone(),
            sender.mask().to_owned(),
            sender_id,
            place.recipient,
        );
        state.recent_mut().remember(msgid.clone(), sent);
    }
    // With history off nothing is stored: no row to format.
    let events = if delivery.verb == "TAGMSG" || !place.store || !state.history_on() {
        Vec::new()
    } else {
        vec![Event {
            msgid: msgid.clone(),
            time,
            target: place.conversation,
            line: message.to_string(),
            account: account.clone(),
        }]
    };
    let fanout = Fanout::new(message, plain)
        .with_client_tags(delivery.client_tags)
        .with_msgid(msgid)
        .with_bot_tag(bot)
        .with_account(account)
        .at(time);
    (events, fanout)
}

fn to_channel(ctx: &mut Ctx<'_>, delivery: Delivery<'_>) -> CommandResult {
    let name = delivery.target.trim_start_matches(STATUS_PREFIXES);
    // The lowest prefix given decides who is reached (`@+#c` is `+#c`).
    let min_rank = delivery.target[..delivery.target.len() - name.len()]
        .chars()
        .filter_map(Rank::from_prefix)
        .min()
        .unwrap_or(Rank::Member);
    let key = CaseKey::new(name);
    ctx.may_speak(name, [delivery.text])?;
    let (Some(channel), Some(sender)) = (ctx.state.channels().get(&key), ctx.state.client(ctx.id))
    else {
        return Ok(());
    };
    // The seed echoes every message to its sender; IRC clients get their
    // own message back only with echo-message.
    let echo = match sender.protocol {
        Protocol::Plain => true,
        Protocol::Irc => sender.caps.has(Cap::EchoMessage),
    };
    let status_only = min_rank > Rank::Member;
    let shown_target = if status_only {
        format!(
            "{}{}",
            &delivery.target[..delivery.target.len() - name.len()],
            channel.name
        )
    } else {
        channel.name.clone()
    };
    let plain = plain_text(delivery.verb, sender.nick(), delivery.text, false).map(|text| {
        if status_only {
            format!("[{shown_target}] {text}")
        } else {
            text
        }
    });
    let message = delivery.message(sender.mask().to_owned(), &shown_target);
    // A status message is not the channel's history: replaying it would
    // show it to everyone.
    let place = Place {
        conversation: history::conversation(&channel.name, None),
        store: !status_only,
        recipient: None,
    };
    let refused_as = RefusedAs {
        command: delivery.verb,
        target: delivery.target.to_owned(),
    };
    let (events, fanout) = stamp(ctx.state, ctx.id, delivery, message, plain, place);
    let effect = Effect::Channel {
        channel: key,
        fanout,
        sender: ctx.id,
        echo,
        min_rank,
        refused_as,
    };
    ctx.state.publish(events, effect);
    Ok(())
}

fn to_user(ctx: &mut Ctx<'_>, delivery: Delivery<'_>) -> CommandResult {
    // Said to a service: answered by it, never stored nor relayed.
    if services::said_to_service(ctx, delivery.verb, delivery.target, delivery.text) {
        return Ok(());
    }
    let recipient = ctx.nick_target(delivery.target)?;
    let recipient_id = recipient.id;
    let away = recipient.away.clone();
    let recipient_nick = recipient.nick().to_owned();
    // Keyed by the parties' accounts or nicks (`state::parties`).
    let Some(conversation) = ctx.state.private_conversation(ctx.id, &recipient_nick) else {
        return Ok(());
    };
    let Some(sender) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    let plain = plain_text(delivery.verb, sender.nick(), delivery.text, true);
    let echo = sender.protocol == Protocol::Irc && sender.caps.has(Cap::EchoMessage);
    let message = delivery.message(sender.mask().to_owned(), &recipient_nick);
    let place = Place {
        conversation,
        store: true,
        recipient: Some(recipient_id),
    };
    let verb = delivery.verb;
    let refused_as = RefusedAs {
        command: verb,
        target: delivery.target.to_owned(),
    };
    let sender_id = ctx.id;
    let (events, fanout) = stamp(ctx.state, sender_id, delivery, message, plain, place);
    let effect = Effect::Private {
        recipient: recipient_id,
        fanout,
        sender: sender_id,
        echo,
        refused_as,
    };
    ctx.state.publish(events, effect);
    if verb == "PRIVMSG"
        && let Some(away) = away
    {
        ctx.reply(Numeric::Away, [recipient_nick, away.into()]);
    }
    Ok(())
}
