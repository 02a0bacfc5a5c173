//! The web port (`--web`, 8067 by default; browsers refuse the IRC ports):
//! the chat's page for a browser, the IRCv3 WebSocket its script opens,
//! and IRC and plain clients as on the chat port.
//!
//! A connection is told apart by what it sends first: a TLS ClientHello
//! (when a real certificate is configured: HTTPS and WSS), an HTTP
//! request line (the page, or the upgrade to a WebSocket), anything else
//! (or silence for `WebConfig::plain_grace`, 12 s: browsers open sockets
//! before they send) is a chat client. An HTTP request is
//! answered here and never reaches the chat; only a WebSocket that passed
//! the Host and Origin checks becomes a chat client, served by the same
//! connection code over a WebSocket transport. Each connection holds its
//! admission slot from accept on, so browsers count against the limits
//! like everyone else.

mod files;
mod http;
mod policy;
pub(crate) mod websocket;

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::transport::{self, Transport};
use super::{connection, foreign, tls};
use crate::config::web::WebConfig;
use crate::link::admission::Slot;
use crate::state::hub::Hub;
use http::{Head, Route, Status};
use policy::Policy;
use websocket::WebSocket;

/// The longest request head (request line and headers).
const MAX_HEAD: usize = 8192;
/// Requests one kept-alive connection may make before it is closed.
const MAX_REQUESTS: usize = 100;
/// The largest page file read from `--web-dir`.
const MAX_FILE: u64 = 1 << 20;

/// What every web connection shares.
pub(crate) struct Web {
    policy: Policy,
    config: WebConfig,
    /// HTTPS and WSS, with a real certificate only: a browser shows the
    /// generated one as an error page.
    tls: Option<TlsAcceptor>,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Web")
            .field("policy", &self.policy)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Web {
    pub(crate) fn new(hub: &Hub, tls: Option<TlsAcceptor>) -> Self {
        let config = hub.config.web.clone();
        Web {
            policy: Policy::new(&hub.config.server_name, &config.origins),
            config,
            tls,
        }
    }

    pub(crate) fn secure(&self) -> bool {
        self.tls.is_some()
    }

    /// A file's body: the built-in copy, or the file of `--web-dir`.
    async fn body(&self, file: &files::File) -> Bytes {
        let Some(dir) = &self.config.dir else {
            return Bytes::from_static(file.body);
        };
        let path = dir.join(file.name);
        let read = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                if std::fs::metadata(&path)?.len() > MAX_FILE {
                    return Err(io::Error::other("larger than 1 MiB"));
                }
                std::fs::read(&path)
            })
        };
        match read
            .await
            .unwrap_or_else(|error| Err(io::Error::other(error)))
        {
            Ok(bytes) => Bytes::from(bytes),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "--web-dir: serving the built-in copy");
                Bytes::from_static(file.body)
            }
        }
    }
}

/// The addresses to tell people to open, for a web listener on `addr`:
/// the machine's LAN addresses when it listens on all of them.
pub(crate) fn page_urls(addr: SocketAddr, secure: bool) -> Vec<String> {
    let scheme = if secure { "https" } else { "http" };
    let port = addr.port();
    let mut hosts: Vec<IpAddr> = if addr.ip().is_unspecified() {
        if_addrs::get_if_addrs()
            .unwrap_or_default()
            .into_iter()
            .filter(|interface| !interface.is_loopback())
            .map(|interface| interface.ip())
            .filter(IpAddr::is_ipv4)
            .collect()
    } else {
        vec![addr.ip()]
    };
    if hosts.is_empty() {
        hosts.push(IpAddr::from([127, 0, 0, 1]));
    }
    hosts
        .into_iter()
        .map(|ip| match ip {
            IpAddr::V4(ip) => format!("{scheme}://{ip}:{port}/"),
            IpAddr::V6(ip) => format!("{scheme}://[{ip}]:{port}/"),
        })
        .collect()
}

/// Where a web connection goes once it is known to be a chat client: a
/// task of its own, so that it holds only the connection's future (what
/// served the sniffing and the HTTP requests is freed, and an idle web
/// client costs what a TCP one does).
#[derive(Debug, Clone)]
pub(crate) struct Spawner {
    pub(crate) hub: Arc<Hub>,
    pub(crate) tracker: TaskTracker,
    pub(crate) stop: CancellationToken,
}

impl Spawner {
    fn serve<T: Transport>(
        &self,
        stream: T,
        peer: SocketAddr,
        slot: Slot,
        read: BytesMut,
        opened: Instant,
    ) {
        let hub = self.hub.clone();
        self.tracker.spawn(connection::serve_after(
            hub, stream, peer, slot, read, opened,
        ));
    }
}

/// Serves one connection of the web port until it ends or becomes a chat
/// client (served by a task of its own).
pub(crate) async fn serve(
    web: Arc<Web>,
    spawner: Spawner,
    socket: TcpStream,
    peer: SocketAddr,
    slot: Slot,
) {
    let (hub, stop) = (spawner.hub.clone(), spawner.stop.clone());
    let opened = Instant::now();
    if let Some(acceptor) = &web.tls {
        let grace_end = opened + web.config.plain_grace;
        let mut byte = [0u8; 1];
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            first = timeout_at(grace_end, socket.peek(&mut byte)) => first,
        };
        match first {
            Ok(Ok(1)) if byte[0] == 0x16 => {
                let limit = hub.config.tls_handshake_timeout;
                let Some(stream) = tls::handshake(acceptor, socket, peer, limit, &stop).await
                else {
                    return;
                };
                sniff(web, spawner, stream, peer, slot, Instant::now()).await;
                return;
            }
            Ok(Ok(0) | Err(_)) => return,
            // Plaintext, or silence: HTTP, IRC or plain as without TLS.
            _ => {}
        }
    }
    sniff(web, spawner, socket, peer, slot, opened).await;
}

/// How a bounded read ended.
enum Read {
    Some,
    /// The deadline passed first.
    Late,
    /// EOF, an error, or shutdown.
    Gone,
}

/// Reads what `stream` has into `buf`, waiting until `deadline`.
async fn read_some<T: Transport>(
    stream: &mut T,
    buf: &mut BytesMut,
    deadline: Instant,
    stop: &CancellationToken,
) -> Read {
    transport::reserve_read(buf);
    let ready = tokio::select! {
        _ = stop.cancelled() => return Read::Gone,
        ready = timeout_at(deadline, poll_fn(|cx| stream.poll_read_ready(cx))) => ready,
    };
    match ready {
        Err(_) => Read::Late,
        Ok(Err(_)) => Read::Gone,
        Ok(Ok(())) => match stream.try_read_buf(buf) {
            Ok(0) => Read::Gone,
            Ok(_) => Read::Some,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Read::Some,
            Err(_) => Read::Gone,
        },
    }
}

/// Reads the first line (within the plain-mode grace period), then
/// answers HTTP here or hands the connection to the chat.
async fn sniff<T: Transport>(
    web: Arc<Web>,
    spawner: Spawner,
    mut stream: T,
    peer: SocketAddr,
    slot: Slot,
    opened: Instant,
) {
    let stop = spawner.stop.clone();
    let grace_end = opened + web.config.plain_grace;
    let mut buf = BytesMut::new();
    while !buf.contains(&b'\n') && buf.len() < MAX_HEAD {
        match read_some(&mut stream, &mut buf, grace_end, &stop).await {
            Read::Some => {}
            // A silent client is a plain one waiting to be greeted.
            Read::Late => break,
            Read::Gone => return,
        }
    }
    if foreign::starts_like_http(&buf) {
        // The head's time counts from its first bytes: a browser may open
        // the connection long before it asks.
        let asked = Instant::now();
        Box::pin(serve_http(web, spawner, stream, peer, slot, buf, asked)).await;
    } else {
        spawner.serve(stream, peer, slot, buf, opened);
    }
}

/// Answers HTTP requests (kept alive between them) until the connection
/// closes or becomes a WebSocket.
async fn serve_http<T: Transport>(
    web: Arc<Web>,
    spawner: Spawner,
    mut stream: T,
    peer: SocketAddr,
    slot: Slot,
    mut buf: BytesMut,
    asked: Instant,
) {
    let stop = spawner.stop.clone();
    let mut deadline = asked + web.config.header_timeout;
    for served in 1..=MAX_REQUESTS {
        let end = loop {
            if let Some(end) = head_end(&buf) {
                break end;
            }
            if buf.len() >= MAX_HEAD {
                let refusal = http::Refusal {
                    status: Status::HeadersTooLarge,
                    text: format!("A request head may be at most {MAX_HEAD} bytes."),
                };
                respond_and_close(&web, &mut stream, http::refusal_response(&refusal, None)).await;
                return;
            }
            match read_some(&mut stream, &mut buf, deadline, &stop).await {
                Read::Some => {}
                Read::Late => {
                    tracing::debug!(%peer, "web: no complete request in time, closing");
                    return;
                }
                Read::Gone => return,
            }
        };
        let head = match Head::parse(&buf[..end]) {
            Ok(head) => head,
            Err(refusal) => {
                respond_and_close(&web, &mut stream, http::refusal_response(&refusal, None)).await;
                return;
            }
        };
        let host = head.host().map(str::to_owned);
        match http::route(&head, &web.policy) {
            Route::Upgrade { response, framing } => {
                if write(&web, &mut stream, vec![response]).await.is_err() {
                    return;
                }
                // What the client sent after its request is its first frames.
                buf.advance(end);
                tracing::debug!(%peer, ?framing, "WebSocket opened");
                // The line limit, and a CRLF a client may end its line with.
                let limit = spawner.hub.config.max_line_len + 2;
                let socket = WebSocket::new(stream, framing, buf, limit);
                spawner.serve(socket, peer, slot, BytesMut::new(), Instant::now());
                return;
            }
            Route::File { file, head_only } => {
                let body = web.body(file).await;
                let keep_alive = head.keep_alive() && served < MAX_REQUESTS;
                let head_text = http::response_head(
                    Status::Ok,
                    file.content_type,
                    body.len(),
                    host.as_deref(),
                    keep_alive,
                );
                let mut response = vec![Bytes::from(head_text)];
                if !head_only {
                    response.push(body);
                }
                if write(&web, &mut stream, response).await.is_err() {
                    return;
                }
                if !keep_alive {
                    close(&web, &mut stream).await;
                    return;
                }
                buf.advance(end);
                deadline = Instant::now() + web.config.keep_alive;
            }
            Route::Refuse(refusal) => {
                tracing::info!(%peer, status = ?refusal.status, "web: {}", refusal.text);
                let response = http::refusal_response(&refusal, host.as_deref());
                respond_and_close(&web, &mut stream, response).await;
                return;
            }
        }
    }
}

/// The end of the head at the front of `buf` (past its empty line).
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Writes `response` whole, within the header timeout (a browser on a
/// slow link reads a page file in well under that).
async fn write<T: Transport>(web: &Web, stream: &mut T, response: Vec<Bytes>) -> io::Result<()> {
    let mut batch = VecDeque::from(response);
    let deadline = Instant::now() + web.config.header_timeout;
    timeout_at(deadline, transport::write_all(stream, &mut batch))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

async fn respond_and_close<T: Transport>(web: &Web, stream: &mut T, response: Bytes) {
    if write(web, stream, vec![response]).await.is_ok() {
        close(web, stream).await;
    }
}

/// Ends the connection cleanly: TLS's close_notify, FIN, then reads what
/// the client still sends (briefly) so the answer is not lost to a reset.
async fn close<T: Transport>(web: &Web, stream: &mut T) {
    stream.close_notify();
    let _ = write(web, stream, Vec::new()).await;
    transport::end_tcp(stream.tcp(), Instant::now() + Duration::from_secs(1)).await;
}

/// Tells a refused client why, in its protocol: an HTTP answer to a
/// browser, an IRC `ERROR` to anyone else (read for at most a second).
pub(crate) async fn refuse(mut socket: TcpStream, text: String) {
    let mut first = [0u8; 16];
    let deadline = Instant::now() + Duration::from_secs(1);
    let peeked = match timeout_at(deadline, socket.peek(&mut first)).await {
        Ok(Ok(n)) => n,
        _ => 0,
    };
    let answer = if foreign::starts_like_http(&first[..peeked]) {
        let refusal = http::Refusal {
            status: Status::Unavailable,
            text,
        };
        http::refusal_response(&refusal, None)
    } else {
        Bytes::from(format!("ERROR :Closing link: {text}\r\n"))
    };
    let _ = timeout_at(deadline, socket.write_all(&answer)).await;
    let _ = socket.shutdown().await;
}
