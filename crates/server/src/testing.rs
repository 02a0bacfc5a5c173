//! Access for the benchmarks and the fuzz targets, which drive the hub
//! without sockets: not part of the server's API (hidden from the docs,
//! and free to change with the code it reaches).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ciao_proto::Message;

pub use crate::history::{Event, Scope, Since, Store};
pub use crate::link::outbox::Outbox;
use crate::state::State;
use crate::state::client::Client;

/// The hub's state with clients that are only outboxes: a line goes
/// straight to the command dispatch (IRC) or the plain protocol, as a
/// connection would hand it over, and what each client is sent waits in
/// its outbox.
#[derive(Debug)]
pub struct Hub {
    state: State,
}

impl Hub {
    pub fn new(config: crate::Config) -> Self {
        Hub {
            state: State::new(Arc::new(config)),
        }
    }

    /// A new client from 127.0.0.1 whose outbox holds up to `sendq`
    /// bytes; it has not said anything yet.
    pub fn connect(&mut self, sendq: usize) -> (u64, Arc<Outbox>) {
        let outbox = Arc::new(Outbox::new(sendq));
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let given = outbox.clone();
        let id = self.state.add_client(|id| Client::new(id, ip, given));
        (id, outbox)
    }

    /// Runs one IRC line from client `id` (what does not parse is
    /// dropped, as the connection drops it).
    pub fn irc(&mut self, id: u64, line: &str) {
        if let Ok(message) = line.parse::<Message>() {
            self.irc_message(id, &message);
        }
    }

    /// Runs one parsed IRC message from client `id`.
    pub fn irc_message(&mut self, id: u64, message: &Message) {
        crate::commands::dispatch(&mut self.state, id, message);
    }

    /// Greets client `id` as a plain (seed protocol) client.
    pub fn plain_start(&mut self, id: u64) {
        crate::plain::start(&mut self.state, id);
    }

    /// Handles one text line from plain client `id`.
    pub fn plain_line(&mut self, id: u64, line: &str) {
        crate::plain::handle_line(&mut self.state, id, line);
    }
}

/// One non-blocking write of `batch`'s front lines to `socket`, as a
/// connection writes its outbox; fully written lines leave the batch.
pub fn write_some(
    socket: &tokio::net::TcpStream,
    batch: &mut std::collections::VecDeque<bytes::Bytes>,
) -> std::io::Result<()> {
    crate::net::write::write_some(socket, batch)
}
