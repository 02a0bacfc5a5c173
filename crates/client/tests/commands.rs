//! The commands send what a user expects: round trips with the real
//! ciao-server, and the pure parts (what goes on the wire) on a model fed
//! server lines.

mod support;

use ciao_client::{Action, BufferKind, LineKind, Model};
use ciao_proto::Message;
use support::model::feed;
use support::{Client, Server};

fn show_lobby(client: &mut Client) {
    let index = client.model.buffer_index("#lobby").expect("lobby");
    client.model.set_active(index);
}

#[tokio::test]
async fn commands_do_what_users_expect() {
    let server = Server::start().await;
    let mut ann = Client::in_lobby(server.port, "ann", true).await;
    let mut ben = Client::in_lobby(server.port, "ben", true).await;
    ann.until("ann sees ben", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("ben").is_some())
    })
    .await;

    ann.type_in("/whois ben");
    ann.line_until("311 for ben", |m| {
        m.command == "311" && m.param(1) == Some("ben")
    })
    .await;

    // Away: others see it on WHOIS; back clears it.
    ben.type_in("/away gone fishing");
    ben.line_until("306", |m| m.command == "306").await;
    ann.type_in("/whois ben");
    let away = ann.line_until("301", |m| m.command == "301").await;
    assert_eq!(away.param(2), Some("gone fishing"));
    ben.type_in("/back");
    ben.line_until("305", |m| m.command == "305").await;

    ann.type_in("/op ben");
    ann.until("ben is an operator", |m| {
        m.buffer("#lobby")
            .and_then(|b| b.member("ben"))
            .is_some_and(|b| b.prefix == "@")
    })
    .await;
    ann.type_in("/deop ben");
    ann.type_in("/voice ben");
    ann.until("ben is voiced, no longer an operator", |m| {
        m.buffer("#lobby")
            .and_then(|b| b.member("ben"))
            .is_some_and(|b| b.prefix == "+")
    })
    .await;

    ann.type_in("/list");
    let entry = ann
        .line_until("322 for #lobby", |m| {
            m.command == "322" && m.param(1) == Some("#lobby")
        })
        .await;
    assert_eq!(entry.param(2), Some("2"), "two members");
    ann.type_in("/names");
    ann.line_until("353", |m| m.command == "353").await;

    // Ignoring: nothing from ann shows for ben, until unignored.
    ben.type_in("/ignore ann");
    ann.type_in("psst");
    ann.until("ann's echo", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "psst"))
    })
    .await;
    ben.sync("after-psst").await;
    assert!(ben.texts_from("#lobby", "ann").is_empty());
    assert!(ben.model.take_alerts().is_empty());
    ben.type_in("/unignore ann");
    ann.type_in("hello again");
    ben.until("ann's line", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "hello again"))
    })
    .await;

    // A query opens the conversation on both sides.
    ann.type_in("/query ben just us");
    assert_eq!(ann.model.active_buffer().name, "ben");
    ben.until("the query", |m| {
        m.buffer("ann")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "just us"))
    })
    .await;
    ann.type_in("/notice ben heads up");
    ben.line_until("the notice", |m| {
        m.command == "NOTICE" && m.param(1) == Some("heads up")
    })
    .await;

    // An invitation to a channel of ann's.
    ann.type_in("/join #den");
    ann.until("in #den", |m| m.active_buffer().name == "#den")
        .await;
    ann.type_in("/invite ben");
    ben.line_until("the invitation", |m| {
        m.command == "INVITE" && m.param(1) == Some("#den")
    })
    .await;

    // Modes and bans in the lobby.
    show_lobby(&mut ann);
    ann.type_in("/ban carl");
    ben.line_until("the ban", |m| {
        m.command == "MODE" && m.params[1..] == ["+b", "carl!*@*"]
    })
    .await;
    ann.type_in("/mode +m");
    ben.line_until("+m", |m| m.command == "MODE" && m.param(1) == Some("+m"))
        .await;

    ann.type_in("/kick ben behave");
    ben.until("ben kicked", |m| {
        m.buffer("#lobby").is_some_and(|b| !b.joined)
    })
    .await;
    ann.until("ben gone from ann's lobby", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("ben").is_none())
    })
    .await;

    // Closing a channel parts it.
    let den = ann.model.buffer_index("#den").expect("#den");
    ann.model.set_active(den);
    ann.type_in("/close");
    assert!(ann.model.buffer("#den").is_none());
    ann.line_until("the part", |m| {
        m.command == "PART" && m.param(0) == Some("#den")
    })
    .await;
}

fn in_channel() -> Model {
    let mut model = Model::new("me");
    feed(
        &mut model,
        &[":srv 001 me :Welcome", ":me!~me@host JOIN #a"],
    );
    model
}

fn wire(model: &mut Model, action: Action) -> Vec<String> {
    model
        .prepare(action)
        .messages
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn last_note(model: &Model) -> (String, LineKind) {
    let line = model.active_buffer().lines.last().expect("a note");
    (line.text.clone(), line.kind)
}

#[test]
fn status_modes_go_as_many_to_a_mode_as_the_server_allows() {
    let mut model = in_channel();
    let op = |nicks: &[&str]| Action::MemberMode {
        add: true,
        mode: 'o',
        nicks: nicks.iter().map(|n| (*n).to_owned()).collect(),
    };
    // Three by default (RFC 2812)…
    assert_eq!(
        wire(&mut model, op(&["a", "b", "c", "d"])),
        ["MODE #a +ooo a b c", "MODE #a +o d"]
    );
    // …and what the server's MODES says.
    feed(&mut model, &[":srv 005 me MODES=4 :are supported"]);
    assert_eq!(
        wire(&mut model, op(&["a", "b", "c", "d"])),
        ["MODE #a +oooo a b c d"]
    );
}

#[test]
fn channel_commands_need_a_channel() {
    let mut model = in_channel();
    model.set_active(0);
    for action in [
        Action::Kick {
            nick: "x".into(),
            reason: None,
        },
        Action::Ban {
            mask: "x!*@*".into(),
            add: true,
        },
        Action::Topic(Some("t".into())),
    ] {
        assert!(wire(&mut model, action).is_empty());
        assert_eq!(last_note(&model).1, LineKind::Error);
    }
    assert_eq!(
        wire(
            &mut model,
            Action::Invite {
                nick: "x".into(),
                channel: Some("#b".into())
            }
        ),
        ["INVITE x #b"]
    );
    assert_eq!(
        wire(&mut model, Action::Quote(Message::new("FOO", ["bar baz"]))),
        ["FOO :bar baz"]
    );
    assert_eq!(wire(&mut model, Action::Away(None)), ["AWAY"]);
    assert_eq!(
        wire(&mut model, Action::Away(Some("out".into()))),
        ["AWAY :out"]
    );
    assert_eq!(
        wire(&mut model, Action::List(Some(">3".into()))),
        ["LIST >3"]
    );
}

#[test]
fn close_parts_a_channel_and_never_closes_the_server_buffer() {
    let mut model = in_channel();
    model.open_query("bob");
    assert_eq!(wire(&mut model, Action::Close), Vec::<String>::new());
    assert!(model.buffer("bob").is_none());
    assert_eq!(model.active_buffer().name, "#a");
    assert_eq!(wire(&mut model, Action::Close), ["PART #a"]);
    assert!(model.buffer("#a").is_none());
    assert_eq!(model.active_buffer().kind, BufferKind::Server);
    assert!(wire(&mut model, Action::Close).is_empty());
    assert_eq!(model.buffers.len(), 1);
    assert!(last_note(&model).0.contains("cannot be closed"));
    // Our part arriving for a closed buffer does not bring it back.
    feed(&mut model, &[":me!~me@host PART #a"]);
    assert!(model.buffer("#a").is_none());
}

#[test]
fn ignore_lists_and_persists() {
    let mut model = in_channel();
    model.prepare(Action::Ignore(Some("bob".into())));
    model.prepare(Action::Ignore(Some("*!*@spam.example".into())));
    assert_eq!(model.ignored(), ["bob!*@*", "*!*@spam.example"]);
    model.prepare(Action::Ignore(None));
    assert_eq!(last_note(&model).0, "Ignored: bob!*@*, *!*@spam.example");
    feed(
        &mut model,
        &[
            ":BOB!u@h PRIVMSG #a :me: hi",
            ":eve!u@spam.example NOTICE me :buy",
            ":eve!u@spam.example INVITE me #x",
            ":carl!u@h PRIVMSG #a :me: hi",
        ],
    );
    let senders: Vec<Option<&str>> = model
        .buffer("#a")
        .expect("#a")
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Message)
        .map(|l| l.sender.as_deref())
        .collect();
    assert_eq!(senders, [Some("carl")]);
    assert!(model.buffer("eve").is_none());
    assert_eq!(model.take_alerts().len(), 1, "only carl's mention alerts");
    model.prepare(Action::Unignore("BOB".into()));
    assert_eq!(model.ignored(), ["*!*@spam.example"]);
}

#[test]
fn a_multiline_batch_shows_as_one_line_even_inside_a_replay() {
    let mut model = in_channel();
    feed(
        &mut model,
        &[
            "@time=2026-01-01T10:00:00.000Z;msgid=m1 :bob!u@h BATCH +ml draft/multiline #a",
            "@batch=ml :bob!u@h PRIVMSG #a :first",
            "@batch=ml :bob!u@h PRIVMSG #a :sec",
            "@batch=ml;draft/multiline-concat :bob!u@h PRIVMSG #a :ond",
            ":bob!u@h BATCH -ml",
        ],
    );
    let line = model
        .buffer("#a")
        .and_then(|b| b.lines.last())
        .expect("a line");
    assert_eq!(line.text, "first\nsecond");
    assert_eq!(line.msgid.as_deref(), Some("m1"));
    assert!(!line.replayed);

    feed(
        &mut model,
        &[
            ":srv BATCH +h chathistory #a",
            "@batch=h;msgid=old :bob!u@h BATCH +in draft/multiline #a",
            "@batch=in :bob!u@h PRIVMSG #a :one",
            "@batch=in :bob!u@h PRIVMSG #a :two",
            ":bob!u@h BATCH -in",
            ":srv BATCH -h",
        ],
    );
    let replayed: Vec<&str> = model
        .buffer("#a")
        .expect("#a")
        .lines
        .iter()
        .filter(|l| l.replayed)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(replayed, ["one\ntwo"]);
}

#[test]
fn too_many_open_batches_fall_back_to_separate_lines() {
    let mut model = in_channel();
    let mut lines = Vec::new();
    for n in 0..9 {
        lines.push(format!(":bob!u@h BATCH +b{n} draft/multiline #a"));
    }
    lines.push("@batch=b8 :bob!u@h PRIVMSG #a :ninth".to_owned());
    lines.push(":bob!u@h BATCH -b8".to_owned());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    feed(&mut model, &lines);
    let last = model
        .buffer("#a")
        .and_then(|b| b.lines.last())
        .expect("line");
    assert_eq!(last.text, "ninth");
}
