//! One connection, over TCP or TLS (`Transport`): mode detection,
//! reading and writing, and an orderly end.
//!
//! One task per connection both reads (parsing lines and dispatching
//! them to the hub) and writes (draining the client's outbox into the
//! socket), so an idle connection costs one small future. Whatever ends
//! the connection (EOF, QUIT, a full send queue, shutdown) closes the
//! outbox; the task then flushes what is left within `flush_timeout`,
//! sends FIN and reads until the peer closes.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ciao_proto::{Frame, LineCodec, Message, Numeric};
use tokio::time::{Instant, Sleep, timeout_at};
use tokio_util::codec::Decoder;

use crate::commands;
use crate::link::admission::Slot;
use crate::link::outbox::{self, CloseReason, Outbox, Status};
use crate::net::foreign::{self, Foreign};
use crate::net::liveness::{Limits, Liveness, Verdict};
use crate::net::transport::{self, Transport};
use crate::plain::{self, PlainOutcome};
use crate::state::State;
use crate::state::client::{Client, ClientId, Protocol};
use crate::state::hub::Hub;

/// How far (in history jobs) a client may run ahead of the history
/// writer before it stops reading: enough to keep the writer's batches
/// full, few enough to bound what waits in memory.
const MAX_JOBS_AHEAD: u64 = 1024;
/// Write rounds per wake-up before input gets its turn.
const WRITES_PER_POLL: usize = 4;
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
pub(crate) async fn serve<T: Transport>(hub: Arc<Hub>, socket: T, peer: SocketAddr, slot: Slot) {
    // This future is most of what an idle connection costs: only the
    // connection and the read loop's state live across its awaits.
    let mut connection = Connection::open(hub, socket, peer, slot);
    let end = connection.run(Instant::now()).await;
    connection.end(&end);
    // Runs once, at the end: boxed so that its state does not weigh on
    // every connection for its whole life.
    Box::pin(connection.finish()).await;
}

/// `serve` for a connection that has been read from already (the web
/// port reads a first line to tell a browser from a chat client): `read`
/// is what came, handled first, and the plain-mode grace period counts
/// from `opened`. (A function of its own: arguments stay in a future's
/// memory for its whole life, and TCP connections need none of these.)
pub(crate) async fn serve_after<T: Transport>(
    hub: Arc<Hub>,
    socket: T,
    peer: SocketAddr,
    slot: Slot,
    read: BytesMut,
    opened: Instant,
) {
    let mut connection = Connection::open(hub, socket, peer, slot);
    connection.buf = read;
    let end = connection.run(opened).await;
    connection.end(&end);
    Box::pin(connection.finish()).await;
}

struct Connection<T> {
    hub: Arc<Hub>,
    id: ClientId,
    outbox: Arc<Outbox>,
    socket: T,
    codec: LineCodec,
    /// Input not yet handled.
    buf: BytesMut,
    /// Output taken from the outbox and not yet written.
    batch: VecDeque<Bytes>,
    mode: Mode,
    /// The history job this client's last message went into.
    pending: u64,
    /// Flood control's hold on this client.
    lag: Lag,
    /// The last line asked for a slow check (`state::checks`): it runs
    /// before the next line is read.
    checking: bool,
}

/// Flood control's hold on a connection (small: it is in every
/// connection's future).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lag {
    None,
    /// Handle no line for this many milliseconds (armed by the read loop).
    Requested(u16),
    /// Armed: the timer fires when the wait is over.
    Waiting,
}

/// The history job a command submitted, if it submitted one (`before`
/// is the ticket before the command).
fn new_ticket(state: &State, before: u64) -> Option<u64> {
    let after = state.history_ticket();
    (after != before).then_some(after)
}

/// The verb of a raw IRC line, past its tags and source: all that
/// [`Connection::next_line_is_message`] needs of a line not yet parsed.
fn irc_verb(line: &[u8]) -> &[u8] {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let mut word = words.next().unwrap_or_default();
    if word.first() == Some(&b'@') {
        word = words.next().unwrap_or_default();
    }
    if word.first() == Some(&b':') {
        word = words.next().unwrap_or_default();
    }
    word.strip_suffix(b"\r").unwrap_or(word)
}

/// What woke the connection.
enum Event {
    /// The outbox closed: stop reading, flush, and end.
    Closed,
    Timer,
    Readable,
    /// Everything queued is written and a long answer has a piece left.
    Drained,
    Failed(String),
}

impl<T: Transport> Connection<T> {
    /// Makes sure the hub has forgotten the client (which frees its
    /// slot) and the outbox is closed, once `run` returned `end`.
    fn end(&self, end: &str) {
        self.hub.lock().quit(self.id, end);
        tracing::info!(id = self.id, reason = %end, "disconnected");
    }

    /// Sets the socket up and introduces the client to the hub.
    fn open(hub: Arc<Hub>, socket: T, peer: SocketAddr, mut slot: Slot) -> Self {
        let _ = socket.tcp().set_nodelay(true);
        // Plain clients cannot answer PING: TCP keepalive notices a peer
        // that vanished (cable pulled, laptop closed) for them, and for IRC
        // clients between PINGs.
        let keepalive = socket2::TcpKeepalive::new()
            .with_time(Duration::from_secs(60))
            .with_interval(Duration::from_secs(10))
            .with_retries(6);
        let _ = socket2::SockRef::from(socket.tcp()).set_tcp_keepalive(&keepalive);
        let outbox = Arc::new(Outbox::new(hub.config.sendq_bytes));
        let id = hub.lock().add_client(|id| {
            // From here on it may be closed to make room while registering.
            slot.attach(id, peer.ip(), Instant::now());
            let mut client = Client::new(id, peer.ip(), outbox.clone()).holding(slot);
            client.secure = T::SECURE;
            client.cert_fingerprint = socket.client_cert_fingerprint().map(String::into_boxed_str);
            client
        });
        tracing::info!(id, %peer, tls = T::SECURE, "connected");
        Connection {
            codec: LineCodec::new(hub.config.max_line_len),
            hub,
            id,
            outbox,
            socket,
            buf: BytesMut::new(),
            batch: VecDeque::new(),
            mode: if T::IRC_ONLY {
                Mode::Irc
            } else {
                Mode::Undecided
            },
            pending: 0,
            lag: Lag::None,
            checking: false,
        }
    }

    /// Reads, handles and writes until EOF or until the outbox closes;
    /// returns the quit reason.
    async fn run(&mut self, start: Instant) -> String {
        let grace_end = start + self.hub.config.plain_grace;
        let mut liveness = Liveness::new(start, self.hub.config.registration_timeout);
        // One timer for everything time-driven (a timer is a good part of
        // an idle connection's memory): the plain-mode grace period while
        // the mode is undecided, then the liveness deadline.
        let timer = tokio::time::sleep_until(grace_end.min(liveness.due()));
        tokio::pin!(timer);
        loop {
            if let Err(reason) = crate::link::wakes::batched(|| self.process_buffered()) {
                return reason;
            }
            if self.checking {
                // Boxed, like the wait below: rare, and kept out of every
                // idle connection's future.
                if let Err(reason) = Box::pin(self.run_checks()).await {
                    return reason;
                }
                continue;
            }
            if self.unreleased() && (self.buffered_line() || self.far_ahead()) {
                // A command waits for this client's last message to go
                // out (order), and a client far ahead of the history
                // writer waits before reading more (backpressure).
                // Boxed: waits are short and rare next to a connection's
                // life, and their state stays out of every idle
                // connection's future.
                if let Err(reason) = Box::pin(self.wait_released()).await {
                    return reason;
                }
                continue;
            }
            // An idle connection holds no read buffer: it is taken when
            // bytes arrive and given back once they are all handled.
            if self.buf.is_empty() && self.buf.capacity() > 0 {
                self.buf = BytesMut::new();
            }
            if let Lag::Requested(millis) = self.lag {
                // Flood control: no more lines until then.
                let resume = Instant::now() + Duration::from_millis(millis.into());
                if resume < timer.deadline() {
                    timer.as_mut().reset(resume);
                }
                self.lag = Lag::Waiting;
            }
            match poll_fn(|cx| self.poll_event(cx, timer.as_mut())).await {
                Event::Closed => return self.close_reason(),
                Event::Failed(reason) => return reason,
                Event::Drained => {
                    let lag = crate::link::wakes::batched(|| {
                        let mut state = self.hub.lock();
                        state.begin_metering();
                        state.continue_answer(self.id);
                        let work = state.end_metering();
                        state.charge_work(self.id, work);
                        // Each piece waits for the address's work budget
                        // like any costly command.
                        state.work_wait(self.id)
                    });
                    self.request_lag(lag);
                }
                Event::Timer => {
                    let now = Instant::now();
                    // The lag is over (or, if liveness fired first, the
                    // next line is charged again and waits again).
                    self.lag = Lag::None;
                    if self.mode == Mode::Undecided && now >= grace_end {
                        // Silence (or half a line) for the whole grace
                        // period: a seed-style client waiting to be greeted
                        // (unless the half line is another protocol's).
                        let partial = self.codec.take_partial(&mut self.buf);
                        if let Some(Frame::Line(line)) = &partial
                            && let Some(kind) = foreign::sniff_line(line)
                        {
                            self.refuse_foreign(kind);
                        } else {
                            self.become_plain();
                            if let Some(Frame::Line(line)) = partial {
                                self.plain_line(&line);
                            }
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
                Event::Readable => {
                    transport::reserve_read(&mut self.buf);
                    match self.socket.try_read_buf(&mut self.buf) {
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
                            // A ClientHello has no newline and its sender
                            // waits: it must not sit out the grace period
                            // and be greeted as a plain client.
                            if self.mode == Mode::Undecided && foreign::is_tls_start(&self.buf) {
                                self.refuse_foreign(Foreign::Tls);
                                return self.close_reason();
                            }
                            if self.flooding() {
                                self.hub.lock().disconnect(
                                    self.id,
                                    "Closing link: Excess flood",
                                    "Excess flood",
                                );
                                return self.close_reason();
                            }
                            // Twice: the first line may be what makes this
                            // a plain connection.
                            // Everyone this read's lines reach is woken
                            // once, after all of them are queued.
                            let handled = crate::link::wakes::batched(|| {
                                self.end_plain_message();
                                self.process_buffered()?;
                                if self.end_plain_message() {
                                    self.process_buffered()?;
                                }
                                Ok(())
                            });
                            if let Err(reason) = handled {
                                return reason;
                            }
                        }
                        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                        Err(error) => return format!("Read error: {error}"),
                    }
                }
            }
        }
    }

    /// In plain mode the end of a read is the end of a message (the seed's
    /// client sends no newline): terminates an unterminated rest so it is
    /// handled as a line, in turn with the lines before it. True if it did.
    fn end_plain_message(&mut self) -> bool {
        if self.mode != Mode::Plain || self.buf.is_empty() || self.buf.ends_with(b"\n") {
            return false;
        }
        self.buf.extend_from_slice(b"\n");
        true
    }

    /// Flood control asked this client to wait before its next line.
    fn request_lag(&mut self, lag: Option<Duration>) {
        if let Some(lag) = lag {
            let millis = u16::try_from(lag.as_millis()).unwrap_or(u16::MAX).max(1);
            self.lag = Lag::Requested(millis);
        }
    }

    /// True when a client held back by flood control has sent more than
    /// may wait for it.
    fn flooding(&self) -> bool {
        self.lag != Lag::None
            && self
                .hub
                .config
                .flood
                .is_some_and(|limits| self.buf.len() > limits.max_queued)
    }

    /// True while this client's last message is not yet stored and sent.
    fn unreleased(&self) -> bool {
        self.pending > self.hub.released.count()
    }

    /// True when this client's last message has more than
    /// `MAX_JOBS_AHEAD` history jobs queued before it: the writer is
    /// behind, so this client stops reading until it catches up.
    fn far_ahead(&self) -> bool {
        self.pending > self.hub.released.count() + MAX_JOBS_AHEAD
    }

    /// True when a complete line is waiting in the buffer (the loop only
    /// gets past `process_buffered` with one left when it must wait).
    fn buffered_line(&self) -> bool {
        self.buf.contains(&b'\n')
    }

    /// True when the next buffered line only sends a message (a verb the
    /// command table marks as one, [`commands::is_message`]; any plain
    /// text): such lines queue behind the last one without waiting, since
    /// their output is released in order. Anything else waits, so that
    /// its replies cannot overtake.
    fn next_line_is_message(&self) -> bool {
        let Some(end) = self.buf.iter().position(|&b| b == b'\n') else {
            return false;
        };
        let line = &self.buf[..end];
        match self.mode {
            Mode::Plain => !matches!(line.first(), Some(b'/' | b'{')),
            Mode::Irc => commands::is_message(irc_verb(line)),
            Mode::Undecided => false,
        }
    }

    /// Waits until this client's last message is stored and sent, writing
    /// what it is sent meanwhile.
    async fn wait_released(&mut self) -> Result<(), String> {
        let released = self.hub.released.clone();
        let mut wait = std::pin::pin!(released.wait_for(self.pending));
        poll_fn(|cx| {
            if wait.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            match self.poll_output(cx) {
                Ok(()) => Poll::Pending,
                Err(Event::Failed(reason)) => Poll::Ready(Err(reason)),
                Err(_) => Poll::Ready(Err(self.close_reason())),
            }
        })
        .await
    }

    /// Runs the slow checks this client's last line asked for, off the
    /// runtime (at most as many at once as the hub allows, whoever asks),
    /// writing its output meanwhile; applies each verdict under the lock.
    async fn run_checks(&mut self) -> Result<(), String> {
        self.checking = false;
        loop {
            let Some(check) = self.hub.lock().take_check(self.id) else {
                return Ok(());
            };
            let permits = Arc::clone(&self.hub.checks);
            let mut work = std::pin::pin!(async move {
                let _permit = permits.acquire_owned().await;
                tokio::task::spawn_blocking(check).await
            });
            let verdict = poll_fn(|cx| {
                if let Poll::Ready(verdict) = work.as_mut().poll(cx) {
                    return Poll::Ready(Ok(verdict));
                }
                match self.poll_output(cx) {
                    Ok(()) => Poll::Pending,
                    Err(Event::Failed(reason)) => Poll::Ready(Err(reason)),
                    Err(_) => Poll::Ready(Err(self.close_reason())),
                }
            })
            .await?;
            match verdict {
                Ok(verdict) => crate::link::wakes::batched(|| verdict(&mut self.hub.lock())),
                // A bug in a check: its client gets no answer to that
                // line, everyone else is unaffected.
                Err(error) => tracing::error!(id = self.id, %error, "a check failed"),
            }
        }
    }

    /// Writes what the outbox holds as far as the socket takes it, then
    /// waits for the outbox to close, the timer, or input.
    fn poll_event(&mut self, cx: &mut Context<'_>, timer: Pin<&mut Sleep>) -> Poll<Event> {
        if let Err(event) = self.poll_output(cx) {
            return Poll::Ready(event);
        }
        // The next piece of a long answer once the last one is written
        // (and flood control lets this client go on).
        if self.batch.is_empty() && self.lag == Lag::None && self.outbox.is_continuing() {
            return Poll::Ready(Event::Drained);
        }
        if timer.poll(cx).is_ready() {
            return Poll::Ready(Event::Timer);
        }
        // While a long answer is under way the client's lines wait: read
        // no more than one chunk of them, so a client that sends and never
        // reads is held back by TCP, not buffered (and, unheard, times out).
        if self.outbox.is_continuing() && !self.buf.is_empty() {
            return Poll::Pending;
        }
        match self.socket.poll_read_ready(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Event::Readable),
            Poll::Ready(Err(error)) => Poll::Ready(Event::Failed(format!("Read error: {error}"))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The output half of `poll_event`: returns once the outbox is empty
    /// or the socket is full, with the task registered to wake for
    /// either; `Err` ends the connection.
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Result<(), Event> {
        // A few rounds, then let input and the timer have their turn; a
        // busy recipient is polled again right away.
        for _ in 0..WRITES_PER_POLL {
            if self.outbox.is_closed() {
                return Err(Event::Closed);
            }
            if self.batch.is_empty() {
                if self.outbox.take(&mut self.batch, cx.waker()) == Status::Closed {
                    return Err(Event::Closed);
                }
                if self.batch.is_empty() {
                    // Going idle: keep no storage sized for the last burst.
                    outbox::keep_if_small(&mut self.batch);
                    // (TLS records of the last lines may still be waiting
                    // for the socket; TCP has none and returns here.)
                    if !self.socket.wants_write() {
                        return Ok(());
                    }
                }
            }
            match self.socket.poll_write_ready(cx) {
                Poll::Pending => return Ok(()),
                Poll::Ready(Err(error)) => {
                    return Err(Event::Failed(format!("Write error: {error}")));
                }
                Poll::Ready(Ok(())) => match self.socket.write_some(&mut self.batch) {
                    Ok(()) => {}
                    // Readiness is cleared; the next round registers.
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                    Err(error) => return Err(Event::Failed(format!("Write error: {error}"))),
                },
            }
        }
        cx.waker().wake_by_ref();
        Ok(())
    }

    /// After the client is gone from the hub: flushes what is left within
    /// `flush_timeout`, sends FIN, then reads until the peer closes so
    /// that unread input does not turn our close into a reset that could
    /// destroy the last lines in flight.
    async fn finish(mut self) {
        let deadline = Instant::now() + self.hub.config.flush_timeout;
        let flushed = timeout_at(deadline, self.flush()).await;
        self.outbox.forget_waker();
        if !matches!(flushed, Ok(Ok(()))) {
            return;
        }
        // TLS ends with close_notify and a WebSocket with its Close
        // frame, written before the FIN (TCP has nothing to write here).
        self.socket.close_notify();
        let written = timeout_at(
            deadline,
            transport::write_all(&mut self.socket, &mut self.batch),
        );
        if !matches!(written.await, Ok(Ok(()))) {
            return;
        }
        transport::end_tcp(self.socket.tcp(), deadline).await;
    }

    /// Writes everything queued until the outbox is closed and empty.
    async fn flush(&mut self) -> io::Result<()> {
        loop {
            transport::write_all(&mut self.socket, &mut self.batch).await?;
            let status = poll_fn(|cx| match self.outbox.take(&mut self.batch, cx.waker()) {
                Status::Open if self.batch.is_empty() => Poll::Pending,
                status => Poll::Ready(status),
            })
            .await;
            if status == Status::Closed && self.batch.is_empty() {
                return Ok(());
            }
        }
    }

    /// Acts on a passed liveness deadline: sends PING or disconnects.
    /// Returns false once the client is disconnected.
    fn check_liveness(&mut self, liveness: &mut Liveness, now: Instant) -> bool {
        let mut hub = self.hub.lock();
        let (registered, pingable) = hub.client(self.id).map_or((false, false), |c| {
            (c.registered(), c.protocol == Protocol::Irc)
        });
        let limits = Limits {
            ping_interval: self.hub.config.ping_interval,
            ping_timeout: self.hub.config.ping_timeout,
        };
        match liveness.expire(now, registered, pingable, limits) {
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
    /// Stops early, leaving lines in the buffer, at a line that must wait
    /// for this client's last message to be stored and sent.
    fn process_buffered(&mut self) -> Result<(), String> {
        loop {
            if self.outbox.is_closed() {
                return Err(self.close_reason());
            }
            // A long answer being sent keeps the client's next lines
            // waiting, so that their replies do not land inside it.
            if self.checking
                || self.unreleased() && !self.next_line_is_message()
                || self.lag != Lag::None
                || self.outbox.is_continuing()
            {
                return Ok(());
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
            if let Frame::Line(line) = &frame
                && let Some(kind) = foreign::sniff_line(line)
            {
                self.refuse_foreign(kind);
                return;
            }
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

    /// Closes a connection from another protocol's client before anything
    /// of it reaches anyone: it has no name, so nobody is told it left.
    /// An HTTP client gets a 400 saying what this port is; the others
    /// would not understand text.
    fn refuse_foreign(&mut self, kind: Foreign) {
        let peer = self.hub.lock().client(self.id).map(|client| client.ip);
        tracing::info!(id = self.id, ?peer, "closing: {kind}, not a chat client");
        let answer = match kind {
            Foreign::Http => vec![Bytes::from_static(foreign::HTTP_RESPONSE)],
            _ => Vec::new(),
        };
        self.outbox.close(
            CloseReason::Closed(format!("Not a chat client ({kind})")),
            &answer,
        );
    }

    fn become_plain(&mut self) {
        self.mode = Mode::Plain;
        plain::start(&mut self.hub.lock(), self.id);
    }

    fn plain_line(&mut self, line: &[u8]) {
        // Greeted after the grace period, an SMTP client sends its EHLO
        // now: until a name is chosen, another protocol's line still closes
        // the connection (after that it is only text).
        if let Some(kind) = foreign::sniff_line(line)
            && !self
                .hub
                .lock()
                .client(self.id)
                .is_some_and(|c| c.registered())
        {
            self.refuse_foreign(kind);
            return;
        }
        // Plain clients may send anything; invalid UTF-8 becomes U+FFFD.
        let text = String::from_utf8_lossy(line);
        let (outcome, ticket, lag) = {
            let mut state = self.hub.lock();
            // A name (registering and joining the room) and a slash
            // command are held back while the address is over its work
            // budget, as IRC commands are; text and leaving never are.
            let word = text.trim_start();
            let costly = !(word.starts_with("{quit}")
                || word.to_ascii_lowercase().starts_with("/quit"))
                && (word.starts_with('/')
                    || !state.client(self.id).is_some_and(|c| c.registered()));
            if costly && let Some(wait) = state.work_wait(self.id) {
                drop(state);
                self.hand_back(line);
                self.request_lag(Some(wait));
                return;
            }
            let before = state.history_ticket();
            state.begin_metering();
            let outcome = plain::handle_line(&mut state, self.id, &text);
            let work = state.end_metering();
            let lag = match outcome {
                // Charged as the IRC line it turns out to be.
                PlainOutcome::SwitchToIrc => None,
                _ => state.charge_line(self.id, work),
            };
            (outcome, new_ticket(&state, before), lag)
        };
        self.pending = ticket.unwrap_or(self.pending);
        self.request_lag(lag);
        if outcome == PlainOutcome::SwitchToIrc {
            // An IRC client that waited for the server to speak first: it
            // got the greeting as noise, now it gets IRC.
            self.mode = Mode::Irc;
            if let Some(client) = self.hub.lock().client_mut(self.id) {
                client.protocol = Protocol::Irc;
            }
            self.irc_line(line);
        }
    }

    /// Puts a line that could not run yet back in front of the input, to
    /// be handled again once flood control lets this client go on.
    fn hand_back(&mut self, line: &[u8]) {
        let mut input = BytesMut::with_capacity(line.len() + 1 + self.buf.len());
        input.extend_from_slice(line);
        input.extend_from_slice(b"\n");
        input.extend_from_slice(&self.buf);
        self.buf = input;
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
            self.hub.lock().fail(
                self.id,
                "*",
                &[
                    "INVALID_UTF8",
                    "Message rejected: your IRC software must use UTF-8",
                ],
            );
            return;
        };
        match text.parse::<Message>() {
            Ok(message) => {
                let (ticket, dispatched, lag) = {
                    let mut state = self.hub.lock();
                    let before = state.history_ticket();
                    let dispatched = commands::dispatch(&mut state, self.id, &message);
                    let lag = match dispatched {
                        commands::Dispatched::Ran { work } => state.charge_line(self.id, work),
                        commands::Dispatched::Collected => None,
                        commands::Dispatched::Deferred(wait) => Some(wait),
                    };
                    self.checking = state.has_check(self.id);
                    (new_ticket(&state, before), dispatched, lag)
                };
                if let commands::Dispatched::Deferred(_) = dispatched {
                    self.hand_back(line);
                }
                self.pending = ticket.unwrap_or(self.pending);
                self.request_lag(lag);
            }
            Err(ciao_proto::ParseError::Empty) => {}
            Err(error) => tracing::debug!(id = self.id, %error, "unparsable line"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::net::{TcpListener, TcpStream};

    use crate::Config;
    use crate::link::admission::Admission;
    use crate::state::hub::Hub;

    /// Every idle connection is one task holding this future; the task's
    /// allocation grows in 128-byte steps, so a few bytes more here can
    /// cost 128 bytes per connection (docs/BENCHMARKS.md, idle). Measured
    /// by size, not time.
    #[tokio::test]
    async fn a_connection_future_stays_small() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let _client = TcpStream::connect(addr).await.expect("connect");
        let (socket, peer) = listener.accept().await.expect("accept");
        let slot = Admission::new(Config::default().admission_limits())
            .admit(peer.ip(), tokio::time::Instant::now())
            .expect("slot");
        let hub = Arc::new(Hub::new(Config::default()));
        let serve = super::serve(hub, socket, peer, slot);
        let size = std::mem::size_of_val(&serve);
        // 512 bytes in release builds, where it matters (528 in debug
        // builds, which lay the future out less tightly): the same before
        // and after `Connection` became generic over its transport.
        let limit = if cfg!(debug_assertions) { 576 } else { 512 };
        assert!(size <= limit, "the connection future grew to {size} bytes");
        // TLS adds one pointer (the boxed session) to what TCP holds.
        assert_eq!(
            std::mem::size_of::<crate::net::transport::TlsStream>(),
            std::mem::size_of::<TcpStream>() + std::mem::size_of::<usize>()
        );
    }
}
