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
//! `history` → `link` → the leaves (`caps`, `clock`, `glob`,
//! `printable`, `texts`).

pub mod caps;
pub mod clock;
pub mod commands;
pub mod config;
pub mod glob;
pub mod history;
pub mod link;
mod net;
pub mod plain;
mod printable;
mod server;
pub mod state;
pub mod texts;

pub use config::{Config, OperCredential};
pub use link::admission::ConnectRate;
pub use link::flood::FloodLimits;
pub use server::{bind, run};
pub use texts::Lang;
