//! ciao-bench: a load generator for ciao and other IRC servers, loopback
//! only, bounded in count and time. See docs/BENCHMARKS.md.

use std::net::SocketAddr;

use ciao_bench::{attack, churn, fanout, idle, soak};

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Server to load (loopback addresses only).
    #[arg(long, global = true, default_value = "127.0.0.1:6667")]
    addr: SocketAddr,
    /// PID of the server process, for its CPU time and memory.
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Connections opened and registered at once (servers with a short
    /// listen backlog, like ngIRCd's 10, need fewer).
    #[arg(long, global = true, default_value_t = 256)]
    connect_concurrency: usize,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// N clients in one channel, S senders, M messages each.
    Fanout(fanout::FanoutArgs),
    /// Hold N registered connections; report the server's memory per
    /// connection.
    Idle(idle::IdleArgs),
    /// Connect-register-join-message-quit cycles for a while.
    Churn(churn::ChurnArgs),
    /// Clients chatting for minutes while others come and go and hostile
    /// clients misbehave; counts what the stayers lost.
    Soak(soak::SoakArgs),
    /// Connections from one address send a costly ordinary command in a
    /// loop; a bystander pair measures its chat's latency.
    Attack(attack::AttackArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(
        cli.addr.ip().is_loopback(),
        "ciao-bench only loads servers on this machine (loopback), not {}",
        cli.addr
    );
    // Thousands of connections need thousands of descriptors.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let pid = cli.server_pid.map(|p| p.to_string());
    let report = runtime.block_on(async {
        anyhow::Ok(match cli.scenario {
            Scenario::Fanout(mut args) => {
                args.connect_concurrency = cli.connect_concurrency;
                serde_json::to_value(fanout::run(cli.addr, args, pid).await?)?
            }
            Scenario::Idle(mut args) => {
                args.connect_concurrency = cli.connect_concurrency;
                serde_json::to_value(idle::run(cli.addr, args, pid).await?)?
            }
            Scenario::Churn(args) => serde_json::to_value(churn::run(cli.addr, args, pid).await?)?,
            Scenario::Soak(args) => serde_json::to_value(soak::run(cli.addr, args, pid).await?)?,
            Scenario::Attack(mut args) => {
                args.connect_concurrency = cli.connect_concurrency;
                serde_json::to_value(attack::run(cli.addr, args, pid).await?)?
            }
        })
    })?;
    if cli.json {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
