//! Property tests for the line grammar: the parser never panics, what the
//! serialiser writes parses back to the same message, and no parameter can
//! carry a line break onto the wire.

use ciao_proto::{Message, Tag};
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9#&\\[\\]{}|^_\\-]{1,12}"
}

fn trailing() -> impl Strategy<Value = String> {
    "[^\r\n\0]{0,40}"
}

fn tag() -> impl Strategy<Value = Tag> {
    (
        "\\+?[a-z][a-z0-9\\-]{0,8}",
        proptest::option::of("[^\r\n\0]{0,12}"),
    )
        .prop_map(|(key, value)| Tag {
            key,
            // An empty value and no value are the same on the wire.
            value: value.filter(|v| !v.is_empty()),
        })
}

fn message() -> impl Strategy<Value = Message> {
    (
        proptest::collection::vec(tag(), 0..3),
        proptest::option::of("[a-z]{1,8}![a-z]{1,8}@[a-z0-9.]{1,12}"),
        "[A-Z]{3,8}|[0-9]{3}",
        proptest::collection::vec(word(), 0..5),
        proptest::option::of(trailing()),
    )
        .prop_map(|(tags, source, command, middle, last)| {
            let mut params = middle;
            params.extend(last);
            Message {
                tags,
                source,
                command,
                params,
            }
        })
}

proptest! {
    #[test]
    fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = text.parse::<Message>();
    }

    #[test]
    fn serialise_then_parse_round_trips(original in message()) {
        let wire = original.to_string();
        let parsed: Message = wire.parse().expect("serialised messages parse");
        prop_assert_eq!(parsed, original, "wire: {:?}", wire);
    }

    #[test]
    fn no_line_break_reaches_the_wire(
        command in "[A-Z]{3,8}",
        params in proptest::collection::vec(any::<String>(), 0..5),
        tag_value in any::<String>(),
    ) {
        let message = Message::new(&command, params).with_tag("k", Some(tag_value));
        let wire = message.to_string();
        prop_assert!(!wire.contains(['\r', '\n', '\0']), "{:?}", wire);
    }
}
