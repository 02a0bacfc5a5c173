//! Debian's chromium, headless, driven over WebDriver through
//! /usr/bin/chromedriver: one chromedriver (and so one browser) per test,
//! both killed when the test ends, passed or failed.
//!
//! chromedriver is started with `--port=0` and says which port it took on
//! stdout ("ChromeDriver was started successfully on port N."), so no
//! port is guessed and nothing can race for it. It runs in a process group
//! of its own, and dropping the `Browser` kills that whole group: chromium
//! and its helper processes with it, even when the test panicked before
//! it could end the session politely.
//!
//! Every console message of level SEVERE fails the test: script errors,
//! failed loads and Content-Security-Policy violations all land there
//! (`goog:loggingPrefs`, read with chromedriver's `se/log` command).

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
const PACKAGES: &str = "apt-get install chromium chromium-driver fonts-noto-color-emoji";

/// How long chromedriver and a browser session may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a condition on the page may take to come true.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one WebDriver command may take (a hung browser fails the
/// test instead of holding it).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// How often a condition is checked while waiting for it.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The laptop window the tests use unless they ask for a phone's.
pub const DESKTOP: (u32, u32) = (1280, 800);
/// A phone's viewport (CSS pixels), narrower than the page's 700 px break.
pub const PHONE: (u32, u32) = (390, 844);

/// One console message.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub source: String,
    pub message: String,
}

/// A headless chromium with its chromedriver. Drop kills both.
#[derive(Debug)]
pub struct Browser {
    /// Declared first: dropped (its connection to chromedriver closed)
    /// before the processes are killed.
    client: Option<Client>,
    /// Held for its Drop, which kills chromedriver and chromium.
    _driver: Chromedriver,
    /// Every console message read so far (chromedriver hands each out once).
    console: Vec<LogEntry>,
    /// Console messages a test expects (e.g. failed reconnects while the
    /// server is down) and that must not fail it.
    tolerated: Vec<String>,
}

impl Browser {
    /// A browser whose viewport is `width` × `height` CSS pixels.
    pub async fn start((width, height): (u32, u32)) -> Browser {
        let driver = Chromedriver::start();
        let profile = driver.profile.path().display().to_string();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    // Tests run as root in CI, where chromium's sandbox
                    // cannot start.
                    "--no-sandbox",
                    "--disable-gpu",
                    // Containers often give /dev/shm only 64 MB.
                    "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}"),
                    "--force-device-scale-factor=1",
                    format!("--user-data-dir={profile}"),
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--lang=en-US",
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{}/", driver.port);
        let client = match tokio::time::timeout(START_TIMEOUT, builder.connect(&url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => panic!("no browser session: {error}\n{}", driver.output()),
            Err(_) => panic!("no browser session within {START_TIMEOUT:?}"),
        };
        let browser = Browser {
            client: Some(client),
            _driver: driver,
            console: Vec::new(),
            tolerated: Vec::new(),
        };
        browser.set_viewport(width, height).await;
        browser
    }

    /// Sizes the window so that the page's viewport is `width` × `height`:
    /// even headless, chromium keeps room for a window frame and toolbar
    /// it does not draw, so the window is made larger by that much.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let script = "return [window.outerWidth - window.innerWidth, \
                      window.outerHeight - window.innerHeight]";
        let frame = self.eval(script).await;
        let extra = |i: usize| frame[i].as_u64().unwrap_or_default() as u32;
        let resize = self
            .client()
            .set_window_size(width + extra(0), height + extra(1));
        bounded("resize the window", resize).await;
        let viewport = self
            .eval("return [window.innerWidth, window.innerHeight]")
            .await;
        assert_eq!(viewport, json!([width, height]), "the browser's viewport");
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open")
    }

    pub async fn goto(&self, url: &str) {
        bounded(&format!("open {url}"), self.client().goto(url)).await;
    }

    /// Runs `script` (a function body: `return …`) in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.eval_with(script, Vec::new()).await
    }

    /// Runs `script` with `arguments[0…]` set to `args`.
    pub async fn eval_with(&self, script: &str, args: Vec<Value>) -> Value {
        let what = format!("run the script\n{script}\n");
        bounded(&what, self.client().execute(script, args)).await
    }

    /// Polls `script` until it returns something truthy (not null, false,
    /// 0, "" or []), and returns that; fails after `WAIT_TIMEOUT` with what
    /// the page showed.
    pub async fn wait_until(&mut self, what: &str, script: &str, args: Vec<Value>) -> Value {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            let value = self.eval_with(script, args.clone()).await;
            if truthy(&value) {
                return value;
            }
            if Instant::now() >= deadline {
                let page = self.eval("return document.body.innerText").await;
                let page = page.as_str().unwrap_or_default();
                // The end of it: what arrived last is what matters.
                let tail: Vec<&str> = page.lines().rev().take(40).collect();
                let picture = self.save_screenshot(what).await;
                self.read_console().await;
                panic!(
                    "timed out after {WAIT_TIMEOUT:?} waiting for {what}; the page ended with:\n\
                     {}\nscreenshot: {picture}\nconsole: {:#?}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
                    self.console
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Saves what the browser shows under the tests' scratch directory
    /// (for a failure message) and returns the file's path.
    pub async fn save_screenshot(&self, what: &str) -> String {
        let name: String = what
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path =
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{name}.png"));
        match self.client().screenshot().await {
            Ok(png) => match std::fs::write(&path, png) {
                Ok(()) => path.display().to_string(),
                Err(error) => format!("not saved: {error}"),
            },
            Err(error) => format!("not taken: {error}"),
        }
    }

    /// The element `css` selects, waiting for it to exist.
    pub async fn element(&mut self, css: &str) -> fantoccini::elements::Element {
        let script = "return document.querySelector(arguments[0]) !== null";
        self.wait_until(&format!("an element {css}"), script, vec![json!(css)])
            .await;
        bounded(
            &format!("find {css}"),
            self.client().find(Locator::Css(css)),
        )
        .await
    }

    /// Types `text` into the element `css` selects (WebDriver keys: a
    /// `fantoccini::key::Key` as a char presses that key).
    pub async fn type_into(&mut self, css: &str, text: &str) {
        let element = self.element(css).await;
        bounded(&format!("type into {css}"), element.send_keys(text)).await;
    }

    /// Clicks the element `css` selects as a user would: WebDriver
    /// refuses a click on an element that is hidden or covered, so this
    /// retries (a drawer sliding in) until `WAIT_TIMEOUT`.
    pub async fn click(&mut self, css: &str) {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            let element = self.element(css).await;
            let click = tokio::time::timeout(COMMAND_TIMEOUT, element.click()).await;
            match click {
                Ok(Ok(())) => return,
                Ok(Err(error)) if Instant::now() >= deadline => {
                    panic!("click {css}: {error}")
                }
                Ok(Err(_)) => tokio::time::sleep(POLL_INTERVAL).await,
                Err(_) => panic!("click {css}: no answer within {COMMAND_TIMEOUT:?}"),
            }
        }
    }

    /// Lets console messages containing `needle` pass (for errors the
    /// test provokes on purpose).
    pub fn tolerate(&mut self, needle: &str) {
        self.tolerated.push(needle.to_owned());
    }

    /// Reads the console messages logged since the last read.
    pub async fn read_console(&mut self) -> &[LogEntry] {
        let reply = bounded("read the browser log", self.client().issue_cmd(BrowserLog)).await;
        let entries = reply.as_array().cloned().unwrap_or_default();
        for entry in entries {
            let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
            self.console.push(LogEntry {
                level: text("level"),
                source: text("source"),
                message: text("message"),
            });
        }
        &self.console
    }

    /// Waits until a console message contains `needle`.
    pub async fn wait_console(&mut self, needle: &str) {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        while !self
            .read_console()
            .await
            .iter()
            .any(|entry| entry.message.contains(needle))
        {
            assert!(
                Instant::now() < deadline,
                "no console message with {needle:?} within {WAIT_TIMEOUT:?}: {:#?}",
                self.console
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The console's errors so far that the test did not say to expect.
    pub async fn errors(&mut self) -> Vec<LogEntry> {
        self.read_console().await;
        self.console
            .iter()
            .filter(|entry| entry.level == "SEVERE")
            .filter(|entry| !self.tolerated.iter().any(|t| entry.message.contains(t)))
            .cloned()
            .collect()
    }

    /// Fails if the console showed an error, then ends the session
    /// (chromedriver closes chromium) before the processes are killed.
    pub async fn finish(mut self) {
        let errors = self.errors().await;
        assert!(errors.is_empty(), "the page logged errors: {errors:#?}");
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(START_TIMEOUT, client.close()).await;
        }
    }
}

/// One WebDriver command's result, or a panic saying what failed or
/// that the browser did not answer within `COMMAND_TIMEOUT`.
pub async fn bounded<T>(
    what: &str,
    command: impl std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
) -> T {
    match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => panic!("{what}: {error}"),
        Err(_) => panic!("{what}: no answer within {COMMAND_TIMEOUT:?}"),
    }
}

/// JavaScript's truthiness, for values that came back from the page.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

/// chromedriver's (non-standard) command that returns and clears the
/// console messages collected under `goog:loggingPrefs`.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// The chromedriver process.
#[derive(Debug)]
struct Chromedriver {
    child: Child,
    port: u16,
    /// What chromedriver printed, kept for failure messages.
    output: mpsc::Receiver<String>,
    /// chromium's profile (`--user-data-dir`): fresh for each test, so no
    /// test sees another's localStorage; removed after the kill.
    profile: tempfile::TempDir,
}

impl Chromedriver {
    fn start() -> Chromedriver {
        for binary in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(binary).exists(),
                "{binary} is missing: the browser tests need Debian's chromium ({PACKAGES})"
            );
        }
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut child = Command::new(CHROMEDRIVER)
            .args(["--port=0", "--log-level=WARNING"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group: Drop kills chromium with it (see the top).
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("start {CHROMEDRIVER}: {error}"));
        let (lines, output) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = lines.clone();
            // Drained to the end, so chromedriver never blocks on a pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = lines.send(line);
                }
            });
        }
        let mut driver = Chromedriver {
            child,
            port: 0,
            output,
            profile,
        };
        driver.port = driver.wait_port();
        driver
    }

    /// The port from "ChromeDriver was started successfully on port N.".
    fn wait_port(&mut self) -> u16 {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(line) => {
                    let port = line
                        .split("started successfully on port ")
                        .nth(1)
                        .and_then(|rest| rest.trim_end_matches('.').trim().parse().ok());
                    if let Some(port) = port {
                        return port;
                    }
                    seen.push(line);
                }
                Err(error) => panic!(
                    "chromedriver did not say its port ({error}; exit: {:?}):\n{}",
                    self.child.try_wait().ok().flatten(),
                    seen.join("\n")
                ),
            }
        }
    }

    /// What chromedriver printed since the port line.
    fn output(&self) -> String {
        self.output.try_iter().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group's id is chromedriver's pid (`process_group(0)`).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("/bin/kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
