//! The SQLite file behind the history: schema, writes and queries.
//!
//! One row per stored line: the IRC message as it went out (source
//! included, tags excluded), its `msgid`, its time, and the conversation
//! it belongs to (a folded channel name, or the two folded nicks of a
//! private conversation). Row ids are given by the submitter in
//! submission order, which is commit order and the order everyone saw.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use super::accounts::AccountChange;
use super::channels::{self, ChannelChange, SavedChannel};
use super::schema::{self, OpenError};

/// A change to the store other than a new line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A read marker moved forward.
    ReadMarker(ReadMarker),
    /// A read marker was dropped to make room for others.
    ForgetReadMarker {
        /// Folded nick.
        nick: String,
        /// Folded target.
        target: String,
    },
    /// A message was redacted: its row goes.
    Redaction {
        /// The conversation it was in.
        target: String,
        msgid: String,
    },
    /// An account was created, changed, dropped or logged in to.
    Account(AccountChange),
    /// A kept channel changed or is no longer kept (see `channels.rs`).
    Channel(ChannelChange),
}

/// How far one nick has read in one conversation (draft/read-marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMarker {
    /// The folded nick.
    pub nick: String,
    /// The folded channel name or other nick.
    pub target: String,
    /// Unix time in milliseconds.
    pub time: u64,
}

/// One stored line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub msgid: String,
    /// Unix time in milliseconds.
    pub time: u64,
    /// The conversation: see [`conversation`](super::conversation).
    pub target: String,
    /// The IRC message without tags, e.g. `:a!u@h PRIVMSG #c :hi`.
    pub line: String,
    /// The account its sender was logged in to, if any: replay tags the
    /// line with it (`account-tag`) as live delivery does.
    pub account: Option<String>,
}

/// Which rows a query may see.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The conversation.
    pub target: &'a str,
    /// The newest row it may see (see `Stored::horizon`).
    pub horizon: i64,
    /// Where the asker's view begins: a private conversation is read
    /// only from its session's start (see `state::sessions`), a channel
    /// from the first row.
    pub since: Since,
    /// Joins, parts, quits, nick changes, topics and kicks too
    /// (`draft/event-playback`), not only messages.
    pub events: bool,
}

impl<'a> Scope<'a> {
    /// Messages only, every row.
    pub fn messages(target: &'a str) -> Self {
        Scope {
            target,
            horizon: i64::MAX,
            since: Since::ALL,
            events: false,
        }
    }
}

/// Where a reader's view of a conversation begins, as values the store
/// needs nothing else to apply: rows after `row`. The history knows no
/// client; what a session is, is the state's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since {
    /// The last row it may not see (0: it sees every row).
    pub row: i64,
    /// Unix ms at or before the first row it may see: implied by `row`
    /// for rows stored since (row order is time order within a run), so
    /// it never hides one; it bounds the walk of the time index that
    /// TARGETS makes.
    pub time: u64,
}

impl Since {
    /// Every row.
    pub const ALL: Since = Since { row: 0, time: 0 };
    /// No row (a reader with no nick session sees no private row).
    pub const NOTHING: Since = Since {
        row: i64::MAX,
        time: 0,
    };
}

/// Where a query starts or ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Unix time in milliseconds.
    Time(u64),
    /// A row, found from its msgid.
    Row(i64),
}

/// Which end of a range of rows a query reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Oldest,
    Newest,
}

#[derive(Debug)]
pub struct Store {
    pub(super) db: Connection,
}

impl Store {
    /// Opens (creating if needed) `dir/history.sqlite3` for writing,
    /// checks it (writable, intact, not from a newer ciao) and brings its
    /// schema up to date.
    pub fn open(dir: &Path) -> Result<Self, OpenError> {
        let path = dir.join("history.sqlite3");
        let mut db = Connection::open(&path).map_err(|error| schema::writable_or(&path, error))?;
        schema::prepare(&mut db, &path)?;
        Ok(Store { db })
    }

    /// Opens a read-only connection to the store in `dir` (which `open`
    /// has set up), for tools and tests: WAL lets it read while the
    /// server writes.
    pub fn open_reader(dir: &Path) -> rusqlite::Result<Self> {
        let db = Connection::open_with_flags(
            dir.join("history.sqlite3"),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Store { db })
    }

    /// Stores every job's events, then `changes` (read markers and
    /// redactions, after the lines they may refer to), in one
    /// transaction: a batch is stored whole or not at all. Each job comes
    /// with the row id of its first event, the others following: ids are
    /// given by whoever submits (`state::publisher`), so that a row's id
    /// is known before it is stored. Returns, per job, the last row
    /// stored before its own events (its horizon).
    pub fn commit<'a>(
        &mut self,
        jobs: impl IntoIterator<Item = (i64, &'a [Event])>,
        changes: &[Change],
    ) -> rusqlite::Result<Vec<i64>> {
        let tx = self.db.transaction()?;
        let horizons = insert(&tx, jobs)?;
        apply(&tx, changes)?;
        tx.commit()?;
        Ok(horizons)
    }

    /// Stores every job's events after the last row, in one transaction
    /// (for tools and tests, which give no ids); see
    /// [`commit`](Self::commit).
    pub fn insert_jobs<'a>(
        &mut self,
        jobs: impl IntoIterator<Item = &'a [Event]>,
    ) -> rusqlite::Result<Vec<i64>> {
        let mut next = self.last_row()? + 1;
        let jobs: Vec<(i64, &[Event])> = jobs
            .into_iter()
            .map(|events| {
                let first = next;
                next += events.len() as i64;
                (first, events)
            })
            .collect();
        self.commit(jobs, &[])
    }

    /// Applies changes in one transaction: read markers keep the later
    /// time where one exists; redacted messages are deleted.
    pub fn apply_changes(&mut self, changes: &[Change]) -> rusqlite::Result<()> {
        self.commit([], changes).map(drop)
    }

    /// Every stored read marker (loaded once, at start).
    pub fn read_markers(&self) -> rusqlite::Result<Vec<ReadMarker>> {
        let mut query = self
            .db
            .prepare("SELECT nick, target, time FROM read_markers")?;
        let rows = query.query_map([], |row| {
            Ok(ReadMarker {
                nick: row.get(0)?,
                target: row.get(1)?,
                time: row.get::<_, i64>(2)? as u64,
            })
        })?;
        rows.collect()
    }

    /// Every kept channel (loaded once, at start).
    pub fn saved_channels(&self) -> rusqlite::Result<Vec<SavedChannel>> {
        channels::load(&self.db)
    }

    /// The newest row (0 when empty).
    pub fn last_row(&self) -> rusqlite::Result<i64> {
        self.db
            .query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |row| {
                row.get(0)
            })
    }

    /// The row of a msgid in `target`, if stored.
    pub fn row_of(&self, target: &str, msgid: &str) -> rusqlite::Result<Option<i64>> {
        self.db
            .prepare_cached("SELECT id FROM events WHERE target = ?1 AND msgid = ?2")?
            .query_row(params![target, msgid], |row| row.get(0))
            .optional()
    }

    /// The newest `limit` rows in `scope` after `after` (exclusive),
    /// oldest first.
    pub fn latest(
        &self,
        scope: Scope<'_>,
        after: Option<Anchor>,
        limit: usize,
    ) -> rusqlite::Result<Vec<Event>> {
        let from = match after {
            Some(anchor) => self.first_after(scope.target, anchor)?,
            None => 0,
        };
        let mut events = self.rows(scope, from..i64::MAX, Order::Newest, limit)?;
        events.reverse();
        Ok(events)
    }

    /// Up to `limit` rows in `scope` just before `anchor`, oldest first.
    pub fn before(
        &self,
        scope: Scope<'_>,
        anchor: Anchor,
        limit: usize,
    ) -> rusqlite::Result<Vec<Event>> {
        let end = self.first_at(scope.target, anchor)?;
        let mut events = self.rows(scope, 0..end, Order::Newest, limit)?;
        events.reverse();
        Ok(events)
    }

    /// Up to `limit` rows in `scope` just after `anchor`, oldest first.
    pub fn after(
        &self,
        scope: Scope<'_>,
        anchor: Anchor,
        limit: usize,
    ) -> rusqlite::Result<Vec<Event>> {
        let start = self.first_after(scope.target, anchor)?;
        self.rows(scope, start..i64::MAX, Order::Oldest, limit)
    }

    /// Up to `limit` rows in `scope` around `anchor` (half before, the
    /// rest from it on), oldest first.
    pub fn around(
        &self,
        scope: Scope<'_>,
        anchor: Anchor,
        limit: usize,
    ) -> rusqlite::Result<Vec<Event>> {
        let before = limit / 2;
        let mut events = self.before(scope, anchor, before)?;
        let start = self.first_at(scope.target, anchor)?;
        events.extend(self.rows(scope, start..i64::MAX, Order::Oldest, limit - before)?);
        Ok(events)
    }

    /// Up to `limit` rows in `scope` strictly between two anchors, taken
    /// from the `from` side (so a `from` later than `to` reads backwards),
    /// oldest first.
    pub fn between(
        &self,
        scope: Scope<'_>,
        from: Anchor,
        to: Anchor,
        limit: usize,
    ) -> rusqlite::Result<Vec<Event>> {
        let target = scope.target;
        if self.first_at(target, from)? <= self.first_at(target, to)? {
            let rows = self.first_after(target, from)?..self.first_at(target, to)?;
            self.rows(scope, rows, Order::Oldest, limit)
        } else {
            let rows = self.first_after(target, to)?..self.first_at(target, from)?;
            let mut events = self.rows(scope, rows, Order::Newest, limit)?;
            events.reverse();
            Ok(events)
        }
    }

    /// At most `limit` rows of `scope` among `rows` (row ids), from the
    /// oldest or the newest end. Every query comes down to this one: a
    /// walk of an index on (conversation, row) from one end of a range,
    /// so it reads what it returns and little else, however big the
    /// store.
    fn rows(
        &self,
        scope: Scope<'_>,
        rows: std::ops::Range<i64>,
        order: Order,
        limit: usize,
    ) -> rusqlite::Result<Vec<Event>> {
        // Messages only use the index that holds only messages: no walk
        // past joins and parts. The two statements differ only in that
        // condition, which must be literal for SQLite to use that index.
        // Rows before the reader's view are outside the range: still one
        // walk from one end of it.
        let start = rows.start.max(scope.since.row.saturating_add(1));
        let sql = match (scope.events, order) {
            (true, Order::Oldest) => {
                "SELECT msgid, time, target, line, account FROM events
                 WHERE target = ?1 AND id >= ?2 AND id < ?3 AND id <= ?4
                 ORDER BY id ASC LIMIT ?5"
            }
            (true, Order::Newest) => {
                "SELECT msgid, time, target, line, account FROM events
                 WHERE target = ?1 AND id >= ?2 AND id < ?3 AND id <= ?4
                 ORDER BY id DESC LIMIT ?5"
            }
            (false, Order::Oldest) => {
                "SELECT msgid, time, target, line, account FROM events
                 WHERE target = ?1 AND id >= ?2 AND id < ?3 AND id <= ?4
                 AND kind IN ('PRIVMSG', 'NOTICE')
                 ORDER BY id ASC LIMIT ?5"
            }
            (false, Order::Newest) => {
                "SELECT msgid, time, target, line, account FROM events
                 WHERE target = ?1 AND id >= ?2 AND id < ?3 AND id <= ?4
                 AND kind IN ('PRIVMSG', 'NOTICE')
                 ORDER BY id DESC LIMIT ?5"
            }
        };
        self.select(
            sql,
            params![scope.target, start, rows.end, scope.horizon, limit as i64],
        )
    }

    /// The first row of `target` at or after `anchor`: rows before it are
    /// the ones before the anchor (`i64::MAX` when there is none).
    fn first_at(&self, target: &str, anchor: Anchor) -> rusqlite::Result<i64> {
        match anchor {
            Anchor::Row(row) => Ok(row),
            Anchor::Time(time) => self.first_row_from(target, time as i64),
        }
    }

    /// The first row of `target` strictly after `anchor`.
    fn first_after(&self, target: &str, anchor: Anchor) -> rusqlite::Result<i64> {
        match anchor {
            Anchor::Row(row) => Ok(row.saturating_add(1)),
            Anchor::Time(time) => self.first_row_from(target, (time as i64).saturating_add(1)),
        }
    }

    /// The first row of `target` at or after `time` (ms): one step down
    /// the (conversation, time) index. Rows are stored in the order of
    /// their times, so the rows before it are exactly those before `time`.
    fn first_row_from(&self, target: &str, time: i64) -> rusqlite::Result<i64> {
        Ok(self
            .db
            .prepare_cached(
                "SELECT id FROM events WHERE target = ?1 AND time >= ?2
                 ORDER BY time ASC, id ASC LIMIT 1",
            )?
            .query_row(params![target, time], |row| row.get(0))
            .optional()?
            .unwrap_or(i64::MAX))
    }

    /// Conversations among `targets` (each with where the reader's view
    /// of it begins) whose latest message falls between two times, each
    /// with that time, ordered by it (oldest first, as CHATHISTORY
    /// TARGETS wants). A conversation with a message after the window is
    /// not in it: TARGETS tells a client which conversations changed
    /// last in the window, so that one active since is not listed with
    /// a time that is no longer its latest (as ergo does). One step down
    /// an index per conversation: `Since::time` keeps the walk from
    /// going past the view's start.
    pub fn active_targets(
        &self,
        targets: &[(String, Since)],
        horizon: i64,
        from: u64,
        to: u64,
        limit: usize,
    ) -> rusqlite::Result<Vec<(String, u64)>> {
        let (low, high) = (from.min(to), from.max(to));
        let mut found = Vec::new();
        let mut latest = self.db.prepare_cached(
            "SELECT time FROM events WHERE target = ?1 AND time > ?3
             AND id <= ?2 AND id > ?4
             AND kind IN ('PRIVMSG', 'NOTICE')
             ORDER BY time DESC LIMIT 1",
        )?;
        for (target, since) in targets {
            // time > low and time >= since.time.
            let low = low.max(since.time.saturating_sub(1));
            let time: Option<i64> = latest
                .query_row(params![target, horizon, low as i64, since.row], |row| {
                    row.get(0)
                })
                .optional()?;
            if let Some(time) = time.filter(|time| *time < high as i64) {
                found.push((target.clone(), time as u64));
            }
        }
        found.sort_by_key(|(_, time)| *time);
        found.truncate(limit);
        Ok(found)
    }

    /// The private conversations `nick_key` (folded) had messages in
    /// since `since` (ms), at most `most`, the latest first.
    pub fn private_targets_of(
        &self,
        nick_key: &str,
        since: u64,
        most: usize,
    ) -> rusqlite::Result<Vec<String>> {
        let mut query = self.db.prepare_cached(
            "SELECT target FROM conversations WHERE nick = ?1 AND last_time > ?2
             ORDER BY last_time DESC LIMIT ?3",
        )?;
        let rows = query.query_map(params![nick_key, since as i64, most as i64], |row| {
            row.get::<_, String>(0)
        })?;
        rows.collect()
    }

    /// Deletes events beyond `keep` per conversation and older than
    /// `older_than` (unix ms); returns how many went.
    pub fn prune(
        &mut self,
        keep: Option<usize>,
        older_than: Option<u64>,
    ) -> rusqlite::Result<usize> {
        let mut deleted = 0;
        if let Some(before) = older_than {
            deleted += self
                .db
                .execute("DELETE FROM events WHERE time < ?1", params![before as i64])?;
            // A marker older than anything kept points at nothing, and a
            // conversation whose last message went is gone.
            self.db.execute(
                "DELETE FROM read_markers WHERE time < ?1",
                params![before as i64],
            )?;
            self.db.execute(
                "DELETE FROM conversations WHERE last_time < ?1",
                params![before as i64],
            )?;
        }
        if let Some(keep) = keep {
            deleted += self.db.execute(
                "DELETE FROM events WHERE id IN (
                    SELECT id FROM (
                        SELECT id, ROW_NUMBER() OVER (PARTITION BY target ORDER BY id DESC) AS n
                        FROM events
                    ) WHERE n > ?1
                )",
                params![keep as i64],
            )?;
        }
        Ok(deleted)
    }

    /// Bytes of the database file in use (pages not on the free list):
    /// two reads of the header, so cheap enough to ask after every batch.
    pub fn used_bytes(&self) -> rusqlite::Result<u64> {
        let pragma = |name| {
            self.db
                .pragma_query_value(None, name, |row| row.get::<_, i64>(0))
        };
        let used_pages = pragma("page_count")? - pragma("freelist_count")?;
        Ok(used_pages.max(0) as u64 * pragma("page_size")?.max(0) as u64)
    }

    /// Deletes the `rows` oldest events (any conversation); returns how
    /// many went.
    pub fn delete_oldest(&mut self, rows: usize) -> rusqlite::Result<usize> {
        let deleted = self.db.execute(
            "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?1)",
            params![rows as i64],
        )?;
        // Conversations whose last message is older than every row left
        // have no rows left (rows are in the order of their times).
        self.db.execute(
            "DELETE FROM conversations WHERE last_time <
                COALESCE((SELECT time FROM events ORDER BY id LIMIT 1), 9223372036854775807)",
            [],
        )?;
        Ok(deleted)
    }

    fn select(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<Vec<Event>> {
        let mut query = self.db.prepare_cached(sql)?;
        let rows = query.query_map(params, |row| {
            Ok(Event {
                msgid: row.get(0)?,
                time: row.get::<_, i64>(1)? as u64,
                target: row.get(2)?,
                line: row.get(3)?,
                account: row.get(4)?,
            })
        })?;
        rows.collect()
    }
}

/// Inserts every job's events, each with its id (a job's first, then
/// the next ones); returns each job's horizon. A duplicate msgid is not
/// stored again, which leaves its id unused: a gap, never a shift.
fn insert<'a>(
    tx: &Transaction<'_>,
    jobs: impl IntoIterator<Item = (i64, &'a [Event])>,
) -> rusqlite::Result<Vec<i64>> {
    let mut horizons = Vec::new();
    let mut last: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events")?
        .query_row([], |row| row.get(0))?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO events (id, msgid, time, target, line, kind, account)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut conversation = tx.prepare_cached(
        "INSERT INTO conversations (nick, target, last_time) VALUES (?1, ?2, ?3)
         ON CONFLICT (nick, target) DO UPDATE SET last_time = MAX(last_time, excluded.last_time)",
    )?;
    for (first, events) in jobs {
        horizons.push(last);
        for (id, event) in (first..).zip(events) {
            let kind = verb(&event.line);
            if insert.execute(params![
                id,
                event.msgid,
                event.time as i64,
                event.target,
                event.line,
                kind,
                event.account
            ])? > 0
            {
                last = id;
                // A private conversation ("a b"), for each party's TARGETS.
                if matches!(kind, "PRIVMSG" | "NOTICE")
                    && let Some((a, b)) = event.target.split_once(' ')
                {
                    for nick in [a, b] {
                        conversation.execute(params![nick, event.target, event.time as i64])?;
                    }
                }
            }
        }
    }
    Ok(horizons)
}

/// Read markers keep the later time where one exists; redacted messages
/// are deleted.
fn apply(tx: &Transaction<'_>, changes: &[Change]) -> rusqlite::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO read_markers (nick, target, time) VALUES (?1, ?2, ?3)
         ON CONFLICT (nick, target) DO UPDATE SET time = MAX(time, excluded.time)",
    )?;
    // A multiline message's later lines are `msgid/n`: the msgids from
    // `msgid/` up to `msgid0` ('0' follows '/'), a range of the msgid
    // index rather than a walk of the whole conversation.
    let mut delete = tx.prepare_cached(
        "DELETE FROM events WHERE target = ?1
         AND (msgid = ?2 OR (msgid >= ?2 || '/' AND msgid < ?2 || '0'))",
    )?;
    // A private conversation left without a message is no longer one:
    // its parties' TARGETS must not show that it was.
    let mut forget_conversation = tx.prepare_cached(
        "DELETE FROM conversations WHERE target = ?1 AND NOT EXISTS (
            SELECT 1 FROM events WHERE target = ?1 AND kind IN ('PRIVMSG', 'NOTICE'))",
    )?;
    let mut forget =
        tx.prepare_cached("DELETE FROM read_markers WHERE nick = ?1 AND target = ?2")?;
    for change in changes {
        match change {
            Change::ReadMarker(marker) => {
                upsert.execute(params![marker.nick, marker.target, marker.time as i64])?;
            }
            Change::ForgetReadMarker { nick, target } => {
                forget.execute(params![nick, target])?;
            }
            Change::Redaction { target, msgid } => {
                delete.execute(params![target, msgid])?;
                forget_conversation.execute(params![target])?;
            }
            Change::Account(change) => super::accounts::apply(tx, change)?,
            Change::Channel(change) => channels::apply(tx, change)?,
        }
    }
    Ok(())
}

/// The verb of a stored line (`:source VERB …`).
fn verb(line: &str) -> &str {
    let rest = match line.strip_prefix(':') {
        Some(rest) => rest.split_once(' ').map_or("", |(_, rest)| rest),
        None => line,
    };
    rest.split(' ').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64, target: &str, time: u64) -> Event {
        Event {
            msgid: format!("id{n}"),
            time,
            target: target.to_owned(),
            line: format!(":a!u@h PRIVMSG {target} :m{n}"),
            account: None,
        }
    }

    fn texts(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| e.line.rsplit(':').next().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn reopens_with_the_schema_and_rows_it_had() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let events: Vec<Event> = (1..=3).map(|n| event(n, "#c", n * 10)).collect();
        let horizons = store
            .insert_jobs([&events[..1], &events[1..]])
            .expect("insert");
        assert_eq!(horizons, [0, 1], "each job sees the rows stored before it");
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            texts(
                &store
                    .latest(Scope::messages("#c"), None, 10)
                    .expect("latest")
            ),
            ["m1", "m2", "m3"]
        );
        assert_eq!(
            texts(
                &store
                    .latest(
                        Scope {
                            horizon: 2,
                            ..Scope::messages("#c")
                        },
                        None,
                        10
                    )
                    .expect("latest")
            ),
            ["m1", "m2"],
            "horizon"
        );
    }

    #[test]
    fn a_view_since_a_row_sees_only_the_rows_after_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let events: Vec<Event> = (1..=4).map(|n| event(n, "a b", n * 10)).collect();
        store.insert_jobs([&events[..]]).expect("insert");
        let since = Since { row: 2, time: 30 };
        let scope = Scope {
            since,
            ..Scope::messages("a b")
        };
        assert_eq!(
            texts(&store.latest(scope, None, 10).expect("latest")),
            ["m3", "m4"]
        );
        assert_eq!(
            texts(&store.before(scope, Anchor::Time(35), 10).expect("before")),
            ["m3"]
        );
        assert_eq!(
            texts(&store.after(scope, Anchor::Row(0), 10).expect("after")),
            ["m3", "m4"]
        );
        let none = Scope {
            since: Since::NOTHING,
            ..scope
        };
        assert!(store.latest(none, None, 10).expect("latest").is_empty());
        let targets = |since| {
            store
                .active_targets(&[("a b".to_owned(), since)], i64::MAX, 0, 1000, 10)
                .expect("targets")
        };
        assert_eq!(targets(since), [("a b".to_owned(), 40)]);
        assert!(targets(Since { row: 4, time: 40 }).is_empty());
    }

    #[test]
    fn read_markers_only_move_forward_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let marker = |time| ReadMarker {
            nick: "ann".to_owned(),
            target: "#c".to_owned(),
            time,
        };
        store
            .apply_changes(&[Change::ReadMarker(marker(20))])
            .expect("save");
        store
            .apply_changes(&[Change::ReadMarker(marker(10))])
            .expect("save older");
        drop(store);
        let mut store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.read_markers().expect("load"), [marker(20)]);
        store.prune(None, Some(30)).expect("prune");
        assert!(store.read_markers().expect("load").is_empty());
    }

    #[test]
    fn a_redacted_message_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let events: Vec<Event> = (1..=3).map(|n| event(n, "#c", n)).collect();
        store.insert_jobs([&events[..]]).expect("insert");
        let redact = |target: &str| Change::Redaction {
            target: target.to_owned(),
            msgid: "id2".to_owned(),
        };
        // Only in its own conversation.
        store.apply_changes(&[redact("#other")]).expect("redact");
        assert_eq!(
            store
                .latest(Scope::messages("#c"), None, 10)
                .expect("latest")
                .len(),
            3
        );
        store.apply_changes(&[redact("#c")]).expect("redact");
        assert_eq!(
            texts(
                &store
                    .latest(Scope::messages("#c"), None, 10)
                    .expect("latest")
            ),
            ["m1", "m3"]
        );
    }

    #[test]
    fn events_are_seen_only_when_asked_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let join = Event {
            line: ":a!u@h JOIN #c".to_owned(),
            ..event(9, "#c", 1)
        };
        let events = [join, event(1, "#c", 2)];
        store.insert_jobs([&events[..]]).expect("insert");
        assert_eq!(
            store
                .latest(Scope::messages("#c"), None, 1)
                .expect("latest")
                .len(),
            1
        );
        let all = Scope {
            events: true,
            ..Scope::messages("#c")
        };
        assert_eq!(store.latest(all, None, 10).expect("latest").len(), 2);
        assert_eq!(verb(":a!u@h JOIN #c"), "JOIN");
        assert_eq!(verb("PING x"), "PING");
    }

    #[test]
    fn rows_take_the_ids_they_are_given_and_a_duplicate_leaves_a_gap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let first = [event(1, "#c", 1), event(2, "#c", 2)];
        let again = [event(2, "#c", 3)];
        let then = [event(3, "#c", 4)];
        let horizons = store
            .commit([(5, &first[..]), (7, &again[..]), (8, &then[..])], &[])
            .expect("commit");
        assert_eq!(horizons, [0, 6, 6], "the ignored duplicate stored nothing");
        assert_eq!(store.row_of("#c", "id1").expect("row"), Some(5));
        assert_eq!(store.row_of("#c", "id2").expect("row"), Some(6));
        assert_eq!(store.row_of("#c", "id3").expect("row"), Some(8), "7 unused");
        assert_eq!(store.last_row().expect("last"), 8);
    }

    #[test]
    fn a_line_keeps_its_senders_account() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let signed = Event {
            account: Some("Alice".to_owned()),
            ..event(1, "@alice bob", 1)
        };
        store
            .insert_jobs([&[signed, event(2, "@alice bob", 2)][..]])
            .expect("insert");
        let read = store
            .latest(Scope::messages("@alice bob"), None, 10)
            .expect("latest");
        let accounts: Vec<Option<&str>> = read.iter().map(|e| e.account.as_deref()).collect();
        assert_eq!(accounts, [Some("Alice"), None]);
    }

    #[test]
    fn a_duplicate_msgid_is_stored_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let one = [event(1, "#c", 1)];
        store.insert_jobs([&one[..], &one[..]]).expect("insert");
        assert_eq!(
            store
                .latest(Scope::messages("#c"), None, 10)
                .expect("latest")
                .len(),
            1
        );
    }

    #[test]
    fn retention_by_count_per_conversation_and_by_age() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut events: Vec<Event> = (1..=5).map(|n| event(n, "#a", n * 1000)).collect();
        events.extend((6..=7).map(|n| event(n, "#b", n * 1000)));
        store.insert_jobs([events.as_slice()]).expect("insert");
        assert_eq!(store.prune(Some(3), None).expect("prune"), 2);
        assert_eq!(
            texts(&store.latest(Scope::messages("#a"), None, 10).expect("a")),
            ["m3", "m4", "m5"]
        );
        assert_eq!(
            texts(&store.latest(Scope::messages("#b"), None, 10).expect("b")),
            ["m6", "m7"]
        );
        assert_eq!(store.prune(None, Some(5000)).expect("prune"), 2);
        assert_eq!(
            texts(&store.latest(Scope::messages("#a"), None, 10).expect("a")),
            ["m5"]
        );
    }
}
