//! What the hub keeps for each client's link, below the state that owns
//! the clients: the bounded outbox the connection drains, the wake-ups
//! that batch its writer, the admission slot it holds, and the buckets of
//! flood control and work budgets. Nothing here knows of channels, nicks
//! or commands; both the connection task and the hub use it.

pub(crate) mod admission;
pub(crate) mod attempts;
pub(crate) mod cost;
pub(crate) mod flood;
pub(crate) mod outbox;
pub(crate) mod presence;
pub(crate) mod wakes;

/// A connection's number, unique for the server's life: the hub's key for
/// its client and the admission slots' key for who is registering.
pub(crate) type ClientId = u64;
