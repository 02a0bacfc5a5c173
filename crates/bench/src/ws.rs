//! The IRCv3 WebSocket transport (<https://ircv3.net/specs/extensions/websocket>)
//! for `--transport ws`: the handshake asking for `text.ircv3.net`, and
//! one IRC line per frame, without CRLF, each way.

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::conn::STEP_TIMEOUT;

/// The subprotocol asked for: text frames, so every line is UTF-8 as
/// browsers send it (gamja and the ciao page speak it too).
pub const SUBPROTOCOL: &str = "text.ircv3.net";

/// A WebSocket client over one of the generator's own TCP sockets.
pub type Socket = WebSocketStream<TcpStream>;

/// A read buffer sized like the TCP path's (`BufReader` of 16 KiB), not
/// tungstenite's 128 KiB, which it allocates eagerly: at 10 000 idle
/// connections that would be 1.3 GB of the generator's memory beside the
/// server being measured. (The write buffer grows only as frames are
/// queued, and `send_lines` flushes it.) Messages are IRC lines; a server
/// that sends more than 64 KiB in one is broken, and the read fails.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024))
}

/// The opening handshake over `tcp` to `ws://ADDR/`, asking for
/// `text.ircv3.net`. A server that answers with another subprotocol, or
/// none, is an error (tungstenite checks the answer against the request):
/// the run would not measure what it says.
pub async fn handshake(tcp: TcpStream) -> anyhow::Result<Socket> {
    let addr = tcp.peer_addr()?;
    let mut request = format!("ws://{addr}/").into_client_request()?;
    request.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(SUBPROTOCOL),
    );
    let connect = tokio_tungstenite::client_async_with_config(request, tcp, Some(config()));
    let answer = tokio::time::timeout(STEP_TIMEOUT, connect)
        .await
        .context("the WebSocket handshake timed out")?;
    let (socket, _response) = answer.map_err(|error| {
        let hint = match error {
            // ciao's web port also serves chat clients, and takes one that
            // sends nothing for a moment (plain mode's grace) for a plain
            // client: a request that came late is answered with a greeting.
            Error::Protocol(ProtocolError::HttparseError(_)) => {
                " (the answer was not HTTP: not a web port, or the request came so late that the server took the connection for a chat client)"
            }
            _ => "",
        };
        anyhow::Error::new(error).context(format!(
            "the WebSocket handshake with {addr} asking for {SUBPROTOCOL}{hint}"
        ))
    })?;
    Ok(socket)
}

/// Sends every line of `text` (CRLF- or LF-separated) as a text frame of
/// its own, then flushes once: one write for a burst like registration.
pub async fn send_lines(socket: &mut Socket, text: &str) -> anyhow::Result<()> {
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !line.is_empty() {
            socket.feed(Message::text(line)).await?;
        }
    }
    socket.flush().await?;
    Ok(())
}

/// Sends `bytes` as they are in one binary frame (what the TCP path's raw
/// write is, for a transport with frames).
pub async fn send_frame(socket: &mut Socket, bytes: &[u8]) -> anyhow::Result<()> {
    socket.send(Message::binary(bytes.to_vec())).await?;
    Ok(())
}

/// Appends the next line to `line`; false once the server has closed.
/// Control frames are skipped (tungstenite answers pings itself).
///
/// Cancel-safe: a frame being received stays in the socket's buffer, and
/// `line` is touched only once a whole message has arrived.
pub async fn read_line(socket: &mut Socket, line: &mut Vec<u8>) -> anyhow::Result<bool> {
    loop {
        let message = match socket.next().await {
            None | Some(Err(Error::ConnectionClosed | Error::AlreadyClosed)) => return Ok(false),
            Some(message) => message?,
        };
        match message {
            Message::Text(text) => line.extend_from_slice(text.as_bytes()),
            Message::Binary(bytes) => line.extend_from_slice(&bytes),
            Message::Close(_) => return Ok(false),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        }
        return Ok(true);
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL;
    use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

    use crate::conn::{Conn, Transport};

    /// A one-connection WebSocket server on 127.0.0.1:0 that answers with
    /// `subprotocol` (if any) and records what the client asked for.
    // The callback's `Result<Response, ErrorResponse>` is tungstenite's
    // signature, not ours to shrink.
    #[allow(clippy::result_large_err)]
    async fn server(
        subprotocol: Option<&'static str>,
    ) -> (
        SocketAddr,
        tokio::task::JoinHandle<(Option<HeaderValue>, super::Socket)>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("accept");
            let mut asked = None;
            let socket = tokio_tungstenite::accept_hdr_async(
                tcp,
                |request: &Request, mut response: Response| {
                    asked = request.headers().get(SEC_WEBSOCKET_PROTOCOL).cloned();
                    if let Some(chosen) = subprotocol {
                        response
                            .headers_mut()
                            .insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(chosen));
                    }
                    Ok(response)
                },
            )
            .await
            .expect("accept the handshake");
            (asked, socket)
        });
        (addr, task)
    }

    async fn next_text(socket: &mut super::Socket) -> Utf8Bytes {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => text,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn one_line_per_text_frame_each_way() {
        let (addr, server) = server(Some("text.ircv3.net")).await;
        let mut conn = Conn::connect(addr, 0, Transport::Ws)
            .await
            .expect("connect");
        let (asked, mut socket) = server.await.expect("server");
        assert_eq!(
            asked.as_ref().map(HeaderValue::as_bytes),
            Some(&b"text.ircv3.net"[..])
        );

        // A burst of CRLF lines goes out as one frame per line, no CRLF.
        conn.send("NICK a\r\nUSER a 0 * :b\r\n")
            .await
            .expect("send");
        assert_eq!(next_text(&mut socket).await.as_str(), "NICK a");
        assert_eq!(next_text(&mut socket).await.as_str(), "USER a 0 * :b");

        // Text and binary frames both arrive as lines; control frames in
        // between are not lines; a PING line is answered in a frame.
        socket
            .send(Message::Ping(vec![1].into()))
            .await
            .expect("ping");
        socket.send(Message::text("PING :tok")).await.expect("send");
        socket
            .send(Message::binary(b":s 001 a :hi".to_vec()))
            .await
            .expect("send");
        assert!(conn.read_line().await.expect("read"));
        assert_eq!(conn.line, b"PING :tok");
        assert!(conn.answer_ping().await.expect("pong"));
        assert!(conn.read_line().await.expect("read"));
        assert_eq!(conn.line, b":s 001 a :hi");
        // The answer to the control ping, then the PONG line.
        assert!(matches!(socket.next().await, Some(Ok(Message::Pong(_)))));
        assert_eq!(next_text(&mut socket).await.as_str(), "PONG :tok");

        // A close frame ends the connection like EOF on TCP.
        socket.close(None).await.expect("close");
        assert!(!conn.read_line().await.expect("read after close"));
    }

    #[tokio::test]
    async fn a_server_that_ignores_the_subprotocol_is_refused() {
        let (addr, server) = server(None).await;
        let error = Conn::connect(addr, 0, Transport::Ws)
            .await
            .expect_err("no subprotocol chosen");
        let _ = server.await;
        let error = format!("{error:#}");
        assert!(
            error.contains("text.ircv3.net") && error.contains("no subprotocol"),
            "unclear error: {error}"
        );
    }

    #[tokio::test]
    async fn a_plain_tcp_server_is_a_handshake_error_not_a_hang() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut tcp, _) = listener.accept().await.expect("accept");
            // A chat server's greeting, the socket held open until the
            // client gives up (a close now could reset the greeting away).
            let _ = tcp.write_all(b":srv NOTICE * :hello\r\n").await;
            let mut sink = Vec::new();
            let _ = tcp.read_to_end(&mut sink).await;
        });
        let error = Conn::connect(addr, 0, Transport::Ws)
            .await
            .expect_err("not a WebSocket server");
        let error = format!("{error:#}");
        assert!(
            error.contains("WebSocket handshake") && error.contains("not HTTP"),
            "unclear error: {error}"
        );
    }
}
