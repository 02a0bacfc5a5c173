//! ciao-client on other networks: InspIRCd and ngIRCd (Debian's), with
//! the flood control and limits they ship with, stand in for the IRC
//! networks a user of the app joins besides ciao.

mod ircd;

use std::sync::Arc;
use std::time::Duration;

use ciao_client::connection::Handle;
use ciao_client::{Action, Control, Model, Settings, Updates, connect};
use ircd::{Ircd, Kind};

/// A client: its connection and the model built from its updates.
struct Client {
    handle: Handle,
    updates: Updates,
    model: Model,
}

/// Other servers are slower to register than ciao (InspIRCd waits for
/// its DNS timeout, fake lag paces commands).
const WAIT: Duration = Duration::from_secs(30);

impl Client {
    fn start(ircd: &Ircd, nick: &str) -> Self {
        Self::start_with(Settings::new("127.0.0.1", ircd.port, nick))
    }

    fn start_with(settings: Settings) -> Self {
        let model = Model::new(&settings.nick);
        let runtime = tokio::runtime::Handle::current();
        let (handle, updates) = connect(&runtime, settings, Arc::new(|| {}));
        Client {
            handle,
            updates,
            model,
        }
    }

    async fn until(&mut self, ircd: &Ircd, what: &str, done: impl Fn(&Model) -> bool) {
        let wait = async {
            while !done(&self.model) {
                match self.updates.recv().await {
                    Some(update) => self.model.apply(&update),
                    None => panic!("connection ended while waiting for {what}"),
                }
            }
        };
        if tokio::time::timeout(WAIT, wait).await.is_err() {
            panic!(
                "{} on {:?}: timed out waiting for {what}; the server's log:\n{}",
                self.model.own_nick,
                ircd.kind,
                ircd.log()
            );
        }
    }

    fn act(&mut self, action: Action) {
        let out = self.model.prepare(action);
        for message in out.messages {
            assert!(self.handle.send(Control::Send(message)));
        }
    }

    /// Registers and joins `channel`, with the member list in.
    async fn join(&mut self, ircd: &Ircd, channel: &str) {
        self.until(ircd, "registration", |m| {
            m.link == ciao_client::model::LinkState::Registered
        })
        .await;
        self.act(Action::Join {
            channel: channel.to_owned(),
            key: None,
        });
        let own = self.model.own_nick.clone();
        self.until(ircd, "our own JOIN and NAMES", move |m| {
            m.buffer(channel)
                .is_some_and(|b| b.joined && b.member(&own).is_some())
        })
        .await;
    }

    /// The texts of the messages in `buffer`.
    fn texts(&self, buffer: &str) -> Vec<String> {
        self.model
            .buffer(buffer)
            .map(|b| {
                b.lines
                    .iter()
                    .filter(|l| l.sender.is_some())
                    .map(|l| l.text.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_users_meet_and_talk_on_inspircd_and_ngircd() {
    for kind in Kind::ALL {
        let ircd = Ircd::start(kind);
        let mut anna = Client::start(&ircd, "anna");
        let mut bruno = Client::start(&ircd, "bruno");
        anna.join(&ircd, "#ciao").await;
        bruno.join(&ircd, "#ciao").await;
        anna.until(&ircd, "bruno in the member list", |m| {
            m.buffer("#ciao")
                .is_some_and(|b| b.member("bruno").is_some())
        })
        .await;
        bruno.act(Action::Say("ciao anna, come stai?".to_owned()));
        anna.until(&ircd, "bruno's line", |m| {
            m.buffer("#ciao").is_some_and(|b| {
                b.lines
                    .iter()
                    .any(|l| l.text == "ciao anna, come stai?" && l.highlight)
            })
        })
        .await;
        assert!(
            anna.texts("#ciao")
                .contains(&"ciao anna, come stai?".to_owned())
        );
    }
}
