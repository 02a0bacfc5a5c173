//! Opening and registering test connections.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};

/// How long one registration step may take before it counts as a failure.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a connection to `addr`. On IPv4 loopback the source address is
/// spread over 127.0.0.2–127.0.0.251 so that many thousands of
/// connections do not exhaust one address's ephemeral ports.
pub async fn open(addr: SocketAddr, index: usize) -> anyhow::Result<TcpStream> {
    let stream = match addr.ip() {
        IpAddr::V4(ip) if ip.is_loopback() => {
            let socket = TcpSocket::new_v4()?;
            let source = Ipv4Addr::new(127, 0, 0, 2 + (index % 250) as u8);
            socket.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
            socket.connect(addr).await
        }
        _ => TcpStream::connect(addr).await,
    }
    .with_context(|| format!("connect to {addr}"))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Opens a connection to `addr` from the loopback address `source`, so a
/// scenario decides which address the server sees (one attacker address,
/// bystanders on another).
pub async fn open_from(addr: SocketAddr, source: Ipv4Addr) -> anyhow::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket
        .bind(SocketAddr::new(IpAddr::V4(source), 0))
        .with_context(|| format!("bind {source}"))?;
    let stream = socket
        .connect(addr)
        .await
        .with_context(|| format!("connect to {addr} from {source}"))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// How the scenarios that take `--transport` reach the server: the one
/// place the choice is made is [`Conn::connect`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// IRC lines over TCP (the chat port).
    #[default]
    Tcp,
    /// The IRCv3 WebSocket protocol (`ws://ADDR/`, `text.ircv3.net`, one
    /// line per frame): `--addr` is then the server's web port.
    Ws,
}

/// The line that ends registration, after which a server has said all it
/// says unasked. Waiting for the last one keeps the rest of the welcome out
/// of what a scenario measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WelcomeEnd {
    /// The end of the MOTD (376), or 422 when there is none: what every
    /// IRC server sends last.
    #[default]
    Motd,
    /// 001 alone, for servers that send no MOTD (issue 17's ideal relay
    /// sends nothing after it). Not for real servers: with them the MOTD
    /// would still be arriving during the scenario.
    Welcome,
}

impl WelcomeEnd {
    /// From the global `--no-motd` flag.
    pub fn from_no_motd(no_motd: bool) -> Self {
        if no_motd { Self::Welcome } else { Self::Motd }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Motd => "the end of the welcome (376/422)",
            Self::Welcome => "the welcome (001)",
        }
    }

    fn is_end(self, line: &[u8]) -> bool {
        match self {
            Self::Motd => is_numeric(line, b"376") || is_numeric(line, b"422"),
            Self::Welcome => is_numeric(line, b"001"),
        }
    }
}

/// An IRC connection over either transport, read a line at a time.
#[derive(Debug)]
pub struct Conn {
    /// TCP or WebSocket: every read and write goes through it.
    link: Link,
    /// Reused line buffer.
    pub line: Vec<u8>,
    /// True when `line` holds a whole line already handed out.
    complete: bool,
}

/// The transport under a [`Conn`].
#[derive(Debug)]
enum Link {
    Tcp {
        reader: BufReader<OwnedReadHalf>,
        writer: OwnedWriteHalf,
    },
    /// Boxed: the WebSocket's state is several times the TCP halves'.
    Ws(Box<crate::ws::Socket>),
}

impl Conn {
    /// An IRC connection over an open TCP stream.
    pub fn new(stream: TcpStream) -> Self {
        let (reader, writer) = stream.into_split();
        Self::with_link(Link::Tcp {
            reader: BufReader::with_capacity(16 * 1024, reader),
            writer,
        })
    }

    /// Connection number `index` to `addr` over `transport` (see [`open`]
    /// for the source addresses), before registration.
    pub async fn connect(
        addr: SocketAddr,
        index: usize,
        transport: Transport,
    ) -> anyhow::Result<Self> {
        let tcp = open(addr, index).await?;
        Ok(match transport {
            Transport::Tcp => Self::new(tcp),
            Transport::Ws => Self::with_link(Link::Ws(Box::new(crate::ws::handshake(tcp).await?))),
        })
    }

    fn with_link(link: Link) -> Self {
        Conn {
            link,
            line: Vec::with_capacity(512),
            complete: false,
        }
    }

    /// The reader and the writer apart, for a task that only writes while
    /// another drains what arrives. TCP only.
    pub fn into_split(self) -> anyhow::Result<(BufReader<OwnedReadHalf>, OwnedWriteHalf)> {
        match self.link {
            Link::Tcp { reader, writer } => Ok((reader, writer)),
            Link::Ws(_) => bail!("a WebSocket connection cannot be split into TCP halves"),
        }
    }

    /// Sends `text`: one or more CRLF-terminated lines (over WebSocket,
    /// one frame each, without the CRLF).
    pub async fn send(&mut self, text: &str) -> anyhow::Result<()> {
        match &mut self.link {
            Link::Tcp { writer, .. } => writer.write_all(text.as_bytes()).await?,
            Link::Ws(socket) => crate::ws::send_lines(socket, text).await?,
        }
        Ok(())
    }

    /// Sends `bytes` as they are, for hostile clients (over WebSocket, in
    /// one binary frame).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        match &mut self.link {
            Link::Tcp { writer, .. } => writer.write_all(bytes).await?,
            Link::Ws(socket) => crate::ws::send_frame(socket, bytes).await?,
        }
        Ok(())
    }

    /// Reads the next line into `self.line` (without CRLF); false at EOF.
    ///
    /// Cancel-safe, so it can race a send timer in `select!`: a cancelled
    /// read leaves its partial bytes in `line`, and the buffer is only
    /// cleared once a whole line was handed out.
    pub async fn read_line(&mut self) -> anyhow::Result<bool> {
        if self.complete {
            self.line.clear();
            self.complete = false;
        }
        match &mut self.link {
            Link::Tcp { reader, .. } => {
                let n = reader.read_until(b'\n', &mut self.line).await?;
                if n == 0 && self.line.is_empty() {
                    return Ok(false);
                }
            }
            Link::Ws(socket) => {
                if !crate::ws::read_line(socket, &mut self.line).await? {
                    return Ok(false);
                }
            }
        }
        while matches!(self.line.last(), Some(b'\n' | b'\r')) {
            self.line.pop();
        }
        self.complete = true;
        Ok(true)
    }

    /// Answers a PING line; true if it was one.
    pub async fn answer_ping(&mut self) -> anyhow::Result<bool> {
        if let Some(token) = self.line.strip_prefix(b"PING ") {
            let pong = format!("PONG {}\r\n", String::from_utf8_lossy(token));
            self.send(&pong).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Reads until a line satisfies `done`, answering PINGs on the way.
    pub async fn wait_for(
        &mut self,
        what: &str,
        done: impl Fn(&[u8]) -> bool,
    ) -> anyhow::Result<()> {
        let wait = async {
            loop {
                if !self.read_line().await? {
                    bail!("connection closed while waiting for {what}");
                }
                if self.answer_ping().await? {
                    continue;
                }
                if is_numeric(&self.line, b"433") || is_numeric(&self.line, b"432") {
                    bail!("nick refused: {}", String::from_utf8_lossy(&self.line));
                }
                if self.line.starts_with(b"ERROR") {
                    bail!("server said {}", String::from_utf8_lossy(&self.line));
                }
                if done(&self.line) {
                    return Ok(());
                }
            }
        };
        tokio::time::timeout(STEP_TIMEOUT, wait)
            .await
            .with_context(|| format!("timed out waiting for {what}"))?
    }

    /// IRC registration up to the end of the MOTD; `caps` are requested
    /// without waiting for LS.
    pub async fn register(&mut self, nick: &str, caps: &[&str]) -> anyhow::Result<()> {
        self.register_until(nick, caps, WelcomeEnd::Motd).await
    }

    /// IRC registration up to `end`; `caps` are requested without waiting
    /// for LS.
    pub async fn register_until(
        &mut self,
        nick: &str,
        caps: &[&str],
        end: WelcomeEnd,
    ) -> anyhow::Result<()> {
        let mut hello = String::new();
        if !caps.is_empty() {
            hello.push_str(&format!("CAP REQ :{}\r\n", caps.join(" ")));
        }
        hello.push_str(&format!("NICK {nick}\r\nUSER {nick} 0 * :ciao-bench\r\n"));
        if !caps.is_empty() {
            hello.push_str("CAP END\r\n");
        }
        self.send(&hello).await?;
        self.wait_for(end.what(), |l| end.is_end(l)).await
    }

    /// Joins `channel` and waits for the end of its NAMES.
    pub async fn join(&mut self, channel: &str) -> anyhow::Result<()> {
        self.send(&format!("JOIN {channel}\r\n")).await?;
        let needle = format!(" {channel} ");
        let needle = needle.as_bytes().to_vec();
        self.wait_for("366 after JOIN", move |l| {
            is_numeric(l, b"366")
                && l.windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(&needle))
        })
        .await
    }

    /// Plain (seed) mode: wait for the greeting, give the name, wait for
    /// the welcome.
    pub async fn register_plain(&mut self, name: &str) -> anyhow::Result<()> {
        self.wait_for("the greeting", |_| true).await?;
        self.send(&format!("{name}\n")).await?;
        let needle = name.as_bytes().to_vec();
        self.wait_for("the welcome", move |l| {
            l.windows(needle.len()).any(|w| w == needle.as_slice())
        })
        .await
    }
}

/// A nick for client `index` that no earlier run's leftovers can hold
/// (the server may still be processing their quits).
pub fn nick(prefix: char, index: usize) -> String {
    format!("{prefix}{}x{index}", std::process::id() % 100_000)
}

/// A received IRC line taken apart: tags skipped, the source's nick, the
/// command and its parameters (the trailing one without its colon).
#[derive(Debug, PartialEq, Eq)]
pub struct Line<'a> {
    pub nick: Option<&'a str>,
    pub command: &'a str,
    pub params: Vec<&'a str>,
}

impl<'a> Line<'a> {
    /// `None` for a line that is not UTF-8 or has no command.
    pub fn parse(line: &'a [u8]) -> Option<Line<'a>> {
        let mut rest = std::str::from_utf8(line).ok()?;
        if rest.starts_with('@') {
            rest = rest.split_once(' ')?.1;
        }
        let mut nick = None;
        if let Some(source) = rest.strip_prefix(':') {
            let (source, after) = source.split_once(' ')?;
            nick = source.split('!').next();
            rest = after;
        }
        let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if command.is_empty() {
            return None;
        }
        let mut params = Vec::new();
        while !rest.is_empty() {
            if let Some(trailing) = rest.strip_prefix(':') {
                params.push(trailing);
                break;
            }
            let (param, after) = rest.split_once(' ').unwrap_or((rest, ""));
            if !param.is_empty() {
                params.push(param);
            }
            rest = after;
        }
        Some(Line {
            nick,
            command,
            params,
        })
    }
}

/// True when `line` is the numeric `code` (`:server 001 …`).
pub fn is_numeric(line: &[u8], code: &[u8]) -> bool {
    let rest = match line.iter().position(|&b| b == b' ') {
        Some(i) if line.first() == Some(&b':') => &line[i + 1..],
        _ => line,
    };
    rest.starts_with(code) && rest.get(code.len()) == Some(&b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_ends_where_the_server_stops_talking() {
        let (welcome, motd_end, no_motd) = (
            b":s 001 me :hi".as_slice(),
            b":s 376 me :End of MOTD".as_slice(),
            b":s 422 me :MOTD File is missing".as_slice(),
        );
        assert!(WelcomeEnd::Motd.is_end(motd_end) && WelcomeEnd::Motd.is_end(no_motd));
        assert!(!WelcomeEnd::Motd.is_end(welcome));
        assert!(WelcomeEnd::Welcome.is_end(welcome));
        assert!(!WelcomeEnd::Welcome.is_end(motd_end));
        assert_eq!(WelcomeEnd::from_no_motd(true), WelcomeEnd::Welcome);
        assert_eq!(WelcomeEnd::from_no_motd(false), WelcomeEnd::Motd);
    }

    /// A peer that talks like issue 17's ideal relay: 001 after USER, 366
    /// after JOIN, nothing else. Registration up to 001 and the join both
    /// complete against it.
    #[tokio::test]
    async fn registers_and_joins_a_server_without_a_motd() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let relay = tokio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let (reader, mut writer) = stream.into_split();
            let mut lines = BufReader::new(reader).lines();
            while let Some(line) = lines.next_line().await? {
                let reply = match line.split(' ').next() {
                    Some("USER") => ":relay 001 r :hi\r\n",
                    Some("JOIN") => ":relay 366 r #bench :End\r\n",
                    _ => continue,
                };
                writer.write_all(reply.as_bytes()).await?;
            }
            anyhow::Ok(())
        });
        let mut conn = Conn::connect(addr, 0, Transport::Tcp)
            .await
            .expect("connect");
        let steps = async {
            conn.register_until("r", &[], WelcomeEnd::Welcome).await?;
            conn.join("#bench").await
        };
        tokio::time::timeout(Duration::from_secs(10), steps)
            .await
            .expect("registration and join in time")
            .expect("registration and join");
        drop(conn);
        relay.await.expect("relay task").expect("relay");
    }

    #[test]
    fn lines_taken_apart() {
        let line = Line::parse(b"@batch=r1;time=x :srv BATCH +r1 chathistory #hist").expect("line");
        assert_eq!(line.nick, Some("srv"));
        assert_eq!(line.command, "BATCH");
        assert_eq!(line.params, ["+r1", "chathistory", "#hist"]);
        let line = Line::parse(b":a!~a@h PART #j0 :bye now").expect("line");
        assert_eq!(
            (line.nick, line.params),
            (Some("a"), vec!["#j0", "bye now"])
        );
        let line = Line::parse(b"PING :tok").expect("line");
        assert_eq!(
            (line.nick, line.command, line.params),
            (None, "PING", vec!["tok"])
        );
        assert_eq!(Line::parse(b""), None);
        assert_eq!(Line::parse(b"\xff\xfe"), None);
    }
}
