//! The chat page as a user sees it, through the DOM contract the page and
//! these tests share (element ids and classes; see the page's index.html):
//! connect with a nick, type lines, read `#messages`, the conversation
//! list, its unread counts and mention marks.

use std::net::SocketAddr;

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::driver::{Browser, bounded};

/// Functions the checks below share, defined in front of each script:
/// `shown(el)` is true when `el` is on screen and not covered (a drawer
/// pushed off-canvas or hidden under another pane is not shown);
/// `lines()` is `#messages .line` as `{nick, text, time, msgid, event}`.
const HELPERS: &str = r#"
const shown = (el) => {
  if (!el) return false;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') return false;
  const r = el.getBoundingClientRect();
  const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
  if (right - left < 1 || bottom - top < 1) return false;
  const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
  return hit !== null && (el === hit || el.contains(hit));
};
const lines = () => [...document.querySelectorAll('#messages .line')].map((l) => ({
  nick: (l.querySelector('.nick')?.textContent ?? '').trim(),
  text: l.querySelector('.text')?.textContent ?? '',
  time: (l.querySelector('.time')?.textContent ?? '').trim(),
  msgid: l.dataset.msgid ?? null,
  event: l.classList.contains('event'),
}));
const conversation = (target) =>
  [...document.querySelectorAll('#conversations li.conversation')]
    .find((li) => li.dataset.target === target) ?? null;
"#;

/// One line of `#messages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub nick: String,
    pub text: String,
    pub time: String,
    pub msgid: Option<String>,
    pub event: bool,
}

/// A browser user on the chat page.
#[derive(Debug)]
pub struct Page {
    pub browser: Browser,
}

impl Page {
    /// Opens `web_addr`'s page in a browser with a `size` viewport,
    /// connects as `nick` through the form and waits until registered.
    pub async fn connect(web_addr: SocketAddr, nick: &str, size: (u32, u32)) -> Page {
        let browser = Browser::start(size).await;
        browser.goto(&format!("http://{web_addr}/")).await;
        let mut page = Page { browser };
        page.submit_nick(nick).await;
        page.wait_connected().await;
        page
    }

    /// Fills `input#nick` and presses the connect form's submit button.
    pub async fn submit_nick(&mut self, nick: &str) {
        let field = self.browser.element("form#connect input#nick").await;
        bounded("clear the nick field", field.clear()).await;
        bounded("type the nick", field.send_keys(nick)).await;
        self.browser
            .click("form#connect [type=submit], form#connect button:not([type])")
            .await;
    }

    /// Runs `script` with the helpers above in scope.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.browser
            .eval_with(&format!("{HELPERS}\n{script}"), args)
            .await
    }

    /// Waits until `script` (helpers in scope) returns something truthy.
    pub async fn wait(&mut self, what: &str, script: &str, args: Vec<Value>) -> Value {
        self.browser
            .wait_until(what, &format!("{HELPERS}\n{script}"), args)
            .await
    }

    /// `#status` says connected, and no reconnect button is offered.
    pub async fn wait_connected(&mut self) {
        self.wait("the page to say it is connected", CONNECTED, vec![])
            .await;
    }

    /// `#status` no longer says connected, and `button#reconnect` shows.
    pub async fn wait_disconnected(&mut self) {
        let script = format!(
            "return !(() => {{ {CONNECTED} }})() && shown(document.querySelector('button#reconnect'))"
        );
        self.wait("the page to say it lost the link", &script, vec![])
            .await;
    }

    /// Types `text` into `textarea#input` and presses Enter.
    pub async fn say(&mut self, text: &str) {
        let input = format!("{text}{}", char::from(Key::Enter));
        self.browser.type_into("textarea#input", &input).await;
    }

    /// The lines in `#messages` now.
    pub async fn lines(&self) -> Vec<Line> {
        let value = self.eval("return lines()", vec![]).await;
        value
            .as_array()
            .map(|lines| lines.iter().map(line_of).collect())
            .unwrap_or_default()
    }

    /// Waits for a line from `nick` whose text contains `text`, and
    /// returns it.
    pub async fn wait_line(&mut self, nick: &str, text: &str) -> Line {
        let script = "return lines().find((l) => l.nick.includes(arguments[0]) \
                      && l.text.includes(arguments[1])) ?? null";
        let what = format!("a line from {nick} with {text:?}");
        let found = self
            .wait(&what, script, vec![json!(nick), json!(text)])
            .await;
        line_of(&found)
    }

    /// Waits until `#conversations` lists `target`.
    pub async fn wait_conversation(&mut self, target: &str) {
        self.wait(
            &format!("{target} in the conversation list"),
            "return conversation(arguments[0]) !== null",
            vec![json!(target)],
        )
        .await;
    }

    /// Clicks `target` in the conversation list and waits until it is the
    /// open one.
    pub async fn open(&mut self, target: &str) {
        self.wait_conversation(target).await;
        let css = format!("#conversations li.conversation[data-target=\"{target}\"]");
        self.browser.click(&css).await;
        self.wait_open(target).await;
    }

    /// Waits until `target` is the open conversation.
    pub async fn wait_open(&mut self, target: &str) {
        self.wait(
            &format!("{target} to be the open conversation"),
            "return conversation(arguments[0])?.getAttribute('aria-current') === 'true'",
            vec![json!(target)],
        )
        .await;
    }

    /// Waits until `target`'s unread count shows `count` (0: none shown)
    /// and its mention mark is `mention`.
    pub async fn wait_unread(&mut self, target: &str, count: u32, mention: bool) {
        let script = "const li = conversation(arguments[0]); if (!li) return false; \
                      const badge = li.querySelector('.unread'); \
                      const text = badge && shown(badge) ? badge.textContent.trim() : ''; \
                      const expected = arguments[1] === 0 ? '' : String(arguments[1]); \
                      return text === expected && li.classList.contains('mention') === arguments[2]";
        let what = format!("{target} to show {count} unread (mention: {mention})");
        self.wait(
            &what,
            script,
            vec![json!(target), json!(count), json!(mention)],
        )
        .await;
    }

    /// Fails on console errors, then closes the browser.
    pub async fn finish(self) {
        self.browser.finish().await;
    }
}

/// The status check: "connected" in `#status` (not "disconnected" nor
/// "not connected"), and no reconnect button on screen.
const CONNECTED: &str = "const status = (document.querySelector('#status')?.textContent ?? '').toLowerCase(); \
     return /(^|[^a-z])connected/.test(status) && !/not connected/.test(status) \
       && !shown(document.querySelector('button#reconnect'))";

fn line_of(value: &Value) -> Line {
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
    Line {
        nick: text("nick"),
        text: text("text"),
        time: text("time"),
        msgid: value["msgid"].as_str().map(str::to_owned),
        event: value["event"].as_bool().unwrap_or(false),
    }
}
