//! PRIVMSG <target>{,<target>} <text>
//! NOTICE <target>{,<target>} <text>
//! TAGMSG <target>{,<target>}        (IRCv3 message-tags)
//!
//! NOTICE never causes an automatic error reply, as RFC 2812 requires.

use std::time::Instant;

use ciao_proto::names::looks_like_channel;
use ciao_proto::{CaseKey, Message, Numeric, Tag};

use super::{CommandError, CommandResult, Ctx};
use crate::caps::Cap;
use crate::client::Protocol;
use crate::clock;
use crate::fanout::Fanout;
use crate::history::{self, Event};
use crate::state::State;

/// Most targets in one command (`TARGMAX`).
const MAX_TARGETS: usize = 4;

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let verb = message.command.as_str();
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
    // Only client-only tags (`+name`) travel from client to client.
    let client_tags: Vec<Tag> = message
        .tags
        .iter()
        .filter(|t| t.key.starts_with('+'))
        .cloned()
        .collect();
    if let Some(client) = ctx.state.clients.get_mut(&ctx.id) {
        client.last_spoke = Instant::now();
    }
    for target in targets
        .split(',')
        .filter(|t| !t.is_empty())
        .take(MAX_TARGETS)
    {
        let delivery = Delivery {
            verb,
            target,
            text,
            client_tags: client_tags.clone(),
        };
        let result = if looks_like_channel(target) {
            to_channel(ctx, delivery)
        } else {
            to_user(ctx, delivery)
        };
        if let Err(error) = result
            && !is_notice
        {
            if let CommandError::Numeric(numeric, params) = error {
                ctx.reply(numeric, params);
            }
        }
    }
    Ok(())
}

struct Delivery<'a> {
    verb: &'a str,
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

/// Gives a message its msgid and time, and returns its history row (none
/// for TAGMSG: tags are not history) and its fan-out, both carrying them.
fn stamp(
    state: &mut State,
    delivery: Delivery<'_>,
    message: Message,
    plain: Option<String>,
    conversation: String,
) -> (Vec<Event>, Fanout) {
    let msgid = state.next_msgid();
    let time = clock::now_millis();
    let events = if delivery.verb == "TAGMSG" {
        Vec::new()
    } else {
        vec![Event {
            msgid: msgid.clone(),
            time,
            target: conversation,
            line: message.to_string(),
        }]
    };
    let fanout = Fanout::new(message, plain)
        .with_client_tags(delivery.client_tags)
        .with_msgid(msgid)
        .at(time);
    (events, fanout)
}

/// How a plain client reads a message from `nick`; `None` for what it
/// cannot show (tag-only messages and CTCP other than ACTION).
pub fn plain_text(verb: &str, nick: &str, text: &str, private: bool) -> Option<String> {
    if verb == "TAGMSG" {
        return None;
    }
    if let Some(ctcp) = text.strip_prefix('\u{1}') {
        let ctcp = ctcp.strip_suffix('\u{1}').unwrap_or(ctcp);
        let action = ctcp.strip_prefix("ACTION ")?;
        return Some(format!("* {nick} {action}"));
    }
    Some(match (verb, private) {
        ("NOTICE", _) => format!("-{nick}- {text}"),
        (_, true) => format!("*{nick}* {text}"),
        _ => format!("{nick}: {text}"),
    })
}

fn to_channel(ctx: &mut Ctx<'_>, delivery: Delivery<'_>) -> CommandResult {
    let key = CaseKey::new(delivery.target);
    let Some(channel) = ctx.state.channels.get(&key) else {
        return Err(CommandError::numeric(
            Numeric::NoSuchChannel,
            [delivery.target, "No such channel"],
        ));
    };
    if !channel.can_speak(ctx.id) {
        return Err(CommandError::numeric(
            Numeric::CannotSendToChan,
            [channel.name.as_str(), "Cannot send to channel"],
        ));
    }
    let Some(sender) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    // The seed echoes every message to its sender; IRC clients get their
    // own message back only with echo-message.
    let echo = match sender.protocol {
        Protocol::Plain => true,
        Protocol::Irc => sender.caps.has(Cap::EchoMessage),
    };
    let plain = plain_text(delivery.verb, &sender.nick, delivery.text, false);
    let message = delivery.message(sender.mask.clone(), &channel.name);
    let conversation = history::conversation(&channel.name, None);
    let (events, mut fanout) = stamp(ctx.state, delivery, message, plain, conversation);
    let skip = (!echo).then_some(ctx.id);
    ctx.state.publish(events, move |state, stored| {
        state.fanout_channel_released(&key, &mut fanout, skip, stored);
    });
    Ok(())
}

fn to_user(ctx: &mut Ctx<'_>, delivery: Delivery<'_>) -> CommandResult {
    let Some(recipient) = ctx
        .state
        .find_nick(delivery.target)
        .filter(|c| c.registered)
    else {
        return Err(CommandError::numeric(
            Numeric::NoSuchNick,
            [delivery.target, "No such nick/channel"],
        ));
    };
    let recipient_id = recipient.id;
    let away = recipient.away.clone();
    let recipient_nick = recipient.nick.clone();
    let Some(sender) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    let plain = plain_text(delivery.verb, &sender.nick, delivery.text, true);
    let echo = sender.protocol == Protocol::Irc && sender.caps.has(Cap::EchoMessage);
    let message = delivery.message(sender.mask.clone(), &recipient_nick);
    let conversation = history::conversation(&sender.nick, Some(&recipient_nick));
    let verb = delivery.verb;
    let (events, mut fanout) = stamp(ctx.state, delivery, message, plain, conversation);
    let sender_id = ctx.id;
    ctx.state.publish(events, move |state, _| {
        if let Some(line) = state.client(recipient_id).and_then(|c| fanout.bytes_for(c)) {
            state.send_bytes(recipient_id, line);
        }
        if echo
            && recipient_id != sender_id
            && let Some(line) = state.client(sender_id).and_then(|c| fanout.bytes_for(c))
        {
            state.send_bytes(sender_id, line);
        }
    });
    if verb == "PRIVMSG"
        && let Some(away) = away
    {
        ctx.reply(Numeric::Away, [recipient_nick, away]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn plain_rendering() {
        assert_eq!(
            plain_text("PRIVMSG", "a", "hi", false).as_deref(),
            Some("a: hi")
        );
        assert_eq!(
            plain_text("PRIVMSG", "a", "hi", true).as_deref(),
            Some("*a* hi")
        );
        assert_eq!(
            plain_text("NOTICE", "a", "hi", false).as_deref(),
            Some("-a- hi")
        );
        assert_eq!(
            plain_text("PRIVMSG", "a", "\u{1}ACTION waves\u{1}", false).as_deref(),
            Some("* a waves")
        );
        assert_eq!(plain_text("PRIVMSG", "a", "\u{1}VERSION\u{1}", false), None);
        assert_eq!(plain_text("TAGMSG", "a", "", false), None);
    }
}
