//! The real app, driven through egui_kittest (no display): the form is
//! filled by label, a real ciao-server runs in-process on 127.0.0.1:0.

mod common;

use common::*;
use egui_kittest::kittest::NodeT;

#[test]
fn connect_by_form_and_chat_with_enter_and_the_button() {
    let (fixture, mut harness, mut other) = chat_with("other");
    assert!(
        harness.query_all_by_label("#lobby").count() >= 2,
        "the buffer list and the topic bar show #lobby"
    );

    send_line(&mut harness, "hello from enter", false);
    other.until(&fixture.runtime, "the Enter message", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "hello from enter"))
    });
    // Focus stays in the input and it is emptied.
    let input = harness.get_by_label("Message");
    assert!(input.is_focused());
    assert_eq!(input.value().as_deref(), Some(""));

    send_line(&mut harness, "hello from the button", true);
    other.until(&fixture.runtime, "the button message", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "hello from the button"))
    });
    assert!(other.saw("hello from enter"));

    // The other side's message shows up in the GUI.
    fixture.wait_until(&mut harness, "our own echo", |h| {
        h.query_by_label_contains("hello from the button").is_some()
    });
    drop(fixture.stop);
}

#[test]
fn a_closed_port_shows_refused_and_keeps_the_form() {
    let (fixture, mut harness) = fixture();
    let closed = unused_port();
    fill(&mut harness, "Server address", "127.0.0.1");
    fill(&mut harness, "Port", &closed.to_string());
    fill(&mut harness, "Nickname", "gui");
    harness.get_by_label("Connect").click();
    let expected = format!("Could not connect to 127.0.0.1:{closed}: connection refused");
    fixture.wait_until(&mut harness, "the refusal", |h| {
        h.query_by_label(&expected).is_some()
    });
    assert_eq!(harness.state().prefs.nick, "gui", "the form stays filled");
    assert_eq!(
        harness.get_by_label("Port").value().as_deref(),
        Some(closed.to_string().as_str())
    );
}

#[test]
fn an_empty_address_is_refused_before_connecting() {
    let (_fixture, mut harness) = fixture();
    fill(&mut harness, "Server address", "");
    fill(&mut harness, "Nickname", "gui");
    harness.get_by_label("Connect").click();
    harness.run();
    assert!(
        harness
            .query_by_label("Enter the server's address.")
            .is_some()
    );
    assert!(
        harness.state().sessions().is_empty(),
        "no connection was attempted"
    );

    fill(&mut harness, "Server address", "127.0.0.1");
    fill(&mut harness, "Nickname", "bad nick");
    harness.get_by_label("Connect").click();
    harness.run();
    assert!(
        harness
            .query_by_label("Nickname: a name cannot contain spaces.")
            .is_some()
    );
}

#[test]
fn join_opens_a_buffer_and_unknown_commands_get_a_hint() {
    let (fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    send_line(&mut harness, "/join #rust", false);
    fixture.wait_until(&mut harness, "#rust", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.model.active_buffer().name == "#rust")
    });
    assert!(harness.query_all_by_label("#rust").next().is_some());

    send_line(&mut harness, "/frobnicate", false);
    assert!(
        harness
            .query_by_label_contains("Unknown command /frobnicate. Type /help")
            .is_some()
    );
}

#[test]
fn server_shutdown_shows_the_reason_and_offers_to_reconnect() {
    let (mut fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    fixture.stop_server();
    fixture.wait_disconnected(&mut harness, "the shutdown reason");
    harness.run_ok();
    assert!(
        harness
            .query_all_by_label_contains("The server is shutting down. Goodbye!")
            .next()
            .is_some()
    );
    assert!(harness.query_by_label("Reconnect").is_some());
}

#[test]
fn hosting_a_chat_starts_a_server_others_can_join() {
    let (fixture, mut harness) = fixture();
    let free = host_form(&mut harness, "host");
    harness.get_by_label("Host a chat").click();
    fixture.wait_until(&mut harness, "the hosted #lobby", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.model.active_buffer().joined)
    });
    let hosting = harness
        .query_by_label_contains(&format!("Hosting on port {free}"))
        .and_then(|node| {
            let node = node.accesskit_node();
            node.label().or(node.value())
        })
        .expect("the hosting line");
    // The page is served at the address the line gives for browsers.
    let url = hosting
        .split("in a browser at http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no browser address in {hosting:?}"));
    let page = fixture.runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut socket = tokio::net::TcpStream::connect(url)
            .await
            .expect("connect to the page");
        let request = format!("GET / HTTP/1.1\r\nHost: {url}\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.expect("send");
        let mut page = String::new();
        let read = socket.read_to_string(&mut page);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read).await;
        page
    });
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");

    // Someone else joins the hosted server.
    let hosted = Fixture {
        port: free,
        ..fixture
    };
    let _guest = hosted.other("guest");
    hosted.wait_until(&mut harness, "the guest in the member list", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.model.active_buffer().member("guest").is_some())
    });
    harness.state_mut().shutdown();
}

#[test]
fn seed_quit_and_closing_the_window_send_quit_and_end() {
    let (fixture, mut harness) = fixture();
    let mut other = fixture.other("other");
    connect_as(&fixture, &mut harness, "leaver");
    other.until(&fixture.runtime, "the GUI user in #lobby", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("leaver").is_some())
    });
    send_line(&mut harness, "{quit}", false);
    fixture.wait_until(&mut harness, "the app to be ready to close", |h| {
        h.state().close_now
    });
    other.until(&fixture.runtime, "the QUIT", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("leaver").is_none())
    });

    // Closing the window: the close is held until QUIT has been said.
    let (fixture2, mut harness2) = self::fixture();
    let mut other2 = fixture2.other("other");
    connect_as(&fixture2, &mut harness2, "closer");
    other2.until(&fixture2.runtime, "the GUI user in #lobby", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("closer").is_some())
    });
    harness2
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness2.step();
    assert!(
        harness2.state().closing,
        "the close request started the goodbye"
    );
    fixture2.wait_until(&mut harness2, "the app to be ready to close", |h| {
        h.state().close_now
    });
    other2.until(&fixture2.runtime, "the QUIT", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.member("closer").is_none())
    });
}

#[test]
fn unicode_and_emoji_render() {
    let (fixture, mut harness, mut other) = chat_with("other");
    // The harness panics on any glyph no installed font has.
    send_line(&mut harness, "caffè? 😀🎉 ÄÖÜ ñ", false);
    other.until(&fixture.runtime, "the emoji message", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text.contains('😀')))
    });
    fixture.wait_until(&mut harness, "the emoji line", |h| {
        h.query_by_label_contains("😀🎉").is_some()
    });
    harness.run_ok();
}

#[test]
fn the_form_is_remembered() {
    let (_fixture, mut harness) = fixture();
    fill(&mut harness, "Server address", "chat.example");
    fill(&mut harness, "Port", "7000");
    fill(&mut harness, "Nickname", "zoe");
    fill(&mut harness, "Server password (optional)", "secret");
    fill(&mut harness, "Account (optional)", "zoe");
    fill(&mut harness, "Account password", "hunter2");
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let prefs: Prefs = eframe::get_value(&storage, ciao::app::PREFS_KEY).expect("saved");
    assert_eq!(
        prefs,
        Prefs {
            host: "chat.example".into(),
            port: "7000".into(),
            nick: "zoe".into(),
            account: "zoe".into(),
            // The fixture's form is set for its plaintext server.
            tls: false,
            ..Prefs::default()
        }
    );
    for password in ["secret", "hunter2"] {
        assert!(
            !storage.0.values().any(|v| v.contains(password)),
            "the password is not stored"
        );
    }
}

#[test]
fn the_app_reconnects_by_itself_and_rejoins_its_channels() {
    let (mut fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    send_line(&mut harness, "/join #rust", false);
    fixture.wait_until(&mut harness, "#rust", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| s.model.active_buffer().name == "#rust")
    });
    fixture.stop_server();
    fixture.wait_disconnected(&mut harness, "the drop");

    // A new server on the same port: the app comes back within the backoff.
    fixture.restart_server();
    fixture.wait_until(&mut harness, "back in #lobby and #rust", |h| {
        h.state().active_session().is_some_and(|s| {
            ["#lobby", "#rust"]
                .iter()
                .all(|c| s.model.buffer(c).is_some_and(|b| b.joined))
        })
    });
}

#[test]
fn history_is_replayed_apart_from_live_lines_and_older_lines_load_on_demand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut history = ciao_server::HistoryConfig::new(dir.path().to_owned());
    history.replay_lines = 3;
    let (fixture, mut harness) = fixture_with(ciao_server::Config {
        history: Some(history),
        ..ciao_server::Config::default()
    });
    let mut ann = fixture.other("ann");
    ann.say(
        &fixture.runtime,
        &["line 1", "line 2", "line 3", "line 4", "line 5"],
    );

    connect_as(&fixture, &mut harness, "me");
    fixture.wait_until(&mut harness, "the replayed lines", |h| {
        h.query_by_label("Earlier messages above, live from here")
            .is_some()
    });
    let texts = |h: &Harness<'static, CiaoApp>| -> Vec<(String, bool)> {
        let session = session(h);
        session
            .model
            .active_buffer()
            .lines
            .iter()
            .filter(|l| l.text.starts_with("line "))
            .map(|l| (l.text.clone(), l.replayed))
            .collect()
    };
    let replayed: Vec<(String, bool)> = ["line 3", "line 4", "line 5"]
        .iter()
        .map(|t| (t.to_string(), true))
        .collect();
    assert_eq!(texts(&harness), replayed);

    // A live line comes after the separator, not as history.
    ann.say(&fixture.runtime, &["live now"]);
    fixture.wait_until(&mut harness, "the live line", |h| {
        h.query_by_label("live now").is_some()
    });

    // The top of the conversation: older lines come first.
    harness.get_by_label("Load older messages").click();
    fixture.wait_until(&mut harness, "the older lines", |h| {
        texts(h).first().is_some_and(|(t, _)| t == "line 1")
    });
    assert_eq!(texts(&harness).len(), 5);
    harness.get_by_label("Load older messages").click();
    fixture.wait_until(&mut harness, "the start of the conversation", |h| {
        h.query_by_label("Start of the conversation").is_some()
    });
}
