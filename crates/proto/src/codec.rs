//! Bytes to lines, with a hard bound on line length.
//!
//! A peer that never sends a newline must not make the server buffer
//! without limit: once a line passes `max_len` the codec reports
//! [`Frame::TooLong`] once and throws bytes away until the next LF.
//! Lines end at LF; a CR before it is stripped (clients send CRLF, nc
//! sends LF).

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// What the decoder found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One line without its line ending.
    Line(Bytes),
    /// A line longer than the limit; its bytes were discarded.
    TooLong,
}

/// A bounded LF line codec.
#[derive(Debug, Clone)]
pub struct LineCodec {
    /// Longest accepted line, in bytes, not counting CR LF. (`u32`s: a
    /// server holds one codec per connection, so its size counts.)
    max_len: u32,
    /// How far into the buffer we already searched for LF, so a slow
    /// sender does not make each read rescan everything (never more than
    /// `max_len` + 1).
    scanned: u32,
    /// True while skipping the rest of an over-long line.
    discarding: bool,
}

impl LineCodec {
    /// A codec for lines of at most `max_len` bytes (at most 4 GiB).
    pub fn new(max_len: usize) -> Self {
        LineCodec {
            max_len: u32::try_from(max_len).unwrap_or(u32::MAX - 1),
            scanned: 0,
            discarding: false,
        }
    }

    pub fn max_len(&self) -> usize {
        self.max_len as usize
    }

    /// Takes whatever is buffered as one line, newline or not.
    ///
    /// Plain mode needs this: the seed's `Client.py` sends each message in
    /// one write with no newline, so the end of a read is the end of a
    /// message. Returns `None` when nothing is buffered.
    pub fn take_partial(&mut self, buf: &mut BytesMut) -> Option<Frame> {
        if buf.is_empty() {
            return None;
        }
        self.scanned = 0;
        if self.discarding {
            buf.clear();
            self.discarding = false;
            return None;
        }
        let mut line = buf.split().freeze();
        if line.last() == Some(&b'\r') {
            line.truncate(line.len() - 1);
        }
        Some(Frame::Line(line))
    }
}

impl Decoder for LineCodec {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        let max_len = self.max_len();
        loop {
            let scanned = self.scanned as usize;
            let newline = buf[scanned..].iter().position(|&b| b == b'\n');
            match (newline, self.discarding) {
                (Some(offset), true) => {
                    buf.advance(scanned + offset + 1);
                    self.scanned = 0;
                    self.discarding = false;
                }
                (None, true) => {
                    buf.clear();
                    self.scanned = 0;
                    return Ok(None);
                }
                (Some(offset), false) => {
                    let end = scanned + offset;
                    self.scanned = 0;
                    let mut line = buf.split_to(end + 1);
                    line.truncate(end);
                    if line.last() == Some(&b'\r') {
                        line.truncate(end - 1);
                    }
                    if line.len() > max_len {
                        return Ok(Some(Frame::TooLong));
                    }
                    return Ok(Some(Frame::Line(line.freeze())));
                }
                (None, false) if buf.len() > max_len + 1 => {
                    // +1 leaves room for the CR of a line exactly max_len long.
                    buf.clear();
                    self.scanned = 0;
                    self.discarding = true;
                    return Ok(Some(Frame::TooLong));
                }
                (None, false) => {
                    // At most max_len + 1, by the arm above.
                    self.scanned = buf.len() as u32;
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        match self.decode(buf)? {
            Some(frame) => Ok(Some(frame)),
            None => Ok(self.take_partial(buf)),
        }
    }
}

impl Encoder<Bytes> for LineCodec {
    type Error = std::io::Error;

    fn encode(&mut self, line: Bytes, dst: &mut BytesMut) -> Result<(), Self::Error> {
        dst.extend_from_slice(&line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut LineCodec, input: &[u8]) -> Vec<Frame> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(frame) = codec.decode(&mut buf).expect("decode") {
            out.push(frame);
        }
        out
    }

    fn line(s: &str) -> Frame {
        Frame::Line(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn splits_on_lf_and_strips_cr() {
        let mut codec = LineCodec::new(100);
        let frames = decode_all(&mut codec, b"one\r\ntwo\nthree");
        assert_eq!(frames, [line("one"), line("two")]);
    }

    #[test]
    fn partial_line_waits_for_more() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::from(&b"hel"[..]);
        assert_eq!(codec.decode(&mut buf).expect("decode"), None);
        buf.extend_from_slice(b"lo\r\n");
        assert_eq!(codec.decode(&mut buf).expect("decode"), Some(line("hello")));
    }

    #[test]
    fn over_long_line_is_reported_once_and_skipped() {
        let mut codec = LineCodec::new(5);
        let mut buf = BytesMut::from(&b"0123456789"[..]);
        assert_eq!(
            codec.decode(&mut buf).expect("decode"),
            Some(Frame::TooLong)
        );
        assert!(buf.is_empty(), "discarded bytes are not kept");
        buf.extend_from_slice(b"more junk");
        assert_eq!(codec.decode(&mut buf).expect("decode"), None);
        buf.extend_from_slice(b"\nok\n");
        assert_eq!(codec.decode(&mut buf).expect("decode"), Some(line("ok")));
    }

    #[test]
    fn complete_over_long_line_is_too_long() {
        let mut codec = LineCodec::new(3);
        assert_eq!(
            decode_all(&mut codec, b"abcd\nabc\r\n"),
            [Frame::TooLong, line("abc")]
        );
    }

    #[test]
    fn take_partial_returns_the_unterminated_rest() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::from(&b"a\nbob"[..]);
        assert_eq!(codec.decode(&mut buf).expect("decode"), Some(line("a")));
        assert_eq!(codec.decode(&mut buf).expect("decode"), None);
        assert_eq!(codec.take_partial(&mut buf), Some(line("bob")));
        assert_eq!(codec.take_partial(&mut buf), None);
    }
}
