//! The page in a real browser: Debian's chromium, headless, driven
//! through chromedriver (tests/browser/driver.rs), against the real server
//! on 127.0.0.1 with IRC and plain clients beside it.

mod common;

#[path = "browser/driver.rs"]
mod driver;

use driver::{Browser, DESKTOP};

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
            .any(|e| e.message.contains("Content Security Policy")),
        "the violation is in the console: {errors:#?}"
    );
    assert_eq!(browser.eval("return window.ran === true").await, false);
    browser.tolerate("Content Security Policy");
    browser.finish().await;
}
