//! STS (IRCv3 Strict Transport Security) over real sockets: off by
//! default; when on, `CAP LS 302` says `sts=port=…` in clear and
//! `sts=duration=…` over TLS; it cannot be requested; and the binary
//! refuses it with the generated certificate.

mod common;

use std::time::Duration;

use ciao_server::Config;
use ciao_server::config::tls::StsPolicy;
use common::tls::{tls_connect, tls_server};
use common::{TestClient, test_config};

/// The `CAP LS` reply `client` gets (`version`: `302` or nothing), as
/// its list of capabilities.
async fn cap_ls(client: &mut TestClient, version: &str) -> Vec<String> {
    client.send(format!("CAP LS {version}").trim_end()).await;
    let line = client.wait_contains(" CAP * LS ").await;
    let list = line.split_once(" LS :").map_or("", |(_, list)| list);
    list.split(' ').map(str::to_owned).collect()
}

fn sts_of(caps: &[String]) -> Option<&str> {
    caps.iter()
        .find(|cap| *cap == "sts" || cap.starts_with("sts="))
        .map(String::as_str)
}

fn with_sts(preload: bool) -> Config {
    Config {
        sts: Some(StsPolicy {
            port: 6697,
            duration: Duration::from_secs(86_400),
            preload,
        }),
        ..test_config()
    }
}

#[tokio::test]
async fn sts_sends_plaintext_clients_to_the_port_and_tells_tls_ones_how_long() {
    let (dir, server) = tls_server(with_sts(true)).await;
    let mut clear = TestClient::connect(server.addr, "clear").await;
    let caps = cap_ls(&mut clear, "302").await;
    assert_eq!(sts_of(&caps), Some("sts=port=6697"), "{caps:?}");
    // Nothing to request: clients only read it.
    clear.send("CAP REQ :sts").await;
    let nak = clear.wait_contains(" CAP * ").await;
    assert!(
        nak.ends_with(" CAP * NAK sts") || nak.ends_with(" CAP * NAK :sts"),
        "{nak}"
    );

    let mut secure = TestClient::from_io(tls_connect(&server, dir.path()).await, "secure");
    let caps = cap_ls(&mut secure, "302").await;
    assert_eq!(
        sts_of(&caps),
        Some("sts=duration=86400,preload"),
        "{caps:?}"
    );

    // Without 302 there are no values, and STS is nothing without one.
    let mut old = TestClient::connect(server.addr, "old").await;
    let caps = cap_ls(&mut old, "").await;
    assert_eq!(sts_of(&caps), None, "{caps:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn sts_is_off_by_default() {
    let (dir, server) = tls_server(test_config()).await;
    let mut clear = TestClient::connect(server.addr, "clear").await;
    assert_eq!(sts_of(&cap_ls(&mut clear, "302").await), None);
    let mut secure = TestClient::from_io(tls_connect(&server, dir.path()).await, "secure");
    assert_eq!(sts_of(&cap_ls(&mut secure, "302").await), None);
    server.shutdown().await;
}

#[test]
fn the_binary_refuses_sts_with_the_generated_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ciao-server"))
        .args(["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0"])
        .args(["--no-history", "--sts", "--sts-port", "6697", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run ciao-server");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--sts needs a certificate clients can verify"),
        "{stderr}"
    );
    // Refused before anything was made.
    assert!(!dir.path().join("tls").exists());
}
