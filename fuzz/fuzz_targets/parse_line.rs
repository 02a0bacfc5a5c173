//! Arbitrary bytes through the line codec and the parser: nothing panics,
//! whatever parses serialises to one clean line that parses back the same.

#![no_main]

use bytes::BytesMut;
use ciao_proto::{Frame, LineCodec, Message};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let mut codec = LineCodec::new(512 + 8191);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        let Frame::Line(line) = frame else { continue };
        let Ok(text) = std::str::from_utf8(&line) else { continue };
        let Ok(message) = text.parse::<Message>() else { continue };
        let wire = message.to_string();
        assert!(
            !wire.contains(['\r', '\n', '\0']),
            "serialised message holds a line break or NUL: {wire:?}"
        );
        let again: Message = wire.parse().expect("a serialised message parses");
        assert_eq!(again.to_string(), wire, "serialising is stable");
    }
});
