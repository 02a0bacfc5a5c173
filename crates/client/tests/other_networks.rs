//! ciao-client on other networks: InspIRCd and ngIRCd (Debian's), with
//! the flood control and limits they ship with, stand in for the IRC
//! networks a user of the app joins besides ciao.

mod ircd;
mod support;

use std::time::Duration;

use ciao_client::{Action, Model, Settings, Update};
use ircd::{Ircd, Kind};
use support::Client;

/// Other servers are slower to register than ciao (InspIRCd waits for
/// its DNS timeout, fake lag paces commands).
const WAIT: Duration = Duration::from_secs(30);

/// A client of `ircd`, as patient as it needs.
fn client(ircd: &Ircd, nick: &str) -> Client {
    Client::start(ircd.port, nick).patience(WAIT)
}

/// anna and bruno, registered on `ircd` and in #ciao.
async fn anna_and_bruno_in_ciao(ircd: &Ircd) -> (Client, Client) {
    let mut anna = client(ircd, "anna");
    let mut bruno = client(ircd, "bruno");
    anna.join(ircd, "#ciao").await;
    bruno.join(ircd, "#ciao").await;
    (anna, bruno)
}

/// What only these tests ask of a client.
impl Client {
    /// [`Client::until`], and on a timeout what the client saw and the
    /// server's log.
    async fn until_on(&mut self, ircd: &Ircd, what: &str, done: impl Fn(&Model) -> bool) {
        let log = || format!("{:?}, the server's log:\n{}", ircd.kind, ircd.log());
        self.until_with(what, done, log).await;
    }

    /// Registers and joins `channel`, with the member list in.
    async fn join(&mut self, ircd: &Ircd, channel: &str) {
        self.until_on(ircd, "registration", |m| {
            m.link == ciao_client::model::LinkState::Registered
        })
        .await;
        self.act(Action::Join {
            channel: channel.to_owned(),
            key: None,
        });
        let own = self.model.own_nick.clone();
        self.until_on(ircd, "our own JOIN and NAMES", move |m| {
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
        let (mut anna, mut bruno) = anna_and_bruno_in_ciao(&ircd).await;
        anna.until_on(&ircd, "bruno in the member list", |m| {
            m.buffer("#ciao")
                .is_some_and(|b| b.member("bruno").is_some())
        })
        .await;
        bruno.act(Action::Say("ciao anna, come stai?".to_owned()));
        anna.until_on(&ircd, "bruno's line", |m| {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_line_and_a_paste_arrive_whole_within_their_flood_control() {
    let text = support::accented_text();
    // 30 lines of 400 bytes: 12 KB, more than InspIRCd's receive queue
    // (8 KiB) takes at once — sent unpaced, the sender is cut off.
    let paste: Vec<String> = (1..=30)
        .map(|i| format!("riga {i} di un incolla: {}fine", "bla ".repeat(95)))
        .collect();
    for kind in Kind::ALL {
        let ircd = Ircd::start(kind);
        let (mut anna, mut bruno) = anna_and_bruno_in_ciao(&ircd).await;

        // A line too long for one message: split at spaces, and every
        // piece arrives. (ngIRCd drops the space that ends a piece, so the
        // words are compared.)
        bruno.act(Action::Say(text.clone()));
        let wanted: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        anna.until_on(&ircd, "every piece of the long line", move |m| {
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
        anna.until_on(&ircd, "the 30 pasted lines in order", move |m| {
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
