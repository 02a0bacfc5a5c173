//! The harness of the app's tests: a real ciao-server in-process on
//! 127.0.0.1:0, the real app driven through egui_kittest (no display),
//! and other participants through ciao-client.
// Each test file uses a part of the harness and of what it re-exports.
#![allow(dead_code, unused_imports)]

pub use std::sync::Arc;
pub use std::sync::mpsc;
pub use std::time::{Duration, Instant};

pub use ciao::{CiaoApp, Prefs};
pub use ciao_client::model::LinkState;
pub use ciao_client::{Model, Settings, Update, connect};
pub use egui_kittest::Harness;
pub use egui_kittest::kittest::Queryable;
pub use tokio::runtime::Runtime;
pub use tokio::sync::oneshot;

pub const WAIT: Duration = Duration::from_secs(10);

/// A runtime with a ciao-server on it, and the app under test.
pub struct Fixture {
    pub runtime: Runtime,
    pub port: u16,
    pub stop: Option<oneshot::Sender<()>>,
    /// Signals each time the network side has something for the app.
    pub events: mpsc::Receiver<()>,
    /// The app's data directory (a hosted server's history), not the
    /// user's.
    pub data: Arc<tempfile::TempDir>,
}

pub fn fixture() -> (Fixture, Harness<'static, CiaoApp>) {
    fixture_with(ciao_server::Config::default())
}

/// A fixture, `other` in #lobby, then the app connected as "gui".
pub fn chat_with(other: &str) -> (Fixture, Harness<'static, CiaoApp>, Other) {
    let (fixture, mut harness) = fixture();
    let other = fixture.other(other);
    connect_as(&fixture, &mut harness, "gui");
    (fixture, harness, other)
}

/// A fixture whose server runs with `config`.
pub fn fixture_with(config: ciao_server::Config) -> (Fixture, Harness<'static, CiaoApp>) {
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
    // The fixture's server is plaintext: so is the form (the TLS tests
    // tick the box back).
    let prefs = Prefs {
        tls: false,
        ..Prefs::default()
    };
    let mut app = CiaoApp::new(runtime.handle().clone(), prefs, waker);
    let data = Arc::new(tempfile::tempdir().expect("data dir"));
    app.data_dir = Some(data.path().to_owned());
    let harness = Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_ui_state(|ui, app: &mut CiaoApp| app.show(ui), app);
    (
        Fixture {
            runtime,
            port,
            stop: Some(stop),
            events,
            data,
        },
        harness,
    )
}

impl Fixture {
    /// Steps the UI until `done` holds, waking on network events; fails
    /// after a bound instead of hanging.
    pub fn wait_until(
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

    /// Stops the fixture's server (the app then loses its link).
    pub fn stop_server(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// A new server on the fixture's port, in place of the stopped one.
    pub fn restart_server(&mut self) {
        let (_, stop) = start_server(self, self.port, ciao_server::Config::default());
        self.stop = Some(stop);
    }

    /// Steps the UI until the active session's link is lost.
    pub fn wait_disconnected(&self, harness: &mut Harness<'static, CiaoApp>, what: &str) {
        self.wait_until(harness, what, |h| {
            h.state()
                .active_session()
                .is_some_and(|s| matches!(s.model.link, LinkState::Disconnected(_)))
        });
    }

    /// Another participant, through ciao-client.
    pub fn other(&self, nick: &str) -> Other {
        self.other_on(self.port, nick)
    }

    /// Another participant on the server at `port` of 127.0.0.1.
    pub fn other_on(&self, port: u16, nick: &str) -> Other {
        let (_handle, updates) = connect(
            self.runtime.handle(),
            Settings::new("127.0.0.1", port, nick),
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
    pub fn say(&mut self, runtime: &Runtime, texts: &[&str]) {
        for text in texts {
            self.send(ciao_proto::Message::new("PRIVMSG", ["#lobby", text]));
        }
        let last = texts.last().copied().unwrap_or_default().to_owned();
        self.until(runtime, "the echo of the last line", move |m| {
            m.buffer("#lobby")
                .is_some_and(|b| b.lines.iter().any(|l| l.text == last))
        });
    }
}

pub struct Other {
    pub _handle: ciao_client::connection::Handle,
    pub updates: ciao_client::Updates,
    pub model: Model,
}

impl Other {
    /// Sends `line` to the server as another participant would.
    pub fn send(&self, line: ciao_proto::Message) {
        assert!(self._handle.send(ciao_client::Control::Send(line)));
    }

    pub fn until(&mut self, runtime: &Runtime, what: &str, done: impl Fn(&Model) -> bool) {
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

    pub fn saw(&self, text: &str) -> bool {
        self.model
            .buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == text))
    }
}

/// The app's active session.
pub fn session<'h>(h: &'h Harness<'static, CiaoApp>) -> &'h ciao::session::Session {
    h.state().active_session().expect("a session")
}

/// A port nobody listens on right now (bound, then released).
pub fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn fill(harness: &mut Harness<'static, CiaoApp>, label: &str, text: &str) {
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

/// Fills the form to host a chat on a free port as `nick`; returns the
/// port.
pub fn host_form(harness: &mut Harness<'static, CiaoApp>, nick: &str) -> u16 {
    let free = unused_port();
    fill(harness, "Port", &free.to_string());
    fill(harness, "Nickname", nick);
    free
}

pub fn connect_as(fixture: &Fixture, harness: &mut Harness<'static, CiaoApp>, nick: &str) {
    fill(harness, "Server address", "127.0.0.1");
    fill(harness, "Port", &fixture.port.to_string());
    fill(harness, "Nickname", nick);
    harness.key_press(egui::Key::Enter);
    fixture.wait_until(harness, "the chat view with #lobby", |h| {
        h.state().active_session().is_some_and(|s| {
            s.model.active_buffer().name == "#lobby" && s.model.active_buffer().joined
        })
    });
}

pub fn send_line(harness: &mut Harness<'static, CiaoApp>, text: &str, with_button: bool) {
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

/// A fake server on 127.0.0.1:0 that answers each connection's USER line
/// with `script` and closes; counts the connections it accepted.
pub fn fake_server(
    runtime: &Runtime,
    script: &'static str,
) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    runtime.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.starts_with("USER ") {
                        break;
                    }
                }
                let _ = write.write_all(script.as_bytes()).await;
            });
        }
    });
    (port, accepted)
}

/// Starts a ciao-server on `port` of 127.0.0.1 (0: any), on the fixture's
/// runtime; returns its port and what stops it.
pub fn start_server(
    fixture: &Fixture,
    port: u16,
    config: ciao_server::Config,
) -> (u16, oneshot::Sender<()>) {
    let listener = {
        let _guard = fixture.runtime.enter();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        ciao_server::bind(addr).expect("bind")
    };
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = oneshot::channel::<()>();
    fixture
        .runtime
        .spawn(ciao_server::run(config, vec![listener], async move {
            let _ = stopped.await;
        }));
    (port, stop)
}

/// Fills the form for 127.0.0.1:`port` as `nick` and presses Connect.
pub fn submit_form(harness: &mut Harness<'static, CiaoApp>, port: u16, nick: &str) {
    fill(harness, "Server address", "127.0.0.1");
    fill(harness, "Port", &port.to_string());
    fill(harness, "Nickname", nick);
    harness.get_by_label("Connect").click();
    // A step, not a run: the spinner repaints until the server answers.
    harness.step();
}

/// eframe's storage in memory, for "restored after a restart".
#[derive(Default)]
pub struct MemoryStorage(pub std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
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

/// The lines of `buffer` in `session` that read `text`.
pub fn has_line(session: &ciao::session::Session, buffer: &str, text: &str) -> bool {
    session
        .model
        .buffer(buffer)
        .is_some_and(|b| b.lines.iter().any(|l| l.text == text))
}
