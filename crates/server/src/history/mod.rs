//! History that survives: every channel and private message is committed
//! to an SQLite store before anyone is sent it, and read back on join and
//! with IRCv3 `CHATHISTORY`.
//!
//! Group commit: handlers (under the hub lock) hand the writer thread a
//! [`Job`] — the events to store and what to do once they are stored (the
//! fan-out). The writer takes every job that queued up while it was
//! committing, stores them in one transaction, then runs their releases,
//! in order, under one hub lock. So nothing reaches a socket before it is
//! on disk, and many messages share one commit.

mod budget;
mod health;
mod release;
mod schema;
pub mod store;
mod writer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use ciao_proto::casemap::irc_lower;
use tokio::sync::Notify;

pub use schema::OpenError;
pub use store::{Anchor, Change, Event, ReadMarker, Scope, Store};

use crate::state::State;

/// What runs under the hub lock once a job is committed (its fan-out).
/// With history off it runs at once, in the handler, with `None`.
pub type Deliver = Box<dyn FnOnce(&mut State, Option<Stored>) + Send>;

/// A read of the store as it was when its job was submitted (the
/// horizon, a row id), made on the writer's thread once the job is
/// committed — never under the hub lock, which every client waits for —;
/// it returns what to deliver of what it read.
pub type Read = Box<dyn FnOnce(&Store, i64) -> Deliver + Send>;

/// What a job does once it is committed.
pub enum Release {
    /// Delivers, under the hub lock.
    Deliver(Deliver),
    /// Reads first (replay, CHATHISTORY), off the lock; then delivers.
    Read(Read),
}

impl std::fmt::Debug for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Release::Deliver(_) => "Release::Deliver",
            Release::Read(_) => "Release::Read",
        })
    }
}

impl Release {
    /// A job that only stores (events, read markers).
    pub fn nothing() -> Self {
        Release::Deliver(Box::new(|_, _| {}))
    }
}

/// What a release learns about its job.
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    /// The job's place in submission order (from 1).
    pub ticket: u64,
    /// The last row stored before this job's events: a read sees the
    /// history as it was when the job was submitted.
    pub horizon: i64,
    /// Whether the job's events and changes were committed. A message
    /// that was not is refused, never delivered (see [`refused`]).
    pub committed: bool,
}

/// Work for the writer: events to store and other changes (read
/// markers, redactions) to make, then their release.
pub struct Job {
    pub events: Vec<Event>,
    pub changes: Vec<Change>,
    pub release: Release,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("events", &self.events)
            .field("changes", &self.changes)
            .finish_non_exhaustive()
    }
}

/// Why the history could not start.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot create the data directory {dir}: {source}")]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot read the history store in {dir}: {source}")]
    Store {
        dir: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot start the history writer: {0}")]
    Thread(std::io::Error),
}

/// History settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryConfig {
    /// Directory of `history.sqlite3`.
    pub dir: PathBuf,
    /// Lines replayed to a client joining a channel.
    pub replay_lines: usize,
    /// Most events kept per conversation (`None`: no limit).
    pub keep_per_target: Option<usize>,
    /// Oldest events kept (`None`: forever).
    pub keep_for: Option<Duration>,
    /// Most bytes the store may use before the oldest events go
    /// (`None`: no budget).
    pub max_bytes: Option<u64>,
}

/// The default size budget: a store of this size holds millions of lines
/// and fits any disk the server runs on.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

impl HistoryConfig {
    pub fn new(dir: PathBuf) -> Self {
        HistoryConfig {
            dir,
            replay_lines: 50,
            keep_per_target: None,
            keep_for: None,
            max_bytes: Some(DEFAULT_MAX_BYTES),
        }
    }
}

/// Most messages one CHATHISTORY reply holds (ISUPPORT `CHATHISTORY=`).
pub const QUERY_LIMIT: usize = 100;

/// How many jobs the writer has released: connections wait on it so that
/// their next command is not handled before their last message went out.
#[derive(Debug, Default)]
pub struct Released {
    count: AtomicU64,
    notify: Notify,
}

impl Released {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    fn advance(&self, jobs: u64) {
        self.count.fetch_add(jobs, Ordering::AcqRel);
        self.notify.notify_waiters();
    }

    /// Completes once `ticket` jobs are released.
    pub async fn wait_for(&self, ticket: u64) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() >= ticket {
                return;
            }
            notified.await;
        }
    }
}

/// The hub's side of the history: where jobs go.
#[derive(Debug)]
pub struct History {
    jobs: mpsc::Sender<Job>,
    /// Jobs handed to the writer so far; a connection's ticket.
    submitted: u64,
    writer: Option<JoinHandle<()>>,
    releaser: Option<tokio::task::JoinHandle<()>>,
    pub config: HistoryConfig,
}

impl History {
    /// Opens the store and starts the writer thread; returns the read
    /// markers stored so far too.
    pub fn start(
        config: HistoryConfig,
        state: Weak<Mutex<State>>,
        released: Arc<Released>,
    ) -> Result<(Self, Vec<ReadMarker>), HistoryError> {
        std::fs::create_dir_all(&config.dir).map_err(|source| HistoryError::Dir {
            dir: config.dir.clone(),
            source,
        })?;
        let store = Store::open(&config.dir)?;
        let markers = store.read_markers().map_err(|source| HistoryError::Store {
            dir: config.dir.clone(),
            source,
        })?;
        let (jobs, queue) = mpsc::channel();
        let (committed, batches) = tokio::sync::mpsc::unbounded_channel();
        let retention = writer::Retention {
            keep_per_target: config.keep_per_target,
            keep_for: config.keep_for,
            max_bytes: config.max_bytes,
        };
        let writer = std::thread::Builder::new()
            .name("ciao-history".into())
            .spawn(move || writer::run(store, queue, committed, retention))
            .map_err(HistoryError::Thread)?;
        let releaser = tokio::spawn(release::run(batches, state, released));
        let history = History {
            jobs,
            submitted: 0,
            writer: Some(writer),
            releaser: Some(releaser),
            config,
        };
        Ok((history, markers))
    }

    /// Queues a job (under the hub lock, so queue order is the order of
    /// events); returns the ticket to wait for.
    pub fn submit(&mut self, job: Job) -> u64 {
        if self.jobs.send(job).is_ok() {
            self.submitted += 1;
        }
        self.submitted
    }

    /// Jobs submitted so far.
    pub fn submitted(&self) -> u64 {
        self.submitted
    }

    /// Stops taking jobs. Completes once every job already submitted is
    /// stored and released.
    pub async fn close(mut self) {
        let (writer, releaser) = (self.writer.take(), self.releaser.take());
        // Dropping the queue's sender lets the writer finish and end; the
        // releaser ends after the writer.
        drop(self);
        if let Some(writer) = writer {
            let joined = tokio::task::spawn_blocking(move || writer.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("history writer failed");
            }
        }
        if let Some(releaser) = releaser
            && releaser.await.is_err()
        {
            tracing::error!("history releaser failed");
        }
    }
}

/// The conversation key of a channel (its folded name) or of a private
/// conversation (the two folded nicks, sorted, space-separated: channel
/// names cannot hold a space, so the two kinds never collide).
pub fn conversation(target: &str, other_nick: Option<&str>) -> String {
    match other_nick {
        None => irc_lower(target),
        Some(other) => {
            let (a, b) = (irc_lower(target), irc_lower(other));
            if a <= b {
                format!("{a} {b}")
            } else {
                format!("{b} {a}")
            }
        }
    }
}
