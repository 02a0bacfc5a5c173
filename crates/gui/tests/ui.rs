//! The real app, driven through egui_kittest (no display): the form is
//! filled by label, a real ciao-server runs in-process on 127.0.0.1:0.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ciao::{CiaoApp, Prefs};
use ciao_client::model::LinkState;
use ciao_client::{Model, Settings, Update, connect};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(10);

/// A runtime with a ciao-server on it, and the app under test.
struct Fixture {
    runtime: Runtime,
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    /// Signals each time the network side has something for the app.
    events: mpsc::Receiver<()>,
}

fn fixture() -> (Fixture, Harness<'static, CiaoApp>) {
    fixture_with(ciao_server::Config::default())
}

/// A fixture whose server runs with `config`.
fn fixture_with(config: ciao_server::Config) -> (Fixture, Harness<'static, CiaoApp>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = {
        let _guard = runtime.enter();
        ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind")
    };
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = oneshot::channel::<()>();
    runtime.spawn(ciao_server::run(config, vec![listener], async move {
        let _ = stopped.await;
    }));
    let (signal, events) = mpsc::channel();
    let signal = std::sync::Mutex::new(signal);
    let waker = Arc::new(move || {
        let _ = signal.lock().map(|s| s.send(()));
    });
    let app = CiaoApp::new(runtime.handle().clone(), Prefs::default(), waker);
    let harness = Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_ui_state(|ui, app: &mut CiaoApp| app.show(ui), app);
    (
        Fixture {
            runtime,
            port,
            stop: Some(stop),
            events,
        },
        harness,
    )
}

impl Fixture {
    /// Steps the UI until `done` holds, waking on network events; fails
    /// after a bound instead of hanging.
    fn wait_until(
        &self,
        harness: &mut Harness<'static, CiaoApp>,
        what: &str,
        done: impl Fn(&Harness<'static, CiaoApp>) -> bool,
    ) {
        let deadline = Instant::now() + WAIT;
        loop {
            harness.step();
            if done(harness) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}");
            // Wait for the next network event (or re-check shortly for
            // timers such as reconnect delays).
            let _ = self
                .events
                .recv_timeout(left.min(Duration::from_millis(200)));
        }
    }

    /// Another participant, through ciao-client.
    fn other(&self, nick: &str) -> Other {
        let (_handle, updates) = connect(
            self.runtime.handle(),
            Settings::new("127.0.0.1", self.port, nick),
            Arc::new(|| {}),
        );
        let mut other = Other {
            updates,
            model: Model::new(nick),
            _handle,
        };
        other.until(&self.runtime, "registered in #lobby", |m| {
            m.buffer("#lobby").is_some_and(|b| b.joined)
        });
        other
    }
}

impl Other {
    /// Says each of `texts` in #lobby and waits for the server's echo of
    /// the last, so they are all stored and sent.
    fn say(&mut self, runtime: &Runtime, texts: &[&str]) {
        for text in texts {
            let message = ciao_proto::Message::new("PRIVMSG", ["#lobby", text]);
            assert!(self._handle.send(ciao_client::Control::Send(message)));
        }
        let last = texts.last().copied().unwrap_or_default().to_owned();
        self.until(runtime, "the echo of the last line", move |m| {
            m.buffer("#lobby")
                .is_some_and(|b| b.lines.iter().any(|l| l.text == last))
        });
    }
}

struct Other {
    _handle: ciao_client::connection::Handle,
    updates: tokio::sync::mpsc::UnboundedReceiver<Update>,
    model: Model,
}

impl Other {
    fn until(&mut self, runtime: &Runtime, what: &str, done: impl Fn(&Model) -> bool) {
        runtime.block_on(async {
            tokio::time::timeout(WAIT, async {
                while !done(&self.model) {
                    let update = self.updates.recv().await.expect("connection open");
                    self.model.apply(&update);
                }
            })
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        });
    }

    fn saw(&self, text: &str) -> bool {
        self.model
            .buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == text))
    }
}

/// A port nobody listens on right now (bound, then released).
fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn fill(harness: &mut Harness<'static, CiaoApp>, label: &str, text: &str) {
    let field = harness.get_by_label(label);
    field.focus();
    // Select-all then type replaces what the field held.
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

fn connect_as(fixture: &Fixture, harness: &mut Harness<'static, CiaoApp>, nick: &str) {
    fill(harness, "Server address", "127.0.0.1");
    fill(harness, "Port", &fixture.port.to_string());
    fill(harness, "Nickname", nick);
    harness.key_press(egui::Key::Enter);
    fixture.wait_until(harness, "the chat view with #lobby", |h| {
        h.state().session.as_ref().is_some_and(|s| {
            s.model.active_buffer().name == "#lobby" && s.model.active_buffer().joined
        })
    });
}

fn send_line(harness: &mut Harness<'static, CiaoApp>, text: &str, with_button: bool) {
    let input = harness.get_by_label("Message");
    input.focus();
    input.type_text(text);
    harness.run();
    if with_button {
        harness.get_by_label("Send").click();
    } else {
        harness.key_press(egui::Key::Enter);
    }
    harness.run();
}

#[test]
fn connect_by_form_and_chat_with_enter_and_the_button() {
    let (fixture, mut harness) = fixture();
    let mut other = fixture.other("other");
    connect_as(&fixture, &mut harness, "gui");
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
        harness.state().session.is_none(),
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
            .session
            .as_ref()
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
    if let Some(stop) = fixture.stop.take() {
        let _ = stop.send(());
    }
    fixture.wait_until(&mut harness, "the shutdown reason", |h| {
        h.state()
            .session
            .as_ref()
            .is_some_and(|s| matches!(s.model.link, LinkState::Disconnected(_)))
    });
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
    let free = unused_port();
    fill(&mut harness, "Port", &free.to_string());
    fill(&mut harness, "Nickname", "host");
    harness.get_by_label("Host a chat").click();
    fixture.wait_until(&mut harness, "the hosted #lobby", |h| {
        h.state()
            .session
            .as_ref()
            .is_some_and(|s| s.model.active_buffer().joined)
    });
    assert!(
        harness
            .query_by_label_contains(&format!("Hosting on port {free}"))
            .is_some()
    );

    // Someone else joins the hosted server.
    let hosted = Fixture {
        port: free,
        ..fixture
    };
    let _guest = hosted.other("guest");
    hosted.wait_until(&mut harness, "the guest in the member list", |h| {
        h.state()
            .session
            .as_ref()
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
    let (fixture, mut harness) = fixture();
    let mut other = fixture.other("other");
    connect_as(&fixture, &mut harness, "gui");
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
    #[derive(Default)]
    struct Memory(std::collections::HashMap<String, String>);
    impl eframe::Storage for Memory {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_owned(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }
    let (_fixture, mut harness) = fixture();
    fill(&mut harness, "Server address", "chat.example");
    fill(&mut harness, "Port", "7000");
    fill(&mut harness, "Nickname", "zoe");
    fill(&mut harness, "Password (optional)", "secret");
    let mut storage = Memory::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let prefs: Prefs = eframe::get_value(&storage, ciao::app::PREFS_KEY).expect("saved");
    assert_eq!(
        prefs,
        Prefs {
            host: "chat.example".into(),
            port: "7000".into(),
            nick: "zoe".into()
        }
    );
    assert!(
        !storage.0.values().any(|v| v.contains("secret")),
        "the password is not stored"
    );
}

#[test]
fn the_app_reconnects_by_itself_and_rejoins_its_channels() {
    let (mut fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    send_line(&mut harness, "/join #rust", false);
    fixture.wait_until(&mut harness, "#rust", |h| {
        h.state()
            .session
            .as_ref()
            .is_some_and(|s| s.model.active_buffer().name == "#rust")
    });
    if let Some(stop) = fixture.stop.take() {
        let _ = stop.send(());
    }
    fixture.wait_until(&mut harness, "the drop", |h| {
        h.state()
            .session
            .as_ref()
            .is_some_and(|s| matches!(s.model.link, LinkState::Disconnected(_)))
    });

    // A new server on the same port: the app comes back within the backoff.
    let listener = {
        let _guard = fixture.runtime.enter();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], fixture.port));
        ciao_server::bind(addr).expect("rebind the same port")
    };
    let (stop, stopped) = oneshot::channel::<()>();
    fixture.runtime.spawn(ciao_server::run(
        ciao_server::Config::default(),
        vec![listener],
        async move {
            let _ = stopped.await;
        },
    ));
    fixture.stop = Some(stop);
    fixture.wait_until(&mut harness, "back in #lobby and #rust", |h| {
        h.state().session.as_ref().is_some_and(|s| {
            ["#lobby", "#rust"]
                .iter()
                .all(|c| s.model.buffer(c).is_some_and(|b| b.joined))
        })
    });
}

#[test]
fn history_is_replayed_apart_from_live_lines_and_older_lines_load_on_demand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut history = ciao_server::history::HistoryConfig::new(dir.path().to_owned());
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
        let session = h.state().session.as_ref().expect("session");
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
