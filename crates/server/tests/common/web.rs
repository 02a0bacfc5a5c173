//! Clients of the web port: raw HTTP over TCP, and an IRCv3 WebSocket
//! client (tokio-tungstenite) whose waits are bounded like `TestClient`'s.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::LINE_TIMEOUT;

/// Sends `request` as it is and reads the whole answer (the server closes
/// after it, or `Connection: close` was asked for).
pub async fn http(addr: SocketAddr, request: &str) -> String {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    read_to_end(&mut socket).await
}

/// Everything until the server closes, bounded.
pub async fn read_to_end(socket: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(LINE_TIMEOUT, socket.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes in time")
        .expect("read the answer");
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status code of an HTTP answer.
pub fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

pub struct WsClient {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The subprotocol the server chose.
    pub protocol: Option<String>,
    pub name: String,
}

impl WsClient {
    /// Opens a WebSocket to the web port, offering `protocols` in order.
    pub async fn connect(addr: SocketAddr, protocols: &[&str], name: &str) -> Self {
        Self::connect_with(addr, protocols, &[], name)
            .await
            .expect("the upgrade is accepted")
    }

    /// With extra request headers; `Err` is the refusal's status.
    pub async fn connect_with(
        addr: SocketAddr,
        protocols: &[&str],
        headers: &[(&'static str, &str)],
        name: &str,
    ) -> Result<Self, u16> {
        let mut request = format!("ws://{addr}/")
            .into_client_request()
            .expect("request");
        if !protocols.is_empty() {
            let offered = HeaderValue::from_str(&protocols.join(", ")).expect("header");
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", offered);
        }
        for (name, value) in headers {
            let value = HeaderValue::from_str(value).expect("header");
            request.headers_mut().insert(*name, value);
        }
        let connected =
            tokio::time::timeout(LINE_TIMEOUT, tokio_tungstenite::connect_async(request))
                .await
                .expect("the handshake ends in time");
        match connected {
            Ok((socket, response)) => Ok(WsClient {
                protocol: response
                    .headers()
                    .get("Sec-WebSocket-Protocol")
                    .map(|v| v.to_str().unwrap_or_default().to_owned()),
                socket,
                name: name.to_owned(),
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(error) => panic!("{name}: the handshake failed: {error}"),
        }
    }

    /// Registers as `nick` and waits for the end of the welcome.
    pub async fn irc(addr: SocketAddr, protocols: &[&str], nick: &str) -> Self {
        let mut client = Self::connect(addr, protocols, nick).await;
        client.send(&format!("NICK {nick}")).await;
        client.send(&format!("USER {nick} 0 * :{nick}")).await;
        client
            .wait_for("the welcome", |line| line.contains(" 001 "))
            .await;
        client
    }

    /// Sends one line as a text frame.
    pub async fn send(&mut self, line: &str) {
        self.socket
            .send(Message::text(line))
            .await
            .expect("send a frame");
    }

    pub async fn send_message(&mut self, message: Message) {
        self.socket.send(message).await.expect("send a frame");
    }

    /// The next data message, skipping pings and pongs; `None` at the end.
    pub async fn message(&mut self) -> Option<Message> {
        let next = tokio::time::timeout(LINE_TIMEOUT, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(message)) => return Some(message),
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await;
        next.unwrap_or_else(|_| panic!("{}: no message in time", self.name))
    }

    /// The next line (text or binary frame), as text.
    pub async fn line(&mut self) -> String {
        match self.message().await {
            Some(Message::Text(text)) => text.to_string(),
            Some(Message::Binary(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            other => panic!("{}: expected a line, got {other:?}", self.name),
        }
    }

    /// Skips lines until one satisfies `pred`.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let mut seen = Vec::new();
        loop {
            let line = self.line().await;
            if pred(&line) {
                return line;
            }
            seen.push(line);
            assert!(seen.len() < 500, "{}: no {what} in {seen:#?}", self.name);
        }
    }

    /// The Close frame's code once the server ends the connection.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match self.message().await {
                Some(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Some(_) => {}
                None => return None,
            }
        }
    }
}
