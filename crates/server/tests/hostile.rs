//! Hostile clients: limits hold, and well-behaved clients in the same
//! channel keep receiving every message, in order.

mod common;

use std::time::Duration;

use ciao_server::Config;
use ciao_server::FloodLimits;
use common::bystanders::Bystanders;
use common::{TestClient, TestServer, rss_kib, test_config};

#[tokio::test]
async fn connections_past_the_per_address_limit_are_refused_with_a_reason() {
    let server = TestServer::start(Config {
        max_per_ip: 3,
        limit_loopback: true,
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;
    let third = TestClient::irc(server.addr, "third").await;
    let mut extra = TestClient::connect(server.addr, "extra").await;
    assert_eq!(
        extra.expect_eof().await,
        ["ERROR :Closing link: Too many connections from your address (the limit is 3)"]
    );
    bystanders.still_chatting(5).await;
    // A place frees up when someone leaves.
    drop(third);
    bystanders.talker.wait_contains("QUIT").await;
    let _again = TestClient::irc(server.addr, "again").await;
    server.shutdown().await;
}

fn flood_limits(burst: u32, rate: f32, max_queued: usize) -> Option<FloodLimits> {
    Some(FloodLimits {
        burst,
        rate,
        max_queued,
    })
}

#[tokio::test]
async fn a_burst_goes_through_a_faster_stream_is_slowed_and_a_flood_is_cut_off() {
    let server = TestServer::start(Config {
        flood: flood_limits(5, 20.0, 4096),
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;
    let mut flooder = TestClient::irc_in_lobby(server.addr, "flooder").await;
    bystanders.listener.wait_contains("flooder").await;

    // Ten lines at once: five pass at once, five at 20 a second — all of
    // them, in order, and no sooner than the rate allows.
    let lines: String = (0..10)
        .map(|i| format!("PRIVMSG #lobby :paced {i}\r\n"))
        .collect();
    flooder.send_raw(lines.as_bytes()).await;
    let start = std::time::Instant::now();
    for i in 0..10 {
        let line = bystanders
            .listener
            .wait_contains("PRIVMSG #lobby :paced")
            .await;
        assert!(line.ends_with(&format!("paced {i}")), "{line}");
    }
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "five lines over the burst at 20/s take 250 ms, not {:?}",
        start.elapsed()
    );
    bystanders.still_chatting(3).await;

    // A flood: far more than may wait for it.
    let flood: String = (0..2000)
        .map(|i| format!("PRIVMSG #lobby :flood {i}\r\n"))
        .collect();
    let _ = flooder.try_send_raw(flood.as_bytes()).await;
    flooder
        .wait_for("Excess flood", |l| l == "ERROR :Closing link: Excess flood")
        .await;
    bystanders
        .listener
        .wait_for("the flooder's quit", |l| l.ends_with("QUIT :Excess flood"))
        .await;
    bystanders.still_chatting(5).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_multiline_message_costs_a_line_per_four_and_lines_beside_it_are_not_free() {
    let server = TestServer::start(Config {
        flood: flood_limits(3, 2.0, 8192),
        ..test_config()
    })
    .await;
    let mut listener = TestClient::irc_in_lobby(server.addr, "listener").await;
    let caps = ["draft/multiline", "batch"];
    let mut poet = TestClient::irc_with_caps(server.addr, "poet", &caps).await;
    poet.wait_numeric("366").await;
    listener.wait_contains("JOIN").await;

    // Forty lines in one message arrive at once: charged one by one while
    // they were collected, they would take twenty seconds, past the
    // harness's bound.
    let mut batch = String::from("BATCH +p draft/multiline #lobby\r\n");
    for i in 0..40 {
        batch.push_str(&format!("@batch=p PRIVMSG #lobby :verse {i}\r\n"));
    }
    batch.push_str("BATCH -p\r\n");
    poet.send_raw(batch.as_bytes()).await;
    for i in 0..40 {
        let line = listener.wait_contains("PRIVMSG #lobby :verse").await;
        assert!(line.ends_with(&format!("verse {i}")), "{line}");
    }
    // But the message cost ten lines (one per four): the next line waits
    // for the debt, eleven lines over a burst of three, at two a second.
    let start = std::time::Instant::now();
    poet.send("PRIVMSG #lobby :after").await;
    listener.wait_contains("PRIVMSG #lobby :after").await;
    assert!(
        start.elapsed() >= Duration::from_secs(3),
        "a 40-line message costs 10 lines: the next waits 4 s, not {:?}",
        start.elapsed()
    );

    // An open batch does not make other lines free.
    let mut other = TestClient::irc_with_caps(server.addr, "other", &caps).await;
    other.wait_numeric("366").await;
    listener.wait_contains("JOIN").await;
    other.send("BATCH +q draft/multiline #lobby").await;
    let lines: String = (0..8)
        .map(|i| format!("PRIVMSG #lobby :aside {i}\r\n"))
        .collect();
    let start = std::time::Instant::now();
    other.send_raw(lines.as_bytes()).await;
    for i in 0..8 {
        let line = listener.wait_contains("PRIVMSG #lobby :aside").await;
        assert!(line.ends_with(&format!("aside {i}")), "{line}");
    }
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "eight lines with at most three tokens saved, at 2/s, take 2.5 s, not {:?}",
        start.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn operators_are_not_held_by_flood_control() {
    let server = TestServer::start(Config {
        flood: flood_limits(3, 1.0, 1024),
        opers: vec!["root:secret".parse().expect("oper")],
        ..test_config()
    })
    .await;
    let mut listener = TestClient::irc_in_lobby(server.addr, "listener").await;
    let mut oper = TestClient::irc_in_lobby(server.addr, "oper").await;
    oper.send("OPER root secret").await;
    oper.wait_numeric("381").await;
    // 3 KB at once: anyone else would be cut off at 1 KB waiting.
    let burst: String = (0..100)
        .map(|i| format!("PRIVMSG #lobby :op {i}\r\n"))
        .collect();
    oper.send_raw(burst.as_bytes()).await;
    for i in 0..100 {
        let line = listener.wait_contains("PRIVMSG #lobby :op ").await;
        assert!(line.ends_with(&format!("op {i}")), "{line}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn ten_megabytes_without_a_newline_are_refused_without_being_kept() {
    let server = TestServer::start(test_config()).await;
    let mut bystanders = Bystanders::join(&server).await;
    let mut hog = TestClient::irc_in_lobby(server.addr, "hog").await;
    let before = rss_kib();
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..160 {
        hog.send_raw(&chunk).await;
    }
    hog.send_raw(b"\r\n").await;
    hog.wait_numeric("417").await;
    let grown = rss_kib().saturating_sub(before);
    assert!(
        grown < 8 * 1024,
        "10 MB of input grew memory by {grown} KiB"
    );
    // The hog is still a client in good standing afterwards.
    hog.send("PRIVMSG #lobby :sorry").await;
    bystanders.listener.wait_contains(":sorry").await;
    bystanders.still_chatting(5).await;
    server.shutdown().await;
}

#[tokio::test]
async fn random_binary_junk_hurts_nobody() {
    let server = TestServer::start(test_config()).await;
    let mut bystanders = Bystanders::join(&server).await;
    // Deterministic junk (xorshift), NUL, CR, LF, 0xFF and all.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let junk: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    for first in [&b"NICK junk\r\nUSER j 0 * :j\r\n"[..], &b""[..]] {
        let mut junker = TestClient::connect(server.addr, "junker").await;
        junker.send_raw(first).await;
        let _ = junker.try_send_raw(&junk).await;
        bystanders.still_chatting(3).await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn half_closed_and_vanished_clients_are_cleaned_up() {
    let server = TestServer::start(test_config()).await;
    let mut bystanders = Bystanders::join(&server).await;

    // Sends its registration and closes its side: it still gets the
    // welcome, then the server closes too.
    let mut half = TestClient::connect(server.addr, "half").await;
    half.send("NICK half").await;
    half.send("USER half 0 * :half").await;
    half.shutdown_write().await;
    let rest = half.expect_eof().await;
    assert!(rest.iter().any(|l| l.contains(" 001 half ")), "{rest:#?}");

    // Vanishes halfway through registering: its nick is free again.
    let mut ghost = TestClient::connect(server.addr, "ghost").await;
    ghost.send("NICK ghost").await;
    ghost.sync().await;
    drop(ghost);
    bystanders.still_chatting(2).await;
    let mut again = TestClient::connect(server.addr, "again").await;
    again.send("NICK ghost").await;
    again.send("USER g 0 * :g").await;
    // The old connection's close may still be on its way: a 433 means
    // "not yet", so ask again until the nick is free.
    loop {
        let line = again
            .wait_for("001 or 433", |l| l.contains(" 001 ") || l.contains(" 433 "))
            .await;
        if line.contains(" 001 ") {
            break;
        }
        again.send("NICK ghost").await;
    }
    bystanders.still_chatting(2).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_connection_flood_past_the_limit_is_refused_and_nobody_else_notices() {
    let server = TestServer::start(Config {
        max_clients: 12,
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;
    let mut flood = Vec::new();
    for i in 0..40 {
        flood.push(TestClient::connect(server.addr, &format!("flood{i}")).await);
    }
    let mut refused = 0;
    for client in &mut flood {
        client.send("PING :hello").await;
    }
    for client in flood.iter_mut() {
        // Refused ones get the reason and EOF; admitted ones get a reply.
        let line = client.line().await;
        if line.contains("Server full") {
            refused += 1;
        }
    }
    assert_eq!(refused, 30, "2 bystanders + 10 admitted = 12");
    bystanders.still_chatting(5).await;
    drop(flood);
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_loris_holds_nobody_up() {
    let server = TestServer::start(test_config()).await;
    let mut bystanders = Bystanders::join(&server).await;
    let mut loris = TestClient::connect(server.addr, "loris").await;
    for byte in b"NICK loris\r\nUSER l 0 * :l\r\n" {
        loris.send_raw(&[*byte]).await;
        // The slow client's pace is the scenario, not synchronisation.
        tokio::time::sleep(Duration::from_millis(20)).await;
        if *byte == b'\n' {
            bystanders.still_chatting(1).await;
        }
    }
    loris.wait_numeric("001").await;
    bystanders.still_chatting(3).await;
    server.shutdown().await;
}

#[tokio::test]
async fn overlong_topics_reasons_and_away_messages_are_cut_to_what_isupport_says() {
    let server = TestServer::start(test_config()).await;
    let mut op = TestClient::irc_in_lobby(server.addr, "op").await;
    let mut other = TestClient::irc_in_lobby(server.addr, "other").await;
    op.wait_contains("other!").await;
    let long = "x".repeat(450);

    op.send(&format!("TOPIC #lobby :{long}")).await;
    let topic = op.wait_contains(" TOPIC #lobby :").await;
    assert_eq!(
        topic.rsplit_once(" :").map_or(0, |(_, t)| t.len()),
        390,
        "{topic}"
    );

    op.send(&format!("AWAY :{long}")).await;
    op.wait_contains(" 306 ").await;
    other.send("WHOIS op").await;
    let away = other.wait_contains(" 301 ").await;
    assert_eq!(
        away.rsplit_once(" :").map_or(0, |(_, t)| t.len()),
        390,
        "{away}"
    );

    op.send(&format!("KICK #lobby other :{long}")).await;
    let kick = other.wait_contains(" KICK #lobby other :").await;
    assert_eq!(
        kick.rsplit_once(" :").map_or(0, |(_, t)| t.len()),
        390,
        "{kick}"
    );
    server.shutdown().await;
}
