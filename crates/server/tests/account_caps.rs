//! The account capabilities and replies, over real sockets:
//! `account-notify`, `account-tag`, `extended-join`'s account, WHOX `%a`,
//! WHOIS 330, and bans, exceptions and invite exceptions by account
//! (`~a:<account>`, ISUPPORT `EXTBAN=~,a` and `ACCOUNTEXTBAN=a`).

mod common;

use common::accounts::PASSWORD;
use common::{TestClient, TestServer, numeric_of, quiet_config, tag};

/// The lines up to and including the numeric `code`.
async fn until(client: &mut TestClient, code: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = client.line().await;
        let done = numeric_of(&line) == Some(code);
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[tokio::test]
async fn account_notify_tells_neighbours_with_the_cap_of_logins_and_logouts() {
    let server = TestServer::start(quiet_config()).await;
    let mut watcher = TestClient::irc_with_caps(server.addr, "watcher", &["account-notify"]).await;
    let mut plain = TestClient::irc(server.addr, "plain").await;
    let mut alice = TestClient::irc(server.addr, "alice").await;
    for client in [&mut watcher, &mut plain, &mut alice] {
        client.join("#c").await;
    }
    watcher.sync().await;
    plain.sync().await;
    alice.send(&format!("REGISTER * * :{PASSWORD}")).await;
    alice.wait_contains("REGISTER SUCCESS").await;
    let login = watcher.wait_contains(" ACCOUNT ").await;
    assert!(
        login.starts_with(":alice!") && login.ends_with(" ACCOUNT alice"),
        "{login}"
    );
    alice
        .send(&format!("PRIVMSG NickServ :DROP {PASSWORD}"))
        .await;
    let logout = watcher.wait_contains(" ACCOUNT ").await;
    assert!(logout.ends_with(" ACCOUNT *"), "{logout}");
    // Without the capability: neither.
    let lines = plain.sync().await;
    assert!(!lines.iter().any(|l| l.contains("ACCOUNT")), "{lines:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn account_tag_marks_what_a_logged_in_sender_sends() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    let mut anon = TestClient::irc(server.addr, "anon").await;
    let mut tagged = TestClient::irc_with_caps(server.addr, "tagged", &["account-tag"]).await;
    let mut full =
        TestClient::irc_with_caps(server.addr, "full", &["account-tag", "message-tags"]).await;
    let mut bare = TestClient::irc(server.addr, "bare").await;
    for client in [&mut alice, &mut anon, &mut tagged, &mut full, &mut bare] {
        client.join("#c").await;
    }
    for client in [&mut tagged, &mut full, &mut bare] {
        client.sync().await;
    }

    alice.send("PRIVMSG #c :hello").await;
    let line = tagged.wait_contains("PRIVMSG #c :hello").await;
    assert!(
        line.starts_with("@account=alice :alice!"),
        "account-tag alone: only the account: {line}"
    );
    let line = full.wait_contains("PRIVMSG #c :hello").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    assert!(tag(&line, "msgid").is_some(), "{line}");
    let line = bare.wait_contains("PRIVMSG #c :hello").await;
    assert!(
        line.starts_with(":alice!"),
        "no tags without the cap: {line}"
    );

    // NOTICE, TAGMSG and a private message carry it too.
    alice.send("NOTICE #c :heads up").await;
    let line = tagged.wait_contains("NOTICE #c :heads up").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    alice.send("@+typing=active TAGMSG #c").await;
    let line = full.wait_contains("TAGMSG #c").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    assert_eq!(tag(&line, "+typing"), Some("active"), "{line}");
    alice.send("PRIVMSG tagged :psst").await;
    let line = tagged.wait_contains("PRIVMSG tagged :psst").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    // And a logged-in sender's own events, such as a nick change.
    alice.send("NICK alice_away").await;
    let line = tagged.wait_contains(" NICK ").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");

    // Nobody's account: no tag.
    anon.send("PRIVMSG #c :anonymous").await;
    let line = tagged.wait_contains("PRIVMSG #c :anonymous").await;
    assert!(line.starts_with(":anon!"), "{line}");
    server.shutdown().await;
}

#[tokio::test]
async fn account_tag_marks_a_logged_in_members_channel_events_and_invites() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    let mut tagged = TestClient::irc_with_caps(server.addr, "tagged", &["account-tag"]).await;
    let mut guest = TestClient::irc_with_caps(server.addr, "guest", &["account-tag"]).await;
    alice.join("#c").await;
    tagged.join("#c").await;
    tagged.sync().await;

    alice.send("TOPIC #c :news").await;
    let line = tagged.wait_contains(" TOPIC #c :news").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    alice.send("MODE #c +m").await;
    let line = tagged.wait_contains(" MODE #c +m").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    alice.send("INVITE guest #c").await;
    let line = guest.wait_contains(" INVITE guest #c").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    guest.join("#c").await;
    tagged.sync().await;
    alice.send("KICK #c guest :out").await;
    let line = tagged.wait_contains(" KICK #c guest :out").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    alice.send("PART #c :bye").await;
    let line = tagged.wait_contains(" PART #c :bye").await;
    assert_eq!(tag(&line, "account"), Some("alice"), "{line}");
    server.shutdown().await;
}

#[tokio::test]
async fn extended_join_whox_and_whois_show_the_account() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc_with_caps(server.addr, "op", &["extended-join"]).await;
    op.join("#c").await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    let mut anon = TestClient::irc(server.addr, "anon").await;
    alice.join("#c").await;
    let join = op.wait_contains(" JOIN ").await;
    assert!(
        join.starts_with(":alice!") && join.ends_with(" JOIN #c alice :Test alice"),
        "{join}"
    );
    anon.join("#c").await;
    let join = op.wait_contains(" JOIN ").await;
    assert!(join.contains(" JOIN #c * :"), "{join}");

    op.send("WHO #c %tna,42").await;
    let rows = until(&mut op, "315").await;
    let row = |nick: &str| {
        rows.iter()
            .find(|l| numeric_of(l) == Some("354") && l.contains(&format!(" 42 {nick} ")))
            .cloned()
            .unwrap_or_else(|| panic!("no row for {nick}: {rows:?}"))
    };
    assert!(row("alice").ends_with(" 42 alice :alice"), "{rows:?}");
    assert!(row("anon").ends_with(" 42 anon :0"), "{rows:?}");

    op.send("WHOIS alice").await;
    let whois = until(&mut op, "318").await;
    let account = whois
        .iter()
        .find(|l| numeric_of(l) == Some("330"))
        .unwrap_or_else(|| panic!("no 330: {whois:?}"));
    assert!(
        account.ends_with(" 330 op alice alice :is logged in as"),
        "{account}"
    );
    op.send("WHOIS anon").await;
    let whois = until(&mut op, "318").await;
    assert!(
        !whois.iter().any(|l| numeric_of(l) == Some("330")),
        "{whois:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn bans_exceptions_and_invite_exceptions_by_account() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    op.send("VERSION").await;
    let tokens = op.sync().await.join(" ");
    assert!(tokens.contains(" EXTBAN=~,a "), "{tokens}");
    assert!(tokens.contains(" ACCOUNTEXTBAN=a "), "{tokens}");

    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    // Not logged in, and named after the account it is not logged in to.
    let mut pretender = TestClient::irc(server.addr, "pretender").await;

    // A ban by account keeps the account out, not a nick or a mask.
    op.join("#ban").await;
    op.send("MODE #ban +b ~a:ALICE").await;
    let set = op.wait_contains(" MODE #ban ").await;
    assert!(set.ends_with(" MODE #ban +b ~a:ALICE"), "{set}");
    alice.send("JOIN #ban").await;
    let refused = alice.wait_numeric("474").await;
    assert!(
        refused.contains("#ban :Cannot join channel (+b)"),
        "{refused}"
    );
    pretender.join("#ban").await;
    // Removing it lets the account in.
    op.send("MODE #ban -b ~a:ALICE").await;
    op.wait_contains(" MODE #ban -b").await;
    alice.join("#ban").await;
    // A banned member below voice cannot speak.
    op.send("MODE #ban +b ~a:al*").await;
    op.wait_contains(" MODE #ban +b").await;
    alice.send("PRIVMSG #ban :can I?").await;
    let silenced = alice.wait_numeric("404").await;
    assert!(
        silenced.contains("#ban :Cannot send to channel"),
        "{silenced}"
    );

    // An exception by account gets it past a ban of everyone.
    op.join("#except").await;
    op.send("MODE #except +b *!*@*").await;
    op.wait_contains(" MODE #except +b").await;
    op.send("MODE #except +e ~a:alice").await;
    op.wait_contains(" MODE #except +e").await;
    alice.join("#except").await;
    pretender.send("JOIN #except").await;
    pretender.wait_numeric("474").await;

    // An invite exception by account gets it into an invite-only channel.
    op.join("#invex").await;
    op.send("MODE #invex +i").await;
    op.wait_contains(" MODE #invex +i").await;
    op.send("MODE #invex +I ~a:alice").await;
    op.wait_contains(" MODE #invex +I").await;
    alice.join("#invex").await;
    pretender.send("JOIN #invex").await;
    pretender.wait_numeric("473").await;

    // Unknown extban types and empty accounts are refused, saying why.
    op.send("MODE #ban +b ~q:alice").await;
    let bad = op.wait_numeric("696").await;
    assert!(
        bad.ends_with("#ban b ~q:alice :Unknown extban: the only type is ~a:<account>"),
        "{bad}"
    );
    op.send("MODE #ban +b ~a:").await;
    let bad = op.wait_numeric("696").await;
    assert!(
        bad.ends_with(":An account extban needs an account: ~a:<account>"),
        "{bad}"
    );
    server.shutdown().await;
}
