//! The stage an attack needs, built as a crowd of ordinary clients would
//! build it: under the server's default flood control, each setup client
//! staying a little below the limits (so the server never has to slow it
//! down), and the crowd spread over the loopback addresses 127.0.1.1–250
//! (apart from the attackers' and the bystanders'). History rows come
//! four to a line, as `TARGMAX=PRIVMSG:4` allows any user.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::{AttackArgs, Kind};
use crate::conn::{self, Conn, Line};

/// Lines a setup client sends at once, then per second: under the
/// server's defaults (20 at once counting registration, 4 a second), so
/// flood control never holds a setup client back.
const POLITE_BURST: u32 = 15;
const POLITE_RATE: f64 = 3.5;
/// Targets one PRIVMSG may name (the server's `TARGMAX=PRIVMSG:4`).
const MAX_TARGETS: usize = 4;
/// Longest message the server takes, without CRLF.
const MAX_BODY: usize = 510;
/// Channels one client may be in (the server's `CHANLIMIT=#:100`).
pub const MAX_CHANNELS: usize = 100;

/// The channel filled with history (targets, around); attackers join it.
pub const HISTORY_CHANNEL: &str = "#hist";

/// The source address of setup client `index`.
fn source(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1, 1 + (index % 250) as u8)
}

/// `index` in base 36, `width` digits: short channel names, so that 100
/// of them fit in one JOIN line.
fn base36(mut index: usize, width: usize) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = digits[index % 36];
        index /= 36;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Channel `index` of the LIST setup: `#l0000`…
fn list_channel(index: usize) -> String {
    format!("#l{}", base36(index, 4))
}

/// The channels of the join-part attack (`#j00`…): 100 of them make a
/// JOIN line of 504 bytes.
pub fn join_channels() -> Vec<String> {
    (0..MAX_CHANNELS)
        .map(|i| format!("#j{}", base36(i, 2)))
        .collect()
}

/// `VERB name,name,…` lines, each within the server's line limit.
fn lines_naming(verb: &str, names: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for name in names {
        if !line.is_empty() && line.len() + 1 + name.len() > MAX_BODY {
            lines.push(std::mem::take(&mut line));
        }
        line.push(if line.is_empty() { ' ' } else { ',' });
        line.push_str(name);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .map(|names| format!("{verb}{names}\r\n"))
        .collect()
}

/// Unix milliseconds as the server writes them: `2026-11-19T15:04:05.123Z`.
pub fn iso8601(millis: u64) -> String {
    let (days, rest) = (millis / 86_400_000, millis % 86_400_000);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the setup made.
#[derive(Debug, Default, serde::Serialize)]
pub struct SetupReport {
    pub secs: f64,
    /// Idle registered users held (who-glob).
    pub users: usize,
    /// Channels made and held (list), or with history (join-part).
    pub channels: usize,
    /// History rows sent: PRIVMSG targets, one row each.
    pub history_rows: u64,
    /// Setup clients that connected for it, held or not.
    pub setup_clients: usize,
}

/// The setup's connections that must stay (idle users, channel makers,
/// a channel's keeper); each reads, answers PINGs, and quits on `stop`.
#[derive(Debug)]
pub struct Stage {
    holders: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
    pub report: SetupReport,
    /// The middle of the filled history's time range (AROUND's anchor).
    pub middle: Option<String>,
}

impl Stage {
    fn new() -> Self {
        Stage {
            holders: Vec::new(),
            stop: watch::channel(false).0,
            report: SetupReport::default(),
            middle: None,
        }
    }

    fn hold(&mut self, mut conn: Conn) {
        let mut stop = self.stop.subscribe();
        self.holders.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    read = conn.read_line() => match read {
                        Ok(true) => {
                            if conn.answer_ping().await.is_err() {
                                return;
                            }
                        }
                        _ => return,
                    },
                    _ = stopped(&mut stop) => {
                        let _ = conn.send("QUIT :setup over\r\n").await;
                        return;
                    }
                }
            }
        }));
    }

    /// Lets every held connection go (bounded: stragglers are dropped).
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        for holder in self.holders {
            let _ = tokio::time::timeout(Duration::from_secs(5), holder).await;
        }
    }
}

/// Returns once `stop` is true (or its sender is gone).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Builds what `args.kind` needs; prints progress to stderr.
pub async fn prepare(addr: SocketAddr, args: &AttackArgs) -> anyhow::Result<Stage> {
    let started = Instant::now();
    let mut stage = Stage::new();
    match args.kind {
        Kind::WhoGlob => {
            let users = registered(addr, 0, args.users, 'u', args.connect_concurrency).await?;
            stage.report.users = users.len();
            stage.report.setup_clients = users.len();
            users.into_iter().for_each(|c| stage.hold(c));
        }
        Kind::List => make_channels(addr, args, &mut stage).await?,
        Kind::Targets | Kind::Around => fill_history(addr, args, &mut stage).await?,
        Kind::JoinPart => fill_join_channels(addr, args, &mut stage).await?,
    }
    stage.report.secs = started.elapsed().as_secs_f64();
    eprintln!("setup: done in {:.1} s", stage.report.secs);
    Ok(stage)
}

/// Opens and registers `count` setup clients (nicks `prefix`+index, from
/// `first` on), at most `concurrency` at a time.
async fn registered(
    addr: SocketAddr,
    first: usize,
    count: usize,
    prefix: char,
    concurrency: usize,
) -> anyhow::Result<Vec<Conn>> {
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let done = Arc::new(AtomicUsize::new(0));
    let step = (count / 10).max(1);
    let mut tasks = Vec::with_capacity(count);
    for index in first..first + count {
        let (slots, done) = (slots.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire().await?;
            let mut conn = Conn::new(conn::open_from(addr, source(index)).await?);
            conn.register(&conn::nick(prefix, index), &[]).await?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n % step == 0 {
                eprintln!("setup: {n}/{count} '{prefix}' clients registered");
            }
            anyhow::Ok(conn)
        }));
    }
    let mut conns = Vec::with_capacity(count);
    for (index, task) in tasks.into_iter().enumerate() {
        conns.push(
            task.await?
                .with_context(|| format!("setup client {prefix}{index}"))?,
        );
    }
    Ok(conns)
}

/// Runs `step` on every connection, `concurrency` at a time, and gives
/// them back in order.
async fn each<F, Fut>(conns: Vec<Conn>, concurrency: usize, step: F) -> anyhow::Result<Vec<Conn>>
where
    F: Fn(usize, Conn) -> Fut,
    Fut: Future<Output = anyhow::Result<Conn>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = Vec::with_capacity(conns.len());
    for (index, conn) in conns.into_iter().enumerate() {
        let slots = slots.clone();
        let work = step(index, conn);
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire().await?;
            work.await
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for (index, task) in tasks.into_iter().enumerate() {
        out.push(
            task.await?
                .with_context(|| format!("setup client {index}"))?,
        );
    }
    Ok(out)
}

/// Joins `names` (in as few lines as fit) and waits for the last one's
/// end of NAMES.
async fn join_all(conn: &mut Conn, names: &[String]) -> anyhow::Result<()> {
    let Some(last) = names.last() else {
        return Ok(());
    };
    for line in lines_naming("JOIN", names) {
        conn.send(&line).await?;
    }
    conn.wait_for("366 after JOIN", |l| ends_names(l, last))
        .await
}

/// True for RPL_ENDOFNAMES (366) of `channel`.
pub fn ends_names(line: &[u8], channel: &str) -> bool {
    conn::is_numeric(line, b"366")
        && Line::parse(line)
            .and_then(|l| l.params.get(1).map(|c| c.eq_ignore_ascii_case(channel)))
            .unwrap_or(false)
}

/// Sends `lines` at the polite pace, reading (and dropping) what arrives
/// meanwhile; then waits until the server has handled them all (its PONG
/// comes after the last line was stored and sent).
async fn send_politely(
    conn: &mut Conn,
    lines: impl Iterator<Item = String>,
    progress: &AtomicU64,
) -> anyhow::Result<()> {
    let gap = Duration::from_secs_f64(1.0 / POLITE_RATE);
    let mut next = tokio::time::Instant::now();
    let mut sent = 0;
    let mut lines = lines.peekable();
    while lines.peek().is_some() {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {
                if let Some(line) = lines.next() {
                    conn.send(&line).await?;
                    progress.fetch_add(1, Ordering::Relaxed);
                    sent += 1;
                    if sent >= POLITE_BURST {
                        next += gap;
                    }
                }
            }
            read = conn.read_line() => {
                if !read? {
                    anyhow::bail!("setup client disconnected");
                }
                if conn.line.starts_with(b"ERROR") {
                    anyhow::bail!("server said {}", String::from_utf8_lossy(&conn.line));
                }
                conn.answer_ping().await?;
            }
        }
    }
    conn.send("PING :setup-sync\r\n").await?;
    conn.wait_for("PONG after the setup's lines", |l| {
        Line::parse(l).is_some_and(|l| l.command == "PONG" && l.params.contains(&"setup-sync"))
    })
    .await
}

/// Prints `what` every 5 s until dropped.
fn progress(what: &'static str, total: u64, count: Arc<AtomicU64>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        ticks.tick().await;
        loop {
            ticks.tick().await;
            eprintln!(
                "setup: {}/{total} {what}",
                count.load(Ordering::Relaxed).min(total)
            );
        }
    })
}

/// LIST: `--channel-makers` clients each join (and so make) up to 100
/// channels, and stay.
async fn make_channels(
    addr: SocketAddr,
    args: &AttackArgs,
    stage: &mut Stage,
) -> anyhow::Result<()> {
    let makers = args.channel_makers.max(1);
    let per_maker = args.channels.div_ceil(makers);
    anyhow::ensure!(
        per_maker <= MAX_CHANNELS,
        "{} channels need at least {} makers (100 channels each)",
        args.channels,
        args.channels.div_ceil(MAX_CHANNELS)
    );
    anyhow::ensure!(args.channels <= 36usize.pow(4), "at most 36^4 channels");
    let makers = args.channels.div_ceil(per_maker.max(1));
    let conns = registered(addr, 0, makers, 'm', args.connect_concurrency).await?;
    let total = args.channels;
    let done = Arc::new(AtomicUsize::new(0));
    let step = (makers / 10).max(1);
    let conns = each(conns, args.connect_concurrency, |index, mut conn| {
        let done = done.clone();
        let names: Vec<String> = (index * per_maker..((index + 1) * per_maker).min(total))
            .map(list_channel)
            .collect();
        async move {
            join_all(&mut conn, &names).await?;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n % step == 0 {
                eprintln!("setup: {n}/{makers} channel makers joined their channels");
            }
            Ok(conn)
        }
    })
    .await?;
    stage.report.channels = total;
    stage.report.setup_clients = conns.len();
    conns.into_iter().for_each(|c| stage.hold(c));
    Ok(())
}

/// Targets, around: `--history-rows` rows, a quarter in `#hist` (opened
/// to outsiders by its keeper with `MODE -n`, so the fillers need not be
/// members and receive nothing from it), the rest private messages
/// between the fillers.
async fn fill_history(
    addr: SocketAddr,
    args: &AttackArgs,
    stage: &mut Stage,
) -> anyhow::Result<()> {
    let mut keeper = registered(addr, 0, 1, 'k', 1)
        .await?
        .pop()
        .context("no keeper")?;
    keeper.join(HISTORY_CHANNEL).await?;
    keeper
        .send(&format!("MODE {HISTORY_CHANNEL} -n\r\n"))
        .await?;
    keeper
        .wait_for("the keeper's MODE -n", |l| {
            Line::parse(l).is_some_and(|l| l.command == "MODE" && l.params.get(1) == Some(&"-n"))
        })
        .await?;
    stage.hold(keeper);

    let rows = args.history_rows as u64;
    let fillers = args
        .fillers
        .clamp(1, rows.div_ceil(MAX_TARGETS as u64).max(1) as usize);
    let conns = registered(addr, 1, fillers, 'f', args.connect_concurrency).await?;
    let partners = (MAX_TARGETS - 1).min(fillers - 1);
    let per_line = 1 + partners as u64;
    let lines = rows.div_ceil(per_line);
    eprintln!(
        "setup: {fillers} fillers send {lines} lines of {per_line} rows, under flood control"
    );
    let sent = Arc::new(AtomicU64::new(0));
    let printer = progress("history lines sent", lines, sent.clone());
    let began = unix_ms();
    let conns = each(conns, fillers, |index, mut conn| {
        let mine = lines / fillers as u64 + u64::from((index as u64) < lines % fillers as u64);
        let mut targets = HISTORY_CHANNEL.to_owned();
        for k in 1..=partners {
            targets.push(',');
            targets.push_str(&conn::nick('f', 1 + (index + k) % fillers));
        }
        let sent = sent.clone();
        async move {
            let lines =
                (0..mine).map(|seq| format!("PRIVMSG {targets} :history {index} {seq}\r\n"));
            send_politely(&mut conn, lines, &sent).await?;
            Ok(conn)
        }
    })
    .await;
    printer.abort();
    let conns = conns?;
    let ended = unix_ms();
    stage.middle = Some(iso8601(began.midpoint(ended)));
    stage.report.history_rows = lines * per_line;
    stage.report.setup_clients = 1 + conns.len();
    // The fillers' work is done; their rows stay.
    drop(conns);
    Ok(())
}

/// Join-part: the 100 `#j` channels, kept by one member, with
/// `--join-history` rows each, written by fillers who join them all,
/// send four channels a line and leave.
async fn fill_join_channels(
    addr: SocketAddr,
    args: &AttackArgs,
    stage: &mut Stage,
) -> anyhow::Result<()> {
    let channels = join_channels();
    let mut keeper = registered(addr, 0, 1, 'k', 1)
        .await?
        .pop()
        .context("no keeper")?;
    join_all(&mut keeper, &channels).await?;
    stage.hold(keeper);
    stage.report.channels = channels.len();
    stage.report.setup_clients = 1;

    let lines = (channels.len() * args.join_history).div_ceil(MAX_TARGETS) as u64;
    if lines == 0 {
        return Ok(());
    }
    // Every filler receives every other's lines: few fillers, each
    // sending about 40 lines (under 10 s at the polite pace).
    let fillers = (lines.div_ceil(40) as usize).clamp(1, args.fillers.max(1));
    let conns = registered(addr, 1, fillers, 'f', args.connect_concurrency).await?;
    eprintln!("setup: {fillers} fillers send {lines} lines of 4 rows, under flood control");
    let sent = Arc::new(AtomicU64::new(0));
    let printer = progress("history lines sent", lines, sent.clone());
    let conns = each(conns, fillers, |index, mut conn| {
        let (channels, sent) = (channels.clone(), sent.clone());
        async move {
            join_all(&mut conn, &channels).await?;
            let mine = (index as u64..lines).step_by(fillers);
            let lines = mine.map(|line| {
                let first = line as usize * MAX_TARGETS;
                let targets: Vec<&str> = (first..first + MAX_TARGETS)
                    .map(|c| channels[c % channels.len()].as_str())
                    .collect();
                format!("PRIVMSG {} :history {line}\r\n", targets.join(","))
            });
            send_politely(&mut conn, lines, &sent).await?;
            Ok(conn)
        }
    })
    .await;
    printer.abort();
    let conns = conns?;
    stage.report.history_rows = lines * MAX_TARGETS as u64;
    stage.report.setup_clients += conns.len();
    drop(conns);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_the_server_writes_them() {
        assert_eq!(iso8601(1_795_100_645_123), "2026-11-19T15:04:05.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_hundred_channels_fit_one_join_line() {
        let lines = lines_naming("JOIN", &join_channels());
        assert_eq!(lines.len(), 1);
        assert!(lines[0].len() - 2 <= MAX_BODY, "{}", lines[0].len());
        let list: Vec<String> = (0..100).map(list_channel).collect();
        let lines = lines_naming("JOIN", &list);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.len() - 2 <= MAX_BODY));
        assert_eq!(list_channel(36 * 36 + 1), "#l0101");
    }
}
