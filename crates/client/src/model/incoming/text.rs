//! What people say: PRIVMSG and NOTICE (actions included, other CTCP
//! not shown), and REDACT, which takes a message back.

use super::Incoming;

/// The `account` tag: who the sender is logged in as (`*`: nobody).
pub(super) fn account_tag(message: &Message) -> Option<String> {
    let account = message.tag("account")??;
    (!account.is_empty() && account != "*").then(|| account.to_owned())
}
use crate::model::*;

impl Model {
    // PRIVMSG/NOTICE <target> :<text>
    pub(super) fn on_text(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            is_me,
        } = incoming;
        let target = message.param(0).unwrap_or("");
        let text = message.param(1).unwrap_or("");
        let notice = message.command == "NOTICE";
        // Server notices (no nick source, or before registration).
        if message.source.as_deref().is_none_or(|s| !s.contains('!'))
            && !self.isupport.is_channel(target)
        {
            let sender = (!nick.is_empty()).then_some(nick);
            let line = self.line(time, sender, text.to_owned(), LineKind::Notice);
            self.push(0, line);
            return;
        }
        // A channel message goes to the channel; a private one to the
        // conversation with the other party (us echoed: the target).
        let (buffer_name, kind) = match (self.isupport.is_channel(target), is_me) {
            (true, _) => (target, BufferKind::Channel),
            (false, true) => (target, BufferKind::Query),
            (false, false) => (nick, BufferKind::Query),
        };
        let Some(index) = self.conversation(buffer_name, kind) else {
            return;
        };
        let (kind, text) = match text.strip_prefix('\u{1}') {
            Some(ctcp) => {
                let ctcp = ctcp.strip_suffix('\u{1}').unwrap_or(ctcp);
                match ctcp.strip_prefix("ACTION ") {
                    Some(action) => (LineKind::Action, action.to_owned()),
                    None => return, // other CTCP: not shown
                }
            }
            None if notice => (LineKind::Notice, text.to_owned()),
            None => (LineKind::Message, text.to_owned()),
        };
        let mut line = self.line(time, Some(nick), text, kind);
        line.msgid = message.tag("msgid").flatten().map(str::to_owned);
        line.account = account_tag(message);
        // The tag is also what the member list's badge goes by (live
        // lines only: history tells who someone was then).
        if let Some(account) = line
            .account
            .clone()
            .filter(|_| self.playback.collecting.is_none())
        {
            self.buffers[index]
                .members
                .touch(nick, |m| m.account = Some(account));
        }
        self.push(index, line);
    }

    /// A message taken back (draft/message-redaction): its line says so
    /// instead of what it said.
    pub(super) fn on_redact(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            nick,
            is_me,
            ..
        } = incoming;
        let (Some(target), Some(msgid)) = (message.param(0), message.param(1)) else {
            return;
        };
        let buffer_name = if self.isupport.is_channel(target) || is_me {
            target
        } else {
            nick
        };
        let Some(index) = self.buffer_index(buffer_name) else {
            return;
        };
        let reason = message
            .param(2)
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let text = format!("(message deleted by {nick}{reason})");
        self.edit_lines(index, |buffer| buffer.rewrite(msgid, &text, LineKind::Info));
    }
}
