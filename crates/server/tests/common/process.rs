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
    let args: Vec<S> = args.into_iter().collect();
    let tls: &[&str] = if args.iter().any(|arg| arg.as_ref() == "--no-tls") {
        &[]
    } else {
        &["--tls-listen", "127.0.0.1:0"]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        .args(tls)
        .args(args)
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
