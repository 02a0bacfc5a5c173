//! The composition root: builds the hub, starts the history, accepts on
//! every listener (`net`), and shuts down.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::link::admission::Admission;
use crate::net::accept::accept_loop;
use crate::state::hub::Hub;

/// Binds a listening socket with SO_REUSEADDR, so a restart right after a
/// shutdown gets its port back even with connections in TIME_WAIT.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves clients on `listeners` until `shutdown` completes, then tells
/// every client, flushes within `config.flush_timeout`, and returns.
pub async fn run(
    config: Config,
    listeners: Vec<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let history = config.history.clone();
    let hub = Arc::new(Hub::new(config));
    if let Some(history) = history {
        let dir = history.dir.clone();
        hub.start_history(history).map_err(io::Error::other)?;
        tracing::info!(dir = %dir.display(), "history on");
    }
    let tracker = TaskTracker::new();
    let stop_accepting = CancellationToken::new();
    let admission = Arc::new(Admission::new(hub.config.admission_limits()));

    for listener in listeners {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "listening");
        }
        tracker.spawn(accept_loop(
            listener,
            hub.clone(),
            admission.clone(),
            tracker.clone(),
            stop_accepting.clone(),
        ));
    }

    shutdown.await;
    tracing::info!("shutting down");
    stop_accepting.cancel();
    hub.lock().shutdown();
    tracker.close();
    // Each connection flushes within flush_timeout of seeing the close;
    // the margin covers scheduling, never a client.
    let limit = hub.config.flush_timeout + std::time::Duration::from_millis(250);
    if tokio::time::timeout(limit, tracker.wait()).await.is_err() {
        tracing::warn!("some connections did not close in time");
    }
    // Everything submitted is stored before `run` returns: a clean
    // shutdown loses nothing.
    hub.close_history().await;
    Ok(())
}
