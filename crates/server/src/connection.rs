//! One TCP connection: mode detection, the read loop, and an orderly end.
//!
//! The connection task reads and parses; a second task drains the
//! client's outbox into the socket. Whatever ends the connection (EOF,
//! QUIT, a full send queue, shutdown) closes the outbox; the writer then
//! flushes what is left within `flush_timeout` and sends FIN.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use ciao_proto::{Frame, LineCodec, Message, Numeric};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, timeout_at};
use tokio_util::codec::Decoder;

use crate::client::{Client, ClientId, Protocol};
use crate::commands;
use crate::hub::Hub;
use crate::liveness::{Liveness, Verdict};
use crate::outbox::{CloseReason, Outbox};
use crate::plain::{self, PlainOutcome};

/// Reads at most this much per syscall; the buffer only grows for long
/// lines, bounded by the codec's limit.
const READ_CHUNK: usize = 4096;
/// Client tag section limit, '@' and trailing space included (IRCv3).
const MAX_CLIENT_TAGS_LEN: usize = 4096;
/// Message limit without tags and CRLF (RFC 1459's 512 with CRLF).
const MAX_BODY_LEN: usize = 510;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing or only part of a line received yet.
    Undecided,
    Irc,
    Plain,
}

/// Serves one client until it leaves or the server shuts down. `slot`
/// counts against `--max-clients` until the hub has forgotten the client.
pub async fn serve(hub: Arc<Hub>, socket: TcpStream, peer: SocketAddr, slot: OwnedSemaphorePermit) {
    let config = hub.config.clone();
    let _ = socket.set_nodelay(true);
    // Plain clients cannot answer PING: TCP keepalive notices a peer that
    // vanished (cable pulled, laptop closed) for them, and for IRC clients
    // between PINGs.
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(6);
    let _ = socket2::SockRef::from(&socket).set_tcp_keepalive(&keepalive);
    let outbox = Arc::new(Outbox::new(config.sendq_bytes));
    let id = hub
        .lock()
        .add_client(|id| Client::new(id, peer.ip(), outbox.clone()));
    tracing::info!(id, %peer, "connected");

    let (mut reader, writer) = socket.into_split();
    let writer_outbox = outbox.clone();
    let mut writer_task = tokio::spawn(async move { writer_outbox.drain_into(writer).await });

    let mut connection = Connection {
        hub: hub.clone(),
        id,
        outbox: outbox.clone(),
        codec: LineCodec::new(config.max_line_len),
        buf: BytesMut::new(),
        mode: Mode::Undecided,
    };
    let end = connection.read_loop(&mut reader).await;

    // Make sure the hub has forgotten the client and the outbox is closed.
    hub.lock().quit(id, &end);
    drop(slot);

    // Give the writer a bounded time to flush, then read until the peer
    // closes so that unread input does not turn our close into a reset
    // that could destroy the last lines in flight.
    let deadline = Instant::now() + config.flush_timeout;
    match timeout_at(deadline, &mut writer_task).await {
        Ok(_) => {
            let mut sink = vec![0u8; 1024];
            while let Ok(Ok(n)) = timeout_at(deadline, reader.read(&mut sink)).await {
                if n == 0 {
                    break;
                }
            }
        }
        Err(_) => writer_task.abort(),
    }
    tracing::info!(id, %peer, reason = %end, "disconnected");
}

struct Connection {
    hub: Arc<Hub>,
    id: ClientId,
    outbox: Arc<Outbox>,
    codec: LineCodec,
    buf: BytesMut,
    mode: Mode,
}

impl Connection {
    /// Reads until EOF or until the outbox closes; returns the quit reason.
    async fn read_loop(&mut self, reader: &mut OwnedReadHalf) -> String {
        let config = self.hub.config.clone();
        let start = Instant::now();
        let grace_end = start + config.plain_grace;
        let mut liveness = Liveness::new(
            start,
            config.registration_timeout,
            config.ping_interval,
            config.ping_timeout,
        );
        // One timer for everything time-driven (a timer is a good part of
        // an idle connection's memory): the plain-mode grace period while
        // the mode is undecided, then the liveness deadline.
        let timer = tokio::time::sleep_until(grace_end.min(liveness.due()));
        tokio::pin!(timer);
        loop {
            if let Err(reason) = self.process_buffered() {
                return reason;
            }
            // An idle connection holds no read buffer: it is taken when
            // bytes arrive and given back once they are all handled.
            if self.buf.is_empty() && self.buf.capacity() > 0 {
                self.buf = BytesMut::new();
            }
            tokio::select! {
                biased;
                _ = self.outbox.closed() => return self.close_reason(),
                () = &mut timer => {
                    let now = Instant::now();
                    if self.mode == Mode::Undecided && now >= grace_end {
                        // Silence (or half a line) for the whole grace
                        // period: a seed-style client waiting to be greeted.
                        self.become_plain();
                        if let Some(Frame::Line(line)) = self.codec.take_partial(&mut self.buf) {
                            self.plain_line(&line);
                        }
                    }
                    if now >= liveness.due() && !self.check_liveness(&mut liveness, now) {
                        return self.close_reason();
                    }
                    let next = match self.mode {
                        Mode::Undecided => grace_end.min(liveness.due()),
                        _ => liveness.due(),
                    };
                    timer.as_mut().reset(next);
                }
                ready = reader.readable() => {
                    if let Err(error) = ready {
                        return format!("Read error: {error}");
                    }
                    if self.buf.capacity() - self.buf.len() < READ_CHUNK / 2 {
                        self.buf.reserve(READ_CHUNK);
                    }
                    match reader.try_read_buf(&mut self.buf) {
                    Ok(0) => {
                        // A final line without newline still counts.
                        if self.mode != Mode::Undecided
                            && let Some(frame) = self.codec.take_partial(&mut self.buf)
                        {
                            self.frame(frame);
                        }
                        return "Connection closed".to_owned();
                    }
                    Ok(_) => {
                        liveness.heard(Instant::now());
                        if let Err(reason) = self.process_buffered() {
                            return reason;
                        }
                        // Then the unterminated rest: in plain mode the end
                        // of a read is the end of a message.
                        if self.mode == Mode::Plain
                            && let Some(frame) = self.codec.take_partial(&mut self.buf)
                        {
                            self.frame(frame);
                        }
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(error) => return format!("Read error: {error}"),
                    }
                }
            }
        }
    }

    /// Acts on a passed liveness deadline: sends PING or disconnects.
    /// Returns false once the client is disconnected.
    fn check_liveness(&mut self, liveness: &mut Liveness, now: Instant) -> bool {
        let mut hub = self.hub.lock();
        let (registered, pingable) = hub.client(self.id).map_or((false, false), |c| {
            (c.registered, c.protocol == Protocol::Irc)
        });
        match liveness.expire(now, registered, pingable) {
            Verdict::Wait => true,
            Verdict::Ping => {
                let ping = hub.server_message("PING", [self.hub.config.server_name.as_str()]);
                hub.send(self.id, &ping);
                true
            }
            Verdict::RegistrationTimedOut => {
                hub.disconnect(
                    self.id,
                    "Closing link: registration timed out",
                    "Registration timed out",
                );
                false
            }
            Verdict::PingTimedOut => {
                let config = &self.hub.config;
                let secs = (config.ping_interval + config.ping_timeout).as_secs();
                let reason = format!("Ping timeout: {secs} seconds");
                hub.disconnect(self.id, &format!("Closing link: {reason}"), &reason);
                false
            }
        }
    }

    /// Why the connection is ending, as others will see it in QUIT.
    fn close_reason(&self) -> String {
        match self.outbox.close_reason() {
            Some(CloseReason::SendQExceeded) => "SendQ exceeded".to_owned(),
            Some(CloseReason::Closed(reason)) => reason,
            None => "Connection closed".to_owned(),
        }
    }

    /// Handles every complete line in the buffer.
    fn process_buffered(&mut self) -> Result<(), String> {
        loop {
            if self.outbox.close_reason().is_some() {
                return Err(self.close_reason());
            }
            let frame = match self.codec.decode(&mut self.buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(error) => return Err(format!("Read error: {error}")),
            };
            self.frame(frame);
        }
    }

    fn frame(&mut self, frame: Frame) {
        if self.mode == Mode::Undecided {
            self.mode = match &frame {
                Frame::Line(line) if plain::is_irc_registration(&String::from_utf8_lossy(line)) => {
                    Mode::Irc
                }
                Frame::TooLong => Mode::Irc,
                Frame::Line(_) => {
                    self.become_plain();
                    Mode::Plain
                }
            };
        }
        match (frame, self.mode) {
            (Frame::Line(line), Mode::Plain) => self.plain_line(&line),
            (Frame::Line(line), _) => self.irc_line(&line),
            (Frame::TooLong, Mode::Plain) => {
                let text = format!(
                    "Line too long (the limit is {} bytes).",
                    self.codec.max_len()
                );
                self.hub.lock().send_plain(self.id, &text);
            }
            (Frame::TooLong, _) => {
                self.hub
                    .lock()
                    .reply(self.id, Numeric::InputTooLong, ["Input line was too long"]);
            }
        }
    }

    fn become_plain(&mut self) {
        self.mode = Mode::Plain;
        plain::start(&mut self.hub.lock(), self.id);
    }

    fn plain_line(&mut self, line: &[u8]) {
        // Plain clients may send anything; invalid UTF-8 becomes U+FFFD.
        let text = String::from_utf8_lossy(line);
        let outcome = plain::handle_line(&mut self.hub.lock(), self.id, &text);
        if outcome == PlainOutcome::SwitchToIrc {
            // An IRC client that waited for the server to speak first: it
            // got the greeting as noise, now it gets IRC.
            self.mode = Mode::Irc;
            if let Some(client) = self.hub.lock().clients.get_mut(&self.id) {
                client.protocol = Protocol::Irc;
            }
            self.irc_line(line);
        }
    }

    fn irc_line(&mut self, line: &[u8]) {
        // IRCv3: at most 4094 bytes of client tag data (plus '@' and the
        // space); the message itself at most 512 bytes with CRLF.
        let tags_len = match line.first() {
            Some(b'@') => line
                .iter()
                .position(|&b| b == b' ')
                .map_or(line.len(), |i| i + 1),
            _ => 0,
        };
        if tags_len > MAX_CLIENT_TAGS_LEN || line.len() - tags_len > MAX_BODY_LEN {
            self.hub
                .lock()
                .reply(self.id, Numeric::InputTooLong, ["Input line was too long"]);
            return;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            let fail = Message::new(
                "FAIL",
                [
                    "*",
                    "INVALID_UTF8",
                    "Message rejected: your IRC software must use UTF-8",
                ],
            );
            let state = self.hub.lock();
            let fail = fail.with_source(state.config.server_name.clone());
            state.send(self.id, &fail);
            return;
        };
        match text.parse::<Message>() {
            Ok(message) => commands::dispatch(&mut self.hub.lock(), self.id, &message),
            Err(ciao_proto::ParseError::Empty) => {}
            Err(error) => tracing::debug!(id = self.id, %error, "unparsable line"),
        }
    }
}
