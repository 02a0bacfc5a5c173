//! The web port over real sockets: the page's files, the IRCv3 WebSocket
//! (subprotocols, frames, limits), the browser-facing refusals, and IRC
//! and plain clients on the same port.

mod common;

use std::time::Duration;

use common::web::{WsClient, http, read_to_end, status};
use common::{TestClient, TestServer, numeric_of, quiet_config, test_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

async fn web_server() -> (TestServer, std::net::SocketAddr) {
    let server = TestServer::start_web(test_config()).await;
    let web = server.web_addr.expect("a web listener");
    (server, web)
}

fn get(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn the_page_is_served_with_its_security_headers() {
    let (server, web) = web_server().await;
    let host = web.to_string();
    let answer = http(web, &get("/", &host)).await;
    assert_eq!(status(&answer), 200, "{answer}");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(body.contains("<script type=\"module\""), "{body}");
    let csp = head
        .lines()
        .find(|l| l.starts_with("Content-Security-Policy:"))
        .expect("a CSP");
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        &format!("connect-src 'self' ws://{host} wss://{host};"),
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(head.contains("X-Content-Type-Options: nosniff"), "{head}");
    assert!(head.contains("Referrer-Policy: no-referrer"), "{head}");

    // HEAD: the same head, no body.
    let answer = http(web, &get("/", &host).replacen("GET", "HEAD", 1)).await;
    assert_eq!(status(&answer), 200);
    assert!(answer.ends_with("\r\n\r\n"), "{answer:?}");

    let answer = http(web, &get("/no-such-file.js", &host)).await;
    assert_eq!(status(&answer), 404, "{answer}");
    assert!(answer.contains("X-Content-Type-Options: nosniff"));
    server.shutdown().await;
}

#[tokio::test]
async fn requests_are_kept_alive_and_answered_in_order() {
    let (server, web) = web_server().await;
    let mut socket = TcpStream::connect(web).await.expect("connect");
    // Two requests in one write (pipelined), the second closing.
    let host = web.to_string();
    let requests = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\n\r\n{}",
        get("/nope", &host)
    );
    socket.write_all(requests.as_bytes()).await.expect("send");
    let answers = read_to_end(&mut socket).await;
    let statuses: Vec<&str> = answers
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &answers[i + 9..i + 12])
        .collect();
    assert_eq!(statuses, ["200", "404"], "{answers}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_cross_site_post_never_becomes_a_chat_client() {
    let (server, web) = web_server().await;
    let mut watcher = TestClient::irc(server.addr, "watcher").await;
    // What a hostile page's form can make a browser send to a LAN host.
    let body = "NICK victim\r\nUSER v 0 * :v\r\nPRIVMSG #lobby :pwned\r\n";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {web}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = http(web, &request).await;
    assert_eq!(status(&answer), 405, "{answer}");
    assert!(answer.contains("Allow: GET, HEAD"), "{answer}");
    watcher.send("WHOIS victim").await;
    let reply = watcher
        .wait_for("WHOIS's answer", |l| {
            matches!(numeric_of(l), Some("401" | "311"))
        })
        .await;
    assert_eq!(numeric_of(&reply), Some("401"), "{reply}");
    server.shutdown().await;
}

#[tokio::test]
async fn other_hosts_and_origins_are_refused() {
    let (server, web) = web_server().await;
    // DNS rebinding: a name that is not this machine's.
    let answer = http(web, &get("/", "evil.example:8067")).await;
    assert_eq!(status(&answer), 403, "{answer}");
    // A page elsewhere opening a WebSocket to the chat.
    let refused = WsClient::connect_with(
        web,
        &["text.ircv3.net"],
        &[("Origin", "http://evil.example")],
        "evil",
    )
    .await;
    assert_eq!(refused.err(), Some(403));
    // The page itself may; so may a client without Origin (not a page).
    let own = format!("http://{web}");
    let mut ok = WsClient::connect_with(web, &[], &[("Origin", &own)], "own")
        .await
        .expect("the page's own origin is let in");
    ok.send("PING :x").await;
    assert!(ok.line().await.contains("PONG"));
    server.shutdown().await;
}

#[tokio::test]
async fn an_allowed_origin_may_connect() {
    let mut config = test_config();
    config.web.origins = vec!["https://app.example.net".to_owned()];
    let server = TestServer::start_web(config).await;
    let web = server.web_addr.expect("web");
    let client =
        WsClient::connect_with(web, &[], &[("Origin", "https://app.example.net")], "app").await;
    assert!(client.is_ok());
    server.shutdown().await;
}

#[tokio::test]
async fn the_subprotocol_is_the_clients_first_choice_and_sets_the_frames() {
    let (server, web) = web_server().await;
    for (offered, chosen, binary) in [
        (&["binary.ircv3.net"][..], Some("binary.ircv3.net"), true),
        (&["text.ircv3.net"][..], Some("text.ircv3.net"), false),
        (
            &["binary.ircv3.net", "text.ircv3.net"][..],
            Some("binary.ircv3.net"),
            true,
        ),
        (
            &["text.ircv3.net", "binary.ircv3.net"][..],
            Some("text.ircv3.net"),
            false,
        ),
        // gamja asks for none: text frames.
        (&[][..], None, false),
    ] {
        let mut client = WsClient::connect(web, offered, "probe").await;
        assert_eq!(client.protocol.as_deref(), chosen, "{offered:?}");
        client.send("PING :hello").await;
        match client.message().await {
            // One IRC line per frame, no CRLF.
            Some(Message::Binary(bytes)) if binary => {
                assert_eq!(&bytes[..], b":test.server PONG test.server hello");
            }
            Some(Message::Text(text)) if !binary => {
                assert_eq!(text.as_str(), ":test.server PONG test.server hello");
            }
            other => panic!("{offered:?}: {other:?}"),
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn websocket_tcp_and_plain_clients_chat_together_on_the_web_port() {
    let (server, web) = web_server().await;
    let mut browser = WsClient::irc(web, &["text.ircv3.net"], "browser").await;
    browser
        .wait_for("the lobby's names", |l| l.contains(" 366 "))
        .await;
    // IRC and plain clients on the web port itself (sniffed).
    let mut irc = TestClient::irc_in_lobby(web, "ircuser").await;
    let mut plain = TestClient::plain(web, "plainuser").await;
    irc.sync().await;
    browser.send("PRIVMSG #lobby :hello from the browser").await;
    irc.wait_contains("hello from the browser").await;
    plain.wait_contains("browser: hello from the browser").await;
    irc.send("PRIVMSG #lobby :hello from irc").await;
    browser
        .wait_for("irc's line", |l| {
            l.ends_with("PRIVMSG #lobby :hello from irc")
        })
        .await;
    plain.send_raw(b"hello from nc\n").await;
    browser
        .wait_for("plain's line", |l| {
            l.ends_with("PRIVMSG #lobby :hello from nc")
        })
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_fragmented_message_is_one_line_and_pings_are_answered() {
    let (server, web) = web_server().await;
    let mut client = WsClient::irc(web, &["text.ircv3.net"], "frag").await;
    client
        .send_message(Message::Ping("are you there".into()))
        .await;
    let pong = tokio::time::timeout(common::LINE_TIMEOUT, async {
        use futures_util::StreamExt;
        loop {
            match client.socket.next().await {
                Some(Ok(Message::Pong(payload))) => return payload,
                Some(Ok(_)) => {}
                other => panic!("no pong: {other:?}"),
            }
        }
    })
    .await
    .expect("a pong in time");
    assert_eq!(&pong[..], b"are you there");
    // "PING :fragments" in three frames.
    let mut raw = raw_upgrade(web).await;
    raw.write_all(&masked_frame(0x01, false, b"PING"))
        .await
        .expect("send");
    raw.write_all(&masked_frame(0x00, false, b" :frag"))
        .await
        .expect("send");
    raw.write_all(&masked_frame(0x00, true, b"ments"))
        .await
        .expect("send");
    let frame = read_frame(&mut raw).await;
    assert_eq!(frame.0, 0x81, "a final text frame");
    let text = String::from_utf8_lossy(&frame.1).into_owned();
    // Not registered yet: PING is still answered (or 451): either way it
    // parsed as one line with the whole parameter.
    assert!(
        text.contains("fragments") || text.contains(" 451 "),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_oversized_message_closes_with_1009() {
    let (server, web) = web_server().await;
    let mut client = WsClient::irc(web, &["text.ircv3.net"], "big").await;
    let huge = format!("PRIVMSG #lobby :{}", "x".repeat(20_000));
    client.send(&huge).await;
    assert_eq!(client.close_code().await, Some(1009));
    server.shutdown().await;
}

#[tokio::test]
async fn lines_longer_than_irc_allows_are_refused_as_over_tcp() {
    let (server, web) = web_server().await;
    let mut client = WsClient::irc(web, &["text.ircv3.net"], "long").await;
    let mut peer = TestClient::irc(server.addr, "peer").await;
    client.send("PRIVMSG peer :hi").await;
    let hi = peer.wait_contains("PRIVMSG peer :hi").await;
    let source = hi.split(' ').next().unwrap_or_default().to_owned();
    // As long as the line peer gets may be (510 bytes, the source in
    // front): relayed whole.
    let prefix = "PRIVMSG peer :";
    let room = 510 - source.len() - 1 - prefix.len();
    let fits = format!("{prefix}{}", "y".repeat(room));
    client.send(&fits).await;
    let got = peer.wait_contains("PRIVMSG peer :y").await;
    assert_eq!(got.len(), 510, "{got}");
    // One byte more: 417 to the sender (never cut), as over TCP.
    client.send(&format!("{fits}y")).await;
    client.wait_for("417", |l| l.contains(" 417 ")).await;
    let mut tcp = TestClient::irc(server.addr, "tcpsend").await;
    let prefix = "PRIVMSG long :";
    tcp.send("PRIVMSG long :hi").await;
    let hi = client
        .wait_for("tcpsend's hi", |l| l.ends_with("PRIVMSG long :hi"))
        .await;
    let source = hi.split(' ').next().unwrap_or_default().to_owned();
    let room = 510 - source.len() - 1 - prefix.len();
    tcp.send(&format!("{prefix}{}y", "z".repeat(room))).await;
    tcp.wait_numeric("417").await;
    // The longest that fits reaches the browser as one frame of 510 bytes.
    tcp.send(&format!("{prefix}{}", "z".repeat(room))).await;
    let got = client
        .wait_for("the long line", |l| l.contains("PRIVMSG long :z"))
        .await;
    assert_eq!(got.len(), 510, "{got}");
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_is_refused_and_text_frames_stay_utf8() {
    let (server, web) = web_server().await;
    let mut client = WsClient::irc(web, &["text.ircv3.net"], "utf").await;
    let mut peer = TestClient::irc(server.addr, "latin").await;
    // A binary frame of Latin-1 from the browser side: FAIL, not a close.
    client
        .send_message(Message::binary(b"PRIVMSG latin :caf\xe9".to_vec()))
        .await;
    let fail = client
        .wait_for("FAIL", |l| l.starts_with(":test.server FAIL"))
        .await;
    assert!(fail.contains("INVALID_UTF8"), "{fail}");
    // Latin-1 from a TCP client is refused the same way: nothing invalid
    // reaches the browser's text frames.
    peer.send_raw(b"PRIVMSG utf :caf\xe9\r\n").await;
    peer.wait_contains("INVALID_UTF8").await;
    // A plain client's Latin-1 becomes U+FFFD before anyone sees it.
    let mut plain = TestClient::plain(server.addr, "plainlatin").await;
    client
        .wait_for("plainlatin's join", |l| l.contains("plainlatin"))
        .await;
    plain.send_raw(b"caf\xe9\n").await;
    let line = client
        .wait_for("the plain line", |l| l.contains("PRIVMSG #lobby :caf"))
        .await;
    assert!(line.ends_with("caf\u{FFFD}"), "{line}");
    server.shutdown().await;
}

#[tokio::test]
async fn an_unmasked_frame_is_a_protocol_error() {
    let (server, web) = web_server().await;
    let mut raw = raw_upgrade(web).await;
    // A server-style (unmasked) text frame from a client.
    raw.write_all(b"\x81\x04PING").await.expect("send");
    let (opcode, payload) = read_frame(&mut raw).await;
    assert_eq!(opcode, 0x88, "a Close frame");
    assert_eq!(&payload[..2], &1002u16.to_be_bytes());
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_header_dribble_is_closed() {
    let mut config = test_config();
    config.web.header_timeout = Duration::from_millis(500);
    let server = TestServer::start_web(config).await;
    let web = server.web_addr.expect("web");
    let mut socket = TcpStream::connect(web).await.expect("connect");
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("send");
    // One header byte at a time, never ending the head: the pacing is
    // what is tested (the server must close within its bound, not wait).
    let start = tokio::time::Instant::now();
    let mut sink = [0u8; 64];
    let closed = loop {
        if socket.write_all(b"X").await.is_err() {
            break true;
        }
        match tokio::time::timeout(Duration::from_millis(100), socket.read(&mut sink)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(_)) => panic!("answered a head that never ended"),
            Err(_) => {}
        }
        if start.elapsed() > Duration::from_secs(10) {
            break false;
        }
    };
    assert!(closed, "the dribble was not closed");
    assert!(start.elapsed() < Duration::from_secs(5));
    server.shutdown().await;
}

#[tokio::test]
async fn websocket_clients_count_against_the_limits() {
    let config = common::test_config();
    let config = ciao_server::Config {
        max_clients: 1,
        ..config
    };
    let server = TestServer::start_web(config).await;
    let web = server.web_addr.expect("web");
    let _first = WsClient::irc(web, &[], "first").await;
    // The second browser is refused with a 503 it can show.
    let refused = WsClient::connect_with(web, &[], &[], "second").await;
    assert_eq!(refused.err(), Some(503));
    server.shutdown().await;
}

#[tokio::test]
async fn a_websocket_that_never_registers_times_out() {
    let config = ciao_server::Config {
        registration_timeout: Duration::from_millis(300),
        ..quiet_config()
    };
    let server = TestServer::start_web(config).await;
    let web = server.web_addr.expect("web");
    let mut client = WsClient::connect(web, &[], "silent").await;
    let error = client.wait_for("ERROR", |l| l.starts_with("ERROR")).await;
    assert!(error.contains("registration timed out"), "{error}");
    assert_eq!(client.close_code().await, Some(1000));
    server.shutdown().await;
}

/// Opens a WebSocket by hand (for frames no client library sends).
async fn raw_upgrade(web: std::net::SocketAddr) -> TcpStream {
    let mut socket = TcpStream::connect(web).await.expect("connect");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {web}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(common::LINE_TIMEOUT, socket.read(&mut byte))
            .await
            .expect("the 101 in time")
            .expect("read");
        assert_eq!(n, 1, "closed during the handshake: {head:?}");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    socket
}

/// A client frame (masked) with `opcode`.
fn masked_frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mask = [0x11, 0x22, 0x33, 0x44];
    let mut frame = vec![
        opcode | if fin { 0x80 } else { 0 },
        0x80 | payload.len() as u8,
    ];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// Reads one server frame (short payloads): its first byte and payload.
async fn read_frame(socket: &mut TcpStream) -> (u8, Vec<u8>) {
    tokio::time::timeout(common::LINE_TIMEOUT, async {
        let mut head = [0u8; 2];
        socket.read_exact(&mut head).await.expect("a frame");
        let mut len = usize::from(head[1] & 0x7f);
        if len == 126 {
            let mut ext = [0u8; 2];
            socket.read_exact(&mut ext).await.expect("length");
            len = usize::from(u16::from_be_bytes(ext));
        }
        let mut payload = vec![0u8; len];
        socket.read_exact(&mut payload).await.expect("payload");
        (head[0], payload)
    })
    .await
    .expect("a frame in time")
}

#[tokio::test]
async fn with_a_certificate_the_web_port_serves_https_and_wss_beside_plaintext() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let (dir, identity) = common::tls::identity();
    let any = "127.0.0.1:0".parse().expect("addr");
    let plain = ciao_server::bind(any).expect("bind");
    let web = ciao_server::bind(any).expect("bind");
    let (addr, web_addr) = (
        plain.local_addr().expect("addr"),
        web.local_addr().expect("addr"),
    );
    let listeners = ciao_server::Listeners {
        plain: vec![plain],
        web: vec![web],
        web_tls_config: Some(identity.server_config().expect("config")),
        ..ciao_server::Listeners::default()
    };
    let server = TestServer::serve(test_config(), listeners, addr, None, Some(web_addr));
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
    let connect = || async {
        let tcp = TcpStream::connect(web_addr).await.expect("connect");
        common::tls::connector(dir.path())
            .connect(name.clone(), tcp)
            .await
            .expect("the web port's handshake verifies")
    };
    // HTTPS.
    let mut tls = connect().await;
    tls.write_all(get("/", "localhost").as_bytes())
        .await
        .expect("send");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(common::LINE_TIMEOUT, tls.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status(&answer), 200, "{answer}");
    // WSS.
    let request = "wss://localhost/".into_client_request().expect("request");
    let (mut socket, _) = tokio_tungstenite::client_async(request, connect().await)
        .await
        .expect("the WebSocket over TLS opens");
    use futures_util::{SinkExt, StreamExt};
    socket
        .send(Message::text("PING :secure"))
        .await
        .expect("send");
    let pong = tokio::time::timeout(common::LINE_TIMEOUT, socket.next())
        .await
        .expect("in time");
    assert!(matches!(pong, Some(Ok(Message::Text(t))) if t.contains("PONG")));
    // Plaintext HTTP still answers on the same port.
    let answer = http(web_addr, &get("/", &web_addr.to_string())).await;
    assert_eq!(status(&answer), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn a_websocket_that_does_not_read_is_dropped_at_its_sendq() {
    let config = ciao_server::Config {
        sendq_bytes: 1 << 16,
        ..test_config()
    };
    let server = TestServer::start_web(config).await;
    let web = server.web_addr.expect("web");
    let mut stalled = raw_upgrade(web).await;
    stalled
        .write_all(&masked_frame(0x01, true, b"NICK stalled"))
        .await
        .expect("send");
    stalled
        .write_all(&masked_frame(0x01, true, b"USER s 0 * :s"))
        .await
        .expect("send");
    let mut sender = TestClient::irc_in_lobby(server.addr, "sender").await;
    sender
        .wait_for("stalled's join", |l| {
            l.contains("stalled!") && l.contains("JOIN")
        })
        .await;
    // Far more than the sendq and the sockets' buffers hold, never read.
    let line = format!("PRIVMSG #lobby :{}", "w".repeat(400));
    let quit = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            for _ in 0..200 {
                sender.send(&line).await;
            }
            sender.send("PING :more").await;
            loop {
                let got = sender.line().await;
                if got.contains("QUIT") && got.contains("stalled") {
                    return got;
                }
                if got.contains("PONG") {
                    break;
                }
            }
        }
    })
    .await
    .expect("the stalled browser is dropped");
    assert!(quit.contains("SendQ exceeded"), "{quit}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_browser_that_asks_late_still_gets_the_page() {
    // Browsers open sockets before they need them (Chrome preconnects
    // while an address is typed): a request well past the chat port's
    // plain-mode grace is still HTTP, not a plain client to greet.
    let config = ciao_server::Config {
        web: ciao_server::config::web::WebConfig::default(),
        ..test_config()
    };
    let server = TestServer::start_web(config).await;
    let web = server.web_addr.expect("web");
    let mut socket = TcpStream::connect(web).await.expect("connect");
    // The lateness is what is tested: the chat port would have greeted.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    socket
        .write_all(get("/", &web.to_string()).as_bytes())
        .await
        .expect("send");
    let answer = read_to_end(&mut socket).await;
    assert_eq!(status(&answer), 200, "{answer}");
    server.shutdown().await;
}
