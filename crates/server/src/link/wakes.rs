//! Waking recipients once per batch of lines rather than once per line.
//!
//! A connection that handles a read holding many lines, or the releaser
//! handling a batch of stored messages, runs inside [`batched`]: the
//! connection tasks its lines wake are woken when the whole batch is
//! queued (and the hub lock released), so each of them writes the batch in
//! one `writev` instead of racing the sender line by line.

use std::cell::RefCell;
use std::task::Waker;

/// Wakes held back by the `batched` call running on a thread.
#[derive(Default)]
struct Held {
    /// True while a `batched` call runs on this thread.
    active: bool,
    /// The wakes it caused. The storage stays with the thread (a fan-out
    /// to a thousand members would otherwise grow a new vector through
    /// ten reallocations for every message), unless a rare burst made it
    /// larger than `KEPT_WAKES`.
    wakers: Vec<Waker>,
}

/// Wakes whose storage a thread keeps between batches.
const KEPT_WAKES: usize = 4096;

thread_local! {
    static HELD: RefCell<Held> = RefCell::new(Held::default());
}

/// Runs `work`, holding back the wakes it causes until it returns.
/// Nested calls join the outer batch.
pub(crate) fn batched<R>(work: impl FnOnce() -> R) -> R {
    let outer = HELD.with(|held| std::mem::replace(&mut held.borrow_mut().active, true));
    // Wake even if `work` panics, so nobody sleeps on a queued line.
    struct Release(bool);
    impl Drop for Release {
        fn drop(&mut self) {
            if self.0 {
                return;
            }
            let mut wakers = HELD.with(|held| {
                let mut held = held.borrow_mut();
                held.active = false;
                std::mem::take(&mut held.wakers)
            });
            // Woken outside the borrow: a waker may run code that wakes.
            for waker in wakers.drain(..) {
                waker.wake();
            }
            if wakers.capacity() <= KEPT_WAKES {
                HELD.with(|held| {
                    let mut held = held.borrow_mut();
                    if held.wakers.capacity() == 0 {
                        held.wakers = wakers;
                    }
                });
            }
        }
    }
    let _release = Release(outer);
    work()
}

/// Wakes `waker` now, or at the end of the running batch.
pub(crate) fn wake(waker: Waker) {
    let waker = HELD.with(|held| {
        let mut held = held.borrow_mut();
        if held.active {
            held.wakers.push(waker);
            None
        } else {
            Some(waker)
        }
    });
    if let Some(waker) = waker {
        waker.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn wakes_wait_for_the_end_of_the_batch() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        batched(|| {
            wake(waker.clone());
            batched(|| wake(waker.clone()));
            assert_eq!(count.0.load(Ordering::SeqCst), 0, "held back, nested too");
        });
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        wake(waker);
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            3,
            "outside a batch: at once"
        );
    }
}
