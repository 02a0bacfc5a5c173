//! Inputs the fuzzers found (`fuzz/`), kept so they stay fixed.

use bytes::BytesMut;
use ciao_proto::{Frame, LineCodec, Message};
use tokio_util::codec::Decoder;

/// Every line of `input` that parses serialises to one clean line that
/// parses back to the same serialisation.
fn round_trips(input: &[u8]) {
    let mut codec = LineCodec::new(512 + 8191);
    let mut buf = BytesMut::from(input);
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        let Frame::Line(line) = frame else { continue };
        let Ok(text) = std::str::from_utf8(&line) else {
            continue;
        };
        let Ok(message) = text.parse::<Message>() else {
            continue;
        };
        let wire = message.to_string();
        assert!(!wire.contains(['\r', '\n', '\0']), "{wire:?}");
        let again: Message = wire.parse().expect("parses");
        assert_eq!(again.to_string(), wire, "from {input:?}");
    }
}

#[test]
fn a_parameter_of_only_nul_becomes_an_empty_trailing_one() {
    // parse_line, crash-8edf983b: "H \0" serialised as "H " (no colon
    // before the parameter the NUL left empty), which parses as "H".
    round_trips(b"h  \0\n\n");
    let message = Message::new("PRIVMSG", ["#c", "\0"]);
    assert_eq!(message.to_string(), "PRIVMSG #c :");
}

#[test]
fn sources_and_commands_of_only_nul_do_not_break_the_line() {
    let mut message = Message::new("\0", ["x"]);
    message.source = Some("\0".to_owned());
    assert_eq!(message.to_string(), "* x");
    round_trips(b":\0 \0 a\n");
}

#[test]
fn a_tag_key_of_only_nul_is_dropped_with_its_at_sign() {
    // parse_line, crash-c34c6b6a: "@\0 z ." serialised as "@ Z .".
    round_trips(b"@\0 z .\n\xff\n\n\xff\xff");
    let message: Message = "@\0 z .".parse().expect("parses");
    assert_eq!(message.to_string(), "Z .");
}

#[test]
fn a_command_that_would_read_back_as_tags_is_written_as_a_star() {
    // parse_line, crash-a344c3e4: "@\0\0 @" (tags of only NUL, then a
    // command "@") serialised as "@", which parses as a tag section.
    round_trips(b"@\0\0 @\n");
    let message: Message = "@\0\0 @".parse().expect("parses");
    assert_eq!(message.to_string(), "*");
}
