//! Each client's bounded send queue.
//!
//! The hub never writes to a socket: it pushes shared, already serialised
//! lines (`Bytes`) into the recipient's `Outbox` and moves on, so a slow
//! reader can never make anyone else wait. The queue is bounded in bytes;
//! the line that would overflow it closes the outbox instead, with
//! `ERROR :SendQ exceeded` as its last line, and the connection is torn
//! down. The connection task takes everything queued at once and hands it
//! to the kernel in one vectored write.
//!
//! The queue keeps the connection task's waker itself rather than a
//! `Notify`: the push that makes the queue non-empty already holds the
//! lock, so waking costs one take of an `Option<Waker>`, and an idle
//! connection carries no waiter node.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;

use bytes::Bytes;

/// Why an outbox stopped taking lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CloseReason {
    /// The client quit, was killed, or the server is shutting down; the
    /// string is the quit reason others see.
    Closed(String),
    /// The client did not read and its queue filled up.
    SendQExceeded,
}

#[derive(Debug)]
pub struct Outbox {
    inner: Mutex<Queue>,
    /// Set with `Queue::close`, readable without the lock by a connection
    /// that is waiting for its socket rather than for lines.
    closed: AtomicBool,
    /// Set while a long answer (a `LIST` of many channels) is sent piece
    /// by piece: the connection asks for the next piece each time its
    /// queue has drained, and handles none of the client's lines
    /// meanwhile, so the answer stays whole.
    continuing: AtomicBool,
    /// Queue bound in bytes.
    limit: usize,
}

#[derive(Debug, Default)]
struct Queue {
    lines: VecDeque<Bytes>,
    bytes: usize,
    /// Boxed: every connection has a queue, few a reason.
    close: Option<Box<CloseReason>>,
    /// The connection task, woken by the line that makes the queue
    /// non-empty and by the close. It stays registered while the task
    /// waits for the socket, so a close still reaches it then.
    waiting: Option<Waker>,
}

/// Lines whose storage an empty queue (or a connection's empty batch)
/// keeps: at everyday load a recipient gets a line or a few at a time,
/// and its queue and batch trade two buffers this small instead of one
/// allocated by the sender's thread and freed by the recipient's for
/// every line (which made the allocator's arenas contend). A larger
/// buffer is what a burst left, and an idle connection keeps none.
pub(crate) const KEPT_LINES: usize = 4;

/// Frees an empty queue's storage unless it is small (`KEPT_LINES`).
pub(crate) fn keep_if_small(lines: &mut VecDeque<Bytes>) {
    debug_assert!(lines.is_empty());
    if lines.capacity() > KEPT_LINES {
        *lines = VecDeque::new();
    }
}

/// What [`Outbox::take`] found besides the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Open: more lines may come; the waker is registered if nothing was
    /// taken.
    Open,
    /// Closed: whatever was taken is the last of it.
    Closed,
}

impl Outbox {
    pub fn new(limit: usize) -> Self {
        Outbox {
            inner: Mutex::new(Queue::default()),
            closed: AtomicBool::new(false),
            continuing: AtomicBool::new(false),
            limit,
        }
    }

    /// Marks whether an answer is being sent piece by piece.
    pub(crate) fn set_continuing(&self, continuing: bool) {
        self.continuing.store(continuing, Ordering::Release);
    }

    /// True while an answer is being sent piece by piece.
    pub(crate) fn is_continuing(&self) -> bool {
        self.continuing.load(Ordering::Acquire)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A panic while holding this lock cannot leave the queue invalid
        // (every mutation is a single push or drain), so poisoning is moot.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues one line. A line that would pass the limit closes the
    /// outbox with `ERROR :SendQ exceeded` instead. Lines sent after close
    /// are dropped.
    pub(crate) fn send(&self, line: Bytes) {
        let mut queue = self.queue();
        if queue.close.is_some() {
            return;
        }
        // The connection task takes everything queued when it runs, so
        // only the line that makes the queue non-empty needs to wake it:
        // under load most pushes skip the wake-up entirely.
        let wake = if queue.bytes + line.len() > self.limit {
            queue
                .lines
                .push_back(Bytes::from_static(b"ERROR :SendQ exceeded\r\n"));
            queue.close = Some(Box::new(CloseReason::SendQExceeded));
            self.closed.store(true, Ordering::Release);
            queue.waiting.clone()
        } else {
            let was_empty = queue.lines.is_empty();
            queue.bytes += line.len();
            queue.lines.push_back(line);
            if was_empty {
                queue.waiting.clone()
            } else {
                None
            }
        };
        drop(queue);
        if let Some(waker) = wake {
            crate::link::wakes::wake(waker);
        }
    }

    /// Queues the last lines (ignoring the limit: they are bounded and
    /// worth telling) and closes the outbox. Does nothing when already
    /// closed.
    pub(crate) fn close(&self, reason: CloseReason, last_lines: &[Bytes]) {
        let mut queue = self.queue();
        if queue.close.is_some() {
            return;
        }
        queue.lines.extend(last_lines.iter().cloned());
        queue.close = Some(Box::new(reason));
        self.closed.store(true, Ordering::Release);
        let wake = queue.waiting.clone();
        drop(queue);
        if let Some(waker) = wake {
            crate::link::wakes::wake(waker);
        }
    }

    /// Moves every queued line into `batch`, which must be empty, and
    /// registers `waker` for the next line or the close.
    pub(crate) fn take(&self, batch: &mut VecDeque<Bytes>, waker: &Waker) -> Status {
        debug_assert!(batch.is_empty());
        let mut queue = self.queue();
        match &mut queue.waiting {
            Some(waiting) => waiting.clone_from(waker),
            waiting => *waiting = Some(waker.clone()),
        }
        if queue.lines.is_empty() {
            // Going idle: keep no storage sized for the last burst.
            keep_if_small(&mut queue.lines);
        } else {
            // Swap storage instead of copying: under load the two buffers
            // trade places and nothing is allocated.
            std::mem::swap(&mut queue.lines, batch);
            queue.bytes = 0;
        }
        match queue.close {
            Some(_) => Status::Closed,
            None => Status::Open,
        }
    }

    /// Forgets the connection task's waker (it has ended).
    pub(crate) fn forget_waker(&self) {
        self.queue().waiting = None;
    }

    /// Takes every queued line at once, without a connection (benchmarks
    /// and tests that look at what a client would have been sent).
    pub fn take_queued(&self) -> Vec<Bytes> {
        let mut queue = self.queue();
        queue.bytes = 0;
        queue.lines.drain(..).collect()
    }

    /// True once the outbox is closed (lines may still be queued).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Why the outbox closed, if it did.
    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        self.queue().close.as_deref().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    #[derive(Default)]
    struct CountWakes(AtomicUsize);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<CountWakes>, Waker) {
        let count = Arc::new(CountWakes::default());
        (count.clone(), Waker::from(count))
    }

    fn text(batch: &VecDeque<Bytes>) -> Vec<u8> {
        batch.iter().flat_map(|line| line.to_vec()).collect()
    }

    #[test]
    fn takes_in_order_then_reports_the_close() {
        let (_, waker) = waker();
        let outbox = Outbox::new(100);
        outbox.send(Bytes::from_static(b"one\r\n"));
        outbox.send(Bytes::from_static(b"two\r\n"));
        outbox.close(
            CloseReason::Closed("bye".into()),
            &[Bytes::from_static(b"ERROR :bye\r\n")],
        );
        outbox.send(Bytes::from_static(b"late\r\n"));
        let mut batch = VecDeque::new();
        assert_eq!(outbox.take(&mut batch, &waker), Status::Closed);
        assert_eq!(text(&batch), b"one\r\ntwo\r\nERROR :bye\r\n");
        batch.clear();
        assert_eq!(outbox.take(&mut batch, &waker), Status::Closed);
        assert!(batch.is_empty());
    }

    #[test]
    fn overflow_closes_with_sendq_exceeded() {
        let (_, waker) = waker();
        let outbox = Outbox::new(10);
        outbox.send(Bytes::from_static(b"12345678\r\n"));
        outbox.send(Bytes::from_static(b"x\r\n"));
        assert_eq!(outbox.close_reason(), Some(CloseReason::SendQExceeded));
        let mut batch = VecDeque::new();
        assert_eq!(outbox.take(&mut batch, &waker), Status::Closed);
        assert_eq!(text(&batch), b"12345678\r\nERROR :SendQ exceeded\r\n");
    }

    #[test]
    fn only_the_first_line_after_a_take_wakes() {
        let (wakes, waker) = waker();
        let outbox = Outbox::new(100);
        let mut batch = VecDeque::new();
        assert_eq!(outbox.take(&mut batch, &waker), Status::Open);
        outbox.send(Bytes::from_static(b"a\r\n"));
        outbox.send(Bytes::from_static(b"b\r\n"));
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert_eq!(outbox.take(&mut batch, &waker), Status::Open);
        assert_eq!(text(&batch), b"a\r\nb\r\n");
        batch.clear();
        // Nothing queued: the waker is registered again, and the close
        // wakes it.
        assert_eq!(outbox.take(&mut batch, &waker), Status::Open);
        outbox.close(CloseReason::Closed("bye".into()), &[]);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
    }
}
