//! Costly commands cannot stall the chat: with one address's many
//! connections sending `WHO *`, `LIST`, `JOIN`/`PART` of a hundred
//! channels or `CHATHISTORY`, as fast as flood control lets them, a pair
//! of users elsewhere keeps its usual latency.
//!
//! The server is the real binary with its default flood control; the
//! attackers connect from 127.0.0.2, the bystanders from 127.0.0.1 and
//! the crowd that makes the server big from 127.0.0.3 and up (Linux routes
//! all of 127.0.0.0/8 to the loopback interface). The bound is generous
//! (this is a debug build sharing two cores with its load); the release
//! figures are in docs/BENCHMARKS.md (`ciao-bench attack`).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::TestClient;
use common::process::{self, Server};
use tokio::net::TcpSocket;
use tokio::sync::Mutex;

/// Connections the attacker opens from its one address.
const ATTACKERS: usize = 64;
/// How long each attack runs while the bystanders are measured.
const ATTACK: Duration = Duration::from_secs(4);
/// The bystanders' 99th percentile must stay under this.
const BOUND: Duration = Duration::from_millis(400);

/// Starts the binary with flood control on (its default) and `extra`.
fn start(extra: &[&str]) -> (Server, SocketAddr) {
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--default-channel",
        "",
        "--oper",
        "probe:probe",
    ];
    args.extend_from_slice(extra);
    process::start(args)
}

/// A client whose socket is bound to `source` (another loopback address).
async fn connect_from(addr: SocketAddr, source: [u8; 4], name: &str) -> TestClient {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((source, 0)))
        .expect("bind a loopback source address");
    let stream = socket.connect(addr).await.expect("connect");
    TestClient::from_stream(stream, name)
}

async fn register(client: &mut TestClient, nick: &str) {
    client.send(&format!("NICK {nick}")).await;
    client.send(&format!("USER {nick} 0 * :{nick}")).await;
    client.wait_numeric("001").await;
    client
        .wait_for("end of MOTD", |l| {
            matches!(common::numeric_of(l), Some("376" | "422"))
        })
        .await;
}

/// `count` registered users from 127.0.0.3 and up, each joining what
/// `channels` gives it (JOIN lines' channel lists), kept open and read by
/// a task each.
async fn crowd(addr: SocketAddr, count: usize, channels: impl Fn(usize) -> Vec<String>) {
    for n in 0..count {
        let source = [127, 0, 0, 3 + (n / 200) as u8];
        let mut client = connect_from(addr, source, &format!("crowd{n}")).await;
        register(&mut client, &format!("crowd{n}")).await;
        for join in channels(n) {
            client.send(&format!("JOIN {join}")).await;
            let last = format!("{} ", join.rsplit(',').next().unwrap_or_default());
            client
                .wait_for("its last channel's NAMES", |l| {
                    common::numeric_of(l) == Some("366") && l.contains(&last)
                })
                .await;
        }
        tokio::spawn(async move { while client.untimed_line().await.is_some() {} });
    }
}

/// The attack: `ATTACKERS` connections from 127.0.0.2, each running
/// `setup` once and then its `steps` again and again until told to stop:
/// each step sends its lines and reads to a line that contains its
/// marker. Counts the steps they completed.
struct Attack {
    stop: Arc<AtomicBool>,
    rounds: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Attack {
    async fn start(addr: SocketAddr, setup: &str, steps: &[(&str, &str)]) -> Self {
        let steps: Vec<(String, String)> = steps
            .iter()
            .map(|(lines, done)| (lines.to_string(), done.to_string()))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let rounds = Arc::new(AtomicU64::new(0));
        // Everyone connects and registers first, then all attack at once.
        let mut clients = Vec::new();
        for n in 0..ATTACKERS {
            let nick = format!("attacker{n}");
            let mut client = connect_from(addr, [127, 0, 0, 2], &nick).await;
            // `batch`, so that CHATHISTORY answers end in a BATCH line.
            client.send("CAP REQ :batch").await;
            client.send("CAP END").await;
            register(&mut client, &nick).await;
            if !setup.is_empty() {
                client.send(setup).await;
                client.sync().await;
            }
            clients.push(client);
        }
        let mut tasks = Vec::new();
        for mut client in clients {
            let (stop, rounds, steps) = (stop.clone(), rounds.clone(), steps.clone());
            tasks.push(tokio::spawn(async move {
                for (lines, done) in steps.iter().cycle() {
                    if stop.load(Ordering::Relaxed) || !client.try_send_raw(lines.as_bytes()).await
                    {
                        return;
                    }
                    loop {
                        match client.untimed_line().await {
                            Some(line) if line.contains(done.as_str()) => break,
                            Some(_) => {}
                            None => return,
                        }
                    }
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        Attack {
            stop,
            rounds,
            tasks,
        }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.abort();
        }
        self.rounds.load(Ordering::Relaxed)
    }
}

/// Two users in `#quiet`: the talker (an operator, so that flood control
/// lets it probe often) says numbered lines every 20 ms for `ATTACK`;
/// returns the listener's latencies, sorted.
async fn bystander_latencies(addr: SocketAddr, round: usize) -> Vec<Duration> {
    let mut talker = TestClient::connect(addr, "talker").await;
    register(&mut talker, &format!("talker{round}")).await;
    talker.send("OPER probe probe").await;
    talker.wait_numeric("381").await;
    talker.send("JOIN #quiet").await;
    talker.wait_numeric("366").await;
    let mut listener = TestClient::connect(addr, "listener").await;
    register(&mut listener, &format!("listener{round}")).await;
    listener.send("JOIN #quiet").await;
    listener.wait_numeric("366").await;

    let sent: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let probes = (ATTACK.as_millis() / 20) as u64;
    let talking = {
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for seq in 0..probes {
                tick.tick().await;
                sent.lock().await.insert(seq, Instant::now());
                talker.send(&format!("PRIVMSG #quiet :probe {seq}")).await;
            }
            talker
        })
    };
    let mut latencies = Vec::new();
    while (latencies.len() as u64) < probes {
        let line = listener.wait_contains("PRIVMSG #quiet :probe").await;
        let arrived = Instant::now();
        let seq: u64 = line
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("a probe number");
        let at = sent.lock().await.get(&seq).copied().expect("sent before");
        latencies.push(arrived - at);
    }
    let _talker = talking.await.expect("talker");
    latencies.sort();
    latencies
}

fn p99(sorted: &[Duration]) -> Duration {
    sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)]
}

/// Measures the bystanders while `attack` runs, and checks the bound.
async fn holds(addr: SocketAddr, name: &str, round: usize, attack: Attack) {
    let latencies = bystander_latencies(addr, round).await;
    let rounds = attack.stop().await;
    let (p99, max) = (p99(&latencies), latencies[latencies.len() - 1]);
    eprintln!(
        "{name}: {} probes, p99 {p99:?}, max {max:?}; the attack completed {rounds} commands",
        latencies.len()
    );
    assert!(
        p99 < BOUND,
        "{name}: bystanders' p99 {p99:?} (max {max:?}) while {ATTACKERS} connections attack"
    );
    assert!(rounds > 0, "{name}: the attack ran");
}

/// One test, its attacks one after another: run side by side they would
/// measure each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costly_commands_from_one_address_do_not_stall_the_chat() {
    who_and_list().await;
    join_part_and_history().await;
}

async fn who_and_list() {
    let (_server, addr) = start(&["--no-history"]);
    // A server with 1 000 users, 20 of them in 100 channels each.
    crowd(addr, 1_000, |n| {
        let half = |from: usize| {
            (from..from + 50)
                .map(|c| format!("#c{n}_{c}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        match n {
            0..20 => vec![half(0), half(50)],
            _ => Vec::new(),
        }
    })
    .await;

    let who = Attack::start(addr, "", &[("WHO *\r\n", " 315 ")]).await;
    holds(addr, "WHO *", 0, who).await;
    let list = Attack::start(addr, "", &[("LIST\r\n", " 323 ")]).await;
    holds(addr, "LIST", 1, list).await;
}

async fn join_part_and_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path").to_owned();
    let (_server, addr) = start(&["--data-dir", &data]);
    // History to read: 20 users say 40 lines each in #busy.
    crowd(addr, 20, |_| vec!["#busy".to_owned()]).await;
    let mut writer = TestClient::connect(addr, "writer").await;
    register(&mut writer, "writer").await;
    writer.send("OPER probe probe").await;
    writer.wait_numeric("381").await;
    writer.send("JOIN #busy").await;
    writer.wait_numeric("366").await;
    for n in 0..4_000 {
        writer.send(&format!("PRIVMSG #busy :history {n}")).await;
    }
    writer.sync().await;

    // One line joins a hundred channels (#busy, with its replay, and 99
    // more: the most a client may be in),
    // the next parts them.
    let channels: Vec<String> = (0..99).map(|c| format!("#{c}")).collect();
    let channels = channels.join(",");
    let join = format!("JOIN {channels},#busy\r\n");
    let part = format!("PART {channels},#busy :bye\r\n");
    let join_part = Attack::start(
        addr,
        "",
        &[(&join, "#busy :End of /NAMES"), (&part, "PART #busy")],
    )
    .await;
    holds(addr, "JOIN/PART of 100 channels", 0, join_part).await;

    let around = Attack::start(
        addr,
        "JOIN #busy",
        &[(
            "CHATHISTORY AROUND #busy timestamp=2000-01-01T00:00:00.000Z 100\r\n",
            "BATCH -",
        )],
    )
    .await;
    holds(addr, "CHATHISTORY AROUND", 1, around).await;
    let targets = Attack::start(
        addr,
        "JOIN #busy",
        &[(
            "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z \
             timestamp=2100-01-01T00:00:00.000Z 100\r\n",
            "BATCH -",
        )],
    )
    .await;
    holds(addr, "CHATHISTORY TARGETS", 2, targets).await;
}
