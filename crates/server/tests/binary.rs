//! The real `ciao-server` binary: Ctrl+C (SIGINT) closes every client and
//! exits 0, and a restart binds the same port at once.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::TestClient;

/// Kills the server if a test fails before it exits by itself.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and returns it with the address it logged.
fn start(listen: &str) -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        .args([
            "--listen",
            listen,
            "--server-name",
            "bin.test",
            "--no-history",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ciao-server");
    let log = child.stderr.take().expect("stderr");
    let server = Server(child);
    let (found, address) = mpsc::channel();
    // Read the log on a thread (and keep draining it so the server never
    // blocks on a full pipe); wait for the address with a timeout.
    std::thread::spawn(move || {
        for line in BufReader::new(log).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("addr=").nth(1) {
                let addr = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let _ = found.send(addr);
            }
        }
    });
    let addr = address
        .recv_timeout(Duration::from_secs(30))
        .expect("server logs its address")
        .parse()
        .expect("socket address");
    (server, addr)
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
