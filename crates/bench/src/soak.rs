//! Soak: clients chatting for minutes while others come and go and hostile
//! clients do their worst. Reports, for the clients that stayed, every
//! message lost or out of order (there must be none); for those that came
//! and went, reconnect failures; and the server's peak memory.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::Barrier;

use crate::conn::{self, Conn, Transport, WelcomeEnd};

#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Clients connected for the whole run, each saying a line every
    /// --interval-ms; each must receive every other one's lines.
    #[arg(long, default_value_t = 100)]
    pub stayers: usize,
    /// Clients that join, say two lines, quit and come back, over and over.
    #[arg(long, default_value_t = 50)]
    pub churners: usize,
    /// Hostile clients, each reconnecting after it is dropped and taking
    /// the kinds in turn: slow loris, binary junk, floods, never-readers,
    /// endless lines, costly commands, other protocols' first lines,
    /// control characters, look-alike nicks and churn from many
    /// addresses (see `Hostile`).
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
                match crate::churn::cycle(
                    addr,
                    index,
                    (Transport::Tcp, WelcomeEnd::Motd),
                    &channel,
                    &["hi", "bye"],
                )
                .await
                {
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
                let kind = HOSTILE_KINDS[(worker + round) % HOSTILE_KINDS.len()];
                let _ = hostile(addr, index, kind, &channel, end).await;
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
    // A line counts only from the stayer it names: a hostile client
    // saying `soak 3 …`, or one with a look-alike nick, is not stayer 3.
    let nicks: Vec<String> = (0..args.stayers).map(|s| conn::nick('s', s)).collect();
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
                let Some((nick, text)) = privmsg(&conn.line) else { continue };
                let mut words = text.split(' ');
                let (kind, from, seq) = (words.next(), words.next(), words.next());
                let (Some(from), Some(seq)) = (
                    from.and_then(|f| f.parse::<usize>().ok())
                        .filter(|f| nicks.get(*f).is_some_and(|n| *n == nick)),
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

/// The sender's nick and the text of a `PRIVMSG #channel :text` line.
fn privmsg(line: &[u8]) -> Option<(&str, &str)> {
    let line = conn::Line::parse(line)?;
    match (line.command, line.nick, line.params.as_slice()) {
        ("PRIVMSG", Some(nick), [_, text]) => Some((nick, text)),
        _ => None,
    }
}

/// What a hostile session does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// Registration one byte every 200 ms.
    SlowLoris,
    /// 64 KiB of binary junk.
    Junk,
    /// 5000 channel lines at once.
    Flood,
    /// Joins and never reads.
    NeverReads,
    /// A 1 MiB line without a newline.
    EndlessLine,
    /// WHO with a 490-character glob, LIST and CHATHISTORY TARGETS, in a
    /// loop, each after the last one's replies.
    CostlyCommands,
    /// The first lines of other protocols: an HTTP POST whose body looks
    /// like chat, SMTP, RESP (Redis), a TLS ClientHello.
    OtherProtocol,
    /// Channel text full of terminal escapes, BS, VT, C1 controls and
    /// IRC colours, some of it forging a stayer's line.
    ControlCharacters,
    /// A stayer's nick with a zero-width space or a Cyrillic letter,
    /// saying that stayer's lines.
    LookAlikeNick,
    /// Connections from 127.0.0.10 on, opened and closed at once.
    AddressChurn,
}

/// The kinds in the order hostile clients take them.
pub const HOSTILE_KINDS: [Hostile; 10] = [
    Hostile::SlowLoris,
    Hostile::Junk,
    Hostile::Flood,
    Hostile::NeverReads,
    Hostile::EndlessLine,
    Hostile::CostlyCommands,
    Hostile::OtherProtocol,
    Hostile::ControlCharacters,
    Hostile::LookAlikeNick,
    Hostile::AddressChurn,
];

/// The first bytes other protocols' clients send, one of them per session.
fn other_protocol(index: usize, channel: &str) -> Vec<u8> {
    match index % 4 {
        0 => {
            let body = format!("NICK mallory\r\nUSER m 0 * :m\r\nPRIVMSG {channel} :soak 0 999999\r\n");
            format!(
                "POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
        1 => b"EHLO mail.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n".to_vec(),
        2 => b"*1\r\n$4\r\nPING\r\n".to_vec(),
        // A TLS 1.2 record header and the start of a ClientHello.
        _ => {
            let mut hello = vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03];
            hello.extend((0..32u8).map(|i| i.wrapping_mul(37)));
            hello.extend([0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]);
            hello
        }
    }
}

/// Channel lines full of control characters; some forge stayer 0's lines.
fn control_lines(channel: &str) -> Vec<Vec<u8>> {
    let texts = [
        "\u{1b}[2J\u{1b}[H\u{1b}]0;owned\u{7} soak 0 999999".to_owned(),
        "soak 0 999998\u{8}\u{8}\u{8}\u{b}\u{c}".to_owned(),
        "\u{85}\u{9b}31m C1 controls \u{9d}8;;http://x\u{9c}".to_owned(),
        "\u{3}04,01colour\u{f} \u{2}bold\u{1d}\u{1f}\u{16}\u{11} done 0 0".to_owned(),
        "\u{1b}[1A\u{1b}[2K\rdone 1 0".to_owned(),
    ];
    let mut lines: Vec<Vec<u8>> = texts
        .iter()
        .map(|t| format!("PRIVMSG {channel} :{t}\r\n").into_bytes())
        .collect();
    // A raw C1 byte: not UTF-8.
    let mut raw = format!("PRIVMSG {channel} :raw ").into_bytes();
    raw.extend([0x9b, b'3', b'1', b'm', b'\r', b'\n']);
    lines.push(raw);
    lines
}

/// Stayer 0's nick, disguised.
fn look_alike(index: usize) -> String {
    let nick = conn::nick('s', 0);
    match index % 2 {
        0 => format!("s\u{200B}{}", &nick[1..]),
        // Cyrillic small dze, which looks like `s`.
        _ => format!("\u{455}{}", &nick[1..]),
    }
}

/// One hostile session of the given kind; returns when the server has
/// dropped it or it gives up.
async fn hostile(
    addr: SocketAddr,
    index: usize,
    kind: Hostile,
    channel: &str,
    end: Instant,
) -> anyhow::Result<()> {
    let limit = Duration::from_secs(10).min(end.saturating_duration_since(Instant::now()));
    if kind == Hostile::AddressChurn {
        let churn = async {
            for k in 0..100 {
                let source = Ipv4Addr::new(127, 0, 0, 10 + ((index * 7 + k) % 240) as u8);
                let mut stream = conn::open_from(addr, source).await?;
                if k % 2 == 1 {
                    stream
                        .write_all(b"NICK churner\r\nUSER c 0 * :c\r\n")
                        .await?;
                }
            }
            anyhow::Ok(())
        };
        return tokio::time::timeout(limit, churn).await.unwrap_or(Ok(()));
    }
    let stream = conn::open(addr, index).await?;
    let nick = conn::nick('h', index);
    let session = async {
        let mut conn = Conn::new(stream);
        match kind {
            Hostile::SlowLoris => {
                for byte in format!("NICK {nick}\r\nUSER l 0 * :l\r\n").bytes() {
                    conn.send_raw(&[byte]).await?;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            Hostile::Junk => {
                let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ index as u64;
                let junk: Vec<u8> = (0..64 * 1024)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                conn.send_raw(&junk).await?;
            }
            Hostile::Flood => {
                conn.register(&nick, &[]).await?;
                conn.join(channel).await?;
                let flood: String = (0..5000)
                    .map(|i| format!("PRIVMSG {channel} :flood {i}\r\n"))
                    .collect();
                conn.send_raw(flood.as_bytes()).await?;
            }
            Hostile::NeverReads => {
                conn.register(&nick, &[]).await?;
                conn.join(channel).await?;
                tokio::time::sleep(Duration::from_secs(10)).await;
                return anyhow::Ok(());
            }
            Hostile::EndlessLine => {
                conn.register(&nick, &[]).await?;
                let chunk = vec![b'x'; 16 * 1024];
                for _ in 0..64 {
                    conn.send_raw(&chunk).await?;
                }
                conn.send_raw(b"\r\n").await?;
            }
            Hostile::CostlyCommands => {
                conn.register(&nick, &["batch"]).await?;
                for (line, reply_end) in crate::attack::costly_commands().iter().cycle() {
                    conn.send(line).await?;
                    crate::attack::read_replies(&mut conn, &nick, reply_end).await?;
                }
            }
            Hostile::OtherProtocol => {
                conn.send_raw(&other_protocol(index, channel)).await?;
            }
            Hostile::ControlCharacters => {
                conn.register(&nick, &[]).await?;
                conn.join(channel).await?;
                for line in control_lines(channel) {
                    conn.send_raw(&line).await?;
                }
            }
            Hostile::LookAlikeNick => {
                conn.register(&look_alike(index), &[]).await?;
                conn.join(channel).await?;
                let forged =
                    format!("PRIVMSG {channel} :soak 0 999999\r\nPRIVMSG {channel} :done 0 0\r\n");
                conn.send(&forged).await?;
            }
            Hostile::AddressChurn => {}
        }
        while conn.read_line().await? {}
        anyhow::Ok(())
    };
    tokio::time::timeout(limit, session).await.unwrap_or(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_their_sender() {
        let line = b"@time=x :s1x0!~s@127.0.0.1 PRIVMSG #soak :soak 0 5";
        assert_eq!(privmsg(line), Some(("s1x0", "soak 0 5")));
        assert_eq!(privmsg(b":srv NOTICE #soak :soak 0 5"), None);
    }

    #[test]
    fn look_alikes_differ_from_the_nick() {
        let nick = conn::nick('s', 0);
        for index in 0..2 {
            let fake = look_alike(index);
            assert_ne!(fake, nick);
            assert!(fake.ends_with(&nick[1..]));
        }
    }
}
