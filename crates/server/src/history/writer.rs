//! The writer thread: group commit. It stores every job that queued up
//! during the previous commit in one transaction, makes the batch's
//! reads, then hands the payloads back.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::health::Health;
use super::{Committed, Done, Job, Store, Then, budget};

/// Most jobs in one transaction: bounds how long the first of them waits.
const MAX_BATCH: usize = 4096;
/// How often retention runs (between batches, on this thread, so the hub
/// never waits for it).
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What retention keeps.
#[derive(Debug, Clone, Copy)]
pub(super) struct Retention {
    /// Most events kept per conversation.
    pub(crate) keep_per_target: Option<usize>,
    /// Oldest events kept.
    pub(crate) keep_for: Option<Duration>,
    /// Most bytes the store may use: checked after every batch, which
    /// adds at most `MAX_BATCH` lines between checks.
    pub(crate) max_bytes: Option<u64>,
}

pub(super) fn run<P>(
    mut store: Store,
    queue: Receiver<Job<P>>,
    released: UnboundedSender<Committed<P>>,
    retention: Retention,
) {
    let mut health = Health::default();
    prune(&mut store, retention);
    if let Some(max_bytes) = retention.max_bytes {
        trim(&mut store, max_bytes);
    }
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
        let events = jobs
            .iter()
            .map(|job| (job.first_row, job.events.as_slice()));
        // Read markers and redactions, after the lines they may refer to,
        // in the same transaction: a batch is stored whole or not at all.
        let changes: Vec<_> = jobs
            .iter()
            .flat_map(|job| job.changes.iter().cloned())
            .collect();
        let (committed, horizons, transition) = match store.commit(events, &changes) {
            Ok(horizons) => (true, horizons, health.succeeded()),
            Err(error) => {
                // Not delivered: nobody may see what the store lost. Later
                // batches keep trying, so the store recovers by itself
                // when the disk has room again.
                let transition = health.failed(&error, jobs.len());
                let horizon = store.last_row().unwrap_or(i64::MAX);
                (false, vec![horizon; jobs.len()], transition)
            }
        };
        // Replays and queries read here, at their job's horizon, so that
        // whoever takes the payloads holds no lock to read.
        let jobs = read(&store, jobs, &horizons);
        if committed && let Some(max_bytes) = retention.max_bytes {
            trim(&mut store, max_bytes);
        }
        // Only now may anyone see them.
        let batch = Committed {
            jobs,
            committed,
            transition,
        };
        if released.send(batch).is_err() {
            return;
        }
    }
}

/// Makes the reads of `jobs`, each at its horizon, turning every job
/// into its payload. A read that fails says so in what it returns; one
/// that panics (a bug) hands back nothing.
fn read<P>(store: &Store, jobs: Vec<Job<P>>, horizons: &[i64]) -> Vec<Done<P>> {
    jobs.into_iter()
        .zip(horizons)
        .map(|(job, &horizon)| {
            let payload = match job.then {
                Then::Ready(payload) => Some(payload),
                Then::Read(read) => match catch_unwind(AssertUnwindSafe(|| read(store, horizon))) {
                    Ok(payload) => Some(payload),
                    Err(_) => {
                        tracing::error!("history: a read panicked");
                        None
                    }
                },
            };
            Done { payload, horizon }
        })
        .collect()
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

fn trim(store: &mut Store, max_bytes: u64) {
    match budget::enforce(store, max_bytes) {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(
            deleted,
            max_bytes,
            "history: the size budget removed the oldest events"
        ),
        Err(error) => tracing::warn!(%error, "history: the size budget could not be enforced"),
    }
}
