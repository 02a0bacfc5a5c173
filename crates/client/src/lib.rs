//! ciao-client: everything a chat client needs except the window.
//!
//! The halloy pattern: [`connection`] runs the IRC connection as a tokio
//! task that takes [`Control`]s and emits [`Update`]s over channels; the
//! [`Model`] (buffers, lines, members, topic, own nick) is built by
//! applying updates and is tested without a window; [`input`] turns what
//! the user types (`/join`, `/me`, …) into actions.

pub mod backoff;
pub mod complete;
pub mod connection;
pub mod format;
pub mod input;
mod isupport;
mod mask;
pub mod model;
mod numeric;
pub mod sasl;
pub mod split;

pub use backoff::Backoff;
pub use connection::{Control, Pacing, Settings, Update, Updates, connect};
pub use input::{Action, InputError, parse_input};
// Replayed history is the model's (it fills the model's buffers); the
// old path `ciao_client::playback` stays.
pub use model::playback;
pub use model::{Buffer, BufferKind, Line, LineKind, Member, Model};
