//! What the user types reaches the others whole: long lines split to fit
//! the server's relayed line, pastes as one draft/multiline batch or as
//! separate lines, and the commands — against the real ciao-server.

mod support;

use ciao_client::{Action, InputError, LineKind, Model, parse_input};
use ciao_proto::Message;
use support::{Client, Raw, Server};

/// The longest line a server relays, CRLF included.
const LINE_LIMIT: usize = 512;

/// The text of issue 13: 449 characters with accents, 535 bytes — over
/// one line, and "Input line was too long" before.
fn accented_text() -> String {
    let text = support::accented_text();
    assert_eq!((text.chars().count(), text.len()), (449, 535));
    text
}

/// The text of wire lines' last parameter, each line checked to fit.
fn wire_texts(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            assert!(
                line.len() <= LINE_LIMIT,
                "{} bytes relayed: {line:?}",
                line.len()
            );
            let message: Message = line.parse().expect("a line");
            message.param(1).unwrap_or("").to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_long_text_arrives_in_lines_that_fit_and_make_the_original() {
    let server = Server::start().await;
    let mut ann = Client::in_lobby(server.port, "ann", false).await;
    let mut irssi = Raw::in_lobby(server.port, "irssi").await;
    let text = accented_text();

    ann.act(Action::Say(text.clone()));
    let lines = irssi.texts_from("ann", "PRIVMSG", text.len()).await;
    assert!(lines.len() >= 2, "{lines:?}");
    assert_eq!(wire_texts(&lines).concat(), text);

    // /me: each piece is a whole CTCP ACTION.
    ann.act(Action::Act(text.clone()));
    let framing = "\u{1}ACTION \u{1}".len();
    let mut inner = String::new();
    let mut got = 0;
    while inner.len() < text.len() {
        let lines = irssi.texts_from("ann", "PRIVMSG", 1).await;
        for piece in wire_texts(&lines) {
            let action = piece
                .strip_prefix("\u{1}ACTION ")
                .and_then(|p| p.strip_suffix('\u{1}'))
                .unwrap_or_else(|| panic!("not an action: {piece:?}"));
            assert_eq!(action.len() + framing, piece.len());
            inner.push_str(action);
            got += 1;
        }
    }
    assert!(got >= 2);
    assert_eq!(inner, text);

    // /notice, and /msg to a nick.
    ann.act(Action::Notice {
        target: "#lobby".into(),
        text: text.clone(),
    });
    let lines = irssi.texts_from("ann", "NOTICE", text.len()).await;
    assert_eq!(wire_texts(&lines).concat(), text);
    ann.type_in(&format!("/msg irssi {text}"));
    let lines = irssi.texts_from("ann", "PRIVMSG", text.len()).await;
    assert!(lines.iter().all(|l| l.contains(" PRIVMSG irssi :")));
    assert_eq!(wire_texts(&lines).concat(), text);
}

#[tokio::test]
async fn with_multiline_a_long_text_is_one_message() {
    let server = Server::start().await;
    let mut ann = Client::in_lobby(server.port, "ann", true).await;
    let mut ben = Client::in_lobby(server.port, "ben", true).await;
    let mut irssi = Raw::in_lobby(server.port, "irssi").await;
    assert!(ann.model.multiline_limits().is_some());
    let text = accented_text();

    ann.act(Action::Say(text.clone()));
    ben.until("ann's text", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.sender.as_deref() == Some("ann")))
    })
    .await;
    assert_eq!(ben.texts_from("#lobby", "ann"), [text.as_str()]);
    // Our own echo is one line too.
    ann.until("the echo", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == text))
    })
    .await;
    assert_eq!(ann.texts_from("#lobby", "ann"), [text.as_str()]);
    // A client without the capability gets lines that fit.
    let lines = irssi.texts_from("ann", "PRIVMSG", text.len()).await;
    assert_eq!(wire_texts(&lines).concat(), text);
}

#[tokio::test]
async fn a_paste_is_one_batch_for_the_capable_and_lines_for_the_others() {
    let server = Server::start().await;
    let mut ann = Client::in_lobby(server.port, "ann", true).await;
    let mut ben = Client::in_lobby(server.port, "ben", true).await;
    let mut irssi = Raw::in_lobby(server.port, "irssi").await;
    let paste = "one\ntwo\nthree\nfour\nfive";

    ann.type_in(paste);
    ben.until("the paste", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.sender.as_deref() == Some("ann")))
    })
    .await;
    assert_eq!(ben.texts_from("#lobby", "ann"), [paste]);
    let lines = irssi
        .texts_from("ann", "PRIVMSG", "onetwothreefourfive".len())
        .await;
    assert_eq!(wire_texts(&lines), ["one", "two", "three", "four", "five"]);

    // Without the capability: five messages, for everyone.
    let mut cyd = Client::in_lobby(server.port, "cyd", false).await;
    cyd.type_in("1\n2\n3\n4\n5");
    let lines = irssi.texts_from("cyd", "PRIVMSG", 5).await;
    assert_eq!(wire_texts(&lines), ["1", "2", "3", "4", "5"]);
    ben.until("cyd's five lines", |m| {
        m.buffer("#lobby").is_some_and(|b| {
            b.lines
                .iter()
                .filter(|l| l.sender.as_deref() == Some("cyd"))
                .count()
                == 5
        })
    })
    .await;
}

#[test]
fn without_echo_own_lines_show_once_each_as_typed() {
    let mut model = Model::new("me");
    for line in [":srv 001 me :hi", ":me!~me@host JOIN #a"] {
        model.apply_message(&line.parse().expect("line"));
    }
    let long = "word ".repeat(200);
    let out = model.prepare(Action::Say(format!("first\n\n{long}\nlast")));
    assert!(out.messages.len() > 3, "the long line went in pieces");
    let shown: Vec<&str> = model.buffers[1]
        .lines
        .iter()
        .filter(|l| l.sender.is_some())
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(shown, ["first", long.as_str(), "last"]);
}

#[tokio::test]
async fn a_topic_too_long_is_cut_and_the_user_told() {
    let server = Server::start().await;
    let mut ann = Client::in_lobby(server.port, "ann", true).await;
    let mut ben = Client::in_lobby(server.port, "ben", true).await;
    // 300 characters, 600 bytes; the server keeps 390 bytes.
    let topic = "é".repeat(300);
    ann.type_in(&format!("/topic {topic}"));
    let kept = "é".repeat(195);
    ben.until("the topic", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.topic.as_deref() == Some(kept.as_str()))
    })
    .await;
    let note = ann
        .model
        .buffer("#lobby")
        .and_then(|b| b.lines.iter().find(|l| l.text.contains("topic was cut")))
        .map(|l| (l.text.clone(), l.kind));
    assert_eq!(
        note,
        Some((
            "The topic was cut to 195 of its 300 characters: this server keeps at most 390 bytes."
                .to_owned(),
            LineKind::Info
        ))
    );
}

#[tokio::test]
async fn invalid_nicks_are_refused_with_the_reason() {
    assert_eq!(
        parse_input("/nick bad nick!"),
        Err(InputError::BadNick {
            nick: "bad nick!".into(),
            reason: "a name cannot contain spaces".into()
        })
    );
    // Longer than the server's NICKLEN (30): refused before sending.
    let server = Server::start().await;
    let mut ann = Client::in_lobby(server.port, "ann", true).await;
    let long = "n".repeat(31);
    let out = ann.model.prepare(Action::Nick(long));
    assert!(out.messages.is_empty());
    assert!(
        ann.model
            .active_buffer()
            .lines
            .last()
            .is_some_and(|l| l.kind == LineKind::Error && l.text.contains("at most 30 characters"))
    );
}

#[test]
fn kick_reasons_and_away_messages_are_cut_to_what_the_server_keeps() {
    let mut model = support::model::in_lobby();
    support::model::feed(
        &mut model,
        &[":srv 005 me AWAYLEN=10 KICKLEN=8 :are supported"],
    );
    let out = model.prepare(Action::Away(Some("àààààààààà back soon".to_owned())));
    assert_eq!(out.messages[0].param(0), Some("ààààà"));
    let out = model.prepare(Action::Kick {
        nick: "bob".to_owned(),
        reason: Some("flooding the channel".to_owned()),
    });
    assert_eq!(out.messages[0].param(2), Some("flooding"));
    let notes: Vec<&str> = model
        .active_buffer()
        .lines
        .iter()
        .filter(|l| l.text.contains("was cut"))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        notes,
        [
            "The away message was cut to 5 of its 20 characters: this server keeps at most 10 bytes.",
            "The kick reason was cut to 8 of its 20 characters: this server keeps at most 8 bytes."
        ]
    );
}
