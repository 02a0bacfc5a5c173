//! What a connection reads from and writes to: TCP as it comes, or TLS
//! over TCP (and a WebSocket over either, `net::web::websocket`). `Connection` is generic over [`Transport`], so the TCP path
//! is the same code and the same future as before TLS existed (no enum
//! tag, no branch, no extra field in every idle connection), and TLS is a
//! second instance of it.
//!
//! Both are readiness-driven: the connection waits for the socket and
//! then reads or writes without blocking. For TLS that means driving
//! rustls' `ServerConnection` by hand after tokio-rustls has done the
//! handshake (`net/tls.rs`): records are read from the socket only when
//! no decrypted bytes wait, and encrypted records are written before any
//! more of the outbox is taken.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use rustls::ServerConnection;
use tokio::net::TcpStream;

use super::write;
use crate::config::tls;

/// A byte stream a connection task serves.
pub(crate) trait Transport: Send + Sync + 'static {
    /// Whether the client's traffic is encrypted (user mode `+Z`, WHOIS 671).
    const SECURE: bool;

    /// Whether only IRC comes this way (a WebSocket carries IRC lines by
    /// definition): no plain mode, no sniffing of other protocols.
    const IRC_ONLY: bool = false;

    /// The TCP socket underneath (socket options, the final FIN).
    fn tcp(&self) -> &TcpStream;

    /// Ready when a read may give bytes (or EOF, or an error).
    fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Appends what can be read without blocking to `buf`: `Ok(0)` is
    /// EOF, `WouldBlock` means wait for readiness again.
    fn try_read_buf(&mut self, buf: &mut BytesMut) -> io::Result<usize>;

    /// Ready when a write may make progress.
    fn poll_write_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Writes from the front of `batch` without blocking; fully written
    /// lines leave it. `WouldBlock` when the socket is full.
    fn write_some(&mut self, batch: &mut VecDeque<Bytes>) -> io::Result<()>;

    /// True while bytes taken from a batch are still to be written to the
    /// socket (TLS records); never for TCP, which writes straight through.
    fn wants_write(&self) -> bool {
        false
    }

    /// The SHA-256 of the client's TLS certificate (lowercase hex), if it
    /// presented one.
    fn client_cert_fingerprint(&self) -> Option<String> {
        None
    }

    /// Queues the end of the stream above TCP (TLS's `close_notify`),
    /// written by the next writes.
    fn close_notify(&mut self) {}
}

impl Transport for TcpStream {
    const SECURE: bool = false;

    fn tcp(&self) -> &TcpStream {
        self
    }

    #[inline]
    fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TcpStream::poll_read_ready(self, cx)
    }

    #[inline]
    fn try_read_buf(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        TcpStream::try_read_buf(self, buf)
    }

    #[inline]
    fn poll_write_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TcpStream::poll_write_ready(self, cx)
    }

    #[inline]
    fn write_some(&mut self, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
        write::write_some(self, batch)
    }
}

/// Reads take at most this much per syscall (and rustls gives this much
/// decrypted per read); a buffer only grows for long lines, bounded by
/// the codec's limit or the caller's.
const READ_CHUNK: usize = 4096;

/// Makes room for one read in `buf` when less than half a chunk is left.
pub(crate) fn reserve_read(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < READ_CHUNK / 2 {
        buf.reserve(READ_CHUNK);
    }
}

/// A TCP socket carrying TLS, after the handshake.
pub(crate) struct TlsStream {
    socket: TcpStream,
    /// Boxed: the session is a few kilobytes, and the connection future
    /// that holds this stays small.
    tls: Box<ServerConnection>,
}

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl TlsStream {
    pub(crate) fn new(socket: TcpStream, tls: ServerConnection) -> Self {
        TlsStream {
            socket,
            tls: Box::new(tls),
        }
    }

    /// Writes queued records until none are left (`Ok`) or the socket is
    /// full (`WouldBlock`).
    fn flush_records(&mut self) -> io::Result<()> {
        while self.tls.wants_write() {
            if self.tls.write_tls(&mut NonBlocking(&self.socket))? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }
}

impl Transport for TlsStream {
    const SECURE: bool = true;

    fn tcp(&self) -> &TcpStream {
        &self.socket
    }

    fn poll_read_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Decrypted bytes already waiting need no socket readiness (a read
        // takes one chunk of them at a time).
        match self.tls.process_new_packets() {
            Ok(state) if state.plaintext_bytes_to_read() == 0 && !state.peer_has_closed() => {
                self.socket.poll_read_ready(cx)
            }
            // Waiting bytes, the peer's close, or an error that the read
            // reports.
            _ => Poll::Ready(Ok(())),
        }
    }

    fn try_read_buf(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        loop {
            let len = buf.len();
            buf.resize(len + READ_CHUNK, 0);
            let read = self.tls.reader().read(&mut buf[len..]);
            buf.truncate(len + *read.as_ref().unwrap_or(&0));
            match read {
                // Decrypted bytes, or the peer's close_notify (EOF).
                Ok(n) => return Ok(n),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                // The peer closed TCP without close_notify: EOF all the same.
                Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(error) => return Err(error),
            }
            // Nothing decrypted waits: more records from the socket.
            if self.tls.read_tls(&mut NonBlocking(&self.socket))? == 0 {
                return Ok(0);
            }
            if let Err(error) = self.tls.process_new_packets() {
                // The alert rustls queued tells the peer why, if it fits.
                let _ = self.flush_records();
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
        }
    }

    fn poll_write_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.socket.poll_write_ready(cx)
    }

    fn write_some(&mut self, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
        // Records made earlier go first: rustls' buffer is bounded, and
        // the order of lines is the order of records.
        self.flush_records()?;
        if batch.is_empty() {
            return Ok(());
        }
        let accepted =
            write::with_slices(batch, |slices| self.tls.writer().write_vectored(slices))?;
        write::advance(batch, accepted);
        match self.flush_records() {
            // What did not fit in the socket waits in rustls (`wants_write`).
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(()),
            result => result,
        }
    }

    fn wants_write(&self) -> bool {
        self.tls.wants_write()
    }

    fn client_cert_fingerprint(&self) -> Option<String> {
        let leaf = self.tls.peer_certificates()?.first()?;
        Some(tls::cert_fingerprint(leaf.as_ref()))
    }

    fn close_notify(&mut self) {
        self.tls.send_close_notify();
    }
}

/// `Read`/`Write` over a tokio socket's non-blocking calls, for rustls.
struct NonBlocking<'a>(&'a TcpStream);

impl Read for NonBlocking<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

impl Write for NonBlocking<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes the whole batch (and, for TLS, every record made of it),
/// waiting for the socket as needed.
pub(crate) async fn write_all<T: Transport>(
    socket: &mut T,
    batch: &mut VecDeque<Bytes>,
) -> io::Result<()> {
    while !batch.is_empty() || socket.wants_write() {
        poll_fn(|cx| socket.poll_write_ready(cx)).await?;
        match socket.write_some(batch) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            result => result?,
        }
    }
    Ok(())
}

/// Sends FIN, then reads and drops what the peer still sends until it
/// closes (or `deadline`), so that unread input does not turn the close
/// into a reset that could destroy the last bytes in flight.
pub(crate) async fn end_tcp(tcp: &TcpStream, deadline: tokio::time::Instant) {
    let _ = socket2::SockRef::from(tcp).shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 1024];
    while let Ok(Ok(())) = tokio::time::timeout_at(deadline, tcp.readable()).await {
        match tcp.try_read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
    }
}
