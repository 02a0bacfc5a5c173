//! History: stored before it is sent, replayed on join, queried with
//! CHATHISTORY, kept across restarts, private conversations kept private.

mod common;

use std::path::Path;

use ciao_server::Config;
use ciao_server::HistoryConfig;
use common::{TestClient, TestServer, numeric_of, tag, test_config};

const HISTORY_CAPS: &[&str] = &[
    "batch",
    "server-time",
    "message-tags",
    "echo-message",
    "draft/chathistory",
];

fn with_history(dir: &Path, replay_lines: usize) -> Config {
    let mut history = HistoryConfig::new(dir.to_owned());
    history.replay_lines = replay_lines;
    Config {
        history: Some(history),
        ..test_config()
    }
}

/// Reads a whole `BATCH +ref … / BATCH -ref` and returns its type line and
/// the lines inside (tags kept).
async fn read_batch(client: &mut TestClient) -> (String, Vec<String>) {
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
            return (start, inside);
        }
        assert!(
            line.starts_with(&format!("@batch={reference}")),
            "{}: line inside the batch without its tag: {line}",
            client.name
        );
        inside.push(line);
    }
}

/// The text after the last " :" of a line.
fn text(line: &str) -> &str {
    line.rsplit_once(" :").map_or("", |(_, text)| text)
}

#[tokio::test]
async fn history_survives_a_restart_and_reaches_every_kind_of_client() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 50)).await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    for text in ["one", "two", "three"] {
        alice.send(&format!("PRIVMSG #lobby :{text}")).await;
    }
    alice.send("PRIVMSG #lobby :\u{1}ACTION waves\u{1}").await;
    alice.sync().await;
    server.shutdown().await;
    alice.expect_eof().await;

    let server = TestServer::start(with_history(dir.path(), 50)).await;
    // A client without batch: NOTICE lines with the time.
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let line = bob.wait_contains("NOTICE #lobby").await;
        seen.push(text(&line).to_owned());
    }
    let expected = ["alice: one", "alice: two", "alice: three", "* alice waves"];
    for (line, want) in seen.iter().zip(expected) {
        assert!(
            line.starts_with('[') && line.ends_with(want),
            "{line:?} should be [HH:MM] {want}"
        );
    }
    // A plain client: the same, as text lines.
    let mut carol = TestClient::plain(server.addr, "carol").await;
    for want in expected {
        let line = carol.wait_contains(want).await;
        assert!(line.starts_with('['), "{line:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn read_markers_move_forward_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = || Config {
        default_channel: None,
        ..with_history(dir.path(), 0)
    };
    let server = TestServer::start(config()).await;
    let caps = ["draft/read-marker"];
    let mut ann = TestClient::irc_with_caps(server.addr, "ann", &caps).await;
    ann.send("JOIN #c").await;
    ann.expect(":ann!~ann@127.0.0.1 JOIN #c").await;
    // Before the end of NAMES: none yet.
    ann.expect(":test.server MARKREAD #c *").await;
    ann.wait_numeric("366").await;

    let later = "2026-01-02T03:04:05.678Z";
    ann.send(&format!("MARKREAD #C timestamp={later}")).await;
    ann.expect(&format!(":test.server MARKREAD #C timestamp={later}"))
        .await;
    // Never backwards: the answer is the later time.
    ann.send("MARKREAD #c timestamp=2025-01-01T00:00:00.000Z")
        .await;
    ann.expect(&format!(":test.server MARKREAD #c timestamp={later}"))
        .await;
    ann.send("MARKREAD bob timestamp=2026-02-01T00:00:00Z")
        .await;
    ann.expect(":test.server MARKREAD bob timestamp=2026-02-01T00:00:00.000Z")
        .await;
    for (line, error) in [
        (
            "MARKREAD",
            ":test.server FAIL MARKREAD NEED_MORE_PARAMS :Missing target",
        ),
        (
            "MARKREAD #c *",
            ":test.server FAIL MARKREAD INVALID_PARAMS #c :Invalid timestamp",
        ),
        (
            "MARKREAD #c timestamp=yesterday",
            ":test.server FAIL MARKREAD INVALID_PARAMS #c :Invalid timestamp",
        ),
        (
            "MARKREAD bad!target",
            ":test.server FAIL MARKREAD INVALID_PARAMS bad!target :Invalid target",
        ),
        (
            "MARKREAD #notin timestamp=2026-01-01T00:00:00Z",
            ":test.server FAIL MARKREAD INVALID_PARAMS #notin :You are not in that channel",
        ),
    ] {
        ann.send(line).await;
        ann.expect(error).await;
    }
    // Nobody has read the future: a marker stops at now.
    ann.send("MARKREAD carol timestamp=2999-01-01T00:00:00.000Z")
        .await;
    let clamped = ann.wait_contains("MARKREAD carol").await;
    assert!(!clamped.contains("2999"), "{clamped}");
    ann.sync().await;
    server.shutdown().await;
    ann.expect_eof().await;

    // Another session of the same nick, after a restart, knows a
    // channel's marker.
    let server = TestServer::start(config()).await;
    let mut ann = TestClient::irc_with_caps(server.addr, "ann", &caps).await;
    ann.send("JOIN #c").await;
    ann.wait_contains("JOIN #c").await;
    ann.expect(&format!(":test.server MARKREAD #c timestamp={later}"))
        .await;
    ann.wait_numeric("366").await;
    // A private target's marker was that session's (tests/privacy.rs).
    ann.send("MARKREAD Bob").await;
    ann.expect(":test.server MARKREAD Bob *").await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_late_joiner_gets_the_last_lines_in_a_batch_then_only_live_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 3)).await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    for i in 1..=5 {
        alice.send(&format!("PRIVMSG #lobby :m{i}")).await;
    }
    alice.sync().await;

    let mut bob = TestClient::irc_with_caps(server.addr, "bob", HISTORY_CAPS).await;
    bob.wait_numeric("366").await;
    let (start, lines) = read_batch(&mut bob).await;
    assert!(start.ends_with("chathistory #lobby"), "{start}");
    let texts: Vec<&str> = lines.iter().map(|l| text(l)).collect();
    assert_eq!(texts, ["m3", "m4", "m5"]);
    for line in &lines {
        assert!(tag(line, "time").is_some(), "original time: {line}");
        assert!(tag(line, "msgid").is_some(), "msgid: {line}");
        assert!(line.contains(" :alice!"), "original sender: {line}");
    }
    alice.send("PRIVMSG #lobby :live").await;
    let live = bob.wait_contains("PRIVMSG #lobby").await;
    assert_eq!(
        text(&live),
        "live",
        "nothing replayed twice, nothing missed"
    );
    server.shutdown().await;
}

/// Sends `count` messages and returns their msgids, from echo-message.
async fn say(client: &mut TestClient, target: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 1..=count {
        client.send(&format!("PRIVMSG {target} :m{i}")).await;
        let echo = client
            .wait_contains(&format!("PRIVMSG {target} :m{i}"))
            .await;
        ids.push(tag(&echo, "msgid").expect("msgid").to_owned());
    }
    ids
}

async fn history(client: &mut TestClient, query: &str) -> Vec<String> {
    client.send(&format!("CHATHISTORY {query}")).await;
    let (_, lines) = read_batch(client).await;
    lines.iter().map(|l| text(l).to_owned()).collect()
}

#[tokio::test]
async fn chathistory_subcommands_with_msgid_and_timestamp_references() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 0)).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", HISTORY_CAPS).await;
    alice.wait_numeric("366").await;
    let ids = say(&mut alice, "#lobby", 10).await;
    let m = |i: usize| format!("msgid={}", ids[i - 1]);

    assert_eq!(
        history(&mut alice, "LATEST #lobby * 3").await,
        ["m8", "m9", "m10"]
    );
    assert_eq!(
        history(&mut alice, &format!("LATEST #lobby {} 5", m(8))).await,
        ["m9", "m10"]
    );
    assert_eq!(
        history(&mut alice, &format!("BEFORE #lobby {} 2", m(5))).await,
        ["m3", "m4"]
    );
    assert_eq!(
        history(&mut alice, &format!("AFTER #lobby {} 2", m(5))).await,
        ["m6", "m7"]
    );
    assert_eq!(
        history(&mut alice, &format!("AROUND #lobby {} 4", m(5))).await,
        ["m3", "m4", "m5", "m6"]
    );
    assert_eq!(
        history(&mut alice, &format!("BETWEEN #lobby {} {} 10", m(2), m(6))).await,
        ["m3", "m4", "m5"]
    );
    assert_eq!(
        history(&mut alice, &format!("BETWEEN #lobby {} {} 2", m(6), m(2))).await,
        ["m4", "m5"],
        "from the later reference, the two nearest it"
    );
    let (past, future) = (
        "timestamp=2000-01-01T00:00:00.000Z",
        "timestamp=2100-01-01T00:00:00.000Z",
    );
    assert_eq!(
        history(&mut alice, &format!("BEFORE #lobby {future} 2")).await,
        ["m9", "m10"]
    );
    assert_eq!(
        history(&mut alice, &format!("AFTER #lobby {past} 2")).await,
        ["m1", "m2"]
    );
    assert_eq!(
        history(&mut alice, &format!("BETWEEN #lobby {past} {future} 100"))
            .await
            .len(),
        10
    );
    assert!(
        history(&mut alice, "AFTER #lobby msgid=unknown 5")
            .await
            .is_empty()
    );

    for (query, code) in [
        ("LATEST #nowhere * 10", "INVALID_TARGET"),
        ("SIDEWAYS #lobby * 10", "INVALID_PARAMS"),
        ("LATEST #lobby * many", "INVALID_PARAMS"),
        ("BEFORE #lobby * 10", "INVALID_PARAMS"),
        ("BEFORE #lobby", "NEED_MORE_PARAMS"),
    ] {
        alice.send(&format!("CHATHISTORY {query}")).await;
        let fail = alice.wait_contains("FAIL CHATHISTORY").await;
        assert!(
            fail.contains(&format!("FAIL CHATHISTORY {code}")),
            "{query}: {fail}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn private_history_is_only_for_its_two_parties() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 0)).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", HISTORY_CAPS).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", HISTORY_CAPS).await;
    let mut carol = TestClient::irc_with_caps(server.addr, "carol", HISTORY_CAPS).await;
    alice.send("PRIVMSG bob :secret").await;
    bob.wait_contains("PRIVMSG bob :secret").await;

    assert_eq!(history(&mut bob, "LATEST alice * 10").await, ["secret"]);
    assert_eq!(history(&mut alice, "LATEST bob * 10").await, ["secret"]);
    assert!(history(&mut carol, "LATEST bob * 10").await.is_empty());
    assert!(history(&mut carol, "LATEST alice * 10").await.is_empty());

    bob.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10")
        .await;
    let (start, targets) = read_batch(&mut bob).await;
    assert!(start.ends_with("draft/chathistory-targets"), "{start}");
    assert!(
        targets
            .iter()
            .any(|l| l.contains("CHATHISTORY TARGETS alice 20")),
        "{targets:?}"
    );
    carol
        .send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10")
        .await;
    let (_, targets) = read_batch(&mut carol).await;
    assert!(
        targets
            .iter()
            .all(|l| !l.contains("alice") && !l.contains(" bob ")),
        "{targets:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn without_history_nothing_is_offered_or_stored() {
    let server = TestServer::with_defaults().await;
    let mut alice = TestClient::irc(server.addr, "alice").await;
    alice.send("CAP LS 302").await;
    let caps = alice.wait_contains("CAP alice LS").await;
    assert!(!caps.contains("draft/chathistory"), "{caps}");
    alice.send("CHATHISTORY LATEST #lobby * 10").await;
    let fail = alice.wait_contains("FAIL").await;
    assert!(fail.contains("FAIL CHATHISTORY MESSAGE_ERROR"), "{fail}");
    assert!(numeric_of(&fail).is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn events_are_stored_and_played_back_to_clients_that_ask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 0)).await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    alice.send("PRIVMSG #lobby :hello").await;
    alice.send("TOPIC #lobby :plans").await;
    alice.sync().await;
    bob.send("NICK robert").await;
    bob.sync().await;
    alice.send("KICK #lobby robert :bye").await;
    alice.send("PART #lobby :done").await;
    alice.sync().await;

    let mut carol = TestClient::irc_with_caps(server.addr, "carol", HISTORY_CAPS).await;
    carol.wait_numeric("366").await;
    carol.send("CHATHISTORY LATEST #lobby * 100").await;
    let (_, lines) = read_batch(&mut carol).await;
    assert_eq!(
        lines.len(),
        1,
        "messages only without event-playback: {lines:?}"
    );

    let mut caps = HISTORY_CAPS.to_vec();
    caps.push("draft/event-playback");
    let mut dave = TestClient::irc_with_caps(server.addr, "dave", &caps).await;
    dave.wait_numeric("366").await;
    dave.send("CHATHISTORY LATEST #lobby * 100").await;
    let (_, lines) = read_batch(&mut dave).await;
    let verbs: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').nth(2)).collect();
    assert_eq!(
        verbs,
        [
            "JOIN", "JOIN", "PRIVMSG", "TOPIC", "NICK", "KICK", "PART", "JOIN", "JOIN"
        ],
        "…then carol's join and dave's own"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_topic_and_a_kick_are_played_back_with_the_msgid_and_time_they_went_out_with() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 0)).await;
    let mut caps = HISTORY_CAPS.to_vec();
    caps.push("draft/event-playback");
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", &caps).await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    alice.join("#c").await;
    bob.join("#c").await;
    alice.sync().await;
    alice.send("TOPIC #c :plans").await;
    let topic = alice.wait_contains(" TOPIC #c :plans").await;
    alice.send("KICK #c bob :bye").await;
    let kick = alice.wait_contains(" KICK #c bob :bye").await;
    let live: Vec<(&str, &str)> = [&topic, &kick]
        .iter()
        .map(|line| {
            let msgid = tag(line, "msgid").expect("a live event has a msgid");
            (msgid, tag(line, "time").expect("server-time"))
        })
        .collect();

    alice.send("CHATHISTORY LATEST #c * 10").await;
    let (_, lines) = read_batch(&mut alice).await;
    let replayed: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.contains(" TOPIC ") || l.contains(" KICK "))
        .map(|l| (tag(l, "msgid").unwrap_or(""), tag(l, "time").unwrap_or("")))
        .collect();
    assert_eq!(replayed, live, "{lines:?}");
    // And the live msgid finds it.
    alice
        .send(&format!("CHATHISTORY BEFORE #c msgid={} 10", live[1].0))
        .await;
    let (_, lines) = read_batch(&mut alice).await;
    assert!(
        lines.last().is_some_and(|l| l.contains(" TOPIC #c :plans")),
        "{lines:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn targets_leaves_out_a_conversation_whose_latest_message_is_after_the_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path(), 0)).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", HISTORY_CAPS).await;
    alice.join("#c").await;
    alice.sync().await;
    // Two messages a millisecond apart at least: the clock decides, so
    // send until it has moved (no sleep).
    let mut times: Vec<String> = Vec::new();
    while times.len() < 2 {
        alice.send("PRIVMSG #c :tick").await;
        let echo = alice.wait_contains("PRIVMSG #c :tick").await;
        let time = tag(&echo, "time").expect("server-time").to_owned();
        if times.first() != Some(&time) {
            times.push(time);
        }
    }
    let targets = |to: &str| {
        format!("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp={to} 10")
    };

    alice.send(&targets("2100-01-01T00:00:00.000Z")).await;
    let (_, lines) = read_batch(&mut alice).await;
    assert!(
        lines.len() == 1 && lines[0].ends_with(&format!(" CHATHISTORY TARGETS #c {}", times[1])),
        "listed with its latest message's time: {lines:?}"
    );
    // A window that ends between the two: #c changed after it.
    alice.send(&targets(&times[1])).await;
    let (_, lines) = read_batch(&mut alice).await;
    assert!(lines.is_empty(), "{lines:?}");
    server.shutdown().await;
}
