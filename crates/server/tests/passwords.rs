//! `plaintext-passwords` over real sockets: `deny` refuses PASS and OPER
//! in clear, saying why, and takes them over TLS; `loopback` (the
//! default) takes them in clear from 127.0.0.1. (A non-loopback source
//! is not available here: the rule for one is unit-tested in
//! commands/secrets.rs.)

mod common;

use ciao_server::Config;
use ciao_server::config::PlaintextPasswords;
use common::tls::{tls_connect, tls_irc, tls_server};
use common::{TestClient, numeric_of, test_config};

const REFUSED: &str = "Passwords are not accepted over plaintext: connect with TLS";

fn config(policy: PlaintextPasswords) -> Config {
    Config {
        password: Some("letmein".to_owned()),
        opers: vec!["admin:secret".parse().expect("oper")],
        plaintext_passwords: policy,
        ..test_config()
    }
}

#[tokio::test]
async fn deny_refuses_pass_in_clear_saying_why_and_takes_it_over_tls() {
    let (dir, server) = tls_server(config(PlaintextPasswords::Deny)).await;

    let mut clear = TestClient::connect(server.addr, "clear").await;
    clear.send("PASS letmein").await;
    clear.send("NICK clear").await;
    clear.send("USER clear 0 * :clear").await;
    assert_eq!(
        clear.wait_numeric("464").await,
        format!(":test.server 464 * :{REFUSED}")
    );
    // The password was not taken: registration fails, and nobody is let in.
    let rest = clear.expect_eof().await;
    assert!(
        rest.iter().all(|l| numeric_of(l) != Some("001")),
        "{rest:#?}"
    );

    let mut secure = TestClient::from_io(tls_connect(&server, dir.path()).await, "secure");
    secure.send("PASS letmein").await;
    secure.send("NICK secure").await;
    secure.send("USER secure 0 * :secure").await;
    secure.wait_numeric("001").await;
    server.shutdown().await;
}

#[tokio::test]
async fn deny_refuses_oper_in_clear_without_checking_it_and_takes_it_over_tls() {
    let config = Config {
        password: None,
        ..config(PlaintextPasswords::Deny)
    };
    let (dir, server) = tls_server(config).await;
    let mut clear = TestClient::irc(server.addr, "clear").await;
    clear.send("OPER admin secret").await;
    assert_eq!(
        clear.wait_numeric("491").await,
        format!(":test.server 491 clear :{REFUSED}")
    );
    // Wrong credentials get the same answer: nothing is learnt in clear.
    clear.send("OPER admin wrong").await;
    assert!(clear.wait_numeric("491").await.ends_with(REFUSED));
    clear.send("MODE clear").await;
    assert_eq!(clear.wait_numeric("221").await, ":test.server 221 clear :+");

    let mut secure = tls_irc(&server, dir.path(), "secure").await;
    secure.send("OPER admin secret").await;
    secure.wait_numeric("381").await;
    server.shutdown().await;
}

#[tokio::test]
async fn loopback_takes_pass_and_oper_in_clear_from_this_machine() {
    let (_dir, server) = tls_server(config(PlaintextPasswords::default())).await;
    let mut local = TestClient::connect(server.addr, "local").await;
    local.send("PASS letmein").await;
    local.send("NICK local").await;
    local.send("USER local 0 * :local").await;
    local.wait_numeric("001").await;
    local.send("OPER admin secret").await;
    local.wait_numeric("381").await;
    server.shutdown().await;
}
