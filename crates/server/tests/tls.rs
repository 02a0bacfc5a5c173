//! TLS over real sockets: a client trusting the generated CA chats with
//! a plaintext one, is marked secure (+Z, WHOIS 671) and nobody else is;
//! openssl verifies the chain and cannot get TLS 1.1; a half-open
//! handshake is closed at its deadline while others get in.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ciao_server::Config;
use ciao_server::config::tls::{CA_FILE, CERT_FILE, Identity, KEY_FILE};
use common::tls::{connector_trusting, tls_irc, tls_server};
use common::{TestClient, TestServer, numeric_of, quiet_config, test_config};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

#[tokio::test]
async fn a_tls_client_and_a_plaintext_client_chat_in_one_channel() {
    let (dir, server) = tls_server(test_config()).await;
    let mut alice = tls_irc(&server, dir.path(), "alice").await;
    alice.wait_numeric("366").await;
    let mut bob = TestClient::irc_in_lobby(server.addr, "bob").await;
    alice.wait_contains("JOIN").await;

    alice.send("PRIVMSG #lobby :hello from TLS").await;
    let heard = bob.wait_contains("PRIVMSG #lobby").await;
    assert!(
        heard.starts_with(":alice!") && heard.ends_with(" PRIVMSG #lobby :hello from TLS"),
        "{heard}"
    );
    bob.send("PRIVMSG #lobby :hello in clear").await;
    assert!(
        alice
            .wait_contains("PRIVMSG #lobby")
            .await
            .ends_with(":hello in clear")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn only_the_tls_user_is_secure_in_whois_and_mode() {
    let (dir, server) = tls_server(test_config()).await;
    let mut alice = tls_irc(&server, dir.path(), "alice").await;
    let mut bob = TestClient::irc(server.addr, "bob").await;

    alice.send("MODE alice").await;
    assert_eq!(
        alice.wait_numeric("221").await,
        ":test.server 221 alice :+Z"
    );
    bob.send("MODE bob").await;
    assert_eq!(bob.wait_numeric("221").await, ":test.server 221 bob :+");
    // +Z is the connection's: asking to drop it changes nothing.
    alice.send("MODE alice -Z").await;
    alice.send("MODE alice").await;
    assert_eq!(
        alice.wait_numeric("221").await,
        ":test.server 221 alice :+Z"
    );

    for (nick, secure) in [("alice", true), ("bob", false)] {
        bob.send(&format!("WHOIS {nick}")).await;
        let mut lines = Vec::new();
        loop {
            let line = bob.line().await;
            let end = numeric_of(&line) == Some("318");
            lines.push(line);
            if end {
                break;
            }
        }
        let has_671 = lines.iter().any(|l| numeric_of(l) == Some("671"));
        assert_eq!(has_671, secure, "WHOIS {nick}: {lines:#?}");
        if secure {
            assert!(lines.contains(&format!(
                ":test.server 671 bob {nick} :is using a secure connection"
            )));
        }
    }
    server.shutdown().await;
}

/// `openssl s_client` with `args`; `None` (and a message) without openssl.
fn s_client(port: u16, ca: &Path, args: &[&str]) -> Option<std::process::Output> {
    let output = std::process::Command::new("openssl")
        .arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-CAfile")
        .arg(ca)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output();
    match output {
        Ok(output) => Some(output),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: openssl is not installed (.ci/run installs it)");
            None
        }
        Err(error) => panic!("openssl s_client: {error}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_verifies_the_generated_chain_and_cannot_use_tls_1_1() {
    let (dir, server) = tls_server(test_config()).await;
    let port = server.tls_addr.expect("TLS").port();
    let ca = dir.path().join(CA_FILE);

    let verify = {
        let ca = ca.clone();
        tokio::task::spawn_blocking(move || {
            s_client(
                port,
                &ca,
                &["-verify_return_error", "-verify_hostname", "localhost"],
            )
        })
    };
    let Some(output) = verify.await.expect("openssl") else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Verify return code: 0 (ok)"),
        "openssl did not verify: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for version in ["-tls1_2", "-tls1_3"] {
        let ca = ca.clone();
        let output = tokio::task::spawn_blocking(move || s_client(port, &ca, &[version]))
            .await
            .expect("openssl")
            .expect("openssl is there");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("Verify return code: 0 (ok)"),
            "{version}: {stdout}"
        );
    }

    // SECLEVEL=0 lets openssl's own side offer TLS 1.1, so the refusal
    // is the server's.
    let old = tokio::task::spawn_blocking(move || {
        s_client(port, &ca, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
    })
    .await
    .expect("openssl")
    .expect("openssl is there");
    let stdout = String::from_utf8_lossy(&old.stdout);
    assert!(!old.status.success(), "TLS 1.1 was accepted: {stdout}");
    // (openssl still prints "Verify return code: 0": there was nothing
    // to verify.)
    assert!(
        stdout.contains("no peer certificate available") && stdout.contains("Cipher is (NONE)"),
        "{stdout}"
    );
    server.shutdown().await;
}

/// Paused time: the 30 s deadline passes as soon as nothing else is
/// happening, and `Instant` tells when it did.
#[tokio::test(start_paused = true)]
async fn a_half_open_handshake_is_closed_at_its_deadline_while_others_get_in() {
    let config = Config {
        // Room for the half-open connection and one more: the third is
        // refused while the half-open one holds its slot.
        max_clients: 2,
        // Nobody here is a plain client: the grace period stays out of
        // the way of the 30 s being measured.
        plain_grace: Duration::from_secs(120),
        registration_timeout: Duration::from_secs(300),
        ..test_config()
    };
    assert_eq!(config.tls_handshake_timeout, Duration::from_secs(30));
    let (dir, server) = tls_server(config).await;
    let tls_addr = server.tls_addr.expect("TLS");
    let start = tokio::time::Instant::now();

    // TCP connected, no ClientHello.
    let mut half_open = TcpStream::connect(tls_addr).await.expect("connect");
    // A normal client gets in meanwhile.
    let mut bob = TestClient::irc(server.addr, "bob").await;
    bob.sync().await;
    // The half-open connection counts: the server is full.
    let mut third = TcpStream::connect(tls_addr).await.expect("connect");
    let mut byte = [0u8; 1];
    assert_eq!(third.read(&mut byte).await.unwrap_or(0), 0, "refused");
    assert!(start.elapsed() < Duration::from_secs(30));

    let read = tokio::time::timeout(Duration::from_secs(60), half_open.read(&mut byte))
        .await
        .expect("closed before 60 s");
    assert_eq!(read.unwrap_or(0), 0, "closed without a byte");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "closed after {waited:?}"
    );

    // Its slot is free again: a TLS client gets in, and bob is still here.
    let mut alice = tls_irc(&server, dir.path(), "alice").await;
    alice.send("PRIVMSG bob :still here?").await;
    bob.wait_contains("still here?").await;
    server.shutdown().await;
}

/// Far more than one TLS record and than the socket takes at once: every
/// line arrives, in order (records made but not yet written wait in
/// rustls and go out before anything else).
#[tokio::test]
async fn a_burst_larger_than_the_socket_arrives_whole_over_tls() {
    let (dir, server) = tls_server(test_config()).await;
    let mut alice = tls_irc(&server, dir.path(), "alice").await;
    let mut bob = TestClient::irc(server.addr, "bob").await;
    let body = "x".repeat(300);
    let burst: String = (0..2000)
        .map(|i| format!("PRIVMSG alice :{i} {body}\r\n"))
        .collect();
    bob.send_raw(burst.as_bytes()).await;
    for i in 0..2000 {
        let line = alice.wait_contains("PRIVMSG alice").await;
        assert!(line.ends_with(&format!(":{i} {body}")), "line {i}: {line}");
    }
    server.shutdown().await;
}

/// `ciao-server tls-fingerprint` generates the certificate on first use
/// (keys private), prints the same fingerprint every time, and it is the
/// certificate's the server then presents.
#[test]
fn the_binary_prints_the_fingerprint_of_the_certificate_it_generated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let print = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ciao-server"))
            .args(["--no-history", "--data-dir"])
            .arg(dir.path())
            .arg("tls-fingerprint")
            .output()
            .expect("run ciao-server");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let first = print();
    assert_eq!(print(), first, "the certificate is reused");
    let tls = dir.path().join(ciao_server::config::tls::GENERATED_DIR);
    let identity = Identity::load(
        &tls.join(ciao_server::config::tls::CERT_FILE),
        &tls.join(ciao_server::config::tls::KEY_FILE),
    )
    .expect("the generated files");
    let prints = identity.fingerprints();
    assert!(first.contains(&format!("tls_fingerprint   {}\n", prints.weechat())));
    assert!(first.contains(&format!("tls_pinned_cert   {}\n", prints.irssi_cert())));
    assert_eq!(prints.weechat().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tls.join(ciao_server::config::tls::KEY_FILE))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A server started on that folder keeps it (and does not regenerate).
    let (_server, _addr) = common::process::start(
        ["--listen", "127.0.0.1:0", "--no-history", "--data-dir"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([dir.path().as_os_str()]),
    );
    let again = print();
    assert_eq!(again, first);
}

/// The SHA-256 of the certificate a new TLS client is shown at `addr`
/// (lowercase hex), and the session, registered as `nick`. The client
/// trusts every CA in `cas`.
async fn presented(addr: SocketAddr, cas: &[&Path], nick: &str) -> (String, TestClient) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let stream = connector_trusting(cas)
        .connect(name, tcp)
        .await
        .expect("the handshake verifies");
    let leaf = stream
        .get_ref()
        .1
        .peer_certificates()
        .expect("a certificate")[0]
        .clone();
    (
        hex_sha256(leaf.as_ref()),
        TestClient::irc_over(stream, nick).await,
    )
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Asks the server process to reload its certificate.
fn hangup(server: &common::process::Server) {
    let status = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(server.0.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

/// SIGHUP re-reads `--tls-cert`/`--tls-key`: a broken file (or a key of
/// another certificate) keeps the old certificate and the log says so;
/// a good one is what the next client is shown, while a session
/// established before keeps chatting.
#[tokio::test]
async fn sighup_reloads_the_certificate_and_sessions_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    let (old_id, _) = Identity::generated(&old, "test.server", &[]).expect("old");
    let (new_id, _) = Identity::generated(&new, "test.server", &[]).expect("new");
    let (old_print, new_print) = (
        old_id.fingerprints().weechat(),
        new_id.fingerprints().weechat(),
    );
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let install = |from: &Path, cert_from: &str, key_from: &str| {
        std::fs::copy(from.join(cert_from), &cert).expect("copy the certificate");
        std::fs::copy(from.join(key_from), &key).expect("copy the key");
    };
    install(&old, CERT_FILE, KEY_FILE);
    let (server, mut log) = common::process::start_logged(
        ["--listen", "127.0.0.1:0", "--no-history", "--tls-cert"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([cert.as_os_str(), "--tls-key".as_ref(), key.as_os_str()]),
    );
    let plain = log.listening(false);
    let tls_addr = log.listening(true);
    let cas = [old.join(CA_FILE), new.join(CA_FILE)];
    let cas: Vec<&Path> = cas.iter().map(|p| p.as_path()).collect();

    let (seen, mut alice) = presented(tls_addr, &cas, "alice").await;
    assert_eq!(seen, old_print);

    // Not a certificate: the old one stays.
    std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nnot base64\n").expect("write");
    hangup(&server);
    let line = log.wait_for("cannot reload the TLS certificate, keeping the old one");
    assert!(line.contains(&cert.display().to_string()), "{line}");
    // The new certificate with the old key: refused too.
    install(&new, CERT_FILE, KEY_FILE);
    std::fs::copy(old.join(KEY_FILE), &key).expect("copy the old key");
    hangup(&server);
    log.wait_for("cannot reload the TLS certificate, keeping the old one");
    let (seen, mut bob) = presented(tls_addr, &cas, "bob").await;
    assert_eq!(seen, old_print, "a bad file keeps the old certificate");

    install(&new, CERT_FILE, KEY_FILE);
    hangup(&server);
    let line = log.wait_for("TLS certificate reloaded");
    assert!(line.contains(&new_print), "{line}");
    let (seen, mut carol) = presented(tls_addr, &cas, "carol").await;
    assert_eq!(seen, new_print, "a new client is shown the new certificate");

    // Sessions from before the reloads chat with the one after.
    alice.send("PRIVMSG carol :from before the reload").await;
    carol.wait_contains(":from before the reload").await;
    carol.send("PRIVMSG alice :and back").await;
    alice.wait_contains(":and back").await;
    bob.send("PRIVMSG alice :still here").await;
    alice.wait_contains(":still here").await;
    // The plaintext listener is untouched.
    let mut dave = TestClient::irc(plain, "dave").await;
    dave.send("PRIVMSG alice :in clear").await;
    alice.wait_contains(":in clear").await;
    drop(server);
}

/// A self-signed client certificate (what IRC clients make) and its
/// SHA-256 in lowercase hex.
fn client_cert() -> (CertificateDer<'static>, PrivateKeyDer<'static>, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let cert = rcgen::CertificateParams::new(vec!["alice".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let print = hex_sha256(cert.der());
    let key = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    (cert.der().clone(), key, print)
}

/// A TLS client (trusting the CA in `dir`) presenting `cert`, over
/// `version` only.
async fn tls_irc_with_cert(
    server: &TestServer,
    dir: &Path,
    nick: &str,
    cert: (CertificateDer<'static>, PrivateKeyDer<'static>),
    version: &'static rustls::SupportedProtocolVersion,
) -> TestClient {
    let stream = tls_stream_with_cert(server, dir, cert, version).await;
    TestClient::irc_over(stream, nick).await
}

/// A TLS connection presenting `cert`, not yet registered.
async fn tls_stream_with_cert(
    server: &TestServer,
    dir: &Path,
    cert: (CertificateDer<'static>, PrivateKeyDer<'static>),
    version: &'static rustls::SupportedProtocolVersion,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(dir.join(CA_FILE)).expect("ca.pem") {
        roots.add(ca.expect("a certificate")).expect("a usable CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .expect("versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![cert.0], cert.1)
        .expect("client certificate");
    let tcp = TcpStream::connect(server.tls_addr.expect("TLS"))
        .await
        .expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("the handshake with a client certificate")
}

/// SASL EXTERNAL end to end: a certificate added to an account with
/// `NickServ CERT ADD` logs in to it on a later connection (in the burst
/// with `CAP END`, so the reserved nick is kept); another certificate
/// logs in to nothing.
#[tokio::test]
async fn sasl_external_logs_in_with_a_registered_client_certificate() {
    let (dir, server) = tls_server(quiet_config()).await;
    let (cert, key, print) = client_cert();
    let mut alice = tls_irc_with_cert(
        &server,
        dir.path(),
        "alice",
        (cert.clone(), key.clone_key()),
        &rustls::version::TLS13,
    )
    .await;
    alice.send("REGISTER * * :a long enough password").await;
    alice.wait_contains("REGISTER SUCCESS alice").await;
    alice.send("PRIVMSG NickServ :CERT ADD").await;
    let added = alice.wait_contains("NOTICE").await;
    assert!(added.contains(&print), "{added}");
    alice.send("QUIT").await;
    alice.expect_eof().await;

    let burst = "CAP LS 302\r\nCAP REQ :sasl\r\nNICK alice\r\nUSER a 0 * :A\r\n\
                 AUTHENTICATE EXTERNAL\r\nAUTHENTICATE +\r\nCAP END\r\n";
    let stream =
        tls_stream_with_cert(&server, dir.path(), (cert, key), &rustls::version::TLS13).await;
    let mut again = TestClient::from_io(stream, "alice-again");
    again.send_raw(burst.as_bytes()).await;
    let logged_in = again.wait_numeric("900").await;
    assert!(
        logged_in.contains(" alice :You are now logged in as alice"),
        "{logged_in}"
    );
    again.wait_numeric("903").await;
    assert!(again.wait_numeric("001").await.contains(" 001 alice "));

    let (other, other_key, _) = client_cert();
    let stream = tls_stream_with_cert(
        &server,
        dir.path(),
        (other, other_key),
        &rustls::version::TLS13,
    )
    .await;
    let mut stranger = TestClient::from_io(stream, "stranger");
    stranger.send("CAP LS 302").await;
    stranger.send("AUTHENTICATE EXTERNAL").await;
    stranger.wait_contains("AUTHENTICATE +").await;
    stranger.send("AUTHENTICATE +").await;
    assert!(
        stranger
            .wait_numeric("904")
            .await
            .contains("no account has this client certificate")
    );
    server.shutdown().await;
}

/// The WHOIS reply `asker` gets for `nick`, up to 318.
async fn whois(asker: &mut TestClient, nick: &str) -> Vec<String> {
    asker.send(&format!("WHOIS {nick}")).await;
    let mut lines = Vec::new();
    loop {
        let line = asker.line().await;
        let end = numeric_of(&line) == Some("318");
        lines.push(line);
        if end {
            return lines;
        }
    }
}

fn cert_line(lines: &[String]) -> Option<&String> {
    lines.iter().find(|l| numeric_of(l) == Some("276"))
}

/// Any client certificate is accepted (self-signed, over TLS 1.3 and
/// 1.2) and its fingerprint is in WHOIS 276, shown to its owner and to
/// operators only; a client without one gets in too.
#[tokio::test]
async fn a_client_certificate_is_accepted_and_its_fingerprint_shown_to_owner_and_opers() {
    let config = Config {
        opers: vec!["admin:secret".parse().expect("oper")],
        ..test_config()
    };
    let (dir, server) = tls_server(config).await;
    let (cert, key, print) = client_cert();
    let mut alice = tls_irc_with_cert(
        &server,
        dir.path(),
        "alice",
        (cert, key),
        &rustls::version::TLS13,
    )
    .await;
    let (cert12, key12, print12) = client_cert();
    let mut carol = tls_irc_with_cert(
        &server,
        dir.path(),
        "carol",
        (cert12, key12),
        &rustls::version::TLS12,
    )
    .await;
    // No certificate, over TLS and in clear.
    let mut bob = tls_irc(&server, dir.path(), "bob").await;
    let mut dave = TestClient::irc(server.addr, "dave").await;

    let own = whois(&mut alice, "alice").await;
    assert_eq!(
        cert_line(&own).map(String::as_str),
        Some(
            format!(":test.server 276 alice alice :has client certificate fingerprint {print}")
                .as_str()
        ),
        "{own:#?}"
    );
    let own = whois(&mut carol, "carol").await;
    assert!(
        cert_line(&own).is_some_and(|l| l.ends_with(&format!(" {print12}"))),
        "{own:#?}"
    );
    // Not to others.
    let others = whois(&mut bob, "alice").await;
    assert_eq!(cert_line(&others), None, "{others:#?}");
    assert!(others.iter().any(|l| numeric_of(l) == Some("671")));
    // Nobody has one to show for bob or dave.
    for nick in ["bob", "dave"] {
        let lines = whois(&mut alice, nick).await;
        assert_eq!(cert_line(&lines), None, "{lines:#?}");
    }
    // An operator sees it.
    dave.send("OPER admin secret").await;
    dave.wait_numeric("381").await;
    let lines = whois(&mut dave, "alice").await;
    assert!(
        cert_line(&lines).is_some_and(|l| l.ends_with(&format!(" {print}"))),
        "{lines:#?}"
    );
    server.shutdown().await;
}
