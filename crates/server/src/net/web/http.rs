//! HTTP/1.1 on the web port, as pure functions: a request head in, what
//! to answer out. The page's files for `GET`/`HEAD`, the WebSocket
//! upgrade, and a clear refusal for anything else; nothing here reaches
//! the chat. Heads are parsed with httparse (the parser tungstenite and
//! hyper use); the connection's reading and writing is `super::serve`.

use std::fmt::Write as _;

use base64::Engine as _;
use bytes::Bytes;

use super::files::{self, File};
use super::policy::Policy;
use super::websocket::Framing;

/// Headers one request may carry (browsers send about 15).
const MAX_HEADERS: usize = 64;
/// The IRCv3 WebSocket subprotocols, by what they mean for frames.
const SUBPROTOCOLS: [(&str, Framing); 2] = [
    ("binary.ircv3.net", Framing::Binary),
    ("text.ircv3.net", Framing::Text),
];

/// What a request head asks for, once checked.
#[derive(Debug)]
pub(super) enum Route {
    /// One of the page's files (`head_only` for `HEAD`).
    File {
        file: &'static File,
        head_only: bool,
    },
    /// A WebSocket: the 101 answer is `response`, then frames.
    Upgrade { response: Bytes, framing: Framing },
    /// An error answer, after which the connection closes.
    Refuse(Refusal),
}

/// A refused request: its status and the sentence that says why.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Refusal {
    pub status: Status,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Ok,
    BadRequest,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    UpgradeRequired,
    HeadersTooLarge,
    Unavailable,
}

impl Status {
    fn line(self) -> &'static str {
        match self {
            Status::Ok => "200 OK",
            Status::BadRequest => "400 Bad Request",
            Status::Forbidden => "403 Forbidden",
            Status::NotFound => "404 Not Found",
            Status::MethodNotAllowed => "405 Method Not Allowed",
            Status::UpgradeRequired => "426 Upgrade Required",
            Status::HeadersTooLarge => "431 Request Header Fields Too Large",
            Status::Unavailable => "503 Service Unavailable",
        }
    }
}

fn refuse(status: Status, text: impl Into<String>) -> Route {
    Route::Refuse(Refusal {
        status,
        text: text.into(),
    })
}

/// A parsed request head.
#[derive(Debug)]
pub(super) struct Head {
    method: String,
    path: String,
    /// HTTP/1.x's x.
    minor_version: u8,
    headers: Vec<(String, String)>,
}

impl Head {
    /// Parses a complete head (ending with an empty line); `Err` is the
    /// answer to a head that is not HTTP/1.x.
    pub(super) fn parse(bytes: &[u8]) -> Result<Head, Refusal> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(bytes) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(Refusal {
                    status: Status::BadRequest,
                    text: "The request is incomplete.".into(),
                });
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Refusal {
                    status: Status::HeadersTooLarge,
                    text: format!("A request may carry at most {MAX_HEADERS} headers."),
                });
            }
            Err(error) => {
                return Err(Refusal {
                    status: Status::BadRequest,
                    text: format!("This is not an HTTP request ({error})."),
                });
            }
        }
        Ok(Head {
            method: request.method.unwrap_or_default().to_owned(),
            path: request.path.unwrap_or_default().to_owned(),
            minor_version: request.version.unwrap_or_default(),
            headers: request
                .headers
                .iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value).trim().to_owned();
                    (h.name.to_ascii_lowercase(), value)
                })
                .collect(),
        })
    }

    /// The first value of header `name` (lowercase).
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every comma-separated token of every `name` header, in order.
    fn tokens<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|token| !token.is_empty())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.tokens(name).any(|t| t.eq_ignore_ascii_case(token))
    }

    /// The `Host` header, if it is a plain host (and port): it is echoed
    /// in the page's Content-Security-Policy.
    pub(super) fn host(&self) -> Option<&str> {
        self.header("host").filter(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
    }

    /// Whether the connection may carry another request after this one.
    pub(super) fn keep_alive(&self) -> bool {
        if self.has_body() || self.has_token("connection", "close") {
            return false;
        }
        self.minor_version >= 1 || self.has_token("connection", "keep-alive")
    }

    /// A body follows the head (it is never read: no route takes one).
    fn has_body(&self) -> bool {
        self.header("transfer-encoding").is_some()
            || self
                .header("content-length")
                .is_some_and(|len| len.trim() != "0")
    }
}

/// What to answer `head`.
pub(super) fn route(head: &Head, policy: &Policy) -> Route {
    match head.header("host") {
        Some(host) if !policy.host_allowed(host) => {
            return refuse(
                Status::Forbidden,
                format!(
                    "This chat is not served under the name {host:?}. Its operator can add it with --web-origin or --server-name."
                ),
            );
        }
        _ => {}
    }
    if head.has_token("upgrade", "websocket") {
        return upgrade(head, policy);
    }
    let head_only = match head.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return refuse(
                Status::MethodNotAllowed,
                "This is a chat's web page: it only answers GET and HEAD.",
            );
        }
    };
    if head.has_body() {
        return refuse(Status::BadRequest, "A GET request has no body.");
    }
    let path = head.path.split(['?', '#']).next().unwrap_or_default();
    let path = if path == "/index.html" { "/" } else { path };
    match files::FILES.iter().find(|file| file.path == path) {
        Some(file) => Route::File { file, head_only },
        None => refuse(Status::NotFound, "There is no such page here."),
    }
}

/// The WebSocket handshake (RFC 6455 §4.2) and the IRCv3 subprotocol.
fn upgrade(head: &Head, policy: &Policy) -> Route {
    if head.method != "GET" || head.minor_version < 1 || !head.has_token("connection", "upgrade") {
        return refuse(
            Status::BadRequest,
            "A WebSocket is opened with GET, HTTP/1.1 and Connection: Upgrade.",
        );
    }
    if head.header("sec-websocket-version") != Some("13") {
        return refuse(
            Status::UpgradeRequired,
            "This server speaks WebSocket version 13.",
        );
    }
    let key = head.header("sec-websocket-key").unwrap_or_default();
    let decoded = base64::engine::general_purpose::STANDARD.decode(key);
    if !decoded.is_ok_and(|nonce| nonce.len() == 16) {
        return refuse(
            Status::BadRequest,
            "Sec-WebSocket-Key is missing or invalid.",
        );
    }
    if let Some(origin) = head.header("origin")
        && !policy.origin_allowed(origin, head.header("host"))
    {
        return refuse(
            Status::Forbidden,
            format!(
                "Pages from {origin:?} may not connect to this chat. Its operator can allow them with --web-origin."
            ),
        );
    }
    // The client's order of preference decides; a client that asks for
    // neither (gamja asks for none) gets text frames.
    let chosen = head.tokens("sec-websocket-protocol").find_map(|offered| {
        SUBPROTOCOLS
            .iter()
            .find(|(name, _)| offered.eq_ignore_ascii_case(name))
    });
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        tungstenite::handshake::derive_accept_key(key.as_bytes())
    );
    if let Some((name, _)) = chosen {
        let _ = write!(response, "Sec-WebSocket-Protocol: {name}\r\n");
    }
    response.push_str("\r\n");
    Route::Upgrade {
        response: Bytes::from(response),
        framing: chosen.map_or(Framing::Text, |(_, framing)| *framing),
    }
}

/// A response's head: the status, the headers every answer carries (what
/// keeps the page from being framed, sniffed or leaking its address),
/// and the body's type and length.
pub(super) fn response_head(
    status: Status,
    content_type: &str,
    len: usize,
    host: Option<&str>,
    keep_alive: bool,
) -> String {
    // No inline script or style; the WebSocket back to where the page
    // came from (named as well as 'self', which older browsers do not
    // extend to ws: and wss:).
    let sockets = host.map_or(String::new(), |host| format!(" ws://{host} wss://{host}"));
    let mut head = format!(
        "HTTP/1.1 {}\r\n\
         Content-Type: {content_type}\r\n\
         Content-Length: {len}\r\n\
         Cache-Control: no-cache\r\n\
         Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; manifest-src 'self'; connect-src 'self'{sockets}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Frame-Options: DENY\r\n\
         Cross-Origin-Opener-Policy: same-origin\r\n\
         Cross-Origin-Resource-Policy: same-origin\r\n",
        status.line()
    );
    match status {
        Status::MethodNotAllowed => head.push_str("Allow: GET, HEAD\r\n"),
        Status::UpgradeRequired => head.push_str("Sec-WebSocket-Version: 13\r\n"),
        _ => {}
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    head
}

/// A refusal's whole answer (the connection closes after it).
pub(super) fn refusal_response(refusal: &Refusal, host: Option<&str>) -> Bytes {
    let body = format!("{}\n", refusal.text);
    let mut response = response_head(
        refusal.status,
        "text/plain; charset=utf-8",
        body.len(),
        host,
        false,
    );
    response.push_str(&body);
    Bytes::from(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        Head::parse(text.replace('\n', "\r\n").as_bytes()).expect("a head")
    }

    fn policy() -> Policy {
        Policy::new("ciao.local", &[])
    }

    fn upgrade_request(extra: &str) -> String {
        format!(
            "GET / HTTP/1.1\nHost: 127.0.0.1:8067\nUpgrade: websocket\nConnection: keep-alive, Upgrade\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n{extra}\n"
        )
    }

    fn framing(route: Route) -> (Framing, String) {
        match route {
            Route::Upgrade { response, framing } => {
                (framing, String::from_utf8_lossy(&response).into_owned())
            }
            other => panic!("not an upgrade: {other:?}"),
        }
    }

    #[test]
    fn the_page_is_served_for_get_and_head() {
        let policy = policy();
        let get = route(
            &head("GET /?nick=ann HTTP/1.1\nHost: localhost:8067\n\n"),
            &policy,
        );
        assert!(matches!(get, Route::File { file, head_only: false } if file.path == "/"));
        let get = route(&head("GET /index.html HTTP/1.1\n\n"), &policy);
        assert!(matches!(get, Route::File { file, .. } if file.path == "/"));
        let head_only = route(&head("HEAD / HTTP/1.1\nHost: localhost\n\n"), &policy);
        assert!(matches!(
            head_only,
            Route::File {
                head_only: true,
                ..
            }
        ));
    }

    #[test]
    fn other_paths_and_methods_are_refused() {
        let policy = policy();
        let status = |text: &str| match route(&head(text), &policy) {
            Route::Refuse(refusal) => refusal.status,
            other => panic!("not refused: {other:?}"),
        };
        assert_eq!(status("GET /../etc/passwd HTTP/1.1\n\n"), Status::NotFound);
        assert_eq!(
            status("POST / HTTP/1.1\nContent-Length: 4\n\n"),
            Status::MethodNotAllowed
        );
        assert_eq!(
            status("GET / HTTP/1.1\nHost: evil.example\n\n"),
            Status::Forbidden
        );
        assert_eq!(
            status("GET / HTTP/1.1\nContent-Length: 3\n\n"),
            Status::BadRequest
        );
    }

    #[test]
    fn the_accept_key_is_rfc_6455s() {
        let (_, response) = framing(route(&head(&upgrade_request("")), &policy()));
        // RFC 6455 §1.3's example key and answer.
        assert!(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(!response.contains("Sec-WebSocket-Protocol"));
    }

    #[test]
    fn the_subprotocol_is_the_clients_first_known_one() {
        let policy = policy();
        for (offered, expected, name) in [
            (
                "binary.ircv3.net",
                Framing::Binary,
                Some("binary.ircv3.net"),
            ),
            ("text.ircv3.net", Framing::Text, Some("text.ircv3.net")),
            (
                "binary.ircv3.net, text.ircv3.net",
                Framing::Binary,
                Some("binary.ircv3.net"),
            ),
            (
                "text.ircv3.net, binary.ircv3.net",
                Framing::Text,
                Some("text.ircv3.net"),
            ),
            (
                "chat, binary.ircv3.net",
                Framing::Binary,
                Some("binary.ircv3.net"),
            ),
            ("chat", Framing::Text, None),
        ] {
            let request = upgrade_request(&format!("Sec-WebSocket-Protocol: {offered}\n"));
            let (framing, response) = framing(route(&head(&request), &policy));
            assert_eq!(framing, expected, "{offered}");
            match name {
                Some(name) => assert!(
                    response.contains(&format!("Sec-WebSocket-Protocol: {name}\r\n")),
                    "{offered}"
                ),
                None => assert!(!response.contains("Sec-WebSocket-Protocol"), "{offered}"),
            }
        }
    }

    #[test]
    fn a_foreign_page_may_not_open_a_websocket() {
        let request = upgrade_request("Origin: http://evil.example\n");
        assert!(matches!(
            route(&head(&request), &policy()),
            Route::Refuse(Refusal {
                status: Status::Forbidden,
                ..
            })
        ));
        let request = upgrade_request("Origin: http://127.0.0.1:8067\n");
        assert!(matches!(
            route(&head(&request), &policy()),
            Route::Upgrade { .. }
        ));
    }

    #[test]
    fn responses_carry_the_security_headers() {
        let head = response_head(Status::Ok, "text/html", 5, Some("127.0.0.1:8067"), true);
        for header in [
            "Content-Security-Policy: default-src 'none'; script-src 'self';",
            "connect-src 'self' ws://127.0.0.1:8067 wss://127.0.0.1:8067;",
            "frame-ancestors 'none'",
            "X-Content-Type-Options: nosniff\r\n",
            "Referrer-Policy: no-referrer\r\n",
        ] {
            assert!(head.contains(header), "{header}");
        }
    }

    #[test]
    fn a_host_with_odd_bytes_is_not_echoed() {
        let head = head("GET / HTTP/1.1\nHost: a b'\n\n");
        assert_eq!(head.host(), None);
    }
}
