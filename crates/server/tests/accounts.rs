//! Accounts: REGISTER, SASL PLAIN / SCRAM-SHA-256, `PASS account:password`,
//! throttles, nick reservation and accounts surviving a restart — over
//! real sockets, as clients meet them.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::accounts::{PASSWORD, ScramClient, plain_payload};
use common::{TestClient, TestServer, numeric_of, quiet_config};

#[tokio::test]
async fn register_then_log_in_with_sasl_plain_in_one_burst() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    alice.send("QUIT").await;
    // The login, then CAP END in the same burst: registration completes
    // after the (slow) password check, logged in.
    let mut again = TestClient::connect(server.addr, "alice").await;
    let burst = format!(
        "CAP LS 302\r\nCAP REQ :sasl\r\nNICK alice\r\nUSER a 0 * :A\r\n\
         AUTHENTICATE PLAIN\r\nAUTHENTICATE {}\r\nCAP END\r\n",
        plain_payload("alice", PASSWORD)
    );
    again.send_raw(burst.as_bytes()).await;
    let sasl_value = again.wait_contains("CAP * LS").await;
    assert!(
        sasl_value.contains("sasl=PLAIN,SCRAM-SHA-256,EXTERNAL"),
        "{sasl_value}"
    );
    again.expect(":test.server CAP * ACK sasl").await;
    again.expect("AUTHENTICATE +").await;
    let logged_in = again.wait_numeric("900").await;
    assert!(
        logged_in.contains(" alice :You are now logged in as alice"),
        "{logged_in}"
    );
    again.wait_numeric("903").await;
    let welcome = again.wait_numeric("001").await;
    assert!(welcome.contains(" 001 alice "), "kept its nick: {welcome}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_fails_and_repeated_failures_are_throttled() {
    let server = TestServer::start(quiet_config()).await;
    let _alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    let mut guesser = irc_client(server.addr, "guesser").await;
    guesser.send("CAP REQ :sasl").await;
    let mut failures = Vec::new();
    for _ in 0..6 {
        guesser.send("AUTHENTICATE PLAIN").await;
        guesser.wait_contains("AUTHENTICATE +").await;
        guesser
            .send(&format!(
                "AUTHENTICATE {}",
                plain_payload("alice", "wrong guess")
            ))
            .await;
        failures.push(guesser.wait_numeric("904").await);
    }
    assert!(
        failures[0].contains("invalid account or password"),
        "{failures:?}"
    );
    assert!(
        failures[5].contains("too many failed logins; try again in"),
        "the sixth guess within a minute is refused: {failures:?}"
    );
    // Throttled: even the right password is refused for now.
    guesser.send("AUTHENTICATE PLAIN").await;
    guesser.wait_contains("AUTHENTICATE +").await;
    guesser
        .send(&format!(
            "AUTHENTICATE {}",
            plain_payload("alice", PASSWORD)
        ))
        .await;
    assert!(
        guesser
            .wait_numeric("904")
            .await
            .contains("too many failed logins")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn scram_sha_256_logs_in_and_proves_the_server() {
    let server = TestServer::start(quiet_config()).await;
    let _alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    let mut client = irc_client(server.addr, "alice-scram").await;
    client.send("CAP REQ :sasl").await;
    client.send("AUTHENTICATE SCRAM-SHA-256").await;
    client.wait_contains("AUTHENTICATE +").await;
    let (mut scram, first) = ScramClient::first("alice", PASSWORD, "fyko+d2lbbFgONRv9qkxdawL");
    client
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&first)))
        .await;
    let server_first = payload(&client.wait_contains("AUTHENTICATE ").await);
    assert!(
        server_first.starts_with("r=fyko+d2lbbFgONRv9qkxdawL"),
        "{server_first}"
    );
    let client_final = scram.answer(&server_first);
    client
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&client_final)))
        .await;
    let server_final = payload(&client.wait_contains("AUTHENTICATE ").await);
    assert!(scram.server_is_genuine(&server_final), "{server_final}");
    client.send("AUTHENTICATE +").await;
    client.wait_numeric("900").await;
    client.wait_numeric("903").await;

    // A wrong password fails at the proof.
    let mut wrong = irc_client(server.addr, "wrong-scram").await;
    wrong.send("AUTHENTICATE SCRAM-SHA-256").await;
    wrong.wait_contains("AUTHENTICATE +").await;
    let (mut scram, first) = ScramClient::first("alice", "not the password", "abcdefgh");
    wrong
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&first)))
        .await;
    let server_first = payload(&wrong.wait_contains("AUTHENTICATE ").await);
    let client_final = scram.answer(&server_first);
    wrong
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&client_final)))
        .await;
    assert!(wrong.wait_numeric("904").await.contains("wrong password"));
    server.shutdown().await;
}

#[tokio::test]
async fn sasl_framing_chunks_aborts_and_refusals() {
    let server = TestServer::start(quiet_config()).await;
    let _alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    let mut client = irc_client(server.addr, "framing").await;
    // An unknown mechanism: the list, then a failure.
    client.send("AUTHENTICATE DIGEST-MD5").await;
    let mechs = client.wait_numeric("908").await;
    assert!(mechs.contains("PLAIN,SCRAM-SHA-256,EXTERNAL"), "{mechs}");
    client.wait_numeric("904").await;
    // A line over 400 bytes: 905, and the exchange is over.
    client.send("AUTHENTICATE PLAIN").await;
    client.wait_contains("AUTHENTICATE +").await;
    client
        .send(&format!("AUTHENTICATE {}", "A".repeat(401)))
        .await;
    client.wait_numeric("905").await;
    // Abort: exactly one 906.
    client.send("AUTHENTICATE PLAIN").await;
    client.wait_contains("AUTHENTICATE +").await;
    client.send("AUTHENTICATE *").await;
    client.wait_numeric("906").await;
    let after = client.sync().await;
    assert!(
        after.iter().all(|l| numeric_of(l) != Some("906")),
        "{after:?}"
    );
    // A payload of exactly 400 bytes is continued by `+`. A long password
    // makes the PLAIN payload 400 bytes of base64 (300 raw).
    let long = format!("{}{}", PASSWORD, "x".repeat(300 - 7 - PASSWORD.len()));
    let payload = plain_payload("alice", &long);
    assert_eq!(payload.len(), 400);
    client.send("AUTHENTICATE PLAIN").await;
    client.wait_contains("AUTHENTICATE +").await;
    client.send(&format!("AUTHENTICATE {payload}")).await;
    client.send("AUTHENTICATE +").await;
    // Gathered whole (one verdict): the password is wrong, not malformed.
    assert!(
        client
            .wait_numeric("904")
            .await
            .contains("invalid account or password")
    );
    // Logged in, a second login is refused with 907.
    client.send("AUTHENTICATE PLAIN").await;
    client.wait_contains("AUTHENTICATE +").await;
    client
        .send(&format!(
            "AUTHENTICATE {}",
            plain_payload("alice", PASSWORD)
        ))
        .await;
    client.wait_numeric("903").await;
    client.send("AUTHENTICATE PLAIN").await;
    client.wait_numeric("907").await;
    // EXTERNAL without a client certificate fails at once.
    let mut plain = irc_client(server.addr, "nocert").await;
    plain.send("AUTHENTICATE EXTERNAL").await;
    assert!(
        plain
            .wait_numeric("904")
            .await
            .contains("client certificate")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_registered_nick_is_its_accounts() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    alice.send("QUIT").await;
    alice.expect_eof().await;
    // An anonymous client registering as alice is renamed.
    let mut thief = TestClient::connect(server.addr, "thief").await;
    thief.send("NICK alice").await;
    thief.send("USER t 0 * :T").await;
    let refused = thief.wait_numeric("433").await;
    assert!(refused.contains("reserved"), "{refused}");
    let fail = thief
        .wait_contains("FAIL NICK NICKNAME_RESERVED alice")
        .await;
    assert!(fail.contains("Guest-"), "{fail}");
    let welcome = thief.wait_numeric("001").await;
    assert!(welcome.contains(" 001 Guest-"), "{welcome}");
    // Nor can it rename to alice afterwards.
    thief.send("NICK alice").await;
    assert!(thief.wait_numeric("433").await.contains("reserved"));
    // SASL sent after NICK still counts: the owner keeps the nick.
    let owner = TestClient::logged_in(server.addr, "alice", "alice", PASSWORD).await;
    drop(owner);
    server.shutdown().await;
}

#[tokio::test]
async fn register_refusals_say_why() {
    let server = TestServer::start(quiet_config()).await;
    let mut early = irc_client(server.addr, "early").await;
    early.send("REGISTER * * :long enough password").await;
    early.wait_contains("FAIL REGISTER NEED_NICK").await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    bob.send("REGISTER carol * :long enough password").await;
    bob.wait_contains("FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK carol")
        .await;
    bob.send("REGISTER * * :short").await;
    bob.wait_contains("FAIL REGISTER WEAK_PASSWORD bob").await;
    bob.send("REGISTER bob * :long enough password").await;
    bob.wait_contains("REGISTER SUCCESS bob").await;
    bob.send("REGISTER * * :long enough password").await;
    bob.wait_contains("FAIL REGISTER ALREADY_AUTHENTICATED")
        .await;
    bob.send("VERIFY bob 1234").await;
    bob.wait_contains("FAIL VERIFY INVALID_CODE bob").await;
    // Before connecting too (draft/account-registration=before-connect).
    let mut dave = TestClient::connect(server.addr, "dave").await;
    dave.send("CAP LS 302").await;
    let caps = dave.wait_contains("CAP * LS").await;
    assert!(
        caps.contains("draft/account-registration=before-connect"),
        "{caps}"
    );
    dave.send("NICK dave").await;
    dave.send("REGISTER * * :long enough password").await;
    dave.wait_contains("REGISTER SUCCESS dave").await;
    dave.send("USER d 0 * :D").await;
    dave.send("CAP END").await;
    assert!(dave.wait_numeric("001").await.contains(" 001 dave "));
    server.shutdown().await;
}

#[tokio::test]
async fn pass_account_password_logs_in() {
    let server = TestServer::start(quiet_config()).await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    alice.send("QUIT").await;
    alice.expect_eof().await;
    let mut again = TestClient::connect(server.addr, "alice").await;
    again.send(&format!("PASS :alice:{PASSWORD}")).await;
    again.send("NICK alice").await;
    again.send("USER a 0 * :A").await;
    again.wait_numeric("900").await;
    assert!(again.wait_numeric("001").await.contains(" 001 alice "));
    // A wrong one: a notice, and registration goes on, as a guest.
    let mut wrong = TestClient::connect(server.addr, "wrong").await;
    wrong.send("PASS alice:nope").await;
    wrong.send("NICK someone").await;
    wrong.send("USER a 0 * :A").await;
    assert!(
        wrong
            .wait_contains("NOTICE")
            .await
            .contains("Login to alice failed")
    );
    assert!(wrong.wait_numeric("001").await.contains(" 001 someone "));
    server.shutdown().await;
}

/// A connection that starts as IRC clients do (`CAP LS 302`), without
/// registering.
async fn irc_client(addr: std::net::SocketAddr, name: &str) -> TestClient {
    let mut client = TestClient::connect(addr, name).await;
    client.send("CAP LS 302").await;
    client.wait_contains("CAP * LS").await;
    client
}

/// The text of a server `AUTHENTICATE <base64>` line, decoded.
fn payload(line: &str) -> String {
    let encoded = line.rsplit(' ').next().expect("a parameter");
    String::from_utf8(BASE64.decode(encoded).expect("base64")).expect("utf-8")
}

#[tokio::test]
async fn a_hashed_server_password_is_verified() {
    let config = ciao_server::Config {
        password: Some(ciao_server::hash_password("letmein")),
        ..quiet_config()
    };
    let server = TestServer::start(config).await;
    let mut right = TestClient::connect(server.addr, "right").await;
    right.send("PASS letmein").await;
    right.send("NICK right").await;
    right.send("USER r 0 * :R").await;
    right.wait_numeric("001").await;
    let mut wrong = TestClient::connect(server.addr, "wrong").await;
    wrong.send("PASS $argon2id$not-it").await;
    wrong.send("NICK wrong").await;
    wrong.send("USER w 0 * :W").await;
    wrong.wait_numeric("464").await;
    wrong.expect_eof().await;
    server.shutdown().await;
}

/// `ciao-server hash-password` reads a password on standard input and
/// prints a hash that `--password` takes.
#[tokio::test]
async fn hash_password_prints_a_hash_the_server_takes() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        .arg("hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"open sesame\n")
        .expect("write");
    let output = child.wait_with_output().expect("output");
    assert!(output.status.success());
    let hash = String::from_utf8(output.stdout).expect("utf-8");
    let hash = hash.trim();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let (_server, addr) = common::process::start([
        "--listen",
        "127.0.0.1:0",
        "--no-history",
        "--no-tls",
        "--password",
        hash,
    ]);
    let mut client = TestClient::connect(addr, "client").await;
    client.send("PASS :open sesame").await;
    client.send("NICK client").await;
    client.send("USER c 0 * :C").await;
    client.wait_numeric("001").await;
}

/// Accounts are in the store: after a restart the password still logs
/// in (both mechanisms) and the nick is still reserved.
#[tokio::test]
async fn accounts_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = || ciao_server::Config {
        history: Some(ciao_server::HistoryConfig::new(dir.path().to_owned())),
        ..quiet_config()
    };
    let server = TestServer::start(config()).await;
    let mut alice = TestClient::with_account(server.addr, "alice", PASSWORD).await;
    alice.send("QUIT").await;
    alice.expect_eof().await;
    server.shutdown().await;

    let server = TestServer::start(config()).await;
    let mut thief = TestClient::connect(server.addr, "thief").await;
    thief.send("NICK alice").await;
    thief.send("USER t 0 * :T").await;
    assert!(thief.wait_numeric("001").await.contains(" 001 Guest-"));
    let _owner = TestClient::logged_in(server.addr, "alice", "alice", PASSWORD).await;
    let mut scram = irc_client(server.addr, "scram").await;
    scram.send("AUTHENTICATE SCRAM-SHA-256").await;
    scram.wait_contains("AUTHENTICATE +").await;
    let (mut client, first) = ScramClient::first("alice", PASSWORD, "restartnonce");
    scram
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&first)))
        .await;
    let server_first = payload(&scram.wait_contains("AUTHENTICATE ").await);
    let client_final = client.answer(&server_first);
    scram
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&client_final)))
        .await;
    let server_final = payload(&scram.wait_contains("AUTHENTICATE ").await);
    assert!(client.server_is_genuine(&server_final));
    scram.send("AUTHENTICATE +").await;
    scram.wait_numeric("903").await;
    server.shutdown().await;
}

/// `plaintext-passwords = deny`: SASL PLAIN and REGISTER are refused in
/// clear, saying why, and work over TLS; SCRAM (which never sends the
/// password) works in clear.
#[tokio::test]
async fn passwords_in_clear_are_refused_under_deny() {
    let config = ciao_server::Config {
        plaintext_passwords: ciao_server::config::PlaintextPasswords::Deny,
        ..quiet_config()
    };
    let (dir, server) = common::tls::tls_server(config).await;
    let mut clear = TestClient::irc(server.addr, "alice").await;
    clear.send(&format!("REGISTER * * :{PASSWORD}")).await;
    let refused = clear.wait_contains("FAIL REGISTER").await;
    assert!(refused.contains("not accepted over plaintext"), "{refused}");
    let mut secure = common::tls::tls_irc(&server, dir.path(), "bob").await;
    secure.send(&format!("REGISTER * * :{PASSWORD}")).await;
    secure.wait_contains("REGISTER SUCCESS bob").await;
    clear.send("AUTHENTICATE PLAIN").await;
    let refused = clear.wait_numeric("904").await;
    assert!(refused.contains("not accepted over plaintext"), "{refused}");
    clear.send("AUTHENTICATE SCRAM-SHA-256").await;
    clear.wait_contains("AUTHENTICATE +").await;
    let (mut scram, first) = ScramClient::first("bob", PASSWORD, "clearnonce");
    clear
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&first)))
        .await;
    let server_first = payload(&clear.wait_contains("AUTHENTICATE ").await);
    let client_final = scram.answer(&server_first);
    clear
        .send(&format!("AUTHENTICATE {}", BASE64.encode(&client_final)))
        .await;
    payload(&clear.wait_contains("AUTHENTICATE ").await);
    clear.send("AUTHENTICATE +").await;
    clear.wait_numeric("903").await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_hashed_operator_password_is_verified() {
    let config = ciao_server::Config {
        opers: vec![ciao_server::OperCredential {
            name: "root".to_owned(),
            password: ciao_server::hash_password("s3cret oper"),
        }],
        ..quiet_config()
    };
    let server = TestServer::start(config).await;
    let mut client = TestClient::irc(server.addr, "wannabe").await;
    client.send("OPER root :not it").await;
    client.wait_numeric("464").await;
    client.send("OPER root :s3cret oper").await;
    client.wait_numeric("381").await;
    server.shutdown().await;
}
