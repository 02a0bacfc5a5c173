//! Stored lines, shown to a client as well as it can show them.
//!
//! - IRC clients with `batch`: the original lines inside a `chathistory`
//!   batch, with their original `time` (server-time), `msgid`
//!   (message-tags) and the sender's `account` (account-tag), if it was
//!   logged in.
//! - Other IRC clients: `NOTICE`s from the server, `[HH:MM] <nick> text`,
//!   so old lines never pass for new ones.
//! - Plain clients: `[HH:MM] nick: text`, as they see live lines.
//!
//! Times are UTC: the server keeps no time zone database.

use ciao_proto::{Message, Tag};

use crate::caps::Cap;
use crate::history::Event;
use crate::state::State;
use crate::state::client::{ClientId, Protocol};
use crate::state::fanout::plain_text;

/// Sends `events` (oldest first) to `id`. `target` names the
/// conversation as the client knows it: the channel, or the other nick.
/// An answer to CHATHISTORY is a batch even when empty; a join's replay
/// sends nothing when there is nothing.
pub(crate) fn send(state: &mut State, id: ClientId, target: &str, events: &[Event], answer: bool) {
    if events.is_empty() && !answer {
        return;
    }
    let Some(client) = state.client(id) else {
        return;
    };
    let (protocol, caps) = (client.protocol, client.caps);
    if protocol == Protocol::Irc && caps.has(Cap::Batch) {
        let reference = state.next_batch_ref();
        let server = state.config().server_name.clone();
        let start = Message::new(
            "BATCH",
            [
                format!("+{reference}"),
                "chathistory".into(),
                target.to_owned(),
            ],
        )
        .with_source(server.clone());
        state.send(id, &start);
        for event in events {
            if let Some(mut message) = stored_message(event) {
                message.tags.insert(
                    0,
                    Tag {
                        key: "batch".into(),
                        value: Some(reference.clone()),
                    },
                );
                if caps.has(Cap::ServerTime) {
                    message.tags.push(Tag {
                        key: "time".into(),
                        value: Some(crate::clock::iso8601(event.time)),
                    });
                }
                if caps.has(Cap::MessageTags) {
                    message.tags.push(Tag {
                        key: "msgid".into(),
                        value: Some(event.msgid.clone()),
                    });
                }
                // The account its sender was logged in to, as live
                // delivery tags it (`account-tag`).
                if caps.has(Cap::AccountTag)
                    && let Some(account) = &event.account
                {
                    message.tags.push(Tag {
                        key: "account".into(),
                        value: Some(account.clone()),
                    });
                }
                state.send(id, &message);
            }
        }
        state.send(
            id,
            &Message::new("BATCH", [format!("-{reference}")]).with_source(server),
        );
        return;
    }
    for event in events {
        let Some(message) = stored_message(event) else {
            continue;
        };
        let Some(text) = readable_text(&message) else {
            continue;
        };
        let line = format!("[{}] {text}", hh_mm(event.time));
        match protocol {
            Protocol::Plain => state.send_plain(id, &line),
            Protocol::Irc => {
                let notice = state.server_message("NOTICE", [target, line.as_str()]);
                state.send(id, &notice);
            }
        }
    }
}

/// The stored IRC message, if it still parses (it always should).
fn stored_message(event: &Event) -> Option<Message> {
    event.line.parse::<Message>().ok()
}

/// `nick: text`, `* nick action` or `-nick- text`, as plain clients read
/// live lines.
fn readable_text(message: &Message) -> Option<String> {
    let nick = message.source.as_deref()?.split('!').next()?;
    let text = message.param(1)?;
    plain_text(&message.command, nick, text, false)
}

/// `HH:MM` (UTC) of a Unix time in milliseconds.
pub(crate) fn hh_mm(millis: u64) -> String {
    let secs = millis / 1000 % 86_400;
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(hh_mm(1_795_100_645_123), "15:04");
        let message: Message = ":ann!~a@h PRIVMSG #c :\u{1}ACTION waves\u{1}"
            .parse()
            .expect("parse");
        assert_eq!(readable_text(&message).as_deref(), Some("* ann waves"));
        let message: Message = ":ann!~a@h PRIVMSG #c :hi".parse().expect("parse");
        assert_eq!(readable_text(&message).as_deref(), Some("ann: hi"));
    }
}
