//! The page's modules that need no browser (line parsing, formatting,
//! the model, commands, completion, history batches), run by Node's test
//! runner: `node --test crates/server/web/tests/`. The page itself is
//! tested in Chromium (`tests/browser.rs`).

use std::path::Path;
use std::process::Command;

#[test]
fn the_pages_modules_pass_their_node_tests() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/tests");
    let output = Command::new("node")
        .arg("--test")
        .arg(&tests)
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run node ({error}): install Node.js (Debian: apt-get install nodejs)")
        });
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node --test {} failed:\n{report}\n{}",
        tests.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    // Node runs nothing (and succeeds) if the folder has no tests.
    assert!(
        report.contains("# pass ") && !report.contains("# pass 0"),
        "{report}"
    );
}
