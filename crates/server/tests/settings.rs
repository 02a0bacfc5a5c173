//! Settings at the ends of their ranges still make a working server: the
//! smallest `--sendq` holds what registration queues at once with the
//! longest MOTD, and every MOTD line fits a 512-byte reply.

mod common;

use ciao_server::Config;
use ciao_server::config::{motd, ranges};
use common::{TestClient, TestServer, numeric_of, test_config};

/// The longest MOTD `--motd` accepts: every line as long as a reply
/// allows (longer ones are cut to this).
fn longest_motd(server_name: &str) -> Vec<String> {
    let line = "m".repeat(motd::line_budget(server_name));
    vec![line; motd::MAX_LINES]
}

#[tokio::test]
async fn the_smallest_sendq_holds_registration_with_the_longest_motd() {
    let config = test_config();
    let server = TestServer::start(Config {
        sendq_bytes: usize::try_from(ranges::SENDQ.min).expect("fits"),
        motd: longest_motd(&config.server_name),
        ..config
    })
    .await;
    // A bystander fills #lobby's NAMES a little, as a real server's would be.
    let mut bystander = TestClient::irc_in_lobby(server.addr, "bystander").await;
    let nick = "n".repeat(ciao_proto::names::NICK_LEN);
    let mut client = TestClient::connect(server.addr, "longest-nick").await;
    client.send(&format!("NICK {nick}")).await;
    client.send("USER u 0 * :Longest nick").await;
    // Everything up to the auto-join's end of NAMES arrives: nothing was
    // dropped for SendQ exceeded.
    let mut motd_lines = 0;
    loop {
        let line = client.line().await;
        assert!(!line.starts_with("ERROR"), "{line}");
        match numeric_of(&line) {
            Some("372") => {
                motd_lines += 1;
                assert!(line.len() <= 510, "a 372 reply of {} bytes", line.len());
            }
            Some("366") => break,
            _ => {}
        }
    }
    bystander.wait_contains(&format!("{nick}!")).await;
    // Sync proves the connection is still open and nothing else is queued.
    client.sync().await;
    assert_eq!(motd_lines, motd::MAX_LINES);
    server.shutdown().await;
}
