//! Flags, environment and file merged into settings; every range.

use super::layer::parse_bytes;
use super::*;
use ciao_server::{ConnectRate, Lang};

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
    assert_eq!(
        history.max_bytes,
        Some(ciao_server::DEFAULT_HISTORY_MAX_BYTES),
        "a size budget by default"
    );
    let budget = |value: &str| {
        settings(&["--data-dir", "/tmp/x", "--history-max-bytes", value])
            .map(|s| s.config.history.expect("history").max_bytes)
    };
    assert_eq!(budget("0").expect("0"), None);
    assert_eq!(budget("512M").expect("512M"), Some(512 << 20));
    assert_eq!(budget("2GiB").expect("2GiB"), Some(2 << 30));
    assert_eq!(budget("1048576").expect("bytes"), Some(1 << 20));
    assert!(budget("1000").is_err(), "below the minimum");
    assert!(parse_bytes("12X").is_err() && parse_bytes("M").is_err());
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
    let s = settings(&["--registration-timeout", "30", "--ping-interval", "90"]).expect("settings");
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
fn bad_values_are_clear_errors() {
    assert!(settings(&["--default-channel", "lobby"]).is_err());
    assert!(settings(&["--max-clients", "0"]).is_err());
    assert!(Args::try_parse_from(["ciao-server", "--oper", "nopass"]).is_err());
}

/// Every integer setting with its range; history must be on for the
/// history settings to be read.
const RANGED: [Bounds; 13] = [
    ranges::PORT,
    ranges::MAX_CLIENTS,
    ranges::MAX_PER_IP,
    ranges::HISTORY_REPLAY,
    ranges::HISTORY_KEEP,
    ranges::HISTORY_DAYS,
    ranges::FLOOD_BURST,
    ranges::FLOOD_MAX_QUEUED,
    ranges::SENDQ,
    ranges::MIN_PASSWORD_LEN,
    ranges::REGISTRATION_TIMEOUT,
    ranges::PING_INTERVAL,
    ranges::PING_TIMEOUT,
];

fn with_flag(bounds: Bounds, value: &str) -> Result<Settings, SettingsError> {
    settings(&["--data-dir", "/tmp/ciao-unused", bounds.flag, value])
}

fn range_message(bounds: Bounds, got: &str) -> String {
    format!(
        "invalid setting: {} must be between {} and {}, got {got}",
        bounds.flag, bounds.min, bounds.max
    )
}

#[test]
fn every_number_flag_has_a_range_checked_at_both_ends() {
    for bounds in RANGED {
        for inside in [bounds.min, bounds.max] {
            if let Err(error) = with_flag(bounds, &inside.to_string()) {
                panic!("{} {inside}: {error}", bounds.flag);
            }
        }
        let below = (i128::from(bounds.min) - 1).to_string();
        let above = (i128::from(bounds.max) + 1).to_string();
        for outside in [below, above, u64::MAX.to_string()] {
            let error = with_flag(bounds, &outside).expect_err(bounds.flag);
            assert_eq!(error.to_string(), range_message(bounds, &outside));
        }
    }
}

#[test]
fn values_that_reach_the_server_are_the_ones_given() {
    let s = settings(&[
        "--max-clients",
        "1000000",
        "--sendq",
        "131072",
        "--registration-timeout",
        "86400",
        "--history-days",
        "36500",
        "--data-dir",
        "/tmp/ciao-unused",
    ])
    .expect("settings");
    assert_eq!(s.config.max_clients, 1_000_000);
    assert_eq!(s.config.sendq_bytes, 128 * 1024);
    assert_eq!(s.config.registration_timeout, Duration::from_secs(86_400));
    let keep_for = s.config.history.expect("history").keep_for;
    assert_eq!(keep_for, Some(Duration::from_secs(36_500 * 86_400)));
}

#[test]
fn negative_numbers_reach_the_range_check() {
    let error = settings(&["--max-clients", "-1"]).expect_err("negative");
    assert_eq!(error.to_string(), range_message(ranges::MAX_CLIENTS, "-1"));
    let error = settings(&["--flood-rate", "-2"]).expect_err("negative");
    assert_eq!(
        error.to_string(),
        "invalid setting: --flood-rate must be between 0.01 and 1000, got -2"
    );
    let error = settings(&["--flood-rate", "inf"]).expect_err("infinite");
    assert!(error.to_string().ends_with("got inf"), "{error}");
}

/// A file in a fresh directory, removed when dropped.
fn config_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ciao.toml");
    std::fs::write(&path, text).expect("write");
    let path = path.to_str().expect("utf8 path").to_owned();
    (dir, path)
}

#[test]
fn the_config_file_is_range_checked_too() {
    for bounds in RANGED {
        let key = bounds.flag.trim_start_matches("--").replace('-', "_");
        for (value, ok) in [
            (i128::from(bounds.min), true),
            (i128::from(bounds.max), true),
            (i128::from(bounds.min) - 1, false),
            (i128::from(bounds.max) + 1, false),
        ] {
            let (_dir, path) = config_file(&format!(
                "data_dir = \"/tmp/ciao-unused\"\n{key} = {value}\n"
            ));
            let result = settings(&["--config", &path]);
            match (result, ok) {
                (Ok(_), true) => {}
                (Err(error), false) => {
                    assert_eq!(error.to_string(), range_message(bounds, &value.to_string()))
                }
                (Ok(_), false) => panic!("{key} = {value} was accepted"),
                (Err(error), true) => panic!("{key} = {value}: {error}"),
            }
        }
    }
    let (_dir, path) = config_file("flood_rate = 0.0\n");
    let error = settings(&["--config", &path]).expect_err("zero rate");
    assert!(error.to_string().contains("--flood-rate must be between"));
}

#[test]
fn a_flag_within_range_overrides_a_file_value_out_of_range() {
    let (_dir, path) = config_file("max_clients = 0\n");
    let s = settings(&["--config", &path, "--max-clients", "5"]).expect("settings");
    assert_eq!(s.config.max_clients, 5);
}

#[test]
fn the_motd_is_read_once_bounded_and_cut() {
    let (dir, _) = config_file("");
    let path = dir.path().join("motd.txt");
    std::fs::write(&path, format!("short\n{}\n", "y".repeat(600))).expect("write");
    let path = path.to_str().expect("utf8 path");
    let s = settings(&["--motd", path, "--server-name", "irc.example.org"]).expect("settings");
    assert_eq!(s.config.motd[0], "short");
    assert_eq!(s.config.motd[1].len(), motd::line_budget("irc.example.org"));
    std::fs::write(dir.path().join("motd.txt"), "x\n".repeat(101)).expect("write");
    let error = settings(&["--motd", path]).expect_err("too many lines");
    assert!(
        error.to_string().ends_with("has more than 100 lines"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_as_config_file_is_refused_without_reading_it() {
    let error = settings(&["--config", "/dev/zero"]).expect_err("device");
    assert_eq!(
        error.to_string(),
        "cannot read /dev/zero: not a regular file"
    );
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
fn tls_is_on_by_default_on_6697_with_a_generated_certificate() {
    let s = settings(&["--data-dir", "/srv/ciao"]).expect("settings");
    assert_eq!(s.tls_listen, ["0.0.0.0:6697".parse().expect("addr")]);
    assert_eq!(s.tls, TlsSource::Generated(PathBuf::from("/srv/ciao/tls")));
    // Storing nothing, the server makes a certificate per run.
    let s = settings(&["--no-history"]).expect("settings");
    assert_eq!(s.tls, TlsSource::Ephemeral);
    let s = settings(&["--no-history", "--data-dir", "/srv/ciao"]).expect("settings");
    assert_eq!(s.tls, TlsSource::Generated(PathBuf::from("/srv/ciao/tls")));
}

#[test]
fn tls_settings() {
    let s = settings(&["--no-tls"]).expect("settings");
    assert!(s.tls_listen.is_empty());
    assert_eq!(s.tls, TlsSource::Off);
    let s = settings(&[
        "--tls-listen",
        "127.0.0.1:0,[::1]:7000",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
    ])
    .expect("settings");
    assert_eq!(s.tls_listen.len(), 2);
    assert_eq!(
        s.tls,
        TlsSource::Files {
            cert: "c.pem".into(),
            key: "k.pem".into()
        }
    );
    for args in [
        &["--tls-cert", "c.pem"][..],
        &["--tls-key", "k.pem"],
        &["--no-tls", "--tls-listen", "127.0.0.1:6697"],
    ] {
        let error = settings(args).expect_err("refused").to_string();
        assert!(error.contains("--tls-"), "{error}");
    }
}

#[test]
fn plaintext_passwords_default_to_loopback_and_take_a_flag_or_the_file() {
    use ciao_server::config::PlaintextPasswords;
    let s = settings(&[]).expect("settings");
    assert_eq!(s.config.plaintext_passwords, PlaintextPasswords::Loopback);
    let s = settings(&["--plaintext-passwords", "deny"]).expect("settings");
    assert_eq!(s.config.plaintext_passwords, PlaintextPasswords::Deny);
    let (_dir, path) = config_file("plaintext_passwords = \"allow\"\n");
    let s = settings(&["--config", &path]).expect("settings");
    assert_eq!(s.config.plaintext_passwords, PlaintextPasswords::Allow);
    let s = settings(&["--config", &path, "--plaintext-passwords", "loopback"]).expect("settings");
    assert_eq!(s.config.plaintext_passwords, PlaintextPasswords::Loopback);
    assert!(Args::try_parse_from(["ciao-server", "--plaintext-passwords", "sometimes"]).is_err());
    let (_dir, path) = config_file("plaintext_passwords = \"sometimes\"\n");
    assert!(settings(&["--config", &path]).is_err());
}

#[test]
fn sts_is_off_by_default_and_needs_a_certificate_clients_verify() {
    use ciao_server::config::tls::StsPolicy;
    let files = ["--tls-cert", "c.pem", "--tls-key", "k.pem"];
    assert_eq!(settings(&files).expect("settings").config.sts, None);

    let with = |extra: &[&str]| {
        let mut args = files.to_vec();
        args.extend_from_slice(extra);
        settings(&args)
    };
    let s = with(&["--sts"]).expect("settings");
    assert_eq!(
        s.config.sts,
        Some(StsPolicy {
            port: 6697,
            duration: StsPolicy::DEFAULT_DURATION,
            preload: false
        })
    );
    let s = with(&[
        "--sts",
        "--tls-listen",
        "[::]:7000",
        "--sts-duration",
        "0",
        "--sts-preload",
    ])
    .expect("settings");
    let sts = s.config.sts.expect("sts");
    assert_eq!(
        (sts.port, sts.duration.as_secs(), sts.preload),
        (7000, 0, true)
    );
    let s = with(&["--sts", "--sts-port", "443"]).expect("settings");
    assert_eq!(s.config.sts.expect("sts").port, 443);

    for (args, says) in [
        (&["--sts"][..], "certificate clients can verify"),
        (&["--sts", "--data-dir", "/srv/ciao"], "the generated one"),
        (&["--sts", "--no-history"], "the generated one"),
        (&["--sts", "--no-tls"], "--no-tls"),
        (&["--sts-preload"], "need --sts"),
        (&["--sts-port", "6697"], "need --sts"),
    ] {
        let error = settings(args).expect_err("refused").to_string();
        assert!(error.contains(says), "{args:?}: {error}");
    }
    for (flag, bounds) in [
        ("--sts-port", ranges::STS_PORT),
        ("--sts-duration", ranges::STS_DURATION),
    ] {
        for outside in [i128::from(bounds.min) - 1, i128::from(bounds.max) + 1] {
            let outside = outside.to_string();
            let error = with(&["--sts", flag, &outside]).expect_err("out of range");
            assert_eq!(error.to_string(), range_message(bounds, &outside));
        }
        for inside in [bounds.min, bounds.max] {
            with(&["--sts", flag, &inside.to_string()]).expect("in range");
        }
    }
    let error = with(&["--sts", "--tls-listen", "127.0.0.1:0"]).expect_err("port 0");
    assert!(error.to_string().contains("--sts-port"), "{error}");
}

#[test]
fn the_web_listener_is_on_8067_unless_turned_off() {
    let s = settings(&[]).expect("settings");
    assert_eq!(s.web, ["0.0.0.0:8067".parse().expect("addr")]);
    let s = settings(&["--web", "127.0.0.1:9000,[::1]:9000"]).expect("settings");
    assert_eq!(s.web.len(), 2);
    assert!(settings(&["--no-web"]).expect("settings").web.is_empty());
    let both = settings(&["--no-web", "--web", "127.0.0.1:9000"]);
    assert!(matches!(both, Err(SettingsError::Invalid(m)) if m.contains("choose one")));
}

#[test]
fn web_origins_must_be_origins() {
    let s = settings(&["--web-origin", "https://chat.example.org"]).expect("settings");
    assert_eq!(s.config.web.origins, ["https://chat.example.org"]);
    for bad in [
        "chat.example.org",
        "https://chat.example.org/path",
        "ftp://x",
    ] {
        let refused = settings(&["--web-origin", bad]);
        assert!(
            matches!(&refused, Err(SettingsError::Invalid(m)) if m.contains("not an origin")),
            "{bad}: {refused:?}"
        );
    }
}
