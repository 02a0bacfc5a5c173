//! Limits and lifecycle: --max-clients, shutdown, slow readers.

mod common;

use std::time::Duration;

use ciao_server::Config;
use common::{TestClient, TestServer, test_config};
use tokio::net::TcpSocket;

#[tokio::test]
async fn max_clients_refuses_the_extra_client_and_nobody_else_notices() {
    let server = TestServer::start(Config {
        max_clients: 2,
        ..test_config()
    })
    .await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    let mut b = TestClient::plain(server.addr, "b").await;
    a.wait_contains("JOIN #lobby").await;

    let mut extra = TestClient::connect(server.addr, "extra").await;
    let refusal = extra.expect_eof().await;
    assert_eq!(
        refusal,
        ["ERROR :Closing link: Server full (2 clients), try again later"]
    );

    b.send_raw(b"still here").await;
    b.expect("b: still here").await;
    a.expect(":b!b@127.0.0.1 PRIVMSG #lobby :still here").await;

    // A slot frees up when someone leaves.
    b.send_raw(b"{quit}").await;
    b.expect_eof().await;
    a.wait_contains("QUIT").await;
    let _c = TestClient::irc(server.addr, "c").await;
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_tells_irc_and_plain_clients_and_ends() {
    let server = TestServer::with_defaults().await;
    let mut irc = TestClient::irc_in_lobby(server.addr, "irc").await;
    let mut plain = TestClient::plain(server.addr, "plain").await;
    irc.wait_contains("JOIN #lobby").await;
    let mut unregistered = TestClient::connect(server.addr, "unregistered").await;
    unregistered.send("NICK halfway").await;
    irc.sync().await;

    server.shutdown().await;

    assert_eq!(irc.expect_eof().await, [common::IRC_GOODBYE]);
    assert_eq!(plain.expect_eof().await, common::PLAIN_GOODBYE);
    assert_eq!(unregistered.expect_eof().await, [common::IRC_GOODBYE]);
}

#[tokio::test]
async fn shutdown_ends_even_when_a_client_does_not_read() {
    let server = TestServer::start(Config {
        sendq_bytes: 64 * 1024,
        flush_timeout: Duration::from_millis(500),
        ..test_config()
    })
    .await;
    let _stuck = stuck_client(server.addr, "stuck").await;
    let mut talker = TestClient::irc_in_lobby(server.addr, "talker").await;
    let line = format!("PRIVMSG #lobby :{}", "z".repeat(400));
    for _ in 0..200 {
        talker.send(&line).await;
    }
    talker.sync().await;
    // `shutdown` fails the test if run() does not return in time.
    server.shutdown().await;
}

/// A client with a tiny receive buffer that registers and then never
/// reads again.
async fn stuck_client(addr: std::net::SocketAddr, nick: &str) -> TestClient {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket.connect(addr).await.expect("connect");
    let mut client = TestClient::from_stream(stream, nick);
    client.send(&format!("NICK {nick}")).await;
    client.send(&format!("USER {nick} 0 * :{nick}")).await;
    client.wait_numeric("366").await;
    client
}

// Two workers, as in production: the flooding connection must not starve
// the reader's writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_dropped_and_delays_nobody() {
    let server = TestServer::start(Config {
        sendq_bytes: 256 * 1024,
        ..test_config()
    })
    .await;
    let mut stuck = stuck_client(server.addr, "stuck").await;
    let mut reader = TestClient::irc_in_lobby(server.addr, "reader").await;
    let mut talker = TestClient::irc_in_lobby(server.addr, "talker").await;
    reader.wait_contains("talker!").await;

    // Far more than the kernel buffers and the send queue can hold, sent
    // in batches the reader keeps up with (flood control is not the point
    // here: a reader that keeps up must never be dropped).
    const BATCHES: usize = 20;
    const BATCH: usize = 500;
    let padding = "p".repeat(300);
    let mut quit_seen = false;
    for batch in 0..BATCHES {
        for i in batch * BATCH..(batch + 1) * BATCH {
            talker.send(&format!("PRIVMSG #lobby :{i} {padding}")).await;
        }
        for i in batch * BATCH..(batch + 1) * BATCH {
            let mut line = reader.line().await;
            if line == ":stuck!~stuck@127.0.0.1 QUIT :SendQ exceeded" {
                quit_seen = true;
                line = reader.line().await;
            }
            assert!(
                line.contains(&format!("PRIVMSG #lobby :{i} ")),
                "message {i} in order: {line}"
            );
        }
    }
    assert!(
        quit_seen,
        "the stuck client was dropped with SendQ exceeded"
    );

    // The stuck client finds the reason at the end of what it was sent.
    let rest = stuck.expect_eof().await;
    assert_eq!(
        rest.last().map(String::as_str),
        Some("ERROR :SendQ exceeded")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unregistered_connections_time_out() {
    let server = TestServer::start(Config {
        registration_timeout: Duration::from_millis(300),
        ..test_config()
    })
    .await;
    let mut lazy = TestClient::connect(server.addr, "lazy").await;
    lazy.send("NICK lazy").await;
    assert_eq!(
        lazy.expect_eof().await,
        ["ERROR :Closing link: registration timed out"]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn silent_clients_are_pinged_and_dropped_when_they_do_not_answer() {
    let server = TestServer::start(Config {
        registration_timeout: Duration::from_millis(200),
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(300),
        ..test_config()
    })
    .await;
    // The live client answers every PING, in its own task, until it sees
    // the silent one leave.
    let mut alive = TestClient::irc_in_lobby(server.addr, "alive").await;
    let alive_task = tokio::spawn(async move {
        let mut pings = 0;
        loop {
            let line = alive.line().await;
            if line == ":test.server PING test.server" {
                pings += 1;
                alive.send("PONG :test.server").await;
            } else if line.contains("QUIT") {
                return (alive, pings, line);
            }
        }
    });

    // The silent one is asked, does not answer, and is dropped.
    let mut silent = TestClient::irc_in_lobby(server.addr, "silent").await;
    silent.expect(":test.server PING test.server").await;
    let rest = silent.expect_eof().await;
    assert_eq!(
        rest.last().map(String::as_str),
        Some("ERROR :Closing link: Ping timeout: 0 seconds")
    );

    let (mut alive, pings, quit) = alive_task.await.expect("alive task");
    assert_eq!(
        quit,
        ":silent!~silent@127.0.0.1 QUIT :Ping timeout: 0 seconds"
    );
    assert!(pings >= 1, "the live client was pinged too");
    let seen = alive.sync().await;
    assert!(
        seen.iter().all(|l| l.contains("PING")),
        "still connected: {seen:?}"
    );
    server.shutdown().await;
}
