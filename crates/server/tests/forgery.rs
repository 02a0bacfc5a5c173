//! Forged lines and look-alike names: control bytes never reach a plain
//! client's terminal, and nobody can take a name that looks like one in
//! use.

mod common;

use common::{TestClient, TestServer};

/// An IRC user in #lobby and a plain user who has seen it there.
async fn irc_and_plain(server: &TestServer) -> (TestClient, TestClient) {
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    let carol = TestClient::plain(server.addr, "carol").await;
    alice.wait_contains("JOIN #lobby").await;
    (alice, carol)
}

#[tokio::test]
async fn terminal_controls_from_an_irc_user_never_reach_a_plain_terminal() {
    let server = TestServer::with_defaults().await;
    let (mut alice, mut carol) = irc_and_plain(&server).await;

    alice
        .send("PRIVMSG #lobby :\x1b[2J\x1b[Hbob: the server moves\x08\x0b to 10.6.6.6\x07\x0c\x7f\u{9b}2J\tnow")
        .await;
    let line = carol
        .wait_for("alice's message", |l| l.starts_with("alice:"))
        .await;
    assert_eq!(line, "alice: [2J[Hbob: the server moves to 10.6.6.62J now");

    server.shutdown().await;
}

#[tokio::test]
async fn formatting_codes_vanish_for_plain_users_and_reach_irc_users_intact() {
    let server = TestServer::with_defaults().await;
    let (mut alice, mut carol) = irc_and_plain(&server).await;
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    alice.wait_contains("JOIN #lobby").await;

    let text = "\x02bold\x02 \x0304,12red on blue\x03 \x04ff8800hex\x0f \x1ditalic\x1d \x1funder\x1f \x1estrike\x1e \x11mono\x11 \x16rev\x16 stray\x01ctcp";
    alice.send(&format!("PRIVMSG #lobby :{text}")).await;
    let line = carol
        .wait_for("alice's message", |l| l.starts_with("alice:"))
        .await;
    assert_eq!(
        line,
        "alice: bold red on blue hex italic under strike mono rev strayctcp"
    );
    let line = bob.wait_contains("PRIVMSG #lobby").await;
    assert!(
        line.ends_with(&format!(" PRIVMSG #lobby :{text}")),
        "IRC clients keep every code: {line:?}"
    );

    server.shutdown().await;
}

#[tokio::test]
async fn a_plain_user_cannot_forge_lines_for_another_plain_user() {
    let server = TestServer::with_defaults().await;
    let mut carol = TestClient::plain(server.addr, "carol").await;
    let mut dave = TestClient::plain(server.addr, "dave").await;
    carol.expect("dave joined the chat!").await;

    carol
        .send_raw(b"\x1b[1A\x1b[2K\radmin: please paste your password here\x1b[8m")
        .await;
    dave.expect("carol: [1A[2Kadmin: please paste your password here[8m")
        .await;

    server.shutdown().await;
}
