//! ciao-server: a chat server that speaks IRC to IRC clients and the
//! seed's plain text protocol to nc, telnet and the original `Client.py`,
//! on the same port.
//!
//! The server is a library: [`run`] serves on listeners until a shutdown
//! future completes, with a [`Config`] built in code. The binary
//! (`main.rs` and the `cli` folder it declares, behind the default `cli`
//! feature) turns flags, environment and a TOML file into that `Config`,
//! binds and passes Ctrl+C; the library links no flag or file parser.
//!
//! The modules are layers (ARCHITECTURE.md draws them); each imports
//! only from those below it, which `tests/layers.rs` checks:
//! `server` → `net` → `plain` → `commands` → `state` → `config` →
//! `history` → `link` → the leaves (`caps`, `clock`, `credentials`,
//! `glob`, `printable`, `texts`).

// Items are crate-private unless the API (above) needs them.
#![warn(unreachable_pub)]

mod caps;
mod clock;
mod commands;
pub mod config;
mod credentials;
mod glob;
mod history;
mod link;
mod net;
mod plain;
mod printable;
mod server;
mod state;
#[doc(hidden)]
pub mod testing;
mod texts;

pub use config::{Config, OperCredential};
pub use history::{DEFAULT_MAX_BYTES as DEFAULT_HISTORY_MAX_BYTES, HistoryConfig, HistoryError};
pub use link::admission::ConnectRate;
pub use link::flood::FloodLimits;
pub use server::{Listeners, bind, run};
pub use texts::Lang;

/// The argon2id hash (PHC string) of `password`, which `Config::password`
/// and an [`OperCredential`]'s password may hold instead of the password
/// (`ciao-server hash-password`).
pub fn hash_password(password: &str) -> String {
    credentials::password::hash(password)
}
