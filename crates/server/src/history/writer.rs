//! The writer thread: group commit, then release in order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::{Job, Released, Store, Stored};
use crate::state::State;

/// Most jobs in one transaction: bounds how long the first of them waits.
const MAX_BATCH: usize = 4096;
/// How often retention runs (between batches, on this thread, so the hub
/// never waits for it).
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What retention keeps.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub keep_per_target: Option<usize>,
    pub keep_for: Option<Duration>,
}

pub fn run(
    mut store: Store,
    queue: Receiver<Job>,
    state: Weak<Mutex<State>>,
    released: Arc<Released>,
    retention: Retention,
) {
    prune(&mut store, retention);
    let mut last_prune = Instant::now();
    let mut batch = Vec::new();
    let mut ticket = 0;
    loop {
        if last_prune.elapsed() >= PRUNE_EVERY {
            prune(&mut store, retention);
            last_prune = Instant::now();
        }
        // Ends when the hub closes the history and the queue is empty.
        match queue.recv_timeout(PRUNE_EVERY) {
            Ok(first) => batch.push(first),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let horizons = match store.insert_jobs(batch.iter().map(|job| job.events.as_slice())) {
            Ok(horizons) => horizons,
            Err(error) => {
                // Keep the chat going (a full disk must not silence
                // everyone), and say so loudly.
                tracing::error!(%error, jobs = batch.len(), "history: could not store events");
                vec![store.last_row().unwrap_or(i64::MAX); batch.len()]
            }
        };
        let jobs = batch.len() as u64;
        match state.upgrade() {
            Some(state) => {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                for (job, horizon) in batch.drain(..).zip(horizons) {
                    ticket += 1;
                    let stored = Stored {
                        store: &store,
                        ticket,
                        horizon,
                    };
                    // A bug in one release must not stop every later
                    // message (and every client waiting on one).
                    let release = job.release;
                    let state = &mut *state;
                    if catch_unwind(AssertUnwindSafe(move || release(state, Some(stored)))).is_err()
                    {
                        tracing::error!(ticket, "history: a release panicked");
                    }
                }
            }
            None => {
                ticket += jobs;
                batch.clear();
            }
        }
        released.advance(jobs);
    }
}

fn prune(store: &mut Store, retention: Retention) {
    if retention.keep_per_target.is_none() && retention.keep_for.is_none() {
        return;
    }
    let older_than = retention
        .keep_for
        .map(|age| crate::clock::now_millis().saturating_sub(age.as_millis() as u64));
    match store.prune(retention.keep_per_target, older_than) {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "history: retention removed old events"),
        Err(error) => tracing::warn!(%error, "history: retention failed"),
    }
}
