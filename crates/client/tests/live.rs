//! ciao-client against the real ciao-server, in-process, on 127.0.0.1:0.

mod support;

use std::time::Duration;

use ciao_client::model::LinkState;
use ciao_client::{Action, LineKind, Settings};
use support::{Client, Server};

/// What only these tests ask of a client.
impl Client {
    /// Waits for the connection to fail and returns the reason shown.
    async fn failure(&mut self) -> String {
        self.until("failure", |m| matches!(m.link, LinkState::Disconnected(_)))
            .await;
        match &self.model.link {
            LinkState::Disconnected(reason) => reason.clone(),
            other => panic!("not disconnected: {other:?}"),
        }
    }

    fn lobby_has(&self, nick: &str) -> bool {
        self.model
            .buffer("#lobby")
            .is_some_and(|b| b.member(nick).is_some())
    }

    fn last_in(&self, buffer: &str) -> Option<(Option<String>, String, LineKind)> {
        let line = self.model.buffer(buffer)?.lines.last()?;
        Some((line.sender.clone(), line.text.clone(), line.kind))
    }
}

#[tokio::test]
async fn two_clients_meet_talk_rename_and_leave() {
    let server = Server::start().await;
    let mut ann = Client::start(server.port, "ann");
    ann.until("ann registered in #lobby", |m| {
        m.link == LinkState::Registered && m.active_buffer().name == "#lobby"
    })
    .await;
    let mut ben = Client::start(server.port, "ben");
    ben.until("ben sees ann in #lobby", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("ann").is_some())
    })
    .await;
    ann.until("ann sees ben join", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("ben").is_some())
    })
    .await;
    assert!(ann.lobby_has("ben") && ben.lobby_has("ann"));
    assert_eq!(
        ann.model
            .buffer("#lobby")
            .expect("lobby")
            .member("ann")
            .expect("ann")
            .prefix,
        "@",
        "the first member is operator"
    );

    // Messages both ways; the server echoes (echo-message) with its time.
    ann.act(Action::Say("hello ben".into()));
    ben.until("ben gets ann's message", |m| {
        m.buffer("#lobby")
            .and_then(|b| b.lines.last())
            .is_some_and(|l| l.text == "hello ben")
    })
    .await;
    assert_eq!(
        ben.last_in("#lobby"),
        Some((Some("ann".into()), "hello ben".into(), LineKind::Message))
    );
    ann.until("ann's own message is echoed", |m| {
        m.buffer("#lobby")
            .and_then(|b| b.lines.last())
            .is_some_and(|l| l.text == "hello ben")
    })
    .await;
    assert!(ann.model.echo_message);

    ben.act(Action::Act("waves".into()));
    ann.until("ann sees the action", |m| {
        m.buffer("#lobby")
            .and_then(|b| b.lines.last())
            .is_some_and(|l| l.kind == LineKind::Action && l.text == "waves")
    })
    .await;

    // A nick change is seen by both, member lists follow.
    ben.act(Action::Nick("benny".into()));
    ann.until("ann sees benny", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("benny").is_some() && b.member("ben").is_none())
    })
    .await;
    ben.until("ben is benny", |m| m.own_nick == "benny").await;

    // A private message opens a query on the other side.
    ann.act(Action::Msg {
        target: "benny".into(),
        text: "just us".into(),
    });
    ben.until("ben gets a query", |m| {
        m.buffer("ann")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "just us"))
    })
    .await;

    // One quits: the other sees it and the member list shrinks.
    ben.act(Action::Quit(Some("bye all".into())));
    ben.until("ben disconnected", |m| {
        matches!(m.link, LinkState::Disconnected(_))
    })
    .await;
    ann.until("ann sees benny quit", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("benny").is_none())
    })
    .await;
    assert_eq!(
        ann.last_in("#lobby").map(|l| (l.1, l.2)),
        Some(("benny quit (Quit: bye all)".into(), LineKind::Quit))
    );
}

#[tokio::test]
async fn a_taken_nick_gets_an_alternative() {
    let server = Server::start().await;
    let mut first = Client::start(server.port, "same");
    first
        .until("registered", |m| m.link == LinkState::Registered)
        .await;
    let mut second = Client::start(server.port, "same");
    second
        .until("registered", |m| m.link == LinkState::Registered)
        .await;
    assert_eq!(second.model.own_nick, "same_");
}

#[tokio::test]
async fn refused_and_empty_addresses_are_explained() {
    // A port nobody listens on: bind one, then free it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut client = Client::start(port, "x");
    assert_eq!(
        client.failure().await,
        format!("Could not connect to 127.0.0.1:{port}: connection refused")
    );

    let mut empty = Client::start_with(Settings::new("  ", 6667, "x"));
    assert_eq!(
        empty.failure().await,
        "The server address may not be empty."
    );
}

#[tokio::test]
async fn server_shutdown_reason_reaches_the_model() {
    let mut server = Server::start().await;
    let mut client = Client::start(server.port, "stayer");
    client
        .until("in lobby", |m| m.active_buffer().name == "#lobby")
        .await;
    server.shut_down();
    client
        .until("disconnected", |m| {
            matches!(m.link, LinkState::Disconnected(_))
        })
        .await;
    assert_eq!(
        client.model.link,
        LinkState::Disconnected(
            "The server closed the connection: Closing link: The server is shutting down. Goodbye!"
                .into()
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_a_clear_message() {
    // A listener that never accepts, its backlog filled: further SYNs are
    // dropped, so connecting hangs — all on loopback.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(0).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            fillers.push(stream);
        }
    }
    let mut settings = Settings::new("127.0.0.1", addr.port(), "x");
    settings.connect_timeout = Duration::from_millis(300);
    let mut client = Client::start_with(settings);
    assert_eq!(
        client.failure().await,
        format!(
            "Could not connect to 127.0.0.1:{}: timed out after 0.3 s",
            addr.port()
        )
    );
    drop(listener);
}
