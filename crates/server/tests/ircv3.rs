//! IRCv3 extensions beyond the basics: labeled-response, setname, bot
//! mode, MONITOR and extended-monitor, invite-notify, STATUSMSG.

mod common;

use std::net::SocketAddr;

use ciao_server::Config;
use ciao_server::HistoryConfig;
use common::accounts::PASSWORD;
use common::{TestClient, TestServer, numeric_of, quiet_config, tag};

/// The line without its tags.
fn untagged(line: &str) -> &str {
    match line.strip_prefix('@') {
        Some(rest) => rest.split_once(' ').map_or("", |(_, l)| l),
        None => line,
    }
}

/// Reads a labeled-response batch: its opening line and the lines inside.
async fn labeled_batch(client: &mut TestClient, label: &str) -> Vec<String> {
    let start = client.line().await;
    assert_eq!(tag(&start, "label"), Some(label), "{start}");
    let reference = untagged(&start)
        .strip_prefix(":test.server BATCH +")
        .and_then(|rest| rest.strip_suffix(" labeled-response"))
        .unwrap_or_else(|| panic!("a labeled-response batch: {start}"))
        .to_owned();
    let mut inside = Vec::new();
    loop {
        let line = client.line().await;
        if line == format!(":test.server BATCH -{reference}") {
            return inside;
        }
        inside.push(line);
    }
}

#[tokio::test]
async fn labeled_commands_get_one_line_an_ack_or_a_batch() {
    let server = TestServer::start(quiet_config()).await;
    let caps = ["batch", "labeled-response"];
    let mut a = TestClient::irc_with_caps(server.addr, "a", &caps).await;

    a.send("@label=p1 PING tok").await;
    a.expect("@label=p1 :test.server PONG test.server tok")
        .await;
    // Nothing to say is still an answer.
    a.send("@label=p2 PONG tok").await;
    a.expect("@label=p2 :test.server ACK").await;
    a.send("@label=p3 NO_SUCH_VERB").await;
    a.expect("@label=p3 :test.server 421 a NO_SUCH_VERB :Unknown command")
        .await;
    // A label is escaped back as it came.
    a.send("@label=a\\sb PING x").await;
    a.expect("@label=a\\sb :test.server PONG test.server x")
        .await;

    // Several lines come in one batch, each tagged.
    a.send("@label=j1 JOIN #new,bad@name").await;
    let inside = labeled_batch(&mut a, "j1").await;
    let reference = tag(&inside[0], "batch").expect("batch tag").to_owned();
    assert!(inside.iter().all(|l| tag(l, "batch") == Some(&reference)));
    let bodies: Vec<&str> = inside.iter().map(|l| untagged(l)).collect();
    assert_eq!(
        bodies,
        [
            ":a!~a@127.0.0.1 JOIN #new",
            ":test.server 353 a = #new :@a",
            ":test.server 366 a #new :End of /NAMES list",
            ":test.server 403 a bad@name :No such channel",
        ]
    );

    // A label longer than 64 bytes is ignored, as is a label from a
    // client that did not ask for labeled-response.
    a.send(&format!("@label={} PING y", "x".repeat(65))).await;
    a.expect(":test.server PONG test.server y").await;
    let mut plain = TestClient::irc(server.addr, "b").await;
    plain.send("@label=q PING z").await;
    plain.expect(":test.server PONG test.server z").await;
    server.shutdown().await;
}

#[tokio::test]
async fn without_batch_only_the_first_line_is_labeled() {
    let server = TestServer::start(quiet_config()).await;
    let mut a = TestClient::irc_with_caps(server.addr, "a", &["labeled-response"]).await;
    a.send("@label=j JOIN #c").await;
    a.expect("@label=j :a!~a@127.0.0.1 JOIN #c").await;
    a.expect(":test.server 353 a = #c :@a").await;
    a.expect(":test.server 366 a #c :End of /NAMES list").await;
    server.shutdown().await;
}

/// A labeled message answers with its echo: one line labeled, several in
/// a batch, none (no echo-message) with ACK. A message to oneself is
/// delivered and, separately, echoed with the label.
async fn labeled_messages(addr: SocketAddr) {
    let caps = ["batch", "labeled-response", "echo-message"];
    let mut a = TestClient::irc_with_caps(addr, "a", &caps).await;
    let mut b = TestClient::irc(addr, "b").await;
    let mut c = TestClient::irc(addr, "c").await;
    a.join("#c").await;
    b.join("#c").await;
    a.wait_contains("JOIN #c").await;

    a.send("@label=m1 PRIVMSG #c :hi").await;
    a.expect("@label=m1 :a!~a@127.0.0.1 PRIVMSG #c :hi").await;
    b.expect(":a!~a@127.0.0.1 PRIVMSG #c :hi").await;

    a.send("@label=m2 PRIVMSG b,c :both").await;
    let inside = labeled_batch(&mut a, "m2").await;
    let bodies: Vec<&str> = inside.iter().map(|l| untagged(l)).collect();
    assert_eq!(
        bodies,
        [
            ":a!~a@127.0.0.1 PRIVMSG b :both",
            ":a!~a@127.0.0.1 PRIVMSG c :both"
        ]
    );
    b.expect(":a!~a@127.0.0.1 PRIVMSG b :both").await;
    c.expect(":a!~a@127.0.0.1 PRIVMSG c :both").await;

    a.send("@label=m3 PRIVMSG a :me").await;
    let first = a.line().await;
    let second = a.line().await;
    assert_eq!(first, ":a!~a@127.0.0.1 PRIVMSG a :me");
    assert_eq!(second, "@label=m3 :a!~a@127.0.0.1 PRIVMSG a :me");

    let mut quiet_sender = TestClient::irc_with_caps(addr, "d", &caps[..2]).await;
    quiet_sender.send("@label=m4 PRIVMSG b :psst").await;
    quiet_sender.expect("@label=m4 :test.server ACK").await;
    b.expect(":d!~d@127.0.0.1 PRIVMSG b :psst").await;
}

#[tokio::test]
async fn labeled_messages_without_history() {
    let server = TestServer::start(quiet_config()).await;
    labeled_messages(server.addr).await;
    server.shutdown().await;
}

#[tokio::test]
async fn labeled_messages_with_history_are_answered_after_their_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        history: Some(HistoryConfig::new(dir.path().to_owned())),
        ..quiet_config()
    };
    let server = TestServer::start(config).await;
    labeled_messages(server.addr).await;

    // Sent together, an unlabeled message and a labeled one come back in
    // the order they were sent: the answer does not overtake the first
    // echo, which was still waiting for its commit.
    let caps = ["batch", "labeled-response", "echo-message"];
    let mut e = TestClient::irc_with_caps(server.addr, "e", &caps).await;
    e.join("#c").await;
    e.sync().await; // the replay of #c's history
    e.send_raw(b"PRIVMSG #c :one\r\n@label=p PRIVMSG #c :two\r\n")
        .await;
    e.expect(":e!~e@127.0.0.1 PRIVMSG #c :one").await;
    e.expect("@label=p :e!~e@127.0.0.1 PRIVMSG #c :two").await;

    // A labeled JOIN's batch holds the replay of the history as a
    // batch of its own, whose lines keep their own tag.
    let caps = ["batch", "labeled-response"];
    let mut late = TestClient::irc_with_caps(server.addr, "late", &caps).await;
    late.send("@label=j JOIN #c").await;
    let inside = labeled_batch(&mut late, "j").await;
    let outer = tag(&inside[0], "batch").expect("outer tag").to_owned();
    let replay_start = inside
        .iter()
        .find(|l| l.contains(" BATCH +") && l.ends_with("chathistory #c"))
        .expect("replay batch inside");
    assert_eq!(tag(replay_start, "batch"), Some(outer.as_str()));
    let replayed: Vec<&String> = inside
        .iter()
        .filter(|l| l.contains("PRIVMSG #c :hi"))
        .collect();
    assert_eq!(replayed.len(), 1, "{inside:#?}");
    assert_ne!(tag(replayed[0], "batch"), Some(outer.as_str()));
    server.shutdown().await;
}

#[tokio::test]
async fn setname_reaches_neighbours_that_asked_and_shows_in_whois() {
    let server = TestServer::start(quiet_config()).await;
    let mut a = TestClient::irc_with_caps(server.addr, "a", &["setname"]).await;
    let mut b = TestClient::irc_with_caps(server.addr, "b", &["setname"]).await;
    let mut c = TestClient::irc(server.addr, "c").await;
    for client in [&mut a, &mut b, &mut c] {
        client.join("#c").await;
    }
    a.sync().await;
    b.sync().await;

    a.send("SETNAME :Ada Lovelace").await;
    a.expect(":a!~a@127.0.0.1 SETNAME :Ada Lovelace").await;
    b.expect(":a!~a@127.0.0.1 SETNAME :Ada Lovelace").await;
    assert!(c.sync().await.is_empty(), "no SETNAME without the cap");
    c.send("WHOIS a").await;
    c.expect(":test.server 311 c a ~a 127.0.0.1 * :Ada Lovelace")
        .await;

    a.send(&format!("SETNAME :{}", "n".repeat(101))).await;
    a.expect(":test.server FAIL SETNAME INVALID_REALNAME :Real name must be 1 to 100 bytes")
        .await;
    a.send("SETNAME :").await;
    a.wait_contains("INVALID_REALNAME").await;
    server.shutdown().await;
}

#[tokio::test]
async fn bot_mode_shows_in_whois_who_and_message_tags() {
    let server = TestServer::start(quiet_config()).await;
    let mut bot = TestClient::irc_with_caps(server.addr, "bot", &["message-tags"]).await;
    let mut user = TestClient::irc_with_caps(server.addr, "user", &["message-tags"]).await;
    let mut old = TestClient::irc(server.addr, "old").await;
    let isupport = {
        let mut probe = TestClient::connect(server.addr, "probe").await;
        probe.send("NICK probe").await;
        probe.send("USER probe 0 * :P").await;
        probe.wait_contains("BOT=B").await
    };
    assert!(isupport.contains(" BOT=B "), "{isupport}");

    bot.send("MODE bot +B").await;
    bot.expect(":bot!~bot@127.0.0.1 MODE bot +B").await;
    for client in [&mut bot, &mut user, &mut old] {
        client.join("#c").await;
    }
    bot.sync().await;
    user.sync().await;

    user.send("WHOIS bot").await;
    user.wait_for("335", |l| l == ":test.server 335 user bot :is a bot")
        .await;
    user.send("WHO #c").await;
    let row = user
        .wait_for("bot's WHO row", |l| {
            numeric_of(l) == Some("352") && l.contains(" bot ")
        })
        .await;
    assert!(row.contains(" HB@ "), "{row}");
    user.wait_numeric("315").await;

    bot.send("PRIVMSG #c :beep").await;
    let line = user.line().await;
    assert_eq!(tag(&line, "bot"), Some(""), "{line}");
    assert_eq!(untagged(&line), ":bot!~bot@127.0.0.1 PRIVMSG #c :beep");
    // Clients without message-tags see no tags at all.
    old.expect(":bot!~bot@127.0.0.1 PRIVMSG #c :beep").await;
    bot.send("MODE bot -B").await;
    bot.expect(":bot!~bot@127.0.0.1 MODE bot -B").await;
    server.shutdown().await;
}

#[tokio::test]
async fn monitor_reports_arrivals_departures_and_nick_changes() {
    let server = TestServer::start(quiet_config()).await;
    let mut w = TestClient::irc(server.addr, "w").await;
    let _here = TestClient::irc(server.addr, "here").await;

    w.send("MONITOR + here,gone,bad!mask").await;
    w.expect(":test.server 432 w bad!mask :Erroneous nickname")
        .await;
    w.expect(":test.server 730 w :here!~here@127.0.0.1").await;
    w.expect(":test.server 731 w :gone").await;

    // Arrival: once, when registration completes.
    let mut gone = TestClient::connect(server.addr, "gone").await;
    gone.send("NICK gone").await;
    gone.send("USER gone 0 * :G").await;
    w.expect(":test.server 730 w :gone!~gone@127.0.0.1").await;
    gone.wait_numeric("001").await;

    // A change of case is no news; a real change is two.
    gone.send("NICK GONE").await;
    gone.wait_contains("NICK").await;
    assert!(w.sync().await.is_empty());
    gone.send("NICK other").await;
    w.expect(":test.server 731 w :GONE").await;
    gone.send("NICK gone").await;
    w.expect(":test.server 730 w :gone!~gone@127.0.0.1").await;
    gone.send("QUIT :bye").await;
    w.expect(":test.server 731 w :gone").await;

    w.send("MONITOR L").await;
    w.expect(":test.server 732 w :here,gone").await;
    w.expect(":test.server 733 w :End of MONITOR list").await;
    w.send("MONITOR S").await;
    w.expect(":test.server 730 w :here!~here@127.0.0.1").await;
    w.expect(":test.server 731 w :gone").await;
    // Removing and clearing say nothing; nobody is watched afterwards.
    w.send("MONITOR - here").await;
    w.send("MONITOR C").await;
    w.send("MONITOR L").await;
    w.expect(":test.server 733 w :End of MONITOR list").await;
    let mut back = TestClient::irc(server.addr, "gone").await;
    assert!(w.sync().await.is_empty());

    // The list is bounded; what does not fit is named.
    let many: Vec<String> = (0..101).map(|i| format!("n{i}")).collect();
    w.send(&format!("MONITOR + {}", many.join(","))).await;
    w.expect(":test.server 734 w 100 n100 :Monitor list is full")
        .await;
    back.send("QUIT").await;
    server.shutdown().await;
}

#[tokio::test]
async fn extended_monitor_relays_away_and_setname_to_watchers_who_asked() {
    let server = TestServer::start(quiet_config()).await;
    let both = ["extended-monitor", "away-notify", "setname"];
    let mut watcher = TestClient::irc_with_caps(server.addr, "watcher", &both).await;
    let mut half = TestClient::irc_with_caps(server.addr, "half", &["extended-monitor"]).await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    watcher.send("MONITOR + bob").await;
    watcher.wait_numeric("730").await;
    half.send("MONITOR + bob").await;
    half.wait_numeric("730").await;

    bob.send("AWAY :lunch").await;
    watcher.expect(":bob!~bob@127.0.0.1 AWAY :lunch").await;
    bob.send("AWAY").await;
    watcher.expect(":bob!~bob@127.0.0.1 AWAY").await;
    bob.send("SETNAME :Bob B").await;
    watcher.expect(":bob!~bob@127.0.0.1 SETNAME :Bob B").await;
    assert!(watcher.sync().await.is_empty());
    // extended-monitor alone asks for none of these.
    assert!(half.sync().await.is_empty());

    // Sharing a channel as well: told once, not twice.
    watcher.join("#c").await;
    bob.join("#c").await;
    watcher.wait_contains("JOIN #c").await;
    bob.send("AWAY :again").await;
    watcher.expect(":bob!~bob@127.0.0.1 AWAY :again").await;
    assert!(watcher.sync().await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn extended_monitor_relays_logins_and_logouts_to_watchers_with_account_notify() {
    let server = TestServer::start(quiet_config()).await;
    let both = ["extended-monitor", "account-notify"];
    let mut watcher = TestClient::irc_with_caps(server.addr, "watcher", &both).await;
    let mut half = TestClient::irc_with_caps(server.addr, "half", &["extended-monitor"]).await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    for client in [&mut watcher, &mut half] {
        client.send("MONITOR + bob").await;
        client.wait_numeric("730").await;
    }

    bob.send(&format!("REGISTER * * :{PASSWORD}")).await;
    bob.wait_contains("REGISTER SUCCESS").await;
    watcher.expect(":bob!~bob@127.0.0.1 ACCOUNT bob").await;
    bob.send(&format!("PRIVMSG NickServ :DROP {PASSWORD}"))
        .await;
    watcher.expect(":bob!~bob@127.0.0.1 ACCOUNT *").await;
    assert!(watcher.sync().await.is_empty());
    // extended-monitor alone does not ask for it.
    assert!(half.sync().await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn invite_notify_tells_members_who_may_invite() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut member = TestClient::irc_with_caps(server.addr, "member", &["invite-notify"]).await;
    let mut watcher = TestClient::irc_with_caps(server.addr, "watcher", &["invite-notify"]).await;
    let mut guest = TestClient::irc(server.addr, "guest").await;
    for client in [&mut op, &mut member, &mut watcher] {
        client.join("#c").await;
    }
    op.send("MODE #c +h watcher").await;
    watcher.wait_contains("MODE #c +h watcher").await;
    member.wait_contains("MODE #c +h watcher").await;

    // Open channel: every member who asked hears of it.
    op.send("INVITE guest #c").await;
    op.wait_numeric("341").await;
    guest.expect(":op!~op@127.0.0.1 INVITE guest #c").await;
    member.expect(":op!~op@127.0.0.1 INVITE guest #c").await;
    watcher.expect(":op!~op@127.0.0.1 INVITE guest #c").await;

    // Invite-only: only those who could invite.
    op.send("MODE #c +i").await;
    member.wait_contains("MODE #c +i").await;
    watcher.wait_contains("MODE #c +i").await;
    op.send("INVITE guest #c").await;
    watcher.expect(":op!~op@127.0.0.1 INVITE guest #c").await;
    assert!(member.sync().await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn statusmsg_reaches_only_members_of_that_rank() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut voiced = TestClient::irc(server.addr, "voiced").await;
    let mut member = TestClient::irc_with_caps(server.addr, "member", &["echo-message"]).await;
    for client in [&mut op, &mut voiced, &mut member] {
        client.join("#c").await;
    }
    op.send("MODE #c +v voiced").await;
    for client in [&mut op, &mut voiced, &mut member] {
        client.wait_contains("MODE #c +v voiced").await;
    }

    member.send("PRIVMSG @#c :ops only").await;
    op.expect(":member!~member@127.0.0.1 PRIVMSG @#c :ops only")
        .await;
    // The sender gets its echo though it is not an operator.
    member
        .expect(":member!~member@127.0.0.1 PRIVMSG @#c :ops only")
        .await;
    assert!(voiced.sync().await.is_empty());

    op.send("PRIVMSG +#c :voices and up").await;
    voiced
        .expect(":op!~op@127.0.0.1 PRIVMSG +#c :voices and up")
        .await;
    assert!(member.sync().await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn redaction_deletes_a_message_and_tells_those_who_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        history: Some(HistoryConfig::new(dir.path().to_owned())),
        ..quiet_config()
    };
    let server = TestServer::start(config).await;
    let caps = [
        "message-tags",
        "echo-message",
        "batch",
        "draft/chathistory",
        "draft/message-redaction",
    ];
    let mut op = TestClient::irc_with_caps(server.addr, "op", &caps).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", &caps).await;
    let mut old = TestClient::irc(server.addr, "old").await;
    for client in [&mut op, &mut bob, &mut old] {
        client.join("#c").await;
    }
    op.sync().await;
    bob.sync().await;
    let msgid = |line: &str| tag(line, "msgid").expect("msgid").to_owned();

    bob.send("PRIVMSG #c :regrettable").await;
    let id = msgid(&bob.line().await);
    op.wait_contains("regrettable").await;
    old.wait_contains("regrettable").await;
    op.send("PRIVMSG #c :mine").await;
    let mine = msgid(&op.line().await);
    bob.wait_contains(":mine").await;
    old.wait_contains(":mine").await;

    // A member may not take back someone else's message.
    bob.send(&format!("REDACT #c {mine}")).await;
    bob.expect(&format!(
        ":test.server FAIL REDACT REDACT_FORBIDDEN #c {mine} :You may not redact this message"
    ))
    .await;
    bob.send("REDACT #c nosuchid").await;
    bob.wait_contains("FAIL REDACT UNKNOWN_MSGID #c nosuchid")
        .await;
    bob.send(&format!("REDACT #elsewhere {id}")).await;
    bob.wait_contains("FAIL REDACT INVALID_TARGET #elsewhere")
        .await;

    // An operator may, with a reason; everyone who asked is told.
    op.send(&format!("REDACT #c {id} :off topic")).await;
    let told = format!(":op!~op@127.0.0.1 REDACT #c {id} :off topic");
    assert_eq!(untagged(&op.line().await), told);
    assert_eq!(untagged(&bob.line().await), told);
    assert!(old.sync().await.is_empty(), "no REDACT without the cap");
    // Gone from the history, and cannot be redacted twice.
    bob.send("CHATHISTORY LATEST #c * 10").await;
    let mut seen = Vec::new();
    loop {
        let line = bob.line().await;
        if line.contains("BATCH -") {
            break;
        }
        seen.push(line);
    }
    assert!(seen.iter().any(|l| l.ends_with(":mine")), "{seen:#?}");
    assert!(!seen.iter().any(|l| l.contains("regrettable")), "{seen:#?}");
    op.send(&format!("REDACT #c {id}")).await;
    op.wait_contains("FAIL REDACT UNKNOWN_MSGID").await;

    // Private messages: only their author.
    op.send("PRIVMSG bob :psst").await;
    let dm = msgid(&op.line().await);
    bob.wait_contains(":psst").await;
    bob.send(&format!("REDACT op {dm}")).await;
    bob.wait_contains("FAIL REDACT REDACT_FORBIDDEN op").await;
    op.send(&format!("REDACT bob {dm}")).await;
    let told = format!(":op!~op@127.0.0.1 REDACT bob {dm}");
    assert_eq!(untagged(&op.line().await), told);
    assert_eq!(untagged(&bob.line().await), told);

    // A note to oneself: taken back once.
    op.send("PRIVMSG op :note").await;
    let note = msgid(&op.line().await);
    op.line().await; // the echo
    op.send(&format!("REDACT op {note}")).await;
    assert_eq!(
        untagged(&op.line().await),
        format!(":op!~op@127.0.0.1 REDACT op {note}")
    );
    assert!(op.sync().await.is_empty(), "one REDACT, not two");
    server.shutdown().await;
}

#[tokio::test]
async fn multiline_messages_arrive_whole_or_as_separate_lines() {
    let server = TestServer::start(quiet_config()).await;
    let mut probe = TestClient::connect(server.addr, "probe").await;
    probe.send("CAP LS 302").await;
    let ls = probe.line().await;
    assert!(
        ls.contains(" draft/multiline=max-bytes=4096,max-lines=100"),
        "{ls}"
    );
    probe.send("CAP LS").await;
    let ls = probe.line().await;
    assert!(ls.contains(" draft/multiline") && !ls.contains('='), "{ls}");

    let all = [
        "draft/multiline",
        "batch",
        "echo-message",
        "labeled-response",
        "message-tags",
    ];
    let mut a = TestClient::irc_with_caps(server.addr, "a", &all).await;
    let some = ["draft/multiline", "batch", "message-tags"];
    let mut b = TestClient::irc_with_caps(server.addr, "b", &some).await;
    let mut c = TestClient::irc_with_caps(server.addr, "c", &["message-tags"]).await;
    for client in [&mut a, &mut b, &mut c] {
        client.join("#lobby").await;
    }
    let mut p = TestClient::plain(server.addr, "p").await;
    for client in [&mut a, &mut b, &mut c] {
        client.wait_contains("JOIN #lobby").await;
        client.sync().await;
    }

    a.send("@label=l1;+draft/reply=x BATCH +r draft/multiline #lobby")
        .await;
    a.send("@batch=r PRIVMSG #lobby :first").await;
    a.send("@batch=r PRIVMSG #lobby :").await;
    a.send("@batch=r PRIVMSG #lobby :second").await;
    a.send("@batch=r;draft/multiline-concat PRIVMSG #lobby : half")
        .await;
    a.send("BATCH -r").await;

    // The sender's echo carries the label on its opening line.
    let open = a.line().await;
    assert_eq!(tag(&open, "label"), Some("l1"), "{open}");
    let msgid = tag(&open, "msgid")
        .unwrap_or_else(|| panic!("msgid in {open}"))
        .to_owned();
    assert_eq!(tag(&open, "+draft/reply"), Some("x"));
    let reference = untagged(&open)
        .strip_prefix(":a!~a@127.0.0.1 BATCH +")
        .and_then(|r| r.strip_suffix(" draft/multiline #lobby"))
        .unwrap_or_else(|| panic!("multiline batch: {open}"))
        .to_owned();
    let inside = [
        format!("@batch={reference} :a!~a@127.0.0.1 PRIVMSG #lobby :first"),
        format!("@batch={reference} :a!~a@127.0.0.1 PRIVMSG #lobby :"),
        format!("@batch={reference} :a!~a@127.0.0.1 PRIVMSG #lobby :second"),
        format!(
            "@batch={reference};draft/multiline-concat :a!~a@127.0.0.1 PRIVMSG #lobby :\u{20}half"
        ),
        format!(":a!~a@127.0.0.1 BATCH -{reference}"),
    ];
    for line in &inside {
        a.expect(line).await;
    }
    // Another client with the capability: the same batch, unlabeled.
    let open = b.line().await;
    assert_eq!(tag(&open, "label"), None);
    assert_eq!(tag(&open, "msgid"), Some(msgid.as_str()));
    for line in &inside {
        b.expect(line).await;
    }
    // Without it: the lines, blank ones left out, the msgid on the first.
    let first = c.line().await;
    assert_eq!(tag(&first, "msgid"), Some(msgid.as_str()));
    assert_eq!(untagged(&first), ":a!~a@127.0.0.1 PRIVMSG #lobby :first");
    for text in [":second", ": half"] {
        let line = c.line().await;
        assert_eq!(tag(&line, "msgid"), None);
        assert_eq!(tag(&line, "+draft/reply"), Some("x"));
        assert_eq!(
            untagged(&line),
            format!(":a!~a@127.0.0.1 PRIVMSG #lobby {text}")
        );
    }
    for text in ["a: first", "a: second", "a:  half"] {
        p.expect(text).await;
    }

    // To oneself, without echo-message: delivered, as PRIVMSG is.
    b.send("BATCH +s draft/multiline b").await;
    b.send("@batch=s PRIVMSG b :note").await;
    b.send("BATCH -s").await;
    let open = b.line().await;
    assert!(
        untagged(&open).starts_with(":b!~b@127.0.0.1 BATCH +"),
        "{open}"
    );
    assert!(b.line().await.ends_with(":b!~b@127.0.0.1 PRIVMSG b :note"));
    assert!(b.line().await.contains(" BATCH -"));

    // A labeled batch that fails answers with its label.
    a.send("@label=l2 BATCH +n draft/multiline #nowhere").await;
    a.send("@batch=n PRIVMSG #nowhere :hi").await;
    a.send("BATCH -n").await;
    a.expect("@label=l2 :test.server 403 a #nowhere :No such channel")
        .await;
    a.send("@label=l3 BATCH +u draft/elsewise #lobby").await;
    a.expect(
        "@label=l3 :test.server FAIL BATCH UNKNOWN_TYPE u draft/elsewise :Unsupported batch type",
    )
    .await;

    // Refusals end the batch, and nothing is sent.
    c.send("BATCH +x draft/multiline #lobby").await;
    c.expect(":test.server FAIL BATCH UNKNOWN_TYPE x draft/multiline :Unsupported batch type")
        .await;
    a.send("BATCH +r draft/multiline #lobby").await;
    a.send("@batch=r PRIVMSG #lobby :hi").await;
    a.send("@batch=r;draft/multiline-concat PRIVMSG #lobby :")
        .await;
    a.expect(":test.server FAIL BATCH MULTILINE_INVALID :A blank line cannot continue another")
        .await;
    a.send("BATCH -r").await;
    a.expect(":test.server FAIL BATCH INVALID_REFTAG r :No such batch open")
        .await;
    a.send("BATCH +s draft/multiline #lobby").await;
    a.send("@batch=s PRIVMSG #elsewhere :hi").await;
    a.expect(
        ":test.server FAIL BATCH MULTILINE_INVALID_TARGET #lobby #elsewhere :Every line must go to the batch's target",
    )
    .await;
    a.send("BATCH +t draft/multiline #lobby").await;
    for _ in 0..=100 {
        a.send("@batch=t PRIVMSG #lobby :line").await;
    }
    a.expect(":test.server FAIL BATCH MULTILINE_MAX_LINES 100 :Too many lines")
        .await;
    assert!(b.sync().await.is_empty(), "nothing delivered");
    server.shutdown().await;
}
