//! Command-line flags, environment variables and the optional TOML file,
//! merged into a [`Config`]. Flags beat environment variables, which beat
//! the file, which beats the defaults.
//!
//! The binary's alone (`main.rs` declares it): the library takes a
//! `Config` and knows no flag or file. Each setting is defined once, in
//! [`layer`]; this file checks the merged settings (ranges, names, what
//! depends on what) and builds the `Config`.

mod layer;

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ciao_server::HistoryConfig;
use ciao_server::config::motd::{self, MotdError};
use ciao_server::config::ranges::{self, Bounds, OutOfRange};
use ciao_server::config::tls::StsPolicy;
use ciao_server::config::web::WebConfig;
use ciao_server::{Config, ConnectRate, FloodLimits, OperCredential};
use clap::Parser;

use layer::{Layer, Number};

/// ciao-server: a chat server for IRC clients and plain nc/telnet users,
/// on one port.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub(crate) struct Args {
    /// TOML file with any of the settings below (same names, with `_`
    /// instead of `-`); flags and environment variables override it.
    #[arg(long, env = "CIAO_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Every setting, from flags and environment variables.
    #[command(flatten)]
    pub(crate) settings: Layer,

    #[command(subcommand)]
    pub(crate) command: Option<Subcommand>,
}

/// What the binary does instead of serving.
#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub(crate) enum Subcommand {
    /// Prints the SHA-256 fingerprints of the TLS certificate (generating
    /// it first if it is to be generated and is not yet) in the forms
    /// irssi and weechat take. Flags go before it: `ciao-server --data-dir
    /// DIR tls-fingerprint`.
    TlsFingerprint,
    /// Reads a password from standard input (one line) and prints its
    /// argon2id hash, to give to `--password` or `--oper NAME:HASH`
    /// instead of the password itself.
    HashPassword,
}

/// Where the TLS certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsSource {
    /// `--no-tls`.
    Off,
    /// `--tls-cert` and `--tls-key`.
    Files { cert: PathBuf, key: PathBuf },
    /// Generated into this folder on first start, reused after.
    Generated(PathBuf),
    /// `--no-history` without `--data-dir`: the server stores nothing, so
    /// a new certificate is made in memory at each start (its fingerprint
    /// changes; give --data-dir or --tls-cert for one that stays).
    Ephemeral,
}

/// The value given, checked against `bounds`; `None` when none was given.
fn ranged<T: TryFrom<u64>>(value: Option<Number>, bounds: Bounds) -> Result<Option<T>, OutOfRange> {
    value.map(|Number(value)| bounds.check(value)).transpose()
}

/// A number of seconds in `bounds`, or the default.
fn seconds(
    value: Option<Number>,
    default: Duration,
    bounds: Bounds,
) -> Result<Duration, OutOfRange> {
    Ok(ranged(value, bounds)?.map_or(default, Duration::from_secs))
}

/// The connect rate limit: `--connect-rate` a minute after a burst of
/// `--connect-burst`; `None` for `--connect-rate 0`.
fn connect_rate(
    per_minute: Option<Number>,
    burst: Option<Number>,
) -> Result<Option<ConnectRate>, OutOfRange> {
    let defaults = ConnectRate::default();
    let burst = ranged(burst, ranges::CONNECT_BURST)?.unwrap_or(defaults.burst);
    let default_per_minute = (60_000 / defaults.interval.as_millis()) as u32;
    match ranged(per_minute, ranges::CONNECT_RATE)?.unwrap_or(default_per_minute) {
        0 => Ok(None),
        per_minute => Ok(Some(ConnectRate {
            burst,
            // A minute spread over the rate; at most 60000 keeps it in
            // whole milliseconds.
            interval: Duration::from_millis(60_000 / u64::from(per_minute)),
        })),
    }
}

/// The smallest size budget: smaller would keep only a few thousand lines.
const MIN_HISTORY_BYTES: u64 = 1 << 20;

/// The size budget: the default, none (0), or at least the minimum.
fn history_budget(value: Option<u64>) -> Result<Option<u64>, SettingsError> {
    match value {
        None => Ok(Some(ciao_server::DEFAULT_HISTORY_MAX_BYTES)),
        Some(0) => Ok(None),
        Some(bytes) if bytes >= MIN_HISTORY_BYTES => Ok(Some(bytes)),
        Some(bytes) => Err(SettingsError::Invalid(format!(
            "--history-max-bytes {bytes} is too small: give 0 (no budget) or at least 1M"
        ))),
    }
}

/// What `main` needs: where to listen, and the server settings.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) listen: Vec<SocketAddr>,
    /// Empty with `--no-tls`.
    pub(crate) tls_listen: Vec<SocketAddr>,
    /// Empty with `--no-web`.
    pub(crate) web: Vec<SocketAddr>,
    pub(crate) tls: TlsSource,
    pub(crate) config: Config,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SettingsError {
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

/// The config file's settings.
fn load(path: &Path) -> Result<Layer, SettingsError> {
    toml::from_str(&read(path)?).map_err(|source| SettingsError::Toml {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

/// Where to listen. `--port` is a shorthand for an address, so it sits
/// between the two: `--listen` beats a port from any source, and a port
/// beats the file's `listen`.
fn listen(
    flag: Option<Vec<SocketAddr>>,
    port: Option<u16>,
    file: Option<Vec<SocketAddr>>,
) -> Vec<SocketAddr> {
    let any = |port| vec![SocketAddr::from(([0, 0, 0, 0], port))];
    flag.filter(|addrs| !addrs.is_empty())
        .or(port.map(any))
        .or(file)
        .unwrap_or_else(|| any(6667))
}

/// The TLS listeners and the certificate's source.
fn tls_settings(
    no_tls: bool,
    listen: Option<Vec<SocketAddr>>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    data_dir: Option<&Path>,
) -> Result<(Vec<SocketAddr>, TlsSource), SettingsError> {
    if no_tls {
        if listen.is_some() || cert.is_some() || key.is_some() {
            return Err(SettingsError::Invalid(
                "--no-tls with --tls-listen, --tls-cert or --tls-key: choose one".into(),
            ));
        }
        return Ok((Vec::new(), TlsSource::Off));
    }
    let listen = listen
        .filter(|addrs| !addrs.is_empty())
        .unwrap_or_else(|| vec![SocketAddr::from(([0, 0, 0, 0], 6697))]);
    let source = match (cert, key, data_dir) {
        (Some(cert), Some(key), _) => TlsSource::Files { cert, key },
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err(SettingsError::Invalid(
                "--tls-cert and --tls-key go together: give both, or neither to use a generated certificate".into(),
            ));
        }
        (None, None, Some(dir)) => {
            TlsSource::Generated(dir.join(ciao_server::config::tls::GENERATED_DIR))
        }
        (None, None, None) => TlsSource::Ephemeral,
    };
    Ok((listen, source))
}

/// The web listeners: the default's, those given, or none.
fn web_listen(
    no_web: bool,
    addrs: Option<Vec<SocketAddr>>,
) -> Result<Vec<SocketAddr>, SettingsError> {
    match (no_web, addrs) {
        (true, Some(addrs)) if !addrs.is_empty() => Err(SettingsError::Invalid(
            "--no-web with --web: choose one".into(),
        )),
        (true, _) => Ok(Vec::new()),
        (false, Some(addrs)) if !addrs.is_empty() => Ok(addrs),
        (false, _) => Ok(vec![SocketAddr::from(([0, 0, 0, 0], 8067))]),
    }
}

/// The web page's rules; each origin must be `scheme://host[:port]`.
fn web_settings(origins: Vec<String>, dir: Option<PathBuf>) -> Result<WebConfig, SettingsError> {
    for origin in &origins {
        let valid = origin.split_once("://").is_some_and(|(scheme, host)| {
            matches!(scheme, "http" | "https")
                && !host.trim_end_matches('/').is_empty()
                && !host.trim_end_matches('/').contains('/')
        });
        if !valid {
            return Err(SettingsError::Invalid(format!(
                "--web-origin {origin:?} is not an origin: give scheme://host[:port], like https://chat.example.org"
            )));
        }
    }
    if let Some(dir) = &dir
        && !dir.is_dir()
    {
        return Err(SettingsError::Invalid(format!(
            "--web-dir {}: not a directory",
            dir.display()
        )));
    }
    Ok(WebConfig {
        origins,
        dir,
        ..WebConfig::default()
    })
}

/// The STS settings as given.
#[derive(Debug, Clone, Copy)]
struct StsGiven {
    sts: bool,
    sts_port: Option<Number>,
    sts_duration: Option<Number>,
    sts_preload: bool,
}

/// The STS policy, if `--sts`: only with TLS on a certificate clients
/// can verify, which the generated one is not (its CA is trusted by
/// nobody, and a client that has seen STS refuses what it cannot verify,
/// so everyone would be locked out).
fn sts_policy(
    given: StsGiven,
    tls: &TlsSource,
    tls_listen: &[SocketAddr],
) -> Result<Option<StsPolicy>, SettingsError> {
    if !given.sts {
        if given.sts_port.is_some() || given.sts_duration.is_some() || given.sts_preload {
            return Err(SettingsError::Invalid(
                "--sts-port, --sts-duration and --sts-preload need --sts".into(),
            ));
        }
        return Ok(None);
    }
    match tls {
        TlsSource::Files { .. } => {}
        TlsSource::Off => {
            return Err(SettingsError::Invalid(
                "--sts needs TLS: it sends clients to the TLS port, and --no-tls has none".into(),
            ));
        }
        TlsSource::Generated(_) | TlsSource::Ephemeral => {
            return Err(SettingsError::Invalid(
                "--sts needs a certificate clients can verify (--tls-cert and --tls-key): \
                 clients must verify an STS server's certificate, and the generated one \
                 is signed by a CA they do not trust"
                    .into(),
            ));
        }
    }
    let port = match ranged::<u16>(given.sts_port, ranges::STS_PORT)? {
        Some(port) => port,
        None => match tls_listen.first().map(SocketAddr::port) {
            Some(port) if port != 0 => port,
            _ => {
                return Err(SettingsError::Invalid(
                    "--sts with a TLS listener on port 0: give --sts-port".into(),
                ));
            }
        },
    };
    Ok(Some(StsPolicy {
        port,
        duration: seconds(
            given.sts_duration,
            StsPolicy::DEFAULT_DURATION,
            ranges::STS_DURATION,
        )?,
        preload: given.sts_preload,
    }))
}

impl Args {
    /// Merges flags, environment and the config file into settings.
    pub(crate) fn into_settings(self) -> Result<Settings, SettingsError> {
        let mut file = match &self.config {
            Some(path) => load(path)?,
            None => Layer::default(),
        };
        let mut flags = self.settings;
        let (flag_listen, file_listen) = (flags.listen.take(), file.listen.take());
        let given = flags.over(file);
        let defaults = Config::default();

        let port = ranged::<u16>(given.port, ranges::PORT)?;
        let listen = listen(flag_listen, port, file_listen);

        let default_channel = match given.default_channel {
            None => defaults.default_channel,
            Some(name) if name.is_empty() => None,
            Some(name) if ciao_proto::names::is_channel_name(&name) => Some(name),
            Some(name) => {
                return Err(SettingsError::Invalid(format!(
                    "--default-channel {name:?} is not a channel name (like #lobby)"
                )));
            }
        };

        let opers = given
            .oper
            .iter()
            .map(|entry| entry.parse::<OperCredential>())
            .collect::<Result<_, _>>()
            .map_err(SettingsError::Invalid)?;

        let server_name = given.server_name.unwrap_or(defaults.server_name);
        let motd = match given.motd {
            Some(path) => motd::read(&path, motd::line_budget(&server_name))?,
            None => Vec::new(),
        };

        let max_clients: usize =
            ranged(given.max_clients, ranges::MAX_CLIENTS)?.unwrap_or(defaults.max_clients);
        let max_per_ip: usize =
            ranged(given.max_per_ip, ranges::MAX_PER_IP)?.unwrap_or(defaults.max_per_ip);
        let max_per_ipv6_48 = match ranged::<usize>(given.max_per_ipv6_48, ranges::MAX_PER_IPV6_48)?
        {
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
            given.max_registering,
            Bounds {
                flag: "--max-registering",
                min: 1,
                max: max_clients as u64,
            },
        )?
        .unwrap_or((max_clients / 4).clamp(16.min(max_clients), max_clients));
        let registration_timeout = seconds(
            given.registration_timeout,
            defaults.registration_timeout,
            ranges::REGISTRATION_TIMEOUT,
        )?;
        // The default never exceeds the plain deadline; a value given
        // must not either.
        let registration_timeout_busy = seconds(
            given.registration_timeout_busy,
            defaults.registration_timeout_busy.min(registration_timeout),
            Bounds {
                flag: "--registration-timeout-busy",
                min: 1,
                max: registration_timeout.as_secs(),
            },
        )?;
        let connect_rate = connect_rate(given.connect_rate, given.connect_burst)?;

        // With --no-history only a data dir given says the server may
        // write there (for the TLS certificate).
        let data_dir = match given.data_dir {
            Some(dir) => Some(dir),
            None if given.no_history => None,
            None => Some(
                dirs::data_dir()
                    .map(|dir| dir.join("ciao"))
                    .ok_or_else(|| {
                        SettingsError::Invalid(
                    "no data directory known for this system: give --data-dir or --no-history"
                        .into(),
                )
                    })?,
            ),
        };
        let (tls_listen, tls) = tls_settings(
            given.no_tls,
            given.tls_listen,
            given.tls_cert,
            given.tls_key,
            data_dir.as_deref(),
        )?;
        let sts_given = StsGiven {
            sts: given.sts,
            sts_port: given.sts_port,
            sts_duration: given.sts_duration,
            sts_preload: given.sts_preload,
        };
        let sts = sts_policy(sts_given, &tls, &tls_listen)?;
        let history = match data_dir {
            Some(_) if given.no_history => None,
            None => None,
            Some(dir) => {
                let mut history = HistoryConfig::new(dir);
                if let Some(lines) = ranged(given.history_replay, ranges::HISTORY_REPLAY)? {
                    history.replay_lines = lines;
                }
                history.keep_per_target = ranged(given.history_keep, ranges::HISTORY_KEEP)?;
                history.keep_for = ranged::<u64>(given.history_days, ranges::HISTORY_DAYS)?
                    .map(|days| Duration::from_secs(days * 86_400));
                history.max_bytes = history_budget(given.history_max_bytes)?;
                Some(history)
            }
        };

        let flood = if given.flood == Some(false) {
            None
        } else {
            let defaults = FloodLimits::default();
            Some(FloodLimits {
                burst: ranged(given.flood_burst, ranges::FLOOD_BURST)?.unwrap_or(defaults.burst),
                rate: match given.flood_rate {
                    Some(rate) => ranges::flood_rate(rate)?,
                    None => defaults.rate,
                },
                max_queued: ranged(given.flood_max_queued, ranges::FLOOD_MAX_QUEUED)?
                    .unwrap_or(defaults.max_queued),
            })
        };

        let web = web_listen(given.no_web, given.web)?;
        let web_config = web_settings(given.web_origin, given.web_dir)?;

        let config = Config {
            web: web_config,
            server_name,
            max_clients,
            server_info: given.server_info.unwrap_or(defaults.server_info),
            max_per_ip,
            limit_loopback: given.limit_loopback,
            max_per_ipv6_48,
            connect_rate,
            max_registering,
            registration_timeout_busy,
            default_channel,
            lang: given.lang.map_or(defaults.lang, Into::into),
            password: given.password.filter(|p| !p.is_empty()),
            plaintext_passwords: given
                .plaintext_passwords
                .map_or(defaults.plaintext_passwords, Into::into),
            opers,
            sts,
            history,
            flood,
            motd,
            sendq_bytes: ranged(given.sendq, ranges::SENDQ)?.unwrap_or(defaults.sendq_bytes),
            min_password_len: ranged(given.min_password_len, ranges::MIN_PASSWORD_LEN)?
                .unwrap_or(defaults.min_password_len),
            register_before_connect: given
                .register_before_connect
                .unwrap_or(defaults.register_before_connect),
            registration_timeout,
            ping_interval: seconds(
                given.ping_interval,
                defaults.ping_interval,
                ranges::PING_INTERVAL,
            )?,
            ping_timeout: seconds(
                given.ping_timeout,
                defaults.ping_timeout,
                ranges::PING_TIMEOUT,
            )?,
            ..defaults
        };
        Ok(Settings {
            listen,
            tls_listen,
            web,
            tls,
            config,
        })
    }
}

#[cfg(test)]
mod tests;
