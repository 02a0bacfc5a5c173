//! Accounts in the store: one row each, with its certificates. The
//! accounts owner (`state::accounts`) keeps them all in memory (a small
//! server has few) and sends every change here through the ordered seam,
//! so a login never waits for the disk.

use rusqlite::{Transaction, params};

use super::store::Store;
use crate::credentials::scram;

/// One account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// The name as registered (its case kept).
    pub name: String,
    /// The argon2id PHC string.
    pub(crate) password: String,
    pub(crate) scram: scram::Keys,
    /// Unix seconds.
    pub created: u64,
    /// Unix seconds of the last login.
    pub last_seen: u64,
    /// SHA-256 fingerprints (lowercase hex) of its client certificates.
    pub certs: Vec<String>,
}

/// A change to the accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// Created, or its password or certificates changed: the whole record
    /// is written (`key` is its folded name).
    Save { key: String, record: AccountRecord },
    /// Dropped: the account and its certificates go.
    Drop { key: String },
    /// Logged in at `time` (Unix seconds).
    Seen { key: String, time: u64 },
}

impl Store {
    /// Every account with its folded name (loaded once, at start).
    pub fn accounts(&self) -> rusqlite::Result<Vec<(String, AccountRecord)>> {
        let mut certs = self.db.prepare(
            "SELECT fingerprint FROM account_certs WHERE account = ?1 ORDER BY fingerprint",
        )?;
        let mut query = self.db.prepare(
            "SELECT name_key, name, password, scram_salt, scram_iterations,
                    scram_stored_key, scram_server_key, created, last_seen
             FROM accounts",
        )?;
        let rows = query.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                AccountRecord {
                    name: row.get(1)?,
                    password: row.get(2)?,
                    scram: scram::Keys {
                        salt: row.get(3)?,
                        iterations: row.get(4)?,
                        stored_key: row.get(5)?,
                        server_key: row.get(6)?,
                    },
                    created: row.get::<_, i64>(7)?.max(0) as u64,
                    last_seen: row.get::<_, i64>(8)?.max(0) as u64,
                    certs: Vec::new(),
                },
            ))
        })?;
        let mut accounts = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for (key, record) in &mut accounts {
            record.certs = certs
                .query_map(params![&*key], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(accounts)
    }
}

/// Applies account changes inside the batch's transaction.
pub(super) fn apply(tx: &Transaction<'_>, change: &AccountChange) -> rusqlite::Result<()> {
    match change {
        AccountChange::Save { key, record } => {
            tx.prepare_cached(
                "INSERT INTO accounts (name_key, name, password, scram_salt, scram_iterations,
                    scram_stored_key, scram_server_key, created, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (name_key) DO UPDATE SET name = excluded.name,
                    password = excluded.password, scram_salt = excluded.scram_salt,
                    scram_iterations = excluded.scram_iterations,
                    scram_stored_key = excluded.scram_stored_key,
                    scram_server_key = excluded.scram_server_key,
                    last_seen = excluded.last_seen",
            )?
            .execute(params![
                key,
                record.name,
                record.password,
                record.scram.salt,
                record.scram.iterations,
                record.scram.stored_key,
                record.scram.server_key,
                record.created as i64,
                record.last_seen as i64,
            ])?;
            tx.prepare_cached("DELETE FROM account_certs WHERE account = ?1")?
                .execute(params![key])?;
            let mut add = tx.prepare_cached(
                "INSERT OR REPLACE INTO account_certs (fingerprint, account) VALUES (?1, ?2)",
            )?;
            for cert in &record.certs {
                add.execute(params![cert, key])?;
            }
        }
        AccountChange::Drop { key } => {
            tx.prepare_cached("DELETE FROM account_certs WHERE account = ?1")?
                .execute(params![key])?;
            tx.prepare_cached("DELETE FROM accounts WHERE name_key = ?1")?
                .execute(params![key])?;
        }
        AccountChange::Seen { key, time } => {
            tx.prepare_cached("UPDATE accounts SET last_seen = ?2 WHERE name_key = ?1")?
                .execute(params![key, *time as i64])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Change;

    fn record(name: &str, certs: &[&str]) -> AccountRecord {
        AccountRecord {
            name: name.to_owned(),
            password: "$argon2id$stand-in".to_owned(),
            scram: scram::Keys::derive_with("pw", vec![1, 2, 3], 4096),
            created: 10,
            last_seen: 10,
            certs: certs.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn accounts_survive_reopening_and_their_changes_apply() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut store = Store::open(dir.path()).expect("open");
            let save = |name: &str, certs: &[&str]| {
                Change::Account(AccountChange::Save {
                    key: name.to_lowercase(),
                    record: record(name, certs),
                })
            };
            store
                .apply_changes(&[save("Alice", &["aa", "bb"]), save("bob", &[])])
                .expect("save");
            store
                .apply_changes(&[
                    save("Alice", &["bb"]),
                    Change::Account(AccountChange::Seen {
                        key: "alice".to_owned(),
                        time: 99,
                    }),
                    Change::Account(AccountChange::Drop {
                        key: "bob".to_owned(),
                    }),
                ])
                .expect("change");
        }
        let store = Store::open(dir.path()).expect("reopen");
        let mut expected = record("Alice", &["bb"]);
        expected.last_seen = 99;
        assert_eq!(
            store.accounts().expect("load"),
            [("alice".to_owned(), expected)]
        );
    }
}
