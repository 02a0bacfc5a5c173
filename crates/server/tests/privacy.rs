//! Privacy (issue 15, before accounts): an anonymous client's private
//! history is its session's. Whoever takes a nick later reads nothing of
//! its earlier holder's private conversations (CHATHISTORY, TARGETS) nor
//! learns its private read markers; a nick change reads nothing of the
//! new nick's past; taking one's own nick back resumes its session.

mod common;

use std::path::Path;

use ciao_server::{Config, HistoryConfig};
use common::{TestClient, TestServer, quiet_config};

const CAPS: &[&str] = &[
    "batch",
    "server-time",
    "message-tags",
    "echo-message",
    "draft/chathistory",
    "draft/read-marker",
];

const ALL_TIME: &str = "timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z";

fn with_history(dir: &Path) -> Config {
    let mut history = HistoryConfig::new(dir.to_owned());
    history.replay_lines = 0;
    Config {
        history: Some(history),
        ..quiet_config()
    }
}

/// The lines inside the next `BATCH +ref … / BATCH -ref`.
async fn read_batch(client: &mut TestClient) -> Vec<String> {
    let start = client.wait_contains(" BATCH +").await;
    let reference = start
        .split(" BATCH +")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("batch reference")
        .to_owned();
    let mut inside = Vec::new();
    loop {
        let line = client.line().await;
        if line.ends_with(&format!("BATCH -{reference}")) {
            return inside;
        }
        inside.push(line);
    }
}

/// The texts a CHATHISTORY query returns.
async fn history(client: &mut TestClient, query: &str) -> Vec<String> {
    client.send(&format!("CHATHISTORY {query}")).await;
    read_batch(client)
        .await
        .iter()
        .map(|l| l.rsplit_once(" :").map_or("", |(_, t)| t).to_owned())
        .collect()
}

/// The nicks CHATHISTORY TARGETS names (all time).
async fn targets(client: &mut TestClient) -> Vec<String> {
    client
        .send(&format!("CHATHISTORY TARGETS {ALL_TIME} 50"))
        .await;
    read_batch(client)
        .await
        .iter()
        .filter_map(|l| l.split(" CHATHISTORY TARGETS ").nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .map(str::to_owned)
        .collect()
}

/// Every way of reading `other`'s private conversation: all of it.
async fn everything_with(client: &mut TestClient, other: &str) -> Vec<Vec<String>> {
    let (past, future) = (
        "timestamp=2000-01-01T00:00:00.000Z",
        "timestamp=2100-01-01T00:00:00.000Z",
    );
    let mut found = Vec::new();
    for query in [
        format!("LATEST {other} * 50"),
        format!("BEFORE {other} {future} 50"),
        format!("AFTER {other} {past} 50"),
        format!("AROUND {other} {past} 50"),
        format!("BETWEEN {other} {past} {future} 50"),
    ] {
        found.push(history(client, &query).await);
    }
    found
}

/// Sends QUIT and reads to the end: the nick is free once the server
/// closed the link (it forgets the client first).
async fn quit(mut client: TestClient) {
    client.send("QUIT :bye").await;
    client.expect_eof().await;
}

#[tokio::test]
async fn a_nick_thief_reads_nothing_of_its_earlier_holders_private_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", CAPS).await;
    bob.send("PRIVMSG alice :the secret").await;
    alice.wait_contains("PRIVMSG alice :the secret").await;
    alice.send("PRIVMSG bob :my answer").await;
    bob.wait_contains("PRIVMSG bob :my answer").await;

    // Her own session reads it all.
    assert_eq!(
        history(&mut alice, "LATEST bob * 50").await,
        ["the secret", "my answer"]
    );
    assert_eq!(targets(&mut alice).await, ["bob"]);
    quit(alice).await;

    let mut mallory = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    for (query, found) in everything_with(&mut mallory, "bob")
        .await
        .iter()
        .enumerate()
    {
        assert!(found.is_empty(), "query {query}: {found:?}");
    }
    assert!(targets(&mut mallory).await.is_empty());
    // Bob's side is his: he still reads the conversation.
    assert_eq!(
        history(&mut bob, "LATEST alice * 50").await,
        ["the secret", "my answer"]
    );

    // What mallory gets from now on is hers.
    bob.send("PRIVMSG alice :hello, new alice").await;
    mallory.wait_contains(":hello, new alice").await;
    assert_eq!(
        history(&mut mallory, "LATEST bob * 50").await,
        ["hello, new alice"]
    );
    assert_eq!(targets(&mut mallory).await, ["bob"]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_nick_change_reads_nothing_of_the_new_nicks_past_and_resumes_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", CAPS).await;
    let mut carol = TestClient::irc_with_caps(server.addr, "carol", CAPS).await;
    bob.send("PRIVMSG carol :for carol only").await;
    carol.wait_contains(":for carol only").await;
    quit(carol).await;

    // alice becomes carol: nothing of carol's past.
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    alice.send("NICK carol").await;
    alice.wait_contains(" NICK carol").await;
    assert!(history(&mut alice, "LATEST bob * 50").await.is_empty());
    assert!(targets(&mut alice).await.is_empty());
    bob.send("PRIVMSG carol :to alice as carol").await;
    alice.wait_contains(":to alice as carol").await;

    // Away and back, and nobody took carol meanwhile: she reads on.
    alice.send("NICK dave").await;
    alice.wait_contains(" NICK dave").await;
    assert!(history(&mut alice, "LATEST bob * 50").await.is_empty());
    alice.send("NICK carol").await;
    alice.wait_contains(" NICK carol").await;
    assert_eq!(
        history(&mut alice, "LATEST bob * 50").await,
        ["to alice as carol"]
    );

    // Away again, and someone else held carol in between: what that one
    // got is not hers, and her session of carol starts again.
    alice.send("NICK dave").await;
    alice.wait_contains(" NICK dave").await;
    let mut eve = TestClient::irc_with_caps(server.addr, "carol", CAPS).await;
    bob.send("PRIVMSG carol :for eve").await;
    eve.wait_contains(":for eve").await;
    quit(eve).await;
    alice.send("NICK carol").await;
    alice.wait_contains(" NICK carol").await;
    assert!(
        history(&mut alice, "LATEST bob * 50").await.is_empty(),
        "neither eve's line nor, any more, her own"
    );
    assert!(targets(&mut alice).await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn private_read_markers_are_the_sessions_and_channel_markers_the_nicks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    alice.join("#c").await;
    let read = "2026-01-02T03:04:05.678Z";
    for target in ["bob", "#c"] {
        alice
            .send(&format!("MARKREAD {target} timestamp={read}"))
            .await;
        alice
            .expect(&format!(":test.server MARKREAD {target} timestamp={read}"))
            .await;
    }
    // A nick change: bob's marker was alice's, not this nick's.
    alice.send("NICK ann").await;
    alice.wait_contains(" NICK ann").await;
    alice.send("MARKREAD bob").await;
    alice.expect(":test.server MARKREAD bob *").await;
    alice.send("NICK alice").await;
    alice.wait_contains(" NICK alice").await;
    alice.send("MARKREAD bob").await;
    alice
        .expect(&format!(":test.server MARKREAD bob timestamp={read}"))
        .await;
    quit(alice).await;

    let mut mallory = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    mallory.send("MARKREAD bob").await;
    mallory.expect(":test.server MARKREAD bob *").await;
    // A channel's marker says nothing private: the nick keeps it.
    mallory.send("JOIN #c").await;
    let marker = mallory.wait_contains("MARKREAD #c").await;
    assert_eq!(marker, format!(":test.server MARKREAD #c timestamp={read}"));
    mallory.wait_numeric("366").await;
    // Setting her own, even earlier, is hers alone.
    let earlier = "2025-05-05T05:05:05.555Z";
    mallory
        .send(&format!("MARKREAD bob timestamp={earlier}"))
        .await;
    mallory
        .expect(&format!(":test.server MARKREAD bob timestamp={earlier}"))
        .await;
    mallory.sync().await;
    server.shutdown().await;
    mallory.expect_eof().await;

    // After a restart no private marker is anyone's; the channel's is.
    let server = TestServer::start(with_history(dir.path())).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    alice.send("MARKREAD bob").await;
    alice.expect(":test.server MARKREAD bob *").await;
    alice.send("JOIN #c").await;
    let marker = alice.wait_contains("MARKREAD #c").await;
    assert_eq!(marker, format!(":test.server MARKREAD #c timestamp={read}"));
    server.shutdown().await;
}
