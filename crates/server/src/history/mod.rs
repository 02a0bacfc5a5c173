//! History that survives: every channel and private message is committed
//! to an SQLite store before anyone is sent it, and read back on join and
//! with IRCv3 `CHATHISTORY`.
//!
//! Group commit: the hub hands the writer thread a [`Job`] — the events
//! to store, other changes to make, and an opaque payload. The writer
//! takes every job that queued up while it was committing, stores them in
//! one transaction, and hands the payloads back, in order, as one
//! [`Committed`] batch. What a payload means (an effect to apply under
//! the hub lock, or what a read returned, see `state::publisher`) is not
//! the history's business: it is a store and a writer, and imports
//! nothing from the layers above it.

mod accounts;
mod budget;
mod channels;
mod health;
mod schema;
mod store;
mod writer;

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use ciao_proto::casemap::irc_lower;
use tokio::sync::mpsc::UnboundedReceiver;

pub(crate) use accounts::{AccountChange, AccountRecord};
pub(crate) use channels::{ChannelChange, SavedChannel, SavedMask, SavedRegistration, SavedTopic};
pub(crate) use health::Transition;
pub(crate) use schema::OpenError;
pub(crate) use store::{Anchor, Change, ReadMarker};
pub use store::{Event, Scope, Since, Store};

/// A read of the store as it was when its job was submitted (the
/// horizon, a row id), made on the writer's thread once the job is
/// committed — never under the hub lock, which every client waits for —;
/// it returns the payload to hand back.
pub(crate) type Read<P> = Box<dyn FnOnce(&Store, i64) -> P + Send>;

/// What a job hands back once it is committed.
pub(crate) enum Then<P> {
    /// This payload, as it was submitted.
    Ready(P),
    /// What a read of the store at the job's horizon returns (replay,
    /// CHATHISTORY), made on the writer's thread.
    Read(Read<P>),
}

impl<P> std::fmt::Debug for Then<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Then::Ready(_) => "Then::Ready",
            Then::Read(_) => "Then::Read",
        })
    }
}

/// Work for the writer: events to store and other changes (read
/// markers, redactions) to make, then the payload to hand back.
pub(crate) struct Job<P> {
    /// The row id of its first event; the others take the next ones.
    /// Given by the submitter, which counts them from [`Loaded::last_row`]
    /// on, so a row's id is known when it is submitted (a reader's view
    /// can begin at a row without waiting for the writer).
    pub first_row: i64,
    pub events: Vec<Event>,
    pub changes: Vec<Change>,
    pub then: Then<P>,
}

impl<P> std::fmt::Debug for Job<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("first_row", &self.first_row)
            .field("events", &self.events)
            .field("changes", &self.changes)
            .field("then", &self.then)
            .finish()
    }
}

/// One job the writer is done with.
pub(crate) struct Done<P> {
    /// Its payload; `None` when its read panicked (a bug: it hands back
    /// nothing, but keeps its place in the order).
    pub payload: Option<P>,
    /// The last row stored before this job's events: its read saw the
    /// history as it was when the job was submitted.
    pub horizon: i64,
}

impl<P> std::fmt::Debug for Done<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Done")
            .field("horizon", &self.horizon)
            .finish_non_exhaustive()
    }
}

/// A batch of jobs the writer is done with, in submission order.
#[derive(Debug)]
pub(crate) struct Committed<P> {
    pub jobs: Vec<Done<P>>,
    /// Whether the batch's transaction committed: a payload of a job that
    /// was not stored must not act as if it were.
    pub committed: bool,
    /// The store started failing or recovered with this batch: the
    /// operators must hear of it.
    pub transition: Option<Transition>,
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
pub(crate) const QUERY_LIMIT: usize = 100;

/// The hub's side of the history: where jobs go. `P` is what each job
/// hands back once committed.
pub(crate) struct History<P> {
    jobs: mpsc::Sender<Job<P>>,
    /// Jobs handed to the writer so far; a connection's ticket.
    submitted: u64,
    writer: Option<JoinHandle<()>>,
    pub config: HistoryConfig,
}

impl<P> std::fmt::Debug for History<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("submitted", &self.submitted)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<P: Send + 'static> History<P> {
    /// Opens the store and starts the writer thread; returns what the
    /// hub keeps in memory ([`Loaded`]), and where committed batches come
    /// out, in submission order (the channel closes after the writer
    /// ends).
    #[allow(clippy::type_complexity)]
    pub(crate) fn start(
        config: HistoryConfig,
    ) -> Result<(Self, Loaded, UnboundedReceiver<Committed<P>>), HistoryError> {
        std::fs::create_dir_all(&config.dir).map_err(|source| HistoryError::Dir {
            dir: config.dir.clone(),
            source,
        })?;
        let store = Store::open(&config.dir)?;
        let loaded = Loaded::from(&store).map_err(|source| HistoryError::Store {
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
        let history = History {
            jobs,
            submitted: 0,
            writer: Some(writer),
            config,
        };
        Ok((history, loaded, batches))
    }

    /// Queues a job (under the hub lock, so queue order is the order of
    /// events); returns the ticket to wait for.
    pub(crate) fn submit(&mut self, job: Job<P>) -> u64 {
        if self.jobs.send(job).is_ok() {
            self.submitted += 1;
        }
        self.submitted
    }

    /// Jobs submitted so far.
    pub(crate) fn submitted(&self) -> u64 {
        self.submitted
    }

    /// Stops taking jobs. Completes once every job already submitted is
    /// stored and its batch handed on (the receiver then sees the end).
    pub(crate) async fn close(mut self) {
        let writer = self.writer.take();
        // Dropping the queue's sender lets the writer finish and end.
        drop(self);
        if let Some(writer) = writer {
            let joined = tokio::task::spawn_blocking(move || writer.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::error!("history writer failed");
            }
        }
    }
}

/// What the hub keeps in memory of the store, read once at start.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub(crate) markers: Vec<ReadMarker>,
    /// Accounts with their folded names.
    pub(crate) accounts: Vec<(String, AccountRecord)>,
    /// The newest row (0 when empty): the first job's ids follow it.
    pub(crate) last_row: i64,
    /// The default channel and registered channels (see `channels.rs`).
    pub(crate) channels: Vec<SavedChannel>,
}

impl Loaded {
    fn from(store: &Store) -> rusqlite::Result<Loaded> {
        Ok(Loaded {
            markers: store.read_markers()?,
            accounts: store.accounts()?,
            last_row: store.last_row()?,
            channels: store.saved_channels()?,
        })
    }
}

/// The conversation key of a channel (its folded name) or of a private
/// conversation (the two folded nicks, sorted, space-separated: channel
/// names cannot hold a space, so the two kinds never collide).
pub(crate) fn conversation(target: &str, other_nick: Option<&str>) -> String {
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
