//! Accepting connections: admission, and a short answer to those refused.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use tokio_rustls::TlsAcceptor;

use super::web::{self, Web};
use super::{connection, tls};
use crate::config::Config;
use crate::link::admission::{Admission, Refusal, Slot};
use crate::state::hub::Hub;

/// What a listener's connections are.
#[derive(Clone)]
pub(crate) enum Kind {
    /// IRC and plain text.
    Chat,
    /// IRC and plain text over TLS.
    Tls(TlsAcceptor),
    /// The web port: the page, its WebSocket, and chat clients too.
    Web(Arc<Web>),
}

/// Accepts on `listener` until `stop`, serving each admitted connection
/// as a task of `tracker`, as `kind` says.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    kind: Kind,
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
        match (admit(&hub, &admission, peer), &kind) {
            (Ok(slot), Kind::Chat) => {
                tracker.spawn(connection::serve(hub.clone(), socket, peer, slot));
            }
            (Ok(slot), Kind::Tls(acceptor)) => {
                let (acceptor, stop) = (acceptor.clone(), stop.clone());
                tracker.spawn(tls::serve(acceptor, hub.clone(), socket, peer, slot, stop));
            }
            (Ok(slot), Kind::Web(web)) => {
                let spawner = web::Spawner {
                    hub: hub.clone(),
                    tracker: tracker.clone(),
                    stop: stop.clone(),
                };
                tracker.spawn(web::serve(web.clone(), spawner, socket, peer, slot));
            }
            // A TLS client would read the text as a broken record: it is
            // closed without a word (before any handshake work).
            (Err(refusal), Kind::Tls(_)) => {
                tracing::warn!(%peer, ?refusal, "refused");
                drop(socket);
            }
            (Err(refusal), Kind::Chat) => {
                tracing::warn!(%peer, ?refusal, "refused");
                let text = refusal_text(&hub.config, refusal);
                tracker.spawn(refuse(socket, text, hub.config.flush_timeout));
            }
            (Err(refusal), Kind::Web(_)) => {
                tracing::warn!(%peer, ?refusal, "refused");
                tracker.spawn(web::refuse(socket, refusal_text(&hub.config, refusal)));
            }
        }
    }
}

/// Admits a connection from `peer`, closing the oldest overdue
/// registering connection if that is what it takes. Never a registered
/// one: registration and this check both happen under the hub lock.
fn admit(hub: &Hub, admission: &Admission, peer: SocketAddr) -> Result<Slot, Refusal> {
    let now = Instant::now();
    let refusal = match admission.admit(peer.ip(), now) {
        Err(refusal) if refusal.room_can_be_made() => refusal,
        admitted => return admitted,
    };
    let mut state = hub.lock();
    while let Some(id) = admission.overdue(peer.ip(), now) {
        if state.client(id).is_none_or(|client| client.registered()) {
            // Registered (or gone) since: not a candidate.
            admission.forget_overdue(id);
            continue;
        }
        tracing::info!(id, %peer, "closing an overdue registration to make room");
        let text = format!(
            "Closing link: {}",
            hub.config.lang.registration_timed_out_busy()
        );
        // Forgetting the client frees its slot at once.
        state.disconnect(id, &text, "Registration timed out");
        drop(state);
        return admission.admit(peer.ip(), now);
    }
    Err(refusal)
}

/// What a refused client is told, after `Closing link: `.
fn refusal_text(config: &Config, refusal: Refusal) -> String {
    let lang = config.lang;
    // Rounded up: "try again in 0 s" would be a lie.
    let secs = |wait: Duration| wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    match refusal {
        Refusal::Full => lang.server_full(config.max_clients),
        Refusal::Registering(wait) => lang.too_many_registering(secs(wait).max(1)),
        Refusal::TooManyFromAddress => lang.too_many_from_address(config.max_per_ip),
        Refusal::TooManyFromNetwork => lang.too_many_from_network(config.max_per_ipv6_48),
        Refusal::TooFast(wait) => lang.too_fast(secs(wait).max(1)),
    }
}

/// Tells a client why it is refused and closes, reading its input until
/// it hangs up (bounded) so the refusal is not lost to a reset.
async fn refuse(mut socket: TcpStream, text: String, limit: Duration) {
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
