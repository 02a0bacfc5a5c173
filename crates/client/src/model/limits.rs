//! How much of the server's word the model keeps. A hostile or broken
//! server can send anything, endlessly; every collection the server can
//! grow has a bound here, and each bound says what happens when it is
//! reached. Nothing is refused silently: the user is told once.

/// Lines kept per buffer. Past it the oldest go first: the recent past is
/// what a reader scrolls through, older lines come back from the server's
/// history (CHATHISTORY) when it keeps one.
pub const MAX_LINES_PER_BUFFER: usize = 10_000;

/// How many of the oldest lines go at once when a buffer is full, so that
/// a flood costs one move of the buffer per this many lines rather than
/// one per line.
pub const LINES_DROPPED_AT_ONCE: usize = 1_000;

/// Conversations (channels and private queries) the server may open. A
/// server can invent a nick per line; past this, lines for a conversation
/// that is not open yet are shown in the server buffer, with one note.
pub const MAX_CONVERSATIONS: usize = 1_000;

/// Members tracked per channel (and per NAMES reply being collected).
/// Past it, further members are not listed, with one note in the channel;
/// their lines are still shown.
pub const MAX_MEMBERS_PER_CHANNEL: usize = 100_000;

/// `chathistory` batches open at once. Opening one more shows the oldest
/// open batch as it stands (closes it early): nothing is lost, nothing
/// grows.
pub const MAX_OPEN_BATCHES: usize = 16;

/// Lines one open batch holds. Past it the oldest collected lines go (the
/// latest history is the most useful), with one note in the server buffer.
pub const MAX_BATCH_LINES: usize = 10_000;
