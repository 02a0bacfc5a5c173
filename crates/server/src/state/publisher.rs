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
//! node applies what is committed. What an entry does is data, so that
//! applying a committed entry needs nothing but the entry:
//!
//! - its [`Event`]s carry their `msgid`, time, conversation and line, and
//!   its [`Change`]s (read markers, redactions) are plain values;
//! - its [`Release::Apply`] carries an [`Effect`]: the stamped fan-out
//!   (`Fanout` or `MultilineFanout`: the message, its plain text, msgid,
//!   time, client tags and bot flag, all values), who it is for (a
//!   channel's key, a client), the echo and STATUSMSG rank it was sent
//!   with, and what to refuse it as. [`State::apply`] does the rest, in
//!   `state/`; no command code runs again at release time.
//!
//! To serialise an effect, the fan-outs would ship their values and
//! drop their serialised caches (filled on first use by a recipient);
//! client ids ([`ClientId`]) are this node's connection ids and would
//! become references to a nick and its connection in a cluster (a
//! recipient's node delivering to its own connections); and
//! [`Effect::Answer`] (a labeled command's deferred answer) would not
//! travel at all. None of that is built.
//!
//! What stays node-local, on the node that ran the command: the
//! labeled-response deferral (an entry's [`answers`](Entry::answers)
//! token, under which its release runs as that command again, and the
//! `Effect::Answer` that ends it), [`set_releasing`](State::set_releasing),
//! reads at a horizon ([`Release::Read`]: replay on join, CHATHISTORY,
//! closures that answer this node's own client), and the connection's
//! [`Released`] wait.
//!
//! [`LocalLog`]: crate::state::release::LocalLog

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use ciao_proto::Message;
use tokio::sync::Notify;

use crate::history::{self, Change, Event, Loaded, ReadMarker, Store, conversation};
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::effect::Effect;
use crate::state::responses::Token;
use crate::state::stored::Stored;

/// What a read hands back to deliver under the hub lock: the answer
/// to the node's own client, built from what it read.
pub(crate) type Deliver = Box<dyn FnOnce(&mut State) + Send>;

/// A read of the store at the entry's horizon, off the hub lock, that
/// returns what to deliver of what it read.
pub(crate) type Read = history::Read<Deliver>;

/// What an entry does once it is committed.
// An effect is a few hundred bytes (a fan-out and its empty caches),
// moved a handful of times between the handler and its release and
// never kept in bulk: inline, it costs no allocation per message (the
// closure it replaces was boxed).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Release {
    /// Applies an effect, under the hub lock: data, the same on every
    /// node that applies the entry.
    Apply(Effect),
    /// Reads first (replay on join, CHATHISTORY), on the writer's thread
    /// at the entry's horizon, off the lock; then delivers what it read.
    /// A closure, and node-local: it answers this node's own client, so
    /// it never needs to travel.
    Read(Read),
}

impl std::fmt::Debug for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Release::Apply(effect) => f.debug_tuple("Release::Apply").field(effect).finish(),
            Release::Read(_) => f.write_str("Release::Read"),
        }
    }
}

impl Release {
    /// An entry that only stores (events, read markers).
    pub(crate) fn nothing() -> Self {
        Release::Apply(Effect::None)
    }
}

/// What is submitted: what to store, and what to do once it is.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The row id of its first event, the others following: given here,
    /// in submission order (see [`State::last_row`]).
    pub(crate) first_row: i64,
    /// Lines to store, each with its msgid and time.
    pub(crate) events: Vec<Event>,
    /// Other changes (read markers, redactions), stored with the events.
    pub(crate) changes: Vec<Change>,
    pub(crate) release: Release,
    /// The labeled command whose answer waits for this entry: its
    /// release runs as that command again, so what it sends is part of
    /// that answer. Node-local, like the command.
    pub(crate) answers: Option<Token>,
}

/// A committed entry's work under the hub lock, as a log hands it back
/// once its read (if any) is made.
#[derive(Debug)]
pub(crate) struct Due {
    /// See [`Entry::answers`].
    answers: Option<Token>,
    work: Work,
}

#[allow(clippy::large_enum_variant)] // as `Release`
enum Work {
    Apply(Effect),
    Deliver(Deliver),
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Work::Apply(effect) => f.debug_tuple("Work::Apply").field(effect).finish(),
            Work::Deliver(_) => f.write_str("Work::Deliver"),
        }
    }
}

impl Due {
    /// What an entry that applies `effect` does, as `answers`.
    pub(crate) fn apply(answers: Option<Token>, effect: Effect) -> Self {
        Due {
            answers,
            work: Work::Apply(effect),
        }
    }

    /// What an entry whose read returned `deliver` does, as `answers`.
    pub(crate) fn deliver(answers: Option<Token>, deliver: Deliver) -> Self {
        Due {
            answers,
            work: Work::Deliver(deliver),
        }
    }

    /// Does it, as the labeled command it answers if any.
    pub(crate) fn run(self, state: &mut State, stored: Option<Stored>) {
        let work = move |state: &mut State| match self.work {
            Work::Apply(effect) => state.apply(effect, stored),
            Work::Deliver(deliver) => deliver(state),
        };
        match self.answers {
            Some(token) => state.as_response(token, work),
            None => work(state),
        }
    }
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
    /// The last row id given to an event: each entry's events take the
    /// next ones, in submission order, which is the order the writer
    /// stores them in. Starts from the store's newest row; stays 0 with
    /// history off (there are no rows).
    last_row: i64,
}

impl Publisher {
    pub(crate) fn new(started_at_millis: u64) -> Self {
        Publisher {
            log: None,
            started_at_millis,
            next_msgid: 0,
            last_row: 0,
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
    /// Puts a log behind the seam (history on), with what the store
    /// keeps in memory.
    pub(crate) fn install_log(&mut self, log: Box<dyn CommitLog>, loaded: Loaded) {
        self.publisher.log = Some(log);
        self.publisher.last_row = loaded.last_row;
        self.read_markers.load(loaded.markers);
        self.accounts.load(loaded.accounts);
        self.load_kept_channels(loaded.channels);
    }

    /// The last row id given to an event so far: every row submitted
    /// later has a greater id, every one submitted before a smaller or
    /// equal one (or none, if it was a duplicate or its commit failed).
    /// Exact, and known without asking the writer, so taking a nick can
    /// mark where its session's view begins (`state::sessions`).
    pub(crate) fn last_row(&self) -> i64 {
        self.publisher.last_row
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

    /// Applies `effect` once `events` are stored: at once when history
    /// is off, otherwise after the commit, in submission order.
    pub(crate) fn publish(&mut self, events: Vec<Event>, effect: Effect) {
        self.publish_with(events, Vec::new(), Release::Apply(effect));
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

    /// Deletes a redacted message from the history, then applies
    /// `effect` (telling those who should know): nobody hears of a
    /// redaction that a later query could contradict.
    pub(crate) fn publish_redaction(&mut self, target: String, msgid: String, effect: Effect) {
        let change = Change::Redaction { target, msgid };
        self.publish_with(Vec::new(), vec![change], Release::Apply(effect));
    }

    fn publish_with(&mut self, events: Vec<Event>, changes: Vec<Change>, release: Release) {
        // A labeled command's deferred release is still part of its
        // response: it runs as that command again.
        let answers = self.active_response().filter(|_| self.history_on());
        if let Some(token) = answers {
            self.defer_response(token);
        }
        self.submit(events, changes, release, answers);
    }

    /// Submits `events`, `changes` and their release, or applies the
    /// release at once with history off (there is nothing to read then,
    /// and no labeled answer waits).
    pub(super) fn submit(
        &mut self,
        events: Vec<Event>,
        changes: Vec<Change>,
        release: Release,
        answers: Option<Token>,
    ) {
        let first_row = self.publisher.last_row + 1;
        // Only with a log are rows stored: without one the ids would
        // count lines nobody keeps.
        if self.history_on() {
            self.publisher.last_row += events.len() as i64;
        }
        let entry = Entry {
            first_row,
            events,
            changes,
            release,
            answers,
        };
        if let Some(Entry {
            release: Release::Apply(effect),
            answers,
            ..
        }) = self.publisher.submit(entry)
        {
            Due::apply(answers, effect).run(self, None);
        }
    }

    /// Stores a read marker with history on (it is kept in memory
    /// either way; a private target's is not given, see
    /// `read_markers.rs`). Like an event, its answer does not wait for
    /// it. `forgotten` is a marker dropped to make room, (nick, target).
    pub(crate) fn store_read_marker(
        &mut self,
        marker: Option<ReadMarker>,
        forgotten: Option<(String, String)>,
    ) {
        let mut changes: Vec<Change> = marker.map(Change::ReadMarker).into_iter().collect();
        changes.extend(forgotten.map(|(nick, target)| Change::ForgetReadMarker { nick, target }));
        if !changes.is_empty() {
            self.submit(Vec::new(), changes, Release::nothing(), None);
        }
    }

    /// Stores an event that went out already (see `channel_events.rs`),
    /// with history on. Unlike messages, events go out at once: holding
    /// a JOIN until its commit would reorder the joiner's replies, and an
    /// event lost to a crash costs no one a word of the conversation.
    pub(crate) fn store_event(&mut self, event: Event) {
        if self.history_on() {
            // Not `publish`: a labeled command need not wait for it.
            self.submit(vec![event], Vec::new(), Release::nothing(), None);
        }
    }

    /// Stores `message`, sent by a client logged in to `account`, in the
    /// history of each of `channels`.
    fn record_events<'a>(
        &mut self,
        channels: impl IntoIterator<Item = &'a str>,
        message: &Message,
        account: Option<String>,
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
                account: account.clone(),
            })
            .collect();
        if !events.is_empty() {
            // Not `publish`: the event went out already, so a labeled
            // command need not wait for it.
            self.submit(events, Vec::new(), Release::nothing(), None);
        }
    }

    /// Stores `id`'s own join, part, quit or nick change as
    /// [`store_event`](Self::store_event) does, while its presence
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
            // Its own: the nick in the source may be the one it gave up.
            let account = client.account().map(str::to_owned);
            self.record_events(channels, message, account);
        } else {
            tracing::debug!(nick = %client.nick, "history: not storing the events of a churning client");
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
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::config::Config;
    use crate::link::outbox::Outbox;
    use crate::state::client::Client;
    use crate::state::fanout::Fanout;
    use crate::state::refusal::RefusedAs;

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

    /// A message from client `id` to itself, as `to_user` builds it.
    fn to_oneself(id: ClientId, msgid: &str, time: u64) -> Effect {
        let message = Message::new("PRIVMSG", ["a", "hi"]).with_source("a!u@h".to_owned());
        Effect::Private {
            recipient: id,
            fanout: Fanout::new(message, None)
                .with_msgid(msgid.to_owned())
                .at(time),
            sender: id,
            echo: false,
            refused_as: RefusedAs {
                command: "PRIVMSG",
                target: "a".to_owned(),
            },
        }
    }

    #[test]
    fn released_at_once_without_a_log_and_after_the_commit_with_one() {
        let mut state = State::new(Arc::new(Config::default()));
        let outbox = Arc::new(Outbox::new(1 << 16));
        let given = outbox.clone();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let id = state.add_client(|id| Client::new(id, ip, given));
        let runs = || outbox.take_queued().len();
        let msgid = state.next_msgid();
        state.publish(Vec::new(), to_oneself(id, &msgid, 7));
        assert_eq!(runs(), 1);
        assert_eq!(state.history_ticket(), 0);

        let entries = Arc::new(Mutex::new(Vec::new()));
        state.install_log(
            Box::new(Kept(entries.clone())),
            Loaded {
                last_row: 41,
                ..Loaded::default()
            },
        );
        let msgid = state.next_msgid();
        let event = Event {
            msgid: msgid.clone(),
            time: 7,
            target: "#c".to_owned(),
            line: ":a!u@h PRIVMSG #c :hi".to_owned(),
            account: None,
        };
        state.publish(vec![event], to_oneself(id, &msgid, 7));
        assert_eq!(runs(), 0, "not before its commit");
        assert_eq!(state.history_ticket(), 1);
        // The event travels with its msgid and time, and its effect is
        // data: applying it needs nothing but the entry.
        let entry = entries.lock().expect("not poisoned").remove(0);
        assert_eq!(
            (entry.events[0].msgid.as_str(), entry.events[0].time),
            (msgid.as_str(), 7)
        );
        // Its row id is given here, after the store's newest.
        assert_eq!((entry.first_row, state.last_row()), (42, 42));
        let Release::Apply(effect @ Effect::Private { .. }) = entry.release else {
            panic!("a message applies its effect");
        };
        let stored = Stored {
            ticket: 1,
            committed: true,
        };
        Due::apply(entry.answers, effect).run(&mut state, Some(stored));
        assert_eq!(runs(), 1);

        // One the store could not keep is refused to its sender instead.
        state.publish(Vec::new(), to_oneself(id, &msgid, 7));
        let entry = entries.lock().expect("not poisoned").remove(0);
        let Release::Apply(effect) = entry.release else {
            panic!("a message applies its effect");
        };
        let stored = Stored {
            ticket: 2,
            committed: false,
        };
        Due::apply(entry.answers, effect).run(&mut state, Some(stored));
        let lines = outbox.take_queued();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with(b":"), "from the server");
        assert!(
            String::from_utf8_lossy(&lines[0])
                .contains(" FAIL PRIVMSG TEMPORARILY_UNAVAILABLE a :"),
            "{lines:?}"
        );
    }
}
