//! Who is in a channel, and under which nick: JOIN, PART, QUIT, NICK,
//! KICK, and AWAY (away-notify) for how they are.

use ciao_proto::irc_eq;

use super::Incoming;
use crate::model::*;

impl Model {
    // JOIN <channel> [<account> :<realname>]
    pub(super) fn on_join(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            is_me,
        } = incoming;
        let Some(channel) = message.param(0).filter(|c| self.isupport.is_channel(c)) else {
            return;
        };
        let index = if is_me {
            let Some(index) = self.conversation(channel, BufferKind::Channel) else {
                return;
            };
            if self.buffers[index].kind == BufferKind::Channel {
                // What we knew of the channel may be stale (we were away,
                // the server restarted): it is rebuilt from what the
                // server says now (NAMES, TOPIC).
                let buffer = &mut self.buffers[index];
                buffer.joined = true;
                buffer.members.clear();
                buffer.pending_names = None;
                buffer.topic = None;
                self.who_after_join(channel);
                // The first channel opens in front of the server buffer,
                // and a channel the user just asked for comes to front.
                let asked = self
                    .focus_on_join
                    .as_deref()
                    .is_some_and(|c| irc_eq(c, channel));
                if self.active == 0 || asked {
                    self.focus_on_join = None;
                    self.set_active(index);
                }
            }
            index
        } else {
            // Someone joining a channel we are not in is none of ours.
            let Some(index) = self.channel_index(Some(channel)) else {
                return;
            };
            // extended-join's account field, else the account tag.
            let account = message
                .param(1)
                .filter(|a| message.params.len() >= 3 && !a.is_empty() && *a != "*")
                .map(str::to_owned)
                .or_else(|| super::text::account_tag(message));
            let buffer = &mut self.buffers[index];
            if buffer.member(nick).is_none() && !nick.is_empty() {
                let member = Member {
                    account,
                    ..Member::new(nick)
                };
                buffer.add_member(member, time);
            }
            index
        };
        let text = format!("{nick} joined {channel}");
        let line = self.line(time, None, text, LineKind::Join);
        self.push(index, line);
    }

    // PART <channel> [:<reason>]
    pub(super) fn on_part(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            is_me,
        } = incoming;
        let Some(index) = self.channel_index(message.param(0)) else {
            return;
        };
        let reason = message
            .param(1)
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let buffer = &mut self.buffers[index];
        if is_me {
            buffer.joined = false;
            buffer.members.clear();
        } else {
            buffer.members.remove(nick);
        }
        let text = format!("{nick} left {}{reason}", buffer.name);
        let line = self.line(time, None, text, LineKind::Part);
        self.push(index, line);
    }

    // QUIT [:<reason>] — shown in every channel the nick was in and in the
    // conversation with them: one lookup per buffer.
    pub(super) fn on_quit(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            ..
        } = incoming;
        if nick.is_empty() {
            return;
        }
        let reason = message
            .param(0)
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let text = format!("{nick} quit{reason}");
        for index in 0..self.buffers.len() {
            let buffer = &mut self.buffers[index];
            let here = buffer.members.remove(nick).is_some()
                || (buffer.kind == BufferKind::Query && irc_eq(&buffer.name, nick));
            if here {
                let line = self.line(time, None, text.clone(), LineKind::Quit);
                self.push(index, line);
            }
        }
    }

    // NICK <new>
    pub(super) fn on_nick(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            is_me,
        } = incoming;
        let Some(new) = message
            .param(0)
            .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))
        else {
            return;
        };
        if nick.is_empty() {
            return;
        }
        if is_me {
            self.own_nick = new.to_owned();
        }
        let text = format!("{nick} is now known as {new}");
        for index in 0..self.buffers.len() {
            let buffer = &mut self.buffers[index];
            let mut here = is_me && buffer.kind == BufferKind::Channel && buffer.joined;
            here |= buffer.members.update(nick, |m| m.nick = new.to_owned());
            if buffer.kind == BufferKind::Query && irc_eq(&buffer.name, nick) {
                // Unless a conversation with the new nick is open already.
                self.rename_buffer(index, new);
                here = true;
            }
            if here {
                let line = self.line(time, None, text.clone(), LineKind::Nick);
                self.push(index, line);
            }
        }
    }

    // KICK <channel> <nick> [:<reason>]
    pub(super) fn on_kick(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            ..
        } = incoming;
        let (Some(index), Some(victim)) = (self.channel_index(message.param(0)), message.param(1))
        else {
            return;
        };
        let buffer = &mut self.buffers[index];
        if irc_eq(victim, &self.own_nick) {
            buffer.joined = false;
            buffer.members.clear();
        } else {
            buffer.members.remove(victim);
        }
        let reason = message
            .param(2)
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let text = format!("{victim} was kicked by {nick}{reason}");
        let line = self.line(time, None, text, LineKind::Kick);
        self.push(index, line);
    }

    // AWAY [:<message>] (away-notify): the member is away with that
    // message, or back without one.
    pub(super) fn on_away(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            nick,
            is_me,
            ..
        } = incoming;
        let away = message.param(0);
        if is_me {
            self.away = away.is_some();
        }
        self.set_away(nick, away);
    }

    /// Marks `nick` away (with its message) or back in every channel.
    pub(crate) fn set_away(&mut self, nick: &str, away: Option<&str>) {
        if nick.is_empty() {
            return;
        }
        for buffer in &mut self.buffers {
            buffer
                .members
                .update(nick, |m| m.away = away.map(str::to_owned));
        }
    }
}
