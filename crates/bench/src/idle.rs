//! Idle: hold N registered connections (plaintext, over WebSocket with
//! `--transport ws`, or TLS with `--tls`) and measure the server's memory
//! per connection.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Semaphore;

use crate::conn::{self, Conn, Transport, WelcomeEnd};

#[derive(Debug, Clone, clap::Args)]
pub struct IdleArgs {
    #[arg(long, default_value_t = 1000)]
    pub clients: usize,
    /// Also join this channel with every client ('' for none).
    #[arg(long, default_value = "")]
    pub channel: String,
    /// Keep the connections open this many seconds after measuring, to
    /// look at the server from outside (smaps, malloc statistics).
    #[arg(long, default_value_t = 0)]
    pub hold_secs: u64,
    /// Connect with TLS (`--addr` is then the server's TLS listener); any
    /// certificate is taken. Registration only: `--channel` is for
    /// plaintext runs.
    #[arg(long)]
    pub tls: bool,
    /// IRC over TCP, or over the IRCv3 WebSocket protocol (`--addr` is
    /// then the server's web port).
    #[arg(long, value_enum, default_value_t = Transport::Tcp)]
    pub transport: Transport,
    /// Connections being opened and registered at once.
    /// Set from the global `--connect-concurrency`.
    #[arg(skip = 256usize)]
    pub connect_concurrency: usize,
    /// Which line ends registration. Set from the global `--no-motd`.
    #[arg(skip)]
    pub welcome_end: WelcomeEnd,
}

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub tls: bool,
    pub transport: Transport,
    pub clients: usize,
    pub registered: usize,
    pub server_rss_kb_before: Option<u64>,
    pub server_rss_kb_after: Option<u64>,
    pub rss_bytes_per_client: Option<f64>,
}

pub async fn run(
    addr: SocketAddr,
    args: IdleArgs,
    server_pid: Option<String>,
) -> anyhow::Result<Report> {
    if args.tls {
        anyhow::ensure!(args.channel.is_empty(), "--channel is for plaintext runs");
        anyhow::ensure!(
            args.transport == Transport::Tcp,
            "--tls is TLS over TCP; WebSocket over TLS is not measured"
        );
        anyhow::ensure!(
            args.welcome_end == WelcomeEnd::Motd,
            "--no-motd is for plaintext runs: TLS registration waits for the MOTD"
        );
        return run_tls(addr, args, server_pid).await;
    }
    let before = server_pid.as_deref().and_then(crate::procfs::rss_kib);
    let slots = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(args.clients);
    for index in 0..args.clients {
        let slots = slots.clone();
        let (channel, transport, end) = (args.channel.clone(), args.transport, args.welcome_end);
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire().await?;
            let mut conn = Conn::connect(addr, index, transport).await?;
            conn.register_until(&conn::nick('i', index), &[], end)
                .await?;
            if !channel.is_empty() {
                conn.join(&channel).await?;
            }
            anyhow::Ok(conn)
        }));
    }
    let mut held = Vec::with_capacity(args.clients);
    for (index, task) in tasks.into_iter().enumerate() {
        held.push(task.await?.with_context(|| format!("client {index}"))?);
    }
    // A round trip on the last connection: the server has processed
    // everything before we look at its memory.
    if let Some(last) = held.last_mut() {
        last.send("PING :settle\r\n").await?;
        last.wait_for("PONG", |l| l.ends_with(b"settle")).await?;
    }
    let after = server_pid.as_deref().and_then(crate::procfs::rss_kib);
    hold(held.len(), args.hold_secs).await;
    Ok(report(&args, held.len(), before, after))
}

/// `run` over TLS: the same connections, each after a handshake.
async fn run_tls(
    addr: SocketAddr,
    args: IdleArgs,
    server_pid: Option<String>,
) -> anyhow::Result<Report> {
    let connector = crate::tls::connector()?;
    let before = server_pid.as_deref().and_then(crate::procfs::rss_kib);
    let slots = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(args.clients);
    for index in 0..args.clients {
        let (slots, connector) = (slots.clone(), connector.clone());
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire().await?;
            let tcp = conn::open(addr, index).await?;
            let mut stream = BufReader::new(crate::tls::handshake(&connector, tcp).await?);
            crate::tls::register(&mut stream, &conn::nick('t', index)).await?;
            anyhow::Ok(stream)
        }));
    }
    let mut held = Vec::with_capacity(args.clients);
    for (index, task) in tasks.into_iter().enumerate() {
        held.push(task.await?.with_context(|| format!("client {index}"))?);
    }
    // The round trip that says the server has handled everything.
    if let Some(last) = held.last_mut() {
        last.get_mut().write_all(b"PING :settle\r\n").await?;
        let mut line = Vec::new();
        while !line.trim_ascii_end().ends_with(b"settle") {
            line.clear();
            anyhow::ensure!(last.read_until(b'\n', &mut line).await? > 0, "closed");
        }
    }
    let after = server_pid.as_deref().and_then(crate::procfs::rss_kib);
    hold(held.len(), args.hold_secs).await;
    Ok(report(&args, held.len(), before, after))
}

/// Keeps the connections open for `secs` (to look at the server).
async fn hold(count: usize, secs: u64) {
    if secs > 0 {
        eprintln!("holding {count} connections for {secs} s");
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
}

fn report(args: &IdleArgs, registered: usize, before: Option<u64>, after: Option<u64>) -> Report {
    let per_client = match (before, after) {
        (Some(b), Some(a)) => Some((a.saturating_sub(b) * 1024) as f64 / registered.max(1) as f64),
        _ => None,
    };
    Report {
        scenario: "idle",
        tls: args.tls,
        transport: args.transport,
        clients: args.clients,
        registered,
        server_rss_kb_before: before,
        server_rss_kb_after: after,
        rss_bytes_per_client: per_client,
    }
}
