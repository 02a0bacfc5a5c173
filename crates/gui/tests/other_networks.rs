//! The app on other networks, as a user meets it: InspIRCd and ngIRCd
//! (Debian's, with their shipped flood control) stand in for the IRC
//! networks a HexChat user joins. The form is filled, a channel joined,
//! and the app talks with another user there.

mod common;
#[path = "../../client/tests/ircd/mod.rs"]
mod ircd;

use std::sync::Arc;

use ciao_client::{Model, Settings, connect};
use common::*;
use ircd::{Ircd, Kind};

#[test]
fn the_app_chats_on_inspircd_and_ngircd() {
    for kind in Kind::ALL {
        let ircd = Ircd::start(kind);
        // The fixture's own ciao-server stays unused here.
        let (fixture, mut harness) = fixture();
        fill(&mut harness, "Channels to join (optional)", "#ciao");
        submit_form(&mut harness, ircd.port, "gui");
        fixture.wait_until(&mut harness, "the app in #ciao", |h| {
            h.state()
                .active_session()
                .is_some_and(|s| s.model.buffer("#ciao").is_some_and(|b| b.joined))
        });

        // Another user there, through ciao-client.
        let (handle, updates) = connect(
            fixture.runtime.handle(),
            Settings::new("127.0.0.1", ircd.port, "bruno"),
            Arc::new(|| {}),
        );
        let mut bruno = Other {
            _handle: handle,
            updates,
            model: Model::new("bruno"),
        };
        bruno.until(&fixture.runtime, "bruno registered", |m| {
            m.link == ciao_client::model::LinkState::Registered
        });
        bruno.send(ciao_proto::Message::new("JOIN", ["#ciao"]));
        fixture.wait_until(&mut harness, "bruno in the member list", |h| {
            h.query_by_label("bruno").is_some()
        });
        bruno.send(ciao_proto::Message::new(
            "PRIVMSG",
            ["#ciao", "ciao gui, \x02benvenuta\x02 su questa rete"],
        ));
        fixture.wait_until(&mut harness, "bruno's line, formatted", |h| {
            h.query_by_label("ciao gui, benvenuta su questa rete")
                .is_some()
        });

        // A long line from the app: neither server offers multiline, so
        // it is split; every word arrives.
        let text = format!("{} fine.", "una frase piuttosto lunga ".repeat(24));
        send_line(&mut harness, &text, false);
        let wanted: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        bruno.until(&fixture.runtime, "every word of the long line", move |m| {
            let words: Vec<String> = m
                .buffer("#ciao")
                .map(|b| {
                    b.lines
                        .iter()
                        .filter(|l| l.sender.as_deref() == Some("gui"))
                        .flat_map(|l| l.text.split_whitespace().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            words == wanted
        });
        assert!(
            harness
                .state()
                .active_session()
                .is_some_and(|s| s.is_connected()),
            "{kind:?}: the app is still connected"
        );
    }
}
