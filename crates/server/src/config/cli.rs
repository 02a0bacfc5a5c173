//! Command-line flags, environment variables and the optional TOML file,
//! merged into a [`Config`]. Flags beat environment variables, which beat
//! the file, which beats the defaults.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::config::motd::{self, MotdError};
use crate::config::ranges::{self, Bounds, OutOfRange};
use crate::config::{Config, OperCredential};
use crate::history::HistoryConfig;
use crate::link::admission::ConnectRate;
use crate::link::flood::FloodLimits;
use crate::texts::Lang;

// Numbers are taken as `i128`, negative ones allowed, so that every value
// a user can type (`-1`, `18446744073709551615`) reaches the range check
// in `into_settings` and gets the range in its message (see `ranges`).

/// ciao-server: a chat server for IRC clients and plain nc/telnet users,
/// on one port.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Args {
    /// TOML file with any of the settings below (same names, with `_`
    /// instead of `-`); flags and environment variables override it.
    #[arg(long, env = "CIAO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on; repeat for several. Default 0.0.0.0:6667.
    #[arg(
        long,
        env = "CIAO_LISTEN",
        value_name = "HOST:PORT",
        value_delimiter = ','
    )]
    pub listen: Vec<SocketAddr>,

    /// Shorthand for --listen 0.0.0.0:PORT.
    #[arg(
        short,
        long,
        env = "CIAO_PORT",
        conflicts_with = "listen",
        allow_negative_numbers = true
    )]
    pub port: Option<i128>,

    /// Server name shown to IRC clients.
    #[arg(long, env = "CIAO_SERVER_NAME")]
    pub server_name: Option<String>,

    /// A line describing the server, shown by WHOIS and LINKS.
    #[arg(long, env = "CIAO_SERVER_INFO")]
    pub server_info: Option<String>,

    /// Most simultaneous connections; more are refused with a message.
    /// Default 10000.
    #[arg(long, env = "CIAO_MAX_CLIENTS", allow_negative_numbers = true)]
    pub max_clients: Option<i128>,

    /// Most simultaneous connections from one address (0: no limit).
    /// Default 64. Loopback addresses are exempt unless --limit-loopback.
    #[arg(long, env = "CIAO_MAX_PER_IP", allow_negative_numbers = true)]
    pub max_per_ip: Option<i128>,

    /// Apply --max-per-ip to loopback addresses too.
    #[arg(long, env = "CIAO_LIMIT_LOOPBACK")]
    pub limit_loopback: bool,

    /// Most simultaneous IPv6 connections from one /48 (0: no limit).
    /// Default 4 × --max-per-ip (which counts per /64).
    #[arg(
        long = "max-per-ipv6-48",
        env = "CIAO_MAX_PER_IPV6_48",
        allow_negative_numbers = true
    )]
    pub max_per_ipv6_48: Option<i128>,

    /// Connections one address may open per minute once its burst is
    /// spent (0: no limit). Default 30.
    #[arg(
        long,
        env = "CIAO_CONNECT_RATE",
        value_name = "PER_MINUTE",
        allow_negative_numbers = true
    )]
    pub connect_rate: Option<i128>,

    /// Connections one address may open at once. Default 20.
    #[arg(long, env = "CIAO_CONNECT_BURST", allow_negative_numbers = true)]
    pub connect_burst: Option<i128>,

    /// Most connections still registering at once. Default a quarter of
    /// --max-clients (at least 16).
    #[arg(long, env = "CIAO_MAX_REGISTERING", allow_negative_numbers = true)]
    pub max_registering: Option<i128>,

    /// Seconds after which a registering connection may be closed to
    /// make room when the server is full. Default 15.
    #[arg(
        long,
        env = "CIAO_REGISTRATION_TIMEOUT_BUSY",
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub registration_timeout_busy: Option<i128>,

    /// Channel every client joins on arrival (default #lobby); '' turns
    /// auto-join off.
    #[arg(long, env = "CIAO_DEFAULT_CHANNEL", value_name = "CHANNEL")]
    pub default_channel: Option<String>,

    /// Language of plain-mode texts: en (default) or it (the seed's
    /// Italian).
    #[arg(long, env = "CIAO_LANG", value_enum)]
    pub lang: Option<Lang>,

    /// Connection password IRC clients must send with PASS.
    #[arg(long, env = "CIAO_PASSWORD")]
    pub password: Option<String>,

    /// Operator credentials for OPER; repeat for several.
    #[arg(
        long = "oper",
        env = "CIAO_OPER",
        value_name = "NAME:PASS",
        value_delimiter = ','
    )]
    pub opers: Vec<OperCredential>,

    /// Directory for persistent data, the history store (created if
    /// missing). Default: the platform's data directory, e.g.
    /// ~/.local/share/ciao.
    #[arg(long, env = "CIAO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Keep no history: nothing is stored, nothing replayed.
    #[arg(long, env = "CIAO_NO_HISTORY")]
    pub no_history: bool,

    /// Lines of history a client gets when it joins a channel. Default 50;
    /// 0 for none.
    #[arg(
        long,
        env = "CIAO_HISTORY_REPLAY",
        value_name = "LINES",
        allow_negative_numbers = true
    )]
    pub history_replay: Option<i128>,

    /// Most messages kept per channel or private conversation. Default:
    /// no limit.
    #[arg(
        long,
        env = "CIAO_HISTORY_KEEP",
        value_name = "MESSAGES",
        allow_negative_numbers = true
    )]
    pub history_keep: Option<i128>,

    /// Messages older than this many days are deleted. Default: kept
    /// forever.
    #[arg(
        long,
        env = "CIAO_HISTORY_DAYS",
        value_name = "DAYS",
        allow_negative_numbers = true
    )]
    pub history_days: Option<i128>,

    /// Most bytes the history store may use; past it the oldest events
    /// go. A number with an optional K, M, G or T (powers of 1024).
    /// Default 1G; 0 for no budget, else at least 1M.
    #[arg(long, env = "CIAO_HISTORY_MAX_BYTES", value_name = "BYTES", value_parser = parse_bytes)]
    pub history_max_bytes: Option<u64>,

    /// File whose lines are the message of the day.
    #[arg(long, env = "CIAO_MOTD", value_name = "FILE")]
    pub motd: Option<PathBuf>,

    /// Flood control: on (default) or off (for load generators).
    #[arg(long, env = "CIAO_FLOOD", value_name = "on|off", value_parser = parse_switch)]
    pub flood: Option<bool>,

    /// Lines a client may send at once before it is slowed down. Default 20.
    #[arg(
        long,
        env = "CIAO_FLOOD_BURST",
        value_name = "LINES",
        allow_negative_numbers = true
    )]
    pub flood_burst: Option<i128>,

    /// Lines per second a client may keep sending. Default 4.
    #[arg(
        long,
        env = "CIAO_FLOOD_RATE",
        value_name = "LINES",
        allow_negative_numbers = true
    )]
    pub flood_rate: Option<f64>,

    /// Bytes a slowed-down client may have waiting before it is
    /// disconnected with "Excess flood". Default 32768.
    #[arg(
        long,
        env = "CIAO_FLOOD_MAX_QUEUED",
        value_name = "BYTES",
        allow_negative_numbers = true
    )]
    pub flood_max_queued: Option<i128>,

    /// Bytes queued for a client that does not read before it is
    /// disconnected with "SendQ exceeded". Default 1048576.
    #[arg(long, env = "CIAO_SENDQ", allow_negative_numbers = true)]
    pub sendq: Option<i128>,

    /// Seconds a new connection has to finish registering. Default 60.
    #[arg(
        long,
        env = "CIAO_REGISTRATION_TIMEOUT",
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub registration_timeout: Option<i128>,

    /// Seconds of silence after which the server sends PING. Default 120.
    #[arg(
        long,
        env = "CIAO_PING_INTERVAL",
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub ping_interval: Option<i128>,

    /// Seconds to answer that PING before "Ping timeout". Default 120.
    #[arg(
        allow_negative_numbers = true,
        long,
        env = "CIAO_PING_TIMEOUT",
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub ping_timeout: Option<i128>,
}

/// The TOML file: the same settings, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<Vec<SocketAddr>>,
    pub port: Option<i64>,
    pub server_name: Option<String>,
    pub max_clients: Option<i64>,
    pub server_info: Option<String>,
    pub max_per_ip: Option<i64>,
    pub limit_loopback: Option<bool>,
    pub max_per_ipv6_48: Option<i64>,
    pub connect_rate: Option<i64>,
    pub connect_burst: Option<i64>,
    pub max_registering: Option<i64>,
    pub registration_timeout_busy: Option<i64>,
    pub default_channel: Option<String>,
    pub lang: Option<Lang>,
    pub password: Option<String>,
    pub oper: Option<Vec<String>>,
    pub data_dir: Option<PathBuf>,
    pub no_history: Option<bool>,
    pub history_replay: Option<i64>,
    pub history_keep: Option<i64>,
    pub history_days: Option<i64>,
    pub history_max_bytes: Option<u64>,
    pub motd: Option<PathBuf>,
    pub sendq: Option<i64>,
    pub flood: Option<bool>,
    pub flood_burst: Option<i64>,
    pub flood_rate: Option<f64>,
    pub flood_max_queued: Option<i64>,
    pub registration_timeout: Option<i64>,
    pub ping_interval: Option<i64>,
    pub ping_timeout: Option<i64>,
}

/// The flag's value, else the file's, checked against `bounds`; `None`
/// when neither gives one.
fn ranged<T: TryFrom<u64>>(
    flag: Option<i128>,
    file: Option<i64>,
    bounds: Bounds,
) -> Result<Option<T>, OutOfRange> {
    flag.or(file.map(i128::from))
        .map(|value| bounds.check(value))
        .transpose()
}

/// A number of seconds in `bounds`, or the default.
fn seconds(
    flag: Option<i128>,
    file: Option<i64>,
    default: Duration,
    bounds: Bounds,
) -> Result<Duration, OutOfRange> {
    Ok(ranged(flag, file, bounds)?.map_or(default, Duration::from_secs))
}

/// The connect rate limit: `--connect-rate` a minute after a burst of
/// `--connect-burst`; `None` for `--connect-rate 0`.
fn connect_rate(
    per_minute: (Option<i128>, Option<i64>),
    burst: (Option<i128>, Option<i64>),
) -> Result<Option<ConnectRate>, OutOfRange> {
    let defaults = ConnectRate::default();
    let burst = ranged(burst.0, burst.1, ranges::CONNECT_BURST)?.unwrap_or(defaults.burst);
    let default_per_minute = (60_000 / defaults.interval.as_millis()) as u32;
    match ranged(per_minute.0, per_minute.1, ranges::CONNECT_RATE)?.unwrap_or(default_per_minute) {
        0 => Ok(None),
        per_minute => Ok(Some(ConnectRate {
            burst,
            // A minute spread over the rate; at most 60000 keeps it in
            // whole milliseconds.
            interval: Duration::from_millis(60_000 / u64::from(per_minute)),
        })),
    }
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
fn parse_bytes(text: &str) -> Result<u64, String> {
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

/// The smallest size budget: smaller would keep only a few thousand lines.
const MIN_HISTORY_BYTES: u64 = 1 << 20;

/// The size budget: the default, none (0), or at least the minimum.
fn history_budget(value: Option<u64>) -> Result<Option<u64>, SettingsError> {
    match value {
        None => Ok(Some(crate::history::DEFAULT_MAX_BYTES)),
        Some(0) => Ok(None),
        Some(bytes) if bytes >= MIN_HISTORY_BYTES => Ok(Some(bytes)),
        Some(bytes) => Err(SettingsError::Invalid(format!(
            "--history-max-bytes {bytes} is too small: give 0 (no budget) or at least 1M"
        ))),
    }
}

/// What `main` needs: where to listen, and the server settings.
#[derive(Debug)]
pub struct Settings {
    pub listen: Vec<SocketAddr>,
    pub config: Config,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Toml {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid setting: {0}")]
    Invalid(String),
    #[error("invalid setting: {0}")]
    OutOfRange(#[from] OutOfRange),
    #[error(transparent)]
    Motd(#[from] MotdError),
}

/// The config file, read with a bound (a config is a few KiB; `/dev/zero`
/// or a FIFO given by mistake must fail, not fill memory or block).
fn read(path: &Path) -> Result<String, SettingsError> {
    const MAX_BYTES: u64 = 1 << 20;
    let error = |source| SettingsError::Read {
        path: path.to_owned(),
        source,
    };
    let invalid = |what: &str| error(std::io::Error::new(std::io::ErrorKind::InvalidData, what));
    if !std::fs::metadata(path).map_err(error)?.is_file() {
        return Err(invalid("not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(error)?
        .take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(error)?;
    if text.len() as u64 > MAX_BYTES {
        return Err(invalid("larger than 1 MiB"));
    }
    Ok(text)
}

impl Args {
    /// Merges flags, environment and the config file into settings.
    pub fn into_settings(self) -> Result<Settings, SettingsError> {
        let file = match &self.config {
            Some(path) => toml::from_str::<FileConfig>(&read(path)?).map_err(|source| {
                SettingsError::Toml {
                    path: path.clone(),
                    source: Box::new(source),
                }
            })?,
            None => FileConfig::default(),
        };
        let defaults = Config::default();

        let port = ranged::<u16>(self.port, file.port, ranges::PORT)?;
        let listen = if !self.listen.is_empty() {
            self.listen
        } else if let Some(port) = port {
            vec![SocketAddr::from(([0, 0, 0, 0], port))]
        } else {
            file.listen
                .unwrap_or_else(|| vec![SocketAddr::from(([0, 0, 0, 0], 6667))])
        };

        let default_channel = match self.default_channel.or(file.default_channel) {
            None => defaults.default_channel,
            Some(name) if name.is_empty() => None,
            Some(name) if ciao_proto::names::is_channel_name(&name) => Some(name),
            Some(name) => {
                return Err(SettingsError::Invalid(format!(
                    "--default-channel {name:?} is not a channel name (like #lobby)"
                )));
            }
        };

        let mut opers = self.opers;
        for entry in file.oper.unwrap_or_default() {
            opers.push(entry.parse().map_err(SettingsError::Invalid)?);
        }

        let server_name = self
            .server_name
            .or(file.server_name)
            .unwrap_or(defaults.server_name);
        let motd = match self.motd.or(file.motd) {
            Some(path) => motd::read(&path, motd::line_budget(&server_name))?,
            None => Vec::new(),
        };

        let max_clients: usize = ranged(self.max_clients, file.max_clients, ranges::MAX_CLIENTS)?
            .unwrap_or(defaults.max_clients);
        let max_per_ip: usize = ranged(self.max_per_ip, file.max_per_ip, ranges::MAX_PER_IP)?
            .unwrap_or(defaults.max_per_ip);
        let max_per_ipv6_48 = match ranged::<usize>(
            self.max_per_ipv6_48,
            file.max_per_ipv6_48,
            ranges::MAX_PER_IPV6_48,
        )? {
            None => max_per_ip.saturating_mul(4),
            Some(0) => 0,
            Some(n) if n >= max_per_ip => n,
            Some(n) => {
                return Err(SettingsError::Invalid(format!(
                    "--max-per-ipv6-48 must be 0 (no limit) or at least --max-per-ip ({max_per_ip}), got {n}"
                )));
            }
        };
        let max_registering = ranged(
            self.max_registering,
            file.max_registering,
            Bounds {
                flag: "--max-registering",
                min: 1,
                max: max_clients as u64,
            },
        )?
        .unwrap_or((max_clients / 4).clamp(16.min(max_clients), max_clients));
        let registration_timeout = seconds(
            self.registration_timeout,
            file.registration_timeout,
            defaults.registration_timeout,
            ranges::REGISTRATION_TIMEOUT,
        )?;
        // The default never exceeds the plain deadline; a value given
        // must not either.
        let registration_timeout_busy = seconds(
            self.registration_timeout_busy,
            file.registration_timeout_busy,
            defaults.registration_timeout_busy.min(registration_timeout),
            Bounds {
                flag: "--registration-timeout-busy",
                min: 1,
                max: registration_timeout.as_secs(),
            },
        )?;
        let connect_rate = connect_rate(
            (self.connect_rate, file.connect_rate),
            (self.connect_burst, file.connect_burst),
        )?;

        let history = if self.no_history || file.no_history == Some(true) {
            None
        } else {
            let dir = self
                .data_dir
                .or(file.data_dir)
                .or_else(|| dirs::data_dir().map(|dir| dir.join("ciao")))
                .ok_or_else(|| {
                    SettingsError::Invalid(
                        "no data directory known for this system: give --data-dir or --no-history"
                            .into(),
                    )
                })?;
            let mut history = HistoryConfig::new(dir);
            if let Some(lines) = ranged(
                self.history_replay,
                file.history_replay,
                ranges::HISTORY_REPLAY,
            )? {
                history.replay_lines = lines;
            }
            history.keep_per_target =
                ranged(self.history_keep, file.history_keep, ranges::HISTORY_KEEP)?;
            history.keep_for =
                ranged::<u64>(self.history_days, file.history_days, ranges::HISTORY_DAYS)?
                    .map(|days| Duration::from_secs(days * 86_400));
            history.max_bytes = history_budget(self.history_max_bytes.or(file.history_max_bytes))?;
            Some(history)
        };

        let flood = if self.flood.or(file.flood) == Some(false) {
            None
        } else {
            let defaults = FloodLimits::default();
            Some(FloodLimits {
                burst: ranged(self.flood_burst, file.flood_burst, ranges::FLOOD_BURST)?
                    .unwrap_or(defaults.burst),
                rate: match self.flood_rate.or(file.flood_rate) {
                    Some(rate) => ranges::flood_rate(rate)?,
                    None => defaults.rate,
                },
                max_queued: ranged(
                    self.flood_max_queued,
                    file.flood_max_queued,
                    ranges::FLOOD_MAX_QUEUED,
                )?
                .unwrap_or(defaults.max_queued),
            })
        };

        let config = Config {
            server_name,
            max_clients,
            server_info: self
                .server_info
                .or(file.server_info)
                .unwrap_or(defaults.server_info),
            max_per_ip,
            limit_loopback: self.limit_loopback || file.limit_loopback == Some(true),
            max_per_ipv6_48,
            connect_rate,
            max_registering,
            registration_timeout_busy,
            default_channel,
            lang: self.lang.or(file.lang).unwrap_or(defaults.lang),
            password: self.password.or(file.password).filter(|p| !p.is_empty()),
            opers,
            history,
            flood,
            motd,
            sendq_bytes: ranged(self.sendq, file.sendq, ranges::SENDQ)?
                .unwrap_or(defaults.sendq_bytes),
            registration_timeout,
            ping_interval: seconds(
                self.ping_interval,
                file.ping_interval,
                defaults.ping_interval,
                ranges::PING_INTERVAL,
            )?,
            ping_timeout: seconds(
                self.ping_timeout,
                file.ping_timeout,
                defaults.ping_timeout,
                ranges::PING_TIMEOUT,
            )?,
            ..defaults
        };
        Ok(Settings { listen, config })
    }
}

#[cfg(test)]
mod tests;
