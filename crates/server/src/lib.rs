//! ciao-server: a chat server that speaks IRC to IRC clients and the
//! seed's plain text protocol to nc, telnet and the original `Client.py`,
//! on the same port.
//!
//! The server is a library: [`run`] serves on listeners until a shutdown
//! future completes. `main.rs` only parses flags and passes Ctrl+C.

pub mod caps;
pub mod channel;
pub mod cli;
pub mod client;
pub mod clock;
pub mod commands;
pub mod config;
mod connection;
pub mod cost;
pub mod fanout;
pub mod flood;
mod foreign;
pub mod glob;
pub mod history;
pub mod hub;
pub mod limits;
mod liveness;
pub mod monitor;
pub mod motd;
pub mod multiline;
pub mod nicks;
pub mod outbox;
pub mod plain;
pub mod presence;
mod printable;
pub mod ranges;
pub mod read_markers;
pub mod recent;
pub mod responses;
mod server;
pub mod state;
pub mod texts;
mod wakes;
mod whowas;
mod write;

pub use config::{Config, OperCredential};
pub use server::{bind, run};
pub use texts::Lang;
