//! The network side: the task that serves one connection (reading lines,
//! writing its outbox, keeping it alive) and what it recognises of other
//! protocols. Transports (TCP and TLS; WebSocket next) plug in here.

pub(crate) mod accept;
pub(crate) mod connection;
mod foreign;
mod liveness;
pub(crate) mod tls;
pub(crate) mod transport;
mod write;
