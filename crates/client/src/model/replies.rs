//! Numeric replies applied to the model: what they change (own nick,
//! away, topic, members), then the sentence `numerics.rs` makes of them,
//! shown where it belongs.

use ciao_proto::{Message, Numeric};

use super::numerics::{Place, Reply, describe};
use super::*;
use crate::numeric::numeric;

impl Model {
    pub(super) fn apply_numeric(&mut self, message: &Message, time: i64) {
        let arg = |i: usize| message.param(i);
        match numeric(&message.command) {
            Some(Numeric::Welcome) => {
                if let Some(nick) = arg(0).filter(|n| !n.is_empty()) {
                    self.own_nick = nick.to_owned();
                }
                self.link = LinkState::Registered;
            }
            Some(Numeric::Away) => {
                if let Some(nick) = arg(1) {
                    let text = message.params.get(2..).and_then(<[String]>::last);
                    self.set_away(nick, Some(text.map_or("", String::as_str)));
                }
            }
            Some(Numeric::UnAway) => self.away = false,
            Some(Numeric::NowAway) => self.away = true,
            Some(Numeric::EndOfWho) if self.is_quiet_who(message, arg(1)) => return,
            Some(Numeric::WhoReply) => {
                // `<channel> <user> <host> <server> <nick> <H|G>…`
                if let (Some(nick), Some(flags)) = (arg(5), arg(6)) {
                    let away = flags.starts_with('G');
                    let known = self.buffers.iter().find_map(|b| b.member(nick));
                    match (away, known.and_then(|m| m.away.clone())) {
                        (false, _) => self.set_away(nick, None),
                        // Away, with the message we know (WHO has none).
                        (true, message) => self.set_away(nick, Some(&message.unwrap_or_default())),
                    }
                }
                if self.is_quiet_who(message, arg(1)) {
                    return;
                }
            }
            Some(Numeric::NoTopic) => {
                if let Some(index) = self.channel_index(arg(1)) {
                    self.buffers[index].topic = None;
                }
            }
            Some(Numeric::Topic) => {
                let topic = arg(2).unwrap_or("");
                match self.channel_index(arg(1)) {
                    Some(index) => {
                        self.buffers[index].topic = Some(topic.to_owned());
                        let text = format!("Topic: {topic}");
                        let line = self.line(time, None, text, LineKind::Topic);
                        self.push(index, line);
                    }
                    None => {
                        let channel = arg(1).unwrap_or("");
                        let text = format!("Topic of {channel}: {topic}");
                        self.show(time, text, LineKind::Info, Place::Active);
                    }
                }
                return;
            }
            Some(Numeric::NamReply) => {
                if let Some(index) = self.channel_index(arg(2)) {
                    let names = arg(3).unwrap_or("");
                    self.buffers[index].collect_names(names);
                    return;
                }
            }
            Some(Numeric::EndOfNames) => {
                if let Some(index) = self.channel_index(arg(1)) {
                    self.buffers[index].end_names(time);
                    let buffer = &self.buffers[index];
                    let (name, members) = (buffer.name.clone(), buffer.member_count());
                    self.who_after_names(&name, members);
                }
            }
            // LIST replies (321–323) fall through to their sentences.
            _ => {}
        }
        if let Some(reply) = describe(message) {
            let Reply { text, kind, place } = reply;
            self.show(time, text, kind, place);
        }
    }

    /// Shows a system line at `place`.
    fn show(&mut self, time: i64, text: String, kind: LineKind, place: Place) {
        let index = match place {
            Place::Server => 0,
            Place::Active => self.active,
            Place::Channel(name) => self.channel_index(Some(&name)).unwrap_or(self.active),
        };
        let line = self.line(time, None, text, kind);
        self.push(index, line);
    }
}

impl Buffer {
    /// One NAMES reply (353): `@op +voiced plain`, maybe with
    /// `nick!user@host` (userhost-in-names).
    fn collect_names(&mut self, names: &str) {
        let pending = self.pending_names.get_or_insert_with(Members::default);
        for entry in names.split_whitespace() {
            let split = entry.find(|c| !matches!(c, '~' | '&' | '@' | '%' | '+'));
            let (prefix, rest) = entry.split_at(split.unwrap_or(entry.len()));
            let nick = rest.split('!').next().unwrap_or(rest);
            if nick.is_empty() {
                continue;
            }
            // Owners and admins of other servers show as operators: the
            // app knows three ranks.
            let mut symbols: Vec<char> =
                prefix.chars().map(crate::isupport::shown_symbol).collect();
            symbols.dedup();
            // Past the bound the rest are not listed; end_names says so.
            pending.insert(Member {
                prefix: symbols.into_iter().collect(),
                ..Member::new(nick)
            });
        }
    }

    /// The end of NAMES (366): the collected names are the members now.
    fn end_names(&mut self, time: i64) {
        let Some(names) = self.pending_names.take() else {
            return;
        };
        let full = names.len() >= MAX_MEMBERS_PER_CHANNEL;
        self.members = names;
        if full {
            self.note_members_overflow(time);
        }
    }
}
