//! Two well-behaved clients who must keep chatting while a test does its
//! worst to the server.

use super::{TestClient, TestServer, rss_kib};

/// Two well-behaved clients in #lobby: `talker` says numbered lines and
/// `listener` must get every one of them, in order, while something else
/// goes on.
pub struct Bystanders {
    pub talker: TestClient,
    pub listener: TestClient,
    next: usize,
    /// This process's memory (the server runs in it) when they joined.
    rss_at_start: u64,
}

impl Bystanders {
    pub async fn join(server: &TestServer) -> Self {
        let talker = TestClient::irc_in_lobby(server.addr, "talker").await;
        let mut listener = TestClient::irc_in_lobby(server.addr, "listener").await;
        listener.sync().await;
        Bystanders {
            talker,
            listener,
            next: 0,
            rss_at_start: rss_kib(),
        }
    }

    /// Says `count` lines and checks the listener gets each, in order.
    pub async fn still_chatting(&mut self, count: usize) {
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
        // Whatever the hostile client did, it did not make the server
        // hold on to memory: the bound is far below what any of these
        // attacks would cost if it were buffered.
        let grown = rss_kib().saturating_sub(self.rss_at_start);
        assert!(grown < 32 * 1024, "memory grew by {grown} KiB");
    }
}
