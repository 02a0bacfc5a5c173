//! Other protocols on the chat port: an HTTP POST a web page makes a
//! browser send, an SMTP or Redis client, a TLS handshake. Each is closed
//! on its first line, and nothing of it reaches anyone; chat clients whose
//! first line merely resembles one still get in.

mod common;

use std::time::Duration;

use ciao_server::Config;
use common::{TestClient, TestServer, test_config};

/// Two IRC clients in #lobby who must see nothing of an attack.
struct Bystanders(TestClient, TestClient);

impl Bystanders {
    async fn join(server: &TestServer) -> Self {
        let mut first = TestClient::irc_in_lobby(server.addr, "bystander").await;
        let mut second = TestClient::irc_in_lobby(server.addr, "witness").await;
        // The first saw the second join; from now on neither sees a line.
        first.sync().await;
        second.sync().await;
        Bystanders(first, second)
    }

    /// Once the attacker's connection has ended, everything it caused is
    /// queued: a PING round trip proves nobody got a line since joining.
    async fn saw_nothing(&mut self) {
        for client in [&mut self.0, &mut self.1] {
            let lines = client.sync().await;
            assert!(lines.is_empty(), "{} saw {lines:#?}", client.name);
        }
    }
}

/// Connects, sends `bytes` at once and returns what came back before the
/// server closed the connection.
async fn send_and_wait_for_close(server: &TestServer, bytes: &[u8]) -> Vec<String> {
    let mut attacker = TestClient::connect(server.addr, "attacker").await;
    attacker.send_raw(bytes).await;
    attacker.expect_eof().await
}

/// The HTTP 400 and nothing else.
fn assert_http_400(lines: &[String]) {
    assert_eq!(
        lines.first().map(String::as_str),
        Some("HTTP/1.1 400 Bad Request")
    );
    assert!(lines.iter().any(|l| l == "Connection: close"), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Content-Type: text/plain")),
        "{lines:#?}"
    );
    assert!(
        lines.last().is_some_and(|l| l.contains("chat server")),
        "{lines:#?}"
    );
}

/// A form post a web page can make: `text/plain` needs no CORS preflight.
fn post(body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: 192.168.1.10:6667\r\nOrigin: http://evil.example\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_post_whose_body_is_a_name_and_chat_lines_reaches_nobody() {
    let server = TestServer::with_defaults().await;
    let mut bystanders = Bystanders::join(&server).await;
    let lines =
        send_and_wait_for_close(&server, &post("mallory\r\nclick http://evil.example\r\n")).await;
    assert_http_400(&lines);
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_post_whose_body_is_irc_registration_sends_no_private_message() {
    let server = TestServer::with_defaults().await;
    let mut bystanders = Bystanders::join(&server).await;
    let body = "NICK mallory\r\nUSER m 0 * :m\r\nPRIVMSG bystander :hi\r\nPRIVMSG #lobby :hi\r\n";
    let lines = send_and_wait_for_close(&server, &post(body)).await;
    assert_http_400(&lines);
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_smtp_client_greeted_as_plain_is_closed_at_its_ehlo() {
    let server = TestServer::with_defaults().await;
    let mut bystanders = Bystanders::join(&server).await;
    let mut smtp = TestClient::connect(server.addr, "smtp").await;
    // It waits for the server to speak first: after the grace period it
    // gets the plain greeting, then sends its first line.
    let greeting = smtp.line().await;
    assert!(greeting.contains("name"), "{greeting}");
    smtp.send_raw(
        b"EHLO evil.example\r\nMAIL FROM:<a@evil.example>\r\nRCPT TO:<b@lan>\r\nDATA\r\nhello\r\n",
    )
    .await;
    assert_eq!(smtp.expect_eof().await, Vec::<String>::new());
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_redis_client_is_closed_at_its_first_frame() {
    let server = TestServer::with_defaults().await;
    let mut bystanders = Bystanders::join(&server).await;
    let lines = send_and_wait_for_close(&server, b"*1\r\n$4\r\nPING\r\nhello\r\n").await;
    assert_eq!(lines, Vec::<String>::new());
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_ssh_client_is_closed_at_its_identification() {
    let server = TestServer::with_defaults().await;
    let mut bystanders = Bystanders::join(&server).await;
    let lines = send_and_wait_for_close(&server, b"SSH-2.0-OpenSSH_9.6\r\nmallory\r\n").await;
    assert_eq!(lines, Vec::<String>::new());
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn half_a_foreign_line_at_the_end_of_the_grace_period_is_not_greeted() {
    let server = TestServer::with_defaults().await;
    let mut bystanders = Bystanders::join(&server).await;
    // No newline: the grace period ends with this still unterminated.
    let lines = send_and_wait_for_close(&server, b"SSH-2.0-OpenSSH_9.6").await;
    assert_eq!(lines, Vec::<String>::new(), "never greeted");
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_tls_client_hello_is_closed_without_waiting_for_the_grace_period() {
    // A grace period longer than a line may take to arrive: if the server
    // waited for it, the close would not come in time and the test fails.
    let server = TestServer::start(Config {
        plain_grace: Duration::from_secs(60),
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;
    // The start of a ClientHello: a handshake record, TLS 1.0 record
    // version, a client_hello of TLS 1.2; no newline anywhere.
    let mut hello = vec![
        0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2d, 0x03, 0x03,
    ];
    hello.extend([0x42; 32]);
    let lines = send_and_wait_for_close(&server, &hello).await;
    assert_eq!(lines, Vec::<String>::new(), "never greeted");
    bystanders.saw_nothing().await;
    server.shutdown().await;
}

#[tokio::test]
async fn plain_users_named_like_protocol_verbs_still_chat() {
    let server = TestServer::with_defaults().await;
    let mut bystander = TestClient::irc_in_lobby(server.addr, "bystander").await;
    for name in ["GET", "HELO", "DATA", "PING"] {
        let mut user = TestClient::plain(server.addr, name).await;
        bystander.wait_contains(&format!(":{name}!")).await;
        user.send_raw(format!("POST / HTTP/1.1 is what {name} types\n").as_bytes())
            .await;
        bystander
            .wait_contains(&format!(
                "PRIVMSG #lobby :POST / HTTP/1.1 is what {name} types"
            ))
            .await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn irc_probes_still_work() {
    let server = TestServer::with_defaults().await;
    let mut ping = TestClient::connect(server.addr, "ping-probe").await;
    ping.send("PING x").await;
    ping.wait_contains("PONG").await;
    let mut quit = TestClient::connect(server.addr, "quit-probe").await;
    quit.send("QUIT :chkport").await;
    let rest = quit.expect_eof().await;
    assert!(rest.iter().any(|l| l.starts_with("ERROR")), "{rest:#?}");
    server.shutdown().await;
}
