//! Fan-out: N clients in one channel, S of them send M messages each.
//!
//! Every payload carries the sender's index, a sequence number and the
//! send time, so each receiver measures latency and checks that nothing
//! was lost, duplicated or reordered per sender.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::sync::{Semaphore, watch};

use crate::conn::{self, Conn, Transport, WelcomeEnd};
use crate::procfs::CpuMeter;

#[derive(Debug, Clone, clap::Args)]
pub struct FanoutArgs {
    /// Clients in the channel (senders included).
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// How many of them send.
    #[arg(long, default_value_t = 1)]
    pub senders: usize,
    /// Messages per sender.
    #[arg(long, default_value_t = 1000)]
    pub messages: u64,
    /// Fixed total send rate in messages per second (all senders
    /// together); without it (or `--rate-per-sender`) senders go as fast
    /// as their window allows.
    #[arg(long, value_parser = parse_rate, conflicts_with = "rate_per_sender")]
    pub rate: Option<f64>,
    /// Fixed send rate of each sender in messages per second (issue 17's
    /// steady load: 10 senders at 40 msg/s each).
    #[arg(long, value_parser = parse_rate)]
    pub rate_per_sender: Option<f64>,
    /// Most messages a sender may have in flight (sent, not yet echoed
    /// back by the server).
    #[arg(long, default_value_t = 64)]
    pub window: u64,
    /// Bytes of padding in each message.
    #[arg(long, default_value_t = 64)]
    pub payload: usize,
    #[arg(long, default_value = "#bench")]
    pub channel: String,
    /// Speak the seed's plain protocol instead of IRC (the server's
    /// default channel is then the room).
    #[arg(long)]
    pub plain: bool,
    /// IRC over TCP, or over the IRCv3 WebSocket protocol (`--addr` is
    /// then the server's web port).
    #[arg(long, value_enum, default_value_t = Transport::Tcp)]
    pub transport: Transport,
    /// Give up waiting for deliveries this long after the last send.
    #[arg(long, default_value_t = 60)]
    pub drain_secs: u64,
    /// Connections being opened and registered at once (servers with a
    /// short listen backlog, like ngIRCd's 10, need fewer).
    /// Set from the global `--connect-concurrency`.
    #[arg(skip = 256usize)]
    pub connect_concurrency: usize,
    /// Which line ends registration. Set from the global `--no-motd`.
    #[arg(skip)]
    pub welcome_end: WelcomeEnd,
}

/// The pacer's limits: below one message in 1000 s a run never ends, and
/// above a million a second the interval rounds to nothing (tokio's
/// timer, at 1 ms, sends such rates in bursts anyway).
const RATE_RANGE: std::ops::RangeInclusive<f64> = 1e-3..=1e6;

/// `--rate` and `--rate-per-sender`: messages per second within
/// [`RATE_RANGE`].
fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of messages per second"))?;
    check_rate(rate)
}

fn check_rate(rate: f64) -> Result<f64, String> {
    if RATE_RANGE.contains(&rate) {
        Ok(rate)
    } else {
        Err(format!(
            "a rate of {rate} messages/s is outside {}..={}",
            RATE_RANGE.start(),
            RATE_RANGE.end()
        ))
    }
}

impl FanoutArgs {
    /// Each sender's pace in messages per second, or `None` when they
    /// send as fast as their window allows. Checked here too, as library
    /// callers fill the fields without clap.
    pub fn sender_rate(&self) -> anyhow::Result<Option<f64>> {
        let rate = match (self.rate, self.rate_per_sender) {
            (Some(_), Some(_)) => anyhow::bail!("give --rate or --rate-per-sender, not both"),
            (Some(total), None) => total / self.senders.max(1) as f64,
            (None, Some(each)) => each,
            (None, None) => return Ok(None),
        };
        check_rate(rate)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("each sender's rate: {e}"))
    }
}

/// Acknowledgements without server help: the observer (the last client,
/// never a sender) counts what it received from each sender, and each
/// sender keeps at most `window` messages beyond that in flight. This
/// works with servers that lack `echo-message` (ngIRCd).
struct Acks {
    received: Vec<std::sync::atomic::AtomicU64>,
    wake: Vec<tokio::sync::Notify>,
}

impl Acks {
    fn new(senders: usize) -> Self {
        Acks {
            received: (0..senders)
                .map(|_| std::sync::atomic::AtomicU64::new(0))
                .collect(),
            wake: (0..senders).map(|_| tokio::sync::Notify::new()).collect(),
        }
    }

    fn acked(&self, sender: usize) -> u64 {
        self.received[sender].load(std::sync::atomic::Ordering::Acquire)
    }

    fn record(&self, sender: usize) {
        if let Some(count) = self.received.get(sender) {
            count.fetch_add(1, std::sync::atomic::Ordering::Release);
            self.wake[sender].notify_one();
        }
    }
}

/// What one client saw.
struct Outcome {
    deliveries: u64,
    expected: u64,
    out_of_order: u64,
    latency: Histogram<u64>,
    last_delivery: Option<Instant>,
}

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub transport: Transport,
    pub clients: usize,
    pub senders: usize,
    pub messages: u64,
    /// All senders' messages per second together, however it was given.
    pub rate: Option<f64>,
    pub rate_per_sender: Option<f64>,
    pub deliveries: u64,
    pub expected: u64,
    pub lost: u64,
    pub out_of_order: u64,
    pub elapsed_s: f64,
    pub deliveries_per_s: f64,
    pub latency_us: Latency,
    pub server_cpu_s: Option<f64>,
    pub bench_cpu_s: Option<f64>,
    pub server_cpu_us_per_delivery: Option<f64>,
}

#[derive(Debug, serde::Serialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

pub async fn run(
    addr: SocketAddr,
    args: FanoutArgs,
    server_pid: Option<String>,
) -> anyhow::Result<Report> {
    anyhow::ensure!(
        args.senders >= 1 && args.senders < args.clients,
        "need 1 ≤ senders < clients (the last client observes for the senders' windows)"
    );
    anyhow::ensure!(
        !(args.plain && args.transport == Transport::Ws),
        "the plain protocol is for TCP; WebSocket clients speak IRC"
    );
    anyhow::ensure!(
        !(args.plain && args.welcome_end != WelcomeEnd::Motd),
        "--no-motd is for IRC registration, not the plain protocol"
    );
    let sender_rate = args.sender_rate()?;
    let base = Instant::now();
    let (start_tx, start_rx) = watch::channel(false);
    let connect_slots = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut ready = Vec::with_capacity(args.clients);
    for index in 0..args.clients {
        let args = args.clone();
        let slots = connect_slots.clone();
        ready.push(tokio::spawn(async move {
            let _slot = slots.acquire().await?;
            let mut conn = Conn::connect(addr, index, args.transport).await?;
            let name = conn::nick('b', index);
            if args.plain {
                conn.register_plain(&name).await?;
            } else {
                conn.register_until(&name, &[], args.welcome_end).await?;
                conn.join(&args.channel).await?;
            }
            anyhow::Ok(conn)
        }));
    }
    let mut conns = Vec::with_capacity(args.clients);
    for (index, task) in ready.into_iter().enumerate() {
        conns.push(task.await?.with_context(|| format!("client {index}"))?);
    }

    let server_meter = CpuMeter::start(server_pid.as_deref());
    let bench_meter = CpuMeter::start(Some("self"));
    // Receivers only start their drain deadline once every sender is done.
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::channel::<()>(args.senders);
    let (all_sent_tx, all_sent_rx) = watch::channel(false);
    let senders = args.senders;
    tokio::spawn(async move {
        for _ in 0..senders {
            if sent_rx.recv().await.is_none() {
                break;
            }
        }
        let _ = all_sent_tx.send(true);
    });
    let acks = Arc::new(Acks::new(args.senders));
    let mut tasks = Vec::with_capacity(args.clients);
    for (index, conn) in conns.into_iter().enumerate() {
        let args = args.clone();
        let signals = Signals {
            acks: acks.clone(),
            start: start_rx.clone(),
            all_sent: all_sent_rx.clone(),
            sent: (index < args.senders).then(|| sent_tx.clone()),
        };
        tasks.push(tokio::spawn(client(
            index,
            conn,
            args,
            sender_rate,
            base,
            signals,
        )));
    }
    drop(sent_tx);
    let started = Instant::now();
    start_tx.send(true)?;

    let mut deliveries = 0;
    let mut expected = 0;
    let mut out_of_order = 0;
    let mut latency = Histogram::<u64>::new(3)?;
    let mut last = started;
    for task in tasks {
        let outcome = task.await??;
        deliveries += outcome.deliveries;
        expected += outcome.expected;
        out_of_order += outcome.out_of_order;
        latency.add(&outcome.latency)?;
        if let Some(at) = outcome.last_delivery {
            last = last.max(at);
        }
    }
    let elapsed = last.duration_since(started).as_secs_f64().max(1e-9);
    let server_cpu = server_meter.elapsed();
    let bench_cpu = bench_meter.elapsed();
    Ok(Report {
        scenario: "fanout",
        transport: args.transport,
        clients: args.clients,
        senders: args.senders,
        messages: args.messages,
        rate: args
            .rate
            .or(sender_rate.map(|each| each * args.senders as f64)),
        rate_per_sender: sender_rate,
        deliveries,
        expected,
        lost: expected.saturating_sub(deliveries),
        out_of_order,
        elapsed_s: elapsed,
        deliveries_per_s: deliveries as f64 / elapsed,
        latency_us: Latency {
            p50: latency.value_at_quantile(0.5),
            p90: latency.value_at_quantile(0.9),
            p99: latency.value_at_quantile(0.99),
            p999: latency.value_at_quantile(0.999),
            max: latency.max(),
        },
        server_cpu_s: server_cpu,
        bench_cpu_s: bench_cpu,
        server_cpu_us_per_delivery: server_cpu
            .filter(|_| deliveries > 0)
            .map(|cpu| cpu * 1e6 / deliveries as f64),
    })
}

/// The payload of a delivered message: `sender seq micros padding`.
fn payload(line: &[u8], plain: bool) -> Option<&[u8]> {
    if plain {
        let at = line.windows(2).position(|w| w == b": ")?;
        return Some(&line[at + 2..]);
    }
    // `:src PRIVMSG #chan :payload`, possibly after tags.
    let at = line.windows(9).position(|w| w == b" PRIVMSG ")?;
    let rest = &line[at + 9..];
    let colon = rest.windows(2).position(|w| w == b" :")?;
    Some(&rest[colon + 2..])
}

fn parse_numbers(payload: &[u8]) -> Option<(usize, u64, u64)> {
    let mut fields = payload.split(|&b| b == b' ');
    let mut number = || -> Option<u64> { std::str::from_utf8(fields.next()?).ok()?.parse().ok() };
    Some((number()? as usize, number()?, number()?))
}

/// How a client task learns when to start and when sending is over.
struct Signals {
    acks: Arc<Acks>,
    start: watch::Receiver<bool>,
    /// Flips to true once every sender has sent its last message.
    all_sent: watch::Receiver<bool>,
    /// A sender reports here when it has sent its last message.
    sent: Option<tokio::sync::mpsc::Sender<()>>,
}

async fn client(
    index: usize,
    mut conn: Conn,
    args: FanoutArgs,
    sender_rate: Option<f64>,
    base: Instant,
    mut signals: Signals,
) -> anyhow::Result<Outcome> {
    let is_sender = index < args.senders;
    let is_observer = index == args.clients - 1;
    // Everyone gets every other sender's messages (in plain mode a sender
    // also gets its own back, which is not a delivery).
    let others = if is_sender {
        args.senders - 1
    } else {
        args.senders
    } as u64;
    let expected = others * args.messages;
    let mut outcome = Outcome {
        deliveries: 0,
        expected,
        out_of_order: 0,
        latency: Histogram::new(3)?,
        last_delivery: None,
    };
    let mut next_seq = vec![0u64; args.senders];
    let mut sent = 0u64;
    let padding = "x".repeat(args.payload);
    let target = if args.plain {
        String::new()
    } else {
        format!("PRIVMSG {} :", args.channel)
    };
    let mut pacer = sender_rate.map(|rate| {
        let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        interval
    });
    signals.start.wait_for(|go| *go).await?;
    let mut deadline: Option<tokio::time::Instant> = None;

    loop {
        let sending = is_sender && sent < args.messages;
        if !sending && outcome.deliveries >= expected {
            break;
        }
        if !sending && let Some(sent) = signals.sent.take() {
            let _ = sent.send(()).await;
        }
        if deadline.is_none() && *signals.all_sent.borrow() {
            deadline = Some(tokio::time::Instant::now() + Duration::from_secs(args.drain_secs));
        }
        let window_full = sending && sent - signals.acks.acked(index) >= args.window;
        let may_send = sending && !window_full;
        tokio::select! {
            biased;
            read = conn.read_line() => {
                if !read? {
                    break;
                }
                if conn.answer_ping().await? {
                    continue;
                }
                let Some((sender, seq, micros)) = payload(&conn.line, args.plain).and_then(parse_numbers) else {
                    continue;
                };
                if sender == index {
                    continue;
                }
                if is_observer {
                    signals.acks.record(sender);
                }
                let now = Instant::now();
                let sent_at = micros;
                let now_us = now.duration_since(base).as_micros() as u64;
                outcome.latency.record(now_us.saturating_sub(sent_at).max(1))?;
                outcome.deliveries += 1;
                outcome.last_delivery = Some(now);
                if let Some(next) = next_seq.get_mut(sender) {
                    if seq != *next {
                        outcome.out_of_order += 1;
                    }
                    *next = seq + 1;
                }
            }
            _ = async {
                if let Some(pacer) = pacer.as_mut() {
                    pacer.tick().await;
                }
            }, if may_send => {
                let micros = Instant::now().duration_since(base).as_micros();
                let line = format!("{target}{index} {sent} {micros} {padding}\r\n");
                conn.send(&line).await?;
                sent += 1;
            }
            _ = signals.acks.wake[index.min(args.senders - 1)].notified(), if window_full => {}
            _ = signals.all_sent.changed(), if deadline.is_none() => {}
            _ = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => break,
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_from_irc_and_plain_lines() {
        let irc = b"@time=x :b1!~b1@127.0.0.1 PRIVMSG #bench :3 17 12345 xxxx";
        assert_eq!(
            payload(irc, false).and_then(parse_numbers),
            Some((3, 17, 12345))
        );
        let plain = b"b1: 3 17 12345 xxxx";
        assert_eq!(
            payload(plain, true).and_then(parse_numbers),
            Some((3, 17, 12345))
        );
        assert_eq!(payload(b":s 001 me :Welcome", false), None);
    }

    /// `ciao-bench fanout ARGS…` as the command line gives them.
    fn parse(args: &[&str]) -> Result<FanoutArgs, clap::Error> {
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            fanout: FanoutArgs,
        }
        use clap::Parser;
        let argv = std::iter::once("fanout").chain(args.iter().copied());
        Cli::try_parse_from(argv).map(|cli| cli.fanout)
    }

    #[test]
    fn a_total_rate_is_shared_by_the_senders() {
        let args = parse(&["--senders", "10", "--rate", "400"]).expect("args");
        assert_eq!(args.sender_rate().expect("rate"), Some(40.0));
    }

    #[test]
    fn a_per_sender_rate_is_each_senders_own() {
        let args = parse(&["--senders", "10", "--rate-per-sender", "40"]).expect("args");
        assert_eq!(args.sender_rate().expect("rate"), Some(40.0));
        let args = parse(&["--senders", "10"]).expect("args");
        assert_eq!(args.sender_rate().expect("rate"), None, "no rate: windowed");
    }

    #[test]
    fn both_rates_at_once_are_refused() {
        let error = parse(&["--rate", "400", "--rate-per-sender", "40"]).expect_err("both");
        assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
        // The same for a library caller that fills both fields.
        let mut args = parse(&["--rate", "400"]).expect("args");
        args.rate_per_sender = Some(40.0);
        assert!(args.sender_rate().is_err());
    }

    #[test]
    fn rates_a_pacer_cannot_keep_are_refused() {
        for bad in ["0", "-5", "NaN", "inf", "1e7", "fast"] {
            for flag in ["--rate", "--rate-per-sender"] {
                let arg = format!("{flag}={bad}");
                let error = parse(&[&arg]).expect_err(&arg);
                assert_eq!(
                    error.kind(),
                    clap::error::ErrorKind::ValueValidation,
                    "{arg}"
                );
            }
        }
        // A total rate fine on its own, too thin once shared by many senders.
        let args = parse(&["--clients", "5000", "--senders", "4000", "--rate", "1"]).expect("args");
        assert!(args.sender_rate().is_err());
    }
}
