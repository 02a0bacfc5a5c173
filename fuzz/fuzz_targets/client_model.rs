//! Arbitrary bytes as a server's side of a conversation: split into lines
//! by the codec, decoded and parsed as the connection task does, applied
//! to a registered client's model. Nothing panics, the model stays within
//! its bounds, and what the window reads can always be read.

#![no_main]

use bytes::BytesMut;
use ciao_client::model::limits::{
    MAX_BATCH_LINES, MAX_CONVERSATIONS, MAX_LINES_PER_BUFFER, MAX_MEMBERS_PER_CHANNEL,
    MAX_OPEN_BATCHES,
};
use ciao_client::{Model, Update};
use ciao_proto::{Frame, LineCodec, Message};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

/// The connection's line limit (512 + the IRCv3 tags allowance).
const MAX_LINE: usize = 512 + 8191;

/// A model in a channel with a peer, so that membership, modes and
/// messages all have something to act on.
fn registered() -> Model {
    let mut model = Model::new("me");
    model.apply(&Update::CapsAcked(vec![
        "batch".into(),
        "draft/chathistory".into(),
        "echo-message".into(),
    ]));
    for line in [
        ":srv 001 me :Welcome",
        ":me!u@h JOIN #c",
        ":srv 353 me = #c :@me +bob",
        ":srv 366 me #c :End",
    ] {
        let message: Message = line.parse().expect("setup line");
        model.apply(&Update::Message(message));
    }
    model
}

fuzz_target!(|data: &[u8]| {
    let mut model = registered();
    let mut codec = LineCodec::new(MAX_LINE);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        let Frame::Line(line) = frame else { continue };
        let text = String::from_utf8_lossy(&line);
        let Ok(message) = text.parse::<Message>() else {
            continue;
        };
        model.apply(&Update::Message(message));
        let _ = model.take_alerts();
    }
    assert!(model.buffers.len() <= MAX_CONVERSATIONS + 1);
    assert!(model.playback().open_batches() <= MAX_OPEN_BATCHES);
    assert!(model.playback().collected_lines() <= MAX_OPEN_BATCHES * MAX_BATCH_LINES);
    for (index, buffer) in model.buffers.iter().enumerate() {
        assert!(buffer.lines.len() <= MAX_LINES_PER_BUFFER);
        assert!(buffer.member_count() <= MAX_MEMBERS_PER_CHANNEL);
        assert_eq!(buffer.members().count(), buffer.member_count());
        assert_eq!(model.buffer_index(&buffer.name), Some(index));
        for line in &buffer.lines {
            let _ = (line.clock_with(false), line.clock_with(true));
        }
    }
    let active = model.active_buffer();
    let _ = (active.name.len(), active.topic.as_deref());
});
