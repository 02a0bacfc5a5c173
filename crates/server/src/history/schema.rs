//! The store's schema and the checks made before the server uses a store:
//! a store it could not write, a damaged one, or one from a newer ciao
//! stops the start with a clear error instead of a server that chats and
//! keeps nothing.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, MAIN_DB};

/// Schema migrations, in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        msgid TEXT NOT NULL UNIQUE,
        time INTEGER NOT NULL,
        target TEXT NOT NULL,
        line TEXT NOT NULL
    );
    CREATE INDEX events_by_target ON events (target, id);
    CREATE INDEX events_by_target_time ON events (target, time);",
    // 2: the verb of each line, so that clients without event-playback
    // get LIMIT messages rather than LIMIT rows of joins and parts.
    "ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
    UPDATE events SET kind = substr(
        substr(line, instr(line, ' ') + 1), 1,
        instr(substr(line, instr(line, ' ') + 1) || ' ', ' ') - 1
    );",
    // 3: read markers (draft/read-marker), one per nick and conversation.
    "CREATE TABLE read_markers (
        nick TEXT NOT NULL,
        target TEXT NOT NULL,
        time INTEGER NOT NULL,
        PRIMARY KEY (nick, target)
    ) WITHOUT ROWID;",
    // 4: bounded reads. Indexes of messages alone, so that a query without
    // event-playback never walks past joins and parts; and each nick's
    // private conversations with their latest message, so that
    // CHATHISTORY TARGETS reads a few rows, not every row of the store.
    "CREATE INDEX events_messages ON events (target, id)
        WHERE kind IN ('PRIVMSG', 'NOTICE');
    CREATE INDEX events_messages_by_time ON events (target, time)
        WHERE kind IN ('PRIVMSG', 'NOTICE');
    CREATE TABLE conversations (
        nick TEXT NOT NULL,
        target TEXT NOT NULL,
        last_time INTEGER NOT NULL,
        PRIMARY KEY (nick, target)
    ) WITHOUT ROWID;
    CREATE INDEX conversations_by_time ON conversations (nick, last_time);
    INSERT OR IGNORE INTO conversations (nick, target, last_time)
        SELECT substr(target, 1, instr(target, ' ') - 1), target, MAX(time)
        FROM events WHERE instr(target, ' ') > 0 AND kind IN ('PRIVMSG', 'NOTICE')
        GROUP BY target
        UNION ALL
        SELECT substr(target, instr(target, ' ') + 1), target, MAX(time)
        FROM events WHERE instr(target, ' ') > 0 AND kind IN ('PRIVMSG', 'NOTICE')
        GROUP BY target;",
    // 5: accounts (issue 15): the argon2id hash and the SCRAM-SHA-256
    // keys derived from the same password, and the client certificates
    // that log in with SASL EXTERNAL.
    "CREATE TABLE accounts (
        name_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        password TEXT NOT NULL,
        scram_salt BLOB NOT NULL,
        scram_iterations INTEGER NOT NULL,
        scram_stored_key BLOB NOT NULL,
        scram_server_key BLOB NOT NULL,
        created INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE account_certs (
        fingerprint TEXT PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (name_key) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX account_certs_by_account ON account_certs (account);",
    // 6: channels kept across restarts (the default channel, registered
    // channels): one row each, their mask lists, and the accounts a
    // registered channel gives `@`; see `channels.rs`.
    "CREATE TABLE channels (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        topic TEXT,
        topic_by TEXT,
        topic_at INTEGER,
        flags TEXT NOT NULL,
        key_mode TEXT,
        user_limit INTEGER,
        founder TEXT,
        registered_at INTEGER
    );
    CREATE TABLE channel_masks (
        channel TEXT NOT NULL,
        list TEXT NOT NULL,
        mask TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        UNIQUE (channel, list, mask)
    );
    CREATE TABLE channel_operators (
        channel TEXT NOT NULL,
        account TEXT NOT NULL,
        UNIQUE (channel, account)
    );",
    // 7: the account each line's sender was logged in to (NULL: none, or
    // stored before accounts), so that replay carries `account=`.
    "ALTER TABLE events ADD COLUMN account TEXT;",
];

/// Largest the write-ahead log is left after a checkpoint: without a
/// limit it keeps the size of its biggest burst for ever.
const WAL_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// Why a store cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "the history store {path} is read-only: nothing could be stored \
         (make it writable, or start with --no-history)"
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "the history store {path} is damaged or not a ciao store ({detail}); \
         move it away to start with an empty history, or start with --no-history"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the history store {path} was written by a newer ciao: schema v{found}, \
         this one knows up to v{known}"
    )]
    NewerSchema {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("cannot open the history store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// Sets the connection up for writing (WAL, durability, a bounded log)
/// and checks, then migrates, the store at `path`.
pub(super) fn prepare(db: &mut Connection, path: &Path) -> Result<(), OpenError> {
    let sqlite = |source| OpenError::Sqlite {
        path: path.to_owned(),
        source,
    };
    // SQLite opens a file it may not write read-only, without a word.
    if db.is_readonly(MAIN_DB).map_err(sqlite)? {
        return Err(OpenError::ReadOnly {
            path: path.to_owned(),
        });
    }
    // The first read of a file that is not a database fails here.
    let corrupt = |detail: String| OpenError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let quick_check: String = db
        .pragma_query_value(None, "quick_check", |row| row.get(0))
        .map_err(|error| corrupt(error.to_string()))?;
    if quick_check != "ok" {
        // Its first findings, on one line: enough to tell what is wrong.
        let findings: Vec<&str> = quick_check.lines().take(3).collect();
        return Err(corrupt(findings.join("; ")));
    }
    let version: usize = db
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sqlite)?;
    if version > MIGRATIONS.len() {
        return Err(OpenError::NewerSchema {
            path: path.to_owned(),
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    // WAL: readers never block the writer, and a commit is one append.
    // synchronous=NORMAL keeps every commit across a crash of the process
    // (kill -9); only a power cut can lose the last ones.
    db.pragma_update(None, "journal_mode", "WAL")
        .map_err(|error| writable_or(path, error))?;
    db.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sqlite)?;
    db.pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES)
        .map_err(sqlite)?;
    db.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sqlite)?;
    migrate(db, version).map_err(|error| writable_or(path, error))
}

/// Applies the migrations after `version`.
fn migrate(db: &mut Connection, version: usize) -> rusqlite::Result<()> {
    let tx = db.transaction()?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
    }
    tx.commit()
}

/// A write that failed because the file or its directory cannot be
/// written (a read-only mount) is a read-only store; anything else is
/// SQLite's own error.
pub(super) fn writable_or(path: &Path, error: rusqlite::Error) -> OpenError {
    let read_only = matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
    );
    if read_only {
        OpenError::ReadOnly {
            path: path.to_owned(),
        }
    } else {
        OpenError::Sqlite {
            path: path.to_owned(),
            source: error,
        }
    }
}
