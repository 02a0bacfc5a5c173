//! The IRC connection as a task: opens the socket (with a timeout), over
//! TLS unless told otherwise (`tls.rs`), registers (CAP LS 302, SASL
//! (`login.rs`), PASS, NICK, USER), answers PING, and reports every
//! server line as an [`Update`]. The UI drives it with [`Control`]s.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use ciao_proto::{Frame, LineCodec, Message, Numeric};

use crate::isupport::Isupport;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::Decoder;

mod login;
mod pacing;
pub mod tls;

use login::LoginState;
use pacing::Pacer;
pub use pacing::Pacing;
pub use tls::{Fingerprint, Secured, Tls, TrustedBy, Untrusted};

/// The socket, plain or inside TLS.
trait Link: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Link for T {}
type Stream = Box<dyn Link>;

/// Capabilities ciao's client asks for when the server offers them
/// (`sasl` and `draft/account-registration` too, when logging in or
/// creating an account).
pub const WANTED_CAPS: [&str; 12] = [
    "server-time",
    "echo-message",
    "message-tags",
    "multi-prefix",
    "batch",
    "draft/chathistory",
    "draft/message-redaction",
    "draft/multiline",
    "away-notify",
    // Who is logged in to which account: badges beside nicks.
    "account-tag",
    "extended-join",
    "account-notify",
];

/// How long the TLS handshake may take once the socket is open.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a server may take from the open socket to 001 before we
/// give up on it (see [`Settings::registration_timeout`]).
pub const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub nick: String,
    pub password: Option<String>,
    pub realname: String,
    pub connect_timeout: Duration,
    /// How long the server may take to let us in (001) once the socket
    /// is open; [`REGISTRATION_TIMEOUT`] unless a test shortens it.
    pub registration_timeout: Duration,
    /// How fast lines may be sent.
    pub pacing: Pacing,
    /// TLS and whom it trusts; `None`: plaintext, readable by anyone on
    /// the way.
    pub tls: Option<Tls>,
    /// Log in to this account with SASL during registration.
    pub login: Option<Account>,
    /// Create `login`'s account (`draft/account-registration`, account
    /// name = nick) instead of logging in to it.
    pub create_account: bool,
}

/// An account and its password.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub password: String,
}

// The password is never printed.
impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
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
            registration_timeout: REGISTRATION_TIMEOUT,
            pacing: Pacing::default(),
            tls: None,
            login: None,
            create_account: false,
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
    /// Send one IRC message (paced, see [`Pacing`]; PONG and QUIT go at
    /// once).
    Send(Message),
    /// Say goodbye (`QUIT`) and close, ahead of anything still paced.
    Quit(Option<String>),
}

/// What the connection tells the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// The socket is open (and its TLS handshake done); registration is
    /// under way.
    Connected,
    /// The link is encrypted; sent right after [`Update::Connected`].
    Secured(Secured),
    /// The server's certificate is not trusted: the connection is over.
    /// For [`Untrusted::Unknown`] the app asks the user whether to trust
    /// it; [`Untrusted::Changed`] is a hard error.
    Untrusted(Untrusted),
    /// The connection could not be opened; a sentence for the user.
    ConnectFailed(String),
    /// The capabilities the server offers (`CAP LS`), with their values
    /// (`draft/multiline` → `max-bytes=4096,max-lines=100`); sent before
    /// the ack.
    CapsOffered(Vec<(String, Option<String>)>),
    /// The server let us in (001) under `nick`, which may differ from the
    /// one asked for when that was taken.
    Registered { nick: String },
    /// The server turned us away before letting us in: a wrong password
    /// (464), a ban (465), `ERROR` before 001 ("Server full", "Too many
    /// connections …"), or a close before 001. The connection is over;
    /// trying again at once would only be turned away again.
    Refused(String),
    /// The server acknowledged these capabilities.
    CapsAcked(Vec<String>),
    /// A line from the server.
    Message(Message),
    /// The connection ended after it was up; the reason, for the user.
    Disconnected(String),
}

/// Updates a connection may have waiting for the UI. When the UI falls
/// this far behind, reading from the socket waits (the server's send
/// queue then fills, and it is the server that decides): memory stays
/// bounded however fast the server sends.
pub const UPDATE_QUEUE: usize = 4096;

/// The UI's end of a connection's updates.
pub type Updates = mpsc::Receiver<Update>;

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
) -> (Handle, Updates) {
    let (controls, control_rx) = mpsc::unbounded_channel();
    let (update_tx, updates) = mpsc::channel(UPDATE_QUEUE);
    let reporter = Reporter {
        updates: update_tx,
        wake,
    };
    runtime.spawn(run(settings, control_rx, reporter));
    (Handle { controls }, updates)
}

struct Reporter {
    updates: mpsc::Sender<Update>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Reporter {
    async fn send(&self, update: Update) {
        let _ = self.updates.send(update).await;
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
    let tcp = match open(&settings).await {
        Ok(stream) => stream,
        Err(sentence) => {
            reporter.send(Update::ConnectFailed(sentence)).await;
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    // Whether a password may go in clear: only to this computer.
    let loopback = tcp.peer_addr().is_ok_and(|a| a.ip().is_loopback());
    let (stream, secured): (Stream, _) = match &settings.tls {
        None => (Box::new(tcp), None),
        Some(trust) => {
            let handshake = tls::handshake(tcp, &settings.host, trust);
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
                Ok(Ok((stream, secured))) => (Box::new(stream), Some(secured)),
                Ok(Err(tls::Failure::Untrusted(untrusted))) => {
                    reporter.send(Update::Untrusted(untrusted)).await;
                    return;
                }
                Ok(Err(tls::Failure::Other(why))) => {
                    let sentence = format!("Could not connect to {}: {why}", settings.address());
                    reporter.send(Update::ConnectFailed(sentence)).await;
                    return;
                }
                Err(_) => {
                    let sentence = format!(
                        "Could not connect to {}: the TLS handshake timed out after {}.",
                        settings.address(),
                        human_duration(TLS_HANDSHAKE_TIMEOUT)
                    );
                    reporter.send(Update::ConnectFailed(sentence)).await;
                    return;
                }
            }
        }
    };
    reporter.send(Update::Connected).await;
    if let Some(secured) = secured {
        reporter.send(Update::Secured(secured)).await;
    }
    let (mut reader, writer) = tokio::io::split(stream);
    let mut session = Session {
        writer,
        login: LoginState::new(&settings, secured.is_some() || loopback),
        nick: settings.nick.clone(),
        wanted_nick: settings.nick.clone(),
        tried_nicks: vec![settings.nick.clone()],
        isupport: Isupport::default(),
        registered: false,
        offered_caps: Vec::new(),
        offered_bytes: 0,
        error: None,
        quitting: false,
        pacer: Pacer::new(settings.pacing, Instant::now()),
    };
    let end = session
        .converse(&settings, &mut reader, &mut controls, &reporter)
        .await;
    let update = match end {
        End::Refused(reason) => Update::Refused(reason),
        End::Closed(reason) => Update::Disconnected(reason),
    };
    reporter.send(update).await;
}

/// How a connection ended.
enum End {
    /// Before 001: the server would not have us (see [`Update::Refused`]).
    Refused(String),
    /// After 001, or by our own QUIT.
    Closed(String),
}

/// Said when the server hangs up before 001 without a word.
pub const CLOSED_BEFORE_REGISTRATION: &str =
    "The server closed the connection before letting us in.";

/// Registration and conversation state of one connection.
struct Session {
    writer: WriteHalf<Stream>,
    /// Logging in or creating an account, when asked to.
    login: LoginState,
    /// The nick we are trying to register with.
    nick: String,
    /// The nick the user asked for, which alternatives are made from.
    wanted_nick: String,
    /// Every nick sent during registration, in order (the first is
    /// `wanted_nick`).
    tried_nicks: Vec<String>,
    /// What the server's 005 said (its NICKLEN is what nick alternatives
    /// must fit), with a NICKLEN of 9 assumed once a long nick got 432.
    isupport: Isupport,
    registered: bool,
    /// Accumulates a multi-line `CAP LS` during registration: names and
    /// values, at most [`MAX_OFFERED_CAPS`] entries (some kept for
    /// [`WANTED_CAPS`]) and about [`MAX_OFFERED_BYTES`]; emptied when the
    /// listing completes.
    offered_caps: Vec<(String, Option<String>)>,
    /// Bytes of names and values in `offered_caps`.
    offered_bytes: usize,
    /// The server's `ERROR` text, the best reason for a close.
    error: Option<String>,
    /// True once we sent QUIT: the close is ours.
    quitting: bool,
    /// What the UI asked to send, let out within flood control.
    pacer: Pacer,
}

impl Session {
    async fn write(&mut self, message: &Message) -> std::io::Result<()> {
        self.writer.write_all(&message.to_bytes()).await
    }

    fn lost(&self, error: std::io::Error) -> End {
        self.end(format!("Connection lost: {error}"))
    }

    /// A close, as a refusal when it came before 001.
    fn end(&self, reason: String) -> End {
        if self.registered || self.quitting {
            End::Closed(reason)
        } else {
            End::Refused(reason)
        }
    }

    /// Writes what the pacer lets go now.
    async fn flush_paced(&mut self) -> std::io::Result<()> {
        for message in self.pacer.ready(Instant::now()) {
            self.write(&message).await?;
        }
        Ok(())
    }

    async fn converse(
        &mut self,
        settings: &Settings,
        reader: &mut ReadHalf<Stream>,
        controls: &mut mpsc::UnboundedReceiver<Control>,
        reporter: &Reporter,
    ) -> End {
        if let Err(error) = self.register(settings).await {
            return self.lost(error);
        }
        let mut codec = LineCodec::new(512 + 8191);
        let mut buf = BytesMut::with_capacity(4096);
        let mut controls_open = true;
        let deadline = Instant::now() + settings.registration_timeout;
        loop {
            let next_send = self.pacer.next_at();
            tokio::select! {
                control = controls.recv(), if controls_open => match control {
                    // A PONG or QUIT never waits behind a paste.
                    Some(Control::Send(message)) if is_urgent(&message) => {
                        self.quitting |= message.command.eq_ignore_ascii_case("QUIT");
                        if let Err(error) = self.write(&message).await {
                            return self.lost(error);
                        }
                    }
                    Some(Control::Send(message)) => {
                        self.pacer.push(message);
                        if let Err(error) = self.flush_paced().await {
                            return self.lost(error);
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
                        return End::Closed("Disconnected.".to_owned());
                    }
                    None => {
                        // The UI is gone: leave politely.
                        controls_open = false;
                        self.quitting = true;
                        let _ = self.write(&Message::new("QUIT", ["Client closed"])).await;
                    }
                },
                _ = tokio::time::sleep_until(deadline), if !self.registered => {
                    return End::Refused(format!(
                        "The server did not let us in within {}.",
                        human_duration(settings.registration_timeout)
                    ));
                }
                _ = sleep_until_some(next_send) => {
                    if let Err(error) = self.flush_paced().await {
                        return self.lost(error);
                    }
                }
                read = reader.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => return self.close_reason(read.err()),
                    Ok(_) => loop {
                        match codec.decode(&mut buf) {
                            Ok(Some(Frame::Line(line))) => {
                                let text = String::from_utf8_lossy(&line);
                                if let Ok(message) = text.parse::<Message>()
                                    && let Err(end) = self.handle(message, reporter).await
                                {
                                    return end;
                                }
                            }
                            Ok(Some(Frame::TooLong)) => {}
                            Ok(None) => break,
                            Err(error) => return self.lost(error),
                        }
                    },
                },
            }
        }
    }

    fn close_reason(&self, error: Option<std::io::Error>) -> End {
        match (&self.error, error) {
            (Some(text), _) if !self.registered => {
                End::Refused(format!("The server refused the connection: {text}"))
            }
            (Some(text), _) => End::Closed(format!("The server closed the connection: {text}")),
            (None, Some(error)) => self.lost(error),
            (None, None) if self.quitting => End::Closed("Disconnected.".to_owned()),
            (None, None) if !self.registered => End::Refused(CLOSED_BEFORE_REGISTRATION.to_owned()),
            (None, None) => End::Closed("The server closed the connection.".to_owned()),
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

    async fn handle(&mut self, message: Message, reporter: &Reporter) -> Result<(), End> {
        let text = || message.params.last().cloned().unwrap_or_default();
        match (
            Numeric::from_code(&message.command),
            message.command.as_str(),
        ) {
            (_, "PING") => {
                let pong = Message::new("PONG", message.params.clone());
                return self.write(&pong).await.map_err(|e| self.lost(e));
            }
            (_, "CAP") => return self.handle_cap(&message, reporter).await,
            (_, "AUTHENTICATE") if !self.registered => {
                return self.on_authenticate(&message).await;
            }
            (_, _) if !self.registered && login::is_sasl_reply(&message.command) => {
                self.on_sasl_reply(&message).await?;
            }
            (Some(Numeric::Welcome), _) if !self.registered => {
                self.registered = true;
                let nick = message.param(0).unwrap_or(&self.nick).to_owned();
                self.after_welcome(&nick).await?;
                reporter.send(Update::Registered { nick }).await;
            }
            // Nick taken or refused during registration: try another.
            (Some(named @ (Numeric::NicknameInUse | Numeric::ErroneusNickname)), _)
                if !self.registered =>
            {
                let Some(next) = self.next_nick(named == Numeric::ErroneusNickname) else {
                    return Err(End::Refused(format!(
                        "The server refused every nickname we tried ({}): choose another.",
                        self.tried_nicks.join(", ")
                    )));
                };
                self.tried_nicks.push(next.clone());
                self.nick = next;
                let nick = Message::new("NICK", [self.nick.as_str()]);
                self.write(&nick).await.map_err(|e| self.lost(e))?;
            }
            (Some(Numeric::ISupport), _) => self.isupport.learn_reply(&message),
            // Servers differ on whether they close after these; either
            // way we are not getting in.
            (Some(Numeric::PasswdMismatch), _) if !self.registered => {
                return Err(End::Refused(format!(
                    "Wrong password. The server said: {}",
                    text()
                )));
            }
            (Some(Numeric::YoureBannedCreep), _) if !self.registered => {
                return Err(End::Refused(format!(
                    "You are banned from this server. The server said: {}",
                    text()
                )));
            }
            (_, "ERROR") => self.error = Some(text()),
            _ => {}
        }
        reporter.send(Update::Message(message)).await;
        Ok(())
    }

    /// The nick to try after a 433 (taken) or 432 (erroneous), or None
    /// when we should give up: after [`NICK_RETRIES`] alternatives, or on
    /// a 432 that shortening to 9 characters cannot answer.
    fn next_nick(&mut self, erroneous: bool) -> Option<String> {
        if self.tried_nicks.len() > NICK_RETRIES {
            return None;
        }
        if erroneous {
            // Only length can be fixed: an RFC server (ngIRCd) may allow 9.
            if self.isupport.nick_len.is_some() || self.nick.chars().count() <= RFC_NICKLEN {
                return None;
            }
            self.isupport.nick_len = Some(RFC_NICKLEN);
            let short: String = self.wanted_nick.chars().take(RFC_NICKLEN).collect();
            if !self.tried_nicks.contains(&short) {
                return Some(short);
            }
        }
        let limit = self.isupport.nick_len.unwrap_or(DEFAULT_NICKLEN);
        (1..=NICK_RETRIES + 1)
            .map(|attempt| alternative_nick(&self.wanted_nick, attempt, limit))
            .find(|nick| !self.tried_nicks.contains(nick))
    }

    async fn handle_cap(&mut self, message: &Message, reporter: &Reporter) -> Result<(), End> {
        let sub = message.param(1).unwrap_or("").to_ascii_uppercase();
        match sub.as_str() {
            // Only registration asks for a listing; later ones (or a
            // cap-notify `NEW`) are not ours to act on.
            "LS" if !self.registered => {
                // `CAP * LS * :caps` means more lines follow.
                let more = message.params.len() > 3 && message.param(2) == Some("*");
                let list = message.params.last().map(String::as_str).unwrap_or("");
                for cap in list.split_whitespace() {
                    let (name, value) = match cap.split_once('=') {
                        Some((name, value)) => (name, Some(value)),
                        None => (cap, None),
                    };
                    // Room is kept for the wanted capabilities, so one
                    // offered late in a long listing is still seen.
                    let fits = self.offered_caps.len() < MAX_OFFERED_CAPS - WANTED_CAPS.len()
                        && self.offered_bytes + cap.len() <= MAX_OFFERED_BYTES;
                    let wanted = (WANTED_CAPS.contains(&name) || login::CAPS.contains(&name))
                        && self.offered_caps.len() < MAX_OFFERED_CAPS
                        && !self.offered_caps.iter().any(|(o, _)| o == name);
                    if fits || wanted {
                        self.offered_bytes += cap.len();
                        self.offered_caps
                            .push((name.to_owned(), value.map(str::to_owned)));
                    }
                }
                if more {
                    return Ok(());
                }
                let offered = std::mem::take(&mut self.offered_caps);
                self.offered_bytes = 0;
                let mut wanted: Vec<&str> = WANTED_CAPS
                    .into_iter()
                    .filter(|c| offered.iter().any(|(o, _)| o == c))
                    .collect();
                // Refuses (no SASL, no mechanism we may use) before
                // anything is asked.
                let login_caps = self.login.caps_to_request(&offered)?;
                wanted.extend(login_caps);
                reporter.send(Update::CapsOffered(offered)).await;
                if wanted.is_empty() {
                    self.write_or_end(&Message::new("CAP", ["END"])).await?;
                } else {
                    let req = Message::new("CAP", ["REQ".to_owned(), wanted.join(" ")]);
                    self.write_or_end(&req).await?;
                }
            }
            "ACK" => {
                let acked = message.params.last().map(String::as_str).unwrap_or("");
                let acked: Vec<String> = acked.split_whitespace().map(str::to_owned).collect();
                let sasl = acked.iter().any(|c| c.eq_ignore_ascii_case("sasl"));
                reporter.send(Update::CapsAcked(acked)).await;
                if !self.registered {
                    // CAP END waits for the login's end (903, or a refusal).
                    if sasl && let Some(first) = self.login.begin() {
                        self.write_or_end(&first).await?;
                    } else {
                        self.write_or_end(&Message::new("CAP", ["END"])).await?;
                    }
                }
            }
            "NAK" if !self.registered => {
                self.login.refused_caps()?;
                self.write_or_end(&Message::new("CAP", ["END"])).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes `message`; a failure ends the connection.
    async fn write_or_end(&mut self, message: &Message) -> Result<(), End> {
        match self.write(message).await {
            Ok(()) => Ok(()),
            Err(error) => Err(self.lost(error)),
        }
    }
}

/// Lines that must not wait behind paced ones.
fn is_urgent(message: &Message) -> bool {
    ["PONG", "QUIT"]
        .iter()
        .any(|c| message.command.eq_ignore_ascii_case(c))
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What to tell the user when `wanted` was taken and the server let us
/// in as `got`: "dave was taken; you are dave_ — /nick to choose another".
pub fn taken_nick_note(wanted: &str, got: &str) -> String {
    format!("{wanted} was taken; you are {got} — /nick to choose another")
}

/// How many other nicks we try during registration before giving up.
pub const NICK_RETRIES: usize = 5;

/// The nick length we keep within when the server did not say (005
/// NICKLEN); common on modern servers.
const DEFAULT_NICKLEN: usize = 30;

/// RFC 1459/2812's nick length, which ngIRCd and others still enforce.
const RFC_NICKLEN: usize = 9;

/// Entries and bytes of one `CAP LS` listing we keep; real servers offer
/// a few dozen capabilities.
pub const MAX_OFFERED_CAPS: usize = 256;
const MAX_OFFERED_BYTES: usize = 16 * 1024;

/// The `attempt`th alternative to `nick` (1-based), within `limit`
/// characters: `alice_`, `alice__`, `alice1`, `alice2`, …
fn alternative_nick(nick: &str, attempt: usize, limit: usize) -> String {
    let suffix = match attempt {
        1 => "_".to_owned(),
        2 => "__".to_owned(),
        n => (n - 2).to_string(),
    };
    let keep = limit.saturating_sub(suffix.len()).max(1);
    let mut next: String = nick.chars().take(keep).collect();
    next.push_str(&suffix);
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_alternatives() {
        assert_eq!(Settings::new("::1", 6667, "a").address(), "[::1]:6667");
        assert_eq!(Settings::new(" host ", 1, "a").address(), "host:1");
        assert_eq!(alternative_nick("bob", 1, 30), "bob_");
        assert_eq!(alternative_nick("bob", 2, 30), "bob__");
        assert_eq!(alternative_nick("bob", 3, 30), "bob1");
        let long = "abcdefghijklmnopqrstuvwxyz12";
        assert_eq!(alternative_nick(long, 1, 30), format!("{long}_"));
        assert_eq!(alternative_nick(long, 3, 9), "abcdefgh1");
        assert_eq!(human_duration(Duration::from_secs(2)), "2 s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
    }
}
