//! Connection exhaustion: idle sockets from many addresses, reconnect
//! loops and connects too fast. Client sockets are bound to other loopback
//! addresses (Linux routes all of 127.0.0.0/8 to lo) to act as many
//! addresses, with `limit_loopback` on.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use ciao_server::Config;
use ciao_server::ConnectRate;
use common::bystanders::Bystanders;
use common::{TestClient, TestServer, test_config};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

/// Connects to `server` from 127.0.0.`host`.
async fn connect_from(server: SocketAddr, host: u8) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, host], 0)))?;
    socket.connect(server).await
}

/// A client from 127.0.0.`host` that was admitted: it answers PING.
async fn admitted_from(server: SocketAddr, host: u8, name: &str) -> TestClient {
    let socket = connect_from(server, host).await.expect("connect");
    let mut client = TestClient::from_stream(socket, name);
    client.send("PING :admitted").await;
    let line = client.line().await;
    assert!(
        line.contains(" PONG ") && line.ends_with("admitted"),
        "{name}: {line}"
    );
    client
}

/// A client from 127.0.0.`host` that is refused: what it is told.
async fn refused_from(server: SocketAddr, host: u8, name: &str) -> Vec<String> {
    let socket = connect_from(server, host).await.expect("connect");
    TestClient::from_stream(socket, name).expect_eof().await
}

/// Seconds in "try again in N s", if the line says so.
fn retry_after(line: &str) -> Option<u64> {
    let rest = line.split("try again in ").nth(1)?;
    rest.split(' ').next()?.parse().ok()
}

#[tokio::test]
async fn idle_sockets_from_many_addresses_do_not_keep_a_user_out() {
    let server = TestServer::start(Config {
        max_clients: 300,
        limit_loopback: true,
        max_registering: 75,
        registration_timeout_busy: Duration::from_secs(2),
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;

    // 40 addresses × 10 sockets that never register and reconnect as
    // soon as they are closed or refused (paced at 100 ms: the
    // attacker's pace, not synchronisation).
    let mut attack = tokio::task::JoinSet::new();
    for host in 2..42u8 {
        for _ in 0..10 {
            let addr = server.addr;
            attack.spawn(async move {
                loop {
                    if let Ok(mut socket) = connect_from(addr, host).await {
                        let mut sink = [0u8; 512];
                        while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
        }
    }
    // The attack has filled what it can once a newcomer is refused
    // (probed from elsewhere: the user has not been connecting).
    let mut first_try = None;
    for _ in 0..100 {
        let told = refused_or_registered(server.addr, 200).await;
        if told.is_err() {
            first_try = Some(Instant::now());
            break;
        }
    }
    let started = first_try.expect("the attack fills the registering places");

    // A real user retries when told to and gets in within a few seconds.
    loop {
        match refused_or_registered(server.addr, 1).await {
            Ok(mut user) => {
                let waited = started.elapsed();
                eprintln!("registered {waited:?} after the first refusal");
                assert!(waited < Duration::from_secs(9), "took {waited:?}");
                bystanders.still_chatting(3).await;
                user.send("PRIVMSG talker :made it").await;
                bystanders.talker.wait_contains("made it").await;
                break;
            }
            Err(line) => {
                let wait = retry_after(&line).unwrap_or_else(|| panic!("no retry time: {line}"));
                assert!(
                    started.elapsed() < Duration::from_secs(9),
                    "still refused after {:?}: {line}",
                    started.elapsed()
                );
                // The wait the server asked for: time itself.
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
        }
    }
    attack.abort_all();
    server.shutdown().await;
}

/// A user from 127.0.0.`host` registering: the registered client, or
/// the line it was refused with.
async fn refused_or_registered(server: SocketAddr, host: u8) -> Result<TestClient, String> {
    let socket = connect_from(server, host).await.expect("connect");
    let mut user = TestClient::from_stream(socket, "user");
    user.send("NICK user").await;
    user.send("USER user 0 * :A user").await;
    let line = user.line().await;
    if line.starts_with("ERROR") {
        return Err(line);
    }
    if !line.contains(" 001 ") {
        user.wait_numeric("001").await;
    }
    Ok(user)
}

#[tokio::test]
async fn connects_beyond_the_rate_are_refused_with_the_reason_and_allowed_after_the_window() {
    let window = Duration::from_millis(500);
    let server = TestServer::start(Config {
        limit_loopback: true,
        connect_rate: Some(ConnectRate {
            burst: 3,
            interval: window,
        }),
        ..test_config()
    })
    .await;
    let mut burst = Vec::new();
    for i in 0..3 {
        burst.push(admitted_from(server.addr, 7, &format!("burst{i}")).await);
    }
    assert_eq!(
        refused_from(server.addr, 7, "fourth").await,
        [
            "ERROR :Closing link: Too many connections from your address too quickly, try again in 1 s"
        ]
    );
    let _elsewhere = admitted_from(server.addr, 8, "elsewhere").await;
    // Holding connections open does not matter, only connecting.
    drop(burst);
    // One interval brings one connect back: a wait for time itself.
    tokio::time::sleep(window).await;
    let _again = admitted_from(server.addr, 7, "again").await;
    assert_eq!(refused_from(server.addr, 7, "too soon").await.len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn beyond_the_registering_cap_newcomers_are_refused_until_the_oldest_is_overdue() {
    let busy = Duration::from_secs(1);
    let server = TestServer::start(Config {
        max_registering: 3,
        registration_timeout_busy: busy,
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;
    let mut first = admitted_from(server.addr, 1, "first").await;
    // The cap applies to loopback too, though it is exempt from
    // per-address limits here.
    let mut second = admitted_from(server.addr, 12, "second").await;
    let mut third = admitted_from(server.addr, 13, "third").await;
    let refused = refused_from(server.addr, 14, "fourth").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(
            "ERROR :Closing link: Too many connections are still registering, try again in"
        ),
        "{refused:?}"
    );
    bystanders.still_chatting(3).await;

    // Registering gives the place back.
    first.send("NICK first").await;
    first.send("USER first 0 * :First").await;
    first.wait_numeric("001").await;
    let mut fifth = admitted_from(server.addr, 15, "fifth").await;

    // Past the busy deadline the oldest registering one (second) makes
    // room for a newcomer from an address holding fewer places (none);
    // registered users are untouched.
    tokio::time::sleep(busy).await;
    let _sixth = admitted_from(server.addr, 16, "sixth").await;
    assert_eq!(
        second.expect_eof().await,
        ["ERROR :Closing link: Registration timed out: the server is busy, please connect again"]
    );
    third.sync().await;
    fifth.sync().await;
    bystanders.still_chatting(3).await;
    first.sync().await;
    server.shutdown().await;
}
