//! The connection's life against the real ciao-server and against fake
//! servers on 127.0.0.1:0: registration is reported, a refusal before
//! 001 ends the connection with the server's reason, and what we send is
//! paced within flood control.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ciao_client::connection::CLOSED_BEFORE_REGISTRATION;
use ciao_client::model::LinkState;
use ciao_client::{Control, Model, Settings, Update, Updates, connect};
use ciao_server::flood::FloodLimits;
use support::Server;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const WAIT: Duration = Duration::from_secs(30);

/// Every update until the connection's end (bounded by a timeout).
async fn all_updates(updates: &mut Updates) -> Vec<Update> {
    let mut seen = Vec::new();
    tokio::time::timeout(WAIT, async {
        while let Some(update) = updates.recv().await {
            seen.push(update);
        }
    })
    .await
    .expect("the connection ended");
    seen
}

/// A fake server that greets each connection with `script` once it sent
/// its USER line, then closes; counts the connections it accepted.
async fn fake_server(script: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.starts_with("USER ") {
                        break;
                    }
                }
                let _ = write.write_all(script.as_bytes()).await;
            });
        }
    });
    (port, accepted)
}

fn refusal(updates: &[Update]) -> Option<&str> {
    updates.iter().find_map(|u| match u {
        Update::Refused(reason) => Some(reason.as_str()),
        _ => None,
    })
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_servers_reason() {
    let server = Server::start_with(ciao_server::Config {
        password: Some("sesame".into()),
        ..ciao_server::Config::default()
    })
    .await;
    let mut settings = Settings::new("127.0.0.1", server.port, "guest");
    settings.password = Some("wrong".into());
    let (_handle, mut updates) = connect(
        &tokio::runtime::Handle::current(),
        settings,
        Arc::new(|| {}),
    );
    let seen = all_updates(&mut updates).await;
    let reason = refusal(&seen).expect("refused");
    assert!(reason.starts_with("Wrong password."), "{reason}");
    assert!(
        !seen
            .iter()
            .any(|u| matches!(u, Update::Registered { .. } | Update::Disconnected(_))),
        "a refusal is not a dropped link: {seen:?}"
    );
    let mut model = Model::new("guest");
    for update in &seen {
        model.apply(update);
    }
    assert_eq!(model.link, LinkState::Disconnected(reason.to_owned()));
}

#[tokio::test]
async fn an_error_or_a_close_before_001_is_a_refusal() {
    for (script, expected) in [
        (
            "ERROR :Server full (1 clients), try again later\r\n",
            "The server refused the connection: Server full (1 clients), try again later",
        ),
        (
            ":fake 465 guest :You are banned\r\n",
            "You are banned from this server. The server said: You are banned",
        ),
        ("", CLOSED_BEFORE_REGISTRATION),
    ] {
        let (port, accepted) = fake_server(script).await;
        let settings = Settings::new("127.0.0.1", port, "guest");
        let (_handle, mut updates) = connect(
            &tokio::runtime::Handle::current(),
            settings,
            Arc::new(|| {}),
        );
        let seen = all_updates(&mut updates).await;
        assert_eq!(refusal(&seen), Some(expected), "{seen:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }
}

/// The nick the server let us in with.
async fn registered(updates: &mut Updates) -> String {
    tokio::time::timeout(WAIT, async {
        loop {
            match updates.recv().await.expect("open") {
                Update::Registered { nick } => return nick,
                Update::Refused(why) => panic!("refused: {why}"),
                _ => {}
            }
        }
    })
    .await
    .expect("registered")
}

#[tokio::test]
async fn registration_is_reported_with_the_nick_we_got() {
    let server = Server::start_with(ciao_server::Config::default()).await;
    let settings = Settings::new("127.0.0.1", server.port, "dave");
    let (first, mut first_updates) = connect(
        &tokio::runtime::Handle::current(),
        settings.clone(),
        Arc::new(|| {}),
    );
    assert_eq!(registered(&mut first_updates).await, "dave");
    let (_second, mut second_updates) = connect(
        &tokio::runtime::Handle::current(),
        settings,
        Arc::new(|| {}),
    );
    assert_eq!(registered(&mut second_updates).await, "dave_");
    drop(first);
}

/// `count` lines sent at once all arrive, in order, and the sender is
/// still connected after.
async fn paste_arrives(config: ciao_server::Config, count: usize, text_len: usize) {
    let server = Server::start_with(config).await;
    let runtime = tokio::runtime::Handle::current();
    let (_reader, mut reader_updates) = connect(
        &runtime,
        Settings::new("127.0.0.1", server.port, "reader"),
        Arc::new(|| {}),
    );
    let (sender, mut sender_updates) = connect(
        &runtime,
        Settings::new("127.0.0.1", server.port, "paster"),
        Arc::new(|| {}),
    );
    let mut reader = Model::new("reader");
    let mut paster = Model::new("paster");
    let in_lobby = |m: &Model| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("paster").is_some() && b.member("reader").is_some())
    };
    tokio::time::timeout(WAIT, async {
        while !in_lobby(&reader) {
            reader.apply(&reader_updates.recv().await.expect("open"));
        }
    })
    .await
    .expect("both in #lobby");
    let texts: Vec<String> = (0..count)
        .map(|n| format!("{n:02} {}", "x".repeat(text_len)))
        .collect();
    for text in &texts {
        let message = ciao_proto::Message::new("PRIVMSG", ["#lobby", text.as_str()]);
        assert!(sender.send(Control::Send(message)));
    }
    let received = |m: &Model| -> Vec<String> {
        m.buffer("#lobby")
            .map(|b| {
                b.lines
                    .iter()
                    .filter(|l| l.sender.as_deref() == Some("paster"))
                    .map(|l| l.text.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    tokio::time::timeout(Duration::from_secs(60), async {
        while received(&reader).len() < count {
            tokio::select! {
                update = reader_updates.recv() => reader.apply(&update.expect("open")),
                update = sender_updates.recv() => {
                    let update = update.expect("open");
                    assert!(
                        !matches!(update, Update::Disconnected(_)),
                        "the sender was cut off: {update:?}"
                    );
                    paster.apply(&update);
                }
            }
        }
    })
    .await
    .expect("every line arrived");
    assert_eq!(received(&reader), texts, "in order");
    // The sender is still there: it can still be answered.
    while let Ok(update) = sender_updates.try_recv() {
        paster.apply(&update);
    }
    assert!(
        !matches!(paster.link, LinkState::Disconnected(_)),
        "the sender was cut off: {:?}",
        paster.link
    );
    assert!(
        reader
            .buffer("#lobby")
            .is_some_and(|b| b.member("paster").is_some())
    );
}

#[tokio::test]
async fn forty_pasted_lines_reach_ciao_server_in_order() {
    paste_arrives(ciao_server::Config::default(), 40, 20).await;
}

#[tokio::test]
async fn a_paste_stays_within_strict_flood_control() {
    // Like InspIRCd or ngIRCd: a short burst, two lines a second, and
    // little patience with a client that sends faster.
    let strict = FloodLimits {
        burst: 5,
        rate: 2.0,
        max_queued: 1024,
    };
    let config = ciao_server::Config {
        flood: Some(strict),
        ..ciao_server::Config::default()
    };
    paste_arrives(config, 16, 120).await;
}
