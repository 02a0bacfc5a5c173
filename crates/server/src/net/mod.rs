//! The network side: the task that serves one connection (reading lines,
//! writing its outbox, keeping it alive) and what it recognises of other
//! protocols. Transports (TCP, TLS, and a WebSocket over either) plug in here;
//! the web port (`web`) tells browsers from chat clients.

pub(crate) mod accept;
pub(crate) mod connection;
mod foreign;
mod liveness;
pub(crate) mod tls;
pub(crate) mod transport;
pub(crate) mod web;
pub(crate) mod write;
