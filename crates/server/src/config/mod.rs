//! What the server is told at start, independent of how: the binary's
//! `cli` builds a [`Config`] from flags, environment and a file; the app
//! and the tests build one in code.

pub mod motd;
pub mod ranges;
pub mod tls;
pub mod tls_server;
pub mod web;

use std::time::Duration;

use crate::history::HistoryConfig;
use crate::link::admission::{AdmissionLimits, ConnectRate};
use crate::link::flood::FloodLimits;

use crate::texts::Lang;

/// Server settings. `Config::default()` is what `ciao-server` runs with when
/// given no flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Name in the source of server replies and in 002/004.
    pub server_name: String,
    /// A line describing the server (WHOIS, LINKS).
    pub server_info: String,
    /// Network name advertised in ISUPPORT (`NETWORK=`).
    pub network: String,
    /// Connections beyond this many (registered or not) are refused at once.
    pub max_clients: usize,
    /// Connections from one address beyond this many are refused (0: no
    /// limit).
    pub max_per_ip: usize,
    /// Whether `max_per_ip` applies to loopback addresses (off by default:
    /// local tools and tests connect from 127.0.0.1 by the thousand).
    pub limit_loopback: bool,
    /// IPv6 connections from one /48 beyond this many are refused (0: no
    /// limit): one site holds many /64s, each counted by `max_per_ip`.
    pub max_per_ipv6_48: usize,
    /// How fast one address (IPv6: /64) may open connections; `None`
    /// turns the limit off. Loopback is exempt unless `limit_loopback`.
    pub connect_rate: Option<ConnectRate>,
    /// Connections not yet registered beyond this many are refused, so
    /// idle sockets cannot fill `max_clients`.
    pub max_registering: usize,
    /// When a newcomer finds no room (`max_clients` or `max_registering`
    /// reached), the oldest connection registering for longer than this
    /// is closed to make room: the registration deadline under pressure.
    pub registration_timeout_busy: Duration,
    /// Channel every client joins on registration; `None` turns auto-join off.
    pub default_channel: Option<String>,
    /// Language of plain-mode texts and server notices.
    pub lang: Lang,
    /// Connection password (`PASS`); plain clients are not asked for it,
    /// so a password-protected server refuses plain clients.
    pub password: Option<String>,
    /// Operator credentials for `OPER name pass`.
    pub opers: Vec<OperCredential>,
    /// Strict Transport Security (the `sts` capability): `None` (the
    /// default) advertises none. Only with a certificate clients verify.
    pub sts: Option<tls::StsPolicy>,
    /// Where passwords (`PASS`, `OPER`, SASL PLAIN, `REGISTER`) may come
    /// over a connection without TLS.
    pub plaintext_passwords: PlaintextPasswords,
    /// The history store; `None` keeps no history (the library default,
    /// so tests and embedders choose; `ciao-server` turns it on).
    pub history: Option<HistoryConfig>,
    /// Message of the day, line by line; empty means 422 ERR_NOMOTD.
    pub motd: Vec<String>,
    /// Flood control; `None` turns it off.
    pub flood: Option<FloodLimits>,
    /// Bytes a client may have queued for sending before it is dropped
    /// with `SendQ exceeded`.
    pub sendq_bytes: usize,
    /// Longest input line in bytes, tags included (512 + 8191 by IRCv3).
    pub max_line_len: usize,
    /// Shortest password an account may be registered with.
    pub min_password_len: usize,
    /// `REGISTER` may be sent before registration completes
    /// (draft/account-registration's `before-connect`).
    pub register_before_connect: bool,
    /// How long a silent new connection may wait before it is taken for a
    /// plain (nc/telnet/Client.py) client and greeted.
    pub plain_grace: Duration,
    /// A connection that has not registered by then is closed.
    pub registration_timeout: Duration,
    /// A TLS client that has not finished its handshake by then is
    /// closed (its admission slot is held meanwhile).
    pub tls_handshake_timeout: Duration,
    /// Silence after which the server sends PING.
    pub ping_interval: Duration,
    /// Time to answer that PING before "Ping timeout".
    pub ping_timeout: Duration,
    /// How long closing connections get to flush before they are dropped;
    /// with scheduling margin, shutdown ends within 2 s.
    pub flush_timeout: Duration,
    /// The web listener's rules (the page and its WebSocket).
    pub web: web::WebConfig,
}

/// Whether a password sent in clear is taken. Over TLS it always is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlaintextPasswords {
    /// From loopback addresses only: nothing in clear crosses a network.
    #[default]
    Loopback,
    /// From anywhere (a trusted network, or a TLS proxy in front).
    Allow,
    /// Never: passwords only over TLS.
    Deny,
}

/// One `--oper NAME:PASS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperCredential {
    pub name: String,
    pub password: String,
}

impl std::str::FromStr for OperCredential {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((name, password)) if !name.is_empty() && !password.is_empty() => {
                Ok(OperCredential {
                    name: name.to_owned(),
                    password: password.to_owned(),
                })
            }
            _ => Err(format!("expected NAME:PASSWORD, got {s:?}")),
        }
    }
}

impl Config {
    /// The limits admission applies to new connections.
    pub(crate) fn admission_limits(&self) -> AdmissionLimits {
        AdmissionLimits {
            max_clients: self.max_clients,
            max_registering: self.max_registering,
            max_per_ip: self.max_per_ip,
            max_per_ipv6_48: self.max_per_ipv6_48,
            limit_loopback: self.limit_loopback,
            connect_rate: self.connect_rate,
            registration_timeout_busy: self.registration_timeout_busy,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server_name: "ciao.local".to_owned(),
            server_info: "ciao chat server".to_owned(),
            network: "ciao".to_owned(),
            max_clients: 10_000,
            max_per_ip: 64,
            limit_loopback: false,
            max_per_ipv6_48: 4 * 64,
            connect_rate: Some(ConnectRate::default()),
            // A quarter of max_clients: logins take well under a second,
            // so this is room for a reconnect storm.
            max_registering: 2_500,
            // Long enough to type a name into nc after the greeting.
            registration_timeout_busy: Duration::from_secs(15),
            default_channel: Some("#lobby".to_owned()),
            lang: Lang::En,
            password: None,
            opers: Vec::new(),
            sts: None,
            plaintext_passwords: PlaintextPasswords::Loopback,
            history: None,
            motd: Vec::new(),
            flood: Some(FloodLimits::default()),
            sendq_bytes: 1 << 20,
            max_line_len: 512 + 8191,
            min_password_len: 8,
            register_before_connect: true,
            plain_grace: Duration::from_millis(400),
            flush_timeout: Duration::from_millis(1500),
            registration_timeout: Duration::from_secs(60),
            tls_handshake_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(120),
            ping_timeout: Duration::from_secs(120),
            web: web::WebConfig::default(),
        }
    }
}
