//! What a first line from another protocol looks like.
//!
//! Any web page can make a visitor's browser POST to a LAN host's chat
//! port; mail and Redis clients, TLS and SSH can be pointed at it by
//! mistake. Such a connection must never become a chat client (its body
//! would become a name and chat lines), so the connection closes on its
//! first line. Every pattern here is something no person types as a name:
//! each has a space or a character a nickname may not hold, so a plain
//! user loses nothing. Pure functions: the connection decides what to do.

use std::fmt;

/// Another protocol's client, recognised by its first line or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Foreign {
    /// An HTTP/1.x request line or the HTTP/2 preface.
    Http,
    /// An SMTP client's first command.
    Smtp,
    /// A Redis (RESP) array or bulk string header.
    Redis,
    /// A TLS ClientHello.
    Tls,
    /// An SSH client's identification line.
    Ssh,
}

impl fmt::Display for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Foreign::Http => "an HTTP request",
            Foreign::Smtp => "an SMTP client",
            Foreign::Redis => "a Redis client",
            Foreign::Tls => "a TLS handshake",
            Foreign::Ssh => "an SSH client",
        })
    }
}

/// What an HTTP client gets before the close: a well-formed answer, so a
/// person who typed the address into a browser learns what the port is.
pub(super) const HTTP_RESPONSE: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Connection: close\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 87\r\n\
\r\n\
This is a ciao chat server, not a web server: connect with an IRC client or nc/telnet.\n";

/// True when `bytes` start like a TLS record carrying a handshake: content
/// type 22, then protocol version 3.0 (SSL 3) to 3.4. A ClientHello has no
/// newline and its sender waits for an answer, so this is checked on the
/// raw bytes as they arrive.
pub(super) fn is_tls_start(bytes: &[u8]) -> bool {
    matches!(bytes, [0x16, 0x03, 0x00..=0x04, ..])
}

/// The protocol `line` (a connection's first line, without its line
/// ending) belongs to, if it is not chat.
pub(super) fn sniff_line(line: &[u8]) -> Option<Foreign> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if is_tls_start(line) {
        Some(Foreign::Tls)
    } else if is_http_request_line(line) {
        Some(Foreign::Http)
    } else if is_smtp_command(line) {
        Some(Foreign::Smtp)
    } else if is_resp_header(line) {
        Some(Foreign::Redis)
    } else if is_ssh_identification(line) {
        Some(Foreign::Ssh)
    } else {
        None
    }
}

/// HTTP methods (RFC 9110). Case-sensitive in HTTP; browsers send them
/// in capitals.
const HTTP_METHODS: [&[u8]; 9] = [
    b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT", b"TRACE",
];

/// True when `first` (a first line, or what came of it so far) starts
/// like an HTTP request: a method, or the HTTP/2 preface's `PRI`, then a
/// space. The web port answers such a connection as HTTP.
pub(super) fn starts_like_http(first: &[u8]) -> bool {
    let Some(space) = first.iter().position(|&b| b == b' ') else {
        return false;
    };
    let method = &first[..space];
    method == b"PRI" || HTTP_METHODS.contains(&method)
}

/// `METHOD SP target SP HTTP/d.d` (RFC 9112 §3), or the HTTP/2 preface's
/// `PRI * HTTP/2.0`.
fn is_http_request_line(line: &[u8]) -> bool {
    if line == b"PRI * HTTP/2.0" {
        return true;
    }
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    HTTP_METHODS.contains(&method)
        && !target.is_empty()
        && matches!(version, [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit())
}

/// `HELO`/`EHLO` with a domain, or `MAIL FROM:` / `RCPT TO:` (RFC 5321
/// §4.1.1), case-insensitive as SMTP is. A bare `DATA`, `HELO` or `QUIT`
/// stays a name: an SMTP client always greets with `EHLO`/`HELO` first,
/// which this catches, and "data" is a name someone may choose.
fn is_smtp_command(line: &[u8]) -> bool {
    let starts = |prefix: &[u8]| {
        line.len() > prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    let greeting = starts(b"HELO ") || starts(b"EHLO ");
    let has_domain = line
        .get(5..)
        .is_some_and(|rest| rest.iter().any(|b| !b.is_ascii_whitespace()));
    greeting && has_domain || starts(b"MAIL FROM:") || starts(b"RCPT TO:")
}

/// A RESP array (`*<count>`) or bulk string (`$<length>`) header, what
/// redis-cli and every Redis library send. The inline form (`PING` alone)
/// is not caught: a person may be called PING, and a browser's request
/// (the cross-protocol attack) is caught by its HTTP request line first.
fn is_resp_header(line: &[u8]) -> bool {
    match line {
        [b'*' | b'$', digits @ ..] => {
            let digits = digits.strip_prefix(b"-").unwrap_or(digits);
            !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// `SSH-<protoversion>-<softwareversion>` (RFC 4253 §4.2).
fn is_ssh_identification(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"SSH-") else {
        return false;
    };
    let version_len = rest
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    version_len > 0 && rest.get(version_len) == Some(&b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_and_a_space_start_an_http_request() {
        for first in [
            &b"GET / HTTP/1.1"[..],
            b"POST /x",
            b"PRI * HTTP/2.0",
            b"HEAD ",
        ] {
            assert!(starts_like_http(first), "{first:?}");
        }
        for first in [
            &b"GE"[..],
            b"GET",
            b"GETTER /",
            b"get / HTTP/1.1",
            b"NICK ann",
            b"",
        ] {
            assert!(!starts_like_http(first), "{first:?}");
        }
    }

    fn sniff(line: &str) -> Option<Foreign> {
        sniff_line(line.as_bytes())
    }

    #[test]
    fn http_request_lines() {
        for line in [
            "POST / HTTP/1.1",
            "GET /index.html HTTP/1.0",
            "OPTIONS * HTTP/1.1",
            "CONNECT example.org:443 HTTP/1.1\r",
            "PRI * HTTP/2.0",
        ] {
            assert_eq!(sniff(line), Some(Foreign::Http), "{line:?}");
        }
        for line in [
            "GET",
            "GET /",
            "GET  / HTTP/1.1",
            "GET / HTTP/1",
            "GET / HTTPS/1.1",
            "get / http/1.1",
            "FETCH / HTTP/1.1",
            "GET / HTTP/1.1 extra",
            "I GET it HTTP/1.1",
        ] {
            assert_eq!(sniff(line), None, "{line:?}");
        }
    }

    #[test]
    fn smtp_first_commands() {
        for line in [
            "EHLO evil.example",
            "helo x",
            "MAIL FROM:<a@b>",
            "rcpt to:<c@d>",
        ] {
            assert_eq!(sniff(line), Some(Foreign::Smtp), "{line:?}");
        }
        for line in ["HELO", "EHLO ", "DATA", "QUIT", "HELOx y", "hello there"] {
            assert_eq!(sniff(line), None, "{line:?}");
        }
    }

    #[test]
    fn redis_frames() {
        for line in ["*1", "$4", "*3", "$-1", "*12"] {
            assert_eq!(sniff(line), Some(Foreign::Redis), "{line:?}");
        }
        for line in ["PING", "*", "$", "*x", "*1 2", "$4abc", "*hi*"] {
            assert_eq!(sniff(line), None, "{line:?}");
        }
    }

    #[test]
    fn tls_and_ssh() {
        let hello = [0x16, 0x03, 0x01, 0x00, 0xc8, 0x01];
        assert!(is_tls_start(&hello));
        assert_eq!(sniff_line(&hello), Some(Foreign::Tls));
        assert!(!is_tls_start(&[0x16, 0x03]), "too short to tell");
        assert!(!is_tls_start(&[0x16, 0x03, 0x05]));
        assert!(!is_tls_start(b"alice"));
        assert_eq!(sniff("SSH-2.0-OpenSSH_9.6"), Some(Foreign::Ssh));
        assert_eq!(sniff("SSH-1.99-x"), Some(Foreign::Ssh));
        assert_eq!(sniff("SSH-"), None);
        assert_eq!(sniff("SSH-fan"), None);
    }

    #[test]
    fn chat_first_lines_are_not_foreign() {
        for line in [
            "alice",
            "NICK alice",
            "CAP LS 302",
            "PING x",
            "QUIT :chkport",
            "GET",
            "HELO",
            "ciao a tutti",
        ] {
            assert_eq!(sniff(line), None, "{line:?}");
        }
    }

    #[test]
    fn the_http_answer_says_its_length() {
        let (head, body) = HTTP_RESPONSE
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| HTTP_RESPONSE.split_at(i + 4))
            .expect("a head and a body");
        let head = String::from_utf8_lossy(head);
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
    }
}
