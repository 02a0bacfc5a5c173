//! A whole session: lines from the fuzzer are commands of a registered IRC
//! client sharing a channel with another client and a plain user. Nothing
//! panics, and every line anyone is sent is one clean line.

#![no_main]

use std::sync::Arc;

use ciao_server::Config;
use ciao_server::testing::{Hub, Outbox};
use libfuzzer_sys::fuzz_target;

fn client(hub: &mut Hub, outboxes: &mut Vec<Arc<Outbox>>) -> u64 {
    let (id, outbox) = hub.connect(1 << 20);
    outboxes.push(outbox);
    id
}

fuzz_target!(|data: &[u8]| {
    let config = Config {
        opers: vec!["root:secret".parse().expect("oper")],
        // Every line runs: an address over its work budget would have its
        // commands handed back to a connection this target does not have.
        flood: None,
        ..Config::default()
    };
    let mut hub = Hub::new(config);
    let mut outboxes = Vec::new();
    let fuzzed = client(&mut hub, &mut outboxes);
    let other = client(&mut hub, &mut outboxes);
    let plain_user = client(&mut hub, &mut outboxes);
    for (id, nick) in [(fuzzed, "fuzz"), (other, "other")] {
        hub.irc(id, "CAP LS 302");
        hub.irc(
            id,
            "CAP REQ :server-time message-tags echo-message batch labeled-response \
             draft/multiline draft/message-redaction draft/read-marker setname \
             extended-monitor away-notify invite-notify multi-prefix",
        );
        hub.irc(id, &format!("NICK {nick}"));
        hub.irc(id, &format!("USER {nick} 0 * :{nick}"));
        hub.irc(id, "CAP END");
    }
    hub.plain_start(plain_user);
    hub.plain_line(plain_user, "plainuser");

    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // Lines starting with `~` come from the plain user (invalid UTF-8
        // becomes U+FFFD, as in the connection); the rest from the IRC
        // client (whose lines must be UTF-8).
        if let Some(text) = line.strip_prefix(b"~") {
            hub.plain_line(plain_user, &String::from_utf8_lossy(text));
        } else if let Ok(text) = std::str::from_utf8(line) {
            hub.irc(fuzzed, text);
        }
    }
    hub.irc(fuzzed, "QUIT :done");

    for (index, outbox) in outboxes.iter().enumerate() {
        for line in outbox.take_queued() {
            let body = line.strip_suffix(b"\r\n").unwrap_or(&line);
            // The plain protocol's `{quit}` sentinel has no line ending.
            assert!(
                !body.contains(&b'\r') && !body.contains(&b'\n') && !body.contains(&0),
                "a sent line holds a line break or NUL: {line:?}"
            );
            // A terminal is sent no control character at all (C0, DEL,
            // C1), so nothing can move its cursor or forge a line.
            if index == 2 {
                let text = String::from_utf8_lossy(body);
                assert!(
                    !text.chars().any(char::is_control),
                    "a plain user was sent a control character: {line:?}"
                );
            }
        }
    }
});
