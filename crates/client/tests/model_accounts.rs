//! Accounts in the model, fed server lines without any network: SASL's
//! replies, REGISTER's, and the badges of logged-in senders.

mod support;

use ciao_client::connection::{Fingerprint, Secured, TrustedBy, Untrusted};
use ciao_client::model::{LinkState, Registration};
use ciao_client::{LineKind, Model, Update};
use support::model::{feed, feed_one, in_lobby, tail};

#[test]
fn sasl_success_records_the_account_and_failures_say_why() {
    let mut model = Model::new("me");
    model.apply(&Update::Connected);
    feed(
        &mut model,
        &[
            ":srv 900 me me!u@h alice :You are now logged in as alice",
            ":srv 903 me :SASL authentication successful",
        ],
    );
    assert_eq!(model.account.as_deref(), Some("alice"));
    assert_eq!(
        tail(&model, "Server", 2),
        [
            (LineKind::Info, "You are logged in as alice.".to_owned()),
            (LineKind::Info, "Logged in.".to_owned()),
        ]
    );
    feed_one(&mut model, ":srv 904 me :SASL authentication failed");
    assert_eq!(
        tail(&model, "Server", 1),
        [(
            LineKind::Error,
            "Login failed: wrong account name or password (SASL authentication failed)".to_owned()
        )]
    );
    feed(
        &mut model,
        &[":srv 906 me :Aborted", ":srv 905 me :Too long"],
    );
    let kinds: Vec<LineKind> = tail(&model, "Server", 2).into_iter().map(|l| l.0).collect();
    assert_eq!(kinds, [LineKind::Error, LineKind::Error]);
    feed_one(&mut model, ":srv 901 me me!u@h :You are now logged out");
    assert_eq!(model.account, None);
    // A new connection starts logged out.
    feed_one(&mut model, ":srv 900 me me!u@h alice :in");
    model.apply(&Update::Connected);
    assert_eq!(model.account, None);
}

#[test]
fn register_success_and_failure_are_kept_for_the_window() {
    let mut model = in_lobby();
    feed_one(&mut model, ":srv REGISTER SUCCESS me :Account created");
    assert_eq!(
        model.registration,
        Some(Registration::Created {
            account: "me".to_owned(),
            message: "Account created".to_owned()
        })
    );
    assert_eq!(model.account.as_deref(), Some("me"));
    assert_eq!(
        tail(&model, "#lobby", 1),
        [(
            LineKind::Info,
            "Account me created; you are logged in to it. Account created".to_owned()
        )]
    );
    feed_one(
        &mut model,
        ":srv FAIL REGISTER ACCOUNT_EXISTS me :Account already exists",
    );
    assert_eq!(
        model.registration,
        Some(Registration::Failed {
            code: "ACCOUNT_EXISTS".to_owned(),
            message: "Account already exists".to_owned()
        })
    );
    assert_eq!(
        tail(&model, "#lobby", 1),
        [(LineKind::Error, "Account already exists".to_owned())]
    );
    feed_one(
        &mut model,
        ":srv REGISTER VERIFICATION_REQUIRED me :Check your mail",
    );
    assert!(matches!(
        model.registration,
        Some(Registration::VerificationRequired { .. })
    ));
    // Other FAILs are not about registration.
    feed_one(&mut model, ":srv FAIL CHATHISTORY INVALID_PARAMS :bad");
    assert!(matches!(
        model.registration,
        Some(Registration::VerificationRequired { .. })
    ));
    // Garbage REGISTER replies change nothing.
    feed(
        &mut model,
        &[":srv REGISTER", ":srv REGISTER WHATEVER x :y"],
    );
    assert!(matches!(
        model.registration,
        Some(Registration::VerificationRequired { .. })
    ));
}

#[test]
fn badges_come_from_extended_join_the_account_tag_and_account_notify() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[
            ":carol!u@h JOIN #lobby carol :Carol C",
            ":dave!u@h JOIN #lobby * :Dave",
            "@account=bob :bob!u@h PRIVMSG #lobby :hi",
            ":dave!u@h PRIVMSG #lobby :untagged",
        ],
    );
    let lobby = model.buffer("#lobby").expect("lobby");
    let account = |nick: &str| lobby.member(nick).and_then(|m| m.account.clone());
    assert_eq!(account("carol").as_deref(), Some("carol"));
    assert_eq!(account("dave"), None);
    assert_eq!(account("bob").as_deref(), Some("bob"));
    let lines = &lobby.lines;
    let hi = lines.iter().find(|l| l.text == "hi").expect("hi");
    assert_eq!(hi.account.as_deref(), Some("bob"));
    let untagged = lines.iter().find(|l| l.text == "untagged").expect("line");
    assert_eq!(untagged.account, None);

    feed(
        &mut model,
        &[":dave!u@h ACCOUNT dave", ":carol!u@h ACCOUNT *"],
    );
    let lobby = model.buffer("#lobby").expect("lobby");
    assert_eq!(
        lobby.member("dave").and_then(|m| m.account.as_deref()),
        Some("dave")
    );
    assert_eq!(lobby.member("carol").and_then(|m| m.account.clone()), None);
}

#[test]
fn the_lock_follows_the_link() {
    let mut model = Model::new("me");
    model.apply(&Update::Connected);
    let secured = Secured {
        fingerprint: Fingerprint([7; 32]),
        trusted_by: TrustedBy::Pinned,
    };
    model.apply(&Update::Secured(secured));
    assert_eq!(model.secured, Some(secured));
    model.apply(&Update::Connected);
    assert_eq!(model.secured, None);
    model.apply(&Update::Untrusted(Untrusted::Changed {
        pinned: Fingerprint([1; 32]),
        presented: Fingerprint([2; 32]),
    }));
    assert!(matches!(&model.link, LinkState::Disconnected(why) if why.contains("has changed")));
}
