//! Attack: up to 64 connections from one address send one costly but
//! ordinary command over and over, as fast as the server lets them (the
//! next as soon as the last one's replies have ended), while a bystander
//! pair in its own channel measures what that does to everyone's chat.
//!
//! Phases: setup (see `setup.rs`; everything within default flood
//! control), a baseline with the attackers connected but quiet, the
//! attack, then up to 10 s for the bystanders' last lines. Bystanders
//! are on 127.0.0.1, attackers on `--attacker-addr`, setup clients on
//! 127.0.1.x.

mod setup;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::sync::watch;

use crate::conn::{self, Conn, Line};
use crate::fanout::Latency;
use crate::procfs::{self, CpuMeter};
pub use setup::{HISTORY_CHANNEL, SetupReport, iso8601, join_channels};

/// The costly command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `WHO <490-character glob>` that matches nobody, with `--users`
    /// users connected.
    WhoGlob,
    /// `LIST` with `--channels` channels.
    List,
    /// `CHATHISTORY TARGETS` over all time, with `--history-rows` rows.
    Targets,
    /// `CHATHISTORY AROUND #hist` the middle of `--history-rows` rows.
    Around,
    /// `JOIN` 100 channels with `--join-history` rows each in one line,
    /// then `PART` them in one line.
    JoinPart,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AttackArgs {
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// Attacking connections, all from --attacker-addr.
    #[arg(long, default_value_t = 64)]
    pub attackers: usize,
    /// The one loopback address the attackers connect from.
    #[arg(long, default_value = "127.0.0.2")]
    pub attacker_addr: Ipv4Addr,
    /// who-glob: idle registered users to match the glob against.
    #[arg(long, default_value_t = 5000)]
    pub users: usize,
    /// list: channels to make.
    #[arg(long, default_value_t = 100_000)]
    pub channels: usize,
    /// list: clients that make them, up to 100 channels each.
    #[arg(long, default_value_t = 2000)]
    pub channel_makers: usize,
    /// targets, around: history rows to store (a quarter in #hist, the
    /// rest private).
    #[arg(long, default_value_t = 400_000)]
    pub history_rows: usize,
    /// targets, around, join-part: most clients filling the history,
    /// each within the default flood limits.
    #[arg(long, default_value_t = 1000)]
    pub fillers: usize,
    /// join-part: history rows in each of the 100 channels.
    #[arg(long, default_value_t = 50)]
    pub join_history: usize,
    /// How long the attack lasts.
    #[arg(long, default_value_t = 30)]
    pub duration_secs: u64,
    /// Quiet time measured before the attack.
    #[arg(long, default_value_t = 5)]
    pub baseline_secs: u64,
    /// Milliseconds between the bystanders' lines.
    #[arg(long, default_value_t = 50)]
    pub probe_interval_ms: u64,
    /// Set from the global `--connect-concurrency`.
    #[arg(skip = 256usize)]
    pub connect_concurrency: usize,
}

/// The bystanders' channel.
const BYSTANDER_CHANNEL: &str = "#bystanders";
/// Lines a second one talker sends, under the default flood rate (4): a
/// faster probe is spread over several talkers, all on 127.0.0.1.
const TALKER_RATE: f64 = 3.0;
/// How long after the attack the bystanders wait for their last lines.
const DRAIN: Duration = Duration::from_secs(10);
/// Between the baseline and the attack.
const GAP: Duration = Duration::from_millis(250);
/// Bystander latency above which a line counts as stalled.
const STALL: Duration = Duration::from_millis(100);
/// Longest an attacker waits for one command's replies once the attack
/// is over.
const LAST_REPLY: Duration = Duration::from_secs(10);
/// `CHATHISTORY TARGETS` over every time there can be.
const TARGETS: &str = "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 100\r\n";

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub kind: Kind,
    pub attackers: usize,
    pub attacker_addr: Ipv4Addr,
    pub setup: SetupReport,
    /// Bystander lines every second during the baseline and the attack.
    pub probes_per_s: f64,
    pub talkers: usize,
    pub baseline: Phase,
    pub attack: Phase,
    /// Commands whose replies ended within the attack (join-part: JOIN
    /// and PART cycles).
    pub attack_commands: u64,
    /// Commands sent within the attack, answered or not.
    pub attack_commands_sent: u64,
    pub attack_commands_per_s: f64,
    /// `FAIL` answers and disconnections the attackers met.
    pub attacker_errors: u64,
    pub attacker_reconnects: u64,
    pub first_attacker_error: Option<String>,
    pub server_rss_kib_end: Option<u64>,
    pub server_peak_rss_kib: Option<u64>,
}

/// The bystanders' view of one phase.
#[derive(Debug, serde::Serialize)]
pub struct Phase {
    pub secs: f64,
    pub probes_sent: u64,
    pub probes_received: u64,
    /// Sent in this phase, not arrived within 10 s of the attack's end.
    pub lost: u64,
    pub latency_us: Latency,
    /// Lines that took over 100 ms.
    pub over_100ms: u64,
    pub server_cpu_s: Option<f64>,
    pub server_cpu_pct: Option<f64>,
}

pub async fn run(
    addr: SocketAddr,
    args: AttackArgs,
    server_pid: Option<String>,
) -> anyhow::Result<Report> {
    anyhow::ensure!(
        (1..=1000).contains(&args.attackers),
        "--attackers must be 1–1000"
    );
    anyhow::ensure!(
        args.attacker_addr.is_loopback() && args.attacker_addr != Ipv4Addr::LOCALHOST,
        "--attacker-addr must be a loopback address other than the bystanders' 127.0.0.1"
    );
    anyhow::ensure!(
        args.duration_secs <= 3600 && args.baseline_secs <= 3600,
        "runs are bounded: at most an hour per phase"
    );
    let stage = setup::prepare(addr, &args).await?;
    let plan = Arc::new(Plan::new(&args, stage.middle.clone()));

    let rate = 1000.0 / args.probe_interval_ms.max(1) as f64;
    let talkers = ((rate / TALKER_RATE).ceil() as usize).max(1);
    let (listener, mut bystanders) = Bystanders::join(addr, talkers).await?;
    let mut prepared = Vec::with_capacity(args.attackers);
    for index in 0..args.attackers {
        let plan = plan.clone();
        prepared.push(tokio::spawn(
            async move { plan.connect(addr, index, 0).await },
        ));
    }
    let mut conns = Vec::with_capacity(args.attackers);
    for (index, task) in prepared.into_iter().enumerate() {
        conns.push(task.await?.with_context(|| format!("attacker {index}"))?);
    }
    eprintln!(
        "attack: {} attackers from {} ready; baseline {} s, then {} s of {:?}",
        conns.len(),
        args.attacker_addr,
        args.baseline_secs,
        args.duration_secs,
        args.kind
    );

    let base = Instant::now();
    let (sent, stop_probes, talking) = bystanders.talk(base, args.probe_interval_ms)?;
    let listening = tokio::spawn(listen(listener, base, talking.clone()));

    let meter = CpuMeter::start(server_pid.as_deref());
    tokio::time::sleep(Duration::from_secs(args.baseline_secs)).await;
    let baseline_cpu = meter.elapsed();
    let baseline_sent = sent.load(Ordering::Acquire);
    // A probe sent just before the attack can meet its first commands in
    // the server: the probes of this short gap count in neither phase.
    tokio::time::sleep(GAP).await;
    let attack_first = sent.load(Ordering::Acquire);

    let meter = CpuMeter::start(server_pid.as_deref());
    let attack_started = Instant::now();
    let deadline = attack_started + Duration::from_secs(args.duration_secs);
    let tally = Arc::new(Tally::default());
    let mut attackers = Vec::with_capacity(conns.len());
    for (index, conn) in conns.into_iter().enumerate() {
        let (plan, tally) = (plan.clone(), tally.clone());
        attackers.push(tokio::spawn(attacker(
            addr, plan, index, conn, deadline, tally,
        )));
    }
    tokio::time::sleep_until(deadline.into()).await;
    let attack_secs = attack_started.elapsed().as_secs_f64();
    let attack_cpu = meter.elapsed();
    let _ = stop_probes.send(true);
    let total_sent = talking.await_total().await;
    for task in attackers {
        let _ = tokio::time::timeout(LAST_REPLY, task).await;
    }
    let arrivals = listening.await??;
    bystanders.stop();
    let mut stage = stage;
    let setup = std::mem::take(&mut stage.report);
    stage.finish().await;

    let phase = |range: std::ops::Range<u64>, secs: f64, cpu: Option<f64>| {
        phase(&arrivals, range, secs, cpu)
    };
    let baseline = phase(0..baseline_sent, args.baseline_secs as f64, baseline_cpu)?;
    let attack = phase(attack_first..total_sent, attack_secs, attack_cpu)?;
    let commands = tally.commands.load(Ordering::Relaxed);
    let first_error = tally.first_error.lock().ok().and_then(|e| e.clone());
    Ok(Report {
        scenario: "attack",
        kind: args.kind,
        attackers: args.attackers,
        attacker_addr: args.attacker_addr,
        setup,
        probes_per_s: rate,
        talkers,
        baseline,
        attack,
        attack_commands: commands,
        attack_commands_sent: tally.sent.load(Ordering::Relaxed),
        attack_commands_per_s: commands as f64 / attack_secs.max(1e-9),
        attacker_errors: tally.errors.load(Ordering::Relaxed),
        attacker_reconnects: tally.reconnects.load(Ordering::Relaxed),
        first_attacker_error: first_error,
        server_rss_kib_end: server_pid.as_deref().and_then(procfs::rss_kib),
        server_peak_rss_kib: server_pid.as_deref().and_then(procfs::peak_rss_kib),
    })
}

/// Latency and loss of the probes numbered `range`.
fn phase(
    arrivals: &Arrivals,
    range: std::ops::Range<u64>,
    secs: f64,
    cpu: Option<f64>,
) -> anyhow::Result<Phase> {
    let mut latency = Histogram::<u64>::new(3)?;
    let mut over = 0;
    for &(seq, micros) in &arrivals.lines {
        if range.contains(&seq) {
            latency.record(micros.max(1))?;
            if micros > STALL.as_micros() as u64 {
                over += 1;
            }
        }
    }
    let sent = range.end.saturating_sub(range.start);
    Ok(Phase {
        secs,
        probes_sent: sent,
        probes_received: latency.len(),
        lost: sent.saturating_sub(latency.len()),
        latency_us: Latency {
            p50: latency.value_at_quantile(0.5),
            p90: latency.value_at_quantile(0.9),
            p99: latency.value_at_quantile(0.99),
            p999: latency.value_at_quantile(0.999),
            max: latency.max(),
        },
        over_100ms: over,
        server_cpu_s: cpu,
        server_cpu_pct: cpu.map(|c| c * 100.0 / secs.max(1e-9)),
    })
}

/// What every attacker sends and how it knows the replies have ended.
#[derive(Debug)]
struct Plan {
    kind: Kind,
    attacker_addr: Ipv4Addr,
    /// The lines of one round, each with the end of its replies.
    steps: Vec<(String, End)>,
}

/// The last line of a command's replies.
#[derive(Debug, Clone)]
pub(crate) enum End {
    /// A numeric (315 after WHO, 323 after LIST).
    Numeric(&'static [u8]),
    /// The end of a batch of this type (CHATHISTORY).
    Batch(&'static str),
    /// RPL_ENDOFNAMES of this channel (the last one a JOIN names).
    Names(String),
    /// Our own PART echo for this channel.
    Parted(String),
}

/// A glob of 490 characters that matches no nick (it needs at least 163
/// characters) and makes the matcher work for each one.
pub fn costly_glob() -> String {
    let mut glob = String::with_capacity(490);
    for letter in ('a'..='z').cycle() {
        if glob.len() + 3 > 490 {
            break;
        }
        glob.push('*');
        glob.push(letter);
        glob.push('?');
    }
    while glob.len() < 490 {
        glob.push('*');
    }
    glob
}

impl Plan {
    fn new(args: &AttackArgs, middle: Option<String>) -> Self {
        let steps = match args.kind {
            Kind::WhoGlob => vec![(format!("WHO {}\r\n", costly_glob()), End::Numeric(b"315"))],
            Kind::List => vec![("LIST\r\n".to_owned(), End::Numeric(b"323"))],
            Kind::Targets => vec![(TARGETS.to_owned(), End::Batch("draft/chathistory-targets"))],
            Kind::Around => {
                let middle = middle.unwrap_or_else(|| iso8601(0));
                vec![(
                    format!("CHATHISTORY AROUND {HISTORY_CHANNEL} timestamp={middle} 100\r\n"),
                    End::Batch("chathistory"),
                )]
            }
            Kind::JoinPart => {
                let channels = join_channels();
                let names = channels.join(",");
                let last = channels.last().cloned().unwrap_or_default();
                vec![
                    (format!("JOIN {names}\r\n"), End::Names(last.clone())),
                    (format!("PART {names}\r\n"), End::Parted(last)),
                ]
            }
        };
        Plan {
            kind: args.kind,
            attacker_addr: args.attacker_addr,
            steps,
        }
    }

    /// Opens and readies attacker `index` (its `generation`th connection).
    async fn connect(
        &self,
        addr: SocketAddr,
        index: usize,
        generation: usize,
    ) -> anyhow::Result<Attacker> {
        let mut conn = Conn::new(conn::open_from(addr, self.attacker_addr).await?);
        let nick = conn::nick('a', index + 10_000 * generation);
        let caps: &[&str] = match self.kind {
            Kind::WhoGlob | Kind::List => &[],
            _ => &["batch", "server-time", "message-tags"],
        };
        conn.register(&nick, caps).await?;
        let mut attacker = Attacker { conn, nick };
        if matches!(self.kind, Kind::Targets | Kind::Around) {
            attacker.conn.join(HISTORY_CHANNEL).await?;
            // The join's replay arrives before this answer (the history
            // writer answers in order), so no later batch is the replay.
            attacker.conn.send(TARGETS).await?;
            if !attacker
                .finish(&End::Batch("draft/chathistory-targets"))
                .await?
            {
                anyhow::bail!(
                    "CHATHISTORY refused (is history on? start the server with --data-dir)"
                );
            }
        }
        Ok(attacker)
    }
}

/// One attacking connection.
#[derive(Debug)]
struct Attacker {
    conn: Conn,
    nick: String,
}

impl Attacker {
    /// Reads until `end`; false when the server answered `FAIL`.
    async fn finish(&mut self, end: &End) -> anyhow::Result<bool> {
        read_replies(&mut self.conn, &self.nick, end).await
    }

    /// Rounds of the plan until `deadline`, counting those completed.
    async fn rounds(
        &mut self,
        plan: &Plan,
        deadline: Instant,
        tally: &Tally,
    ) -> anyhow::Result<()> {
        while Instant::now() < deadline {
            for (step, (line, end)) in plan.steps.iter().enumerate() {
                self.conn.send(line).await?;
                if step == 0 {
                    tally.sent.fetch_add(1, Ordering::Relaxed);
                }
                match tokio::time::timeout_at(deadline.into(), self.finish(end)).await {
                    Err(_) => return Ok(()),
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) => tally.note(&format!(
                        "FAIL: {}",
                        String::from_utf8_lossy(&self.conn.line)
                    )),
                    Ok(Err(error)) => return Err(error),
                }
            }
            tally.commands.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Reads `conn` (whose nick is `nick`) until the line that ends a
/// command's replies; false when the server answered `FAIL` instead.
pub(crate) async fn read_replies(conn: &mut Conn, nick: &str, end: &End) -> anyhow::Result<bool> {
    let mut open: Vec<String> = Vec::new();
    loop {
        if !conn.read_line().await? {
            anyhow::bail!("disconnected");
        }
        if conn.answer_ping().await? {
            continue;
        }
        let Some(line) = Line::parse(&conn.line) else {
            continue;
        };
        match (line.command, end) {
            ("ERROR", _) => anyhow::bail!("server said {:?}", line.params.first()),
            ("FAIL", _) => return Ok(false),
            (_, End::Numeric(code)) if conn::is_numeric(&conn.line, code) => return Ok(true),
            ("BATCH", End::Batch(kind)) => match line.params.as_slice() {
                [start, found, ..] if start.starts_with('+') && found == kind => {
                    open.push(start[1..].to_owned());
                }
                [close, ..] if close.starts_with('-') && open.iter().any(|r| *r == close[1..]) => {
                    return Ok(true);
                }
                _ => {}
            },
            (_, End::Names(channel)) if setup::ends_names(&conn.line, channel) => return Ok(true),
            ("PART", End::Parted(channel))
                if line.nick.is_some_and(|n| n.eq_ignore_ascii_case(nick))
                    && line
                        .params
                        .first()
                        .is_some_and(|c| c.eq_ignore_ascii_case(channel)) =>
            {
                return Ok(true);
            }
            _ => {}
        }
    }
}

/// The costly commands a hostile soak client loops over (WHO glob, LIST,
/// CHATHISTORY TARGETS), each with the end of its replies.
pub(crate) fn costly_commands() -> Vec<(String, End)> {
    vec![
        (format!("WHO {}\r\n", costly_glob()), End::Numeric(b"315")),
        ("LIST\r\n".to_owned(), End::Numeric(b"323")),
        (TARGETS.to_owned(), End::Batch("draft/chathistory-targets")),
    ]
}

/// The attackers' counts, shared.
#[derive(Debug, Default)]
struct Tally {
    commands: AtomicU64,
    sent: AtomicU64,
    errors: AtomicU64,
    reconnects: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
}

impl Tally {
    fn note(&self, error: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert_with(|| error.to_owned());
        }
    }
}

/// One attacker until `deadline`: when the server drops it (a LIST
/// answer beyond the sendq, say) it comes back, as an attacker would.
async fn attacker(
    addr: SocketAddr,
    plan: Arc<Plan>,
    index: usize,
    first: Attacker,
    deadline: Instant,
    tally: Arc<Tally>,
) {
    let mut current = Some(first);
    let mut generation = 0;
    while Instant::now() < deadline {
        let Some(attacker) = current.as_mut() else {
            generation += 1;
            match tokio::time::timeout_at(deadline.into(), plan.connect(addr, index, generation))
                .await
            {
                Ok(Ok(attacker)) => {
                    tally.reconnects.fetch_add(1, Ordering::Relaxed);
                    current = Some(attacker);
                }
                Ok(Err(error)) => {
                    tally.note(&format!("reconnect: {error:#}"));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(_) => break,
            }
            continue;
        };
        if let Err(error) = attacker.rounds(&plan, deadline, &tally).await {
            tally.note(&format!("{error:#}"));
            current = None;
        }
    }
    if let Some(mut attacker) = current {
        let _ = attacker.conn.send("QUIT :attack over\r\n").await;
    }
}

/// The talkers, in `#bystanders` from 127.0.0.1 with the listener.
struct Bystanders {
    talkers: Vec<Conn>,
    drains: Vec<tokio::task::JoinHandle<()>>,
}

/// What the talkers have sent: the total, once they stopped.
#[derive(Clone)]
struct Talking {
    total: watch::Receiver<Option<u64>>,
}

impl Talking {
    async fn await_total(&self) -> u64 {
        let mut total = self.total.clone();
        match total.wait_for(Option::is_some).await {
            Ok(total) => total.unwrap_or(0),
            Err(_) => 0,
        }
    }
}

impl Bystanders {
    /// The listener, and the talkers.
    async fn join(addr: SocketAddr, talkers: usize) -> anyhow::Result<(Conn, Self)> {
        let mut conns = Vec::with_capacity(talkers + 1);
        for index in 0..=talkers {
            let mut conn = Conn::new(conn::open_from(addr, Ipv4Addr::LOCALHOST).await?);
            conn.register(&conn::nick('p', index), &[]).await?;
            conn.join(BYSTANDER_CHANNEL).await?;
            conns.push(conn);
        }
        let listener = conns.remove(0);
        let talkers = Bystanders {
            talkers: conns,
            drains: Vec::new(),
        };
        Ok((listener, talkers))
    }

    /// Starts the talkers: line `seq` (`probe SEQ MICROS`, micros since
    /// `base`) every `interval_ms`, taking turns. Returns the count sent
    /// so far, the stop switch, and the total once stopped.
    fn talk(
        &mut self,
        base: Instant,
        interval_ms: u64,
    ) -> anyhow::Result<(Arc<AtomicU64>, watch::Sender<bool>, Talking)> {
        let sent = Arc::new(AtomicU64::new(0));
        let (stop_tx, mut stop) = watch::channel(false);
        let (total_tx, total) = watch::channel(None);
        let mut writers = Vec::new();
        for conn in self.talkers.drain(..) {
            let (mut reader, writer) = conn.into_split()?;
            writers.push(writer);
            // Each talker also hears the others: drain it.
            self.drains.push(tokio::spawn(async move {
                use tokio::io::AsyncBufReadExt;
                let mut line = Vec::new();
                while matches!(reader.read_until(b'\n', &mut line).await, Ok(n) if n > 0) {
                    line.clear();
                }
            }));
        }
        let count = sent.clone();
        self.drains.push(tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let mut ticks = tokio::time::interval(Duration::from_millis(interval_ms.max(1)));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut seq = 0u64;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        let micros = base.elapsed().as_micros();
                        let line = format!("PRIVMSG {BYSTANDER_CHANNEL} :probe {seq} {micros}\r\n");
                        let turn = (seq % writers.len() as u64) as usize;
                        if writers[turn].write_all(line.as_bytes()).await.is_err() {
                            break;
                        }
                        seq += 1;
                        count.store(seq, Ordering::Release);
                    }
                    _ = setup::stopped(&mut stop) => break,
                }
            }
            let _ = total_tx.send(Some(seq));
            for mut writer in writers {
                let _ = writer.write_all(b"QUIT :probed\r\n").await;
            }
        }));
        Ok((sent, stop_tx, Talking { total }))
    }

    fn stop(&self) {
        for drain in &self.drains {
            drain.abort();
        }
    }
}

/// Probe lines that arrived: (seq, latency in µs).
#[derive(Debug, Default)]
struct Arrivals {
    lines: Vec<(u64, u64)>,
}

/// The listener: timestamps each probe until all have come, or 10 s after
/// the talkers stopped.
async fn listen(mut conn: Conn, base: Instant, talking: Talking) -> anyhow::Result<Arrivals> {
    let mut arrivals = Arrivals::default();
    let mut seen = std::collections::HashSet::new();
    let mut total = talking.total.clone();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let known = *total.borrow();
        if known.is_some_and(|total| seen.len() as u64 >= total) {
            break;
        }
        if deadline.is_none() && known.is_some() {
            deadline = Some(tokio::time::Instant::now() + DRAIN);
        }
        tokio::select! {
            read = conn.read_line() => {
                if !read? {
                    anyhow::bail!("the bystanders' listener was disconnected");
                }
                if conn.answer_ping().await? {
                    continue;
                }
                let now = base.elapsed().as_micros() as u64;
                let Some(line) = Line::parse(&conn.line) else { continue };
                let probe = match (line.command, line.params.as_slice()) {
                    ("PRIVMSG", [_, text]) => parse_probe(text),
                    _ => None,
                };
                if let Some((seq, sent)) = probe
                    && seen.insert(seq)
                {
                    arrivals.lines.push((seq, now.saturating_sub(sent)));
                }
            }
            changed = total.changed(), if deadline.is_none() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => break,
        }
    }
    let _ = conn.send("QUIT :listened\r\n").await;
    Ok(arrivals)
}

/// `probe SEQ MICROS` → (seq, micros).
fn parse_probe(text: &str) -> Option<(u64, u64)> {
    let mut words = text.strip_prefix("probe ")?.split(' ');
    Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glob_is_long_and_matches_no_nick() {
        let glob = costly_glob();
        assert_eq!(glob.len(), 490);
        // Every `?` needs a character: far more than any nick has.
        assert!(glob.matches('?').count() > 100);
    }

    #[test]
    fn probes_parse() {
        assert_eq!(parse_probe("probe 7 12345"), Some((7, 12345)));
        assert_eq!(parse_probe("history 1 2"), None);
    }
}
