//! `kill -9` at a random moment never erases a line anyone saw: a child
//! server process, clients chatting, SIGKILL, restart.

mod common;

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ciao_server::testing::{Scope, Store};
use common::TestClient;
use common::process::{self, Server};

/// Starts the binary on port 0 with history in `dir`; returns it with the
/// address it logged.
fn start(dir: &Path) -> (Server, SocketAddr) {
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--flood",
        "off",
        "--history-replay",
        "0",
        "--data-dir",
    ];
    process::start(args.iter().map(OsStr::new).chain([dir.as_os_str()]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_never_loses_a_message_anyone_received() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut server, addr) = start(dir.path());
    let mut observer = TestClient::irc_in_lobby(addr, "observer").await;

    let mut senders = Vec::new();
    for s in 0..3 {
        let mut sender = TestClient::irc_in_lobby(addr, &format!("sender{s}")).await;
        senders.push(tokio::spawn(async move {
            let mut i = 0u64;
            while sender.try_send(&format!("PRIVMSG #lobby :s{s}-{i}")).await {
                i += 1;
                if i % 16 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    // Some random moment in the first 0.1–0.6 s of chatter; the seed is
    // printed so a failure can be replayed.
    let millis = 100
        + u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .subsec_nanos(),
        ) % 500;
    println!("killing after {millis} ms");
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(millis));
        let _ = server.0.kill(); // SIGKILL
        let _ = server.0.wait();
    });

    let mut received = Vec::new();
    while let Some(line) = observer.try_line().await {
        if let Some((_, text)) = line.split_once("PRIVMSG #lobby :") {
            received.push(text.to_owned());
        }
    }
    killer.join().expect("killer");
    for sender in senders {
        sender.await.expect("sender");
    }
    assert!(
        !received.is_empty(),
        "the observer saw messages before the kill"
    );

    // Restart on the same store (recovering its WAL), then read it all.
    let (restarted, addr) = start(dir.path());
    let mut reader = TestClient::irc_with_caps(
        addr,
        "reader",
        &["batch", "server-time", "message-tags", "draft/chathistory"],
    )
    .await;
    reader.send("CHATHISTORY LATEST #lobby * 1").await;
    reader.wait_contains("BATCH -").await;
    drop(restarted);

    let store = Store::open(dir.path()).expect("store opens after the crash");
    let stored: Vec<String> = store
        .latest(Scope::messages("#lobby"), None, usize::MAX >> 1)
        .expect("read")
        .into_iter()
        .filter_map(|event| {
            event
                .line
                .split_once("PRIVMSG #lobby :")
                .map(|(_, t)| t.to_owned())
        })
        .collect();
    let unique: std::collections::HashSet<&String> = stored.iter().collect();
    assert_eq!(
        unique.len(),
        stored.len(),
        "every message stored exactly once"
    );
    // What the observer received is the stored sequence's prefix order:
    // each received line is stored, after the one received before it.
    let mut position = 0;
    for text in &received {
        match stored[position..].iter().position(|s| s == text) {
            Some(offset) => position += offset + 1,
            None => panic!(
                "{text:?} was received but is not in the history after it ({} received, {} stored)",
                received.len(),
                stored.len()
            ),
        }
    }
    println!("{} received, {} stored", received.len(), stored.len());
}
