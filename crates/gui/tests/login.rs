//! Getting in, or not: a refused login goes back to the filled form with
//! the server's reason and is not retried; a taken nick is said where the
//! user looks; a reconnect keeps the current nick; failed retries do not
//! fill the conversations.

mod common;

use std::sync::atomic::Ordering;

use ciao_client::LineKind;
use common::*;

/// The form shows `reason`, with no session left to retry, and the server
/// saw exactly one connection. "No second attempt" is shown without
/// sleeping: a refused session is dropped with its connection task, so
/// nothing is left that could reconnect; and when the user presses Connect
/// again the server sees exactly the second connection, not a third.
fn refused_once(script: &'static str, reason: &str) {
    let (fixture, mut harness) = fixture();
    let (port, accepted) = fake_server(&fixture.runtime, script);
    submit_form(&mut harness, port, "guest");
    fixture.wait_until(&mut harness, "the reason on the form", |h| {
        h.query_by_label(reason).is_some()
    });
    assert!(
        harness.query_by_label("Server address").is_some(),
        "the form"
    );
    assert!(
        harness.query_by_label("Disconnect").is_none(),
        "not the chat"
    );
    assert!(harness.state().sessions().is_empty(), "nothing to retry");
    assert_eq!(harness.state().prefs.nick, "guest", "the form stays filled");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    harness.get_by_label("Connect").click();
    fixture.wait_until(&mut harness, "the second refusal", |h| {
        h.state().sessions().is_empty() && h.query_by_label(reason).is_some()
    });
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "only the user's attempt"
    );
}

#[test]
fn a_full_server_returns_to_the_form_without_retrying() {
    refused_once(
        "ERROR :Server full (10 clients), try again later\r\n",
        "The server refused the connection: Server full (10 clients), try again later",
    );
}

#[test]
fn a_close_before_registration_returns_to_the_form_without_retrying() {
    refused_once("", ciao_client::connection::CLOSED_BEFORE_REGISTRATION);
}

#[test]
fn a_wrong_password_returns_to_the_form_with_the_servers_reason() {
    let (fixture, mut harness) = fixture_with(ciao_server::Config {
        password: Some("sesame".into()),
        ..ciao_server::Config::default()
    });
    fill(&mut harness, "Server password (optional)", "wrong");
    submit_form(&mut harness, fixture.port, "guest");
    fixture.wait_until(&mut harness, "the reason on the form", |h| {
        h.query_by_label_contains("Wrong password. The server said:")
            .is_some()
    });
    assert!(harness.state().sessions().is_empty());

    // With the right one, the user gets in.
    fill(&mut harness, "Server password (optional)", "sesame");
    harness.get_by_label("Connect").click();
    fixture.wait_until(&mut harness, "the chat", |h| h.state().in_chat());
}

#[test]
fn a_taken_nick_is_said_above_the_chat_and_a_reconnect_keeps_the_new_nick() {
    let (mut fixture, mut harness) = fixture();
    let _dave = fixture.other("dave");
    connect_as(&fixture, &mut harness, "dave");
    let note = "dave was taken; you are dave_ — /nick to choose another";
    assert!(
        harness.query_by_label(note).is_some(),
        "shown above the chat"
    );

    send_line(&mut harness, "/nick davide", false);
    fixture.wait_until(&mut harness, "the new nick", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.model.own_nick == "davide")
    });
    fixture.stop_server();
    fixture.wait_disconnected(&mut harness, "the drop");
    fixture.restart_server();
    fixture.wait_until(&mut harness, "back, in #lobby", |h| {
        h.state().active_session().is_some_and(|s| {
            s.model.link == LinkState::Registered
                && s.model.buffer("#lobby").is_some_and(|b| b.joined)
        })
    });
    let session = session(&harness);
    assert_eq!(session.model.own_nick, "davide");
    assert_eq!(session.settings.nick, "davide");
}

#[test]
fn failed_retries_show_in_the_status_bar_not_in_the_conversations() {
    let (mut fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    fixture.stop_server();
    fixture.wait_until(&mut harness, "the drop", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.retry_at.is_some())
    });
    let lines = |h: &Harness<'static, CiaoApp>| -> Vec<usize> {
        let session = session(h);
        session
            .model
            .buffers
            .iter()
            .map(|b| b.lines.len())
            .collect()
    };
    let after_drop = lines(&harness);
    // The drop scheduled attempt 1; once it failed, attempt 2 is due.
    fixture.wait_until(&mut harness, "a failed retry", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.attempts() >= 2 && s.retry_at.is_some())
    });
    harness.run_ok();
    assert!(
        harness.query_by_label_contains("Reconnecting in").is_some()
            && harness.query_all_by_label_contains("(attempt 2)").count() == 2,
        "the status bar and the server's group count the attempts"
    );
    assert_eq!(lines(&harness), after_drop, "no line for the failed retry");
    let session = session(&harness);
    let lobby = session.model.buffer("#lobby").expect("#lobby");
    let errors = lobby.lines.iter().filter(|l| l.kind == LineKind::Error);
    assert_eq!(errors.count(), 1, "the drop is said once in #lobby");
}
