//! The commit seam: **submit an entry; it is released, in order, once
//! committed.** Everything a client sends that others see goes through
//! here, so nobody sees a line the store could lose, and every client
//! sees releases in one order: the order of submission, which is the
//! order of the commands that made them (they run under the hub lock).
//!
//! Behind the seam is a [`CommitLog`]: today [`LocalLog`] (the SQLite
//! history: group commit on its writer thread, then the releaser task,
//! see [`release`](crate::state::release)), or none at all when history
//! is off, when an entry is released at once, in the handler that made
//! it (there is nothing to commit to, and nothing to read).
//!
//! # What a replicated log will need
//!
//! A later log (NATS JetStream) commits entries on a cluster and every
//! node applies what is committed. What an entry stores already travels
//! as data: its [`Event`]s carry their `msgid`, time, conversation and
//! line, and its [`Change`]s are plain values. Its [`Release`] does not:
//! it is a closure over this node's state (the `Fanout` built from the
//! same message, msgid and time; who to skip or echo to; the rank a
//! status message needs; a private message's two connections; the
//! refusal's command and target; the labeled command it answers). A
//! replicated log needs instead a serialisable effect — e.g. `Effect::
//! Channel { channel, sender, echo, min_rank }`, `Effect::Private {
//! sender, recipient, echo }`, `Effect::Redaction { … }`, each applied by
//! rebuilding the fan-out from the entry's own events — so that applying
//! a committed entry needs nothing but the entry. The node-local parts
//! (labeled-response deferral, `set_releasing`, replay reads at a
//! horizon, the connection's `Released` wait) stay on the node that ran
//! the command.
//!
//! [`LocalLog`]: crate::state::release::LocalLog

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use ciao_proto::Message;
use tokio::sync::Notify;

use crate::history::{self, Change, Event, ReadMarker, Store, conversation};
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::responses::Token;

/// What runs under the hub lock once an entry is committed (its
/// fan-out). With no log it runs at once, in the handler, with `None`.
pub(crate) type Deliver = Box<dyn FnOnce(&mut State, Option<Stored>) + Send>;

/// A read of the store at the entry's horizon, off the hub lock, that
/// returns what to deliver of what it read.
pub(crate) type Read = history::Read<Deliver>;

/// What an entry does once it is committed.
pub(crate) enum Release {
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
    /// An entry that only stores (events, read markers).
    pub(crate) fn nothing() -> Self {
        Release::Deliver(Box::new(|_, _| {}))
    }
}

/// What a release learns about its entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stored {
    /// The entry's place in submission order (from 1).
    pub(crate) ticket: u64,
    /// Whether the entry's events and changes were committed. A message
    /// that was not is refused, never delivered (see
    /// [`refused`](crate::state::refusal::refused)).
    pub(crate) committed: bool,
}

/// What is submitted: what to store, and what to do once it is.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Lines to store, each with its msgid and time.
    pub(crate) events: Vec<Event>,
    /// Other changes (read markers, redactions), stored with the events.
    pub(crate) changes: Vec<Change>,
    pub(crate) release: Release,
}

/// The seam's far side: where entries are committed. Every
/// implementation releases each entry, after its commit, in submission
/// order, under the hub lock (catching a release's panic), advancing
/// [`Released`] by one per entry; it tells the operators online when the
/// store starts failing or recovers, and releases entries it could not
/// commit with `Stored::committed` false.
pub(crate) trait CommitLog: std::fmt::Debug + Send {
    /// Takes `entry` (under the hub lock, so this order is everyone's);
    /// returns its ticket, the number of entries submitted so far.
    fn submit(&mut self, entry: Entry) -> u64;
    /// Entries submitted so far.
    fn submitted(&self) -> u64;
    /// Lines replayed to a client joining a channel.
    fn replay_lines(&self) -> usize;
    /// Stops taking entries; completes once every entry already submitted
    /// is committed and released.
    fn close(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The hub's side of the seam.
#[derive(Debug)]
pub(crate) struct Publisher {
    /// Where entries are committed; `None` with history off.
    log: Option<Box<dyn CommitLog>>,
    /// Server start in Unix milliseconds: the first part of every msgid,
    /// so ids stay unique across restarts.
    started_at_millis: u64,
    /// Counter behind `msgid` tags.
    next_msgid: u64,
}

impl Publisher {
    pub(crate) fn new(started_at_millis: u64) -> Self {
        Publisher {
            log: None,
            started_at_millis,
            next_msgid: 0,
        }
    }

    /// Takes `entry` to the log, or hands it back to be released now when
    /// there is none.
    fn submit(&mut self, entry: Entry) -> Option<Entry> {
        match &mut self.log {
            Some(log) => {
                log.submit(entry);
                None
            }
            None => Some(entry),
        }
    }
}

impl State {
    /// Puts a log behind the seam (history on).
    pub(crate) fn install_log(&mut self, log: Box<dyn CommitLog>, markers: Vec<ReadMarker>) {
        self.publisher.log = Some(log);
        self.read_markers.load(markers);
    }

    /// Takes the log away (to close it); later entries are released at
    /// once.
    pub(crate) fn take_log(&mut self) -> Option<Box<dyn CommitLog>> {
        self.publisher.log.take()
    }

    /// True when entries are committed before they are released (history
    /// on): CHATHISTORY and replays exist only then.
    pub(crate) fn history_on(&self) -> bool {
        self.publisher.log.is_some()
    }

    /// Lines replayed on join (0 with history off).
    pub(crate) fn replay_lines(&self) -> usize {
        self.publisher
            .log
            .as_ref()
            .map_or(0, |log| log.replay_lines())
    }

    /// Entries submitted so far (0 with history off): a connection
    /// waits until this many are released before it handles a command
    /// whose output could overtake its last message.
    pub(crate) fn history_ticket(&self) -> u64 {
        self.publisher.log.as_ref().map_or(0, |log| log.submitted())
    }

    /// A message id unique across restarts: the start time in
    /// milliseconds, then a counter.
    pub(crate) fn next_msgid(&mut self) -> String {
        self.publisher.next_msgid += 1;
        format!(
            "{:x}-{:x}",
            self.publisher.started_at_millis, self.publisher.next_msgid
        )
    }

    /// Runs `release` once `events` are stored: at once when history is
    /// off, otherwise after the commit, in submission order.
    pub(crate) fn publish(
        &mut self,
        events: Vec<Event>,
        release: impl FnOnce(&mut State, Option<Stored>) + Send + 'static,
    ) {
        self.publish_with(events, Vec::new(), Release::Deliver(Box::new(release)));
    }

    /// Reads the history (`read`, on the history's thread, off the hub
    /// lock) once everything submitted before is stored, then delivers
    /// what `read` returns, in submission order. Only with history on.
    pub(crate) fn publish_read(
        &mut self,
        read: impl FnOnce(&Store, i64) -> Deliver + Send + 'static,
    ) {
        self.publish_with(Vec::new(), Vec::new(), Release::Read(Box::new(read)));
    }

    /// Deletes a redacted message from the history, then runs `release`
    /// (telling those who should know): nobody hears of a redaction that
    /// a later query could contradict.
    pub(crate) fn publish_redaction(
        &mut self,
        target: String,
        msgid: String,
        release: impl FnOnce(&mut State, Option<Stored>) + Send + 'static,
    ) {
        let change = Change::Redaction { target, msgid };
        self.publish_with(
            Vec::new(),
            vec![change],
            Release::Deliver(Box::new(release)),
        );
    }

    fn publish_with(&mut self, events: Vec<Event>, changes: Vec<Change>, release: Release) {
        // A labeled command's deferred release is still part of its
        // response: it runs as that command again.
        if let Some(token) = self.active_response()
            && self.history_on()
        {
            self.defer_response(token);
            self.submit(events, changes, as_command(token, release));
        } else {
            self.submit(events, changes, release);
        }
    }

    /// Submits `events`, `changes` and their release, or runs the release
    /// at once with history off (there is nothing to read then).
    pub(super) fn submit(&mut self, events: Vec<Event>, changes: Vec<Change>, release: Release) {
        let entry = Entry {
            events,
            changes,
            release,
        };
        if let Some(Entry {
            release: Release::Deliver(deliver),
            ..
        }) = self.publisher.submit(entry)
        {
            deliver(self, None);
        }
    }

    /// Stores a read marker with history on (it is kept in memory
    /// either way). Like an event, its answer does not wait for it.
    /// `forgotten` is a marker dropped to make room, (nick, target).
    pub(crate) fn store_read_marker(
        &mut self,
        marker: ReadMarker,
        forgotten: Option<(String, String)>,
    ) {
        let mut changes = vec![Change::ReadMarker(marker)];
        changes.extend(forgotten.map(|(nick, target)| Change::ForgetReadMarker { nick, target }));
        self.submit(Vec::new(), changes, Release::nothing());
    }

    /// Stores a channel event (join, part, quit, nick change, topic,
    /// kick) in the history of each of `channels` (folded names), with
    /// history on. Unlike messages, events go out at once: holding a JOIN
    /// until its commit would reorder the joiner's replies, and an event
    /// lost to a crash costs no one a word of the conversation.
    pub(crate) fn record_event<'a>(
        &mut self,
        channels: impl IntoIterator<Item = &'a str>,
        message: &Message,
    ) {
        if !self.history_on() {
            return;
        }
        let time = crate::clock::now_millis();
        let line = message.to_string();
        let events: Vec<Event> = channels
            .into_iter()
            .map(|channel| Event {
                msgid: self.next_msgid(),
                time,
                target: conversation(channel, None),
                line: line.clone(),
            })
            .collect();
        if !events.is_empty() {
            // Not `publish`: the event went out already, so a labeled
            // command need not wait for it.
            self.submit(events, Vec::new(), Release::nothing());
        }
    }

    /// Stores `id`'s own join, part, quit or nick change as
    /// [`record_event`](Self::record_event) does, while its presence
    /// budget lasts (see `presence.rs`).
    pub(crate) fn record_presence<'a>(
        &mut self,
        id: ClientId,
        channels: impl IntoIterator<Item = &'a str>,
        message: &Message,
    ) {
        if !self.history_on() {
            return;
        }
        let channels: Vec<&str> = channels.into_iter().collect();
        let now_ms = self.meter.clock_ms();
        let Some(client) = self.registry.get_mut(id) else {
            return;
        };
        if client.presence.take(channels.len(), now_ms) {
            self.record_event(channels, message);
        } else {
            tracing::debug!(nick = %client.nick, "history: not storing the events of a churning client");
        }
    }
}

/// `release` run as the labeled command `token` again: what it sends is
/// part of that command's answer.
fn as_command(token: Token, release: Release) -> Release {
    let wrap = move |deliver: Deliver| -> Deliver {
        Box::new(move |state: &mut State, stored| {
            state.as_response(token, |state| deliver(state, stored));
        })
    };
    match release {
        Release::Deliver(deliver) => Release::Deliver(wrap(deliver)),
        Release::Read(read) => {
            Release::Read(Box::new(move |store, horizon| wrap(read(store, horizon))))
        }
    }
}

/// How many entries have been released: connections wait on it, without
/// the hub lock, so that their next command is not handled before their
/// last message went out.
#[derive(Debug, Default)]
pub(crate) struct Released {
    count: AtomicU64,
    notify: Notify,
}

impl Released {
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    pub(super) fn advance(&self, entries: u64) {
        self.count.fetch_add(entries, Ordering::AcqRel);
        self.notify.notify_waiters();
    }

    /// Completes once `ticket` entries are released.
    pub(crate) async fn wait_for(&self, ticket: u64) {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::config::Config;

    /// A log that only keeps what it is given: the seam asks nothing of
    /// SQLite.
    #[derive(Debug, Default)]
    struct Kept(Arc<Mutex<Vec<Entry>>>);

    impl CommitLog for Kept {
        fn submit(&mut self, entry: Entry) -> u64 {
            let mut entries = self.0.lock().expect("not poisoned");
            entries.push(entry);
            entries.len() as u64
        }
        fn submitted(&self) -> u64 {
            self.0.lock().expect("not poisoned").len() as u64
        }
        fn replay_lines(&self) -> usize {
            0
        }
        fn close(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
            Box::pin(async {})
        }
    }

    #[test]
    fn released_at_once_without_a_log_and_after_the_commit_with_one() {
        let mut state = State::new(Arc::new(Config::default()));
        let runs = Arc::new(AtomicU64::new(0));
        let counted = runs.clone();
        state.publish(Vec::new(), move |_, stored| {
            assert!(stored.is_none(), "nothing was committed");
            counted.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert_eq!(state.history_ticket(), 0);

        let entries = Arc::new(Mutex::new(Vec::new()));
        state.install_log(Box::new(Kept(entries.clone())), Vec::new());
        let msgid = state.next_msgid();
        let event = Event {
            msgid: msgid.clone(),
            time: 7,
            target: "#c".to_owned(),
            line: ":a!u@h PRIVMSG #c :hi".to_owned(),
        };
        let counted = runs.clone();
        state.publish(vec![event], move |_, stored| {
            assert!(stored.is_some_and(|s| s.committed && s.ticket == 1));
            counted.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(runs.load(Ordering::Relaxed), 1, "not before its commit");
        assert_eq!(state.history_ticket(), 1);
        // The event travels with its msgid and time.
        let entry = entries.lock().expect("not poisoned").remove(0);
        assert_eq!(
            (entry.events[0].msgid.as_str(), entry.events[0].time),
            (msgid.as_str(), 7)
        );
        let Release::Deliver(deliver) = entry.release else {
            panic!("a message delivers");
        };
        let stored = Stored {
            ticket: 1,
            committed: true,
        };
        deliver(&mut state, Some(stored));
        assert_eq!(runs.load(Ordering::Relaxed), 2);
    }
}
