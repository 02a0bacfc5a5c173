//! One event, serialised once per wire flavour and shared by every
//! recipient.
//!
//! A channel message goes out in at most five forms: plain text for seed
//! clients, and the IRC line with or without `server-time` and with or
//! without client tags. Each form is built the first time a recipient
//! needs it and then shared as `Bytes` (a reference count, not a copy).

use bytes::Bytes;
use ciao_proto::{Message, Tag};

use crate::caps::Cap;
use crate::state::client::{Client, ClientId, Protocol};

/// A plain-mode text line: CRLF-terminated, without control characters or
/// IRC formatting codes (see [`printable`](crate::printable)). Every line
/// to a plain client is built here, so nothing reaches a terminal
/// unfiltered.
pub(crate) fn plain_line(text: &str) -> Bytes {
    let mut line = String::with_capacity(text.len() + 2);
    crate::printable::push_printable(&mut line, text);
    line.push_str("\r\n");
    Bytes::from(line)
}

/// What a recipient's capabilities let it see of a message's tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TagFlavour {
    /// `server-time`: the `time` tag.
    pub(crate) time: bool,
    /// `message-tags`: `msgid`, `bot` and the client tags.
    pub(crate) tags: bool,
    /// `account-tag`: the sender's `account`.
    pub(crate) account: bool,
}

impl TagFlavour {
    pub(crate) fn of(client: &Client) -> Self {
        TagFlavour {
            time: client.caps.has(Cap::ServerTime),
            tags: client.caps.has(Cap::MessageTags),
            account: client.caps.has(Cap::AccountTag),
        }
    }
}

/// The tags of a message for a recipient of `flavour`: `time` with
/// `server-time`; `account` (the sender's, if logged in) with
/// `account-tag`; `msgid`, `bot` and the client tags with
/// `message-tags`.
pub(crate) fn message_tags(
    flavour: TagFlavour,
    time: u64,
    account: Option<&str>,
    msgid: Option<&str>,
    bot: bool,
    client_tags: &[Tag],
) -> Vec<Tag> {
    let tag = |key: &str, value: Option<String>| Tag {
        key: key.to_owned(),
        value,
    };
    let mut all = Vec::new();
    if flavour.time {
        all.push(tag("time", Some(crate::clock::iso8601(time))));
    }
    if flavour.account
        && let Some(account) = account
    {
        all.push(tag("account", Some(account.to_owned())));
    }
    if flavour.tags {
        if let Some(msgid) = msgid {
            all.push(tag("msgid", Some(msgid.to_owned())));
        }
        if bot {
            all.push(tag("bot", None));
        }
        all.extend(client_tags.iter().cloned());
    }
    all
}

#[derive(Debug)]
pub(crate) struct Fanout {
    /// The IRC form, without tags.
    message: Message,
    /// The plain-mode form, if plain clients should see this event.
    plain: Option<String>,
    /// Client-only tags (`+typing=…`), for recipients with message-tags.
    client_tags: Vec<Tag>,
    /// A plain client that should not see its own event (the seed does
    /// not show a newcomer its own join).
    plain_skip: Option<ClientId>,
    /// When the event happened (Unix milliseconds), for `server-time`.
    time: u64,
    /// IRCv3 `msgid`, for recipients with message-tags.
    msgid: Option<String>,
    /// Sent by a client in bot mode (`+B`): the `bot` tag, for recipients
    /// with message-tags.
    bot: bool,
    /// The sender's account, if it is logged in: the `account` tag, for
    /// recipients with account-tag. Taken once per event, when it is
    /// made, so the fan-out looks nothing up per recipient.
    account: Option<String>,
    /// Serialised forms: plain, then IRC by (server-time, message-tags,
    /// the account tag).
    cache: [Option<Bytes>; 9],
}

impl Fanout {
    pub(crate) fn new(message: Message, plain: Option<String>) -> Self {
        Fanout {
            message,
            plain,
            client_tags: Vec::new(),
            plain_skip: None,
            time: crate::clock::now_millis(),
            msgid: None,
            bot: false,
            account: None,
            cache: Default::default(),
        }
    }

    /// Dates the event (Unix milliseconds) instead of now: the time it
    /// is stored with.
    pub(crate) fn at(mut self, millis: u64) -> Self {
        self.time = millis;
        self
    }

    pub(crate) fn with_msgid(mut self, msgid: String) -> Self {
        self.msgid = Some(msgid);
        self
    }

    pub(crate) fn with_bot_tag(mut self, bot: bool) -> Self {
        self.bot = bot;
        self
    }

    /// The sender's account (the `account` tag), if logged in.
    pub(crate) fn with_account(mut self, account: Option<String>) -> Self {
        self.account = account;
        self
    }

    /// Tags the event with `account` unless it was given one: for the
    /// fan-outs whose source is always the client they are about.
    pub(crate) fn or_account(&mut self, account: Option<&str>) {
        if self.account.is_none() {
            self.account = account.map(str::to_owned);
        }
    }

    pub(crate) fn with_client_tags(mut self, tags: Vec<Tag>) -> Self {
        self.client_tags = tags;
        self
    }

    pub(crate) fn skip_plain(mut self, id: ClientId) -> Self {
        self.plain_skip = Some(id);
        self
    }

    /// True when this event only carries tags (TAGMSG), so recipients
    /// without message-tags must not get it at all.
    fn tags_only(&self) -> bool {
        self.message.command == "TAGMSG"
    }

    /// The bytes `client` should receive, or `None` if this event is not
    /// for it.
    pub(crate) fn bytes_for(&mut self, client: &Client) -> Option<Bytes> {
        match client.protocol {
            Protocol::Plain => {
                if self.plain_skip == Some(client.id) {
                    return None;
                }
                let text = self.plain.as_ref()?;
                Some(
                    self.cache[0]
                        .get_or_insert_with(|| plain_line(text))
                        .clone(),
                )
            }
            Protocol::Irc => {
                let mut flavour = TagFlavour::of(client);
                if self.tags_only() && !flavour.tags {
                    return None;
                }
                // Without an account to tag, account-tag makes no other form.
                flavour.account &= self.account.is_some();
                let slot = 1
                    + usize::from(flavour.time)
                    + 2 * usize::from(flavour.tags)
                    + 4 * usize::from(flavour.account);
                if self.cache[slot].is_none() {
                    let mut message = self.message.clone();
                    message.tags = message_tags(
                        flavour,
                        self.time,
                        self.account.as_deref(),
                        self.msgid.as_deref(),
                        self.bot,
                        &self.client_tags,
                    );
                    self.cache[slot] = Some(message.to_bytes());
                }
                self.cache[slot].clone()
            }
        }
    }
}

/// How a plain client reads a message from `nick`; `None` for what it
/// cannot show (tag-only messages and CTCP other than ACTION).
pub(crate) fn plain_text(verb: &str, nick: &str, text: &str, private: bool) -> Option<String> {
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
