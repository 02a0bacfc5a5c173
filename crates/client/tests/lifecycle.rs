//! The connection's life against the real ciao-server and against fake
//! servers on 127.0.0.1:0: registration is reported, a refusal before
//! 001 ends the connection with the server's reason, and what we send is
//! paced within flood control.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ciao_client::connection::{CLOSED_BEFORE_REGISTRATION, MAX_OFFERED_CAPS, NICK_RETRIES};
use ciao_client::model::LinkState;
use ciao_client::{Control, Model, Settings, Update, Updates, connect};
use ciao_server::FloodLimits;
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

/// What a fake server says to one line from the client, and whether it
/// then hangs up.
type Answer = fn(&str) -> (String, bool);

/// A fake server that answers each line the client sends with `answer`
/// and records every line it received (before answering it). It never
/// speaks first and keeps the socket open until told to close or the
/// client does.
async fn answering_server(answer: Answer) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    log.lock().expect("log").push(line.clone());
                    let (reply, close) = answer(&line);
                    if write.write_all(reply.as_bytes()).await.is_err() || close {
                        break;
                    }
                }
            });
        }
    });
    (port, received)
}

fn sent_nicks(received: &Mutex<Vec<String>>) -> Vec<String> {
    received
        .lock()
        .expect("log")
        .iter()
        .filter_map(|l| l.strip_prefix("NICK ").map(str::to_owned))
        .collect()
}

async fn connect_to(settings: Settings) -> Vec<Update> {
    let (_handle, mut updates) = connect(
        &tokio::runtime::Handle::current(),
        settings,
        Arc::new(|| {}),
    );
    all_updates(&mut updates).await
}

#[tokio::test]
async fn a_flood_of_cap_ls_lines_is_bounded_and_registration_completes() {
    let (port, _) = answering_server(|line| match line {
        "CAP LS 302" => {
            let mut flood = ":fake CAP * LS * :a b c d\r\n".repeat(5000);
            flood.push_str(":fake CAP * LS :z server-time\r\n");
            (flood, false)
        }
        l if l.starts_with("CAP REQ") => (":fake CAP * ACK :server-time\r\n".to_owned(), false),
        "CAP END" => (
            // After 001, more listings change nothing.
            ":fake 001 guest :Welcome\r\n:fake CAP guest LS :x y\r\n".to_owned()
                + &":fake CAP guest LS * :p q\r\n".repeat(1000),
            true,
        ),
        _ => (String::new(), false),
    })
    .await;
    let seen = connect_to(Settings::new("127.0.0.1", port, "guest")).await;
    let offered: Vec<_> = seen
        .iter()
        .filter_map(|u| match u {
            Update::CapsOffered(caps) => Some(caps),
            _ => None,
        })
        .collect();
    assert_eq!(offered.len(), 1, "one listing, offered once");
    assert!(
        offered[0].len() <= MAX_OFFERED_CAPS,
        "{} offered",
        offered[0].len()
    );
    // A wanted capability past the limit is still seen, and asked for.
    assert!(offered[0].iter().any(|(name, _)| name == "server-time"));
    assert!(seen.contains(&Update::CapsAcked(vec!["server-time".to_owned()])));
    assert!(
        seen.contains(&Update::Registered {
            nick: "guest".to_owned()
        }),
        "{:?}",
        seen.iter()
            .filter(|u| !matches!(u, Update::Message(_)))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_nick_taken_every_time_is_given_up_after_a_few_different_tries() {
    let (port, received) = answering_server(|line| match line.strip_prefix("NICK ") {
        Some(nick) => (
            format!(":fake 433 * {nick} :Nickname is already in use\r\n"),
            false,
        ),
        None => (String::new(), false),
    })
    .await;
    let wanted = "abcdefghijklmnopqrstuvwxyz12"; // 28 characters
    let seen = connect_to(Settings::new("127.0.0.1", port, wanted)).await;
    let nicks = sent_nicks(&received);
    assert_eq!(nicks.len(), 1 + NICK_RETRIES, "{nicks:?}");
    let distinct: HashSet<_> = nicks.iter().collect();
    assert_eq!(distinct.len(), nicks.len(), "{nicks:?}");
    assert!(nicks.iter().all(|n| n.chars().count() <= 30), "{nicks:?}");
    let reason = refusal(&seen).expect("refused");
    assert!(
        reason.starts_with("The server refused every nickname we tried (")
            && reason.ends_with("): choose another."),
        "{reason}"
    );
    assert!(reason.contains(wanted), "{reason}");
}

#[tokio::test]
async fn a_nick_the_server_finds_erroneous_is_given_up_quickly() {
    let (port, received) = answering_server(|line| match line.strip_prefix("NICK ") {
        Some(nick) => (format!(":fake 432 * {nick} :Erroneous nickname\r\n"), false),
        None => (String::new(), false),
    })
    .await;
    // A long nick may be too long for an RFC server: one try at 9.
    let seen = connect_to(Settings::new("127.0.0.1", port, "abcdefghijklmnop")).await;
    assert_eq!(sent_nicks(&received), ["abcdefghijklmnop", "abcdefghi"]);
    assert!(refusal(&seen).is_some(), "{seen:?}");

    let (port, received) = answering_server(|line| match line.strip_prefix("NICK ") {
        Some(nick) => (format!(":fake 432 * {nick} :Erroneous nickname\r\n"), false),
        None => (String::new(), false),
    })
    .await;
    let seen = connect_to(Settings::new("127.0.0.1", port, "b@d")).await;
    assert_eq!(sent_nicks(&received), ["b@d"]);
    assert_eq!(
        refusal(&seen),
        Some("The server refused every nickname we tried (b@d): choose another.")
    );
}

#[tokio::test]
async fn nick_tries_keep_within_the_servers_nicklen() {
    let (port, received) = answering_server(|line| match line.strip_prefix("NICK ") {
        Some("longnickname") => (
            ":fake 005 * NICKLEN=12 :are supported\r\n:fake 433 * longnickname :Nickname is already in use\r\n".to_owned(),
            false,
        ),
        Some(nick) => (format!(":fake 001 {nick} :Welcome\r\n"), true),
        None => (String::new(), false),
    })
    .await;
    let seen = connect_to(Settings::new("127.0.0.1", port, "longnickname")).await;
    assert_eq!(sent_nicks(&received), ["longnickname", "longnicknam_"]);
    assert!(seen.contains(&Update::Registered {
        nick: "longnicknam_".to_owned()
    }));
}

#[tokio::test]
async fn a_server_that_says_nothing_is_given_up_after_the_registration_timeout() {
    let (port, _) = answering_server(|_| (String::new(), false)).await;
    let mut settings = Settings::new("127.0.0.1", port, "guest");
    settings.registration_timeout = Duration::from_millis(300);
    let (_handle, mut updates) = connect(
        &tokio::runtime::Handle::current(),
        settings,
        Arc::new(|| {}),
    );
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match updates.recv().await {
                Some(Update::Refused(reason)) => return Some(reason),
                Some(_) => {}
                None => return None,
            }
        }
    })
    .await
    .expect("given up within 10 s");
    assert_eq!(
        refused.as_deref(),
        Some("The server did not let us in within 0.3 s.")
    );
}
