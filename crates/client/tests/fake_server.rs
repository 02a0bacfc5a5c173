//! The real connection task and model against a fake server on
//! 127.0.0.1:0 that sends what no good server would: malformed lines,
//! lines far over the limit, invalid UTF-8, NUL bytes, a line that never
//! ends, floods. After each, a normal message still arrives and shows,
//! and the model stays within its bounds.

mod support;

use ciao_client::model::limits::{MAX_BATCH_LINES, MAX_LINES_PER_BUFFER, MAX_OPEN_BATCHES};
use ciao_client::{LineKind, Model};
use support::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const NICK: &str = "me";
const CHANNEL: &str = "#den";
/// The line each test sends last: when it shows, everything before it
/// was read and applied.
const MARKER: &[u8] = b":bob!u@h PRIVMSG #den :still talking\r\n";
const MARKER_TEXT: &str = "still talking";

/// A fake server that registers the client into [`CHANNEL`] and then
/// sends `payload`, then [`MARKER`].
async fn serve(payload: Vec<u8>) -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let (mut reader, mut writer) = stream.into_split();
        // Whatever the client says is read and ignored, so it never
        // blocks on a full socket.
        tokio::spawn(async move {
            let mut sink = vec![0u8; 4096];
            while matches!(reader.read(&mut sink).await, Ok(n) if n > 0) {}
        });
        let welcome = format!(
            ":fake 001 {NICK} :Welcome\r\n:{NICK}!u@h JOIN {CHANNEL}\r\n:fake 353 {NICK} = {CHANNEL} :@{NICK} bob\r\n:fake 366 {NICK} {CHANNEL} :End\r\n"
        );
        writer.write_all(welcome.as_bytes()).await.expect("welcome");
        writer.write_all(&payload).await.expect("payload");
        writer.write_all(MARKER).await.expect("marker");
        // Keep the link open until the test (and its runtime) ends: a
        // close would only add a Disconnected line after the marker.
        let _open = writer;
        std::future::pending::<()>().await;
    });
    Client::start(port, NICK)
}

/// Waits for the marker, then checks that the model is within its bounds.
async fn marker_arrives(client: &mut Client) {
    client
        .until("the marker line", |m| {
            m.buffer(CHANNEL)
                .and_then(|b| b.lines.last())
                .is_some_and(|l| l.text == MARKER_TEXT && l.kind == LineKind::Message)
        })
        .await;
    assert_bounded(&client.model);
}

fn assert_bounded(model: &Model) {
    for buffer in &model.buffers {
        assert!(
            buffer.lines.len() <= MAX_LINES_PER_BUFFER,
            "{}",
            buffer.name
        );
    }
    assert!(model.playback().open_batches() <= MAX_OPEN_BATCHES);
    assert!(model.playback().collected_lines() <= MAX_OPEN_BATCHES * MAX_BATCH_LINES);
}

fn lines(lines: impl IntoIterator<Item = String>) -> Vec<u8> {
    lines
        .into_iter()
        .flat_map(|l| format!("{l}\r\n").into_bytes())
        .collect()
}

#[tokio::test]
async fn malformed_lines_are_shrugged_off() {
    let payload = lines(
        [
            ":x 401",
            ":x 332",
            ":x MODE",
            "",
            ":",
            "@",
            "@;;; :",
            ": PRIVMSG",
            ":x 353 me = #den",
            ":x KICK #den",
            ":x BATCH +",
            ":bob!u@h PRIVMSG #den :\u{1}",
            ":bob!u@h PRIVMSG #den :\u{1}ACTION",
        ]
        .map(str::to_owned),
    );
    let mut client = serve(payload).await;
    marker_arrives(&mut client).await;
    assert_eq!(client.model.own_nick, NICK);
}

#[tokio::test]
async fn huge_lines_invalid_utf8_and_nul_bytes() {
    let mut payload = Vec::new();
    // Far over the limit (512 + 8191): dropped whole.
    payload.extend(b":bob!u@h PRIVMSG #den :");
    payload.extend(std::iter::repeat_n(b'a', 64 * 1024));
    payload.extend(b"\r\n");
    // Not UTF-8, and with NUL bytes inside.
    payload.extend(b":bob!u@h PRIVMSG #den :caf\xe9 \xff\xfe\r\n");
    payload.extend(b":bob!u@h PRIVMSG #den :nul\0inside\r\n");
    payload.extend(b"\0\0\0\r\n");
    let mut client = serve(payload).await;
    marker_arrives(&mut client).await;
    let den = client.model.buffer(CHANNEL).expect("channel");
    assert!(
        den.lines.iter().all(|l| l.text.len() < 64 * 1024),
        "the huge line is not shown"
    );
}

#[tokio::test]
async fn a_line_that_never_ends_is_discarded_not_kept() {
    const ENDLESS: usize = 8 * 1024 * 1024;
    let mut payload = b":bob!u@h PRIVMSG #den :".to_vec();
    payload.extend(std::iter::repeat_n(b'x', ENDLESS));
    payload.extend(b"\n");
    let mut client = serve(payload).await;
    marker_arrives(&mut client).await;
    let den = client.model.buffer(CHANNEL).expect("channel");
    assert!(den.lines.iter().all(|l| l.text.len() < 8192));
}

#[tokio::test]
async fn an_unclosed_history_batch_of_200_000_lines() {
    const FLOOD: usize = 200_000;
    let mut all = vec![format!(":fake BATCH +endless chathistory {CHANNEL}")];
    all.extend((0..FLOOD).map(|i| {
        format!("@batch=endless;msgid=h{i};time=2026-01-02T03:04:05.000Z :bob!u@h PRIVMSG {CHANNEL} :history {i}")
    }));
    let mut client = serve(lines(all)).await;
    marker_arrives(&mut client).await;
    assert_eq!(client.model.playback().open_batches(), 1);
    assert!(client.model.playback().collected_lines() <= MAX_BATCH_LINES);
    let server = &client.model.buffers[0];
    assert!(
        server
            .lines
            .iter()
            .any(|l| l.text.contains("history of #den"))
    );
}

#[tokio::test]
async fn thirty_thousand_joins() {
    const CROWD: usize = 30_000;
    let joins = (0..CROWD).map(|i| format!(":guest{i}!u@h JOIN {CHANNEL}"));
    let mut client = serve(lines(joins)).await;
    marker_arrives(&mut client).await;
    let den = client.model.buffer(CHANNEL).expect("channel");
    assert_eq!(den.member_count(), CROWD + 2);
    assert!(den.member("guest29999").is_some());
}
