//! The IRC line grammar as ciao speaks it.
//!
//! Layers, bottom up: [`codec`] turns bytes into bounded lines, [`message`]
//! turns a line into a [`Message`] (tags, source, command, params) and back,
//! [`numeric`] names every reply code the server sends, [`casemap`] folds
//! nicknames and channel names the RFC 1459 way, and [`names`] says which
//! nicknames and channel names are valid. Nothing here touches a socket.

pub mod casemap;
pub mod codec;
pub mod message;
pub mod names;
pub mod numeric;

pub use casemap::{CaseKey, irc_eq, irc_lower};
pub use codec::{Frame, LineCodec};
pub use message::{Message, ParseError, Tag};
pub use numeric::Numeric;
