//! The store under hostile conditions: a full disk (nothing delivered that
//! is not stored, recovery by itself), a store that cannot be used at start
//! (read-only, damaged, from a newer ciao), the size budget, and clients
//! that churn joins and parts.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ciao_server::Config;
use ciao_server::HistoryConfig;
use ciao_server::testing::{Scope, Store};
use common::{TestClient, TestServer, quiet_config};

/// The exit code of a store that cannot be used (README, "Exit codes").
const STORE_EXIT_CODE: i32 = 3;

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop so
/// that a failing test leaves no mount behind. `None` (with the reason
/// printed) where mounting is not possible: not root, or not Linux.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::piped())
            .output();
        match mounted {
            Ok(output) if output.status.success() => Some(Tmpfs { dir }),
            Ok(output) => {
                println!(
                    "SKIPPED: cannot mount a tmpfs (needs root): {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                println!("SKIPPED: cannot run mount: {error}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .expect("mount");
        assert!(status.success(), "remount read-only");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: after a failed assertion the server may still hold its
        // files open, and the mount must go all the same.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn with_history(dir: &Path) -> Config {
    let mut history = HistoryConfig::new(dir.to_owned());
    history.replay_lines = 0;
    Config {
        history: Some(history),
        opers: vec!["root:secret".parse().expect("oper")],
        ..quiet_config()
    }
}

/// Fills the file system under `dir` with a file until no byte more fits.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    for size in [64 * 1024, 4096, 1] {
        let block = vec![0u8; size];
        while file.write_all(&block).is_ok() {}
    }
    path
}

/// Every PRIVMSG text stored in `target`, oldest first.
fn stored_texts(dir: &Path, target: &str) -> Vec<String> {
    let store = Store::open_reader(dir).expect("reader");
    store
        .latest(Scope::messages(target), None, 100_000)
        .expect("read")
        .into_iter()
        .filter_map(|e| e.line.rsplit_once(" :").map(|(_, t)| t.to_owned()))
        .collect()
}

const CAPS: &[&str] = &["echo-message", "labeled-response", "batch"];

/// Sends `text` to #lobby and returns true when it went out (its echo
/// came back), false when it was refused (a FAIL came back).
async fn say(alice: &mut TestClient, text: &str) -> bool {
    alice.send(&format!("PRIVMSG #lobby :{text}")).await;
    let answer = alice
        .wait_for("echo or FAIL", |l| {
            l.ends_with(&format!("PRIVMSG #lobby :{text}")) || l.contains(" FAIL ")
        })
        .await;
    if answer.contains(" FAIL ") {
        assert_eq!(
            answer,
            ":test.server FAIL PRIVMSG TEMPORARILY_UNAVAILABLE #lobby \
             :Message not sent: the server cannot store it right now, try again later"
        );
        return false;
    }
    true
}

#[tokio::test]
async fn a_full_disk_refuses_messages_and_recovers_by_itself() {
    let Some(tmpfs) = Tmpfs::mount("2m") else {
        return;
    };
    let dir = tmpfs.path();
    let server = TestServer::start(with_history(dir)).await;
    let mut oper = TestClient::irc(server.addr, "oper").await;
    oper.send("OPER root secret").await;
    oper.wait_numeric("381").await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", CAPS).await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    let mut carol = TestClient::plain(server.addr, "carol").await;
    let mut dave = TestClient::irc(server.addr, "dave").await;
    alice.join("#lobby").await;
    // Bob only listens, and is read at the end: everything he got.
    bob.join("#lobby").await;
    // Carol (plain) lives in #lobby already.
    let mut delivered = vec!["before the disk filled".to_owned()];
    assert!(say(&mut alice, &delivered[0]).await);

    let filler = fill(dir);
    // The store's log still had room in its last pages: keep talking until
    // a commit needs more than the disk has.
    let mut refused = None;
    for n in 0..5000 {
        let text = format!("filling {n}");
        if !say(&mut alice, &text).await {
            refused = Some(text);
            break;
        }
        delivered.push(text);
    }
    let refused = refused.expect("a message is refused once the disk is full");
    oper.wait_contains("NOTICE oper :*** History store failing")
        .await;

    // While it fails: a labeled message gets its FAIL as the answer, a
    // plain sender a text, and events still go out.
    alice
        .send("@label=l1 PRIVMSG #lobby :labeled while full")
        .await;
    alice
        .expect(
            "@label=l1 :test.server FAIL PRIVMSG TEMPORARILY_UNAVAILABLE #lobby \
             :Message not sent: the server cannot store it right now, try again later",
        )
        .await;
    carol.send_raw(b"plain while full\n").await;
    carol
        .wait_contains("Message not sent: the server cannot store it right now. Try again later.")
        .await;
    dave.join("#lobby").await;
    dave.send("PART #lobby").await;
    dave.wait_contains("PART #lobby").await;

    // Room again: the next message is stored and delivered, by itself.
    std::fs::remove_file(&filler).expect("remove filler");
    delivered.push("after the disk had room".to_owned());
    assert!(say(&mut alice, "after the disk had room").await);
    oper.wait_contains("NOTICE oper :*** History store recovered")
        .await;

    // Bob got exactly what was delivered, the events, nothing refused…
    let bob_saw = bob.sync().await;
    let bob_texts: Vec<String> = bob_saw
        .iter()
        .filter_map(|l| l.split_once("PRIVMSG #lobby :").map(|(_, t)| t.to_owned()))
        .collect();
    assert_eq!(
        bob_texts, delivered,
        "bob got every delivered line and no refused one"
    );
    assert!(
        bob_saw
            .iter()
            .any(|l| l.starts_with(":dave!") && l.contains("JOIN"))
    );
    assert!(
        bob_saw
            .iter()
            .any(|l| l.starts_with(":dave!") && l.contains("PART"))
    );
    // …and every line he got is in the store; none refused is.
    let stored = stored_texts(dir, "#lobby");
    for text in &delivered {
        assert!(stored.contains(text), "{text:?} is stored");
    }
    for text in [refused.as_str(), "labeled while full", "plain while full"] {
        assert!(!stored.iter().any(|s| s == text), "{text:?} is not stored");
    }
    server.shutdown().await;
}

/// Runs the real binary on `dir` and returns its exit code and log, or
/// fails when it is still running after a bound (it must stop at once).
fn exit_of(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        // No TLS: the certificate would go in the store's folder, and what
        // is tested here is the store's failure.
        .args(["--listen", "127.0.0.1:0", "--no-tls", "--data-dir"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ciao-server");
    let stderr = child.stderr.take().expect("stderr");
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut log = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr }, &mut log);
        let _ = done.send(log);
    });
    // The log ends when the process does (or it is killed below).
    let log = match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(log) => log,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ciao-server still runs on an unusable store");
        }
    };
    let status = child.wait().expect("wait");
    (status.code(), log)
}

/// A store with `rows` stored lines, written and closed.
fn a_store(dir: &Path, rows: u64) {
    let mut store = Store::open(dir).expect("open");
    let events: Vec<_> = (0..rows)
        .map(|n| ciao_server::testing::Event {
            msgid: format!("m{n}"),
            time: n,
            target: "#lobby".to_owned(),
            line: format!(":a!u@h PRIVMSG #lobby :line {n} of a store"),
            account: None,
        })
        .collect();
    store.insert_jobs([events.as_slice()]).expect("insert");
}

/// `--no-history` on the same directory starts (and is stopped here).
fn starts_without_history(dir: &Path) {
    let (server, _addr) = common::process::start(
        [
            "--listen",
            "127.0.0.1:0",
            "--no-tls",
            "--no-history",
            "--data-dir",
        ]
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([dir.as_os_str()]),
    );
    drop(server);
}

#[test]
fn a_read_only_store_stops_the_start() {
    let Some(tmpfs) = Tmpfs::mount("4m") else {
        return;
    };
    a_store(tmpfs.path(), 1);
    tmpfs.remount_read_only();
    let (code, log) = exit_of(tmpfs.path(), &[]);
    assert_eq!(code, Some(STORE_EXIT_CODE), "{log}");
    assert!(
        log.contains("is read-only: nothing could be stored"),
        "{log}"
    );
    starts_without_history(tmpfs.path());
}

#[test]
fn a_damaged_store_stops_the_start() {
    // A real store with a page damaged in the middle: it opens, and only
    // `quick_check` finds the damage.
    let dir = tempfile::tempdir().expect("tempdir");
    a_store(dir.path(), 3000);
    let path = dir.path().join("history.sqlite3");
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 8 * 4096, "a store of several pages");
    // The cell pointers of a page in the middle point out of the page.
    let page = bytes.len() / 4096 / 2 * 4096;
    bytes[page + 8..page + 200].fill(0x55);
    std::fs::write(&path, bytes).expect("write");
    let (code, log) = exit_of(dir.path(), &[]);
    assert_eq!(code, Some(STORE_EXIT_CODE), "{log}");
    assert!(log.contains("is damaged or not a ciao store"), "{log}");
    starts_without_history(dir.path());

    // A file that is not a database at all.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("history.sqlite3"),
        "not a database, but long enough to look like a header of one ".repeat(100),
    )
    .expect("write");
    let (code, log) = exit_of(dir.path(), &[]);
    assert_eq!(code, Some(STORE_EXIT_CODE), "{log}");
    assert!(log.contains("is damaged or not a ciao store"), "{log}");
    starts_without_history(dir.path());
}

#[test]
fn a_store_from_a_newer_ciao_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    a_store(dir.path(), 1);
    let db = rusqlite::Connection::open(dir.path().join("history.sqlite3")).expect("open");
    db.pragma_update(None, "user_version", 99).expect("version");
    drop(db);
    let (code, log) = exit_of(dir.path(), &[]);
    assert_eq!(code, Some(STORE_EXIT_CODE), "{log}");
    assert!(
        log.contains("was written by a newer ciao: schema v99, this one knows up to v7"),
        "{log}"
    );
    starts_without_history(dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_keeps_to_its_size_budget_newest_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let max_bytes = 1 << 20;
    let mut config = with_history(dir.path());
    if let Some(history) = &mut config.history {
        history.max_bytes = Some(max_bytes);
    }
    let server = TestServer::start(config).await;
    let mut alice = TestClient::irc_with_caps(server.addr, "alice", &["echo-message"]).await;
    alice.join("#lobby").await;
    // About 6 MB of lines: six times the budget.
    let words = "a line long enough to fill the store quickly ".repeat(4);
    let total = 20_000;
    for n in 0..total {
        alice.send(&format!("PRIVMSG #lobby :{n} {words}")).await;
    }
    alice
        .wait_contains(&format!("PRIVMSG #lobby :{} ", total - 1))
        .await;
    let store = Store::open_reader(dir.path()).expect("reader");
    let used = store.used_bytes().expect("size");
    assert!(used <= max_bytes, "{used} bytes in use, budget {max_bytes}");
    let file = std::fs::metadata(dir.path().join("history.sqlite3"))
        .expect("file")
        .len();
    assert!(
        file <= 2 * max_bytes,
        "the file stays near the budget: {file}"
    );
    let kept = stored_texts(dir.path(), "#lobby");
    assert!(
        kept.len() > 1000,
        "the budget keeps a useful history: {}",
        kept.len()
    );
    assert!(kept.len() < total, "old lines went");
    let numbers: Vec<usize> = kept
        .iter()
        .filter_map(|t| t.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(numbers.last(), Some(&(total - 1)), "the newest is kept");
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "what is kept is the newest, without holes"
    );
    server.shutdown().await;
}

/// Rows of joins and parts in the store.
fn presence_rows(dir: &Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("history.sqlite3")).expect("open");
    db.query_row(
        "SELECT count(*) FROM events WHERE kind IN ('JOIN', 'PART')",
        [],
        |row| row.get(0),
    )
    .expect("count")
}

/// Proves every job the client submitted so far is committed: the
/// echo of a message is released after everything queued before it.
async fn committed(client: &mut TestClient, token: &str) {
    client.send(&format!("PRIVMSG #lobby :{token}")).await;
    client
        .wait_contains(&format!("PRIVMSG #lobby :{token}"))
        .await;
}

#[tokio::test]
async fn a_churning_client_stores_a_bounded_number_of_joins_and_parts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    let channels: Vec<String> = (0..99).map(|n| format!("#c{n}")).collect();
    let list = channels.join(",");
    let mut churner = TestClient::irc_with_caps(server.addr, "churner", &["echo-message"]).await;
    churner.join("#lobby").await;
    churner.send(&format!("JOIN {list}")).await;
    churner
        .wait_for("the last join", |l| l.contains("366") && l.contains("#c98"))
        .await;
    committed(&mut churner, "joined").await;
    assert_eq!(presence_rows(dir.path()), 100, "a normal arrival is stored");

    for round in 0..10 {
        churner.send(&format!("PART {list}")).await;
        churner.send(&format!("JOIN {list}")).await;
        churner
            .wait_for("the last join", |l| l.contains("366") && l.contains("#c98"))
            .await;
        committed(&mut churner, &format!("round {round}")).await;
    }
    let churned = presence_rows(dir.path());
    // 100 + 10 × 198 rows sent; the budget stores 300 at once plus one
    // every two seconds.
    assert!(churned <= 320, "{churned} rows of joins and parts stored");

    // Somebody else arriving normally is stored.
    let mut newcomer = TestClient::irc(server.addr, "newcomer").await;
    newcomer.join("#lobby").await;
    newcomer.send(&format!("JOIN {list}")).await;
    newcomer
        .wait_for("the last join", |l| l.contains("366") && l.contains("#c98"))
        .await;
    committed(&mut churner, "newcomer joined").await;
    assert_eq!(presence_rows(dir.path()), churned + 100);
    server.shutdown().await;
}
