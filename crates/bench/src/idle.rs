//! Idle: hold N registered connections and measure the server's memory
//! per connection.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::conn::{self, Conn};

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
    /// Connections being opened and registered at once.
    /// Set from the global `--connect-concurrency`.
    #[arg(skip = 256usize)]
    pub connect_concurrency: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scenario: &'static str,
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
    let before = server_pid.as_deref().and_then(crate::procfs::rss_kib);
    let slots = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut tasks = Vec::with_capacity(args.clients);
    for index in 0..args.clients {
        let slots = slots.clone();
        let channel = args.channel.clone();
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire().await?;
            let mut conn = Conn::new(conn::open(addr, index).await?);
            conn.register(&conn::nick('i', index), &[]).await?;
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
    let per_client = match (before, after) {
        (Some(b), Some(a)) => Some((a.saturating_sub(b) * 1024) as f64 / held.len().max(1) as f64),
        _ => None,
    };
    if args.hold_secs > 0 {
        eprintln!(
            "holding {} connections for {} s",
            held.len(),
            args.hold_secs
        );
        tokio::time::sleep(std::time::Duration::from_secs(args.hold_secs)).await;
    }
    Ok(Report {
        scenario: "idle",
        clients: args.clients,
        registered: held.len(),
        server_rss_kb_before: before,
        server_rss_kb_after: after,
        rss_bytes_per_client: per_client,
    })
}
