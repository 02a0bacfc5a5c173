//! NickServ over real sockets: REGISTER, IDENTIFY (before and after
//! connecting), GHOST, DROP, PASSWD, CERT, and NickServ as a service user
//! (WHOIS, its nick taken, nothing said to it stored or relayed).

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ciao_server::{Config, HistoryConfig};
use common::accounts::{ScramClient, plain_payload};
use common::{TestClient, TestServer, numeric_of, quiet_config};

/// NickServ takes the password as one word (the last word may hold
/// spaces only where it ends the line).
const PW: &str = "sesame-street-42";
const NICKSERV: &str = ":NickServ!NickServ@test.server NOTICE ";

/// Sends `text` to NickServ and returns the text of its next NOTICE.
async fn ns(client: &mut TestClient, text: &str) -> String {
    client.send(&format!("PRIVMSG NickServ :{text}")).await;
    answer(client).await
}

/// The text of NickServ's next NOTICE.
async fn answer(client: &mut TestClient) -> String {
    let line = client
        .wait_for("a NOTICE from NickServ", |l| l.starts_with(NICKSERV))
        .await;
    line.split_once(" :")
        .map(|(_, text)| text.to_owned())
        .unwrap_or(line)
}

/// `nick`, registered as an IRC client, with the account `nick` made by
/// NickServ REGISTER.
async fn registered(addr: std::net::SocketAddr, nick: &str) -> TestClient {
    let mut client = TestClient::irc(addr, nick).await;
    let said = ns(&mut client, &format!("REGISTER {PW} {nick}@example.org")).await;
    assert_eq!(
        said,
        format!("Account {nick} registered: you are logged in to it.")
    );
    client
}

fn with_history(dir: &std::path::Path) -> Config {
    Config {
        history: Some(HistoryConfig::new(dir.to_owned())),
        ..quiet_config()
    }
}

#[tokio::test]
async fn register_and_identify_with_every_refusal_explained() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::irc(server.addr, "alice").await;
    assert_eq!(
        ns(&mut alice, "REGISTER short").await,
        "A password needs at least 8 characters"
    );
    assert_eq!(
        ns(&mut alice, "REGISTER").await,
        "Syntax: REGISTER <password> [<email>]"
    );
    alice
        .send(&format!("PRIVMSG NickServ :REGISTER {PW}"))
        .await;
    let logged_in = alice.wait_numeric("900").await;
    assert!(logged_in.contains(" alice :You are now logged in as alice"));
    assert_eq!(
        answer(&mut alice).await,
        "Account alice registered: you are logged in to it."
    );
    assert_eq!(
        ns(&mut alice, &format!("IDENTIFY {PW}")).await,
        "You are already logged in as alice."
    );

    // Another connection logs in to it, as NickServ users do.
    let mut other = TestClient::irc(server.addr, "alice2").await;
    assert_eq!(
        ns(&mut other, "IDENTIFY alice wrong-password").await,
        "Login to alice failed: invalid account or password"
    );
    assert_eq!(
        ns(&mut other, "IDENTIFY nobody wrong-password").await,
        "Login to nobody failed: invalid account or password",
        "an unknown account reads as a wrong password"
    );
    other.send(&format!("NS IDENTIFY alice {PW}")).await;
    other.wait_numeric("900").await;
    assert_eq!(answer(&mut other).await, "You are now logged in as alice.");
    assert_eq!(
        ns(&mut other, "FROBNICATE").await,
        "Unknown command FROBNICATE. Send HELP for the list."
    );
    assert!(
        ns(&mut other, "HELP")
            .await
            .starts_with("NickServ keeps accounts")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn identify_before_registration_keeps_a_reserved_nick() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = registered(server.addr, "alice").await;
    alice.send("QUIT").await;
    alice.expect_eof().await;
    // Not logged in: the nick is its account's, so the client is renamed.
    let mut anonymous = TestClient::connect(server.addr, "anonymous").await;
    anonymous.send("NICK alice").await;
    anonymous.send("USER a 0 * :A").await;
    let renamed = anonymous.wait_numeric("001").await;
    assert!(renamed.contains(" 001 Guest-"), "{renamed}");
    // `NS IDENTIFY` before USER: registration completes logged in, with
    // the nick.
    let mut early = TestClient::connect(server.addr, "early").await;
    early.send("NICK alice").await;
    early.send(&format!("NS IDENTIFY {PW}")).await;
    early.wait_numeric("900").await;
    assert_eq!(answer(&mut early).await, "You are now logged in as alice.");
    early.send("USER a 0 * :A").await;
    let welcome = early.wait_numeric("001").await;
    assert!(welcome.contains(" 001 alice "), "{welcome}");
    // Held by that connection: a newcomer ghosts it first, with the
    // password, before registering.
    let mut later = TestClient::connect(server.addr, "later").await;
    later.send("NICK alice").await;
    later.wait_numeric("433").await;
    later.send(&format!("NS GHOST alice {PW}")).await;
    assert_eq!(answer(&mut later).await, "alice has been ghosted.");
    early.expect_eof().await;
    later.send("NICK alice").await;
    later.send(&format!("NS IDENTIFY {PW}")).await;
    answer(&mut later).await;
    later.send("USER a 0 * :A").await;
    let welcome = later.wait_numeric("001").await;
    assert!(welcome.contains(" 001 alice "), "{welcome}");
    server.shutdown().await;
}

#[tokio::test]
async fn ghost_needs_the_account_or_its_password() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = registered(server.addr, "alice").await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    assert_eq!(
        ns(&mut bob, "GHOST alice").await,
        "alice is a nick of the account alice: you must be logged in to it, or give its password (GHOST alice <password>)."
    );
    assert_eq!(
        ns(&mut bob, "GHOST alice not-the-password").await,
        "Cannot ghost alice: invalid account or password"
    );
    assert_eq!(
        ns(&mut bob, "GHOST carol").await,
        "Nobody is using the nick carol."
    );
    assert_eq!(
        ns(&mut alice, "GHOST bob").await,
        "bob is not a nick of any account."
    );
    assert_eq!(
        ns(&mut bob, "GHOST bob").await,
        "That is you: GHOST disconnects your other connections."
    );
    // Still there after the refusals.
    alice.sync().await;

    // With the password: alice's connection goes.
    assert_eq!(
        ns(&mut bob, &format!("GHOST alice {PW}")).await,
        "alice has been ghosted."
    );
    let last = alice.expect_eof().await;
    assert!(
        last.iter()
            .any(|l| l == "ERROR :Closing link: Killed (NickServ (GHOST command used by bob))"),
        "{last:?}"
    );

    // Logged in to the account: no password needed.
    let mut again = TestClient::logged_in(server.addr, "alice", "alice", PW).await;
    let mut phone = TestClient::irc(server.addr, "alice_phone").await;
    phone.send(&format!("NS IDENTIFY alice {PW}")).await;
    answer(&mut phone).await;
    assert_eq!(
        ns(&mut phone, "GHOST alice").await,
        "alice has been ghosted."
    );
    again.expect_eof().await;
    // Its nick is free for the account now.
    phone.send("NICK alice").await;
    phone
        .wait_for("the nick change", |l| {
            l.ends_with(" NICK alice") || l.ends_with(" NICK :alice")
        })
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn drop_rechecks_the_password_then_frees_the_nick() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = registered(server.addr, "alice").await;
    let mut stranger = TestClient::irc(server.addr, "stranger").await;
    assert_eq!(
        ns(&mut stranger, &format!("DROP {PW}")).await,
        "You must be logged in to drop your account: IDENTIFY first."
    );
    assert_eq!(
        ns(&mut alice, "DROP").await,
        "Syntax: DROP <password>: give your password to confirm dropping your account"
    );
    assert_eq!(
        ns(&mut alice, "DROP wrong-password").await,
        "Account alice not dropped: invalid account or password"
    );
    alice.send(&format!("PRIVMSG NickServ :DROP {PW}")).await;
    let out = alice.wait_numeric("901").await;
    assert!(out.ends_with(":You are now logged out"), "{out}");
    assert_eq!(
        answer(&mut alice).await,
        "Account alice dropped: its nick is free for anyone now."
    );
    // Gone: logging in to it fails, and WHOIS shows no account.
    assert_eq!(
        ns(&mut stranger, &format!("IDENTIFY alice {PW}")).await,
        "Login to alice failed: invalid account or password"
    );
    stranger.send("WHOIS alice").await;
    let mut whois = Vec::new();
    while whois.last().and_then(|l: &String| numeric_of(l)) != Some("318") {
        whois.push(stranger.line().await);
    }
    assert!(
        whois.iter().any(|l| numeric_of(l) == Some("311")),
        "{whois:?}"
    );
    assert!(
        !whois.iter().any(|l| numeric_of(l) == Some("330")),
        "{whois:?}"
    );
    server.shutdown().await;
}

/// SASL SCRAM-SHA-256 of `account` with `password` on a fresh connection:
/// the numeric it ends with (903 or 904).
async fn scram_login(addr: std::net::SocketAddr, account: &str, password: &str) -> String {
    let mut client = TestClient::connect(addr, "scram").await;
    client.send("CAP LS 302").await;
    client.send("CAP REQ :sasl").await;
    client.send("AUTHENTICATE SCRAM-SHA-256").await;
    client.wait_contains("AUTHENTICATE +").await;
    let (mut scram, first) = ScramClient::first(account, password, "nonce-for-the-test");
    client
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&first)))
        .await;
    let server_first = decode(&client.wait_contains("AUTHENTICATE ").await);
    let client_final = scram.answer(&server_first);
    client
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&client_final)))
        .await;
    let end = client
        .wait_for("the end of SASL", |l| {
            matches!(numeric_of(l), Some("904")) || l.contains("AUTHENTICATE ")
        })
        .await;
    if numeric_of(&end) == Some("904") {
        return "904".to_owned();
    }
    client.send("AUTHENTICATE +").await;
    client
        .wait_for("903 or 904", |l| {
            matches!(numeric_of(l), Some("903" | "904"))
        })
        .await;
    "903".to_owned()
}

fn decode(line: &str) -> String {
    let encoded = line.rsplit(' ').next().expect("a parameter");
    String::from_utf8(BASE64.decode(encoded).expect("base64")).expect("utf-8")
}

#[tokio::test]
async fn passwd_changes_the_hash_and_the_scram_keys() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = registered(server.addr, "alice").await;
    let new = "a-brand-new-secret";
    assert_eq!(
        ns(&mut alice, &format!("PASSWD wrong-password {new}")).await,
        "Password not changed: invalid account or password"
    );
    assert_eq!(
        ns(&mut alice, &format!("PASSWD {PW} short")).await,
        "A password needs at least 8 characters."
    );
    assert_eq!(
        ns(&mut alice, "PASSWD only-one").await,
        "Syntax: PASSWD <old password> <new password>"
    );
    assert_eq!(
        ns(&mut alice, &format!("PASSWD {PW} {new}")).await,
        "Password of alice changed."
    );
    // The old password no longer logs in, by hash or by SCRAM; the new one
    // does, both ways.
    let mut other = TestClient::irc(server.addr, "other").await;
    assert_eq!(
        ns(&mut other, &format!("IDENTIFY alice {PW}")).await,
        "Login to alice failed: invalid account or password"
    );
    assert_eq!(scram_login(server.addr, "alice", PW).await, "904");
    assert_eq!(scram_login(server.addr, "alice", new).await, "903");
    let mut plain = TestClient::connect(server.addr, "plain-sasl").await;
    plain.send("CAP LS 302").await;
    plain.send("CAP REQ :sasl").await;
    plain.send("AUTHENTICATE PLAIN").await;
    plain.wait_contains("AUTHENTICATE +").await;
    plain
        .send(&format!("AUTHENTICATE {}", plain_payload("alice", new)))
        .await;
    plain.wait_numeric("903").await;
    assert_eq!(
        ns(&mut other, &format!("IDENTIFY alice {new}")).await,
        "You are now logged in as alice."
    );
    server.shutdown().await;
}

#[tokio::test]
async fn cert_add_list_and_del() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = registered(server.addr, "alice").await;
    let mut bob = registered(server.addr, "bob").await;
    let mut stranger = TestClient::irc(server.addr, "stranger").await;
    let hex = "0123456789abcdef".repeat(4);
    let pasted = hex
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).expect("hex"))
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(
        ns(&mut stranger, "CERT LIST").await,
        "You must be logged in to manage certificates: IDENTIFY first."
    );
    assert_eq!(
        ns(&mut alice, "CERT ADD").await,
        "This connection has no TLS client certificate: connect with one, or give its SHA-256 fingerprint (CERT ADD <fingerprint>)."
    );
    assert_eq!(
        ns(&mut alice, "CERT ADD not-hex").await,
        "not-hex is no fingerprint: give the certificate's SHA-256 in hex (64 digits, colons allowed)."
    );
    assert_eq!(
        ns(&mut alice, "CERT LIST").await,
        "alice has no certificates."
    );
    // Pasted as openssl prints it: upper case with colons.
    assert_eq!(
        ns(&mut alice, &format!("CERT ADD {pasted}")).await,
        format!("Certificate {hex} added to alice: SASL EXTERNAL logs you in with it.")
    );
    assert_eq!(
        ns(&mut alice, &format!("CERT ADD {hex}")).await,
        format!("alice has the certificate {hex} already.")
    );
    assert_eq!(
        ns(&mut bob, &format!("CERT ADD {hex}")).await,
        format!("The certificate {hex} belongs to another account.")
    );
    assert_eq!(
        ns(&mut alice, "CERT LIST").await,
        "Certificates of alice (1):"
    );
    assert_eq!(answer(&mut alice).await, hex);
    assert_eq!(
        ns(&mut alice, &format!("CERT DEL {pasted}")).await,
        format!("Certificate {hex} removed from alice.")
    );
    assert_eq!(
        ns(&mut alice, &format!("CERT DEL {hex}")).await,
        format!("alice has no certificate {hex}.")
    );
    // Free again: bob may have it now.
    assert_eq!(
        ns(&mut bob, &format!("CERT ADD {hex}")).await,
        format!("Certificate {hex} added to bob: SASL EXTERNAL logs you in with it.")
    );
    assert_eq!(
        ns(&mut bob, "CERT").await,
        "Syntax: CERT ADD [<fingerprint>] | CERT DEL <fingerprint> | CERT LIST"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn nickserv_is_a_service_user() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::irc(server.addr, "alice").await;
    alice.send("WHOIS nickserv").await;
    let user = alice.wait_numeric("311").await;
    assert!(
        user.contains(" alice NickServ NickServ test.server * :"),
        "{user}"
    );
    let service = alice.wait_numeric("313").await;
    assert!(
        service.ends_with("NickServ :is a Network Service"),
        "{service}"
    );
    alice.wait_numeric("318").await;
    // ChanServ is one too, through the same plumbing.
    alice.send("WHOIS ChanServ").await;
    let user = alice.wait_numeric("311").await;
    assert!(
        user.contains(" alice ChanServ ChanServ test.server * :Channel services"),
        "{user}"
    );
    alice.wait_numeric("313").await;
    // Its nick, and look-alikes of it, cannot be taken.
    for (nick, why) in [
        ("NickServ", "Nickname is already in use"),
        ("nickserv", "Nickname is already in use"),
        // A Cyrillic `е`.
        ("NickS\u{0435}rv", "Nickname is too similar to one in use"),
        ("chanserv", "Nickname is already in use"),
    ] {
        alice.send(&format!("NICK {nick}")).await;
        let refused = alice.wait_numeric("433").await;
        assert!(refused.ends_with(&format!("{nick} :{why}")), "{refused}");
    }
    let mut fresh = TestClient::connect(server.addr, "fresh").await;
    fresh.send("NICK NickServ").await;
    assert!(fresh.wait_numeric("433").await.contains("NickServ"));
    // A NOTICE to it is never answered.
    alice.send("NOTICE NickServ :HELP").await;
    let lines = alice.sync().await;
    assert!(lines.is_empty(), "{lines:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn what_is_said_to_nickserv_reaches_nobody_and_is_not_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    let caps = [
        "batch",
        "server-time",
        "message-tags",
        "echo-message",
        "draft/chathistory",
    ];
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", &caps).await;
    let mut bob = TestClient::irc_with_caps(server.addr, "bob", &caps).await;
    alice.join("#c").await;
    bob.join("#c").await;
    alice.sync().await;
    alice
        .send(&format!("PRIVMSG NickServ :REGISTER {PW}"))
        .await;
    let lines: Vec<String> = {
        let mut lines = Vec::new();
        loop {
            let line = alice.line().await;
            let done = line.starts_with(NICKSERV);
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    };
    assert!(
        !lines.iter().any(|l| l.contains("PRIVMSG NickServ")),
        "no echo of the password: {lines:?}"
    );
    // A message after it, which bob does get: nothing came before it.
    alice.send("PRIVMSG #c :after").await;
    let next = bob.wait_for("a PRIVMSG", |l| l.contains(" PRIVMSG ")).await;
    assert!(next.ends_with("PRIVMSG #c :after"), "{next}");
    // Nothing stored as a conversation with NickServ.
    alice
        .send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10")
        .await;
    let mut targets = Vec::new();
    loop {
        let line = alice.line().await;
        if line.contains(" BATCH -") {
            break;
        }
        targets.push(line);
    }
    assert!(
        !targets
            .iter()
            .any(|l| l.to_lowercase().contains("nickserv")),
        "{targets:?}"
    );
    server.shutdown().await;
}
