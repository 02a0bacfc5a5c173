//! The real `ciao-server` binary: Ctrl+C (SIGINT) closes every client and
//! exits 0, and a restart binds the same port at once.

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use common::TestClient;
use common::process::{self, Server};

/// Starts the binary listening on `listen`.
fn start(listen: &str) -> (Server, SocketAddr) {
    process::start([
        "--listen",
        listen,
        "--server-name",
        "bin.test",
        "--no-history",
    ])
}

/// Waits for the server to exit by itself and returns whether it exited 0.
/// A watchdog kills it after 6 s, which fails the test instead of hanging it.
async fn exits_cleanly(mut server: Server) -> bool {
    let pid = server.0.id().to_string();
    let (exited, watchdog) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if watchdog.recv_timeout(Duration::from_secs(6)).is_err() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    });
    let status = tokio::task::spawn_blocking(move || server.0.wait())
        .await
        .expect("join")
        .expect("wait");
    let _ = exited.send(());
    status.success()
}

fn interrupt(server: &Server) {
    let status = Command::new("kill")
        .args(["-INT", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[tokio::test]
async fn sigint_closes_clients_exits_zero_and_the_port_is_reusable() {
    let (server, addr) = start("127.0.0.1:0");
    let mut irc = TestClient::irc_in_lobby(addr, "irc").await;
    let mut plain = TestClient::plain(addr, "plain").await;
    irc.wait_contains("JOIN #lobby").await;

    interrupt(&server);
    assert_eq!(irc.expect_eof().await, [common::IRC_GOODBYE]);
    assert_eq!(plain.expect_eof().await, common::PLAIN_GOODBYE);
    assert!(exits_cleanly(server).await, "exit status 0");

    // The server closed first, so its side of each connection sits in
    // TIME_WAIT: only SO_REUSEADDR lets the restart bind.
    let (again, addr_again) = start(&addr.to_string());
    assert_eq!(addr_again, addr);
    let _client = TestClient::irc(addr, "back").await;
    interrupt(&again);
    assert!(exits_cleanly(again).await, "exit status 0");
}
