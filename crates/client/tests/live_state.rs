//! Channel state against the real server: away members (away-notify) and
//! a channel rebuilt from what a restarted server says.

mod support;

use ciao_client::model::LinkState;
use ciao_proto::Message;
use support::{Client, Server};

const LOBBY: &str = "#lobby";

fn away_of(model: &ciao_client::Model, nick: &str) -> Option<Option<String>> {
    let member = model.buffer(LOBBY)?.member(nick)?;
    Some(member.away.clone())
}

#[tokio::test]
async fn members_going_away_and_back_are_seen_with_their_message() {
    let server = Server::start().await;
    let mut alice = Client::start(server.port, "alice");
    alice
        .until("alice in the lobby", |m| {
            m.buffer(LOBBY).is_some_and(|b| b.member("alice").is_some())
        })
        .await;
    let mut bob = Client::start(server.port, "bob");
    alice
        .until("alice sees bob", |m| away_of(m, "bob").is_some())
        .await;
    bob.until("bob registered", |m| m.link == LinkState::Registered)
        .await;

    bob.send(Message::new("AWAY", ["back after lunch"]));
    alice
        .until("bob away", |m| {
            away_of(m, "bob") == Some(Some("back after lunch".to_owned()))
        })
        .await;
    bob.until("bob knows he is away", |m| m.away).await;

    bob.send(Message::new("AWAY", Vec::<String>::new()));
    alice
        .until("bob back", |m| away_of(m, "bob") == Some(None))
        .await;
    bob.until("bob knows he is back", |m| !m.away).await;
}

#[tokio::test]
async fn members_already_away_when_we_join_are_seen_away_without_noise() {
    let server = Server::start().await;
    let mut bob = Client::start(server.port, "bob");
    bob.until("bob in the lobby", |m| {
        m.buffer(LOBBY).is_some_and(|b| b.member("bob").is_some())
    })
    .await;
    bob.send(Message::new("AWAY", ["in a meeting"]));
    bob.until("bob knows he is away", |m| m.away).await;

    // Alice joins after: away-notify will never tell her, the WHO the
    // model asks at join does.
    let mut alice = Client::start(server.port, "alice");
    alice
        .until("alice sees bob away", |m| {
            away_of(m, "bob").is_some_and(|away| away.is_some())
        })
        .await;
    assert_eq!(away_of(&alice.model, "alice"), Some(None));
    // The WHO was the app's own: none of its replies are shown. The
    // server answers in order, so once our next line is echoed, the
    // WHO's replies are all in.
    alice.send(Message::new("PRIVMSG", [LOBBY, "sync"]));
    alice
        .until("the echo after the WHO", |m| {
            m.buffer(LOBBY)
                .is_some_and(|b| b.lines.iter().any(|l| l.text == "sync"))
        })
        .await;
    for buffer in &alice.model.buffers {
        for line in &buffer.lines {
            // A shown WHO reply reads "bob (~bob@host) in #lobby, away: …".
            assert!(
                !line.text.starts_with("bob (") && !line.text.starts_with("alice ("),
                "{}: {:?}",
                buffer.name,
                line.text
            );
        }
    }
}

#[tokio::test]
async fn after_a_restart_the_old_topic_is_not_shown() {
    let first = Server::start().await;
    let mut alice = Client::start(first.port, "alice");
    alice
        .until("alice in the lobby", |m| {
            m.buffer(LOBBY).is_some_and(|b| b.member("alice").is_some())
        })
        .await;
    alice.send(Message::new("TOPIC", [LOBBY, "yesterday's news"]));
    alice
        .until("the topic is set", |m| {
            m.buffer(LOBBY).and_then(|b| b.topic.as_deref()) == Some("yesterday's news")
        })
        .await;

    first.stop().await;
    alice
        .until("the link is lost", |m| {
            matches!(m.link, LinkState::Disconnected(_))
        })
        .await;

    // A new server without that topic; the app connects again and is
    // rejoined to the lobby, whose names end the rejoin.
    let second = Server::start().await;
    alice.reconnect(second.port);
    alice
        .until("alice back in the lobby", |m| {
            m.link == LinkState::Registered
                && m.buffer(LOBBY)
                    .is_some_and(|b| b.joined && b.member("alice").is_some())
        })
        .await;
    let lobby = alice.model.buffer(LOBBY).expect("lobby");
    assert_eq!(lobby.topic, None, "the server has no topic now");
    assert_eq!(lobby.member_count(), 1);
}
