//! Every scenario against the real server in-process: small sizes, and
//! the generator's own bookkeeping must add up.

use std::net::SocketAddr;

use ciao_bench::conn::{Transport, WelcomeEnd};
use ciao_bench::{churn, fanout, idle};
use tokio::sync::oneshot;

/// ciao-server in-process, without flood control (a load generator is a
/// flood by design, as in scripts/bench-peers.sh).
async fn server(config: ciao_server::Config) -> (SocketAddr, oneshot::Sender<()>) {
    let config = ciao_server::Config {
        flood: None,
        ..config
    };
    let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(ciao_server::run(config, vec![listener], async move {
        let _ = stopped.await;
    }));
    (addr, stop)
}

fn fanout_args(plain: bool) -> fanout::FanoutArgs {
    fanout::FanoutArgs {
        clients: 20,
        senders: 3,
        messages: 200,
        rate: None,
        rate_per_sender: None,
        window: 16,
        payload: 32,
        channel: "#bench".into(),
        plain,
        transport: Transport::Tcp,
        drain_secs: 10,
        connect_concurrency: 64,
        welcome_end: WelcomeEnd::Motd,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_delivers_everything_in_order() {
    let (addr, _stop) = server(ciao_server::Config {
        default_channel: None,
        ..Default::default()
    })
    .await;
    let pid = std::process::id().to_string();
    let report = fanout::run(addr, fanout_args(false), Some(pid))
        .await
        .expect("run");
    // 17 listeners get 3×200, the 3 senders get the other two's 2×200.
    assert_eq!(report.expected, 17 * 600 + 3 * 400);
    assert_eq!(report.deliveries, report.expected);
    assert_eq!((report.lost, report.out_of_order), (0, 0));
    assert!(report.latency_us.max >= report.latency_us.p50);
    assert!(report.server_cpu_s.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_in_plain_mode_and_at_a_fixed_rate() {
    let (addr, _stop) = server(ciao_server::Config::default()).await;
    let mut args = fanout_args(true);
    args.rate = Some(2000.0);
    let report = fanout::run(addr, args, None).await.expect("run");
    assert_eq!(report.deliveries, report.expected);
    assert_eq!((report.lost, report.out_of_order), (0, 0));
}

/// `--rate-per-sender`: every sender keeps its own pace, so the run lasts
/// at least as long as one sender's schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_at_a_rate_per_sender() {
    let (addr, _stop) = server(ciao_server::Config {
        default_channel: None,
        ..Default::default()
    })
    .await;
    let mut args = fanout_args(false);
    args.rate_per_sender = Some(700.0);
    let report = fanout::run(addr, args, None).await.expect("run");
    assert_eq!(report.deliveries, report.expected);
    assert_eq!((report.lost, report.out_of_order), (0, 0));
    assert_eq!(
        (report.rate_per_sender, report.rate),
        (Some(700.0), Some(2100.0))
    );
    // 200 messages at 700/s: the last leaves 199/700 s after the first.
    assert!(report.elapsed_s >= 199.0 / 700.0, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_churn_run_clean() {
    let (addr, _stop) = server(ciao_server::Config::default()).await;
    let pid = std::process::id().to_string();
    let idle = idle::run(
        addr,
        idle::IdleArgs {
            clients: 50,
            channel: String::new(),
            hold_secs: 0,
            tls: false,
            transport: Transport::Tcp,
            connect_concurrency: 16,
            welcome_end: WelcomeEnd::Motd,
        },
        Some(pid),
    )
    .await
    .expect("idle");
    assert_eq!(idle.registered, 50);
    assert!(idle.server_rss_kb_after.is_some());

    let churn = churn::run(
        addr,
        churn::ChurnArgs {
            duration_secs: 1,
            concurrency: 4,
            channel: "#churn".into(),
            transport: Transport::Tcp,
            welcome_end: WelcomeEnd::Motd,
        },
        None,
    )
    .await
    .expect("churn");
    assert!(churn.cycles > 0);
    assert_eq!(churn.failures, 0, "{:?}", churn.first_failure);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_loses_nothing_for_the_clients_that_stay() {
    let (addr, _stop) = server(ciao_server::Config::default()).await;
    let report = ciao_bench::soak::run(
        addr,
        ciao_bench::soak::SoakArgs {
            stayers: 10,
            churners: 3,
            // One of each kind.
            hostile: ciao_bench::soak::HOSTILE_KINDS.len(),
            duration_secs: 3,
            interval_ms: 200,
            channel: "#soak".into(),
        },
        None,
    )
    .await
    .expect("soak");
    assert!(report.sent > 0);
    assert_eq!((report.lost, report.out_of_order), (0, 0), "{report:?}");
    assert_eq!(
        report.stayer_failures + report.reconnect_failures,
        0,
        "{report:?}"
    );
    assert!(
        report.churn_cycles > 0
            && report.hostile_sessions >= ciao_bench::soak::HOSTILE_KINDS.len() as u64,
        "{report:?}"
    );
}

/// ciao-server in-process as `ciao-server` runs by default (flood control
/// on, history on, in a fresh directory), without the auto-joined channel.
async fn default_server(name: &str) -> (SocketAddr, oneshot::Sender<()>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("ciao-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = ciao_server::Config {
        default_channel: None,
        history: Some(ciao_server::HistoryConfig::new(dir.clone())),
        ..Default::default()
    };
    let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(ciao_server::run(config, vec![listener], async move {
        let _ = stopped.await;
    }));
    (addr, stop, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attack_runs_and_accounts_for_every_probe() {
    use ciao_bench::attack::{self, Kind};
    for kind in [
        Kind::WhoGlob,
        Kind::List,
        Kind::Targets,
        Kind::Around,
        Kind::JoinPart,
    ] {
        let (addr, stop, dir) = default_server("attack").await;
        let args = attack::AttackArgs {
            kind,
            attackers: 4,
            attacker_addr: "127.0.0.2".parse().expect("ip"),
            users: 50,
            channels: 300,
            channel_makers: 3,
            history_rows: 400,
            fillers: 20,
            join_history: 2,
            // The server charges a JOIN of 100 channels to the attackers'
            // address (issue 12): after the first few, each cycle waits
            // for its work budget, so this kind needs a few seconds to
            // complete one.
            duration_secs: if kind == Kind::JoinPart { 4 } else { 1 },
            baseline_secs: 1,
            probe_interval_ms: 50,
            connect_concurrency: 16,
        };
        let pid = std::process::id().to_string();
        let report = attack::run(addr, args, Some(pid))
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e:#}"));
        assert!(report.attack_commands > 0, "{report:?}");
        assert_eq!(report.attacker_errors, 0, "{report:?}");
        for phase in [&report.baseline, &report.attack] {
            assert!(phase.probes_sent > 0, "{report:?}");
            assert_eq!(phase.lost, 0, "{report:?}");
            assert_eq!(phase.probes_received, phase.probes_sent, "{report:?}");
        }
        assert!(report.attack.server_cpu_s.is_some());
        match kind {
            Kind::WhoGlob => assert_eq!(report.setup.users, 50),
            Kind::List => assert_eq!(report.setup.channels, 300),
            Kind::Targets | Kind::Around => assert!(report.setup.history_rows >= 400),
            Kind::JoinPart => assert_eq!(report.setup.history_rows, 200),
        }
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `idle --tls` against a TLS listener (a certificate made for the test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_over_tls_registers_every_client() {
    let identity =
        ciao_server::config::tls::Identity::ephemeral("bench.local", &[]).expect("a certificate");
    let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listeners = ciao_server::Listeners {
        plain: Vec::new(),
        tls: vec![listener],
        tls_config: Some(identity.server_config().expect("config")),
        ..ciao_server::Listeners::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let config = ciao_server::Config {
        flood: None,
        ..ciao_server::Config::default()
    };
    tokio::spawn(ciao_server::run(config, listeners, async move {
        let _ = stopped.await;
    }));
    let idle = idle::run(
        addr,
        idle::IdleArgs {
            clients: 30,
            channel: String::new(),
            hold_secs: 0,
            tls: true,
            transport: Transport::Tcp,
            connect_concurrency: 8,
            welcome_end: WelcomeEnd::Motd,
        },
        Some(std::process::id().to_string()),
    )
    .await
    .expect("idle over TLS");
    assert_eq!((idle.registered, idle.tls), (30, true));
    drop(stop);
}

/// ciao-server in-process with a web listener only (the WebSocket
/// transport), without flood control.
async fn web_server() -> (SocketAddr, oneshot::Sender<()>) {
    let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listeners = ciao_server::Listeners {
        web: vec![listener],
        ..ciao_server::Listeners::default()
    };
    let config = ciao_server::Config {
        flood: None,
        default_channel: None,
        ..ciao_server::Config::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(ciao_server::run(config, listeners, async move {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// `fanout`, `idle` and `churn` with `--transport ws` against the web
/// listener: every delivery arrives, in order, one line per frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_idle_and_churn_over_websocket() {
    let (addr, stop) = web_server().await;
    let mut args = fanout_args(false);
    args.transport = Transport::Ws;
    let report = fanout::run(addr, args, None).await.expect("fanout over ws");
    assert_eq!(report.transport, Transport::Ws);
    assert_eq!(report.expected, 17 * 600 + 3 * 400);
    assert_eq!(report.deliveries, report.expected);
    assert_eq!((report.lost, report.out_of_order), (0, 0));

    let idle = idle::run(
        addr,
        idle::IdleArgs {
            clients: 40,
            channel: "#idle".into(),
            hold_secs: 0,
            tls: false,
            transport: Transport::Ws,
            connect_concurrency: 16,
            welcome_end: WelcomeEnd::Motd,
        },
        Some(std::process::id().to_string()),
    )
    .await
    .expect("idle over ws");
    assert_eq!((idle.registered, idle.transport), (40, Transport::Ws));
    assert!(idle.rss_bytes_per_client.is_some());

    // Each cycle's QUIT ends in the server's Close frame.
    let churn = churn::run(
        addr,
        churn::ChurnArgs {
            duration_secs: 1,
            concurrency: 4,
            channel: "#churn".into(),
            transport: Transport::Ws,
            welcome_end: WelcomeEnd::Motd,
        },
        None,
    )
    .await
    .expect("churn over ws");
    assert!(churn.cycles > 0);
    assert_eq!(churn.failures, 0, "{:?}", churn.first_failure);
    drop(stop);
}

/// The WebSocket mode refuses what it cannot measure, with a reason.
#[tokio::test]
async fn websocket_mode_refuses_plain_and_tls() {
    let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
    let mut args = fanout_args(true);
    args.transport = Transport::Ws;
    let error = fanout::run(addr, args, None)
        .await
        .expect_err("plain over ws");
    assert!(format!("{error}").contains("plain"), "{error}");
    let error = idle::run(
        addr,
        idle::IdleArgs {
            clients: 1,
            channel: String::new(),
            hold_secs: 0,
            tls: true,
            transport: Transport::Ws,
            connect_concurrency: 1,
            welcome_end: WelcomeEnd::Motd,
        },
        None,
    )
    .await
    .expect_err("tls over ws");
    assert!(format!("{error}").contains("WebSocket"), "{error}");
}
