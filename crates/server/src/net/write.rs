//! Writing a connection's queued lines to its socket, as many per
//! syscall as the kernel takes: over TCP copied into one buffer per
//! thread for one `send`, into rustls as slices (TLS), without
//! allocating.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, IoSlice};

use bytes::{Buf, Bytes};
use tokio::net::TcpStream;

/// Lines handed to rustls in one call (Linux's IOV_MAX, the bound a
/// `writev` had when TCP used one). Under load a busy recipient's batch
/// holds hundreds of lines, and each call saved is worth more than the
/// 16 KiB of stack this takes (outside any future).
const SLICES_PER_WRITE: usize = 1024;
/// Most writes carry a line or a few (a chat at everyday load): their
/// slices come from an array this small: filling the whole
/// `SLICES_PER_WRITE` array for each one was 5 % of the server's time at
/// everyday load, when TCP used slices too (docs/BENCHMARKS.md).
const FEW_SLICES: usize = 16;

/// Calls `write` with the front of `batch` as slices (up to
/// `SLICES_PER_WRITE` lines); returns what it wrote.
pub(super) fn with_slices(
    batch: &VecDeque<Bytes>,
    write: impl FnOnce(&[IoSlice<'_>]) -> io::Result<usize>,
) -> io::Result<usize> {
    if batch.len() <= FEW_SLICES {
        with_array::<FEW_SLICES>(batch, write)
    } else {
        with_array::<SLICES_PER_WRITE>(batch, write)
    }
}

/// `with_slices` with an array of `N` slices.
fn with_array<const N: usize>(
    batch: &VecDeque<Bytes>,
    write: impl FnOnce(&[IoSlice<'_>]) -> io::Result<usize>,
) -> io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); N];
    let mut count = 0;
    for (slot, line) in slices.iter_mut().zip(batch.iter()) {
        *slot = IoSlice::new(line);
        count += 1;
    }
    let written = write(&slices[..count])?;
    if written == 0 && count > 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    Ok(written)
}

/// Drops the first `written` bytes of `batch`: fully written lines leave
/// it, a partly written one keeps its rest.
pub(super) fn advance(batch: &mut VecDeque<Bytes>, mut written: usize) {
    while written > 0 {
        let Some(head) = batch.front_mut() else { break };
        if written >= head.len() {
            written -= head.len();
            batch.pop_front();
        } else {
            head.advance(written);
            written = 0;
        }
    }
}

/// Bytes copied into one write at most: small enough for the copy to stay
/// in cache; a larger batch takes more than one `send`.
const COALESCED_BYTES: usize = 256 * 1024;

thread_local! {
    /// Where a batch of lines is copied to go out in one `send`: one per
    /// runtime thread rather than one per connection, which would cost
    /// idle connections memory.
    static COALESCED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// One non-blocking write from the front of `batch`; fully written lines
/// leave the batch. `WouldBlock` when the socket is full.
///
/// A batch of several lines is copied into one buffer and sent with one
/// `send`, like a single line. Handing the kernel the lines as slices
/// (`writev`, `sendmsg`) avoids the copy, but the kernel's work for each
/// slice and `writev`'s file layer cost more than copying a few hundred
/// bytes: the criterion `write` benchmark takes 1.1–1.3× as long with
/// `writev` for batches of 1 to 1024 lines.
pub(crate) fn write_some(socket: &TcpStream, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
    let written = match batch.len() {
        0 => return Ok(()),
        1 => socket.try_write(&batch[0])?,
        _ => COALESCED.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            buffer.clear();
            coalesce(batch, &mut buffer);
            socket.try_write(&buffer)
        })?,
    };
    if written == 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    advance(batch, written);
    Ok(())
}

/// Copies the front lines of `batch` into `buffer`, at least one and no
/// more than `COALESCED_BYTES` beyond the first.
fn coalesce(batch: &VecDeque<Bytes>, buffer: &mut Vec<u8>) {
    for line in batch {
        if !buffer.is_empty() && buffer.len() + line.len() > COALESCED_BYTES {
            break;
        }
        buffer.extend_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_of(lines: usize, len: usize) -> VecDeque<Bytes> {
        (0..lines)
            .map(|n| Bytes::from(vec![b'a' + (n % 26) as u8; len]))
            .collect()
    }

    #[test]
    fn coalescing_copies_whole_lines_in_order_up_to_the_bound() {
        let batch = batch_of(3, 5);
        let mut buffer = Vec::new();
        coalesce(&batch, &mut buffer);
        assert_eq!(buffer, b"aaaaabbbbbccccc");

        let big = batch_of(100, 10_000);
        buffer.clear();
        coalesce(&big, &mut buffer);
        assert_eq!(buffer.len(), 26 * 10_000, "26 lines fit in 256 KiB");

        let huge = batch_of(2, COALESCED_BYTES + 1);
        buffer.clear();
        coalesce(&huge, &mut buffer);
        assert_eq!(
            buffer.len(),
            COALESCED_BYTES + 1,
            "the first line always goes"
        );
    }

    #[test]
    fn slices_cover_the_front_of_the_batch() {
        for lines in [0, 1, FEW_SLICES, FEW_SLICES + 1, SLICES_PER_WRITE + 5] {
            let batch = batch_of(lines, 3);
            let seen = with_slices(&batch, |slices| {
                assert_eq!(slices.len(), lines.min(SLICES_PER_WRITE));
                assert!(slices.iter().zip(&batch).all(|(s, l)| **s == **l));
                Ok(slices.iter().map(|s| s.len()).sum())
            });
            match lines {
                0 => assert_eq!(seen.ok(), Some(0)),
                _ => assert_eq!(seen.ok(), Some(3 * lines.min(SLICES_PER_WRITE))),
            }
        }
    }

    #[test]
    fn advancing_drops_written_lines_and_keeps_a_partial_rest() {
        let mut batch = batch_of(3, 4);
        advance(&mut batch, 6);
        assert_eq!(batch.len(), 2);
        assert_eq!(&batch[0][..], b"bb");
        advance(&mut batch, 6);
        assert!(batch.is_empty());
    }
}
