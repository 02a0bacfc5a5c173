//! Churn: connect, register, join, say one line, quit — over and over.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::conn::{self, Conn, Transport, WelcomeEnd};

#[derive(Debug, Clone, clap::Args)]
pub struct ChurnArgs {
    /// How long to run.
    #[arg(long, default_value_t = 5)]
    pub duration_secs: u64,
    /// Cycles running at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    #[arg(long, default_value = "#churn")]
    pub channel: String,
    /// IRC over TCP, or over the IRCv3 WebSocket protocol (`--addr` is
    /// then the server's web port; each cycle pays the handshake).
    #[arg(long, value_enum, default_value_t = Transport::Tcp)]
    pub transport: Transport,
    /// Which line ends registration. Set from the global `--no-motd`.
    #[arg(skip)]
    pub welcome_end: WelcomeEnd,
}

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub transport: Transport,
    pub concurrency: usize,
    pub cycles: u64,
    pub failures: u64,
    pub elapsed_s: f64,
    pub cycles_per_s: f64,
    pub first_failure: Option<String>,
    pub server_cpu_s: Option<f64>,
}

/// One cycle: connect over `transport`, register (up to `end`), join
/// `channel`, say `lines`, quit, and wait for the server to close.
pub async fn cycle(
    addr: SocketAddr,
    index: usize,
    (transport, end): (Transport, WelcomeEnd),
    channel: &str,
    lines: &[&str],
) -> anyhow::Result<()> {
    let mut conn = Conn::connect(addr, index, transport).await?;
    conn.register_until(&conn::nick('c', index), &[], end)
        .await?;
    conn.join(channel).await?;
    let mut out: String = lines
        .iter()
        .map(|line| format!("PRIVMSG {channel} :{line}\r\n"))
        .collect();
    out.push_str("QUIT :bye\r\n");
    conn.send(&out).await?;
    // The cycle ends when the server closes the link after QUIT.
    let closed = async {
        while conn.read_line().await? {}
        anyhow::Ok(())
    };
    tokio::time::timeout(conn::STEP_TIMEOUT, closed).await??;
    Ok(())
}

pub async fn run(
    addr: SocketAddr,
    args: ChurnArgs,
    server_pid: Option<String>,
) -> anyhow::Result<Report> {
    let server_meter = crate::procfs::CpuMeter::start(server_pid.as_deref());
    let started = Instant::now();
    let end = started + Duration::from_secs(args.duration_secs);
    let cycles = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let next_index = Arc::new(AtomicUsize::new(0));
    let first_failure = Arc::new(std::sync::Mutex::new(None::<String>));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (cycles, failures, next_index, first_failure) = (
            cycles.clone(),
            failures.clone(),
            next_index.clone(),
            first_failure.clone(),
        );
        let (channel, link) = (args.channel.clone(), (args.transport, args.welcome_end));
        workers.push(tokio::spawn(async move {
            while Instant::now() < end {
                let index = next_index.fetch_add(1, Ordering::Relaxed);
                match cycle(addr, index, link, &channel, &["hello"]).await {
                    Ok(()) => cycles.fetch_add(1, Ordering::Relaxed),
                    Err(error) => {
                        if let Ok(mut first) = first_failure.lock() {
                            first.get_or_insert_with(|| format!("{error:#}"));
                        }
                        failures.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cycles = cycles.load(Ordering::Relaxed);
    let server_cpu = server_meter.elapsed();
    let first_failure = first_failure.lock().ok().and_then(|f| f.clone());
    Ok(Report {
        scenario: "churn",
        transport: args.transport,
        concurrency: args.concurrency,
        cycles,
        failures: failures.load(Ordering::Relaxed),
        elapsed_s: elapsed,
        cycles_per_s: cycles as f64 / elapsed,
        first_failure,
        server_cpu_s: server_cpu,
    })
}
