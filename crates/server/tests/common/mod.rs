//! Test harness: the real server in-process on 127.0.0.1:0 and line-level
//! clients over real sockets. Every wait is for a specific line, bounded
//! by a timeout so a broken server fails the test instead of hanging it.

#![allow(dead_code)]

pub mod accounts;
pub mod bystanders;
pub mod process;
pub mod tls;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

use ciao_server::Config;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long to wait for one expected line before failing.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub addr: SocketAddr,
    /// The TLS listener's address (`start_tls`).
    pub tls_addr: Option<SocketAddr>,
    /// The web listener's address (`start_web`).
    pub web_addr: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(config: Config) -> Self {
        let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(ciao_server::run(config, vec![listener], async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            tls_addr: None,
            web_addr: None,
            stop: Some(stop),
            task,
        }
    }

    /// A server with a plaintext and a TLS listener (both on port 0).
    pub async fn start_tls(config: Config, tls: std::sync::Arc<rustls::ServerConfig>) -> Self {
        let any = "127.0.0.1:0".parse().expect("addr");
        let plain = ciao_server::bind(any).expect("bind");
        let secure = ciao_server::bind(any).expect("bind");
        let addr = plain.local_addr().expect("local addr");
        let tls_addr = secure.local_addr().expect("local addr");
        let listeners = ciao_server::Listeners {
            plain: vec![plain],
            tls: vec![secure],
            tls_config: Some(tls),
            ..ciao_server::Listeners::default()
        };
        Self::serve(config, listeners, addr, Some(tls_addr), None)
    }

    /// A server with a plaintext chat listener and a web listener (the
    /// page and its WebSocket), both on port 0: `web_addr`.
    pub async fn start_web(config: Config) -> Self {
        let any = "127.0.0.1:0".parse().expect("addr");
        let plain = ciao_server::bind(any).expect("bind");
        let web = ciao_server::bind(any).expect("bind");
        let addr = plain.local_addr().expect("local addr");
        let web_addr = web.local_addr().expect("local addr");
        let listeners = ciao_server::Listeners {
            plain: vec![plain],
            web: vec![web],
            ..ciao_server::Listeners::default()
        };
        Self::serve(config, listeners, addr, None, Some(web_addr))
    }

    /// Runs the server on `listeners` until `shutdown`.
    pub fn serve(
        config: Config,
        listeners: ciao_server::Listeners,
        addr: SocketAddr,
        tls_addr: Option<SocketAddr>,
        web_addr: Option<SocketAddr>,
    ) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(ciao_server::run(config, listeners, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            tls_addr,
            web_addr,
            stop: Some(stop),
            task,
        }
    }

    pub async fn with_defaults() -> Self {
        Self::start(test_config()).await
    }

    /// Triggers shutdown (as Ctrl+C would) and waits for `run` to return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("server stops after shutdown")
            .expect("server task")
            .expect("server result");
    }
}

/// `test_config` without auto-join: the test builds the channels it needs.
pub fn quiet_config() -> Config {
    Config {
        default_channel: None,
        ..test_config()
    }
}

/// Defaults for tests: a short plain-mode grace and flush bound keep tests
/// quick (clients held by a test only close after shutdown returns).
pub fn test_config() -> Config {
    Config {
        server_name: "test.server".to_owned(),
        plain_grace: Duration::from_millis(150),
        flush_timeout: Duration::from_millis(300),
        // Tests send as fast as they like; flood control has its own
        // tests (hostile.rs) with the limits they need.
        flood: None,
        web: ciao_server::config::web::WebConfig {
            plain_grace: Duration::from_millis(150),
            ..Default::default()
        },
        ..Config::default()
    }
}

pub struct TestClient {
    /// Boxed, so that one client type reads TCP and TLS alike.
    reader: BufReader<Box<dyn AsyncRead + Send + Unpin>>,
    writer: Box<dyn AsyncWrite + Send + Unpin>,
    /// Name for failure messages.
    pub name: String,
}

impl TestClient {
    pub async fn connect(addr: SocketAddr, name: &str) -> Self {
        let socket = TcpStream::connect(addr).await.expect("connect");
        Self::from_stream(socket, name)
    }

    pub fn from_stream(socket: TcpStream, name: &str) -> Self {
        let (reader, writer) = socket.into_split();
        TestClient {
            reader: BufReader::new(Box::new(reader)),
            writer: Box::new(writer),
            name: name.to_owned(),
        }
    }

    /// A client over any stream (a TLS one).
    pub fn from_io(stream: impl AsyncRead + AsyncWrite + Send + 'static, name: &str) -> Self {
        let (reader, writer) = tokio::io::split(stream);
        TestClient {
            reader: BufReader::new(Box::new(reader)),
            writer: Box::new(writer),
            name: name.to_owned(),
        }
    }

    /// Registers as an IRC client over an already connected `stream`.
    pub async fn irc_over(
        stream: impl AsyncRead + AsyncWrite + Send + 'static,
        nick: &str,
    ) -> Self {
        let mut client = Self::from_io(stream, nick);
        client.register(nick).await;
        client
    }

    /// NICK and USER as `nick`, then reads to the end of the MOTD.
    async fn register(&mut self, nick: &str) {
        self.send(&format!("NICK {nick}")).await;
        self.send(&format!("USER {nick} 0 * :Test {nick}")).await;
        self.wait_numeric("001").await;
        self.wait_for("end of MOTD", |l| {
            matches!(numeric_of(l), Some("376" | "422"))
        })
        .await;
    }

    /// Sends raw bytes, exactly as given.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
    }

    /// Sends raw bytes; false once the connection is gone.
    pub async fn try_send_raw(&mut self, bytes: &[u8]) -> bool {
        self.writer.write_all(bytes).await.is_ok()
    }

    /// Closes the sending side (a half-closed socket).
    pub async fn shutdown_write(&mut self) {
        let _ = self.writer.shutdown().await;
    }

    /// Sends one line with CRLF; false once the connection is gone.
    pub async fn try_send(&mut self, line: &str) -> bool {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .is_ok()
    }

    /// Sends one line with CRLF.
    pub async fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\r\n").as_bytes()).await;
    }

    /// The next line without its line ending; `None` at EOF. A final
    /// unterminated chunk (the `{quit}` sentinel) is returned as a line.
    pub async fn try_line(&mut self) -> Option<String> {
        tokio::time::timeout(LINE_TIMEOUT, self.read_line())
            .await
            .unwrap_or_else(|_| panic!("{}: no line within {LINE_TIMEOUT:?}", self.name))
    }

    /// The next line, waiting as long as it takes (for clients read in
    /// the background while a test runs); `None` at EOF.
    pub async fn untimed_line(&mut self) -> Option<String> {
        self.read_line().await
    }

    async fn read_line(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf).await {
            Ok(0) => None,
            Ok(_) => {
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                Some(String::from_utf8_lossy(&buf).into_owned())
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => None,
            Err(e) => panic!("{}: read error {e}", self.name),
        }
    }

    pub async fn line(&mut self) -> String {
        match self.try_line().await {
            Some(line) => line,
            None => panic!("{}: unexpected EOF", self.name),
        }
    }

    /// Asserts the next line is exactly `expected`.
    pub async fn expect(&mut self, expected: &str) {
        let line = self.line().await;
        assert_eq!(line, expected, "{}: unexpected line", self.name);
    }

    /// Skips lines until one satisfies `pred`, and returns it.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(LINE_TIMEOUT, async {
            loop {
                match self.read_line().await {
                    Some(line) if pred(&line) => return Some(line),
                    Some(line) => seen.push(line),
                    None => return None,
                }
            }
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            Ok(None) => panic!("{}: EOF while waiting for {what}; saw {seen:#?}", self.name),
            Err(_) => panic!("{}: timed out waiting for {what}; saw {seen:#?}", self.name),
        }
    }

    /// Skips lines until one contains `needle`.
    pub async fn wait_contains(&mut self, needle: &str) -> String {
        self.wait_for(needle, |l| l.contains(needle)).await
    }

    /// Skips to the numeric reply `code` (e.g. "433").
    pub async fn wait_numeric(&mut self, code: &str) -> String {
        self.wait_for(code, |l| numeric_of(l) == Some(code)).await
    }

    /// Asserts the server closes the connection, returning what came before.
    pub async fn expect_eof(&mut self) -> Vec<String> {
        let mut rest = Vec::new();
        while let Some(line) = self.try_line().await {
            rest.push(line);
        }
        rest
    }

    /// Registers as an IRC client and waits for the end of the welcome
    /// (and of the auto-join NAMES when there is a default channel).
    pub async fn irc(addr: SocketAddr, nick: &str) -> Self {
        Self::irc_with_caps(addr, nick, &[]).await
    }

    pub async fn irc_with_caps(addr: SocketAddr, nick: &str, caps: &[&str]) -> Self {
        let mut client = Self::connect(addr, nick).await;
        if !caps.is_empty() {
            client.send("CAP LS 302").await;
            client.send(&format!("CAP REQ :{}", caps.join(" "))).await;
            client.send("CAP END").await;
        }
        client.register(nick).await;
        client
    }

    /// Joins `channel` and reads to the end of its NAMES.
    pub async fn join(&mut self, channel: &str) {
        self.send(&format!("JOIN {channel}")).await;
        self.wait_numeric("366").await;
    }

    /// Registers and waits for the auto-join to #lobby to finish.
    pub async fn irc_in_lobby(addr: SocketAddr, nick: &str) -> Self {
        let mut client = Self::irc(addr, nick).await;
        client.wait_numeric("366").await;
        client
    }

    /// Connects as a plain client and picks `name` after the greeting.
    pub async fn plain(addr: SocketAddr, name: &str) -> Self {
        let mut client = Self::connect(addr, name).await;
        client.line().await; // greeting
        client.send_raw(name.as_bytes()).await;
        client.wait_contains(&format!("Welcome {name}!")).await;
        client
    }

    /// A PING round trip: every line the server sent before the PONG has
    /// been read once this returns, so "nothing else arrived" can be
    /// asserted without sleeping.
    pub async fn sync(&mut self) -> Vec<String> {
        self.send("PING :sync-token").await;
        let mut before = Vec::new();
        loop {
            let line = self.line().await;
            if line.contains("PONG") && line.ends_with("sync-token") {
                return before;
            }
            before.push(line);
        }
    }
}

/// What an IRC client reads when the server shuts down.
pub const IRC_GOODBYE: &str = "ERROR :Closing link: The server is shutting down. Goodbye!";
/// What a plain client reads: a line, then the seed's `{quit}` sentinel.
pub const PLAIN_GOODBYE: [&str; 2] = ["The server is shutting down. Goodbye!", "{quit}"];

/// The numeric code of a server line, if it is one.
pub fn numeric_of(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix('@')
        .map_or(line, |l| l.split_once(' ').map_or("", |p| p.1));
    let rest = rest
        .strip_prefix(':')
        .map_or(rest, |l| l.split_once(' ').map_or("", |p| p.1));
    let code = rest.split(' ').next()?;
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// The value of tag `key` on a line (`Some("")` for a tag without one).
pub fn tag<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let tags = line.strip_prefix('@')?.split(' ').next()?;
    tags.split(';').find_map(|t| match t.split_once('=') {
        Some((k, v)) if k == key => Some(v),
        None if t == key => Some(""),
        _ => None,
    })
}

/// This process's resident memory in KiB (the in-process server's
/// included), for bounds on what a hostile client can make it hold.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
