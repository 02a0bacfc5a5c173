//! TLS in the app, against real ciao-servers with generated certificates
//! on 127.0.0.1:0: the first connection asks to trust the fingerprint,
//! and once trusted the chat shows the lock; the next connection asks
//! nothing; a changed certificate behind the same saved server is a hard
//! error; an imported CA needs no question; plaintext shows no lock.

mod common;

use std::path::Path;

use ciao::chat::{LOCK_LABEL, PLAINTEXT_LABEL};
use ciao::connect_screen::TLS_LABEL;
use ciao::trust_prompt;
use ciao_client::connection::{Fingerprint, TrustedBy};
use ciao_server::config::tls::{CA_FILE, Identity};
use common::*;

/// A TLS-only ciao-server on `port` (0: any) with the identity generated
/// in `dir`; its port, its certificate's fingerprint, what stops it and
/// its task (to wait for its end).
fn tls_server(
    fixture: &Fixture,
    port: u16,
    dir: &Path,
) -> (
    u16,
    Fingerprint,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (identity, _new) = Identity::generated(dir, "test.server", &[]).expect("identity");
    let fingerprint = Fingerprint::of(identity.chain[0].as_ref());
    let tls_config = identity.server_config().expect("server config");
    let listener = {
        let _guard = fixture.runtime.enter();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        ciao_server::bind(addr).expect("bind")
    };
    let port = listener.local_addr().expect("addr").port();
    let listeners = ciao_server::Listeners {
        plain: Vec::new(),
        tls: vec![listener],
        tls_config: Some(tls_config),
        ..ciao_server::Listeners::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let config = ciao_server::Config::default();
    let task = fixture.runtime.spawn(async move {
        let _ = ciao_server::run(config, listeners, async move {
            let _ = stopped.await;
        })
        .await;
    });
    (port, fingerprint, stop, task)
}

/// Fills the form for the TLS server at `port` as `nick`, ticking
/// "Encrypt (TLS)" (the fixture's form starts unticked), and connects.
fn connect_tls(harness: &mut Harness<'static, CiaoApp>, port: u16, nick: &str) {
    fill(harness, "Server address", "127.0.0.1");
    fill(harness, "Port", &port.to_string());
    fill(harness, "Nickname", nick);
    if !harness.state().prefs.tls {
        harness.get_by_label(TLS_LABEL).click();
        harness.run();
    }
    harness.get_by_label("Connect").click();
    harness.step();
}

fn in_lobby(h: &Harness<'static, CiaoApp>) -> bool {
    h.state().in_chat()
        && h.state()
            .active_session()
            .is_some_and(|s| s.model.buffer("#lobby").is_some_and(|b| b.joined))
}

fn trusted_by(h: &Harness<'static, CiaoApp>) -> Option<TrustedBy> {
    let session = h.state().active_session()?;
    session.model.secured.map(|s| s.trusted_by)
}

#[test]
fn the_first_connection_asks_and_the_next_one_does_not() {
    let (fixture, mut harness) = fixture();
    let dir = tempfile::tempdir().expect("dir");
    let (port, fingerprint, _stop, _task) = tls_server(&fixture, 0, dir.path());
    connect_tls(&mut harness, port, "tofu");
    let shown = fingerprint.to_string();
    fixture.wait_until(&mut harness, "the trust prompt", |h| {
        h.query_by_label(trust_prompt::TITLE).is_some() && h.query_by_label(&shown).is_some()
    });
    assert!(
        !harness.state().in_chat(),
        "nothing before the user says so"
    );
    harness.get_by_label(trust_prompt::TRUST).click();
    harness.step();
    fixture.wait_until(&mut harness, "the chat over TLS", in_lobby);
    harness.run_ok();
    assert!(harness.query_by_label(LOCK_LABEL).is_some(), "the lock");
    assert!(harness.query_by_label(PLAINTEXT_LABEL).is_none());
    assert_eq!(trusted_by(&harness), Some(TrustedBy::Pinned));
    let name = format!("127.0.0.1:{port}");
    let saved = harness.state().servers.get(&name).cloned().expect("saved");
    assert_eq!(saved.fingerprint.as_deref(), Some(shown.as_str()));
    assert!(saved.tls);

    // Again, from the saved list: no question, the lock.
    harness.get_by_label("Disconnect").click();
    harness.run();
    harness.get_by_label(&format!("Connect to {name}")).click();
    harness.step();
    fixture.wait_until(&mut harness, "the chat again", in_lobby);
    harness.run_ok();
    assert!(harness.query_by_label(trust_prompt::TITLE).is_none());
    assert!(harness.query_by_label(LOCK_LABEL).is_some());
    // And from the form, typed again: the fingerprint of this address
    // is still the accepted one.
    harness.get_by_label("Disconnect").click();
    harness.run();
    connect_tls(&mut harness, port, "tofu");
    fixture.wait_until(&mut harness, "the chat from the form", in_lobby);
    assert!(harness.state().trust_prompt.is_none());
}

#[test]
fn a_changed_certificate_is_a_hard_error() {
    let (fixture, mut harness) = fixture();
    let first_dir = tempfile::tempdir().expect("dir");
    let (port, _, stop, task) = tls_server(&fixture, 0, first_dir.path());
    connect_tls(&mut harness, port, "pinned");
    fixture.wait_until(&mut harness, "the trust prompt", |h| {
        h.query_by_label(trust_prompt::TRUST).is_some()
    });
    harness.get_by_label(trust_prompt::TRUST).click();
    harness.step();
    fixture.wait_until(&mut harness, "the chat", in_lobby);
    harness.get_by_label("Disconnect").click();
    harness.run();

    // Another server (another data dir, so another certificate) on the
    // same address, behind the same saved entry.
    let _ = stop.send(());
    fixture
        .runtime
        .block_on(task)
        .expect("the first server stopped");
    let other_dir = tempfile::tempdir().expect("dir");
    let (again, presented, _stop, _task) = tls_server(&fixture, port, other_dir.path());
    assert_eq!(again, port);
    let name = format!("127.0.0.1:{port}");
    harness.get_by_label(&format!("Connect to {name}")).click();
    harness.step();
    fixture.wait_until(&mut harness, "the hard error", |h| {
        h.query_by_label_contains("has changed since you trusted it")
            .is_some()
    });
    harness.run_ok();
    // An error, not a question; nothing connected, nothing retried.
    assert!(harness.query_by_label(trust_prompt::TITLE).is_none());
    assert!(harness.state().trust_prompt.is_none());
    assert!(harness.state().sessions().is_empty());
    let error = harness.state().form_error.clone().expect("the error");
    assert!(error.contains(&presented.to_string()), "{error}");
}

#[test]
fn a_certificate_from_the_imported_ca_needs_no_question() {
    let (fixture, mut harness) = fixture();
    let dir = tempfile::tempdir().expect("dir");
    let (port, _, _stop, _task) = tls_server(&fixture, 0, dir.path());
    let ca = dir.path().join(CA_FILE);
    fill(
        &mut harness,
        "CA certificate file (optional)",
        ca.to_str().expect("utf-8 path"),
    );
    connect_tls(&mut harness, port, "withca");
    fixture.wait_until(&mut harness, "the chat", in_lobby);
    harness.run_ok();
    assert!(harness.state().trust_prompt.is_none());
    assert!(harness.query_by_label(LOCK_LABEL).is_some());
    assert_eq!(trusted_by(&harness), Some(TrustedBy::Authority));
    let name = format!("127.0.0.1:{port}");
    let saved = harness.state().servers.get(&name).cloned().expect("saved");
    assert_eq!(saved.ca_file.as_deref(), Some(ca.as_path()));
    assert_eq!(saved.fingerprint, None, "nothing pinned");
}

#[test]
fn plaintext_shows_no_lock_and_says_so() {
    let (fixture, mut harness) = fixture();
    // The form says it before connecting.
    assert!(
        harness
            .query_by_label(ciao::connect_screen::PLAINTEXT_WARNING)
            .is_some()
    );
    connect_as(&fixture, &mut harness, "clear");
    harness.run_ok();
    assert!(harness.query_by_label(LOCK_LABEL).is_none());
    assert!(harness.query_by_label(PLAINTEXT_LABEL).is_some());
    assert_eq!(
        harness
            .state()
            .active_session()
            .and_then(|s| s.model.secured),
        None
    );
}

#[test]
fn tls_is_the_default_on_6697_and_a_plaintext_port_is_named() {
    let prefs = ciao::Prefs::default();
    assert!(prefs.tls);
    assert_eq!(prefs.port, "6697");
    let (fixture, mut harness) = fixture();
    // TLS against the fixture's plaintext port: a clear sentence.
    connect_tls(&mut harness, fixture.port, "mixed");
    fixture.wait_until(&mut harness, "the TLS error", |h| {
        h.state()
            .form_error
            .as_deref()
            .is_some_and(|e| e.contains("Is this a plaintext port?"))
    });
}
