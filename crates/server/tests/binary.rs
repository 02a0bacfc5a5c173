//! The real `ciao-server` binary: Ctrl+C (SIGINT) closes every client and
//! exits 0, and a restart binds the same port at once; a setting it cannot
//! honour stops it at start with a clear message, never a panic.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// How long a refusal to start may take: it is decided before any socket
/// is bound, so anything near this means the server started after all.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the binary with `args` (and a throwaway listen address, should it
/// start after all), asserts that it exits non-zero within
/// `REFUSAL_TIMEOUT` without a panic, and returns its stderr. A watchdog
/// kills a server that started, which fails the test instead of hanging
/// it.
fn refuses_to_start(args: &[&str]) -> String {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--no-history"])
        .args(["--tls-listen", "127.0.0.1:0"])
        // Asked for, a backtrace must still not bury the message.
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ciao-server");
    let pid = child.id().to_string();
    let (exited, watchdog) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if watchdog.recv_timeout(REFUSAL_TIMEOUT).is_err() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    });
    let output = child.wait_with_output().expect("wait");
    let _ = exited.send(());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        started.elapsed() < REFUSAL_TIMEOUT,
        "{args:?}: still running after {REFUSAL_TIMEOUT:?}; stderr: {stderr}"
    );
    assert!(
        !output.status.success(),
        "{args:?} exited 0; stderr: {stderr}"
    );
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(!stderr.contains("acktrace"), "{args:?}: {stderr}");
    stderr
}

#[test]
fn a_max_clients_beyond_any_semaphore_is_a_start_error() {
    let stderr = refuses_to_start(&["--max-clients", "18446744073709551615"]);
    assert!(
        stderr.contains("--max-clients must be between 1 and 1000000, got 18446744073709551615"),
        "{stderr}"
    );
}

#[test]
fn a_registration_timeout_that_overflows_instant_is_a_start_error() {
    let stderr = refuses_to_start(&["--registration-timeout", "9223372036854775807"]);
    assert!(
        stderr.contains(
            "--registration-timeout must be between 1 and 86400, got 9223372036854775807"
        ),
        "{stderr}"
    );
}

#[test]
fn a_negative_number_gets_the_range_not_unexpected_argument() {
    let stderr = refuses_to_start(&["--max-clients", "-1"]);
    assert!(
        stderr.contains("--max-clients must be between 1 and 1000000, got -1"),
        "{stderr}"
    );
    assert!(!stderr.contains("unexpected argument"), "{stderr}");
}

#[test]
fn a_sendq_too_small_for_registration_is_a_start_error() {
    let stderr = refuses_to_start(&["--sendq", "1"]);
    assert!(
        stderr.contains("--sendq must be between 131072 and 1073741824, got 1"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn an_endless_motd_is_a_start_error() {
    let stderr = refuses_to_start(&["--motd", "/dev/zero"]);
    assert!(
        stderr.contains("the MOTD file /dev/zero is not a regular file"),
        "{stderr}"
    );
}
