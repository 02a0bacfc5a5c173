//! The composition root: builds the hub, starts the history, accepts on
//! every listener (`net`), and shuts down.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::link::admission::Admission;
use crate::net::accept::{Kind, accept_loop};
use crate::net::web::{self, Web};
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

/// The sockets `run` serves: plaintext listeners (IRC and plain on one
/// port), TLS listeners with the rustls configuration they present, and
/// web listeners (the page, its WebSocket, and chat clients too).
/// A `Vec<TcpListener>` is plaintext listeners only.
#[derive(Debug, Default)]
pub struct Listeners {
    pub plain: Vec<TcpListener>,
    pub tls: Vec<TcpListener>,
    /// Required when `tls` is not empty.
    pub tls_config: Option<Arc<rustls::ServerConfig>>,
    pub web: Vec<TcpListener>,
    /// HTTPS and WSS on the web listeners (as well as plaintext): only
    /// for a certificate browsers verify, never the generated one.
    pub web_tls_config: Option<Arc<rustls::ServerConfig>>,
}

impl From<Vec<TcpListener>> for Listeners {
    fn from(plain: Vec<TcpListener>) -> Self {
        Listeners {
            plain,
            ..Listeners::default()
        }
    }
}

/// Serves clients on `listeners` until `shutdown` completes, then tells
/// every client, flushes within `config.flush_timeout`, and returns.
pub async fn run(
    config: Config,
    listeners: impl Into<Listeners>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let listeners = listeners.into();
    let acceptor = match (&listeners.tls_config, listeners.tls.is_empty()) {
        (Some(config), _) => Some(TlsAcceptor::from(config.clone())),
        (None, true) => None,
        (None, false) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS listeners need a TLS configuration",
            ));
        }
    };
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

    let mut served: Vec<(TcpListener, Kind)> = Vec::new();
    served.extend(listeners.plain.into_iter().map(|l| (l, Kind::Chat)));
    if let Some(acceptor) = acceptor {
        served.extend(
            listeners
                .tls
                .into_iter()
                .map(|l| (l, Kind::Tls(acceptor.clone()))),
        );
    }
    if !listeners.web.is_empty() {
        let tls = listeners.web_tls_config.map(TlsAcceptor::from);
        let web = Arc::new(Web::new(&hub, tls));
        served.extend(
            listeners
                .web
                .into_iter()
                .map(|l| (l, Kind::Web(web.clone()))),
        );
    }
    for (listener, kind) in served {
        if let Ok(addr) = listener.local_addr() {
            match &kind {
                Kind::Web(web) => {
                    let urls = web::page_urls(addr, web.secure()).join(" ");
                    tracing::info!(%addr, tls = web.secure(), web = true, "listening; the chat's page: {urls}");
                }
                kind => tracing::info!(%addr, tls = matches!(kind, Kind::Tls(_)), "listening"),
            }
        }
        tracker.spawn(accept_loop(
            listener,
            kind,
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
