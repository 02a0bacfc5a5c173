//! Accounts in the app against the real server (127.0.0.1:0): "Create an
//! account" registers the nick, logging in with the account and its
//! password gets in (SCRAM-SHA-256, which ciao's server offers), a wrong
//! password brings the form back saying so, and a logged-in sender's
//! lines carry a badge.

mod common;

use ciao::chat::badge_label;
use ciao_client::connection::Account;
use common::*;

const PASSWORD: &str = "correct horse battery";

fn in_lobby(h: &Harness<'static, CiaoApp>) -> bool {
    h.state().in_chat()
        && h.state()
            .active_session()
            .is_some_and(|s| s.model.buffer("#lobby").is_some_and(|b| b.joined))
}

fn logged_in_as(h: &Harness<'static, CiaoApp>) -> Option<String> {
    h.state().active_session()?.model.account.clone()
}

/// Fills the form for the fixture as `nick` with `account_password`.
fn form(fixture: &Fixture, harness: &mut Harness<'static, CiaoApp>, nick: &str, password: &str) {
    fill(harness, "Server address", "127.0.0.1");
    fill(harness, "Port", &fixture.port.to_string());
    fill(harness, "Nickname", nick);
    fill(harness, "Account password", password);
}

#[test]
fn create_an_account_then_log_in_to_it() {
    let (fixture, mut harness) = fixture();
    form(&fixture, &mut harness, "ann", PASSWORD);
    harness.get_by_label("Create an account").click();
    harness.step();
    fixture.wait_until(&mut harness, "the account created", |h| {
        h.query_by_label("Account ann created; you are logged in to it.")
            .is_some()
    });
    assert_eq!(logged_in_as(&harness).as_deref(), Some("ann"));
    let name = format!("127.0.0.1:{}", fixture.port);
    let saved = harness.state().servers.get(&name).cloned().expect("saved");
    assert_eq!(saved.account.as_deref(), Some("ann"));
    assert_eq!(saved.account_password, None, "not asked to remember it");

    // Log in with the account.
    harness.get_by_label("Disconnect").click();
    harness.run();
    form(&fixture, &mut harness, "ann", PASSWORD);
    fill(&mut harness, "Account (optional)", "ann");
    harness.get_by_label("Connect").click();
    harness.step();
    fixture.wait_until(&mut harness, "the chat, logged in", |h| {
        in_lobby(h) && logged_in_as(h).as_deref() == Some("ann")
    });
    harness.run_ok();
    assert!(
        harness.query_by_label("✔ ann").is_some(),
        "the top bar says so"
    );
    let server_lines = &harness
        .state()
        .active_session()
        .expect("session")
        .model
        .buffers[0]
        .lines;
    assert!(
        server_lines
            .iter()
            .any(|l| l.text == "You are logged in as ann."),
        "900 shown"
    );
}

#[test]
fn a_wrong_password_brings_the_form_back_saying_so() {
    let (fixture, mut harness) = fixture();
    let _owner = create_account(&fixture, "bea");
    form(&fixture, &mut harness, "bea", "not the password");
    fill(&mut harness, "Account (optional)", "bea");
    harness.get_by_label("Connect").click();
    harness.step();
    fixture.wait_until(&mut harness, "the login error", |h| {
        h.query_by_label_contains("Could not log in to bea: wrong account name or password")
            .is_some()
    });
    assert!(harness.state().sessions().is_empty());
    assert!(!harness.state().in_chat());
}

#[test]
fn a_taken_account_name_says_why() {
    let (fixture, mut harness) = fixture();
    let _owner = create_account(&fixture, "cat");
    // The nick is reserved for its account: registration gets a Guest
    // nick, and REGISTER for the nick is refused; either way the user
    // reads why.
    form(&fixture, &mut harness, "cat", PASSWORD);
    harness.get_by_label("Create an account").click();
    harness.step();
    fixture.wait_until(&mut harness, "in", |h| h.state().in_chat());
    std::thread::sleep(Duration::from_secs(2));
    harness.run();
    let s = harness.state().active_session().expect("s");
    eprintln!("NOTICE {:?} NICK {}", s.notice, s.model.own_nick);
    for b in &s.model.buffers {
        for l in &b.lines {
            eprintln!("{}: {}", b.name, l.text);
        }
    }
    fixture.wait_until(&mut harness, "the refusal", |h| {
        h.state().active_session().is_some_and(|s| {
            s.notice
                .as_deref()
                .is_some_and(|n| n.starts_with("Could not create the account"))
        })
    });
}

#[test]
fn a_member_who_logs_in_gets_a_badge() {
    let (fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    // dan joins, then creates his account: account-notify tells the app.
    let _dan = create_account(&fixture, "dan");
    fixture.wait_until(&mut harness, "dan's account", |h| {
        session(h)
            .model
            .buffer("#lobby")
            .and_then(|b| b.member("dan"))
            .is_some_and(|m| m.account.as_deref() == Some("dan"))
    });
    harness.run_ok();
    assert!(
        harness.query_by_label("✔ dan").is_some(),
        "the member list's badge"
    );
    assert!(
        harness.query_by_label("✔ gui").is_none(),
        "not logged in: no badge"
    );
}

/// The `account` tag on a message (account-tag): a scripted server, as
/// ciao's own does not tag messages with accounts yet.
#[test]
fn a_line_from_a_logged_in_sender_has_a_badge() {
    let (fixture, mut harness) = fixture();
    let (port, _) = fake_server(
        &fixture.runtime,
        ":srv 001 gui :Welcome\r\n:gui!u@h JOIN #lobby\r\n\
         :srv 353 gui = #lobby :gui eve\r\n:srv 366 gui #lobby :End\r\n\
         @account=eve :eve!u@h PRIVMSG #lobby :signed\r\n:mal!u@h PRIVMSG #lobby :unsigned\r\n",
    );
    submit_form(&mut harness, port, "gui");
    fixture.wait_until(&mut harness, "the lines", |h| {
        h.state()
            .sessions()
            .first()
            .is_some_and(|s| has_line(s, "#lobby", "unsigned"))
    });
    harness.run_ok();
    assert!(
        harness.query_by_label(&badge_label("eve", "eve")).is_some(),
        "eve's badge"
    );
    assert!(
        harness
            .query_by_label_contains("mal is logged in")
            .is_none(),
        "mal has none"
    );
}

/// A participant that created the account `nick` (and so is logged in
/// to it) and is in #lobby.
fn create_account(fixture: &Fixture, nick: &str) -> Other {
    let mut settings = Settings::new("127.0.0.1", fixture.port, nick);
    settings.login = Some(Account {
        name: nick.to_owned(),
        password: PASSWORD.to_owned(),
    });
    settings.create_account = true;
    let (_handle, updates) = connect(fixture.runtime.handle(), settings, Arc::new(|| {}));
    let mut other = Other {
        updates,
        model: Model::new(nick),
        _handle,
    };
    other.until(&fixture.runtime, "the account and #lobby", |m| {
        m.account.is_some() && m.buffer("#lobby").is_some_and(|b| b.joined)
    });
    other
}
