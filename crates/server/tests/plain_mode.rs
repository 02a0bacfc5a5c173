//! Plain mode: the seed's protocol for nc, telnet and Client.py.

mod common;

use ciao_server::{Config, Lang};
use common::{TestClient, TestServer, test_config};

/// The transcript of BEHAVIOUR.md, with `texts` as the wording.
async fn transcript(config: Config, texts: [&str; 5]) {
    let [greeting, welcome_alice, welcome_bob, bob_joined, bob_left] = texts;
    let server = TestServer::start(config).await;

    let mut alice = TestClient::connect(server.addr, "alice").await;
    alice.expect(greeting).await;
    alice.send_raw(b"alice").await; // Client.py sends no newline
    alice.expect(welcome_alice).await;

    let mut bob = TestClient::connect(server.addr, "bob").await;
    bob.expect(greeting).await;
    bob.send_raw(b"bob").await;
    bob.expect(welcome_bob).await;
    alice.expect(bob_joined).await; // the newcomer does not see its own join

    alice.send_raw(b"ciao a tutti").await;
    alice.expect("alice: ciao a tutti").await; // the sender too
    bob.expect("alice: ciao a tutti").await;

    bob.send_raw(b"{quit}").await;
    assert!(bob.expect_eof().await.is_empty(), "no reply to {{quit}}");
    alice.expect(bob_left).await;
    server.shutdown().await;
}

#[tokio::test]
async fn seed_transcript_in_english() {
    transcript(
        test_config(),
        [
            "HELLO! Type your name and press Enter!",
            "Welcome alice! If you want to leave the chat, type {quit} to exit.",
            "Welcome bob! If you want to leave the chat, type {quit} to exit.",
            "bob joined the chat!",
            "bob left the chat.",
        ],
    )
    .await;
}

#[tokio::test]
async fn seed_transcript_in_italian() {
    transcript(
        Config {
            lang: Lang::It,
            ..test_config()
        },
        [
            "CIAO! Digita il tuo Nome seguito dal tasto Invio!",
            "Benvenuto alice! Se vuoi lasciare la Chat, scrivi {quit} per uscire.",
            "Benvenuto bob! Se vuoi lasciare la Chat, scrivi {quit} per uscire.",
            "bob si è unito alla chat!",
            "bob ha abbandonato la Chat.",
        ],
    )
    .await;
}

#[tokio::test]
async fn quit_as_first_message_closes_and_announces_nothing() {
    let server = TestServer::with_defaults().await;
    let mut watcher = TestClient::irc_in_lobby(server.addr, "watcher").await;

    let mut early = TestClient::connect(server.addr, "early").await;
    early.line().await; // greeting
    early.send_raw(b"{quit}").await;
    assert!(early.expect_eof().await.is_empty());

    let seen = watcher.sync().await;
    assert!(seen.is_empty(), "nothing announced: {seen:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn name_with_crlf_is_trimmed() {
    let server = TestServer::with_defaults().await;
    let mut carol = TestClient::connect(server.addr, "carol").await;
    carol.line().await;
    carol.send_raw(b"  carol \r\n").await;
    carol
        .expect("Welcome carol! If you want to leave the chat, type {quit} to exit.")
        .await;
    carol.send_raw(b"hi\r\n").await;
    carol.expect("carol: hi").await;
    server.shutdown().await;
}

#[tokio::test]
async fn name_sent_before_the_greeting_still_works() {
    // An nc user who types fast: the name arrives before the grace period.
    let server = TestServer::with_defaults().await;
    let mut dan = TestClient::connect(server.addr, "dan").await;
    dan.send_raw(b"dan\n").await;
    dan.expect("HELLO! Type your name and press Enter!").await;
    dan.expect("Welcome dan! If you want to leave the chat, type {quit} to exit.")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn two_messages_in_one_segment_are_two_lines() {
    let server = TestServer::with_defaults().await;
    let mut eve = TestClient::plain(server.addr, "eve").await;
    eve.send_raw(b"one\ntwo\r\nthree").await;
    eve.expect("eve: one").await;
    eve.expect("eve: two").await;
    eve.expect("eve: three").await;
    server.shutdown().await;
}

#[tokio::test]
async fn bad_and_taken_names_are_asked_again() {
    let server = TestServer::with_defaults().await;
    let _alice = TestClient::plain(server.addr, "alice").await;
    let mut other = TestClient::connect(server.addr, "other").await;
    other.line().await;
    other.send_raw(b"two words\n").await;
    let refusal = other.line().await;
    assert!(refusal.contains("cannot contain spaces"), "{refusal}");
    other.send_raw(b"ALICE\n").await;
    let refusal = other.line().await;
    assert!(refusal.contains("already taken"), "{refusal}");
    other.send_raw(b"alice2\n").await;
    other.wait_contains("Welcome alice2!").await;
    server.shutdown().await;
}

#[tokio::test]
async fn plain_and_irc_users_talk_to_each_other() {
    let server = TestServer::with_defaults().await;
    let mut ircer = TestClient::irc_in_lobby(server.addr, "ircer").await;
    let mut plain = TestClient::plain(server.addr, "plainer").await;
    ircer
        .wait_contains(":plainer!plainer@127.0.0.1 JOIN #lobby")
        .await;

    plain.send_raw(b"hello from nc").await;
    plain.expect("plainer: hello from nc").await;
    ircer
        .expect(":plainer!plainer@127.0.0.1 PRIVMSG #lobby :hello from nc")
        .await;

    ircer.send("PRIVMSG #lobby :hello from irc").await;
    plain.expect("ircer: hello from irc").await;
    ircer.send("PRIVMSG #lobby :\u{1}ACTION waves\u{1}").await;
    plain.expect("* ircer waves").await;
    ircer.send("PRIVMSG plainer :just you").await;
    plain.expect("*ircer* just you").await;

    plain.send_raw(b"/msg ircer psst\n").await;
    ircer
        .expect(":plainer!plainer@127.0.0.1 PRIVMSG ircer :psst")
        .await;
    plain.expect("-> *ircer* psst").await; // the sender sees what it sent

    ircer.send("NICK ircer2").await;
    plain.expect("ircer is now known as ircer2.").await;
    ircer.send("QUIT :bye").await;
    plain.expect("ircer2 left the chat.").await;
    server.shutdown().await;
}

#[tokio::test]
async fn names_and_help_commands() {
    let server = TestServer::with_defaults().await;
    let _bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    let mut amy = TestClient::plain(server.addr, "amy").await;
    amy.send_raw(b"/names\n").await;
    amy.expect("Here now: amy, bob").await;
    amy.send_raw(b"/help\n").await;
    assert!(amy.line().await.contains("/quit"));
    amy.send_raw(b"/shrug\n").await;
    amy.expect("amy: /shrug").await; // unknown slash lines are text
    server.shutdown().await;
}

#[tokio::test]
async fn slash_quit_leaves_with_a_reason() {
    let server = TestServer::with_defaults().await;
    let mut watcher = TestClient::irc_in_lobby(server.addr, "watcher").await;
    let mut leaver = TestClient::plain(server.addr, "leaver").await;
    watcher.wait_contains("JOIN #lobby").await;
    leaver.send_raw(b"/quit gotta go\n").await;
    leaver.expect_eof().await;
    watcher
        .expect(":leaver!leaver@127.0.0.1 QUIT :Quit: gotta go")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_irc_client_that_waits_for_the_greeting_still_registers() {
    let server = TestServer::with_defaults().await;
    let mut late = TestClient::connect(server.addr, "late").await;
    late.expect("HELLO! Type your name and press Enter!").await;
    late.send("NICK late").await;
    late.send("USER late 0 * :Late").await;
    late.wait_numeric("001").await;
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_becomes_replacement_characters() {
    let server = TestServer::with_defaults().await;
    let mut zed = TestClient::plain(server.addr, "zed").await;
    zed.send_raw(b"caf\xe9\n").await;
    zed.expect("zed: caf\u{FFFD}").await;
    server.shutdown().await;
}

#[tokio::test]
async fn line_breaks_and_nul_from_a_plain_user_reach_nobody() {
    // fuzz/session, crash-6c4b6095: a plain user's NUL went out as is.
    let server = TestServer::with_defaults().await;
    let mut irc = TestClient::irc_in_lobby(server.addr, "irc").await;
    let mut plain = TestClient::plain(server.addr, "carol").await;
    irc.wait_contains("JOIN #lobby").await;
    plain.send_raw(b"a\0b\rc\n").await;
    plain.expect("carol: abc").await;
    irc.expect(":carol!carol@127.0.0.1 PRIVMSG #lobby :abc")
        .await;
    server.shutdown().await;
}
