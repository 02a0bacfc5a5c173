//! Soak: clients chatting for minutes while others come and go and hostile
//! clients do their worst. Reports, for the clients that stayed, every
//! message lost or out of order (there must be none); for those that came
//! and went, reconnect failures; and the server's peak memory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::Barrier;

use crate::conn::{self, Conn};

#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Clients connected for the whole run, each saying a line every
    /// --interval-ms; each must receive every other one's lines.
    #[arg(long, default_value_t = 100)]
    pub stayers: usize,
    /// Clients that join, say two lines, quit and come back, over and over.
    #[arg(long, default_value_t = 50)]
    pub churners: usize,
    /// Hostile clients: slow loris, binary junk, floods, never-readers and
    /// endless lines, each reconnecting after it is dropped.
    #[arg(long, default_value_t = 10)]
    pub hostile: usize,
    #[arg(long, default_value_t = 60)]
    pub duration_secs: u64,
    /// Milliseconds between one stayer's lines.
    #[arg(long, default_value_t = 2000)]
    pub interval_ms: u64,
    #[arg(long, default_value = "#soak")]
    pub channel: String,
}

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub elapsed_s: f64,
    pub stayers: usize,
    /// Lines the stayers sent.
    pub sent: u64,
    /// Lines the stayers should have received (each other's).
    pub expected: u64,
    pub delivered: u64,
    pub lost: u64,
    pub out_of_order: u64,
    /// Stayers that failed to connect or were disconnected.
    pub stayer_failures: u64,
    pub churn_cycles: u64,
    pub reconnect_failures: u64,
    pub hostile_sessions: u64,
    pub first_failure: Option<String>,
    pub server_rss_kib_end: Option<u64>,
    pub server_peak_rss_kib: Option<u64>,
}

/// What one stayer saw.
#[derive(Debug, Default)]
struct Tally {
    sent: u64,
    /// Lines received from each other stayer.
    received: Vec<u64>,
    out_of_order: u64,
    /// Why it stopped waiting for the others' last lines, if it did.
    unfinished: Option<String>,
}

#[derive(Debug, Default)]
struct Failures {
    count: AtomicU64,
    first: std::sync::Mutex<Option<String>>,
}

impl Failures {
    fn note(&self, error: &anyhow::Error) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first.lock() {
            first.get_or_insert_with(|| format!("{error:#}"));
        }
    }
}

pub async fn run(
    addr: SocketAddr,
    args: SoakArgs,
    server_pid: Option<String>,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let end = started + Duration::from_secs(args.duration_secs);
    let ready = Arc::new(Barrier::new(args.stayers + 1));
    let failures = Arc::new(Failures::default());
    let mut stayers = Vec::new();
    for index in 0..args.stayers {
        let (ready, args) = (ready.clone(), args.clone());
        stayers.push(tokio::spawn(async move {
            stayer(addr, index, args, ready, end).await
        }));
    }
    // Everyone is in the channel before anyone speaks.
    ready.wait().await;

    let churn_cycles = Arc::new(AtomicU64::new(0));
    let reconnect_failures = Arc::new(Failures::default());
    let hostile_sessions = Arc::new(AtomicU64::new(0));
    let mut others = Vec::new();
    for worker in 0..args.churners {
        let (cycles, failed, channel) = (
            churn_cycles.clone(),
            reconnect_failures.clone(),
            args.channel.clone(),
        );
        others.push(tokio::spawn(async move {
            let mut round = 0;
            while Instant::now() < end {
                let index = 100_000 + worker * 10_000 + round;
                match crate::churn::cycle(addr, index, &channel, &["hi", "bye"]).await {
                    Ok(()) => cycles.fetch_add(1, Ordering::Relaxed),
                    Err(error) => {
                        failed.note(&error);
                        0
                    }
                };
                round += 1;
            }
        }));
    }
    for worker in 0..args.hostile {
        let (sessions, channel) = (hostile_sessions.clone(), args.channel.clone());
        others.push(tokio::spawn(async move {
            let mut round = 0;
            while Instant::now() < end {
                let index = 500_000 + worker * 10_000 + round;
                // What a hostile client suffers is its own business.
                let _ = hostile(addr, index, (worker + round) % 5, &channel, end).await;
                sessions.fetch_add(1, Ordering::Relaxed);
                round += 1;
            }
        }));
    }

    let mut tallies = Vec::new();
    for stayer in stayers {
        match stayer.await? {
            Ok(tally) => {
                if let Some(why) = &tally.unfinished {
                    failures.note(&anyhow::anyhow!("{why}"));
                }
                tallies.push(tally);
            }
            Err(error) => failures.note(&error),
        }
    }
    for other in others {
        other.await?;
    }
    let sent: Vec<u64> = tallies.iter().map(|t| t.sent).collect();
    let total_sent: u64 = sent.iter().sum();
    let mut expected = 0;
    let mut delivered = 0;
    for (me, tally) in tallies.iter().enumerate() {
        for (other, count) in tally.received.iter().enumerate() {
            if other != me && other < sent.len() {
                expected += sent[other];
                delivered += (*count).min(sent[other]);
            }
        }
    }
    let first_failure = failures
        .first
        .lock()
        .ok()
        .and_then(|f| f.clone())
        .or_else(|| reconnect_failures.first.lock().ok().and_then(|f| f.clone()));
    Ok(Report {
        scenario: "soak",
        elapsed_s: started.elapsed().as_secs_f64(),
        stayers: args.stayers,
        sent: total_sent,
        expected,
        delivered,
        lost: expected - delivered,
        out_of_order: tallies.iter().map(|t| t.out_of_order).sum(),
        stayer_failures: failures.count.load(Ordering::Relaxed),
        churn_cycles: churn_cycles.load(Ordering::Relaxed),
        reconnect_failures: reconnect_failures.count.load(Ordering::Relaxed),
        hostile_sessions: hostile_sessions.load(Ordering::Relaxed),
        first_failure,
        server_rss_kib_end: server_pid.as_deref().and_then(crate::procfs::rss_kib),
        server_peak_rss_kib: server_pid.as_deref().and_then(crate::procfs::peak_rss_kib),
    })
}

/// One stayer: joins, then says `soak INDEX SEQ` every interval until the
/// end, reading everything; then says `done INDEX TOTAL` and reads until
/// every other stayer's `done` has arrived.
async fn stayer(
    addr: SocketAddr,
    index: usize,
    args: SoakArgs,
    ready: Arc<Barrier>,
    end: Instant,
) -> anyhow::Result<Tally> {
    let joined = async {
        let mut conn = Conn::new(conn::open(addr, index).await?);
        conn.register(&conn::nick('s', index), &[]).await?;
        conn.join(&args.channel).await?;
        anyhow::Ok(conn)
    }
    .await;
    // Reach the barrier even on failure, or everyone waits forever.
    ready.wait().await;
    let mut conn = joined?;
    let mut tally = Tally {
        received: vec![0; args.stayers],
        ..Tally::default()
    };
    let mut last: Vec<Option<u64>> = vec![None; args.stayers];
    let mut done = vec![false; args.stayers];
    done[index] = true;
    // Spread the stayers' lines over the interval.
    let interval = Duration::from_millis(args.interval_ms.max(1));
    let offset = interval * (index as u32) / (args.stayers.max(1) as u32);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, interval);
    let finish = tokio::time::Instant::from_std(end);
    let mut finishing = false;
    let drain_deadline = finish + Duration::from_secs(30);
    loop {
        tokio::select! {
            _ = ticks.tick(), if !finishing => {
                if tokio::time::Instant::now() >= finish {
                    finishing = true;
                    conn.send(&format!("PRIVMSG {} :done {index} {}\r\n", args.channel, tally.sent)).await?;
                    // The others may all have finished already.
                    if done.iter().all(|d| *d) {
                        break;
                    }
                    continue;
                }
                conn.send(&format!("PRIVMSG {} :soak {index} {}\r\n", args.channel, tally.sent)).await?;
                tally.sent += 1;
            }
            _ = tokio::time::sleep_until(drain_deadline), if finishing => {
                // What never came counts as lost.
                let missing: Vec<usize> = (0..args.stayers).filter(|s| !done[*s]).collect();
                tally.unfinished = Some(format!("stayer {index}: no last line from {missing:?} within 30 s"));
                break;
            }
            line = conn.read_line() => {
                if !line? {
                    anyhow::bail!("stayer {index}: disconnected");
                }
                if conn.answer_ping().await? {
                    continue;
                }
                let Some(text) = privmsg_text(&conn.line) else { continue };
                let mut words = text.split(' ');
                let (kind, from, seq) = (words.next(), words.next(), words.next());
                let (Some(from), Some(seq)) = (
                    from.and_then(|f| f.parse::<usize>().ok()).filter(|f| *f < args.stayers),
                    seq.and_then(|s| s.parse::<u64>().ok()),
                ) else { continue };
                match kind {
                    Some("soak") => {
                        if last[from].is_some_and(|l| seq <= l) {
                            tally.out_of_order += 1;
                        } else {
                            tally.received[from] += 1;
                            last[from] = Some(seq);
                        }
                    }
                    Some("done") => {
                        done[from] = true;
                        if finishing && done.iter().all(|d| *d) {
                            break;
                        }
                    }
                    _ => {}
                }
                if finishing && done.iter().all(|d| *d) {
                    break;
                }
            }
        }
    }
    let _ = conn.send("QUIT :soaked\r\n").await;
    Ok(tally)
}

/// The text of a `PRIVMSG #channel :text` line.
fn privmsg_text(line: &[u8]) -> Option<&str> {
    let line = std::str::from_utf8(line).ok()?;
    let (_, rest) = line.split_once(" PRIVMSG ")?;
    rest.split_once(" :").map(|(_, text)| text)
}

/// One hostile session of the given kind; returns when the server has
/// dropped it or it gives up.
async fn hostile(
    addr: SocketAddr,
    index: usize,
    kind: usize,
    channel: &str,
    end: Instant,
) -> anyhow::Result<()> {
    let stream = conn::open(addr, index).await?;
    let nick = conn::nick('h', index);
    let limit = Duration::from_secs(10).min(end.saturating_duration_since(Instant::now()));
    let session = async {
        let mut conn = Conn::new(stream);
        match kind {
            // Slow loris: registration one byte at a time.
            0 => {
                for byte in format!("NICK {nick}\r\nUSER l 0 * :l\r\n").bytes() {
                    conn.writer.write_all(&[byte]).await?;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            // Binary junk.
            1 => {
                let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ index as u64;
                let junk: Vec<u8> = (0..64 * 1024)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                conn.writer.write_all(&junk).await?;
            }
            // A flood of channel messages.
            2 => {
                conn.register(&nick, &[]).await?;
                conn.join(channel).await?;
                let flood: String = (0..5000)
                    .map(|i| format!("PRIVMSG {channel} :flood {i}\r\n"))
                    .collect();
                conn.writer.write_all(flood.as_bytes()).await?;
            }
            // Joins and never reads.
            3 => {
                conn.register(&nick, &[]).await?;
                conn.join(channel).await?;
                tokio::time::sleep(Duration::from_secs(10)).await;
                return anyhow::Ok(());
            }
            // A line that never ends.
            _ => {
                conn.register(&nick, &[]).await?;
                let chunk = vec![b'x'; 16 * 1024];
                for _ in 0..64 {
                    conn.writer.write_all(&chunk).await?;
                }
                conn.writer.write_all(b"\r\n").await?;
            }
        }
        while conn.read_line().await? {}
        anyhow::Ok(())
    };
    tokio::time::timeout(limit, session).await.unwrap_or(Ok(()))
}
