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
    File {
        path: "/icon.svg",
        content_type: "image/svg+xml",
        name: "icon.svg",
        body: include_bytes!("../../../web/icon.svg"),
    },
    File {
        path: "/js/irc.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/irc.js",
        body: include_bytes!("../../../web/js/irc.js"),
    },
    File {
        path: "/js/format.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/format.js",
        body: include_bytes!("../../../web/js/format.js"),
    },
    File {
        path: "/js/model.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/model.js",
        body: include_bytes!("../../../web/js/model.js"),
    },
    File {
        path: "/js/connection.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/connection.js",
        body: include_bytes!("../../../web/js/connection.js"),
    },
    File {
        path: "/js/client.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/client.js",
        body: include_bytes!("../../../web/js/client.js"),
    },
    File {
        path: "/js/commands.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/commands.js",
        body: include_bytes!("../../../web/js/commands.js"),
    },
    File {
        path: "/js/complete.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/complete.js",
        body: include_bytes!("../../../web/js/complete.js"),
    },
    File {
        path: "/js/notify.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/notify.js",
        body: include_bytes!("../../../web/js/notify.js"),
    },
    File {
        path: "/js/storage.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/storage.js",
        body: include_bytes!("../../../web/js/storage.js"),
    },
    File {
        path: "/js/view/nick-colour.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/view/nick-colour.js",
        body: include_bytes!("../../../web/js/view/nick-colour.js"),
    },
    File {
        path: "/js/view/messages.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/view/messages.js",
        body: include_bytes!("../../../web/js/view/messages.js"),
    },
    File {
        path: "/js/view/conversations.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/view/conversations.js",
        body: include_bytes!("../../../web/js/view/conversations.js"),
    },
    File {
        path: "/js/view/members.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/view/members.js",
        body: include_bytes!("../../../web/js/view/members.js"),
    },
    File {
        path: "/js/view/input.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/view/input.js",
        body: include_bytes!("../../../web/js/view/input.js"),
    },
    File {
        path: "/js/view/drawers.js",
        content_type: "text/javascript; charset=utf-8",
        name: "js/view/drawers.js",
        body: include_bytes!("../../../web/js/view/drawers.js"),
    },
];

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::FILES;

    /// Every file of the page is in the table and every entry is a file
    /// of the page: a module added without its entry would be a 404 in
    /// the browser (its Node tests, under `tests/`, are not served).
    #[test]
    fn the_table_lists_every_file_of_the_page() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut on_disk = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read the page's directory") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    if path != root.join("tests") {
                        dirs.push(path);
                    }
                    continue;
                }
                let name = path.strip_prefix(&root).expect("under web/");
                on_disk.push(name.to_string_lossy().replace('\\', "/"));
            }
        }
        on_disk.sort();
        let mut listed: Vec<String> = FILES.iter().map(|file| file.name.to_owned()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
        for file in FILES {
            let served_as = if file.name == "index.html" {
                "/".to_owned()
            } else {
                format!("/{}", file.name)
            };
            assert_eq!(file.path, served_as, "{} under its own name", file.name);
        }
    }
}
