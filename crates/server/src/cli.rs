//! Command-line flags, environment variables and the optional TOML file,
//! merged into a [`Config`]. Flags beat environment variables, which beat
//! the file, which beats the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Deserialize;

use crate::config::{Config, OperCredential};
use crate::flood::FloodLimits;
use crate::history::HistoryConfig;
use crate::limits::ConnectRate;
use crate::texts::Lang;

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
    #[arg(short, long, env = "CIAO_PORT", conflicts_with = "listen")]
    pub port: Option<u16>,

    /// Server name shown to IRC clients.
    #[arg(long, env = "CIAO_SERVER_NAME")]
    pub server_name: Option<String>,

    /// A line describing the server, shown by WHOIS and LINKS.
    #[arg(long, env = "CIAO_SERVER_INFO")]
    pub server_info: Option<String>,

    /// Most simultaneous connections; more are refused with a message.
    /// Default 10000.
    #[arg(long, env = "CIAO_MAX_CLIENTS")]
    pub max_clients: Option<usize>,

    /// Most simultaneous connections from one address (0: no limit).
    /// Default 64. Loopback addresses are exempt unless --limit-loopback.
    #[arg(long, env = "CIAO_MAX_PER_IP")]
    pub max_per_ip: Option<usize>,

    /// Apply --max-per-ip to loopback addresses too.
    #[arg(long, env = "CIAO_LIMIT_LOOPBACK")]
    pub limit_loopback: bool,

    /// Most simultaneous IPv6 connections from one /48 (0: no limit).
    /// Default 4 × --max-per-ip (which counts per /64).
    #[arg(long = "max-per-ipv6-48", env = "CIAO_MAX_PER_IPV6_48")]
    pub max_per_ipv6_48: Option<usize>,

    /// Connections one address may open per minute once its burst is
    /// spent (0: no limit). Default 30.
    #[arg(long, env = "CIAO_CONNECT_RATE", value_name = "PER_MINUTE")]
    pub connect_rate: Option<u32>,

    /// Connections one address may open at once. Default 20.
    #[arg(long, env = "CIAO_CONNECT_BURST")]
    pub connect_burst: Option<u32>,

    /// Most connections still registering at once. Default a quarter of
    /// --max-clients (at least 16).
    #[arg(long, env = "CIAO_MAX_REGISTERING")]
    pub max_registering: Option<usize>,

    /// Seconds after which a registering connection may be closed to
    /// make room when the server is full. Default 15.
    #[arg(long, env = "CIAO_REGISTRATION_TIMEOUT_BUSY", value_name = "SECS")]
    pub registration_timeout_busy: Option<u64>,

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
    #[arg(long, env = "CIAO_HISTORY_REPLAY", value_name = "LINES")]
    pub history_replay: Option<usize>,

    /// Most messages kept per channel or private conversation. Default:
    /// no limit.
    #[arg(long, env = "CIAO_HISTORY_KEEP", value_name = "MESSAGES")]
    pub history_keep: Option<usize>,

    /// Messages older than this many days are deleted. Default: kept
    /// forever.
    #[arg(long, env = "CIAO_HISTORY_DAYS", value_name = "DAYS")]
    pub history_days: Option<u64>,

    /// File whose lines are the message of the day.
    #[arg(long, env = "CIAO_MOTD", value_name = "FILE")]
    pub motd: Option<PathBuf>,

    /// Flood control: on (default) or off (for load generators).
    #[arg(long, env = "CIAO_FLOOD", value_name = "on|off", value_parser = parse_switch)]
    pub flood: Option<bool>,

    /// Lines a client may send at once before it is slowed down. Default 20.
    #[arg(long, env = "CIAO_FLOOD_BURST", value_name = "LINES")]
    pub flood_burst: Option<u32>,

    /// Lines per second a client may keep sending. Default 4.
    #[arg(long, env = "CIAO_FLOOD_RATE", value_name = "LINES")]
    pub flood_rate: Option<f32>,

    /// Bytes a slowed-down client may have waiting before it is
    /// disconnected with "Excess flood". Default 32768.
    #[arg(long, env = "CIAO_FLOOD_MAX_QUEUED", value_name = "BYTES")]
    pub flood_max_queued: Option<usize>,

    /// Bytes queued for a client that does not read before it is
    /// disconnected with "SendQ exceeded". Default 1048576.
    #[arg(long, env = "CIAO_SENDQ")]
    pub sendq: Option<usize>,

    /// Seconds a new connection has to finish registering. Default 60.
    #[arg(long, env = "CIAO_REGISTRATION_TIMEOUT", value_name = "SECS")]
    pub registration_timeout: Option<u64>,

    /// Seconds of silence after which the server sends PING. Default 120.
    #[arg(long, env = "CIAO_PING_INTERVAL", value_name = "SECS")]
    pub ping_interval: Option<u64>,

    /// Seconds to answer that PING before "Ping timeout". Default 120.
    #[arg(long, env = "CIAO_PING_TIMEOUT", value_name = "SECS")]
    pub ping_timeout: Option<u64>,
}

/// The TOML file: the same settings, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<Vec<SocketAddr>>,
    pub port: Option<u16>,
    pub server_name: Option<String>,
    pub max_clients: Option<usize>,
    pub server_info: Option<String>,
    pub max_per_ip: Option<usize>,
    pub limit_loopback: Option<bool>,
    pub max_per_ipv6_48: Option<usize>,
    pub connect_rate: Option<u32>,
    pub connect_burst: Option<u32>,
    pub max_registering: Option<usize>,
    pub registration_timeout_busy: Option<u64>,
    pub default_channel: Option<String>,
    pub lang: Option<Lang>,
    pub password: Option<String>,
    pub oper: Option<Vec<String>>,
    pub data_dir: Option<PathBuf>,
    pub no_history: Option<bool>,
    pub history_replay: Option<usize>,
    pub history_keep: Option<usize>,
    pub history_days: Option<u64>,
    pub motd: Option<PathBuf>,
    pub sendq: Option<usize>,
    pub flood: Option<bool>,
    pub flood_burst: Option<u32>,
    pub flood_rate: Option<f32>,
    pub flood_max_queued: Option<usize>,
    pub registration_timeout: Option<u64>,
    pub ping_interval: Option<u64>,
    pub ping_timeout: Option<u64>,
}

/// A positive number of seconds, or the default.
fn seconds(
    value: Option<u64>,
    default: std::time::Duration,
    flag: &str,
) -> Result<std::time::Duration, SettingsError> {
    match value {
        None => Ok(default),
        Some(0) => Err(SettingsError::Invalid(format!(
            "{flag} must be at least 1 second"
        ))),
        Some(secs) => Ok(std::time::Duration::from_secs(secs)),
    }
}

/// `value` if it lies in `range`, else an error naming `flag` and the range.
fn in_range<T: PartialOrd + std::fmt::Display>(
    value: T,
    range: std::ops::RangeInclusive<T>,
    flag: &str,
) -> Result<T, SettingsError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(SettingsError::Invalid(format!(
            "{flag} must be between {} and {}, got {value}",
            range.start(),
            range.end()
        )))
    }
}

/// The connect rate limit: `--connect-rate` a minute after a burst of
/// `--connect-burst`; `None` for `--connect-rate 0`.
fn connect_rate(
    per_minute: Option<u32>,
    burst: Option<u32>,
) -> Result<Option<ConnectRate>, SettingsError> {
    let defaults = ConnectRate::default();
    let burst = in_range(
        burst.unwrap_or(defaults.burst),
        1..=10_000,
        "--connect-burst",
    )?;
    // A minute spread over the rate; at most 60000 keeps it in whole
    // milliseconds.
    let default_per_minute = (60_000 / defaults.interval.as_millis()) as u32;
    match in_range(
        per_minute.unwrap_or(default_per_minute),
        0..=60_000,
        "--connect-rate (0: no limit)",
    )? {
        0 => Ok(None),
        per_minute => Ok(Some(ConnectRate {
            burst,
            interval: std::time::Duration::from_millis(60_000 / u64::from(per_minute)),
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
}

fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_owned(),
        source,
    })
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

        let port = self.port.or(file.port);
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

        let motd = match self.motd.or(file.motd) {
            Some(path) => read(&path)?.lines().map(str::to_owned).collect(),
            None => Vec::new(),
        };

        let max_clients = self
            .max_clients
            .or(file.max_clients)
            .unwrap_or(defaults.max_clients);
        if max_clients == 0 {
            return Err(SettingsError::Invalid(
                "--max-clients must be at least 1".into(),
            ));
        }
        let max_per_ip = self
            .max_per_ip
            .or(file.max_per_ip)
            .unwrap_or(defaults.max_per_ip);
        let max_per_ipv6_48 = match self.max_per_ipv6_48.or(file.max_per_ipv6_48) {
            None => max_per_ip.saturating_mul(4),
            Some(0) => 0,
            Some(n) => in_range(
                n,
                max_per_ip.max(1)..=usize::MAX,
                "--max-per-ipv6-48 (0: no limit; else at least --max-per-ip)",
            )?,
        };
        let max_registering = in_range(
            self.max_registering
                .or(file.max_registering)
                .unwrap_or((max_clients / 4).max(16).min(max_clients)),
            1..=max_clients,
            "--max-registering",
        )?;
        let registration_timeout = seconds(
            self.registration_timeout.or(file.registration_timeout),
            defaults.registration_timeout,
            "--registration-timeout",
        )?;
        // The default never exceeds the plain deadline; a value given
        // must not either.
        let registration_timeout_busy = match self
            .registration_timeout_busy
            .or(file.registration_timeout_busy)
        {
            None => defaults.registration_timeout_busy.min(registration_timeout),
            Some(secs) => std::time::Duration::from_secs(in_range(
                secs,
                1..=registration_timeout.as_secs(),
                "--registration-timeout-busy (at most --registration-timeout)",
            )?),
        };
        let connect_rate = connect_rate(
            self.connect_rate.or(file.connect_rate),
            self.connect_burst.or(file.connect_burst),
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
            if let Some(lines) = self.history_replay.or(file.history_replay) {
                history.replay_lines = lines;
            }
            history.keep_per_target = self.history_keep.or(file.history_keep);
            history.keep_for = self
                .history_days
                .or(file.history_days)
                .map(|days| std::time::Duration::from_secs(days * 86_400));
            Some(history)
        };

        let flood = if self.flood.or(file.flood) == Some(false) {
            None
        } else {
            let defaults = FloodLimits::default();
            let limits = FloodLimits {
                burst: self
                    .flood_burst
                    .or(file.flood_burst)
                    .unwrap_or(defaults.burst),
                rate: self.flood_rate.or(file.flood_rate).unwrap_or(defaults.rate),
                max_queued: self
                    .flood_max_queued
                    .or(file.flood_max_queued)
                    .unwrap_or(defaults.max_queued),
            };
            if limits.burst == 0 || limits.rate.is_nan() || limits.rate <= 0.0 {
                return Err(SettingsError::Invalid(
                    "--flood-burst and --flood-rate must be positive (or use --flood off)".into(),
                ));
            }
            Some(limits)
        };

        let config = Config {
            server_name: self
                .server_name
                .or(file.server_name)
                .unwrap_or(defaults.server_name),
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
            sendq_bytes: self.sendq.or(file.sendq).unwrap_or(defaults.sendq_bytes),
            registration_timeout,
            ping_interval: seconds(
                self.ping_interval.or(file.ping_interval),
                defaults.ping_interval,
                "--ping-interval",
            )?,
            ping_timeout: seconds(
                self.ping_timeout.or(file.ping_timeout),
                defaults.ping_timeout,
                "--ping-timeout",
            )?,
            ..defaults
        };
        Ok(Settings { listen, config })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> Result<Settings, SettingsError> {
        let mut argv = vec!["ciao-server"];
        argv.extend_from_slice(args);
        Args::try_parse_from(argv)
            .expect("flags parse")
            .into_settings()
    }

    #[test]
    fn defaults() {
        let s = settings(&[]).expect("settings");
        assert_eq!(s.listen, ["0.0.0.0:6667".parse().expect("addr")]);
        assert_eq!(s.config.default_channel.as_deref(), Some("#lobby"));
        assert_eq!(s.config.max_clients, 10_000);
        assert_eq!(s.config.lang, Lang::En);
    }

    #[test]
    fn flags() {
        let s = settings(&[
            "--port",
            "7000",
            "--default-channel",
            "",
            "--lang",
            "it",
            "--oper",
            "root:secret",
        ])
        .expect("settings");
        assert_eq!(s.listen, ["0.0.0.0:7000".parse().expect("addr")]);
        assert_eq!(s.config.default_channel, None);
        assert_eq!(s.config.lang, Lang::It);
        assert_eq!(s.config.opers[0].name, "root");
    }

    #[test]
    fn history_flags() {
        let s = settings(&[
            "--data-dir",
            "/tmp/x",
            "--history-replay",
            "7",
            "--history-days",
            "2",
        ])
        .expect("settings");
        let history = s.config.history.expect("history on by default");
        assert_eq!(history.dir, PathBuf::from("/tmp/x"));
        assert_eq!(history.replay_lines, 7);
        assert_eq!(
            history.keep_for,
            Some(std::time::Duration::from_secs(2 * 86_400))
        );
        let s = settings(&["--no-history"]).expect("settings");
        assert!(s.config.history.is_none());
    }

    #[test]
    fn flood_flags() {
        let s = settings(&["--flood-burst", "5", "--flood-rate", "0.5"]).expect("settings");
        let flood = s.config.flood.expect("on by default");
        assert_eq!((flood.burst, flood.rate), (5, 0.5));
        assert!(
            settings(&["--flood", "off"])
                .expect("settings")
                .config
                .flood
                .is_none()
        );
        assert!(settings(&["--flood-rate", "0"]).is_err());
        let s =
            settings(&["--registration-timeout", "30", "--ping-interval", "90"]).expect("settings");
        assert_eq!(
            s.config.registration_timeout,
            std::time::Duration::from_secs(30)
        );
        assert_eq!(s.config.ping_interval, std::time::Duration::from_secs(90));
        assert!(settings(&["--ping-timeout", "0"]).is_err());
        assert!(Args::try_parse_from(["ciao-server", "--flood", "maybe"]).is_err());
    }

    #[test]
    fn file_is_overridden_by_flags() {
        let dir = std::env::temp_dir().join(format!("ciao-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("ciao.toml");
        std::fs::write(
            &path,
            "server_name = \"file.name\"\nmax_clients = 5\noper = [\"a:b\"]\nlisten = [\"127.0.0.1:7001\"]\n",
        )
        .expect("write");
        let path_str = path.to_str().expect("utf8 path");
        let s = settings(&["--config", path_str, "--max-clients", "9"]).expect("settings");
        assert_eq!(s.config.server_name, "file.name");
        assert_eq!(s.config.max_clients, 9);
        assert_eq!(s.config.opers.len(), 1);
        assert_eq!(s.listen, ["127.0.0.1:7001".parse().expect("addr")]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn admission_flags_and_their_ranges() {
        let s = settings(&["--max-clients", "300"]).expect("settings");
        assert_eq!(s.config.max_registering, 75, "a quarter of --max-clients");
        assert_eq!(s.config.max_per_ipv6_48, 256, "4 × --max-per-ip");
        assert_eq!(s.config.connect_rate, Some(ConnectRate::default()));
        let s = settings(&[
            "--max-per-ip",
            "5",
            "--connect-rate",
            "120",
            "--connect-burst",
            "3",
            "--max-registering",
            "7",
            "--registration-timeout-busy",
            "4",
        ])
        .expect("settings");
        assert_eq!(s.config.max_per_ipv6_48, 20);
        assert_eq!(
            s.config.connect_rate,
            Some(ConnectRate {
                burst: 3,
                interval: std::time::Duration::from_millis(500)
            })
        );
        assert_eq!(s.config.max_registering, 7);
        assert_eq!(
            s.config.registration_timeout_busy,
            std::time::Duration::from_secs(4)
        );
        let off = settings(&["--connect-rate", "0"]).expect("settings");
        assert_eq!(off.config.connect_rate, None);
        let short = settings(&["--registration-timeout", "5"]).expect("settings");
        assert_eq!(
            short.config.registration_timeout_busy,
            std::time::Duration::from_secs(5)
        );
        for bad in [
            &["--max-registering", "0"][..],
            &["--max-clients", "10", "--max-registering", "11"],
            &["--connect-burst", "0"],
            &["--connect-rate", "60001"],
            &["--max-per-ip", "8", "--max-per-ipv6-48", "4"],
            &[
                "--registration-timeout",
                "5",
                "--registration-timeout-busy",
                "6",
            ],
            &["--registration-timeout-busy", "0"],
        ] {
            let error = settings(bad).expect_err("out of range");
            assert!(
                error.to_string().contains(bad[bad.len() - 2]),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn bad_values_are_clear_errors() {
        assert!(settings(&["--default-channel", "lobby"]).is_err());
        assert!(settings(&["--max-clients", "0"]).is_err());
        assert!(Args::try_parse_from(["ciao-server", "--oper", "nopass"]).is_err());
    }
}
