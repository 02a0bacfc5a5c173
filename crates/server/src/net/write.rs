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

/// One non-blocking vectored write from the front of `batch`; fully
/// written lines leave the batch. `WouldBlock` when the socket is full.
pub(super) fn write_some(socket: &TcpStream, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
    let mut slices = [IoSlice::new(&[]); SLICES_PER_WRITE];
    let mut count = 0;
    for (slot, line) in slices.iter_mut().zip(batch.iter()) {
        *slot = IoSlice::new(line);
        count += 1;
    }
    let mut written = socket.try_write_vectored(&slices[..count])?;
    if written == 0 && count > 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
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
    Ok(())
}

/// Writes the whole batch, waiting for the socket as needed.
pub(super) async fn write_all(socket: &TcpStream, batch: &mut VecDeque<Bytes>) -> io::Result<()> {
    while !batch.is_empty() {
        socket.writable().await?;
        match write_some(socket, batch) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            result => result?,
        }
    }
    Ok(())
}
