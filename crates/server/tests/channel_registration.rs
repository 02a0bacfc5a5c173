//! Channels kept across restarts: the default channel's topic and modes
//! (with history on), and channels registered with ChanServ, whose
//! founder and operators get `@` by account.

mod common;

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::Path;

use ciao_server::{Config, HistoryConfig, OperCredential};
use common::accounts::PASSWORD;
use common::process::{self, Server};
use common::{TestClient, TestServer, numeric_of, test_config};

fn with_history(dir: &Path) -> Config {
    Config {
        history: Some(HistoryConfig::new(dir.to_owned())),
        opers: vec![OperCredential {
            name: "root".to_owned(),
            password: "secret".to_owned(),
        }],
        ..test_config()
    }
}

/// The NAMES of `channel` as `client` reads them (to the end of them).
async fn names(client: &mut TestClient, channel: &str) -> Vec<String> {
    client.send(&format!("NAMES {channel}")).await;
    let mut names = Vec::new();
    loop {
        let line = client.line().await;
        match numeric_of(&line) {
            Some("353") => names.extend(
                line.rsplit_once(" :")
                    .map_or("", |(_, list)| list)
                    .split(' ')
                    .map(str::to_owned),
            ),
            Some("366") => return names,
            _ => {}
        }
    }
}

/// The lines of `client`'s auto-join up to its NAMES' end.
async fn until_end_of_names(client: &mut TestClient) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = client.line().await;
        let end = numeric_of(&line) == Some("366");
        lines.push(line);
        if end {
            return lines;
        }
    }
}

#[tokio::test]
async fn the_default_channel_keeps_its_topic_and_modes_and_the_first_back_is_not_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    // The very first member of a channel that never existed runs it.
    let mut alice = TestClient::irc(server.addr, "alice").await;
    let joined = until_end_of_names(&mut alice).await;
    assert!(joined.iter().any(|l| l.ends_with(" :@alice")), "{joined:?}");
    alice.send("TOPIC #lobby :Welcome, be kind").await;
    alice.wait_contains(" TOPIC #lobby :Welcome").await;
    alice.send("MODE #lobby +ml 50").await;
    alice.wait_contains(" MODE #lobby +ml 50").await;
    alice.send("MODE #lobby +be spam!*@* friend!*@*").await;
    alice.wait_contains(" MODE #lobby +be").await;
    alice.send("MODE #lobby").await;
    let created = alice.wait_numeric("329").await;
    server.shutdown().await;
    alice.expect_eof().await;

    let server = TestServer::start(with_history(dir.path())).await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    let joined = until_end_of_names(&mut bob).await;
    let topic = joined
        .iter()
        .find(|l| numeric_of(l) == Some("332"))
        .expect("the topic on joining");
    assert!(topic.ends_with("#lobby :Welcome, be kind"), "{topic}");
    let who_time = joined
        .iter()
        .find(|l| numeric_of(l) == Some("333"))
        .expect("who set it");
    assert!(
        who_time.contains(" #lobby alice!~alice@127.0.0.1 "),
        "{who_time}"
    );
    assert!(
        joined.iter().any(|l| l.ends_with(" :bob")),
        "the first one back is not made operator: {joined:?}"
    );
    bob.send("MODE #lobby").await;
    let modes = bob.wait_numeric("324").await;
    assert!(modes.ends_with(" #lobby +mntl :50"), "{modes}");
    let created_again = bob.wait_numeric("329").await;
    assert_eq!(
        created_again.rsplit(' ').next(),
        created.rsplit(' ').next(),
        "the creation time is the channel's, not the restart's"
    );
    bob.send("MODE #lobby b").await;
    let ban = bob.wait_numeric("367").await;
    assert!(ban.contains(" #lobby spam!*@* alice!"), "{ban}");
    bob.wait_numeric("368").await;
    bob.send("TOPIC #lobby :mine now").await;
    bob.wait_numeric("482").await;

    // A second-comer is not made operator either, nor anyone once the
    // channel empties.
    let mut carol = TestClient::irc(server.addr, "carol").await;
    until_end_of_names(&mut carol).await;
    bob.send("PART #lobby").await;
    bob.wait_contains(" PART #lobby").await;
    carol.send("PART #lobby").await;
    carol.wait_contains(" PART #lobby").await;
    carol.join("#lobby").await;
    assert_eq!(names(&mut carol, "#lobby").await, ["carol"]);

    // An IRC operator joining the default channel gets `@`, from ChanServ.
    carol.send("OPER root secret").await;
    carol.wait_numeric("381").await;
    carol.send("PART #lobby").await;
    carol.wait_contains(" PART #lobby").await;
    carol.join("#lobby").await;
    carol
        .expect(":ChanServ!ChanServ@test.server MODE #lobby +o carol")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn other_channels_and_a_server_without_history_keep_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(with_history(dir.path())).await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    alice.join("#other").await;
    alice.send("TOPIC #other :gone with the restart").await;
    alice.wait_contains(" TOPIC #other").await;
    server.shutdown().await;
    alice.expect_eof().await;

    let server = TestServer::start(with_history(dir.path())).await;
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    bob.send("JOIN #other").await;
    let joined = until_end_of_names(&mut bob).await;
    assert!(
        !joined.iter().any(|l| numeric_of(l) == Some("332")),
        "{joined:?}"
    );
    assert!(joined.iter().any(|l| l.ends_with(" :@bob")), "{joined:?}");
    server.shutdown().await;

    // --no-history: the default channel is not kept either.
    let server = TestServer::start(test_config()).await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    alice.send("TOPIC #lobby :not kept").await;
    alice.wait_contains(" TOPIC #lobby").await;
    server.shutdown().await;
    alice.expect_eof().await;
    let server = TestServer::start(test_config()).await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    let joined = until_end_of_names(&mut bob).await;
    assert!(
        !joined.iter().any(|l| numeric_of(l) == Some("332")),
        "{joined:?}"
    );
    assert!(joined.iter().any(|l| l.ends_with(" :@bob")), "{joined:?}");
    server.shutdown().await;
}

/// Starts the binary on port 0 with history in `dir`.
fn start_process(dir: &Path) -> (Server, SocketAddr) {
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--no-tls",
        "--flood",
        "off",
        "--data-dir",
    ];
    process::start(args.iter().map(OsStr::new).chain([dir.as_os_str()]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_channel_survives_kill_9_of_the_server_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut server, addr) = start_process(dir.path());
    let mut alice = TestClient::irc_in_lobby(addr, "alice").await;
    let mut watcher = TestClient::irc_in_lobby(addr, "watcher").await;
    alice.send("TOPIC #lobby :kept through a crash").await;
    alice.send("MODE #lobby +s").await;
    // Entries are committed in order: once a later message is delivered
    // (it is only after its commit), the topic and modes are stored.
    alice.send("PRIVMSG #lobby :after the changes").await;
    watcher
        .wait_contains("PRIVMSG #lobby :after the changes")
        .await;
    server.0.kill().expect("kill -9");
    server.0.wait().expect("reaped");

    let (_server, addr) = start_process(dir.path());
    let mut bob = TestClient::irc(addr, "bob").await;
    let joined = until_end_of_names(&mut bob).await;
    assert!(
        joined
            .iter()
            .any(|l| numeric_of(l) == Some("332") && l.ends_with(":kept through a crash")),
        "{joined:?}"
    );
    assert!(
        joined.iter().any(|l| l.ends_with("@ #lobby :bob")),
        "secret, and bob is no operator: {joined:?}"
    );
}

#[tokio::test]
async fn chanserv_is_a_service_that_refuses_clearly() {
    let server = TestServer::start(test_config()).await;
    let mut alice = TestClient::irc_in_lobby(server.addr, "alice").await;
    alice.send("WHOIS ChanServ").await;
    let user = alice.wait_numeric("311").await;
    assert!(
        user.contains(" alice ChanServ ChanServ test.server * :"),
        "{user}"
    );
    alice.wait_numeric("313").await;
    alice.wait_numeric("318").await;
    alice.send("NICK chanserv").await;
    alice.wait_numeric("433").await;

    let from = ":ChanServ!ChanServ@test.server NOTICE alice :";
    alice.send("PRIVMSG ChanServ :REGISTER #lobby").await;
    alice
        .expect(&format!(
            "{from}You must be logged in to an account to register a channel."
        ))
        .await;
    alice.send("CS INFO #lobby").await;
    alice
        .expect(&format!("{from}#lobby is not registered."))
        .await;
    alice.send("CHANSERV OP #lobby").await;
    alice
        .expect(&format!(
            "{from}You must be logged in to an account to manage a registered channel."
        ))
        .await;
    alice.send("PRIVMSG ChanServ :FROB").await;
    alice
        .expect(&format!(
            "{from}Unknown command FROB. Send HELP for the list."
        ))
        .await;
    alice.send("PRIVMSG ChanServ :DROP").await;
    alice
        .expect(&format!("{from}Syntax: DROP <#channel>"))
        .await;
    // A NOTICE to a service is never answered.
    alice.send("NOTICE ChanServ :HELP").await;
    assert!(alice.sync().await.is_empty());
    server.shutdown().await;
}

/// `with_history` without auto-join: the registered channel is the only one.
fn registered_config(dir: &Path) -> Config {
    Config {
        default_channel: None,
        ..with_history(dir)
    }
}

const FROM_CHANSERV: &str = ":ChanServ!ChanServ@test.server NOTICE";

/// Sends `command` to ChanServ and returns the text of its answer.
async fn chanserv(client: &mut TestClient, command: &str) -> String {
    client.send(&format!("PRIVMSG ChanServ :{command}")).await;
    let line = client.wait_contains(FROM_CHANSERV).await;
    line.split_once(" :")
        .map_or("", |(_, text)| text)
        .to_owned()
}

#[tokio::test]
async fn a_registered_channel_keeps_its_state_and_gives_its_accounts_op_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(registered_config(dir.path())).await;
    let mut ann = TestClient::with_account(server.addr, "ann", PASSWORD).await;
    ann.join("#room").await;
    assert_eq!(
        chanserv(&mut ann, "REGISTER #room").await,
        "#room is now registered to your account ann: its topic, modes and bans are kept across restarts."
    );
    assert_eq!(
        chanserv(&mut ann, "REGISTER #room").await,
        "#room is already registered to ann."
    );
    let mut bob = TestClient::with_account(server.addr, "bob", PASSWORD).await;
    bob.join("#room").await;
    assert_eq!(
        chanserv(&mut ann, "ACCESS #room ADD bob op").await,
        "bob gets @ in #room from now on."
    );
    bob.expect(":ChanServ!ChanServ@test.server MODE #room +o bob")
        .await;
    ann.send("TOPIC #room :Registered and kept").await;
    ann.wait_contains(" TOPIC #room :Registered").await;
    ann.send("MODE #room +mb spam!*@*").await;
    ann.wait_contains(" MODE #room +mb spam!*@*").await;

    // Refusals, each a NOTICE saying why.
    let mut dave = TestClient::with_account(server.addr, "dave", PASSWORD).await;
    dave.join("#room").await;
    assert_eq!(
        chanserv(&mut dave, "OP #room").await,
        "Your account dave is not an operator of #room."
    );
    assert_eq!(
        chanserv(&mut dave, "DROP #room").await,
        "Only the founder of #room (ann) may do that."
    );
    assert_eq!(
        chanserv(&mut dave, "ACCESS #room ADD dave").await,
        "Only the founder of #room (ann) may do that."
    );
    bob.join("#free").await;
    dave.join("#free").await;
    assert_eq!(
        chanserv(&mut dave, "REGISTER #free").await,
        "You must be a channel operator of #free to register it."
    );
    let mut guest = TestClient::irc(server.addr, "guest").await;
    assert_eq!(
        chanserv(&mut guest, "REGISTER #free").await,
        "You must be logged in to an account to register a channel."
    );
    server.shutdown().await;
    for client in [&mut ann, &mut bob, &mut dave, &mut guest] {
        client.expect_eof().await;
    }

    let server = TestServer::start(registered_config(dir.path())).await;
    // The first one back, without the account, is not made operator.
    let mut guest = TestClient::irc(server.addr, "guest").await;
    guest.send("JOIN #room").await;
    let joined = until_end_of_names(&mut guest).await;
    assert!(
        joined
            .iter()
            .any(|l| numeric_of(l) == Some("332") && l.ends_with("#room :Registered and kept")),
        "{joined:?}"
    );
    assert!(joined.iter().any(|l| l.ends_with(" :guest")), "{joined:?}");
    guest.send("MODE #room").await;
    let modes = guest.wait_numeric("324").await;
    assert!(modes.ends_with(" #room :+mnt"), "{modes}");
    guest.send("MODE #room b").await;
    assert!(
        guest
            .wait_numeric("367")
            .await
            .contains(" #room spam!*@* ann!")
    );
    assert!(
        guest
            .sync()
            .await
            .iter()
            .any(|l| numeric_of(l) == Some("368"))
    );
    assert_eq!(
        chanserv(&mut guest, "INFO #room")
            .await
            .split(" since ")
            .next(),
        Some("#room is registered to ann")
    );
    assert_eq!(
        guest
            .wait_contains(FROM_CHANSERV)
            .await
            .rsplit_once(" :")
            .map(|(_, t)| t),
        Some("Operators: bob.")
    );

    // The founder and the operator, logged in again, get `@` on joining.
    let mut ann = TestClient::logged_in(server.addr, "ann", "ann", PASSWORD).await;
    ann.join("#room").await;
    ann.expect(":ChanServ!ChanServ@test.server MODE #room +o ann")
        .await;
    guest.expect(":ann!~ann@127.0.0.1 JOIN #room").await;
    guest
        .expect(":ChanServ!ChanServ@test.server MODE #room +o ann")
        .await;
    let mut bob = TestClient::logged_in(server.addr, "bob", "bob", PASSWORD).await;
    bob.join("#room").await;
    bob.expect(":ChanServ!ChanServ@test.server MODE #room +o bob")
        .await;
    // The operator gives `@` through ChanServ.
    assert_eq!(
        chanserv(&mut bob, "OP #room ghost").await,
        "No one is called ghost."
    );
    bob.send("PRIVMSG ChanServ :OP #room guest").await;
    guest.wait_contains(" JOIN #room").await;
    guest
        .wait_contains(":ChanServ!ChanServ@test.server MODE #room +o bob")
        .await;
    guest
        .expect(":ChanServ!ChanServ@test.server MODE #room +o guest")
        .await;

    // Dropped: no longer kept, and gone once empty.
    assert_eq!(
        chanserv(&mut ann, "DROP #room").await,
        "#room is no longer registered."
    );
    for client in [&mut ann, &mut bob, &mut guest] {
        client.send("PART #room").await;
        client.wait_contains(" PART #room").await;
    }
    server.shutdown().await;
    let server = TestServer::start(registered_config(dir.path())).await;
    let mut eve = TestClient::irc(server.addr, "eve").await;
    eve.send("JOIN #room").await;
    let joined = until_end_of_names(&mut eve).await;
    assert!(
        !joined.iter().any(|l| numeric_of(l) == Some("332")),
        "{joined:?}"
    );
    assert!(joined.iter().any(|l| l.ends_with(" :@eve")), "{joined:?}");
    server.shutdown().await;
}
