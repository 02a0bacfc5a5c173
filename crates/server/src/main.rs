//! `ciao-server`: parse flags, set up logging, bind, serve until Ctrl+C or
//! SIGTERM; SIGHUP reloads the TLS certificate.

mod cli;

use std::io::IsTerminal;
use std::net::IpAddr;

use anyhow::Context;
use ciao_server::config::tls::{self, Identity};
use ciao_server::config::tls_server::TlsCerts;
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

    let args = cli::Args::parse();
    let command = args.command;
    if let Some(cli::Subcommand::HashPassword) = command {
        // Needs no settings: a hash is the same whatever the server.
        return print_hash();
    }
    let settings = match args.into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            // The message alone, as clap prints a bad flag (and with its
            // exit status): a backtrace would bury it.
            eprintln!("ciao-server: {error}");
            std::process::exit(2);
        }
    };
    if let Some(cli::Subcommand::TlsFingerprint) = command {
        return print_fingerprint(&settings);
    }
    // Every client is a descriptor: take the soft limit up to the hard one.
    if let Ok(limit) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::debug!(limit, "open file limit");
    }
    let shutdown = shutdown_signal()?;
    let hangups = hangup_signal()?;
    let mut listeners = Vec::new();
    for addr in &settings.listen {
        listeners
            .push(ciao_server::bind(*addr).with_context(|| format!("cannot listen on {addr}"))?);
    }
    let certs = match tls_identity(&settings)? {
        Some(identity) => {
            log_fingerprint(&identity.fingerprints(), "TLS certificate SHA-256");
            Some(TlsCerts::new(identity)?)
        }
        None => None,
    };
    let tls_config = certs.as_ref().map(TlsCerts::server_config).transpose()?;
    if let Some(certs) = certs {
        reload_on_hangup(hangups, settings.tls.clone(), certs);
    }
    let mut tls = Vec::new();
    for addr in &settings.tls_listen {
        tls.push(
            ciao_server::bind(*addr).with_context(|| format!("cannot listen on {addr} (TLS)"))?,
        );
    }
    let mut web = Vec::new();
    for addr in &settings.web {
        web.push(
            ciao_server::bind(*addr).with_context(|| format!("cannot listen on {addr} (web)"))?,
        );
    }
    // Browsers show a certificate they cannot verify as an error page, so
    // the web port speaks HTTPS only with the operator's own certificate.
    let web_tls_config = match settings.tls {
        cli::TlsSource::Files { .. } => tls_config.clone(),
        _ => None,
    };
    let listeners = ciao_server::Listeners {
        plain: listeners,
        tls,
        tls_config,
        web,
        web_tls_config,
    };
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

/// The certificate the TLS listeners present: the files given, or the
/// one generated in the data dir (made now on first start), or one made
/// for this run only; `None` with `--no-tls`.
fn tls_identity(settings: &cli::Settings) -> anyhow::Result<Option<Identity>> {
    let name = &settings.config.server_name;
    let addrs: Vec<IpAddr> = settings.tls_listen.iter().map(|addr| addr.ip()).collect();
    Ok(Some(match &settings.tls {
        cli::TlsSource::Off => return Ok(None),
        cli::TlsSource::Files { cert, key } => Identity::load(cert, key)?,
        cli::TlsSource::Generated(dir) => {
            let (identity, new) = Identity::generated(dir, name, &addrs)?;
            if new {
                tracing::info!(
                    dir = %dir.display(),
                    "generated a TLS certificate and the CA that signed it (clients may trust {})",
                    dir.join(tls::CA_FILE).display()
                );
            }
            identity
        }
        cli::TlsSource::Ephemeral => {
            tracing::warn!(
                "no data dir (--no-history): a TLS certificate for this run only; give --data-dir or --tls-cert to keep one"
            );
            Identity::ephemeral(name, &addrs)?
        }
    }))
}

fn log_fingerprint(prints: &tls::Fingerprints, what: &str) {
    tracing::info!(
        tls_pinned_cert = %prints.irssi_cert(),
        tls_pinned_pubkey = %prints.irssi_pubkey().unwrap_or_default(),
        tls_fingerprint = %prints.weechat(),
        "{what} (irssi: tls_pinned_cert or tls_pinned_pubkey; weechat: tls_fingerprint)"
    );
}

/// SIGHUP: reads the certificate and key again and presents them to new
/// handshakes; established sessions keep theirs. A file that cannot be
/// used keeps the old certificate, and the log says why.
fn reload(source: &cli::TlsSource, certs: &TlsCerts) {
    let identity = match source {
        cli::TlsSource::Files { cert, key } => Identity::load(cert, key),
        cli::TlsSource::Generated(dir) => Identity::reload_generated(dir),
        cli::TlsSource::Off | cli::TlsSource::Ephemeral => {
            tracing::info!("SIGHUP: the TLS certificate was made for this run, nothing to reload");
            return;
        }
    };
    match identity.and_then(|identity| certs.replace(identity)) {
        Ok(prints) => log_fingerprint(&prints, "TLS certificate reloaded: SHA-256"),
        Err(error) => tracing::error!(
            %error,
            "SIGHUP: cannot reload the TLS certificate, keeping the old one"
        ),
    }
}

/// `ciao-server hash-password`: the password is read from standard input,
/// not taken as an argument, so it stays out of the shell's history and
/// of `ps`.
fn print_hash() -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() {
        eprintln!("Password (shown as you type; the hash is printed on standard output):");
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    anyhow::ensure!(!password.is_empty(), "no password given on standard input");
    println!("{}", ciao_server::hash_password(password));
    Ok(())
}

/// `ciao-server tls-fingerprint`.
fn print_fingerprint(settings: &cli::Settings) -> anyhow::Result<()> {
    if settings.tls == cli::TlsSource::Ephemeral {
        anyhow::bail!(
            "with --no-history and no --data-dir each start makes a new certificate: there is no fingerprint to print"
        );
    }
    let Some(identity) = tls_identity(settings)? else {
        anyhow::bail!("TLS is off (--no-tls)");
    };
    let prints = identity.fingerprints();
    println!("tls_pinned_cert   {}", prints.irssi_cert());
    if let Some(pubkey) = prints.irssi_pubkey() {
        println!("tls_pinned_pubkey {pubkey}");
    }
    println!("tls_fingerprint   {}", prints.weechat());
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

/// SIGHUP's stream, installed (like the shutdown handlers) before the
/// server listens, so a reload asked early never kills it.
#[cfg(unix)]
fn hangup_signal() -> anyhow::Result<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::hangup()).context("cannot handle SIGHUP")
}

/// Reloads the certificate at each SIGHUP, for the server's life.
#[cfg(unix)]
fn reload_on_hangup(
    mut hangups: tokio::signal::unix::Signal,
    source: cli::TlsSource,
    certs: std::sync::Arc<TlsCerts>,
) {
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            reload(&source, &certs);
        }
    });
}

/// No SIGHUP here: the certificate is read at start only.
#[cfg(not(unix))]
fn hangup_signal() -> anyhow::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn reload_on_hangup(_: (), _: cli::TlsSource, _: std::sync::Arc<TlsCerts>) {}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
