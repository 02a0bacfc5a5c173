//! The store's size budget (`--history-max-bytes`): when the database
//! uses more than the budget, the oldest events go, in bounded chunks, on
//! the writer thread (the hub never waits for it). Read markers are not
//! counted out: they are few (bounded in `read_markers.rs`) and small.

use super::Store;

/// Rows deleted per statement: one chunk holds the writer for
/// milliseconds, so messages waiting for their commit barely notice.
const CHUNK_ROWS: usize = 2000;
/// Chunks deleted per check at most; the rest waits for the next batch,
/// so a store far over budget (a smaller budget after a restart) shrinks
/// over some batches instead of stopping the chat.
const MAX_CHUNKS_PER_CHECK: usize = 16;

/// Deletes the oldest events while the store uses more than `max_bytes`,
/// down to 90% of it (so that it is not trimmed again after every
/// batch); returns how many went.
pub(super) fn enforce(store: &mut Store, max_bytes: u64) -> rusqlite::Result<usize> {
    let mut deleted = 0;
    if store.used_bytes()? <= max_bytes {
        return Ok(0);
    }
    let low_water = max_bytes / 10 * 9;
    for _ in 0..MAX_CHUNKS_PER_CHECK {
        let gone = store.delete_oldest(CHUNK_ROWS)?;
        deleted += gone;
        if gone == 0 || store.used_bytes()? <= low_water {
            break;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Event, Scope};

    #[test]
    fn keeps_the_newest_rows_within_the_budget() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open");
        let events: Vec<Event> = (0..20_000u64)
            .map(|n| Event {
                msgid: format!("id{n:08}"),
                time: n,
                target: "#c".to_owned(),
                line: format!(":a!u@h PRIVMSG #c :message number {n} with some words"),
                account: None,
            })
            .collect();
        let max_bytes = 512 * 1024;
        for chunk in events.chunks(500) {
            store.insert_jobs([chunk]).expect("insert");
            enforce(&mut store, max_bytes).expect("enforce");
        }
        assert!(store.used_bytes().expect("size") <= max_bytes);
        let newest = store
            .latest(Scope::messages("#c"), None, 1)
            .expect("latest");
        assert_eq!(newest[0].msgid, "id00019999");
        let oldest = store
            .after(Scope::messages("#c"), crate::history::Anchor::Row(0), 1)
            .expect("oldest");
        assert_ne!(oldest[0].msgid, "id00000000", "the oldest went first");
    }
}
