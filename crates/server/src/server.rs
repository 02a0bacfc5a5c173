//! Accepting connections and shutting down.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::connection;
use crate::hub::Hub;
use crate::limits::{Admission, Refusal};

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
    let admission = Arc::new(Admission::new(&hub.config));

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

async fn accept_loop(
    listener: TcpListener,
    hub: Arc<Hub>,
    admission: Arc<Admission>,
    tracker: TaskTracker,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // EMFILE and friends: back off briefly instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        match admission.admit(peer.ip()) {
            Ok(slot) => {
                tracker.spawn(connection::serve(hub.clone(), socket, peer, slot));
            }
            Err(refusal) => {
                let lang = hub.config.lang;
                let text = match refusal {
                    Refusal::Full => lang.server_full(hub.config.max_clients),
                    Refusal::TooManyFromAddress => {
                        lang.too_many_from_address(hub.config.max_per_ip)
                    }
                };
                tracing::warn!(%peer, ?refusal, "refused");
                tracker.spawn(refuse(socket, text, hub.config.flush_timeout));
            }
        }
    }
}

/// Tells a client the server is full and closes, reading its input until
/// it hangs up (bounded) so the refusal is not lost to a reset.
async fn refuse(mut socket: TcpStream, text: String, limit: std::time::Duration) {
    let line = format!("ERROR :Closing link: {text}\r\n");
    let _ = tokio::time::timeout(limit, async {
        socket.write_all(line.as_bytes()).await?;
        socket.shutdown().await?;
        let mut sink = [0u8; 512];
        while socket.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}
