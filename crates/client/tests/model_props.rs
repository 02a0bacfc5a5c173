//! Arbitrary server lines fed to the model: IRC-shaped ones (the commands
//! the model handles, every numeric, tags with odd values) and junk. The
//! model never panics and stays within the bounds of `model::limits`.

use ciao_client::model::limits::{
    MAX_BATCH_LINES, MAX_BYTES_PER_BUFFER, MAX_CONVERSATIONS, MAX_LINE_BYTES, MAX_LINES_PER_BUFFER,
    MAX_MEMBERS_PER_CHANNEL, MAX_OPEN_BATCHES,
};
use ciao_client::{Model, Update};
use ciao_proto::Message;
use proptest::prelude::*;

/// Commands the model acts on.
const COMMANDS: [&str; 14] = [
    "JOIN", "PART", "QUIT", "NICK", "PRIVMSG", "NOTICE", "TOPIC", "KICK", "MODE", "AWAY", "BATCH",
    "REDACT", "ERROR", "CAP",
];

/// Words that make parameters meaningful to the model, mixed with noise.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("me".to_owned()),
        Just("#c".to_owned()),
        Just("#C".to_owned()),
        Just("bob".to_owned()),
        Just("chathistory".to_owned()),
        Just("+b".to_owned()),
        Just("-b".to_owned()),
        Just("+ohv-k".to_owned()),
        Just("@bob".to_owned()),
        Just("G".to_owned()),
        Just("\u{1}ACTION".to_owned()),
        "[#@+%~&!a-zé]{0,6}",
        "[0-9]{1,10}",
    ]
}

fn source() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("me!u@h".to_owned())),
        Just(Some("bob!u@h".to_owned())),
        Just(Some("srv".to_owned())),
        "[a-z!@é]{1,8}".prop_map(Some),
    ]
}

fn tags() -> impl Strategy<Value = Vec<(String, Option<String>)>> {
    let key = prop_oneof![
        Just("batch".to_owned()),
        Just("time".to_owned()),
        Just("msgid".to_owned()),
        "[a-z/+]{1,5}",
    ];
    let value = prop_oneof![
        Just(None),
        Just(Some("b".to_owned())),
        Just(Some("2026-01-02T03:04:05.000Z".to_owned())),
        Just(Some("not a time".to_owned())),
        "[a-z0-9]{0,4}".prop_map(Some),
    ];
    prop::collection::vec((key, value), 0..3)
}

fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(COMMANDS.to_vec()).prop_map(str::to_owned),
        (1u16..=999).prop_map(|n| format!("{n:03}")),
    ]
}

/// A well-formed message built from parts the model looks at.
fn shaped() -> impl Strategy<Value = Message> {
    (
        command(),
        prop::collection::vec(word(), 0..6),
        source(),
        tags(),
    )
        .prop_map(|(command, params, source, tags)| {
            let mut message = Message::new(&command, params);
            if let Some(source) = source {
                message = message.with_source(source);
            }
            for (key, value) in tags {
                message = message.with_tag(key, value);
            }
            message
        })
}

/// Whatever parses of arbitrary text.
fn junk() -> impl Strategy<Value = Option<Message>> {
    any::<String>().prop_map(|text| text.parse().ok())
}

fn assert_bounded(model: &Model) {
    assert!(model.buffers.len() <= MAX_CONVERSATIONS + 1);
    assert!(model.playback().open_batches() <= MAX_OPEN_BATCHES);
    assert!(model.playback().collected_lines() <= MAX_OPEN_BATCHES * MAX_BATCH_LINES);
    for buffer in &model.buffers {
        assert!(buffer.lines.len() <= MAX_LINES_PER_BUFFER);
        assert!(buffer.line_bytes() <= MAX_BYTES_PER_BUFFER);
        assert!(buffer.member_count() <= MAX_MEMBERS_PER_CHANNEL);
        assert_eq!(buffer.members().count(), buffer.member_count());
    }
    assert!(model.line_bytes() <= MAX_LINE_BYTES);
    assert!(model.active < model.buffers.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_server_lines_leave_the_model_whole(
        messages in prop::collection::vec(
            prop_oneof![4 => shaped().prop_map(Some), 1 => junk()],
            0..80,
        )
    ) {
        let mut model = Model::new("me");
        for message in messages.into_iter().flatten() {
            model.apply(&Update::Message(message));
            assert_bounded(&model);
            // What the window reads after every update.
            let _ = model.active_buffer();
            let _ = model.take_alerts();
        }
        // Lookups by name agree with the buffers; the server buffer is
        // not a conversation, whatever its name.
        for (index, buffer) in model.buffers.iter().enumerate().skip(1) {
            prop_assert_eq!(model.buffer_index(&buffer.name), Some(index));
        }
    }
}
