//! The TLS handshake in front of a connection: an admitted socket (its
//! `Slot` held all along, so half-open handshakes count against
//! `--max-clients` and `--max-per-ip`) gets `Config::tls_handshake_timeout`
//! to finish it, then is served like any other connection, over
//! [`TlsStream`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::connection;
use super::transport::TlsStream;
use crate::link::admission::Slot;
use crate::state::hub::Hub;

/// Completes the handshake within the deadline (or until shutdown), then
/// serves the client; a failed or late handshake just closes (the client
/// never was in the hub, so nobody is told).
pub(crate) async fn serve(
    acceptor: TlsAcceptor,
    hub: Arc<Hub>,
    socket: TcpStream,
    peer: SocketAddr,
    slot: Slot,
    stop: CancellationToken,
) {
    let limit = hub.config.tls_handshake_timeout;
    if let Some(stream) = handshake(&acceptor, socket, peer, limit, &stop).await {
        connection::serve(hub, stream, peer, slot).await;
    }
}

/// The handshake, within `limit`; `None` (logged) when it fails, is late
/// or the server shuts down.
pub(crate) async fn handshake(
    acceptor: &TlsAcceptor,
    socket: TcpStream,
    peer: SocketAddr,
    limit: Duration,
    stop: &CancellationToken,
) -> Option<TlsStream> {
    // Boxed: the handshake's state is not kept in the connection's future
    // for the connection's whole life.
    let handshake = Box::pin(tokio::time::timeout(limit, acceptor.accept(socket)));
    let stream = tokio::select! {
        _ = stop.cancelled() => return None,
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                tracing::info!(%peer, %error, "TLS handshake failed");
                return None;
            }
            Err(_) => {
                tracing::info!(%peer, "TLS handshake timed out");
                return None;
            }
        },
    };
    let (socket, session) = stream.into_inner();
    Some(TlsStream::new(socket, session))
}
