//! Writing a connection's queued lines to its socket: as many lines per
//! syscall as the kernel takes, without allocating.

use std::collections::VecDeque;
use std::io::{self, IoSlice};

use bytes::{Buf, Bytes};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Lines handed to one `writev`: Linux's IOV_MAX. Under load a busy
/// recipient's batch holds hundreds of lines, and each syscall saved is
/// worth more than the 16 KiB of stack this takes (outside any future).
const SLICES_PER_WRITE: usize = 1024;
/// Most writes carry a line or a few (a chat at everyday load): their
/// slices come from an array this small, since filling the whole
/// `SLICES_PER_WRITE` array costs more than the syscall's own copy.
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

/// One non-blocking vectored write from the front of `batch`; fully
/// written lines leave the batch. `WouldBlock` when the socket is full.
///
/// `sendmsg` rather than `writev` (tokio's `try_write_vectored`): both
/// queue the same bytes, but `writev` first passes the file layer
/// (position lock, iterator set-up), a tenth of the kernel's part of
/// each delivery at everyday load.
pub(super) fn write_some(socket: &TcpStream, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
    let written = with_slices(batch, |slices| {
        socket.try_io(Interest::WRITABLE, || {
            socket2::SockRef::from(socket).send_vectored(slices)
        })
    })?;
    advance(batch, written);
    Ok(())
}
