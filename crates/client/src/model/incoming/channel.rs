//! What changes a channel: TOPIC and MODE.

use ciao_proto::irc_eq;

use super::Incoming;
use crate::model::*;

impl Model {
    // TOPIC <channel> :<topic>
    pub(super) fn on_topic(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            ..
        } = incoming;
        let Some(index) = self.channel_index(message.param(0)) else {
            return;
        };
        let topic = message.param(1).unwrap_or("");
        self.buffers[index].topic = (!topic.is_empty()).then(|| topic.to_owned());
        let text = format!("{nick} set the topic: {topic}");
        let line = self.line(time, None, text, LineKind::Topic);
        self.push(index, line);
    }

    // MODE <target> <modes> [<args>…]
    pub(super) fn on_mode(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            time,
            nick,
            ..
        } = incoming;
        let target = message.param(0).unwrap_or("");
        let changes = message.params.get(1..).unwrap_or_default().join(" ");
        let Some(index) = self.channel_index(Some(target)) else {
            // Our own user modes go to the server buffer.
            if !target.is_empty() && irc_eq(target, &self.own_nick) {
                let text = format!("{nick} sets mode {changes} on you");
                let line = self.line(time, None, text, LineKind::Mode);
                self.push(0, line);
            }
            return;
        };
        let modes = message.param(1).unwrap_or("");
        let mut args = message.params.iter().skip(2);
        let mut adding = true;
        for c in modes.chars() {
            if matches!(c, '+' | '-') {
                adding = c == '+';
                continue;
            }
            if !self.isupport.mode_takes_argument(c, adding) {
                continue;
            }
            let Some(argument) = args.next() else {
                continue;
            };
            if let Some(symbol) = self.isupport.status_symbol(c) {
                self.buffers[index]
                    .members
                    .update(argument, |m| m.set_status(symbol, adding));
            }
        }
        let text = format!("{nick} sets mode {changes}");
        let line = self.line(time, None, text, LineKind::Mode);
        self.push(index, line);
    }
}
