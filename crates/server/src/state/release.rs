//! The seam's local implementation: entries are committed to the SQLite
//! history (group commit on its writer thread, see
//! [`history`](crate::history)), and the releaser — a task on the
//! server's runtime — runs the committed entries' releases, in commit
//! order, under one hub lock per batch. On a runtime worker, the
//! recipients it wakes are scheduled locally, which costs far less than
//! waking them from another thread.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};

use ciao_proto::Message;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::history::{
    Committed, History, HistoryConfig, HistoryError, Job, Loaded, Then, Transition,
};
use crate::state::State;
use crate::state::client::Protocol;
use crate::state::publisher::{CommitLog, Due, Entry, Release, Released};
use crate::state::stored::Stored;

/// The SQLite history behind the seam, and the task releasing what it
/// committed.
#[derive(Debug)]
pub(crate) struct LocalLog {
    history: History<Due>,
    releaser: Option<tokio::task::JoinHandle<()>>,
}

impl LocalLog {
    /// Opens the store, starts its writer and the releaser (on the
    /// current runtime); returns what the store keeps in memory too.
    pub(super) fn start(
        config: HistoryConfig,
        state: Weak<Mutex<State>>,
        released: Arc<Released>,
    ) -> Result<(Self, Loaded), HistoryError> {
        let (history, loaded, batches) = History::start(config)?;
        let releaser = tokio::spawn(run(batches, state, released));
        let log = LocalLog {
            history,
            releaser: Some(releaser),
        };
        Ok((log, loaded))
    }
}

impl CommitLog for LocalLog {
    fn submit(&mut self, entry: Entry) -> u64 {
        let answers = entry.answers;
        let then = match entry.release {
            Release::Apply(effect) => Then::Ready(Due::apply(answers, effect)),
            Release::Read(read) => Then::Read(Box::new(move |store, horizon| {
                Due::deliver(answers, read(store, horizon))
            })),
        };
        self.history.submit(Job {
            first_row: entry.first_row,
            events: entry.events,
            changes: entry.changes,
            then,
        })
    }

    fn submitted(&self) -> u64 {
        self.history.submitted()
    }

    fn replay_lines(&self) -> usize {
        self.history.config.replay_lines
    }

    fn close(mut self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let releaser = self.releaser.take();
        let history = self.history;
        Box::pin(async move {
            // The writer ends once it has committed every queued job; the
            // releaser ends after the writer.
            history.close().await;
            if let Some(releaser) = releaser
                && releaser.await.is_err()
            {
                tracing::error!("history releaser failed");
            }
        })
    }
}

/// Releases batches until the writer is gone.
async fn run(
    mut batches: UnboundedReceiver<Committed<Due>>,
    state: Weak<Mutex<State>>,
    released: Arc<Released>,
) {
    let mut ticket = 0;
    while let Some(batch) = batches.recv().await {
        let count = batch.jobs.len() as u64;
        if let Some(state) = state.upgrade() {
            crate::link::wakes::batched(|| release(&state, batch, &mut ticket));
        } else {
            ticket += count;
        }
        released.advance(count);
    }
}

/// Runs one committed batch's releases under one hub lock; the
/// recipients are woken once, when the lock is released.
fn release(state: &Mutex<State>, batch: Committed<Due>, ticket: &mut u64) {
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(transition) = &batch.transition {
        tell_operators(&mut state, transition);
    }
    for done in batch.jobs {
        *ticket += 1;
        let stored = Stored {
            ticket: *ticket,
            committed: batch.committed,
        };
        // A read that panicked hands back nothing, but its place in the
        // order is still counted.
        let Some(due) = done.payload else {
            continue;
        };
        // A bug in one release must not stop every later message (and
        // every client waiting on one).
        state.set_releasing(Some(*ticket));
        let state_ref = &mut *state;
        if catch_unwind(AssertUnwindSafe(move || due.run(state_ref, Some(stored)))).is_err() {
            tracing::error!(ticket = *ticket, "history: a release panicked");
        }
        state.set_releasing(None);
    }
}

/// A server NOTICE to every IRC operator online.
fn tell_operators(state: &mut State, transition: &Transition) {
    let text = match transition {
        Transition::Failing(error) => format!(
            "*** History store failing ({error}): messages are refused until it can store them again"
        ),
        Transition::Recovered => {
            "*** History store recovered: messages are stored and delivered again".to_owned()
        }
    };
    let mut split = state.split();
    for client in split.registry.iter() {
        if client.oper && client.protocol == Protocol::Irc {
            let notice = Message::new("NOTICE", [client.nick.as_str(), text.as_str()])
                .with_source(split.config.server_name.clone());
            split.sink.deliver_aside(client, notice.to_bytes());
        }
    }
}
