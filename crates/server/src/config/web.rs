//! The web listener's settings (`net::web`): who may open the page's
//! WebSocket, under which names the page is served, and how long a
//! browser may take to ask.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Origins (`https://chat.example.org`) whose pages may open a
    /// WebSocket to this server, besides the page it serves itself. Their
    /// hosts are also names the page may be asked for by.
    pub origins: Vec<String>,
    /// Serve the page's files from this directory, read at each request,
    /// instead of the copies built into the binary (for working on the
    /// page without a rebuild). Only the page's own file names are read.
    pub dir: Option<PathBuf>,
    /// A browser's request head (the request line and headers) must be in
    /// within this time; a slow dribble is closed.
    pub header_timeout: Duration,
    /// A kept-alive connection waits this long for its next request.
    pub keep_alive: Duration,
    /// How long a silent connection to the web port waits before it is
    /// taken for a plain client and greeted. Far longer than the chat
    /// port's: browsers open connections ahead of their requests (Chrome
    /// preconnects while an address is typed, and keeps an unused socket
    /// for 10 s), and a greeting on such a socket would break the page.
    /// A plain client that speaks first is a plain client at once.
    pub plain_grace: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            origins: Vec::new(),
            dir: None,
            header_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(5),
            plain_grace: Duration::from_secs(12),
        }
    }
}
