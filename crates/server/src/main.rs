//! `ciao-server`: parse flags, set up logging, bind, serve until Ctrl+C or
//! SIGTERM.

mod cli;

use std::io::IsTerminal;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let settings = match cli::Args::parse().into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            // The message alone, as clap prints a bad flag (and with its
            // exit status): a backtrace would bury it.
            eprintln!("ciao-server: {error}");
            std::process::exit(2);
        }
    };
    // Every client is a descriptor: take the soft limit up to the hard one.
    if let Ok(limit) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::debug!(limit, "open file limit");
    }
    let shutdown = shutdown_signal()?;
    let mut listeners = Vec::new();
    for addr in &settings.listen {
        listeners
            .push(ciao_server::bind(*addr).with_context(|| format!("cannot listen on {addr}"))?);
    }
    if let Err(error) = ciao_server::run(settings.config, listeners, shutdown).await {
        // A store that cannot be used is the operator's to fix, and
        // scripts may tell it from other failures by its exit code.
        if let Some(store_error) = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ciao_server::HistoryError>())
        {
            eprintln!("error: {store_error}");
            std::process::exit(STORE_EXIT_CODE);
        }
        return Err(error.into());
    }
    Ok(())
}

/// The exit code of a history store that cannot be used (read-only,
/// damaged, from a newer ciao); other failures exit with 1.
const STORE_EXIT_CODE: i32 = 3;

/// Completes on SIGINT (Ctrl+C) or SIGTERM. The handlers are installed
/// here, before any socket is bound, so a signal that arrives as soon as
/// the server listens is never the default "die at once".
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
