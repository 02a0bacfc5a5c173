//! The page's files (`crates/server/web/`), embedded in the binary: the
//! web listener serves exactly these paths and nothing else.

/// One file of the page.
#[derive(Debug)]
pub(super) struct File {
    /// The request path that gets it (`/` is the page itself).
    pub path: &'static str,
    pub content_type: &'static str,
    /// The name under `crates/server/web/` (also what `--web-dir` reads).
    pub name: &'static str,
    pub body: &'static [u8],
}

pub(super) const FILES: &[File] = &[
    File {
        path: "/",
        content_type: "text/html; charset=utf-8",
        name: "index.html",
        body: include_bytes!("../../../web/index.html"),
    },
    File {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        name: "style.css",
        body: include_bytes!("../../../web/style.css"),
    },
    File {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        name: "app.js",
        body: include_bytes!("../../../web/app.js"),
    },
];
