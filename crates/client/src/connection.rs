//! The IRC connection as a task: opens the socket (with a timeout),
//! registers (CAP LS 302, PASS, NICK, USER), answers PING, and reports
//! every server line as an [`Update`]. The UI drives it with [`Control`]s.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use ciao_proto::{Frame, LineCodec, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

/// Capabilities ciao's client asks for when the server offers them.
pub const WANTED_CAPS: [&str; 8] = [
    "server-time",
    "echo-message",
    "message-tags",
    "multi-prefix",
    "batch",
    "draft/chathistory",
    "draft/message-redaction",
    "away-notify",
];

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub nick: String,
    pub password: Option<String>,
    pub realname: String,
    pub connect_timeout: Duration,
}

impl Settings {
    pub fn new(host: &str, port: u16, nick: &str) -> Self {
        Settings {
            host: host.trim().to_owned(),
            port,
            nick: nick.trim().to_owned(),
            password: None,
            realname: "ciao user".to_owned(),
            connect_timeout: Duration::from_secs(2),
        }
    }

    /// `host:port`, with brackets around IPv6 addresses.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What the UI asks of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Send one IRC message.
    Send(Message),
    /// Say goodbye (`QUIT`) and close.
    Quit(Option<String>),
}

/// What the connection tells the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// The socket is open; registration is under way.
    Connected,
    /// The connection could not be opened; a sentence for the user.
    ConnectFailed(String),
    /// The server acknowledged these capabilities.
    CapsAcked(Vec<String>),
    /// A line from the server.
    Message(Message),
    /// The connection ended; the reason, for the user.
    Disconnected(String),
}

/// The UI's end of a connection.
#[derive(Debug, Clone)]
pub struct Handle {
    controls: mpsc::UnboundedSender<Control>,
}

impl Handle {
    /// Queues a control; false when the connection is gone.
    pub fn send(&self, control: Control) -> bool {
        self.controls.send(control).is_ok()
    }
}

/// Starts a connection on `runtime`. `wake` is called after every update
/// so a GUI can repaint.
pub fn connect(
    runtime: &tokio::runtime::Handle,
    settings: Settings,
    wake: Arc<dyn Fn() + Send + Sync>,
) -> (Handle, mpsc::UnboundedReceiver<Update>) {
    let (controls, control_rx) = mpsc::unbounded_channel();
    let (update_tx, updates) = mpsc::unbounded_channel();
    let reporter = Reporter {
        updates: update_tx,
        wake,
    };
    runtime.spawn(run(settings, control_rx, reporter));
    (Handle { controls }, updates)
}

struct Reporter {
    updates: mpsc::UnboundedSender<Update>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Reporter {
    fn send(&self, update: Update) {
        let _ = self.updates.send(update);
        (self.wake)();
    }
}

/// Opens the socket within the timeout, with a sentence for the user on
/// failure ("Could not connect to 10.0.0.5:6667: timed out after 2 s").
pub async fn open(settings: &Settings) -> Result<TcpStream, String> {
    let address = settings.address();
    let fail = |why: String| format!("Could not connect to {address}: {why}");
    if settings.host.is_empty() {
        return Err("The server address may not be empty.".to_owned());
    }
    let target = (settings.host.as_str(), settings.port);
    match tokio::time::timeout(settings.connect_timeout, TcpStream::connect(target)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(fail(describe(&error))),
        Err(_) => Err(fail(format!(
            "timed out after {}",
            human_duration(settings.connect_timeout)
        ))),
    }
}

fn describe(error: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match error.kind() {
        ConnectionRefused => "connection refused".to_owned(),
        HostUnreachable | NetworkUnreachable => "no route to the host".to_owned(),
        _ if error.to_string().contains("lookup") || error.to_string().contains("resolve") => {
            "unknown host".to_owned()
        }
        _ => error.to_string(),
    }
}

fn human_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

async fn run(
    settings: Settings,
    mut controls: mpsc::UnboundedReceiver<Control>,
    reporter: Reporter,
) {
    let stream = match open(&settings).await {
        Ok(stream) => stream,
        Err(sentence) => {
            reporter.send(Update::ConnectFailed(sentence));
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    reporter.send(Update::Connected);
    let (mut reader, writer) = stream.into_split();
    let mut session = Session {
        writer,
        nick: settings.nick.clone(),
        registered: false,
        offered_caps: Vec::new(),
        error: None,
        quitting: false,
    };
    let reason = session
        .converse(&settings, &mut reader, &mut controls, &reporter)
        .await;
    reporter.send(Update::Disconnected(reason));
}

/// Registration and conversation state of one connection.
struct Session {
    writer: OwnedWriteHalf,
    /// The nick we are trying to register with.
    nick: String,
    registered: bool,
    /// Accumulates a multi-line `CAP LS`.
    offered_caps: Vec<String>,
    /// The server's `ERROR` text, the best reason for a close.
    error: Option<String>,
    /// True once we sent QUIT: the close is ours.
    quitting: bool,
}

impl Session {
    async fn write(&mut self, message: &Message) -> std::io::Result<()> {
        self.writer.write_all(&message.to_bytes()).await
    }

    async fn converse(
        &mut self,
        settings: &Settings,
        reader: &mut tokio::net::tcp::OwnedReadHalf,
        controls: &mut mpsc::UnboundedReceiver<Control>,
        reporter: &Reporter,
    ) -> String {
        if let Err(error) = self.register(settings).await {
            return format!("Connection lost: {error}");
        }
        let mut codec = LineCodec::new(512 + 8191);
        let mut buf = BytesMut::with_capacity(4096);
        let mut controls_open = true;
        loop {
            tokio::select! {
                control = controls.recv(), if controls_open => match control {
                    Some(Control::Send(message)) => {
                        if let Err(error) = self.write(&message).await {
                            return format!("Connection lost: {error}");
                        }
                    }
                    Some(Control::Quit(reason)) => {
                        self.quitting = true;
                        let quit = Message::new("QUIT", reason);
                        let _ = self.write(&quit).await;
                        // Wait (briefly) for the server to close the link.
                        let _ = tokio::time::timeout(Duration::from_secs(2), async {
                            let mut sink = [0u8; 4096];
                            while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
                        })
                        .await;
                        return "Disconnected.".to_owned();
                    }
                    None => {
                        // The UI is gone: leave politely.
                        controls_open = false;
                        self.quitting = true;
                        let _ = self.write(&Message::new("QUIT", ["Client closed"])).await;
                    }
                },
                read = reader.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => return self.close_reason(read.err()),
                    Ok(_) => loop {
                        match codec.decode(&mut buf) {
                            Ok(Some(Frame::Line(line))) => {
                                let text = String::from_utf8_lossy(&line);
                                if let Ok(message) = text.parse::<Message>()
                                    && let Err(error) = self.handle(message, reporter).await
                                {
                                    return format!("Connection lost: {error}");
                                }
                            }
                            Ok(Some(Frame::TooLong)) => {}
                            Ok(None) => break,
                            Err(error) => return format!("Connection lost: {error}"),
                        }
                    },
                },
            }
        }
    }

    fn close_reason(&self, error: Option<std::io::Error>) -> String {
        match (&self.error, error) {
            (Some(text), _) => format!("The server closed the connection: {text}"),
            (None, Some(error)) => format!("Connection lost: {error}"),
            (None, None) if self.quitting => "Disconnected.".to_owned(),
            (None, None) => "The server closed the connection.".to_owned(),
        }
    }

    async fn register(&mut self, settings: &Settings) -> std::io::Result<()> {
        self.write(&Message::new("CAP", ["LS", "302"])).await?;
        if let Some(password) = &settings.password {
            self.write(&Message::new("PASS", [password.as_str()]))
                .await?;
        }
        let nick = self.nick.clone();
        self.write(&Message::new("NICK", [nick.as_str()])).await?;
        let user = Message::new(
            "USER",
            [nick.as_str(), "0", "*", settings.realname.as_str()],
        );
        self.write(&user).await
    }

    async fn handle(&mut self, message: Message, reporter: &Reporter) -> std::io::Result<()> {
        match message.command.as_str() {
            "PING" => {
                let pong = Message::new("PONG", message.params.clone());
                self.write(&pong).await?;
                return Ok(());
            }
            "CAP" => return self.handle_cap(&message, reporter).await,
            "001" => self.registered = true,
            // Nick taken or refused during registration: try another.
            "433" | "432" if !self.registered => {
                self.nick = alternative_nick(&self.nick);
                let nick = Message::new("NICK", [self.nick.as_str()]);
                self.write(&nick).await?;
            }
            "ERROR" => self.error = message.params.last().cloned(),
            _ => {}
        }
        reporter.send(Update::Message(message));
        Ok(())
    }

    async fn handle_cap(&mut self, message: &Message, reporter: &Reporter) -> std::io::Result<()> {
        let sub = message.param(1).unwrap_or("").to_ascii_uppercase();
        match sub.as_str() {
            "LS" => {
                // `CAP * LS * :caps` means more lines follow.
                let more = message.params.len() > 3 && message.param(2) == Some("*");
                let list = message.params.last().map(String::as_str).unwrap_or("");
                self.offered_caps.extend(
                    list.split_whitespace()
                        .map(|c| c.split('=').next().unwrap_or(c).to_owned()),
                );
                if more || self.registered {
                    return Ok(());
                }
                let wanted: Vec<&str> = WANTED_CAPS
                    .into_iter()
                    .filter(|c| self.offered_caps.iter().any(|o| o == c))
                    .collect();
                if wanted.is_empty() {
                    self.write(&Message::new("CAP", ["END"])).await?;
                } else {
                    let req = Message::new("CAP", ["REQ".to_owned(), wanted.join(" ")]);
                    self.write(&req).await?;
                }
            }
            "ACK" => {
                let acked = message.params.last().map(String::as_str).unwrap_or("");
                reporter.send(Update::CapsAcked(
                    acked.split_whitespace().map(str::to_owned).collect(),
                ));
                if !self.registered {
                    self.write(&Message::new("CAP", ["END"])).await?;
                }
            }
            "NAK" if !self.registered => self.write(&Message::new("CAP", ["END"])).await?,
            _ => {}
        }
        Ok(())
    }
}

/// `alice` → `alice_`, keeping within the usual 30-character limit.
fn alternative_nick(nick: &str) -> String {
    let mut next: String = nick.chars().take(29).collect();
    next.push('_');
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_alternatives() {
        assert_eq!(Settings::new("::1", 6667, "a").address(), "[::1]:6667");
        assert_eq!(Settings::new(" host ", 1, "a").address(), "host:1");
        assert_eq!(alternative_nick("bob"), "bob_");
        assert_eq!(human_duration(Duration::from_secs(2)), "2 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
    }
}
