//! The chat model, fed server lines without any network.

mod support;

use ciao_client::model::{LinkState, SERVER_BUFFER};
use ciao_client::{Action, BufferKind, LineKind, Model, Update};
use ciao_proto::Message;
use support::model::{feed, in_lobby_with};

/// In #lobby with bob (voiced) and carol.
fn registered() -> Model {
    in_lobby_with("@me +bob carol")
}

#[test]
fn joining_opens_the_channel_with_its_members() {
    let model = registered();
    assert_eq!(model.link, LinkState::Registered);
    assert_eq!(model.active_buffer().name, "#lobby");
    let nicks: Vec<(&str, &str)> = model
        .active_buffer()
        .members()
        .map(|m| (m.prefix.as_str(), m.nick.as_str()))
        .collect();
    assert_eq!(nicks, [("@", "me"), ("+", "bob"), ("", "carol")]);
    assert_eq!(model.buffers[0].name, SERVER_BUFFER);
}

#[test]
fn half_operators_rank_between_operators_and_voices() {
    let mut model = registered();
    feed(
        &mut model,
        &[
            ":me!u@h JOIN #ranks",
            ":srv 353 me = #ranks :+v ~owner %half plain @+op",
            ":srv 366 me #ranks :End",
            ":owner!u@h MODE #ranks +hv plain plain",
            ":owner!u@h MODE #ranks -h half",
        ],
    );
    let ranks = model
        .buffers
        .iter()
        .find(|b| b.name == "#ranks")
        .expect("#ranks open");
    let members: Vec<(&str, &str)> = ranks
        .members()
        .map(|m| (m.prefix.as_str(), m.nick.as_str()))
        .collect();
    assert_eq!(
        members,
        [
            ("@+", "op"),
            ("@", "owner"),
            ("%+", "plain"),
            ("+", "v"),
            ("", "half"),
        ]
    );
}

#[test]
fn a_redacted_message_says_it_was_deleted() {
    let mut model = registered();
    feed(
        &mut model,
        &[
            "@msgid=m1 :bob!u@h PRIVMSG #lobby :oops",
            "@msgid=m2 :bob!u@h PRIVMSG #lobby :fine",
            ":op!u@h REDACT #lobby m1 :spam",
            "@msgid=d1 :bob!u@h PRIVMSG me :psst",
            ":bob!u@h REDACT me d1",
        ],
    );
    let lines = &model.active_buffer().lines;
    let n = lines.len();
    assert_eq!(lines[n - 2].text, "(message deleted by op: spam)");
    assert_eq!(lines[n - 1].text, "fine");
    let query = model
        .buffers
        .iter()
        .find(|b| b.name == "bob")
        .expect("query with bob");
    assert_eq!(
        query.lines.last().map(|l| l.text.as_str()),
        Some("(message deleted by bob)")
    );
}

#[test]
fn messages_actions_and_server_time() {
    let mut model = registered();
    feed(
        &mut model,
        &[
            "@time=2026-01-02T03:04:05.000Z :bob!u@h PRIVMSG #lobby :hello me!",
            ":bob!u@h PRIVMSG #lobby :\u{1}ACTION waves\u{1}",
            ":bob!u@h NOTICE #lobby :note",
        ],
    );
    let lines = &model.active_buffer().lines;
    let n = lines.len();
    assert_eq!(lines[n - 3].text, "hello me!");
    assert_eq!(lines[n - 3].time, 1_767_323_045_000);
    assert_eq!(lines[n - 3].sender.as_deref(), Some("bob"));
    assert_eq!(lines[n - 2].kind, LineKind::Action);
    assert_eq!(lines[n - 2].text, "waves");
    assert_eq!(lines[n - 1].kind, LineKind::Notice);
}

#[test]
fn unread_counts_and_mentions_in_other_buffers() {
    let mut model = registered();
    feed(
        &mut model,
        &[
            ":me!u@h JOIN #other",
            ":bob!u@h PRIVMSG #other :plain",
            ":bob!u@h PRIVMSG #other :hey me, look",
        ],
    );
    let other = model.buffer("#other").expect("buffer");
    assert_eq!(other.unread, 2);
    assert!(other.mentioned);
    let index = model.buffer_index("#other").expect("index");
    model.set_active(index);
    assert_eq!(model.buffers[index].unread, 0);
    assert!(!model.buffers[index].mentioned);
}

#[test]
fn private_messages_open_a_query() {
    let mut model = registered();
    feed(&mut model, &[":carol!u@h PRIVMSG me :psst"]);
    let query = model.buffer("carol").expect("query");
    assert_eq!(query.kind, BufferKind::Query);
    assert!(query.mentioned, "a private message is always for us");
    // Our echoed reply lands in the same query.
    feed(&mut model, &[":me!u@h PRIVMSG carol :yes?"]);
    assert_eq!(model.buffer("carol").expect("query").lines.len(), 2);
}

#[test]
fn joins_parts_quits_nicks_kicks_modes_topic() {
    let mut model = registered();
    feed(
        &mut model,
        &[
            ":dave!u@h JOIN #lobby",
            ":me!u@h MODE #lobby +o dave",
            ":bob!u@h NICK robert",
            ":carol!u@h PART #lobby :bye",
            ":me!u@h KICK #lobby dave :out",
            ":robert!u@h QUIT :gone",
            ":me!u@h TOPIC #lobby :new topic",
        ],
    );
    let lobby = model.buffer("#lobby").expect("lobby");
    let nicks: Vec<&str> = lobby.members().map(|m| m.nick.as_str()).collect();
    assert_eq!(nicks, ["me"]);
    assert_eq!(lobby.topic.as_deref(), Some("new topic"));
    let kinds: Vec<LineKind> = lobby
        .lines
        .iter()
        .rev()
        .take(7)
        .rev()
        .map(|l| l.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            LineKind::Join,
            LineKind::Mode,
            LineKind::Nick,
            LineKind::Part,
            LineKind::Kick,
            LineKind::Quit,
            LineKind::Topic
        ]
    );
    assert!(
        lobby
            .lines
            .iter()
            .all(|l| l.kind.is_system() || l.sender.is_some())
    );
}

#[test]
fn own_nick_change_and_being_kicked() {
    let mut model = registered();
    feed(
        &mut model,
        &[":me!u@h NICK me2", ":bob!u@h KICK #lobby me2 :bye"],
    );
    assert_eq!(model.own_nick, "me2");
    let lobby = model.buffer("#lobby").expect("lobby");
    assert!(!lobby.joined);
    assert_eq!(lobby.member_count(), 0);
}

#[test]
fn errors_show_where_the_user_is_looking() {
    let mut model = registered();
    feed(&mut model, &[":srv 401 me nobody :No such nick/channel"]);
    let last = model.active_buffer().lines.last().expect("line");
    assert_eq!(last.kind, LineKind::Error);
    assert_eq!(last.text, "nobody: No such nick/channel");
}

#[test]
fn disconnection_is_shown_everywhere() {
    let mut model = registered();
    model.apply(&Update::Disconnected(
        "The server closed the connection: bye".into(),
    ));
    assert!(matches!(model.link, LinkState::Disconnected(_)));
    for buffer in &model.buffers {
        assert_eq!(
            buffer.lines.last().map(|l| l.text.as_str()),
            Some("The server closed the connection: bye")
        );
    }
}

#[test]
fn actions_become_messages_with_local_echo_when_needed() {
    let mut model = registered();
    let out = model.prepare(Action::Say("hi all".into()));
    assert_eq!(
        out.messages,
        [Message::new("PRIVMSG", ["#lobby", "hi all"])]
    );
    assert_eq!(
        model.active_buffer().lines.last().expect("echo").text,
        "hi all"
    );

    model.apply(&Update::CapsAcked(vec!["echo-message".into()]));
    let before = model.active_buffer().lines.len();
    let out = model.prepare(Action::Act("waves".into()));
    assert_eq!(
        out.messages,
        [Message::new(
            "PRIVMSG",
            ["#lobby", "\u{1}ACTION waves\u{1}"]
        )]
    );
    assert_eq!(
        model.active_buffer().lines.len(),
        before,
        "the server echoes it"
    );

    let out = model.prepare(Action::Quit(Some("bye".into())));
    assert_eq!(out.quit, Some(Some("bye".into())));
    model.set_active(0);
    let out = model.prepare(Action::Say("lost".into()));
    assert!(out.messages.is_empty());
    assert_eq!(
        model.active_buffer().lines.last().expect("note").kind,
        LineKind::Error
    );
}

/// The texts of the active buffer's lines.
fn texts(model: &Model) -> Vec<String> {
    model
        .active_buffer()
        .lines
        .iter()
        .map(|l| l.text.clone())
        .collect()
}

#[test]
fn replayed_history_comes_with_its_times_before_a_separator_and_never_twice() {
    let mut model = registered();
    model.apply(&Update::CapsAcked(vec![
        "batch".into(),
        "draft/chathistory".into(),
    ]));
    let replay = [
        ":srv BATCH +h1 chathistory #lobby",
        "@batch=h1;time=2026-01-02T03:04:05.000Z;msgid=a :bob!u@h PRIVMSG #lobby :old one",
        "@batch=h1;time=2026-01-02T03:05:05.000Z;msgid=b :carol!u@h PRIVMSG #lobby :old two",
        ":srv BATCH -h1",
    ];
    feed(&mut model, &replay);
    feed(&mut model, &["@msgid=c :bob!u@h PRIVMSG #lobby :live"]);
    let lines = &model.active_buffer().lines;
    let n = lines.len();
    assert_eq!(lines[n - 4].text, "old one");
    assert_eq!(lines[n - 4].time, 1_767_323_045_000, "the original time");
    assert!(lines[n - 4].replayed && lines[n - 3].replayed);
    assert_eq!(lines[n - 2].kind, LineKind::HistoryEnd);
    assert_eq!(lines[n - 1].text, "live");
    assert!(!lines[n - 1].replayed);
    assert_eq!(model.active_buffer().unread, 0);

    // A rejoin replays the same lines: nothing is shown twice.
    let before = texts(&model);
    let again = replay.map(|l| l.replace("h1", "h2"));
    feed(
        &mut model,
        &again.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(texts(&model), before);
}

#[test]
fn reaching_the_top_loads_older_lines_before_the_oldest_one() {
    let mut model = registered();
    model.apply(&Update::CapsAcked(vec![
        "batch".into(),
        "draft/chathistory".into(),
    ]));
    feed(&mut model, &["@msgid=m5 :bob!u@h PRIVMSG #lobby :five"]);
    let out = model.prepare(Action::LoadOlder);
    assert_eq!(
        out.messages,
        [Message::new(
            "CHATHISTORY",
            ["BEFORE", "#lobby", "msgid=m5", "50"]
        )]
    );
    assert!(model.active_buffer().older.loading);
    assert!(
        model.prepare(Action::LoadOlder).messages.is_empty(),
        "one request at a time"
    );
    feed(
        &mut model,
        &[
            ":srv BATCH +o chathistory #lobby",
            "@batch=o;msgid=m3 :bob!u@h PRIVMSG #lobby :three",
            "@batch=o;msgid=m4 :bob!u@h PRIVMSG #lobby :four",
            ":srv BATCH -o",
        ],
    );
    let texts = texts(&model);
    assert_eq!(&texts[..2], ["three", "four"], "older lines go first");
    assert_eq!(texts.last().map(String::as_str), Some("five"));
    assert!(!model.active_buffer().older.loading);

    // An empty answer: the conversation has no older lines.
    let out = model.prepare(Action::LoadOlder);
    assert_eq!(out.messages[0].params[2], "msgid=m3");
    feed(
        &mut model,
        &[":srv BATCH +e chathistory #lobby", ":srv BATCH -e"],
    );
    assert!(model.active_buffer().older.exhausted);
    assert!(model.prepare(Action::LoadOlder).messages.is_empty());
}

#[test]
fn without_chathistory_nothing_is_asked() {
    let mut model = registered();
    assert!(model.prepare(Action::LoadOlder).messages.is_empty());
}
