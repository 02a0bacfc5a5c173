//! What the commit log tells a release about its entry: its place in
//! the order and whether it was stored. Its own file, below the
//! publisher, the effects and the refusal that all read it.

/// What a release learns about its entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stored {
    /// The entry's place in submission order (from 1).
    pub(crate) ticket: u64,
    /// Whether the entry's events and changes were committed. A message
    /// that was not is refused, never delivered (see
    /// [`refused`](crate::state::refusal::refused)).
    pub(crate) committed: bool,
}
