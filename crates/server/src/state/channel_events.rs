//! A member's own channel events (a topic, a kick): sent to the members
//! and stored in the channel's history as one event, with the same
//! `msgid` and time. A client with `draft/event-playback` is shown the
//! event live with a msgid, and CHATHISTORY must find it by that msgid
//! and give it back with it (the spec's msgid is the message's identity,
//! live or replayed).

use ciao_proto::{CaseKey, Message};

use crate::history::{Event, conversation};
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::fanout::Fanout;

impl State {
    /// Sends `message`, made by client `id` in channel `key`, to its
    /// members (plain clients see `plain`, if any), tagged with a msgid,
    /// its time and `id`'s account (`account-tag`), and stores it so.
    pub(crate) fn publish_channel_event(
        &mut self,
        id: ClientId,
        key: &CaseKey,
        message: Message,
        plain: Option<String>,
    ) {
        let account = self
            .client(id)
            .and_then(|client| client.account().map(str::to_owned));
        let msgid = self.next_msgid();
        let time = crate::clock::now_millis();
        let line = message.to_string();
        let mut fanout = Fanout::new(message, plain)
            .at(time)
            .with_msgid(msgid.clone())
            .with_account(account.clone());
        self.fanout_channel(key, &mut fanout, None);
        self.store_event(Event {
            msgid,
            time,
            target: conversation(key.as_str(), None),
            line,
            account,
        });
    }
}
