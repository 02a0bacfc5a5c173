//! Which browsers' requests the web port answers.
//!
//! - **Host** (DNS rebinding): a page on `evil.example` whose name is made
//!   to resolve to this machine reaches the web port with `Host:
//!   evil.example`. Only the machine's own names and addresses are
//!   answered: loopback, `localhost`, the host name (and `NAME.local`),
//!   the configured server name, the hosts of `--web-origin`, and the
//!   addresses of this machine's interfaces.
//! - **Origin** (cross-site WebSocket): any page may open a WebSocket to
//!   any host, and the browser says which page asked. Only the page this
//!   server serves (same host and port) and the `--web-origin` entries may
//!   connect; a request without Origin comes from no browser page (a
//!   script, irctest, a native client) and is let in, as raw TCP is.

use std::net::IpAddr;
use std::sync::Mutex;

/// The names and addresses the web port answers to.
#[derive(Debug)]
pub(super) struct Policy {
    /// Lowercase host names (no port).
    names: Vec<String>,
    /// `--web-origin` entries, lowercased, without a trailing `/`.
    origins: Vec<String>,
    /// The interfaces' addresses, read again when an unknown one is asked
    /// for (a laptop changes networks).
    addresses: Mutex<Vec<IpAddr>>,
}

impl Policy {
    pub(super) fn new(server_name: &str, origins: &[String]) -> Self {
        let origins: Vec<String> = origins
            .iter()
            .map(|origin| origin.trim_end_matches('/').to_ascii_lowercase())
            .collect();
        let mut names = vec!["localhost".to_owned(), server_name.to_ascii_lowercase()];
        if let Some(host) = gethostname::gethostname().to_str() {
            let host = host.to_ascii_lowercase();
            names.push(format!("{host}.local"));
            names.push(host);
        }
        names.extend(origins.iter().filter_map(|o| origin_host(o)));
        names.retain(|name| !name.is_empty());
        Policy {
            names,
            origins,
            addresses: Mutex::new(interface_addresses()),
        }
    }

    /// True when a request for `host` (a `Host` header: name or address,
    /// with or without port) may be answered.
    pub(super) fn host_allowed(&self, host: &str) -> bool {
        let name = host_without_port(host).to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name);
        if let Ok(ip) = name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return self.is_own_address(ip);
        }
        name.ends_with(".localhost") || self.names.iter().any(|known| known == name)
    }

    fn is_own_address(&self, ip: IpAddr) -> bool {
        if ip.is_loopback() || ip.to_canonical().is_loopback() {
            return true;
        }
        let Ok(mut known) = self.addresses.lock() else {
            return false;
        };
        if known.contains(&ip) {
            return true;
        }
        *known = interface_addresses();
        known.contains(&ip)
    }

    /// True when a page of `origin` (an `Origin` header) may open a
    /// WebSocket to a server asked for as `host`.
    pub(super) fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.origins.contains(&origin) {
            return true;
        }
        // The page this server served: the origin's host and port are the
        // ones the browser asked this request of.
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false;
        };
        let Some(host) = host else {
            return false;
        };
        let default_port = match scheme {
            "http" => "80",
            "https" => "443",
            _ => return false,
        };
        with_port(authority, default_port) == with_port(&host.to_ascii_lowercase(), default_port)
    }
}

/// `host:port`, the port added when missing.
fn with_port(authority: &str, default_port: &str) -> String {
    if authority.len() > host_without_port(authority).len() {
        authority.to_owned()
    } else {
        format!("{authority}:{default_port}")
    }
}

/// The host of `scheme://host[:port]`.
fn origin_host(origin: &str) -> Option<String> {
    let (_, authority) = origin.split_once("://")?;
    let host = host_without_port(authority);
    Some(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    )
}

/// `host` of `host:port`, `[v6]` of `[v6]:port`.
fn host_without_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => authority,
    }
}

fn interface_addresses() -> Vec<IpAddr> {
    if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|interface| interface.ip())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::new("chat.example.org", &["https://app.example.net/".to_owned()])
    }

    #[test]
    fn the_machines_names_and_addresses_are_answered() {
        let policy = policy();
        for host in [
            "localhost:8067",
            "LOCALHOST",
            "127.0.0.1:8067",
            "[::1]:8067",
            "chat.example.org",
            "chat.example.org.:8067",
            "app.example.net",
            "ciao.localhost:8067",
        ] {
            assert!(policy.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn other_names_are_refused_as_dns_rebinding() {
        let policy = policy();
        for host in [
            "evil.example",
            "evil.example:8067",
            "chat.example.org.evil",
            "192.0.2.1",
        ] {
            assert!(!policy.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn the_served_page_and_listed_origins_may_connect() {
        let policy = policy();
        assert!(policy.origin_allowed("http://127.0.0.1:8067", Some("127.0.0.1:8067")));
        assert!(policy.origin_allowed("http://localhost", Some("localhost:80")));
        assert!(policy.origin_allowed("https://chat.example.org", Some("chat.example.org")));
        assert!(policy.origin_allowed("https://app.example.net", Some("127.0.0.1:8067")));
    }

    #[test]
    fn other_pages_may_not_connect() {
        let policy = policy();
        let host = Some("127.0.0.1:8067");
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:8080",
            "null",
            "file://",
            "http://app.example.net",
        ] {
            assert!(!policy.origin_allowed(origin, host), "{origin}");
        }
        assert!(!policy.origin_allowed("http://127.0.0.1:8067", None));
    }
}
