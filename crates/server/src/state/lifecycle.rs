//! A client's coming and going as every owner sees it: registration,
//! quit, disconnection, and the server's shutdown.

use bytes::Bytes;
use ciao_proto::{CaseKey, Message};

use crate::link::outbox::CloseReason;
use crate::state::State;
use crate::state::client::{ClientId, Protocol};
use crate::state::fanout::{Fanout, plain_line};

impl State {
    /// Records that `id` registered: for the LUSERS peak and for those
    /// monitoring its nick.
    pub(crate) fn note_registration(&mut self, id: ClientId) {
        self.registry.note_registration(id);
        self.tell_watchers_online(id);
    }

    /// Tells everyone who shares a channel that `id` left, and forgets it.
    /// Safe to call twice.
    pub(crate) fn quit(&mut self, id: ClientId, reason: &str) {
        let Some(client) = self.registry.get(id) else {
            return;
        };
        if client.registered {
            let nick = client.nick.clone();
            let quit = Message::new("QUIT", [reason]).with_source(client.mask.clone());
            let channels: Vec<CaseKey> = client.channels.clone();
            let mut fanout = Fanout::new(quit.clone(), Some(self.config.lang.left(&nick)));
            self.tell_watchers_offline(&nick);
            self.fanout_neighbours(id, &mut fanout, false, None);
            self.record_presence(id, channels.iter().map(CaseKey::as_str), &quit);
        }
        let Some(client) = self.registry.forget(id) else {
            return;
        };
        self.monitors.clear(id);
        self.batches.close(id);
        self.continuations.forget(id);
        self.checks.forget(id);
        self.accounts.forget_client(id);
        self.channels.forget(id, &client.channels);
        client
            .outbox
            .close(CloseReason::Closed(reason.to_owned()), &[]);
    }

    /// Closes a client's link with `ERROR :reason` (IRC) or a text line
    /// (plain) and removes it, telling others `quit_reason`.
    pub(crate) fn disconnect(&mut self, id: ClientId, error: &str, quit_reason: &str) {
        let Some(client) = self.registry.get(id) else {
            return;
        };
        let last = match client.protocol {
            Protocol::Irc => Message::new("ERROR", [error]).to_bytes(),
            Protocol::Plain => plain_line(error),
        };
        client
            .outbox
            .close(CloseReason::Closed(quit_reason.to_owned()), &[last]);
        self.quit(id, quit_reason);
    }

    /// Tells every client the server is going away and closes every
    /// outbox. Plain clients get a text line, then the seed's `{quit}`
    /// sentinel on its own so `Client.py` recognises it.
    pub(crate) fn shutdown(&mut self) {
        let lang = self.config.lang;
        let irc =
            Message::new("ERROR", [format!("Closing link: {}", lang.shutting_down())]).to_bytes();
        let plain = [
            plain_line(lang.shutting_down()),
            Bytes::from_static(b"{quit}"),
        ];
        for client in self.registry.iter() {
            let last: &[Bytes] = match client.protocol {
                Protocol::Irc => std::slice::from_ref(&irc),
                Protocol::Plain => &plain,
            };
            client
                .outbox
                .close(CloseReason::Closed("Server shutting down".to_owned()), last);
        }
        self.registry.clear();
        self.channels.clear();
    }
}
