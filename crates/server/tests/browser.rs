//! The page in a real browser: Debian's chromium, headless, driven
//! through chromedriver (tests/browser/driver.rs), against the real server
//! on 127.0.0.1 with IRC and plain clients beside it.

mod common;

#[path = "browser/driver.rs"]
mod driver;
#[path = "browser/page.rs"]
mod page;

use std::net::SocketAddr;
use std::path::Path;

use ciao_server::config::web::WebConfig;
use ciao_server::{Config, HistoryConfig};
use common::{TestClient, TestServer, test_config};
use driver::{Browser, DESKTOP, PHONE};
use page::Page;
use serde_json::json;

/// The page's address.
fn web_addr(server: &TestServer) -> SocketAddr {
    server.web_addr.expect("a server with a web listener")
}

/// `TestServer::start_web` with the web listener on `web_addr` (a
/// restarted server, where the page that was open reconnects).
fn start_web_at(config: Config, web_addr: SocketAddr) -> TestServer {
    let plain = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = plain.local_addr().expect("local addr");
    // The old server's sockets may still be closing: SO_REUSEADDR
    // (`ciao_server::bind`) lets the new listener take the port anyway.
    let web = ciao_server::bind(web_addr).expect("bind the old web address");
    let listeners = ciao_server::Listeners {
        plain: vec![plain],
        web: vec![web],
        ..ciao_server::Listeners::default()
    };
    TestServer::serve(config, listeners, addr, None, Some(web_addr))
}

/// `test_config` with the web port's real grace for silent connections:
/// a browser opens sockets seconds before it sends on them, and
/// `test_config`'s short grace (for quick socket tests) would greet them
/// as plain clients.
fn browser_config() -> Config {
    Config {
        web: WebConfig::default(),
        ..test_config()
    }
}

/// `browser_config` with history kept in `dir`, `replay_lines` replayed
/// on join.
fn with_history(dir: &Path, replay_lines: usize) -> Config {
    let mut history = HistoryConfig::new(dir.to_owned());
    history.replay_lines = replay_lines;
    Config {
        history: Some(history),
        ..browser_config()
    }
}

/// The scene most tests start from: a server, the page open as `webby`
/// in #lobby at `size`, and an IRC user `ircy` in #lobby.
async fn webby_and_ircy_in_the_lobby(size: (u32, u32)) -> (TestServer, Page, TestClient) {
    let server = TestServer::start_web(browser_config()).await;
    let mut page = Page::connect(web_addr(&server), "webby", size).await;
    page.wait_open("#lobby").await;
    let irc = TestClient::irc_in_lobby(server.addr, "ircy").await;
    (server, page, irc)
}

#[tokio::test]
async fn a_browser_user_chats_with_irc_and_plain_users_both_ways() {
    let (server, mut page, mut irc) = webby_and_ircy_in_the_lobby(DESKTOP).await;
    let mut plain = TestClient::plain(server.addr, "plainy").await;
    // Both arrivals are shown, as events.
    for nick in ["ircy", "plainy"] {
        let script = "return lines().some((l) => l.event && l.text.includes(arguments[0]) \
                      || l.event && l.nick.includes(arguments[0]))";
        page.wait(&format!("{nick}'s join"), script, vec![json!(nick)])
            .await;
    }

    page.say("hello from the browser").await;
    irc.wait_for("the browser's line", |l| {
        l.starts_with(":webby!") && l.ends_with(" PRIVMSG #lobby :hello from the browser")
    })
    .await;
    plain.wait_contains("webby: hello from the browser").await;
    // The sender sees its own line too, with its time.
    let own = page.wait_line("webby", "hello from the browser").await;
    assert!(is_hh_mm(&own.time), "HH:MM time: {own:?}");

    irc.send("PRIVMSG #lobby :hello from irc").await;
    let line = page.wait_line("ircy", "hello from irc").await;
    assert!(is_hh_mm(&line.time), "HH:MM time: {line:?}");
    assert!(line.msgid.is_some(), "the server's msgid is kept: {line:?}");
    plain.send("hello from nc").await;
    page.wait_line("plainy", "hello from nc").await;

    // A private conversation, both ways.
    irc.send("PRIVMSG webby :just you").await;
    page.wait_conversation("ircy").await;
    page.open("ircy").await;
    page.wait_line("ircy", "just you").await;
    page.say("just you too").await;
    irc.wait_for("the browser's private line", |l| {
        l.starts_with(":webby!") && l.ends_with(" PRIVMSG ircy :just you too")
    })
    .await;
    // A command from the input box.
    page.say("/msg plainy psst").await;
    plain.wait_contains("*webby* psst").await;

    // Nothing doubled: each line once in its conversation.
    page.open("#lobby").await;
    let lines = page.lines().await;
    for text in ["hello from the browser", "hello from irc", "hello from nc"] {
        let count = lines.iter().filter(|l| l.text.contains(text)).count();
        assert_eq!(count, 1, "{text:?} shown once: {lines:#?}");
    }
    page.finish().await;
    server.shutdown().await;
}

#[tokio::test]
async fn what_history_brings_back_is_not_shown_twice() {
    // History on, as the binary runs by default.
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_web(with_history(dir.path(), 50)).await;
    let mut page = Page::connect(web_addr(&server), "webby", DESKTOP).await;
    page.wait_open("#lobby").await;
    let mut irc = TestClient::irc_in_lobby(server.addr, "ircy").await;
    let _plain = TestClient::plain(server.addr, "plainy").await;
    irc.send("PRIVMSG #lobby :first words").await;
    page.wait_line("ircy", "first words").await;
    // Away (to the server's messages) and back: the pane is not full, so
    // the page asks the store for what came before (the joins it saw live
    // among it) until there is no more, and then says the conversation
    // starts here.
    page.open("test.server").await;
    page.open("#lobby").await;
    page.wait(
        "the page to have the whole conversation",
        "return (document.querySelector('#messages .more')?.textContent ?? '') \
           .includes('start of the conversation')",
        vec![],
    )
    .await;
    let lines = page.lines().await;
    for nick in ["webby", "ircy", "plainy"] {
        let joins = lines
            .iter()
            .filter(|l| l.event && (l.nick.contains(nick) || l.text.contains(nick)))
            .count();
        assert_eq!(joins, 1, "{nick}'s join shown once: {lines:#?}");
    }
    let words = lines.iter().filter(|l| l.text == "first words").count();
    assert_eq!(words, 1, "the line shown once: {lines:#?}");
    page.finish().await;
    server.shutdown().await;
}

fn is_hh_mm(time: &str) -> bool {
    let bytes = time.as_bytes();
    bytes.len() == 5 && bytes[2] == b':' && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit())
}

#[tokio::test]
async fn history_is_shown_on_join_and_older_lines_load_on_scrolling_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 50 lines replayed on join (more than the pane holds); 150 kept:
    // the rest only by scrolling.
    let server = TestServer::start_web(with_history(dir.path(), 50)).await;
    let mut irc = TestClient::irc_in_lobby(server.addr, "ircy").await;
    for i in 0..150 {
        irc.send(&format!("PRIVMSG #lobby :old line {i:03}")).await;
    }
    irc.sync().await;

    let mut page = Page::connect(web_addr(&server), "webby", DESKTOP).await;
    page.wait_open("#lobby").await;
    // The join's replay: the latest lines, with their msgids.
    let last = page.wait_line("ircy", "old line 149").await;
    assert!(last.msgid.is_some(), "replayed with its msgid: {last:?}");
    page.wait_line("ircy", "old line 100").await;
    let script = "const box = document.querySelector('#messages'); \
                  return [box.scrollHeight > box.clientHeight, \
                          lines().some((l) => l.text === 'old line 099')]";
    assert_eq!(
        page.eval(script, vec![]).await,
        json!([true, false]),
        "the replay fills the pane, and older lines wait for a scroll"
    );

    // Scrolling to the top asks for older lines, page by page, until the
    // first arrives. (Setting scrollTop fires a real scroll event when
    // the position changes, as a user's wheel does; once older lines are
    // in, the page keeps the view where it was, so the next poll scrolls
    // up again.)
    let script = "document.querySelector('#messages').scrollTop = 0; \
                  return lines().some((l) => l.text.includes('old line 000'))";
    page.wait("the oldest line after scrolling up", script, vec![])
        .await;
    // In order, each once (de-duplicated by msgid).
    let texts: Vec<String> = page
        .lines()
        .await
        .into_iter()
        .filter(|l| l.text.starts_with("old line "))
        .map(|l| l.text)
        .collect();
    let expected: Vec<String> = (0..150).map(|i| format!("old line {i:03}")).collect();
    assert_eq!(texts, expected, "every line once, oldest first");

    irc.send("PRIVMSG #lobby :a new line").await;
    page.wait_line("ircy", "a new line").await;
    page.finish().await;
    server.shutdown().await;
}

#[tokio::test]
async fn unread_counts_and_the_mention_mark_follow_what_arrives() {
    let (server, mut page, mut irc) = webby_and_ircy_in_the_lobby(DESKTOP).await;
    irc.join("#side").await;
    page.say("/join #side").await;
    page.wait_conversation("#side").await;
    page.open("#side").await;
    irc.wait_contains("JOIN #side").await;

    for i in 1..=3 {
        irc.send(&format!("PRIVMSG #lobby :unread {i}")).await;
    }
    page.wait_unread("#lobby", 3, false).await;
    assert_eq!(page.browser.client().title().await.expect("title"), "ciao");
    // The open conversation does not count what arrives in it.
    irc.send("PRIVMSG #side :seen at once").await;
    page.wait_line("ircy", "seen at once").await;
    page.wait_unread("#side", 0, false).await;

    irc.send("PRIVMSG #lobby :webby: are you there?").await;
    page.wait_unread("#lobby", 4, true).await;
    page.wait(
        "the title to count the mention",
        "return document.title === '(1) ciao'",
        vec![],
    )
    .await;

    // Opening it reads it: no count, no mark, a plain title.
    page.open("#lobby").await;
    page.wait_unread("#lobby", 0, false).await;
    page.wait_line("ircy", "webby: are you there?").await;
    page.wait(
        "the title to drop the count",
        "return document.title === 'ciao'",
        vec![],
    )
    .await;
    page.finish().await;
    server.shutdown().await;
}

#[tokio::test]
async fn markup_and_script_urls_in_messages_stay_inert_text() {
    let (server, mut page, mut irc) = webby_and_ircy_in_the_lobby(DESKTOP).await;
    // A channel of ircy's, so that it may set the topic.
    irc.join("#trap").await;
    irc.send("TOPIC #trap :<img src=x onerror=\"window.pwned='topic'\">")
        .await;
    page.say("/join #trap").await;
    page.open("#trap").await;
    irc.wait_for("the browser's join", |l| {
        l.starts_with(":webby!") && l.ends_with(" JOIN #trap")
    })
    .await;
    let payloads = [
        "<img src=x onerror=\"window.pwned='img'\">",
        "<script>window.pwned='script'</script>",
        "<a href=\"javascript:window.pwned='anchor'\">click</a>",
        "javascript:window.pwned='link'",
        "<svg onload=\"window.pwned='svg'\"></svg>",
    ];
    for payload in payloads {
        irc.send(&format!("PRIVMSG #trap :{payload}")).await;
    }
    irc.send("PRIVMSG #trap :see https://example.invalid/a?b=1 now")
        .await;
    // Lines arrive in order: once the last is shown, all of them are.
    page.wait_line("ircy", "https://example.invalid/a?b=1")
        .await;
    page.wait(
        "the topic as text",
        "return (document.querySelector('#topic')?.textContent ?? '').includes('<img src=x')",
        vec![],
    )
    .await;

    let script = "return { \
        pwned: window.pwned ?? null, \
        elements: document.querySelectorAll('#messages img, #messages script, #messages svg, #messages iframe, #topic img').length, \
        scriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => !/^https?:$/.test(new URL(a.href, location.href).protocol)).map((a) => a.href), \
        link: [...document.querySelectorAll('#messages a[href]')].map((a) => [a.getAttribute('href'), a.rel]) }";
    let found = page.eval(script, vec![]).await;
    assert_eq!(found["pwned"], json!(null), "no payload ran: {found}");
    assert_eq!(
        found["elements"],
        json!(0),
        "no element made from text: {found}"
    );
    assert_eq!(
        found["scriptLinks"],
        json!([]),
        "only http(s) links: {found}"
    );
    let links = found["link"].as_array().cloned().unwrap_or_default();
    assert_eq!(links.len(), 1, "the one real link is a link: {found}");
    let rel = links[0][1].as_str().unwrap_or_default();
    assert_eq!(
        links[0][0],
        json!("https://example.invalid/a?b=1"),
        "{found}"
    );
    assert!(
        rel.contains("noopener") && rel.contains("noreferrer"),
        "rel=\"noopener noreferrer\": {found}"
    );
    let shown: Vec<String> = page.lines().await.into_iter().map(|l| l.text).collect();
    for payload in payloads {
        assert!(
            shown.iter().any(|text| text == payload),
            "{payload:?} shown as the text it is: {shown:#?}"
        );
    }
    page.finish().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_page_reconnects_by_itself_after_the_server_restarts() {
    let server = TestServer::start_web(browser_config()).await;
    let web_addr = web_addr(&server);
    let mut page = Page::connect(web_addr, "webby", DESKTOP).await;
    page.wait_open("#lobby").await;
    server.shutdown().await;
    page.wait_disconnected().await;
    // The server stays away until a retry has failed (each one fails in
    // the console, as expected here): the page must keep trying.
    let refused = "WebSocket connection to";
    page.browser.tolerate(refused);
    page.browser.wait_console(refused).await;

    let server = start_web_at(browser_config(), web_addr);
    let mut irc = TestClient::irc_in_lobby(server.addr, "ircy").await;
    // Back by itself (the first retries come after 1, 2 and 4 s), as the
    // same nick, in the same channel.
    irc.wait_for("the browser's rejoin", |l| {
        l.starts_with(":webby!") && l.ends_with(" JOIN #lobby")
    })
    .await;
    page.wait_connected().await;
    irc.send("PRIVMSG #lobby :welcome back").await;
    page.wait_line("ircy", "welcome back").await;
    page.say("thanks").await;
    irc.wait_for("the browser's line", |l| {
        l.ends_with(" PRIVMSG #lobby :thanks")
    })
    .await;
    page.finish().await;
    server.shutdown().await;
}

#[tokio::test]
async fn on_a_phone_one_pane_shows_and_the_lists_open_as_drawers() {
    let (server, mut page, mut irc) = webby_and_ircy_in_the_lobby(PHONE).await;
    irc.send("PRIVMSG #lobby :hello phone").await;
    page.wait_line("ircy", "hello phone").await;

    let layout = "const q = (css) => document.querySelector(css); \
        return { conversations: shown(q('#conversations')), members: shown(q('#members')), \
          messages: shown(q('#messages')), input: shown(q('textarea#input')), \
          openConversations: shown(q('button#open-conversations')), \
          openMembers: shown(q('button#open-members')), \
          messagesWidth: q('#messages').getBoundingClientRect().width, \
          inputBottom: q('textarea#input').getBoundingClientRect().bottom, \
          scrollWidth: document.documentElement.scrollWidth }";
    let one_pane = "const l = (() => { LAYOUT })(); \
        return l.messages && l.input && l.openConversations && l.openMembers \
          && !l.conversations && !l.members ? l : null";
    let found = page
        .wait(
            "one pane with the drawer buttons",
            &one_pane.replace("LAYOUT", layout),
            vec![],
        )
        .await;
    let width = f64::from(PHONE.0);
    assert!(
        found["messagesWidth"].as_f64().unwrap_or_default() >= width * 0.9,
        "the messages fill the width: {found}"
    );
    assert!(
        found["inputBottom"].as_f64().unwrap_or(f64::MAX) <= f64::from(PHONE.1),
        "the input is on screen: {found}"
    );
    assert!(
        found["scrollWidth"].as_f64().unwrap_or(f64::MAX) <= width,
        "nothing wider than the screen: {found}"
    );

    page.browser.click("button#open-conversations").await;
    page.wait(
        "the conversations drawer",
        "return shown(document.querySelector('#conversations'))",
        vec![],
    )
    .await;
    page.open("#lobby").await;
    page.wait(
        "the drawer to close on choosing a conversation",
        "return !shown(document.querySelector('#conversations')) \
           && shown(document.querySelector('#messages'))",
        vec![],
    )
    .await;
    page.browser.click("button#open-members").await;
    page.wait(
        "the members drawer with ircy",
        "return shown(document.querySelector('#members')) \
           && document.querySelector('#members li[data-nick=\"ircy\"]') !== null",
        vec![],
    )
    .await;
    page.finish().await;
    server.shutdown().await;
}

/// The harness itself: an error thrown by a page's script reaches the
/// test, so "the page logged no error" means something.
#[tokio::test]
async fn a_script_error_fails_the_test() {
    let mut browser = Browser::start(DESKTOP).await;
    browser
        .goto("data:text/html,<p>hi</p><script>throw new Error('boom-from-the-page')</script>")
        .await;
    browser
        .wait_until(
            "the page",
            "return document.readyState === 'complete'",
            vec![],
        )
        .await;
    let errors = browser.errors().await;
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("boom-from-the-page")),
        "the thrown error is in the console: {errors:#?}"
    );
    browser.tolerate("boom-from-the-page");
    browser.finish().await;
}

/// The harness itself: a Content-Security-Policy violation is a console
/// error too.
#[tokio::test]
async fn a_csp_violation_fails_the_test() {
    let mut browser = Browser::start(DESKTOP).await;
    let page = "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">\
                <script>window.ran = true</script><p>hi</p>";
    browser.goto(&format!("data:text/html,{page}")).await;
    browser
        .wait_until(
            "the page",
            "return document.readyState === 'complete'",
            vec![],
        )
        .await;
    let errors = browser.errors().await;
    assert!(
        errors
            .iter()
            .any(|e| e.source == "security" && e.message.contains("Content Security Policy")),
        "the violation is in the console: {errors:#?}"
    );
    assert_eq!(browser.eval("return window.ran === true").await, false);
    browser.tolerate("Content Security Policy");
    browser.finish().await;
}
