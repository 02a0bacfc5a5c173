//! Forged lines and look-alike names: control bytes never reach a plain
//! client's terminal, and nobody can take a name that looks like one in
//! use.

mod common;

use common::{TestClient, TestServer, numeric_of};

/// An IRC user in #lobby and a plain user who has seen it there.
async fn irc_and_plain(server: &TestServer) -> (TestClient, TestClient) {
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    let carol = TestClient::plain(server.addr, "carol").await;
    alice.wait_contains("JOIN #lobby").await;
    (alice, carol)
}

#[tokio::test]
async fn terminal_controls_from_an_irc_user_never_reach_a_plain_terminal() {
    let server = TestServer::with_defaults().await;
    let (mut alice, mut carol) = irc_and_plain(&server).await;

    alice
        .send("PRIVMSG #lobby :\x1b[2J\x1b[Hbob: the server moves\x08\x0b to 10.6.6.6\x07\x0c\x7f\u{9b}2J\tnow")
        .await;
    let line = carol
        .wait_for("alice's message", |l| l.starts_with("alice:"))
        .await;
    assert_eq!(line, "alice: [2J[Hbob: the server moves to 10.6.6.62J now");

    server.shutdown().await;
}

#[tokio::test]
async fn formatting_codes_vanish_for_plain_users_and_reach_irc_users_intact() {
    let server = TestServer::with_defaults().await;
    let (mut alice, mut carol) = irc_and_plain(&server).await;
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    alice.wait_contains("JOIN #lobby").await;

    let text = "\x02bold\x02 \x0304,12red on blue\x03 \x04ff8800hex\x0f \x1ditalic\x1d \x1funder\x1f \x1estrike\x1e \x11mono\x11 \x16rev\x16 stray\x01ctcp";
    alice.send(&format!("PRIVMSG #lobby :{text}")).await;
    let line = carol
        .wait_for("alice's message", |l| l.starts_with("alice:"))
        .await;
    assert_eq!(
        line,
        "alice: bold red on blue hex italic under strike mono rev strayctcp"
    );
    let line = bob.wait_contains("PRIVMSG #lobby").await;
    assert!(
        line.ends_with(&format!(" PRIVMSG #lobby :{text}")),
        "IRC clients keep every code: {line:?}"
    );

    server.shutdown().await;
}

#[tokio::test]
async fn a_plain_user_cannot_forge_lines_for_another_plain_user() {
    let server = TestServer::with_defaults().await;
    let mut carol = TestClient::plain(server.addr, "carol").await;
    let mut dave = TestClient::plain(server.addr, "dave").await;
    carol.expect("dave joined the chat!").await;

    carol
        .send_raw(b"\x1b[1A\x1b[2K\radmin: please paste your password here\x1b[8m")
        .await;
    dave.expect("carol: [1A[2Kadmin: please paste your password here[8m")
        .await;

    server.shutdown().await;
}

/// What an IRC client that registers as `nick` is told first: the
/// refusal, or 001 if the nick was taken.
async fn irc_registration_reply(server: &TestServer, nick: &str) -> String {
    let mut client = TestClient::connect(server.addr, "impostor").await;
    client.send(&format!("NICK {nick}")).await;
    client.send("USER impostor 0 * :Impostor").await;
    client
        .wait_for("a reply to NICK", |l| {
            matches!(numeric_of(l), Some("432" | "433" | "001"))
        })
        .await
}

/// What a plain client that picks `name` is told after the greeting.
async fn plain_name_reply(server: &TestServer, name: &str) -> (TestClient, String) {
    let mut client = TestClient::connect(server.addr, "plain impostor").await;
    client.line().await; // greeting
    client.send_raw(name.as_bytes()).await;
    let reply = client.line().await;
    (client, reply)
}

#[tokio::test]
async fn nicks_with_invisible_characters_are_refused_with_a_reason() {
    let server = TestServer::with_defaults().await;
    for nick in ["b\u{200B}ob", "bob\u{00AD}", "b\u{2060}ob"] {
        assert_eq!(
            irc_registration_reply(&server, nick).await,
            format!(
                ":test.server 432 * {nick} :Erroneous nickname: a name cannot contain invisible characters"
            )
        );
        let (_client, reply) = plain_name_reply(&server, nick).await;
        assert_eq!(
            reply,
            "That name cannot be used: a name cannot contain invisible characters. Type another name!",
            "{nick:?}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_look_alike_of_a_nick_in_use_is_refused_until_its_holder_leaves() {
    let server = TestServer::with_defaults().await;
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    let cyrillic = "b\u{043E}b";

    assert_eq!(
        irc_registration_reply(&server, cyrillic).await,
        format!(":test.server 433 * {cyrillic} :Nickname is too similar to one in use")
    );
    let (mut plain, reply) = plain_name_reply(&server, cyrillic).await;
    assert_eq!(
        reply,
        format!("The name {cyrillic} looks too much like a name already taken. Type another name!")
    );
    alice.send(&format!("NICK {cyrillic}")).await;
    alice
        .expect(&format!(
            ":test.server 433 alice {cyrillic} :Nickname is too similar to one in use"
        ))
        .await;

    // bob may change to a look-alike of his own nick.
    bob.send("NICK b0b").await;
    let renamed = bob.wait_contains(" NICK ").await;
    assert!(
        renamed.starts_with(":bob!") && renamed.ends_with(" NICK b0b"),
        "{renamed:?}"
    );
    bob.send("QUIT").await;
    alice
        .wait_for("b0b's quit", |l| {
            l.starts_with(":b0b!") && l.contains(" QUIT ")
        })
        .await;

    plain.send_raw(cyrillic.as_bytes()).await;
    plain
        .expect(&format!(
            "Welcome {cyrillic}! If you want to leave the chat, type {{quit}} to exit."
        ))
        .await;
    // Now bob's own nick is a look-alike of one in use.
    assert_eq!(
        irc_registration_reply(&server, "BOB").await,
        ":test.server 433 * BOB :Nickname is too similar to one in use"
    );

    server.shutdown().await;
}

#[tokio::test]
async fn a_channel_name_with_an_invisible_character_is_refused_with_a_reason() {
    let server = TestServer::with_defaults().await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    alice.send("JOIN #lob\u{200B}by").await;
    alice
        .expect(":test.server 403 alice #lob\u{200B}by :Invalid channel name: a channel name cannot contain invisible characters")
        .await;
    server.shutdown().await;
}
