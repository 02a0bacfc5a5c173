//! ciao-bench: a load generator for ciao and other IRC servers, loopback
//! only, bounded in count and time. See docs/BENCHMARKS.md.

use std::net::SocketAddr;

use ciao_bench::conn::WelcomeEnd;
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
    /// Registration ends at 001, for servers that send no MOTD (issue
    /// 17's ideal relay). fanout, idle and churn only; real servers are
    /// measured without it, after their whole welcome.
    #[arg(long, global = true)]
    no_motd: bool,
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

impl Cli {
    /// Where registration ends. `--no-motd` is refused for the scenarios
    /// that need a real server's commands (the relay it is made for has
    /// none of them).
    fn welcome_end(&self) -> anyhow::Result<WelcomeEnd> {
        let relay_shaped = matches!(
            self.scenario,
            Scenario::Fanout(_) | Scenario::Idle(_) | Scenario::Churn(_)
        );
        anyhow::ensure!(
            !self.no_motd || relay_shaped,
            "--no-motd is for fanout, idle and churn: soak and attack need a real server"
        );
        Ok(WelcomeEnd::from_no_motd(self.no_motd))
    }
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
    let welcome_end = cli.welcome_end()?;
    let report = runtime.block_on(async {
        anyhow::Ok(match cli.scenario {
            Scenario::Fanout(mut args) => {
                args.connect_concurrency = cli.connect_concurrency;
                args.welcome_end = welcome_end;
                serde_json::to_value(fanout::run(cli.addr, args, pid).await?)?
            }
            Scenario::Idle(mut args) => {
                args.connect_concurrency = cli.connect_concurrency;
                args.welcome_end = welcome_end;
                serde_json::to_value(idle::run(cli.addr, args, pid).await?)?
            }
            Scenario::Churn(mut args) => {
                args.welcome_end = welcome_end;
                serde_json::to_value(churn::run(cli.addr, args, pid).await?)?
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn welcome_end(argv: &[&str]) -> anyhow::Result<WelcomeEnd> {
        let argv = std::iter::once("ciao-bench").chain(argv.iter().copied());
        Cli::try_parse_from(argv)?.welcome_end()
    }

    #[test]
    fn no_motd_is_global_and_only_for_the_relay_shaped_scenarios() {
        assert_eq!(welcome_end(&["fanout"]).expect("fanout"), WelcomeEnd::Motd);
        for argv in [
            &["--no-motd", "fanout"][..],
            &["fanout", "--no-motd", "--rate-per-sender", "40"],
            &["idle", "--no-motd"],
            &["--no-motd", "churn"],
        ] {
            assert_eq!(
                welcome_end(argv).expect("parsed"),
                WelcomeEnd::Welcome,
                "{argv:?}"
            );
        }
        for argv in [
            &["--no-motd", "soak"][..],
            &["attack", "--no-motd", "--kind", "list"],
        ] {
            let error = welcome_end(argv).expect_err("refused");
            assert!(
                error.to_string().contains("real server"),
                "{argv:?}: {error}"
            );
        }
    }
}
