//! The writer thread: group commit. It stores every job that queued up
//! during the previous commit in one transaction, then hands the batch to
//! the releaser.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::release::Committed;
use super::{Job, Store};

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
    committed: UnboundedSender<Committed>,
    retention: Retention,
) {
    prune(&mut store, retention);
    let mut last_prune = Instant::now();
    loop {
        if last_prune.elapsed() >= PRUNE_EVERY {
            prune(&mut store, retention);
            last_prune = Instant::now();
        }
        // Ends when the hub closes the history and the queue is empty.
        let mut jobs = match queue.recv_timeout(PRUNE_EVERY) {
            Ok(first) => vec![first],
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let horizons = match store.insert_jobs(jobs.iter().map(|job| job.events.as_slice())) {
            Ok(horizons) => horizons,
            Err(error) => {
                // Keep the chat going (a full disk must not silence
                // everyone), and say so loudly.
                tracing::error!(%error, jobs = jobs.len(), "history: could not store events");
                vec![store.last_row().unwrap_or(i64::MAX); jobs.len()]
            }
        };
        // Read markers and redactions, after the lines they may refer to.
        let changes: Vec<_> = jobs
            .iter()
            .flat_map(|job| job.changes.iter().cloned())
            .collect();
        if !changes.is_empty()
            && let Err(error) = store.apply_changes(&changes)
        {
            tracing::error!(%error, "history: could not store read markers or redactions");
        }
        // Only now may anyone see them.
        if committed.send(Committed { jobs, horizons }).is_err() {
            return;
        }
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
