//! Each client's bounded send queue and the task that drains it.
//!
//! The hub never writes to a socket: it pushes shared, already serialised
//! lines (`Bytes`) into the recipient's `Outbox` and moves on, so a slow
//! reader can never make anyone else wait. The queue is bounded in bytes;
//! the line that would overflow it closes the outbox instead, with
//! `ERROR :SendQ exceeded` as its last line, and the connection is torn
//! down. The writer takes everything queued at once and hands it to the
//! kernel in one vectored write.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Mutex;

use bytes::{Buf, Bytes};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Why an outbox stopped taking lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The client quit, was killed, or the server is shutting down; the
    /// string is the quit reason others see.
    Closed(String),
    /// The client did not read and its queue filled up.
    SendQExceeded,
}

#[derive(Debug)]
pub struct Outbox {
    inner: Mutex<Queue>,
    /// Wakes the writer when lines arrive or the outbox closes.
    ready: Notify,
    /// Fires when the outbox closes, so the reader stops too.
    closed: CancellationToken,
    /// Queue bound in bytes.
    limit: usize,
}

#[derive(Debug, Default)]
struct Queue {
    lines: VecDeque<Bytes>,
    bytes: usize,
    close: Option<CloseReason>,
}

impl Outbox {
    pub fn new(limit: usize) -> Self {
        Outbox {
            inner: Mutex::new(Queue::default()),
            ready: Notify::new(),
            closed: CancellationToken::new(),
            limit,
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A panic while holding this lock cannot leave the queue invalid
        // (every mutation is a single push or drain), so poisoning is moot.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues one line. A line that would pass the limit closes the
    /// outbox with `ERROR :SendQ exceeded` instead. Lines sent after close
    /// are dropped.
    pub fn send(&self, line: Bytes) {
        let mut queue = self.queue();
        if queue.close.is_some() {
            return;
        }
        if queue.bytes + line.len() > self.limit {
            queue
                .lines
                .push_back(Bytes::from_static(b"ERROR :SendQ exceeded\r\n"));
            queue.close = Some(CloseReason::SendQExceeded);
            drop(queue);
            self.closed.cancel();
        } else {
            // The writer was woken by whichever line made the queue
            // non-empty, and takes everything queued when it runs, so only
            // that line needs to wake it: under load most pushes skip the
            // wake-up entirely.
            let was_empty = queue.lines.is_empty();
            queue.bytes += line.len();
            queue.lines.push_back(line);
            drop(queue);
            if !was_empty {
                return;
            }
        }
        self.ready.notify_one();
    }

    /// Queues the last lines (ignoring the limit: they are bounded and
    /// worth telling) and closes the outbox. Does nothing when already
    /// closed.
    pub fn close(&self, reason: CloseReason, last_lines: &[Bytes]) {
        let mut queue = self.queue();
        if queue.close.is_some() {
            return;
        }
        queue.lines.extend(last_lines.iter().cloned());
        queue.close = Some(reason);
        drop(queue);
        self.closed.cancel();
        self.ready.notify_one();
    }

    /// Takes every queued line at once, without a writer (benchmarks and
    /// tests that look at what a client would have been sent).
    pub fn take_queued(&self) -> Vec<Bytes> {
        let mut queue = self.queue();
        queue.bytes = 0;
        queue.lines.drain(..).collect()
    }

    /// Why the outbox closed, if it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.queue().close.clone()
    }

    /// Completes when the outbox closes.
    pub async fn closed(&self) {
        self.closed.cancelled().await;
    }

    /// Moves every queued line into `batch`; waits while the queue is empty
    /// and open. Returns false once closed and drained.
    async fn next_batch(&self, batch: &mut Vec<Bytes>) -> bool {
        loop {
            {
                let mut queue = self.queue();
                if !queue.lines.is_empty() {
                    // Take the queue's storage along: an idle connection
                    // keeps no buffer sized for its last burst.
                    batch.extend(std::mem::take(&mut queue.lines));
                    queue.bytes = 0;
                    return true;
                }
                if queue.close.is_some() {
                    return false;
                }
            }
            self.ready.notified().await;
        }
    }

    /// Drains the outbox into `writer` until it is closed and empty, then
    /// shuts the write side down so the peer sees EOF after the last line.
    pub async fn drain_into<W: AsyncWrite + Unpin>(&self, mut writer: W) -> std::io::Result<()> {
        let mut batch = Vec::new();
        while self.next_batch(&mut batch).await {
            write_all_vectored(&mut writer, &mut batch).await?;
            // Nor a batch's worth of slots.
            batch = Vec::new();
        }
        writer.shutdown().await
    }
}

/// Writes every buffer, as few syscalls as the kernel allows.
async fn write_all_vectored<W: AsyncWrite + Unpin>(
    writer: &mut W,
    batch: &mut Vec<Bytes>,
) -> std::io::Result<()> {
    // Linux takes at most IOV_MAX (1024) slices per call.
    const MAX_SLICES: usize = 1024;
    let mut first = 0;
    while first < batch.len() {
        let end = batch.len().min(first + MAX_SLICES);
        let slices: Vec<IoSlice<'_>> = batch[first..end].iter().map(|b| IoSlice::new(b)).collect();
        let mut written = writer.write_vectored(&slices).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while written > 0 {
            let head = &mut batch[first];
            if written >= head.len() {
                written -= head.len();
                first += 1;
            } else {
                head.advance(written);
                written = 0;
            }
        }
    }
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drains_in_order_then_eof() {
        let outbox = Outbox::new(100);
        outbox.send(Bytes::from_static(b"one\r\n"));
        outbox.send(Bytes::from_static(b"two\r\n"));
        outbox.close(
            CloseReason::Closed("bye".into()),
            &[Bytes::from_static(b"ERROR :bye\r\n")],
        );
        outbox.send(Bytes::from_static(b"late\r\n"));
        let mut out = Vec::new();
        outbox.drain_into(&mut out).await.expect("drain");
        assert_eq!(out, b"one\r\ntwo\r\nERROR :bye\r\n");
    }

    #[tokio::test]
    async fn overflow_closes_with_sendq_exceeded() {
        let outbox = Outbox::new(10);
        outbox.send(Bytes::from_static(b"12345678\r\n"));
        outbox.send(Bytes::from_static(b"x\r\n"));
        assert_eq!(outbox.close_reason(), Some(CloseReason::SendQExceeded));
        let mut out = Vec::new();
        outbox.drain_into(&mut out).await.expect("drain");
        assert_eq!(out, b"12345678\r\nERROR :SendQ exceeded\r\n");
    }
}
