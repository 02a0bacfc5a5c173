//! What the server's replies and state changes look like to the user:
//! numerics as sentences where the user looks, away members, attention,
//! channel state rebuilt after a rejoin.

mod support;

use ciao_client::model::Alert;
use ciao_client::{LineKind, Model, Update};
use support::model::{feed, in_lobby, in_lobby_with, tail};

#[test]
fn server_statistics_and_motd_read_as_the_servers_words() {
    let mut model = Model::new("me");
    feed(
        &mut model,
        &[
            ":srv 001 me :Welcome to ciao",
            ":srv 005 me CHANTYPES=# :are supported by this server",
            ":srv 251 me :There are 4 users on 1 server",
            ":srv 265 me 4 4 :Current local users 4, max 4",
            ":srv 422 me :MOTD File is missing",
        ],
    );
    assert_eq!(
        tail(&model, "Server", 4),
        [
            (LineKind::Info, "Welcome to ciao".into()),
            (LineKind::Info, "There are 4 users on 1 server".into()),
            (LineKind::Info, "Current local users 4, max 4".into()),
            (LineKind::Info, "MOTD File is missing".into()),
        ]
    );
}

#[test]
fn whois_answers_where_the_user_is_looking() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[
            ":srv 311 me bob ~b example.org * :Bob Builder",
            ":srv 312 me bob ciao.example :the ciao server",
            ":srv 301 me bob :at lunch",
            ":srv 317 me bob 7500 1767323045 :seconds idle, signon time",
            ":srv 319 me bob :@#lobby",
            ":srv 330 me bob bobby :is logged in as",
            ":srv 671 me bob :is using a secure connection",
            ":srv 318 me bob :End of /WHOIS list",
        ],
    );
    let lines = tail(&model, "#lobby", 8);
    let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts[0], "bob is ~b@example.org, real name: Bob Builder");
    assert_eq!(
        texts[1],
        "bob is connected to ciao.example (the ciao server)"
    );
    assert_eq!(texts[2], "bob is away: at lunch");
    assert!(texts[3].starts_with("bob has been idle 2 h 5 min, online since "));
    assert_eq!(texts[4], "bob is in @#lobby");
    assert_eq!(texts[5], "bob is logged in as bobby");
    assert_eq!(texts[6], "bob is using a secure connection");
    assert_eq!(texts[7], "End of WHOIS for bob");
    assert!(lines.iter().all(|(kind, _)| *kind == LineKind::Info));
    let bob = model.buffer("#lobby").and_then(|b| b.member("bob"));
    assert_eq!(bob.and_then(|m| m.away.as_deref()), Some("at lunch"));
}

#[test]
fn errors_say_what_they_are_about_in_the_active_buffer() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[
            ":srv 482 me #lobby :You're not a channel operator",
            ":srv 421 me FROB :Unknown command",
        ],
    );
    assert_eq!(
        tail(&model, "#lobby", 2),
        [
            (
                LineKind::Error,
                "#lobby: You're not a channel operator".into()
            ),
            (LineKind::Error, "FROB: Unknown command".into()),
        ]
    );
}

#[test]
fn being_away_is_known_and_said() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[":srv 306 me :You have been marked as being away"],
    );
    assert!(model.away);
    feed(
        &mut model,
        &[":srv 305 me :You are no longer marked as being away"],
    );
    assert!(!model.away);
    assert_eq!(
        tail(&model, "#lobby", 2),
        [
            (LineKind::Info, "You are now marked as away.".into()),
            (LineKind::Info, "You are no longer marked as away.".into()),
        ]
    );
}

#[test]
fn away_notify_marks_members_away_and_back() {
    let mut model = in_lobby();
    feed(&mut model, &[":bob!u@h AWAY :gone fishing"]);
    let away = |model: &Model| {
        model
            .buffer("#lobby")
            .and_then(|b| b.member("bob"))
            .and_then(|m| m.away.clone())
    };
    assert_eq!(away(&model).as_deref(), Some("gone fishing"));
    feed(&mut model, &[":bob!u@h AWAY"]);
    assert_eq!(away(&model), None);
    // WHO says away (G) or here (H), without the message.
    feed(&mut model, &[":srv 352 me #lobby b h srv bob G :0 Bob"]);
    assert_eq!(away(&model).as_deref(), Some(""));
    feed(&mut model, &[":srv 352 me #lobby b h srv bob H :0 Bob"]);
    assert_eq!(away(&model), None);
}

#[test]
fn a_rejoin_forgets_the_old_topic_and_members() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[":srv 332 me #lobby :old topic", ":carol!u@h JOIN #lobby"],
    );
    assert_eq!(
        model.buffer("#lobby").and_then(|b| b.topic.as_deref()),
        Some("old topic")
    );
    model.apply(&Update::Disconnected("Connection lost".into()));
    feed(
        &mut model,
        &[
            ":srv 001 me :Welcome back",
            ":me!u@h JOIN #lobby",
            ":srv 353 me = #lobby :@me",
            ":srv 366 me #lobby :End",
        ],
    );
    let lobby = model.buffer("#lobby").expect("lobby");
    assert_eq!(lobby.topic, None, "the server no longer has a topic");
    let members: Vec<&str> = lobby.members().map(|m| m.nick.as_str()).collect();
    assert_eq!(members, ["me"]);
}

#[test]
fn mentions_are_whole_words_and_private_messages_alert() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[
            ":bob!u@h PRIVMSG #lobby :hey ME, look",
            ":bob!u@h PRIVMSG #lobby :meme of the day",
            ":bob!u@h PRIVMSG #lobby :me_too is not me-",
            ":me!u@h PRIVMSG #lobby :me talking about me",
            ":srv 401 me me :No such nick",
            ":bob!u@h JOIN #lobby",
            ":carol!u@h PRIVMSG me :psst",
        ],
    );
    let highlights: Vec<bool> = model
        .buffer("#lobby")
        .expect("lobby")
        .lines
        .iter()
        .map(|l| l.highlight)
        .collect();
    let n = highlights.len();
    assert_eq!(
        &highlights[n - 6..],
        [true, false, false, false, false, false]
    );
    assert_eq!(
        model.take_alerts(),
        [
            Alert {
                buffer: "#lobby".into(),
                sender: "bob".into(),
                text: "hey ME, look".into()
            },
            Alert {
                buffer: "carol".into(),
                sender: "carol".into(),
                text: "psst".into()
            },
        ]
    );
    assert!(model.take_alerts().is_empty(), "taken once");
}

#[test]
fn replayed_history_never_alerts() {
    let mut model = in_lobby();
    model.apply(&Update::CapsAcked(vec![
        "batch".into(),
        "draft/chathistory".into(),
    ]));
    feed(
        &mut model,
        &[
            ":srv BATCH +h chathistory carol",
            "@batch=h;msgid=1 :carol!u@h PRIVMSG me :did you see, me?",
            ":srv BATCH -h",
        ],
    );
    assert!(
        model
            .buffer("carol")
            .is_some_and(|b| b.lines.iter().any(|l| l.replayed))
    );
    assert!(model.take_alerts().is_empty());
}

#[test]
fn standard_replies_say_why_where_the_user_looks() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[
            ":srv FAIL BATCH MULTILINE_MAX_BYTES 4096 :Multiline batch max-bytes exceeded",
            ":srv WARN REHASH CERTS_EXPIRED :Certificate expires soon",
            ":srv FAIL",
        ],
    );
    assert_eq!(
        tail(&model, "#lobby", 3),
        [
            (
                LineKind::Error,
                "Multiline batch max-bytes exceeded".to_owned()
            ),
            (LineKind::Info, "Certificate expires soon".to_owned()),
            (
                LineKind::Error,
                "The server refused the request.".to_owned()
            ),
        ]
    );
}

fn prefix_of(model: &Model, channel: &str, nick: &str) -> String {
    let buffer = model.buffer(channel).expect("channel");
    buffer.member(nick).expect("member").prefix.clone()
}

#[test]
fn status_modes_take_their_arguments_in_order() {
    let mut model = in_lobby_with("@me alice bob");
    feed(
        &mut model,
        &[
            ":srv 005 me PREFIX=(qaohv)~&@%+ CHANMODES=beI,k,l,imnst :are supported",
            ":op!u@h MODE #lobby +qo alice bob",
        ],
    );
    // The owner is shown as an operator, as NAMES shows `~`.
    assert_eq!(prefix_of(&model, "#lobby", "alice"), "@");
    assert_eq!(prefix_of(&model, "#lobby", "bob"), "@");
    feed(&mut model, &[":op!u@h MODE #lobby +a bob"]);
    assert_eq!(prefix_of(&model, "#lobby", "bob"), "@");
}

#[test]
fn parameter_modes_follow_chanmodes() {
    let mut model = in_lobby_with("@me alice bob");
    feed(
        &mut model,
        &[
            ":srv 005 me PREFIX=(ohv)@%+ CHANMODES=beI,kx,lj,imnst :are supported",
            ":op!u@h MODE #lobby +kxljo key xa 10 3 bob",
        ],
    );
    assert_eq!(prefix_of(&model, "#lobby", "bob"), "@");
    // Type C takes no argument when removed; type B always does.
    feed(&mut model, &[":op!u@h MODE #lobby -lv+v bob alice"]);
    assert_eq!(prefix_of(&model, "#lobby", "alice"), "+");
    feed(&mut model, &[":op!u@h MODE #lobby -xo xa bob"]);
    assert_eq!(prefix_of(&model, "#lobby", "bob"), "");
}

#[test]
fn without_005_modes_keep_the_usual_defaults() {
    let mut model = in_lobby_with("@me alice bob");
    feed(&mut model, &[":op!u@h MODE #lobby +kl-lho key 5 alice bob"]);
    assert_eq!(prefix_of(&model, "#lobby", "bob"), "");
    feed(&mut model, &[":op!u@h MODE #lobby +hbo alice *!*@x bob"]);
    assert_eq!(prefix_of(&model, "#lobby", "alice"), "%");
    assert_eq!(prefix_of(&model, "#lobby", "bob"), "@");
}

#[test]
fn a_nick_called_server_gets_a_query_of_its_own() {
    use ciao_client::{Action, BufferKind};
    let mut model = Model::new("me");
    feed(
        &mut model,
        &[":srv 001 me :Welcome", ":Server!u@h PRIVMSG me :psst"],
    );
    let query = model
        .buffers
        .iter()
        .position(|b| b.kind == BufferKind::Query && b.name == "Server")
        .expect("a query with Server");
    assert_ne!(query, 0);
    assert_eq!(
        model.buffers[query].lines.last().expect("line").text,
        "psst"
    );
    assert_eq!(
        model.take_alerts(),
        [Alert {
            buffer: "Server".into(),
            sender: "Server".into(),
            text: "psst".into(),
        }]
    );
    // The server buffer still gets the server's notices.
    feed(&mut model, &[":srv NOTICE me :maintenance soon"]);
    assert_eq!(
        model.buffers[0].lines.last().expect("line").text,
        "maintenance soon"
    );
    assert!(
        model.buffers[query]
            .lines
            .iter()
            .all(|l| l.text != "maintenance soon")
    );
    // Opening the query, or writing to it, finds it too.
    assert_eq!(model.open_query("server"), query);
    model.set_active(0);
    model.prepare(Action::Msg {
        target: "Server".into(),
        text: "hi".into(),
    });
    assert_eq!(model.active, query);
}

#[test]
fn open_query_with_server_does_not_open_the_server_buffer() {
    let mut model = Model::new("me");
    let index = model.open_query("Server");
    assert_ne!(index, 0);
    assert_eq!(model.buffers.len(), 2);
}

#[test]
fn channels_are_what_the_server_says_they_are() {
    let mut model = Model::new("me");
    feed(
        &mut model,
        &[
            ":srv 001 me :Welcome",
            ":srv 005 me CHANTYPES=#+ :are supported",
            ":me!u@h JOIN +modeless",
            ":bob!b@h PRIVMSG +modeless :no modes here",
        ],
    );
    let buffer = model.buffer("+modeless").expect("the channel");
    assert_eq!(buffer.kind, ciao_client::BufferKind::Channel);
    assert!(buffer.joined);
    assert!(buffer.lines.iter().any(|l| l.text == "no modes here"));
}
