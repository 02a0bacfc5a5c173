//! Writing a connection's queued lines to its socket: as many lines per
//! syscall as the kernel takes, without allocating.

use std::collections::VecDeque;
use std::io::{self, IoSlice};

use bytes::{Buf, Bytes};
use tokio::net::TcpStream;

/// Lines handed to one `writev`: Linux's IOV_MAX. Under load a busy
/// recipient's batch holds hundreds of lines, and each syscall saved is
/// worth more than the 16 KiB of stack this takes (outside any future).
const SLICES_PER_WRITE: usize = 1024;

/// Calls `write` with the front of `batch` as slices (up to
/// `SLICES_PER_WRITE` lines); returns what it wrote.
pub(super) fn with_slices(
    batch: &VecDeque<Bytes>,
    write: impl FnOnce(&[IoSlice<'_>]) -> io::Result<usize>,
) -> io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); SLICES_PER_WRITE];
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

/// One non-blocking vectored write from the front of `batch`; fully
/// written lines leave the batch. `WouldBlock` when the socket is full.
pub(super) fn write_some(socket: &TcpStream, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
    let written = with_slices(batch, |slices| socket.try_write_vectored(slices))?;
    advance(batch, written);
    Ok(())
}
