//! The real `ciao-server` binary as a child process.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Kills the server if a test fails before it exits by itself.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `args` and returns it with the address it
/// logged (the first: the plaintext listener). Its TLS listener is on
/// port 0 too (never the default 6697), unless `args` say `--no-tls`.
pub fn start<I, S>(args: I) -> (Server, SocketAddr)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let (server, mut log) = start_logged(args);
    let addr = log.listening(false);
    (server, addr)
}

/// The server's log, line by line (read on a thread that keeps draining
/// it, so the server never blocks on a full pipe).
pub struct Log(mpsc::Receiver<String>);

impl Log {
    /// The next line that contains `needle`; panics after 30 s or at the
    /// end of the log.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.0.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(error) => panic!("no log line with {needle:?}: {error}"),
            }
        }
    }

    /// The address of the next `listening` line, plaintext or TLS.
    pub fn listening(&mut self, tls: bool) -> SocketAddr {
        let kind = format!("tls={tls}");
        loop {
            let line = self.wait_for("listening");
            if !line.contains(&kind) || line.contains("web=true") {
                continue;
            }
            let addr = line.split("addr=").nth(1).unwrap_or_default();
            return addr
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .parse()
                .expect("socket address");
        }
    }
}

impl Log {
    /// The web listener's address, from its `listening` line.
    pub fn web_listening(&mut self) -> SocketAddr {
        let line = self.wait_for("web=true");
        let addr = line.split("addr=").nth(1).unwrap_or_default();
        addr.split_whitespace()
            .next()
            .unwrap_or_default()
            .parse()
            .expect("socket address")
    }
}

/// `start`, keeping the log for the test to read.
pub fn start_logged<I, S>(args: I) -> (Server, Log)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<S> = args.into_iter().collect();
    let given = |flag: &str| args.iter().any(|arg| arg.as_ref() == flag);
    let tls: &[&str] = if given("--no-tls") {
        &[]
    } else {
        &["--tls-listen", "127.0.0.1:0"]
    };
    // Never the default 8067 either.
    let web: &[&str] = if given("--no-web") || given("--web") {
        &[]
    } else {
        &["--web", "127.0.0.1:0"]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        .args(tls)
        .args(web)
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ciao-server");
    let log = child.stderr.take().expect("stderr");
    let server = Server(child);
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(log).lines().map_while(Result::ok) {
            // Once the test stops listening the lines are still drained.
            let _ = lines.send(line);
        }
    });
    (server, Log(received))
}
