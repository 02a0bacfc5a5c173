//! `ciao`: the desktop chat client.

use std::sync::Arc;

use anyhow::Context as _;
use ciao::Intent;
use ciao::app::{CiaoApp, Prefs, repaint_waker};
use clap::Parser;
use eframe::egui;

/// ciao: join a chat on your network (any IRC server works too), or host
/// one from this window.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Connect at start to HOST:PORT (the form is filled in too); give it
    /// several times to be on several servers at once.
    #[arg(long, value_name = "HOST:PORT")]
    connect: Vec<String>,
    /// Nickname to use with --connect.
    #[arg(long, value_name = "NAME")]
    nick: Option<String>,
    /// With --connect: connect in clear instead of over TLS (a server
    /// without TLS, or one on this machine).
    #[arg(long)]
    plaintext: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let plaintext = args.plaintext;
    let connect_to = args
        .connect
        .iter()
        .map(|target| split_host_port(target))
        .collect::<anyhow::Result<Vec<_>>>()?;

    // The network lives on its own runtime; the UI thread never blocks on it.
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the network runtime")?,
    );

    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ciao")
            .with_inner_size([960.0, 640.0])
            .with_min_inner_size([480.0, 320.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    // The saved servers (and any password remembered) are the user's
    // only to read.
    if let Some(path) = ciao::servers::storage_file()
        && let Err(error) = ciao::servers::protect_storage(&path)
    {
        tracing::warn!(path = %path.display(), %error, "cannot make the saved servers private");
    }
    let rt = runtime.clone();
    eframe::run_native(
        "ciao",
        options,
        Box::new(move |cc| {
            ciao::fonts::install(&cc.egui_ctx);
            // Ctrl+C in the terminal closes the window the clean way.
            let ctx = cc.egui_ctx.clone();
            rt.spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    ctx.request_repaint();
                }
            });
            let mut app = CiaoApp::new(
                rt.handle().clone(),
                Prefs::default(),
                repaint_waker(&cc.egui_ctx),
            );
            if let Some(storage) = cc.storage {
                app.restore(storage);
            }
            if let Some(nick) = &args.nick {
                app.prefs.nick = nick.clone();
            }
            for (host, port) in &connect_to {
                app.prefs.host = host.clone();
                app.prefs.port = port.to_string();
                app.prefs.tls = !plaintext;
                // Each server under its own name (host:port).
                app.prefs.name.clear();
                app.submit(Intent::Join);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    Ok(())
}

/// `host:port` or `[v6]:port`.
fn split_host_port(target: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = target
        .rsplit_once(':')
        .with_context(|| format!("--connect {target:?}: expected HOST:PORT"))?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .with_context(|| format!("--connect {target:?}: the port must be 1-65535"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    anyhow::ensure!(
        !host.is_empty(),
        "--connect {target:?}: the host may not be empty"
    );
    Ok((host.to_owned(), port))
}
