//! ciao-client on other networks: InspIRCd and ngIRCd (Debian's), with
//! the flood control and limits they ship with, stand in for the IRC
//! networks a user of the app joins besides ciao.

mod ircd;

use std::sync::Arc;
use std::time::Duration;

use ciao_client::connection::Handle;
use ciao_client::{Action, Control, Model, Settings, Update, Updates, connect};
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
            let seen: Vec<String> = self
                .model
                .buffers
                .iter()
                .flat_map(|b| {
                    b.lines
                        .iter()
                        .map(move |l| format!("{}: {}", b.name, l.text))
                })
                .collect();
            panic!(
                "{} on {:?}: timed out waiting for {what}; it saw:\n{}\nthe server's log:\n{}",
                self.model.own_nick,
                ircd.kind,
                seen.join("\n"),
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

/// 449 characters with accents (535 bytes): more than one relayed line.
fn long_accented_text() -> String {
    let filler: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(345)
        .collect();
    format!("{}é{filler}.", "àèìòù ".repeat(17))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_line_and_a_paste_arrive_whole_within_their_flood_control() {
    let text = long_accented_text();
    // 30 lines of 400 bytes: 12 KB, more than InspIRCd's receive queue
    // (8 KiB) takes at once — sent unpaced, the sender is cut off.
    let paste: Vec<String> = (1..=30)
        .map(|i| format!("riga {i} di un incolla: {}fine", "bla ".repeat(95)))
        .collect();
    for kind in Kind::ALL {
        let ircd = Ircd::start(kind);
        let mut anna = Client::start(&ircd, "anna");
        let mut bruno = Client::start(&ircd, "bruno");
        anna.join(&ircd, "#ciao").await;
        bruno.join(&ircd, "#ciao").await;

        // A line too long for one message: split at spaces, and every
        // piece arrives. (ngIRCd drops the space that ends a piece, so the
        // words are compared.)
        bruno.act(Action::Say(text.clone()));
        let wanted: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        anna.until(&ircd, "every piece of the long line", move |m| {
            let words: Vec<String> = m
                .buffer("#ciao")
                .map(|b| {
                    b.lines
                        .iter()
                        .filter(|l| l.sender.as_deref() == Some("bruno"))
                        .flat_map(|l| l.text.split_whitespace().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            words == wanted
        })
        .await;

        // A paste of 30 lines: neither server offers draft/multiline, so
        // these are 30 PRIVMSGs; paced, nobody is cut off for flooding.
        bruno.act(Action::Say(paste.join("\n")));
        let wanted = paste.clone();
        anna.until(&ircd, "the 30 pasted lines in order", move |m| {
            let texts: Vec<&str> = m
                .buffer("#ciao")
                .map(|b| {
                    b.lines
                        .iter()
                        .filter(|l| l.text.starts_with("riga "))
                        .map(|l| l.text.as_str())
                        .collect()
                })
                .unwrap_or_default();
            texts == wanted
        })
        .await;
        assert!(
            anna.model
                .buffer("#ciao")
                .is_some_and(|b| b.member("bruno").is_some()),
            "{kind:?}: bruno was cut off"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_once_with_the_servers_reason() {
    for kind in Kind::ALL {
        let ircd = Ircd::start_with_password(kind, Some("segreto"));
        let mut settings = Settings::new("127.0.0.1", ircd.port, "anna");
        settings.password = Some("sbagliato".to_owned());
        let mut anna = Client::start_with(settings);
        let mut refusal = None;
        let wait = async {
            while let Some(update) = anna.updates.recv().await {
                anna.model.apply(&update);
                assert!(
                    !matches!(update, Update::Registered { .. }),
                    "{kind:?} let a wrong password in"
                );
                if let Update::Refused(reason) = update {
                    refusal = Some(reason);
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("{kind:?}: the connection did not end"));
        let reason = refusal.unwrap_or_else(|| panic!("{kind:?}: no refusal"));
        // Each says it its own way.
        let expected = match kind {
            Kind::InspIrcd => "access denied",
            Kind::NgIrcd => "password",
        };
        assert!(
            reason.to_lowercase().contains(expected),
            "{kind:?}: {reason:?}"
        );
    }
}
