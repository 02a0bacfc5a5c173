//! Every setting, written once: its field below is a flag (clap, with its
//! `CIAO_…` environment variable) and a key of the TOML file (serde, the
//! field's name). The flags and the file each fill a [`Layer`]; `over`
//! lays one on the other, and `super::Args::into_settings` checks the
//! result and turns it into a `Config`.
//!
//! The fields are in the file's order: serde lists them in that order when
//! it names a misspelt key.

use std::net::SocketAddr;
use std::path::PathBuf;

use ciao_server::config::PlaintextPasswords;
use ciao_server::{Lang, OperCredential};
use serde::Deserialize;

/// How one source's value of a setting is laid over another's.
pub(crate) trait Merge {
    /// `self` if it was given, else `lower`.
    fn over(self, lower: Self) -> Self;
}

impl<T> Merge for Option<T> {
    fn over(self, lower: Self) -> Self {
        self.or(lower)
    }
}

/// A switch (`--no-history`) is on if any source turns it on.
impl Merge for bool {
    fn over(self, lower: Self) -> Self {
        self || lower
    }
}

/// A list (`--oper`) gathers every source's entries, the upper first.
impl<T> Merge for Vec<T> {
    fn over(mut self, lower: Self) -> Self {
        self.extend(lower);
        self
    }
}

/// Declares `Layer` and its `over` from one list of fields, so that adding
/// a setting is adding a field.
macro_rules! layer {
    (
        $(#[$meta:meta])*
        pub(crate) struct Layer {
            $( $(#[$field_meta:meta])* pub(crate) $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub(crate) struct Layer {
            $( $(#[$field_meta])* pub(crate) $field: $ty, )*
        }

        impl Layer {
            /// `self` laid over `lower`, setting by setting (see [`Merge`]).
            pub(crate) fn over(self, lower: Layer) -> Layer {
                Layer {
                    $( $field: Merge::over(self.$field, lower.$field), )*
                }
            }
        }
    };
}

// Numbers are `Number`s, negative ones allowed, so that every value a user
// can type (`-1`, `18446744073709551615`) reaches the range check in
// `into_settings` and gets the range in its message (see `ranges`).
layer! {
    /// The settings one source gives: the flags with their environment
    /// variables, or the config file. Absent is `None`, off or empty.
    #[derive(Debug, Default, clap::Args, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub(crate) struct Layer {
        /// Address to listen on; repeat for several. Default 0.0.0.0:6667.
        #[arg(
            long,
            env = "CIAO_LISTEN",
            value_name = "HOST:PORT",
            value_delimiter = ','
        )]
        pub(crate) listen: Option<Vec<SocketAddr>>,

        /// Address to listen on for TLS; repeat for several. Default
        /// 0.0.0.0:6697.
        #[arg(
            long,
            env = "CIAO_TLS_LISTEN",
            value_name = "HOST:PORT",
            value_delimiter = ','
        )]
        pub(crate) tls_listen: Option<Vec<SocketAddr>>,

        /// No TLS listener: plaintext only.
        #[arg(long, env = "CIAO_NO_TLS")]
        pub(crate) no_tls: bool,

        /// The TLS certificate chain (PEM, leaf first). Without it a CA and
        /// a certificate are generated into DATA_DIR/tls on first start.
        #[arg(long, env = "CIAO_TLS_CERT", value_name = "FILE")]
        pub(crate) tls_cert: Option<PathBuf>,

        /// The TLS certificate's private key (PEM).
        #[arg(long, env = "CIAO_TLS_KEY", value_name = "FILE")]
        pub(crate) tls_key: Option<PathBuf>,

        /// Advertise Strict Transport Security (the `sts` capability):
        /// clients that support it move to TLS and stay there. Needs
        /// --tls-cert: clients must be able to verify the certificate.
        #[arg(long, env = "CIAO_STS")]
        pub(crate) sts: bool,

        /// The TLS port STS sends clients to. Default: the first
        /// --tls-listen address's.
        #[arg(long, env = "CIAO_STS_PORT", allow_negative_numbers = true)]
        pub(crate) sts_port: Option<Number>,

        /// Seconds clients keep to TLS after seeing the policy. Default
        /// 2592000 (30 days); 0 tells them to forget it.
        #[arg(
            long,
            env = "CIAO_STS_DURATION",
            value_name = "SECS",
            allow_negative_numbers = true
        )]
        pub(crate) sts_duration: Option<Number>,

        /// Agree to be in clients' STS preload lists.
        #[arg(long, env = "CIAO_STS_PRELOAD")]
        pub(crate) sts_preload: bool,

        /// Address of the web listener (the chat's page for browsers, its
        /// WebSocket, and IRC and plain clients too); repeat for several.
        /// Default 0.0.0.0:8067. HTTPS and WSS as well with --tls-cert.
        #[arg(
            long,
            env = "CIAO_WEB",
            value_name = "HOST:PORT",
            value_delimiter = ','
        )]
        pub(crate) web: Option<Vec<SocketAddr>>,

        /// No web listener.
        #[arg(long, env = "CIAO_NO_WEB")]
        pub(crate) no_web: bool,

        /// An origin (`https://chat.example.org`) whose pages may open a
        /// WebSocket to this server besides its own page, and a name the
        /// page may be asked for by; repeat for several.
        #[arg(
            long,
            env = "CIAO_WEB_ORIGIN",
            value_name = "ORIGIN",
            value_delimiter = ','
        )]
        pub(crate) web_origin: Vec<String>,

        /// Serve the page's files from DIR (read at each request) instead
        /// of the copies built in: for working on the page.
        #[arg(long, env = "CIAO_WEB_DIR", value_name = "DIR")]
        pub(crate) web_dir: Option<PathBuf>,

        /// Shorthand for --listen 0.0.0.0:PORT.
        #[arg(
            short,
            long,
            env = "CIAO_PORT",
            conflicts_with = "listen",
            allow_negative_numbers = true
        )]
        pub(crate) port: Option<Number>,

        /// Server name shown to IRC clients.
        #[arg(long, env = "CIAO_SERVER_NAME")]
        pub(crate) server_name: Option<String>,

        /// Most simultaneous connections; more are refused with a message.
        /// Default 10000.
        #[arg(long, env = "CIAO_MAX_CLIENTS", allow_negative_numbers = true)]
        pub(crate) max_clients: Option<Number>,

        /// A line describing the server, shown by WHOIS and LINKS.
        #[arg(long, env = "CIAO_SERVER_INFO")]
        pub(crate) server_info: Option<String>,

        /// Most simultaneous connections from one address (0: no limit).
        /// Default 64. Loopback addresses are exempt unless --limit-loopback.
        #[arg(long, env = "CIAO_MAX_PER_IP", allow_negative_numbers = true)]
        pub(crate) max_per_ip: Option<Number>,

        /// Apply --max-per-ip to loopback addresses too.
        #[arg(long, env = "CIAO_LIMIT_LOOPBACK")]
        pub(crate) limit_loopback: bool,

        /// Most simultaneous IPv6 connections from one /48 (0: no limit).
        /// Default 4 × --max-per-ip (which counts per /64).
        #[arg(
            long = "max-per-ipv6-48",
            env = "CIAO_MAX_PER_IPV6_48",
            allow_negative_numbers = true
        )]
        pub(crate) max_per_ipv6_48: Option<Number>,

        /// Connections one address may open per minute once its burst is
        /// spent (0: no limit). Default 30.
        #[arg(
            long,
            env = "CIAO_CONNECT_RATE",
            value_name = "PER_MINUTE",
            allow_negative_numbers = true
        )]
        pub(crate) connect_rate: Option<Number>,

        /// Connections one address may open at once. Default 20.
        #[arg(long, env = "CIAO_CONNECT_BURST", allow_negative_numbers = true)]
        pub(crate) connect_burst: Option<Number>,

        /// Most connections still registering at once. Default a quarter of
        /// --max-clients (at least 16).
        #[arg(long, env = "CIAO_MAX_REGISTERING", allow_negative_numbers = true)]
        pub(crate) max_registering: Option<Number>,

        /// Seconds after which a registering connection may be closed to
        /// make room when the server is full. Default 15.
        #[arg(
            long,
            env = "CIAO_REGISTRATION_TIMEOUT_BUSY",
            value_name = "SECS",
            allow_negative_numbers = true
        )]
        pub(crate) registration_timeout_busy: Option<Number>,

        /// Channel every client joins on arrival (default #lobby); '' turns
        /// auto-join off.
        #[arg(long, env = "CIAO_DEFAULT_CHANNEL", value_name = "CHANNEL")]
        pub(crate) default_channel: Option<String>,

        /// Language of plain-mode texts: en (default) or it (the seed's
        /// Italian).
        #[arg(long, env = "CIAO_LANG", value_enum)]
        pub(crate) lang: Option<LangName>,

        /// Connection password IRC clients must send with PASS.
        #[arg(long, env = "CIAO_PASSWORD")]
        pub(crate) password: Option<String>,

        /// Passwords (PASS, OPER, SASL PLAIN, REGISTER) over a connection
        /// without TLS: loopback (default: from this machine only), allow
        /// or deny. Over TLS they are always taken.
        #[arg(long, env = "CIAO_PLAINTEXT_PASSWORDS", value_enum)]
        pub(crate) plaintext_passwords: Option<PlaintextPasswordsName>,

        /// Operator credentials for OPER; repeat for several.
        // Kept as text: a flag is checked as it is parsed, the file's
        // entries in `into_settings`, with their own message.
        #[arg(
            long,
            env = "CIAO_OPER",
            value_name = "NAME:PASS",
            value_delimiter = ',',
            value_parser = oper
        )]
        pub(crate) oper: Vec<String>,

        /// Directory for persistent data, the history store (created if
        /// missing). Default: the platform's data directory, e.g.
        /// ~/.local/share/ciao.
        #[arg(long, env = "CIAO_DATA_DIR", value_name = "DIR")]
        pub(crate) data_dir: Option<PathBuf>,

        /// Keep no history: nothing is stored, nothing replayed.
        #[arg(long, env = "CIAO_NO_HISTORY")]
        pub(crate) no_history: bool,

        /// Lines of history a client gets when it joins a channel. Default 50;
        /// 0 for none.
        #[arg(
            long,
            env = "CIAO_HISTORY_REPLAY",
            value_name = "LINES",
            allow_negative_numbers = true
        )]
        pub(crate) history_replay: Option<Number>,

        /// Most messages kept per channel or private conversation. Default:
        /// no limit.
        #[arg(
            long,
            env = "CIAO_HISTORY_KEEP",
            value_name = "MESSAGES",
            allow_negative_numbers = true
        )]
        pub(crate) history_keep: Option<Number>,

        /// Messages older than this many days are deleted. Default: kept
        /// forever.
        #[arg(
            long,
            env = "CIAO_HISTORY_DAYS",
            value_name = "DAYS",
            allow_negative_numbers = true
        )]
        pub(crate) history_days: Option<Number>,

        /// Most bytes the history store may use; past it the oldest events
        /// go. A number with an optional K, M, G or T (powers of 1024).
        /// Default 1G; 0 for no budget, else at least 1M.
        // The file takes a plain number of bytes.
        #[arg(
            long,
            env = "CIAO_HISTORY_MAX_BYTES",
            value_name = "BYTES",
            value_parser = parse_bytes
        )]
        pub(crate) history_max_bytes: Option<u64>,

        /// File whose lines are the message of the day.
        #[arg(long, env = "CIAO_MOTD", value_name = "FILE")]
        pub(crate) motd: Option<PathBuf>,

        /// Bytes queued for a client that does not read before it is
        /// disconnected with "SendQ exceeded". Default 1048576.
        #[arg(long, env = "CIAO_SENDQ", allow_negative_numbers = true)]
        pub(crate) sendq: Option<Number>,

        /// Shortest password an account may be registered with. Default 8.
        #[arg(long, env = "CIAO_MIN_PASSWORD_LEN", allow_negative_numbers = true)]
        pub(crate) min_password_len: Option<Number>,

        /// REGISTER before registration completes: on (default) or off.
        // The file takes true or false.
        #[arg(
            long,
            env = "CIAO_REGISTER_BEFORE_CONNECT",
            value_name = "on|off",
            value_parser = parse_switch
        )]
        pub(crate) register_before_connect: Option<bool>,

        /// Flood control: on (default) or off (for load generators).
        // The file takes true or false.
        #[arg(
            long,
            env = "CIAO_FLOOD",
            value_name = "on|off",
            value_parser = parse_switch
        )]
        pub(crate) flood: Option<bool>,

        /// Lines a client may send at once before it is slowed down. Default 20.
        #[arg(
            long,
            env = "CIAO_FLOOD_BURST",
            value_name = "LINES",
            allow_negative_numbers = true
        )]
        pub(crate) flood_burst: Option<Number>,

        /// Lines per second a client may keep sending. Default 4.
        #[arg(
            long,
            env = "CIAO_FLOOD_RATE",
            value_name = "LINES",
            allow_negative_numbers = true
        )]
        pub(crate) flood_rate: Option<f64>,

        /// Bytes a slowed-down client may have waiting before it is
        /// disconnected with "Excess flood". Default 32768.
        #[arg(
            long,
            env = "CIAO_FLOOD_MAX_QUEUED",
            value_name = "BYTES",
            allow_negative_numbers = true
        )]
        pub(crate) flood_max_queued: Option<Number>,

        /// Seconds a new connection has to finish registering. Default 60.
        #[arg(
            long,
            env = "CIAO_REGISTRATION_TIMEOUT",
            value_name = "SECS",
            allow_negative_numbers = true
        )]
        pub(crate) registration_timeout: Option<Number>,

        /// Seconds of silence after which the server sends PING. Default 120.
        #[arg(
            long,
            env = "CIAO_PING_INTERVAL",
            value_name = "SECS",
            allow_negative_numbers = true
        )]
        pub(crate) ping_interval: Option<Number>,

        /// Seconds to answer that PING before "Ping timeout". Default 120.
        #[arg(
            long,
            env = "CIAO_PING_TIMEOUT",
            value_name = "SECS",
            allow_negative_numbers = true
        )]
        pub(crate) ping_timeout: Option<Number>,
    }
}

/// An integer setting as given, not yet range-checked. A flag or a
/// variable may be any integer; the file's are TOML's (64-bit), so a key
/// beyond that is a file error, as for any value of the wrong type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Number(pub(crate) i128);

impl std::str::FromStr for Number {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Number)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(|n| Number(n.into()))
    }
}

/// `--lang`'s values; [`Lang`] itself knows no flag or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LangName {
    En,
    It,
}

impl From<LangName> for Lang {
    fn from(name: LangName) -> Lang {
        match name {
            LangName::En => Lang::En,
            LangName::It => Lang::It,
        }
    }
}

/// `--plaintext-passwords`' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PlaintextPasswordsName {
    Loopback,
    Allow,
    Deny,
}

impl From<PlaintextPasswordsName> for PlaintextPasswords {
    fn from(name: PlaintextPasswordsName) -> PlaintextPasswords {
        match name {
            PlaintextPasswordsName::Loopback => PlaintextPasswords::Loopback,
            PlaintextPasswordsName::Allow => PlaintextPasswords::Allow,
            PlaintextPasswordsName::Deny => PlaintextPasswords::Deny,
        }
    }
}

/// `--oper NAME:PASS`, checked and kept as given.
fn oper(text: &str) -> Result<String, String> {
    text.parse::<OperCredential>().map(|_| text.to_owned())
}

/// `on`/`off` (also `true`/`false`, `yes`/`no`).
fn parse_switch(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("expected on or off, got {text:?}")),
    }
}

/// A size in bytes: digits with an optional K, M, G or T (binary, with
/// or without a trailing `B` or `iB`).
pub(crate) fn parse_bytes(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let unit = upper.trim_end_matches("IB").trim_end_matches('B');
    let digits = unit.trim_end_matches(['K', 'M', 'G', 'T']);
    let shift = match &unit[digits.len()..] {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => {
            return Err(format!(
                "expected a size like 1048576, 512M or 1G, got {text:?}"
            ));
        }
    };
    let number: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("expected a size like 1048576, 512M or 1G, got {text:?}"))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upper_layer_wins_switches_add_up_and_lists_gather() {
        assert_eq!(Some(1).over(Some(2)), Some(1));
        assert_eq!(None.over(Some(2)), Some(2));
        assert!(false.over(true) && true.over(false) && !false.over(false));
        assert_eq!(vec!["flag"].over(vec!["file"]), ["flag", "file"]);
    }

    #[test]
    fn a_file_number_is_a_toml_integer_a_flag_any_integer() {
        let file: Layer = toml::from_str("max_clients = -1\n").expect("toml");
        assert_eq!(file.max_clients, Some(Number(-1)));
        assert!(toml::from_str::<Layer>("max_clients = 18446744073709551615\n").is_err());
        assert_eq!("18446744073709551615".parse(), Ok(Number(u64::MAX.into())));
    }
}
