//! Hostile clients: limits hold, and well-behaved clients in the same
//! channel keep receiving every message, in order.

mod common;

use ciao_server::Config;
use common::{TestClient, TestServer, test_config};

/// Two well-behaved clients in #lobby: `talker` says numbered lines and
/// `listener` must get every one of them, in order, while something else
/// goes on.
struct Bystanders {
    talker: TestClient,
    listener: TestClient,
    next: usize,
}

impl Bystanders {
    async fn join(server: &TestServer) -> Self {
        let talker = TestClient::irc_in_lobby(server.addr, "talker").await;
        let mut listener = TestClient::irc_in_lobby(server.addr, "listener").await;
        listener.sync().await;
        Bystanders {
            talker,
            listener,
            next: 0,
        }
    }

    /// Says `count` lines and checks the listener gets each, in order.
    async fn still_chatting(&mut self, count: usize) {
        for _ in 0..count {
            self.talker
                .send(&format!("PRIVMSG #lobby :line {}", self.next))
                .await;
            let want = format!("PRIVMSG #lobby :line {}", self.next);
            let got = self
                .listener
                .wait_for(&want, |l| l.contains("PRIVMSG #lobby :line"))
                .await;
            assert!(
                got.ends_with(&want),
                "in order: wanted {want:?}, got {got:?}"
            );
            self.next += 1;
        }
    }
}

#[tokio::test]
async fn connections_past_the_per_address_limit_are_refused_with_a_reason() {
    let server = TestServer::start(Config {
        max_per_ip: 3,
        limit_loopback: true,
        ..test_config()
    })
    .await;
    let mut bystanders = Bystanders::join(&server).await;
    let third = TestClient::irc(server.addr, "third").await;
    let mut extra = TestClient::connect(server.addr, "extra").await;
    assert_eq!(
        extra.expect_eof().await,
        ["ERROR :Closing link: Too many connections from your address (the limit is 3)"]
    );
    bystanders.still_chatting(5).await;
    // A place frees up when someone leaves.
    drop(third);
    bystanders.talker.wait_contains("QUIT").await;
    let _again = TestClient::irc(server.addr, "again").await;
    server.shutdown().await;
}
