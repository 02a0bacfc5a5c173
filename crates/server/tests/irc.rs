//! IRC mode: registration, channels, messages, modes, errors.

mod common;

use ciao_server::{Config, OperCredential};
use common::{TestClient, TestServer, numeric_of, test_config};

#[tokio::test]
async fn registration_burst_then_auto_join() {
    let server = TestServer::with_defaults().await;
    let mut alice = TestClient::connect(server.addr, "alice").await;
    alice.send("NICK alice").await;
    alice.send("USER alice 0 * :Alice A").await;
    let mut codes = Vec::new();
    loop {
        let line = alice.line().await;
        if let Some(code) = numeric_of(&line) {
            codes.push(code.to_owned());
            if code == "366" {
                break;
            }
        } else {
            assert_eq!(line, ":alice!~alice@127.0.0.1 JOIN #lobby");
            codes.push("JOIN".to_owned());
        }
    }
    let expected = [
        // 254 (channels formed) is left out while there are none; 13
        // ISUPPORT tokens a line make three 005s.
        "001", "002", "003", "004", "005", "005", "005", "251", "252", "253", "255", "265", "266",
        "422", "JOIN", "353", "366",
    ];
    assert_eq!(codes, expected);
    server.shutdown().await;
}

#[tokio::test]
async fn welcome_and_isupport_content() {
    let server = TestServer::with_defaults().await;
    let mut c = TestClient::connect(server.addr, "c").await;
    c.send("NICK bob").await;
    c.send("USER bob 0 * :Bob").await;
    let welcome = c.wait_numeric("001").await;
    assert_eq!(
        welcome,
        ":test.server 001 bob :Welcome to the ciao IRC network, bob!~bob@127.0.0.1"
    );
    let mut isupport = String::new();
    loop {
        let line = c.line().await;
        match numeric_of(&line) {
            Some("005") => isupport.push_str(&line),
            Some("251") => break,
            _ => {}
        }
    }
    for token in [
        " CASEMAPPING=rfc1459 ",
        " CHANTYPES=# ",
        " CHANMODES=beI,k,l,Cimnst ",
        " PREFIX=(ohv)@%+ ",
        " STATUSMSG=@%+ ",
        " NICKLEN=30 ",
        " MONITOR=100 ",
        " WHOX ",
        " ELIST=CMNTU ",
    ] {
        assert!(isupport.contains(token), "{token} in {isupport}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn taken_and_invalid_nicks() {
    let server = TestServer::with_defaults().await;
    let _alice = TestClient::irc(server.addr, "alice").await;
    let mut other = TestClient::connect(server.addr, "other").await;
    other.send("NICK Alice").await;
    assert_eq!(
        other.line().await,
        ":test.server 433 * Alice :Nickname is already in use"
    );
    other.send("NICK 9lives").await;
    assert_eq!(
        other.line().await,
        ":test.server 432 * 9lives :Erroneous nickname: a name cannot start with a digit, '-', '#', '&', ':' or '$'"
    );
    other.send("NICK").await;
    assert_eq!(other.line().await, ":test.server 431 * :No nickname given");
    other.send("NICK alice2").await;
    other.send("USER a 0 * :A").await;
    other.wait_numeric("001").await;
    server.shutdown().await;
}

#[tokio::test]
async fn commands_before_registration_and_unknown_commands() {
    let server = TestServer::with_defaults().await;
    let mut c = TestClient::connect(server.addr, "c").await;
    c.send("NICK early").await;
    c.send("JOIN #x").await;
    assert_eq!(
        c.line().await,
        ":test.server 451 early :You have not registered"
    );
    c.send("USER early 0 * :E").await;
    c.wait_numeric("366").await;
    c.send("FROBNICATE now").await;
    assert_eq!(
        c.line().await,
        ":test.server 421 early FROBNICATE :Unknown command"
    );
    c.send("USER again 0 * :x").await;
    assert_eq!(
        c.line().await,
        ":test.server 462 early :You may not reregister"
    );
    c.send("KICK #lobby").await;
    assert_eq!(
        c.line().await,
        ":test.server 461 early KICK :Not enough parameters"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn join_privmsg_part_quit_seen_by_members() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    let mut b = TestClient::irc_in_lobby(server.addr, "b").await;
    a.expect(":b!~b@127.0.0.1 JOIN #lobby").await;

    a.send("JOIN #rust").await;
    a.expect(":a!~a@127.0.0.1 JOIN #rust").await;
    a.expect(":test.server 353 a = #rust :@a").await;
    a.wait_numeric("366").await;
    b.send("JOIN #RUST").await;
    b.expect(":b!~b@127.0.0.1 JOIN #rust").await;
    let names = b.wait_numeric("353").await;
    assert_eq!(names, ":test.server 353 b = #rust :@a b");
    b.wait_numeric("366").await;
    a.expect(":b!~b@127.0.0.1 JOIN #rust").await;

    b.send("PRIVMSG #rust :hello rustaceans").await;
    a.expect(":b!~b@127.0.0.1 PRIVMSG #rust :hello rustaceans")
        .await;
    b.send("NOTICE a :a notice").await;
    a.expect(":b!~b@127.0.0.1 NOTICE a :a notice").await;

    b.send("PART #rust :later").await;
    b.expect(":b!~b@127.0.0.1 PART #rust :later").await;
    a.expect(":b!~b@127.0.0.1 PART #rust :later").await;

    b.send("QUIT :done").await;
    let rest = b.expect_eof().await;
    assert_eq!(rest, ["ERROR :Closing link: Quit: done"]);
    a.expect(":b!~b@127.0.0.1 QUIT :Quit: done").await;
    server.shutdown().await;
}

#[tokio::test]
async fn message_errors() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    a.send("PRIVMSG nobody :hi").await;
    a.expect(":test.server 401 a nobody :No such nick/channel")
        .await;
    a.send("PRIVMSG #nowhere :hi").await;
    a.expect(":test.server 403 a #nowhere :No such channel")
        .await;
    a.send("PRIVMSG").await;
    a.expect(":test.server 411 a :No recipient given (PRIVMSG)")
        .await;
    a.send("PRIVMSG a").await;
    a.expect(":test.server 412 a :No text to send").await;
    // NOTICE never triggers automatic error replies.
    a.send("NOTICE nobody :hi").await;
    let seen = a.sync().await;
    assert!(seen.is_empty(), "{seen:?}");

    let mut b = TestClient::irc_in_lobby(server.addr, "b").await;
    b.send("PART #lobby").await;
    b.wait_contains("PART #lobby").await;
    // #lobby is +n by default: outsiders cannot speak in it.
    b.send("PRIVMSG #lobby :from outside").await;
    b.expect(":test.server 404 b #lobby :Cannot send to channel")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn capabilities_server_time_echo_and_tags() {
    let server = TestServer::with_defaults().await;
    let mut c = TestClient::connect(server.addr, "c").await;
    c.send("CAP LS 302").await;
    let ls = c.line().await;
    assert!(ls.starts_with(":test.server CAP * LS :"), "{ls}");
    for cap in [
        "server-time",
        "message-tags",
        "echo-message",
        "multi-prefix",
    ] {
        assert!(ls.contains(cap), "{cap} offered in {ls}");
    }
    c.send("NICK capper").await;
    c.send("USER capper 0 * :C").await;
    c.send("CAP REQ :server-time echo-message message-tags bogus-cap")
        .await;
    assert_eq!(
        c.line().await,
        ":test.server CAP capper NAK :server-time echo-message message-tags bogus-cap"
    );
    c.send("CAP REQ :server-time echo-message message-tags")
        .await;
    assert_eq!(
        c.line().await,
        ":test.server CAP capper ACK :server-time echo-message message-tags"
    );
    // Registration waits for CAP END.
    let seen = c.sync().await;
    assert!(seen.is_empty(), "{seen:?}");
    c.send("CAP END").await;
    c.wait_numeric("366").await;

    let mut plain_irc = TestClient::irc_in_lobby(server.addr, "old").await;
    c.wait_contains("JOIN #lobby").await;
    c.send("@+typing=active;private=x PRIVMSG #lobby :stamped")
        .await;
    let echoed = c.line().await;
    assert!(
        echoed.starts_with("@time=") && echoed.contains(";+typing=active "),
        "echo with time and client tag: {echoed}"
    );
    assert!(!echoed.contains("private"), "only client tags are relayed");
    assert!(echoed.ends_with(":capper!~capper@127.0.0.1 PRIVMSG #lobby :stamped"));
    let time = &echoed["@time=".len()..echoed.find(';').expect("tags")];
    assert_eq!(time.len(), "2026-01-01T00:00:00.000Z".len(), "{time}");
    assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T');
    plain_irc
        .expect(":capper!~capper@127.0.0.1 PRIVMSG #lobby :stamped")
        .await;

    c.send("CAP LIST").await;
    assert_eq!(
        c.line().await,
        ":test.server CAP capper LIST :server-time message-tags echo-message"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn topic_and_channel_modes() {
    let server = TestServer::with_defaults().await;
    let mut op = TestClient::irc_in_lobby(server.addr, "op").await;
    op.send("JOIN #room").await;
    op.wait_numeric("366").await;
    let mut user = TestClient::irc_in_lobby(server.addr, "user").await;
    user.send("JOIN #room").await;
    user.wait_numeric("366").await;
    op.wait_contains("JOIN #room").await;

    op.send("MODE #room").await;
    assert_eq!(op.line().await, ":test.server 324 op #room :+nt");
    assert_eq!(numeric_of(&op.line().await), Some("329"));

    // +t: only operators set the topic.
    user.send("TOPIC #room :mine").await;
    user.expect(":test.server 482 user #room :You're not channel operator")
        .await;
    op.send("TOPIC #room :Welcome all").await;
    op.expect(":op!~op@127.0.0.1 TOPIC #room :Welcome all")
        .await;
    user.expect(":op!~op@127.0.0.1 TOPIC #room :Welcome all")
        .await;
    user.send("TOPIC #room").await;
    user.expect(":test.server 332 user #room :Welcome all")
        .await;
    assert!(
        user.line()
            .await
            .starts_with(":test.server 333 user #room op!~op@127.0.0.1 ")
    );

    // Non-operators cannot change modes.
    user.send("MODE #room +m").await;
    user.expect(":test.server 482 user #room :You're not channel operator")
        .await;

    op.send("MODE #room +v user").await;
    op.expect(":op!~op@127.0.0.1 MODE #room +v user").await;
    user.expect(":op!~op@127.0.0.1 MODE #room +v user").await;
    op.send("MODE #room -t+o user").await;
    op.expect(":op!~op@127.0.0.1 MODE #room -t+o user").await;
    user.expect(":op!~op@127.0.0.1 MODE #room -t+o user").await;
    user.send("NAMES #room").await;
    user.expect(":test.server 353 user = #room :@op @user")
        .await;

    op.send("MODE #room +kl sesame 2").await;
    op.expect(":op!~op@127.0.0.1 MODE #room +kl sesame 2").await;
    op.send("MODE #room").await;
    op.expect(":test.server 324 op #room +nkl sesame :2").await;
    assert!(op.line().await.starts_with(":test.server 329 op #room :"));

    let mut third = TestClient::irc_in_lobby(server.addr, "third").await;
    third.send("JOIN #room").await;
    third
        .expect(":test.server 475 third #room :Cannot join channel (+k)")
        .await;
    third.send("JOIN #room sesame").await;
    third
        .expect(":test.server 471 third #room :Cannot join channel (+l)")
        .await;
    op.send("MODE #room -l").await;
    op.wait_for("-l", |l| l == ":op!~op@127.0.0.1 MODE #room -l")
        .await;
    third.send("JOIN #room sesame").await;
    third.expect(":third!~third@127.0.0.1 JOIN #room").await;

    op.send("MODE #room +x").await;
    op.wait_for("472", |l| {
        l == ":test.server 472 op x :is unknown mode char to me"
    })
    .await;
    op.send("MODE #room +o ghost").await;
    op.wait_for("401", |l| {
        l == ":test.server 401 op ghost :No such nick/channel"
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn kick_needs_op_and_removes_the_member() {
    let server = TestServer::with_defaults().await;
    let mut op = TestClient::irc_in_lobby(server.addr, "op").await;
    let mut victim = TestClient::irc_in_lobby(server.addr, "victim").await;
    op.wait_contains("JOIN #lobby").await;
    victim.send("KICK #lobby op").await;
    victim
        .expect(":test.server 482 victim #lobby :You're not channel operator")
        .await;
    op.send("KICK #lobby victim :behave").await;
    op.expect(":op!~op@127.0.0.1 KICK #lobby victim :behave")
        .await;
    victim
        .expect(":op!~op@127.0.0.1 KICK #lobby victim :behave")
        .await;
    op.send("KICK #lobby victim").await;
    op.expect(":test.server 441 op victim #lobby :They aren't on that channel")
        .await;
    victim.send("PRIVMSG #lobby :let me in").await;
    victim
        .expect(":test.server 404 victim #lobby :Cannot send to channel")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn who_whois_away_list_and_friends() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    let mut b = TestClient::irc_in_lobby(server.addr, "b").await;
    a.wait_contains("JOIN #lobby").await;

    b.send("AWAY :lunch").await;
    b.expect(":test.server 306 b :You have been marked as being away")
        .await;
    a.send("PRIVMSG b :you there?").await;
    a.expect(":test.server 301 a b :lunch").await;

    a.send("WHOIS b").await;
    a.expect(":test.server 311 a b ~b 127.0.0.1 * :Test b")
        .await;
    a.expect(":test.server 319 a b :#lobby").await;
    a.expect(":test.server 312 a b test.server :ciao chat server")
        .await;
    a.expect(":test.server 301 a b :lunch").await;
    assert_eq!(numeric_of(&a.line().await), Some("317"));
    a.expect(":test.server 318 a b :End of /WHOIS list").await;

    a.send("WHO #lobby").await;
    let mut rows = vec![a.line().await, a.line().await];
    rows.sort();
    assert_eq!(
        rows,
        [
            ":test.server 352 a #lobby ~a 127.0.0.1 test.server a H@ :0 Test a",
            ":test.server 352 a #lobby ~b 127.0.0.1 test.server b G :0 Test b",
        ]
    );
    a.expect(":test.server 315 a #lobby :End of /WHO list")
        .await;

    b.send("AWAY").await;
    b.wait_numeric("305").await;

    a.send("LIST").await;
    a.expect(":test.server 321 a Channel :Users  Name").await;
    a.expect(":test.server 322 a #lobby 2 :").await;
    a.expect(":test.server 323 a :End of /LIST").await;

    a.send("PING :abc").await;
    a.expect(":test.server PONG test.server abc").await;
    a.send("ISON b nobody").await;
    a.expect(":test.server 303 a :b").await;
    a.send("USERHOST b").await;
    a.expect(":test.server 302 a :b=+~b@127.0.0.1").await;
    a.send("VERSION").await;
    assert!(a.line().await.starts_with(":test.server 351 a ciao-"));
    a.send("MODE a +i").await;
    a.wait_for("MODE", |l| l == ":a!~a@127.0.0.1 MODE a +i")
        .await;
    a.send("MODE a").await;
    a.wait_for("221", |l| l == ":test.server 221 a :+i").await;
    a.send("MODE b +i").await;
    a.wait_for("502", |l| l.contains(" 502 a ")).await;
    server.shutdown().await;
}

#[tokio::test]
async fn nick_change_is_seen_by_everyone_sharing_a_channel() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    let mut b = TestClient::irc_in_lobby(server.addr, "b").await;
    a.wait_contains("JOIN #lobby").await;
    b.send("NICK bee").await;
    b.expect(":b!~b@127.0.0.1 NICK bee").await;
    a.expect(":b!~b@127.0.0.1 NICK bee").await;
    // The old nick is free again, the new one taken.
    let _c = TestClient::irc(server.addr, "b").await;
    let mut d = TestClient::connect(server.addr, "d").await;
    d.send("NICK BEE").await;
    d.wait_numeric("433").await;
    server.shutdown().await;
}

#[tokio::test]
async fn connection_password() {
    let server = TestServer::start(Config {
        password: Some("letmein".into()),
        ..test_config()
    })
    .await;
    let mut wrong = TestClient::connect(server.addr, "wrong").await;
    wrong.send("PASS nope").await;
    wrong.send("NICK wrong").await;
    wrong.send("USER wrong 0 * :W").await;
    wrong
        .expect(":test.server 464 wrong :Password incorrect")
        .await;
    let rest = wrong.expect_eof().await;
    assert_eq!(rest, ["ERROR :Closing link: bad password"]);

    let mut right = TestClient::connect(server.addr, "right").await;
    right.send("PASS letmein").await;
    right.send("NICK right").await;
    right.send("USER right 0 * :R").await;
    right.wait_numeric("001").await;

    // Plain clients cannot send a password: they are told and closed.
    let mut plain = TestClient::connect(server.addr, "plain").await;
    let rest = plain.expect_eof().await;
    assert_eq!(
        rest,
        ["This server needs a password: connect with an IRC client."]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn oper() {
    let server = TestServer::start(Config {
        opers: vec![OperCredential {
            name: "admin".into(),
            password: "secret".into(),
        }],
        ..test_config()
    })
    .await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    a.send("OPER admin wrong").await;
    a.expect(":test.server 464 a :Password incorrect").await;
    a.send("OPER admin secret").await;
    a.expect(":test.server 381 a :You are now an IRC operator")
        .await;
    a.expect(":test.server MODE a +o").await;
    server.shutdown().await;
}

#[tokio::test]
async fn default_channel_can_be_changed_or_turned_off() {
    let server = TestServer::start(Config {
        default_channel: Some("#home".into()),
        ..test_config()
    })
    .await;
    let mut a = TestClient::irc(server.addr, "a").await;
    a.expect(":a!~a@127.0.0.1 JOIN #home").await;
    server.shutdown().await;

    let server = TestServer::start(Config {
        default_channel: None,
        ..test_config()
    })
    .await;
    let mut a = TestClient::irc(server.addr, "a").await;
    let seen = a.sync().await;
    assert!(seen.is_empty(), "no auto-join: {seen:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn over_long_lines_and_invalid_utf8_get_errors() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    let long = format!("PRIVMSG #lobby :{}", "x".repeat(10_000));
    a.send(&long).await;
    a.expect(":test.server 417 a :Input line was too long")
        .await;
    a.send_raw(b"PRIVMSG #lobby :caf\xe9\r\n").await;
    let fail = a.line().await;
    assert!(
        fail.starts_with(":test.server FAIL * INVALID_UTF8 "),
        "{fail}"
    );
    // The connection still works.
    a.send("PING :still").await;
    a.expect(":test.server PONG test.server still").await;
    server.shutdown().await;
}

#[tokio::test]
async fn multi_prefix_and_userhost_in_names() {
    let server = TestServer::with_defaults().await;
    let mut a =
        TestClient::irc_with_caps(server.addr, "a", &["multi-prefix", "userhost-in-names"]).await;
    a.wait_numeric("366").await;
    a.send("MODE #lobby +v a").await;
    a.wait_contains("MODE #lobby +v a").await;
    a.send("NAMES #lobby").await;
    a.expect(":test.server 353 a = #lobby :@+a!~a@127.0.0.1")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn lusers_reports_the_peak_not_the_capacity() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_in_lobby(server.addr, "a").await;
    let mut b = TestClient::irc_in_lobby(server.addr, "b").await;
    b.send("QUIT").await;
    b.expect_eof().await;
    a.wait_contains("QUIT").await;
    a.send("LUSERS").await;
    a.wait_for("265", |l| {
        l == ":test.server 265 a 1 2 :Current local users 1, max 2"
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn away_users_who_join_are_announced_to_away_notify_clients() {
    let server = TestServer::with_defaults().await;
    let mut watcher = TestClient::irc_with_caps(server.addr, "watcher", &["away-notify"]).await;
    watcher.wait_numeric("366").await;
    let mut sleeper = TestClient::irc_in_lobby(server.addr, "sleeper").await;
    watcher
        .wait_contains("sleeper!~sleeper@127.0.0.1 JOIN #lobby")
        .await;
    sleeper.send("AWAY :zzz").await;
    watcher
        .expect(":sleeper!~sleeper@127.0.0.1 AWAY :zzz")
        .await;
    watcher.send("JOIN #other").await;
    watcher.wait_numeric("366").await;
    sleeper.send("JOIN #other").await;
    watcher
        .expect(":sleeper!~sleeper@127.0.0.1 JOIN #other")
        .await;
    watcher
        .expect(":sleeper!~sleeper@127.0.0.1 AWAY :zzz")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn message_tags_limits_and_msgid() {
    let server = TestServer::with_defaults().await;
    let mut a = TestClient::irc_with_caps(server.addr, "a", &["message-tags"]).await;
    a.wait_numeric("366").await;
    let mut b = TestClient::irc_with_caps(server.addr, "b", &["message-tags"]).await;
    b.wait_numeric("366").await;
    a.wait_contains("JOIN").await;

    // More than 4094 bytes of client tag data, or a body over 512 bytes.
    a.send(&format!("@+big={} PRIVMSG #lobby :hi", "v".repeat(4100)))
        .await;
    a.expect(":test.server 417 a :Input line was too long")
        .await;
    a.send(&format!("PRIVMSG #lobby :{}", "w".repeat(500)))
        .await;
    a.expect(":test.server 417 a :Input line was too long")
        .await;
    let seen = b.sync().await;
    assert!(seen.is_empty(), "nothing relayed: {seen:?}");

    a.send("PRIVMSG #lobby :one").await;
    a.send("PRIVMSG #lobby :two").await;
    let msgid = |line: &str| {
        line.split([';', ' ', '@'])
            .find_map(|t| t.strip_prefix("msgid="))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("msgid in {line}"))
    };
    let one = msgid(&b.line().await);
    let two = msgid(&b.line().await);
    assert_ne!(one, two);
    server.shutdown().await;
}

#[tokio::test]
async fn kick_from_several_channels_and_time() {
    let server = TestServer::with_defaults().await;
    let mut op = TestClient::irc_in_lobby(server.addr, "op").await;
    let mut x = TestClient::irc_in_lobby(server.addr, "x").await;
    for channel in ["#a", "#b"] {
        op.send(&format!("JOIN {channel}")).await;
        op.wait_numeric("366").await;
        x.send(&format!("JOIN {channel}")).await;
        x.wait_numeric("366").await;
    }
    op.send("KICK #a,#b x,x :out").await;
    x.wait_for("kick #a", |l| l == ":op!~op@127.0.0.1 KICK #a x :out")
        .await;
    x.expect(":op!~op@127.0.0.1 KICK #b x :out").await;

    op.send("TIME").await;
    let time = op.wait_numeric("391").await;
    assert!(
        time.starts_with(":test.server 391 op test.server "),
        "{time}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn channel_keys_with_spaces_are_refused() {
    let server = TestServer::with_defaults().await;
    let mut op = TestClient::irc_in_lobby(server.addr, "op").await;
    op.send("MODE #lobby +k :two words").await;
    op.expect(":test.server 696 op #lobby k * :Invalid key")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn empty_realname_is_refused() {
    let server = TestServer::with_defaults().await;
    let mut c = TestClient::connect(server.addr, "c").await;
    c.send("NICK c").await;
    c.send("USER c 0 * :").await;
    c.expect(":test.server 461 c USER :Not enough parameters")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn whowas_remembers_who_left_most_recent_first() {
    let server = TestServer::with_defaults().await;
    let mut asker = TestClient::irc(server.addr, "asker").await;
    for ident in ["first", "second"] {
        let mut gone = TestClient::connect(server.addr, "gone").await;
        gone.send("NICK gone").await;
        gone.send(&format!("USER {ident} 0 * :Gone Away")).await;
        gone.wait_numeric("001").await;
        gone.send("QUIT :bye").await;
        gone.expect_eof().await;
    }
    asker.send("WHOWAS gone 1").await;
    let user = asker.wait_numeric("314").await;
    assert!(
        user.contains("gone ~second ") && user.ends_with(":Gone Away"),
        "{user}"
    );
    asker.wait_numeric("312").await;
    asker.wait_numeric("369").await;
    asker.send("WHOWAS gone").await;
    assert!(asker.wait_numeric("314").await.contains("~second"));
    assert!(asker.wait_numeric("314").await.contains("~first"));
    asker.send("WHOWAS nobody").await;
    asker.wait_numeric("406").await;
    asker.wait_numeric("369").await;
    server.shutdown().await;
}

#[tokio::test]
async fn kill_is_for_operators_and_tells_everyone_why() {
    let server = TestServer::start(Config {
        opers: vec!["root:secret".parse().expect("oper")],
        ..test_config()
    })
    .await;
    let mut oper = TestClient::irc_in_lobby(server.addr, "oper").await;
    let mut victim = TestClient::irc_in_lobby(server.addr, "victim").await;
    let mut witness = TestClient::irc_in_lobby(server.addr, "witness").await;
    victim.send("KILL witness :no").await;
    victim.wait_numeric("481").await;
    oper.send("OPER root secret").await;
    oper.wait_numeric("381").await;
    oper.send("INFO").await;
    oper.wait_numeric("371").await;
    oper.wait_numeric("374").await;
    oper.send("KILL victim :spam").await;
    let rest = victim.expect_eof().await;
    assert_eq!(
        rest.last().map(String::as_str),
        Some("ERROR :Closing link: Killed (oper (spam))")
    );
    witness
        .wait_for("the kill", |l| l.ends_with("QUIT :Killed (oper (spam))"))
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn invite_lets_a_user_into_an_invite_only_channel_once() {
    let server = TestServer::start(Config {
        default_channel: None,
        ..test_config()
    })
    .await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut guest = TestClient::irc(server.addr, "guest").await;
    op.send("JOIN #club").await;
    op.wait_numeric("366").await;
    op.send("MODE #club +i").await;
    op.wait_contains("MODE #club +i").await;
    guest.send("JOIN #club").await;
    guest.wait_numeric("473").await;
    op.send("INVITE guest #club").await;
    op.wait_for("341", |l| {
        l.contains(" 341 op guest ") && l.ends_with("#club")
    })
    .await;
    guest
        .wait_for("the invitation", |l| {
            l.starts_with(":op!") && l.ends_with("INVITE guest #club")
        })
        .await;
    guest.send("INVITE").await;
    guest
        .wait_for("336", |l| l.contains(" 336 guest ") && l.ends_with("#club"))
        .await;
    guest.wait_numeric("337").await;
    guest.send("JOIN #club").await;
    guest.wait_numeric("366").await;
    op.send("INVITE guest #club").await;
    op.wait_numeric("443").await;
    // Used up: after leaving, the door is shut again.
    guest.send("PART #club").await;
    guest.wait_contains("PART #club").await;
    guest.send("JOIN #club").await;
    guest.wait_numeric("473").await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_ban_keeps_a_matching_user_out_until_lifted() {
    let server = TestServer::start(Config {
        default_channel: None,
        ..test_config()
    })
    .await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut bob = TestClient::irc(server.addr, "Bob").await;
    op.send("JOIN #club").await;
    op.wait_numeric("366").await;
    op.send("MODE #club +b bob").await;
    op.wait_contains("MODE #club +b bob!*@*").await;
    op.send("MODE #club +b").await;
    let entry = op.wait_numeric("367").await;
    assert!(entry.contains(" #club bob!*@* op!"), "{entry}");
    op.wait_numeric("368").await;
    bob.send("JOIN #club").await;
    bob.wait_numeric("474").await;
    op.send("MODE #club -b bob!*@*").await;
    op.wait_contains("MODE #club -b bob!*@*").await;
    bob.send("JOIN #club").await;
    bob.wait_numeric("366").await;
    server.shutdown().await;
}

#[tokio::test]
async fn help_links_and_wallops() {
    let server = TestServer::start(Config {
        opers: vec!["root:secret".parse().expect("oper")],
        server_info: "our chat".to_owned(),
        ..test_config()
    })
    .await;
    let mut oper = TestClient::irc(server.addr, "oper").await;
    let mut listener = TestClient::irc(server.addr, "listener").await;
    let mut deaf = TestClient::irc(server.addr, "deaf").await;

    oper.send("HELP privmsg").await;
    assert!(oper.wait_numeric("704").await.contains("PRIVMSG"));
    oper.wait_numeric("705").await;
    oper.wait_numeric("706").await;
    oper.send("HELPOP nosuchthing").await;
    oper.wait_numeric("524").await;

    oper.send("LINKS").await;
    assert!(oper.wait_numeric("364").await.ends_with(":0 our chat"));
    oper.wait_numeric("365").await;

    oper.send("WALLOPS :hello").await;
    oper.wait_numeric("481").await;
    listener.send("MODE listener +w").await;
    listener.wait_contains("MODE listener +w").await;
    oper.send("OPER root secret").await;
    oper.wait_numeric("381").await;
    oper.send("WALLOPS :hello").await;
    listener
        .wait_for("the wallops", |l| {
            l.starts_with(":oper!") && l.ends_with("WALLOPS :hello")
        })
        .await;
    let before_sync = deaf.sync().await;
    assert!(
        before_sync.iter().all(|l| !l.contains("WALLOPS")),
        "{before_sync:?}"
    );
    server.shutdown().await;
}

/// `*` is what an unregistered client is called in replies, not a nick
/// it holds: `NICK *` is erroneous (irctest's testStarNick).
#[tokio::test]
async fn the_placeholder_star_is_refused_as_a_nick() {
    let server = TestServer::with_defaults().await;
    let mut client = TestClient::connect(server.addr, "star").await;
    client.send("NICK *").await;
    client.send("USER u s e r").await;
    let line = client.wait_numeric("432").await;
    assert!(line.contains("432 * *"), "{line}");
    client.send("NICK valid").await;
    client.wait_numeric("001").await;
    server.shutdown().await;
}
