//! Logging in against scripted servers on 127.0.0.1:0: a correct PLAIN
//! login gets in; a wrong password, an oversized or garbage
//! AUTHENTICATE, a SCRAM challenge asking for a billion iterations, a
//! forged server signature and a server that never answers each end the
//! connection promptly with a sentence saying why, and nothing panics.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ciao_client::connection::Account;
use ciao_client::{Settings, Update, Updates, connect};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const WAIT: Duration = Duration::from_secs(20);

/// What the scripted server answers to one client line.
type Script = fn(&str) -> Vec<String>;

/// A server that answers each line with `script`; the lines it got.
async fn scripted(script: Script) -> (u16, Arc<Mutex<Vec<String>>>) {
    let (port, heard, _lines) = scripted_live(script).await;
    (port, heard)
}

/// [`scripted`], with each line it gets also sent as it comes.
async fn scripted_live(
    script: Script,
) -> (
    u16,
    Arc<Mutex<Vec<String>>>,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let (tell, told) = tokio::sync::mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = heard.clone();
    tokio::spawn(async move {
        let Ok((socket, _)) = listener.accept().await else {
            return;
        };
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            log.lock().expect("log").push(line.clone());
            let _ = tell.send(line.clone());
            for answer in script(&line) {
                if write
                    .write_all(format!("{answer}\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    });
    (port, heard, told)
}

/// The usual part of a script: the listing with `sasl=<mechs>`, ACK.
fn caps(line: &str, mechanisms: &str) -> Option<Vec<String>> {
    if line == "CAP LS 302" {
        return Some(vec![format!(
            ":srv CAP * LS :sasl={mechanisms} server-time"
        )]);
    }
    if line.starts_with("CAP REQ") {
        let asked = line.split_once(':').map_or("", |(_, caps)| caps);
        return Some(vec![format!(":srv CAP * ACK :{asked}")]);
    }
    None
}

fn welcome(line: &str) -> Vec<String> {
    if line == "CAP END" {
        vec![":srv 001 alice :Welcome".to_owned()]
    } else {
        Vec::new()
    }
}

/// Connects as alice with a login; every update until the end.
async fn log_in(port: u16) -> Vec<Update> {
    let mut settings = Settings::new("127.0.0.1", port, "alice");
    settings.login = Some(Account {
        name: "alice".to_owned(),
        password: "pencil".to_owned(),
    });
    settings.registration_timeout = Duration::from_secs(3);
    let (_handle, mut updates) = connect(
        &tokio::runtime::Handle::current(),
        settings,
        Arc::new(|| {}),
    );
    until_end(&mut updates).await
}

async fn until_end(updates: &mut Updates) -> Vec<Update> {
    let mut seen = Vec::new();
    tokio::time::timeout(WAIT, async {
        while let Some(update) = updates.recv().await {
            let end = matches!(
                update,
                Update::Refused(_) | Update::Registered { .. } | Update::Disconnected(_)
            );
            seen.push(update);
            if end {
                return;
            }
        }
    })
    .await
    .expect("the connection came to an end");
    seen
}

fn refusal(updates: &[Update]) -> String {
    match updates.last() {
        Some(Update::Refused(why)) => why.clone(),
        other => panic!("not refused: {other:?}"),
    }
}

/// The nonce of a SCRAM client-first line (`AUTHENTICATE <base64>`).
fn client_nonce(line: &str) -> Option<String> {
    let payload = BASE64.decode(line.strip_prefix("AUTHENTICATE ")?).ok()?;
    let text = String::from_utf8(payload).ok()?;
    text.strip_prefix("n,,n=alice,r=").map(str::to_owned)
}

/// A SCRAM script that answers the client-first with `challenge(nonce)`.
fn scram_then(line: &str, challenge: fn(&str) -> String) -> Vec<String> {
    if let Some(answer) = caps(line, "PLAIN,SCRAM-SHA-256") {
        return answer;
    }
    if line == "AUTHENTICATE SCRAM-SHA-256" {
        return vec!["AUTHENTICATE +".to_owned()];
    }
    match client_nonce(line) {
        Some(nonce) => vec![format!("AUTHENTICATE {}", challenge(&nonce))],
        None => Vec::new(),
    }
}

#[tokio::test]
async fn plain_over_loopback_logs_in() {
    let (port, heard) = scripted(|line| {
        if let Some(answer) = caps(line, "PLAIN") {
            return answer;
        }
        match line {
            "AUTHENTICATE PLAIN" => vec!["AUTHENTICATE +".to_owned()],
            line if line.starts_with("AUTHENTICATE ") => vec![
                ":srv 900 alice alice!u@h alice :You are now logged in as alice".to_owned(),
                ":srv 903 alice :SASL authentication successful".to_owned(),
            ],
            line => welcome(line),
        }
    })
    .await;
    let updates = log_in(port).await;
    assert!(
        matches!(updates.last(), Some(Update::Registered { .. })),
        "{updates:?}"
    );
    let heard = heard.lock().expect("log").clone();
    let payload = BASE64.encode("alice\0alice\0pencil");
    assert!(
        heard.contains(&format!("AUTHENTICATE {payload}")),
        "{heard:?}"
    );
    // CAP END only after the login.
    let end = heard.iter().position(|l| l == "CAP END").expect("CAP END");
    let auth = heard
        .iter()
        .position(|l| l == "AUTHENTICATE PLAIN")
        .expect("auth");
    assert!(auth < end);
    assert!(
        heard
            .iter()
            .any(|l| l.starts_with("CAP REQ") && l.contains("sasl"))
    );
}

#[tokio::test]
async fn a_wrong_password_says_so() {
    let (port, _) = scripted(|line| {
        if let Some(answer) = caps(line, "PLAIN") {
            return answer;
        }
        match line {
            "AUTHENTICATE PLAIN" => vec!["AUTHENTICATE +".to_owned()],
            line if line.starts_with("AUTHENTICATE ") => {
                vec![":srv 904 alice :SASL authentication failed".to_owned()]
            }
            _ => Vec::new(),
        }
    })
    .await;
    let why = refusal(&log_in(port).await);
    assert!(why.contains("wrong account name or password"), "{why}");
    assert!(why.contains("SASL authentication failed"), "{why}");
}

#[tokio::test]
async fn a_billion_iterations_are_refused_at_once() {
    let (port, _, mut lines) = scripted_live(|line| {
        scram_then(line, |nonce| {
            BASE64.encode(format!("r={nonce}srv,s=QSXCR+Q6sek8bf92,i=1000000000"))
        })
    })
    .await;
    let started = Instant::now();
    let why = refusal(&log_in(port).await);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(why.contains("1000000000 SCRAM iterations"), "{why}");
    // The server is told the login is off.
    tokio::time::timeout(WAIT, async {
        loop {
            match lines.recv().await.as_deref() {
                Some("AUTHENTICATE *") => return,
                Some(_) => {}
                None => panic!("the connection closed without AUTHENTICATE *"),
            }
        }
    })
    .await
    .expect("AUTHENTICATE * reached the server");
}

#[tokio::test]
async fn a_forged_server_signature_is_an_error() {
    let (port, _) = scripted(|line| {
        if let Some(answer) = scram_then(line, |nonce| {
            BASE64.encode(format!("r={nonce}srv,s=QSXCR+Q6sek8bf92,i=4096"))
        })
        .into_iter()
        .next()
        {
            return vec![answer];
        }
        // The client-final: answered with somebody else's signature.
        if line.starts_with("AUTHENTICATE ") && line != "AUTHENTICATE *" {
            let forged = BASE64.encode(format!("v={}", BASE64.encode([0u8; 32])));
            return vec![format!("AUTHENTICATE {forged}")];
        }
        Vec::new()
    })
    .await;
    let why = refusal(&log_in(port).await);
    assert!(why.contains("signature is wrong"), "{why}");
}

#[tokio::test]
async fn oversized_and_garbage_authenticate_lines_end_the_login() {
    let (port, _) = scripted(|line| scram_then(line, |_| "A".repeat(500))).await;
    let why = refusal(&log_in(port).await);
    assert!(why.contains("longer than 400 bytes"), "{why}");

    let (port, _) = scripted(|line| scram_then(line, |_| "!!!not base64!!!".to_owned())).await;
    let why = refusal(&log_in(port).await);
    assert!(why.contains("not base64"), "{why}");
}

#[tokio::test]
async fn a_server_that_never_answers_the_login_is_given_up() {
    let (port, _) = scripted(|line| caps(line, "SCRAM-SHA-256").unwrap_or_default()).await;
    let why = refusal(&log_in(port).await);
    assert!(why.contains("did not let us in within 3 s"), "{why}");
}

#[tokio::test]
async fn a_server_without_sasl_is_not_joined_as_a_guest() {
    let (port, heard) = scripted(|line| match line {
        "CAP LS 302" => vec![":srv CAP * LS :server-time".to_owned()],
        line => welcome(line),
    })
    .await;
    let why = refusal(&log_in(port).await);
    assert!(why.contains("does not offer logging in (SASL)"), "{why}");
    assert!(!heard.lock().expect("log").iter().any(|l| l == "CAP END"));
}
