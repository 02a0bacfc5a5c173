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

/// Bytes of lines (text, sender and msgid) kept per buffer: a line count
/// alone lets a flood of long lines (pastes of 16 KiB) hold gigabytes.
/// Past it the oldest lines go, [`BYTES_DROPPED_AT_ONCE`] at a time, the
/// newest line always stays; older lines come back from the server's
/// history when it keeps one.
pub const MAX_BYTES_PER_BUFFER: usize = 2 * 1024 * 1024;

/// Bytes of lines kept across all buffers: [`MAX_CONVERSATIONS`] full
/// buffers would still be 2 GiB. Past it the buffer holding the most
/// bytes loses its oldest [`BYTES_DROPPED_AT_ONCE`] (found by one scan of
/// the buffers, only when over), until the model is under budget again:
/// busy channels give up old lines, quiet queries keep theirs.
pub const MAX_LINE_BYTES: usize = 32 * 1024 * 1024;

/// How many bytes of the oldest lines go at once when a byte budget is
/// exceeded, so that a flood of long lines costs one move of the buffer
/// per this many bytes rather than one per line.
pub const BYTES_DROPPED_AT_ONCE: usize = MAX_BYTES_PER_BUFFER / 8;

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
