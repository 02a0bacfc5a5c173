//! Privacy (issue 15): private history belongs to its owner. A
//! logged-in user's private conversations and read markers are her
//! account's: she reads them from any connection and after a restart,
//! and whoever takes her nick — anonymous or logged in to another
//! account — reads nothing. An anonymous client's private history is its
//! session's: whoever takes a nick later reads nothing of its earlier
//! holder's private conversations (CHATHISTORY, TARGETS) nor learns its
//! private read markers; a nick change reads nothing of the new nick's
//! past; taking one's own nick back resumes its session. Replay carries
//! the sender's `account=`.

mod common;

use std::net::SocketAddr;
use std::path::Path;

use ciao_server::{Config, HistoryConfig};
use common::accounts::PASSWORD;
use common::{TestClient, TestServer, quiet_config, tag};

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

/// The lines (tags and all) a CHATHISTORY query returns.
async fn history_lines(client: &mut TestClient, query: &str) -> Vec<String> {
    client.send(&format!("CHATHISTORY {query}")).await;
    read_batch(client).await
}

/// `(account tag, text)` of each line a CHATHISTORY query returns.
async fn signed_history(client: &mut TestClient, query: &str) -> Vec<(Option<String>, String)> {
    history_lines(client, query)
        .await
        .iter()
        .map(|line| {
            let text = line.rsplit_once(" :").map_or("", |(_, t)| t).to_owned();
            (tag(line, "account").map(str::to_owned), text)
        })
        .collect()
}

/// Creates the account `name` (registering as that nick) and leaves.
async fn create_account(addr: SocketAddr, name: &str) {
    quit(TestClient::with_account(addr, name, PASSWORD).await).await;
}

/// Registers as `nick` with `caps`, logged in to `account` with SASL
/// PLAIN, in one burst as clients send it; waits for the welcome's end.
async fn logged_in(addr: SocketAddr, nick: &str, account: &str, caps: &[&str]) -> TestClient {
    TestClient::logged_in_with_caps(addr, nick, account, PASSWORD, caps).await
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

/// The capabilities of a client that wants to see who said what.
const SIGNED: &[&str] = &[
    "batch",
    "server-time",
    "message-tags",
    "echo-message",
    "draft/chathistory",
    "draft/read-marker",
    "account-tag",
];

#[tokio::test]
async fn a_logged_in_users_private_history_is_her_accounts_wherever_and_whenever() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    create_account(server.addr, "alice").await;
    // She chats as `ally`, a nick no account owns: anyone may take it.
    let mut ally = logged_in(server.addr, "ally", "alice", SIGNED).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", SIGNED).await;
    bob.send("PRIVMSG ally :the secret").await;
    ally.wait_contains("PRIVMSG ally :the secret").await;
    ally.send("PRIVMSG bob :my answer").await;
    bob.wait_contains("PRIVMSG bob :my answer").await;
    ally.wait_contains("PRIVMSG bob :my answer").await;
    let read = "2026-01-02T03:04:05.678Z";
    ally.send(&format!("MARKREAD bob timestamp={read}")).await;
    ally.expect(&format!(":test.server MARKREAD bob timestamp={read}"))
        .await;
    let both = vec![
        (None, "the secret".to_owned()),
        (Some("alice".to_owned()), "my answer".to_owned()),
    ];
    // Replay carries the sender's account: bob's line has none.
    assert_eq!(signed_history(&mut bob, "LATEST ally * 50").await, both);

    // A second connection of her account, under another nick, reads it
    // all, and knows where she stopped reading.
    let mut phone = logged_in(server.addr, "alice_phone", "alice", SIGNED).await;
    assert_eq!(signed_history(&mut phone, "LATEST bob * 50").await, both);
    assert_eq!(targets(&mut phone).await, ["bob"]);
    phone.send("MARKREAD bob").await;
    phone
        .expect(&format!(":test.server MARKREAD bob timestamp={read}"))
        .await;
    quit(phone).await;
    quit(ally).await;

    // The nick thief, anonymous: nothing of hers, by any query.
    let mut thief = TestClient::irc_with_caps(server.addr, "ally", SIGNED).await;
    for (query, found) in everything_with(&mut thief, "bob").await.iter().enumerate() {
        assert!(found.is_empty(), "query {query}: {found:?}");
    }
    assert!(targets(&mut thief).await.is_empty());
    thief.send("MARKREAD bob").await;
    thief.expect(":test.server MARKREAD bob *").await;
    quit(thief).await;

    // Nor one logged in to another account.
    create_account(server.addr, "mallory").await;
    let mut thief = logged_in(server.addr, "ally", "mallory", SIGNED).await;
    for (query, found) in everything_with(&mut thief, "bob").await.iter().enumerate() {
        assert!(found.is_empty(), "query {query}: {found:?}");
    }
    assert!(targets(&mut thief).await.is_empty());
    thief.send("MARKREAD bob").await;
    thief.expect(":test.server MARKREAD bob *").await;
    quit(thief).await;

    // Bob names her by her account now that `ally` is gone.
    assert_eq!(targets(&mut bob).await, ["alice"]);
    assert_eq!(signed_history(&mut bob, "LATEST alice * 50").await, both);
    bob.sync().await;
    server.shutdown().await;
    bob.expect_eof().await;

    // After a restart it is still hers, and only hers.
    let server = TestServer::start(with_history(dir.path())).await;
    let mut alice = logged_in(server.addr, "alice", "alice", SIGNED).await;
    assert_eq!(signed_history(&mut alice, "LATEST bob * 50").await, both);
    assert_eq!(targets(&mut alice).await, ["bob"]);
    alice.send("MARKREAD bob").await;
    alice
        .expect(&format!(":test.server MARKREAD bob timestamp={read}"))
        .await;
    let mut thief = TestClient::irc_with_caps(server.addr, "ally", SIGNED).await;
    assert!(history(&mut thief, "LATEST bob * 50").await.is_empty());
    assert!(targets(&mut thief).await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn replay_tags_a_line_with_its_senders_account_only_for_account_tag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    create_account(server.addr, "alice").await;
    let mut alice = logged_in(server.addr, "alice", "alice", SIGNED).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", SIGNED).await;
    let mut carl = TestClient::irc_with_caps(server.addr, "carl", CAPS).await;
    for client in [&mut alice, &mut bob, &mut carl] {
        client.join("#c").await;
    }
    alice.send("PRIVMSG #c :signed").await;
    bob.wait_contains(":signed").await;
    carl.wait_contains(":signed").await;
    bob.send("PRIVMSG #c :anonymous").await;
    carl.wait_contains(":anonymous").await;
    assert_eq!(
        signed_history(&mut bob, "LATEST #c * 50").await,
        [
            (Some("alice".to_owned()), "signed".to_owned()),
            (None, "anonymous".to_owned())
        ]
    );
    // Without account-tag, no account.
    let lines = history_lines(&mut carl, "LATEST #c * 50").await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines.iter().all(|line| tag(line, "account").is_none()),
        "{lines:?}"
    );
    server.shutdown().await;
}
