//! What the sending tests share: the real ciao-server in-process, ciao
//! clients (connection + model), and a raw socket client that registers
//! without CAP, as irssi-like clients do, to see the exact wire lines.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use ciao_client::connection::Handle;
use ciao_client::{Action, Control, Model, Settings, Update, connect};
use ciao_proto::Message;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;

/// How long any awaited event may take.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct Server {
    pub port: u16,
    _stop: oneshot::Sender<()>,
}

pub async fn server() -> Server {
    let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(ciao_server::run(
        ciao_server::Config::default(),
        vec![listener],
        async move {
            let _ = stopped.await;
        },
    ));
    Server { port, _stop: stop }
}

/// A ciao client: its connection, the model built from its updates, and
/// every server line it got (for replies the model only shows as text).
pub struct Client {
    handle: Handle,
    updates: ciao_client::Updates,
    pub model: Model,
    pub seen: Vec<Message>,
    /// False: the model is never told the server offers draft/multiline,
    /// so it sends plain lines, as a client without the capability does.
    multiline: bool,
}

impl Client {
    pub fn start(port: u16, nick: &str, multiline: bool) -> Self {
        let runtime = tokio::runtime::Handle::current();
        let settings = Settings::new("127.0.0.1", port, nick);
        let (handle, updates) = connect(&runtime, settings, Arc::new(|| {}));
        Client {
            handle,
            updates,
            model: Model::new(nick),
            seen: Vec::new(),
            multiline,
        }
    }

    /// A client registered and in `#lobby`, the server's default channel.
    pub async fn in_lobby(port: u16, nick: &str, multiline: bool) -> Self {
        let mut client = Self::start(port, nick, multiline);
        client
            .until("in #lobby", |m| {
                m.buffer("#lobby")
                    .is_some_and(|b| b.joined && b.member_count() > 0)
            })
            .await;
        client
    }

    /// Applies updates until `done` holds (bounded by a timeout).
    pub async fn until(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        let nick = self.model.own_nick.clone();
        let wait = async {
            while !done(&self.model) {
                let update = self.next().await;
                self.apply(update);
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("{nick}: timed out waiting for {what}"));
    }

    /// Applies updates until a server line matches; returns it.
    pub async fn line_until(&mut self, what: &str, done: impl Fn(&Message) -> bool) -> Message {
        let nick = self.model.own_nick.clone();
        let wait = async {
            loop {
                let update = self.next().await;
                let found = match &update {
                    Update::Message(message) if done(message) => Some(message.clone()),
                    _ => None,
                };
                self.apply(update);
                if let Some(message) = found {
                    return message;
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("{nick}: timed out waiting for {what}"))
    }

    async fn next(&mut self) -> Update {
        self.updates
            .recv()
            .await
            .expect("the connection ended while waiting")
    }

    fn apply(&mut self, update: Update) {
        if !self.multiline && matches!(update, Update::CapsOffered(_)) {
            return;
        }
        if let Update::Message(message) = &update {
            self.seen.push(message.clone());
        }
        self.model.apply(&update);
    }

    pub fn act(&mut self, action: Action) {
        let out = self.model.prepare(action);
        for message in out.messages {
            assert!(self.handle.send(Control::Send(message)));
        }
    }

    /// Parses `input` as typed and acts on it.
    pub fn type_in(&mut self, input: &str) {
        let action = ciao_client::parse_input(input)
            .expect("valid input")
            .expect("not blank");
        self.act(action);
    }

    /// Sends a PING and waits for its PONG: every line the server queued
    /// for us before it is then applied.
    pub async fn sync(&mut self, token: &str) {
        self.act(Action::Quote(Message::new("PING", [token])));
        self.line_until("PONG", |m| {
            m.command == "PONG" && m.params.last().is_some_and(|p| p == token)
        })
        .await;
    }

    /// The texts of the lines `sender` said in `buffer`.
    pub fn texts_from(&self, buffer: &str, sender: &str) -> Vec<String> {
        self.model
            .buffer(buffer)
            .map(|b| {
                b.lines
                    .iter()
                    .filter(|l| l.sender.as_deref() == Some(sender))
                    .map(|l| l.text.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A client on a bare socket, registering with NICK and USER only.
pub struct Raw {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Raw {
    /// Registered and in `#lobby`.
    pub async fn in_lobby(port: u16, nick: &str) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let (reader, writer) = stream.into_split();
        let mut raw = Raw {
            reader: BufReader::new(reader),
            writer,
        };
        raw.send(&format!("NICK {nick}")).await;
        raw.send(&format!("USER {nick} 0 * :{nick}")).await;
        raw.wait_for("the join to #lobby", |line| {
            line.contains(" JOIN ")
                && line.contains("#lobby")
                && line.starts_with(&format!(":{nick}!"))
        })
        .await;
        raw
    }

    pub async fn send(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("write");
    }

    /// The next line, CRLF included, answering PINGs on the way.
    pub async fn line(&mut self) -> String {
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(WAIT, self.reader.read_line(&mut line))
                .await
                .expect("timed out waiting for a line")
                .expect("read");
            assert!(read > 0, "the server closed the connection");
            if let Some(token) = line.strip_prefix("PING ") {
                self.send(&format!("PONG {}", token.trim_end())).await;
                continue;
            }
            return line;
        }
    }

    pub async fn wait_for(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let wait = async {
            loop {
                let line = self.line().await;
                if done(&line) {
                    return line;
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("raw: timed out waiting for {what}"))
    }

    /// `verb` lines from `nick` until their texts add up to `total` bytes;
    /// the whole wire lines, CRLF included.
    pub async fn texts_from(&mut self, nick: &str, verb: &str, total: usize) -> Vec<String> {
        let prefix = format!(":{nick}!");
        let mut lines = Vec::new();
        let mut bytes = 0;
        while bytes < total {
            let line = self
                .wait_for("a line from the sender", |l| {
                    l.starts_with(&prefix) && l.split(' ').nth(1) == Some(verb)
                })
                .await;
            let message: Message = line.parse().expect("a line");
            bytes += message.param(1).unwrap_or("").len();
            lines.push(line);
        }
        lines
    }
}
