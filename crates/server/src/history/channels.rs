//! Channels that outlive a restart: the default channel (its topic and
//! modes) and registered channels (`ChanServ REGISTER`: also their
//! founder and the accounts that get `@`). Each is stored whole, as a
//! snapshot replacing the previous one, in the same transaction as the
//! history it goes with: a channel changes rarely (a topic, a mode, a
//! ban), and a snapshot cannot drift from what the server holds the way
//! a stream of small edits could after one lost write.

use rusqlite::{Connection, Transaction, params};

/// What is kept of one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedChannel {
    /// The folded name (the key).
    pub key: String,
    /// The name as created, for display.
    pub name: String,
    /// Unix seconds (RPL_CREATIONTIME stays the same across restarts).
    pub created_at: u64,
    pub topic: Option<SavedTopic>,
    /// The flag modes set, as letters (`"nt"`).
    pub flags: String,
    pub key_mode: Option<String>,
    pub limit: Option<u64>,
    /// `+b`, `+e` and `+I` entries.
    pub masks: Vec<SavedMask>,
    /// Set for a registered channel.
    pub registration: Option<SavedRegistration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedTopic {
    pub text: String,
    pub set_by: String,
    /// Unix seconds.
    pub set_at: u64,
}

/// One entry of a mask list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedMask {
    /// `b`, `e` or `I`.
    pub list: char,
    pub mask: String,
    pub set_by: String,
    pub set_at: u64,
}

/// Who a registered channel belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRegistration {
    /// The founder's account.
    pub founder: String,
    /// Unix seconds.
    pub registered_at: u64,
    /// Accounts given `@` on joining, besides the founder.
    pub operators: Vec<String>,
}

/// A change to the kept channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelChange {
    /// Keep this channel as it is now (replacing what was kept).
    Save(Box<SavedChannel>),
    /// Keep nothing more of the channel with this folded name.
    Forget { key: String },
}

/// Applies one change inside the batch's transaction.
pub(super) fn apply(tx: &Transaction<'_>, change: &ChannelChange) -> rusqlite::Result<()> {
    let key = match change {
        ChannelChange::Save(saved) => &saved.key,
        ChannelChange::Forget { key } => key,
    };
    for table in [
        "DELETE FROM channels WHERE key = ?1",
        "DELETE FROM channel_masks WHERE channel = ?1",
        "DELETE FROM channel_operators WHERE channel = ?1",
    ] {
        tx.prepare_cached(table)?.execute([key])?;
    }
    let ChannelChange::Save(saved) = change else {
        return Ok(());
    };
    let topic = saved.topic.as_ref();
    let registration = saved.registration.as_ref();
    tx.prepare_cached(
        "INSERT INTO channels (key, name, created_at, topic, topic_by, topic_at,
            flags, key_mode, user_limit, founder, registered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        saved.key,
        saved.name,
        saved.created_at as i64,
        topic.map(|t| &t.text),
        topic.map(|t| &t.set_by),
        topic.map(|t| t.set_at as i64),
        saved.flags,
        saved.key_mode,
        saved.limit.map(|l| l as i64),
        registration.map(|r| &r.founder),
        registration.map(|r| r.registered_at as i64),
    ])?;
    let mut mask = tx.prepare_cached(
        "INSERT OR IGNORE INTO channel_masks (channel, list, mask, set_by, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for entry in &saved.masks {
        mask.execute(params![
            saved.key,
            entry.list.to_string(),
            entry.mask,
            entry.set_by,
            entry.set_at as i64
        ])?;
    }
    let mut operator = tx.prepare_cached(
        "INSERT OR IGNORE INTO channel_operators (channel, account) VALUES (?1, ?2)",
    )?;
    for account in registration.iter().flat_map(|r| &r.operators) {
        operator.execute(params![saved.key, account])?;
    }
    Ok(())
}

/// Every kept channel (read once, at start).
pub(super) fn load(db: &Connection) -> rusqlite::Result<Vec<SavedChannel>> {
    let mut channels = db
        .prepare(
            "SELECT key, name, created_at, topic, topic_by, topic_at, flags,
                key_mode, user_limit, founder, registered_at
             FROM channels ORDER BY key",
        )?
        .query_map([], |row| {
            let topic = match (row.get(3)?, row.get(4)?, row.get::<_, Option<i64>>(5)?) {
                (Some(text), Some(set_by), Some(set_at)) => Some(SavedTopic {
                    text,
                    set_by,
                    set_at: set_at as u64,
                }),
                _ => None,
            };
            let registration = match (row.get(9)?, row.get::<_, Option<i64>>(10)?) {
                (Some(founder), Some(at)) => Some(SavedRegistration {
                    founder,
                    registered_at: at as u64,
                    operators: Vec::new(),
                }),
                _ => None,
            };
            Ok(SavedChannel {
                key: row.get(0)?,
                name: row.get(1)?,
                created_at: row.get::<_, i64>(2)? as u64,
                topic,
                flags: row.get(6)?,
                key_mode: row.get(7)?,
                limit: row.get::<_, Option<i64>>(8)?.map(|l| l as u64),
                masks: Vec::new(),
                registration,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut masks = db.prepare(
        "SELECT list, mask, set_by, set_at FROM channel_masks
         WHERE channel = ?1 ORDER BY rowid",
    )?;
    let mut operators =
        db.prepare("SELECT account FROM channel_operators WHERE channel = ?1 ORDER BY rowid")?;
    for channel in &mut channels {
        channel.masks = masks
            .query_map([&channel.key], |row| {
                Ok(SavedMask {
                    list: row.get::<_, String>(0)?.chars().next().unwrap_or('b'),
                    mask: row.get(1)?,
                    set_by: row.get(2)?,
                    set_at: row.get::<_, i64>(3)? as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(registration) = &mut channel.registration {
            registration.operators = operators
                .query_map([&channel.key], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
    }
    Ok(channels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Change, Store};

    fn lobby() -> SavedChannel {
        SavedChannel {
            key: "#lobby".to_owned(),
            name: "#Lobby".to_owned(),
            created_at: 100,
            topic: Some(SavedTopic {
                text: "welcome".to_owned(),
                set_by: "a!u@h".to_owned(),
                set_at: 200,
            }),
            flags: "mnt".to_owned(),
            key_mode: Some("sesame".to_owned()),
            limit: Some(10),
            masks: vec![
                SavedMask {
                    list: 'b',
                    mask: "bad!*@*".to_owned(),
                    set_by: "a".to_owned(),
                    set_at: 300,
                },
                SavedMask {
                    list: 'I',
                    mask: "*!*@friends".to_owned(),
                    set_by: "a".to_owned(),
                    set_at: 301,
                },
            ],
            registration: Some(SavedRegistration {
                founder: "ann".to_owned(),
                registered_at: 400,
                operators: vec!["bob".to_owned(), "cat".to_owned()],
            }),
        }
    }

    #[test]
    fn a_snapshot_replaces_the_last_one_and_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let mut first = lobby();
        first.masks.push(SavedMask {
            list: 'e',
            mask: "gone!*@*".to_owned(),
            set_by: "a".to_owned(),
            set_at: 1,
        });
        let save = |c: SavedChannel| Change::Channel(ChannelChange::Save(Box::new(c)));
        store.apply_changes(&[save(first)]).expect("save");
        store.apply_changes(&[save(lobby())]).expect("save again");
        let mut other = lobby();
        other.key = "#other".to_owned();
        other.registration = None;
        other.topic = None;
        store.apply_changes(&[save(other.clone())]).expect("save");
        drop(store);

        let mut store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.saved_channels().expect("load"),
            [lobby(), other.clone()]
        );
        let forget = Change::Channel(ChannelChange::Forget {
            key: "#lobby".to_owned(),
        });
        store.apply_changes(&[forget]).expect("forget");
        assert_eq!(store.saved_channels().expect("load"), [other]);
    }
}
