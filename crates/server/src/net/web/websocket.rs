//! A WebSocket over a [`Transport`], as a [`Transport`] itself: the IRCv3
//! WebSocket protocol, one IRC line per message without CRLF. Reading
//! turns each message into a line of the connection's input; writing
//! turns each queued line into one frame. Everything else of the
//! connection (the codec, flood control, sendq, liveness, the end) is the
//! same code as for TCP.
//!
//! Frames are parsed and formatted with tungstenite's `FrameHeader`; the
//! state around them is kept here because the connection is readiness
//! driven, and because a server frame is only a header in front of a line
//! already in memory: written with `writev`, a fan-out line is shared by
//! every WebSocket recipient, never copied (text frames are checked as
//! UTF-8 and only a line that is not valid is rewritten).

use std::collections::VecDeque;
use std::io::{self, Cursor};
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::net::TcpStream;
use tungstenite::protocol::frame::FrameHeader;
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};

use crate::net::transport::{self, Transport};

/// Decoded input handed to the connection per read: one read's worth, so
/// a client whose frames pile up is read in steps, like a TCP client.
const READ_BUDGET: usize = 4096;
/// Lines framed per write round: enough for one `writev` of a busy
/// recipient, few enough that framing never runs far ahead of the socket.
const LINES_PER_ROUND: usize = 256;
/// Frames waiting to be written beyond which a ping gets no pong (RFC
/// 6455 lets an endpoint answer only the latest ping).
const MAX_QUEUED_FOR_PONG: usize = 16;
/// RFC 6455: control frames carry at most 125 bytes.
const MAX_CONTROL_PAYLOAD: u64 = 125;

/// The two IRCv3 subprotocols: what the server's frames are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `text.ircv3.net`, and what a client that asks for none gets:
    /// text frames, always valid UTF-8.
    Text,
    /// `binary.ircv3.net`: binary frames, the line's bytes as they are.
    Binary,
}

/// Close codes (RFC 6455 §7.4.1).
mod code {
    pub(super) const NORMAL: u16 = 1000;
    pub(super) const PROTOCOL_ERROR: u16 = 1002;
    pub(super) const TOO_BIG: u16 = 1009;
}

/// A WebSocket connection after the handshake.
pub(crate) struct WebSocket<T> {
    inner: T,
    /// Frames as they arrive and are not yet decoded (no storage while
    /// idle).
    raw: BytesMut,
    /// Frames not yet written: headers and the lines they carry.
    out: VecDeque<Bytes>,
    /// The longest message (line) accepted, in bytes.
    limit: u32,
    /// Bytes of the fragmented message under way (its earlier fragments
    /// are already in the connection's input, without their line end).
    fragment_len: u32,
    framing: Framing,
    in_message: bool,
    /// Stopped decoding on the read budget: more may be ready without the
    /// socket.
    decodable: bool,
    /// The client sent its Close frame.
    peer_closed: bool,
    /// The code our Close frame will carry.
    close_code: u16,
    /// Our Close frame is queued: no data frame may follow it.
    closing: bool,
    /// The transport underneath was told to close too (TLS close_notify),
    /// once our Close frame was handed to it.
    inner_closed: bool,
}

impl<T> std::fmt::Debug for WebSocket<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("framing", &self.framing)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> WebSocket<T> {
    /// `read` is what the client sent after its handshake request (frames
    /// it did not wait to send).
    pub(crate) fn new(inner: T, framing: Framing, read: BytesMut, limit: usize) -> Self {
        WebSocket {
            inner,
            raw: read,
            out: VecDeque::new(),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            fragment_len: 0,
            framing,
            in_message: false,
            // Frames sent with the request are decoded before any wait.
            decodable: true,
            peer_closed: false,
            close_code: code::NORMAL,
            closing: false,
            inner_closed: false,
        }
    }

    /// A protocol violation: the connection ends with this reason, and
    /// the Close frame sent at its end carries `code`.
    fn fail(&mut self, close_code: u16, what: &str) -> io::Error {
        self.close_code = close_code;
        io::Error::new(io::ErrorKind::InvalidData, format!("WebSocket: {what}"))
    }

    /// Decodes the next frame in `raw`, appending a message's bytes to
    /// `input`. False when `raw` holds no complete frame.
    fn decode_frame(&mut self, input: &mut BytesMut) -> io::Result<bool> {
        let mut cursor = Cursor::new(&self.raw[..]);
        let (header, len) = match FrameHeader::parse(&mut cursor) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return Ok(false),
            Err(error) => return Err(self.fail(code::PROTOCOL_ERROR, &error.to_string())),
        };
        let header_len = usize::try_from(cursor.position()).unwrap_or(usize::MAX);
        if header.rsv1 || header.rsv2 || header.rsv3 {
            return Err(self.fail(code::PROTOCOL_ERROR, "reserved bits set"));
        }
        let Some(mask) = header.mask else {
            return Err(self.fail(code::PROTOCOL_ERROR, "a client's frame is not masked"));
        };
        let is_control = matches!(header.opcode, OpCode::Control(_));
        if is_control && (!header.is_final || len > MAX_CONTROL_PAYLOAD) {
            return Err(self.fail(code::PROTOCOL_ERROR, "invalid control frame"));
        }
        if !is_control && u64::from(self.fragment_len) + len > u64::from(self.limit) {
            let limit = self.limit;
            return Err(self.fail(
                code::TOO_BIG,
                &format!("message too big (the limit is {limit} bytes)"),
            ));
        }
        // Bounded by the checks above: a header and at most `limit` bytes.
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if self.raw.len() < header_len + len {
            return Ok(false);
        }
        self.raw.advance(header_len);
        let mut payload = self.raw.split_to(len);
        unmask(&mut payload, mask);
        match header.opcode {
            OpCode::Data(Data::Continue) if !self.in_message => {
                return Err(self.fail(code::PROTOCOL_ERROR, "continuation without a message"));
            }
            OpCode::Data(Data::Text | Data::Binary) if self.in_message => {
                return Err(self.fail(code::PROTOCOL_ERROR, "a message inside a message"));
            }
            OpCode::Data(Data::Reserved(_)) | OpCode::Control(Control::Reserved(_)) => {
                return Err(self.fail(code::PROTOCOL_ERROR, "unknown opcode"));
            }
            // Text or binary alike: the IRC layer checks UTF-8 and answers
            // `FAIL … INVALID_UTF8`, which says more than a closed socket.
            OpCode::Data(_) => {
                input.extend_from_slice(&payload);
                if header.is_final {
                    input.put_u8(b'\n');
                    self.in_message = false;
                    self.fragment_len = 0;
                } else {
                    self.in_message = true;
                    self.fragment_len += u32::try_from(len).unwrap_or(u32::MAX);
                }
            }
            OpCode::Control(Control::Ping) => {
                if self.out.len() <= MAX_QUEUED_FOR_PONG && !self.closing {
                    let pong = control_frame(Control::Pong, &payload);
                    self.out.push_back(pong);
                }
            }
            OpCode::Control(Control::Pong) => {}
            // Answered by our Close frame (code 1000) when the connection
            // ends, after whatever is still queued for the client.
            OpCode::Control(Control::Close) => self.peer_closed = true,
        }
        Ok(true)
    }

    /// Moves lines from the front of `batch` into `out` as frames.
    fn frame_lines(&mut self, batch: &mut VecDeque<Bytes>) {
        let count = batch.len().min(LINES_PER_ROUND);
        // All the headers of this round in one allocation.
        let mut headers = BytesMut::with_capacity(count * 4);
        for mut line in batch.drain(..count) {
            let ending = if line.ends_with(b"\r\n") {
                2
            } else {
                usize::from(line.ends_with(b"\n"))
            };
            line.truncate(line.len() - ending);
            let opcode = match self.framing {
                Framing::Binary => Data::Binary,
                Framing::Text => {
                    if std::str::from_utf8(&line).is_err() {
                        line = Bytes::from(String::from_utf8_lossy(&line).into_owned());
                    }
                    Data::Text
                }
            };
            let header = FrameHeader {
                opcode: OpCode::Data(opcode),
                ..FrameHeader::default()
            };
            let mut writer = (&mut headers).writer();
            // Writing into memory cannot fail.
            let _ = header.format(line.len() as u64, &mut writer);
            self.out.push_back(headers.split().freeze());
            self.out.push_back(line);
        }
    }
}

/// XORs a client's payload with its mask (RFC 6455 §5.3).
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
}

/// A control frame from the server (unmasked), payload at most 125 bytes.
fn control_frame(control: Control, payload: &[u8]) -> Bytes {
    let header = FrameHeader {
        opcode: OpCode::Control(control),
        ..FrameHeader::default()
    };
    let mut frame = BytesMut::with_capacity(2 + payload.len()).writer();
    let _ = header.format(payload.len() as u64, &mut frame);
    let mut frame = frame.into_inner();
    frame.extend_from_slice(payload);
    frame.freeze()
}

impl<T: Transport> Transport for WebSocket<T> {
    const SECURE: bool = T::SECURE;
    const IRC_ONLY: bool = true;

    fn tcp(&self) -> &TcpStream {
        self.inner.tcp()
    }

    fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.decodable || self.peer_closed {
            return Poll::Ready(Ok(()));
        }
        self.inner.poll_read_ready(cx)
    }

    fn try_read_buf(&mut self, input: &mut BytesMut) -> io::Result<usize> {
        let start = input.len();
        loop {
            self.decodable = false;
            while !self.peer_closed {
                if input.len() - start >= READ_BUDGET {
                    self.decodable = true;
                    break;
                }
                if !self.decode_frame(input)? {
                    break;
                }
            }
            if self.raw.is_empty() && self.raw.capacity() > 0 {
                // Idle: keep no storage sized for the last burst.
                self.raw = BytesMut::new();
            }
            if input.len() > start {
                return Ok(input.len() - start);
            }
            if self.peer_closed {
                return Ok(0);
            }
            transport::reserve_read(&mut self.raw);
            match self.inner.try_read_buf(&mut self.raw) {
                Ok(0) => return Ok(0),
                Ok(_) => {}
                // WouldBlock (wait for the socket) and errors go to the
                // caller; an idle connection keeps no read storage.
                Err(error) => {
                    if self.raw.is_empty() {
                        self.raw = BytesMut::new();
                    }
                    return Err(error);
                }
            }
        }
    }

    fn poll_write_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_write_ready(cx)
    }

    fn write_some(&mut self, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
        // Frames made earlier go first: `out` only ever grows by whole
        // frames at its end, so a partly written one is never split.
        if self.closing {
            // Nothing may follow a Close frame.
            batch.clear();
        } else if self.out.is_empty() {
            self.frame_lines(batch);
        }
        if self.out.is_empty() && self.closing && !self.inner_closed {
            self.inner.close_notify();
            self.inner_closed = true;
        }
        if self.out.is_empty() && !self.inner.wants_write() {
            return Ok(());
        }
        // With nothing framed this still writes what the transport holds
        // (TLS records).
        let written = self.inner.write_some(&mut self.out);
        if self.out.is_empty() {
            // Going idle: keep no storage sized for the last burst.
            self.out = VecDeque::new();
        }
        written
    }

    fn wants_write(&self) -> bool {
        !self.out.is_empty() || self.inner.wants_write() || self.closing && !self.inner_closed
    }

    fn client_cert_fingerprint(&self) -> Option<String> {
        self.inner.client_cert_fingerprint()
    }

    fn close_notify(&mut self) {
        if !self.closing {
            let code = self.close_code.to_be_bytes();
            self.out.push_back(control_frame(Control::Close, &code));
            self.closing = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn websocket(framing: Framing) -> (WebSocket<TcpStream>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let client = TcpStream::connect(listener.local_addr().expect("addr"))
            .await
            .expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        (
            WebSocket::new(server, framing, BytesMut::new(), 600),
            client,
        )
    }

    fn framed(socket: &mut WebSocket<TcpStream>, lines: &[&[u8]]) -> Vec<Bytes> {
        let mut batch: VecDeque<Bytes> = lines.iter().map(|l| Bytes::copy_from_slice(l)).collect();
        socket.frame_lines(&mut batch);
        assert!(batch.is_empty());
        socket.out.drain(..).collect()
    }

    #[tokio::test]
    async fn each_line_is_one_frame_without_its_line_end() {
        let (mut socket, _client) = websocket(Framing::Binary).await;
        let frames = framed(&mut socket, &[b"PING :a\r\n", &[b'x'; 300]]);
        assert_eq!(&frames[0][..], [0x82, 7]);
        assert_eq!(&frames[1][..], b"PING :a");
        // 126: a 16-bit length follows.
        assert_eq!(&frames[2][..], [0x82, 126, 1, 44]);
        assert_eq!(frames[3].len(), 300);
    }

    #[tokio::test]
    async fn text_frames_are_always_utf8() {
        let (mut socket, _client) = websocket(Framing::Text).await;
        let frames = framed(
            &mut socket,
            &[
                b"PRIVMSG #a :caf\xe9\r\n",
                "PRIVMSG #a :café\r\n".as_bytes(),
            ],
        );
        assert_eq!(frames[0][0], 0x81);
        assert_eq!(&frames[1][..], "PRIVMSG #a :caf\u{FFFD}".as_bytes());
        // Valid lines are the same bytes (shared, not copied).
        assert_eq!(&frames[3][..], "PRIVMSG #a :café".as_bytes());
    }

    #[tokio::test]
    async fn nothing_follows_the_close_frame() {
        let (mut socket, client) = websocket(Framing::Text).await;
        socket.close_notify();
        let mut batch = VecDeque::from([Bytes::from_static(b"late\r\n")]);
        // The Close frame, then the end of the transport underneath.
        for _ in 0..2 {
            socket.write_some(&mut batch).expect("write");
        }
        assert!(batch.is_empty() && socket.out.is_empty() && !socket.wants_write());
        let mut frame = [0u8; 16];
        client.readable().await.expect("readable");
        let n = client
            .try_read(&mut frame)
            .expect("the close frame arrived");
        assert_eq!(&frame[..n], [0x88, 2, 0x03, 0xe8]);
    }
}
