//! The harness of the client's socket tests: the real ciao-server
//! in-process on 127.0.0.1:0, ciao clients (the real connection task and
//! a model fed by it, as the app has them), and a raw socket client that
//! registers without CAP, as irssi-like clients do, to see the exact wire
//! lines. The model-only helpers are in [`model`].

#![allow(dead_code)] // each test file uses its own part

pub mod model;

use std::sync::Arc;
use std::time::Duration;

use ciao_client::connection::Handle;
use ciao_client::{Action, Control, Model, Settings, Update, Updates, connect};
use ciao_proto::Message;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;

/// How long a test waits for what it expects before failing (a client's
/// default, see [`Client::patience`]).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The real ciao-server, running until dropped (or stopped).
pub struct Server {
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(ciao_server::Config::default()).await
    }

    /// A server that runs with `config`.
    pub async fn start_with(config: ciao_server::Config) -> Self {
        let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let run = ciao_server::run(config, vec![listener], async move {
                let _ = stopped.await;
            });
            run.await.expect("server ran");
        });
        Server {
            port,
            stop: Some(stop),
            task,
        }
    }

    /// Tells the server to shut down, without waiting for it.
    pub fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts the server down and waits until it is gone.
    pub async fn stop(mut self) {
        self.shut_down();
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("server stops")
            .expect("server task");
    }
}

/// A ciao client: its connection, the model built from its updates, and
/// every server line it got (for replies the model only shows as text).
pub struct Client {
    pub handle: Handle,
    pub updates: Updates,
    pub model: Model,
    pub seen: Vec<Message>,
    /// False: the model is never told the server offers draft/multiline,
    /// so it sends plain lines, as a client without the capability does.
    pub multiline: bool,
    /// How long [`Client::until`] and [`Client::line_until`] wait.
    pub patience: Duration,
}

impl Client {
    /// A client of the server at `port` of 127.0.0.1.
    pub fn start(port: u16, nick: &str) -> Self {
        Self::start_with(Settings::new("127.0.0.1", port, nick))
    }

    pub fn start_with(settings: Settings) -> Self {
        let model = Model::new(&settings.nick);
        let (handle, updates) = open(settings);
        Client {
            handle,
            updates,
            model,
            seen: Vec::new(),
            multiline: true,
            patience: PATIENCE,
        }
    }

    /// Waits up to `patience` for what is awaited.
    pub fn patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// A client registered and in `#lobby`, the server's default channel.
    pub async fn in_lobby(port: u16, nick: &str, multiline: bool) -> Self {
        let mut client = Self::start(port, nick);
        client.multiline = multiline;
        client
            .until("in #lobby", |m| {
                m.buffer("#lobby")
                    .is_some_and(|b| b.joined && b.member_count() > 0)
            })
            .await;
        client
    }

    /// Connects again (to `port`), keeping the model: what the app does
    /// after a lost link.
    pub fn reconnect(&mut self, port: u16) {
        let (handle, updates) = open(Settings::new("127.0.0.1", port, &self.model.own_nick));
        self.handle = handle;
        self.updates = updates;
    }

    /// Applies updates until `done` holds (bounded by the patience),
    /// sending what the model asks for itself, as the app does.
    pub async fn until(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        if !self.apply_until(what, done).await {
            panic!("{}: timed out waiting for {what}", self.model.own_nick);
        }
    }

    /// [`Client::until`], with what [`Client::describe`] says and then
    /// `context` (another server's log, say) in the timeout's message.
    pub async fn until_with(
        &mut self,
        what: &str,
        done: impl Fn(&Model) -> bool,
        context: impl FnOnce() -> String,
    ) {
        if !self.apply_until(what, done).await {
            panic!(
                "{}: timed out waiting for {what}; it saw:\n{}\n{}",
                self.model.own_nick,
                self.describe(),
                context()
            );
        }
    }

    /// False if the patience ran out first.
    async fn apply_until(&mut self, what: &str, done: impl Fn(&Model) -> bool) -> bool {
        let patience = self.patience;
        let wait = async {
            while !done(&self.model) {
                let update = self.next(what).await;
                self.apply(update);
            }
        };
        tokio::time::timeout(patience, wait).await.is_ok()
    }

    /// Applies updates until a server line matches; returns it.
    pub async fn line_until(&mut self, what: &str, done: impl Fn(&Message) -> bool) -> Message {
        let patience = self.patience;
        let wait = async {
            loop {
                let update = self.next(what).await;
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
        let found = tokio::time::timeout(patience, wait).await;
        found.unwrap_or_else(|_| panic!("{}: timed out waiting for {what}", self.model.own_nick))
    }

    async fn next(&mut self, what: &str) -> Update {
        self.updates
            .recv()
            .await
            .unwrap_or_else(|| panic!("the connection ended while waiting for {what}"))
    }

    /// Applies `update` and sends what the model then asks for itself.
    fn apply(&mut self, update: Update) {
        if self.multiline || !matches!(update, Update::CapsOffered(_)) {
            if let Update::Message(message) = &update {
                self.seen.push(message.clone());
            }
            self.model.apply(&update);
        }
        for request in self.model.take_requests() {
            self.send(request);
        }
    }

    pub fn send(&self, message: Message) {
        assert!(self.handle.send(Control::Send(message)), "connection open");
    }

    pub fn act(&mut self, action: Action) {
        let out = self.model.prepare(action);
        for message in out.messages {
            self.send(message);
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

    /// Every line the model shows, as "buffer: text", one a line.
    pub fn describe(&self) -> String {
        let lines: Vec<String> = self
            .model
            .buffers
            .iter()
            .flat_map(|b| {
                b.lines
                    .iter()
                    .map(move |l| format!("{}: {}", b.name, l.text))
            })
            .collect();
        lines.join("\n")
    }
}

/// The text of issue 13: 449 characters with accents, 535 bytes — more
/// than one relayed line.
pub fn accented_text() -> String {
    let filler: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(345)
        .collect();
    format!("{}é{filler}.", "àèìòù ".repeat(17))
}

fn open(settings: Settings) -> (Handle, Updates) {
    let runtime = tokio::runtime::Handle::current();
    connect(&runtime, settings, Arc::new(|| {}))
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
            let read = tokio::time::timeout(PATIENCE, self.reader.read_line(&mut line))
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
        tokio::time::timeout(PATIENCE, wait)
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
