//! The saved server list: each server the user connected to, with what is
//! needed to connect again, remembered between runs.
//!
//! A remembered password is kept in plain text in eframe's storage, in the
//! app's data directory (`ron` file, mode 0600 on Unix: see
//! [`protect_storage`]); that is why remembering it is off unless the
//! user ticks the box. The certificate fingerprints the user accepted
//! are kept there too, with each server.

use std::path::{Path, PathBuf};

use ciao_client::Settings;
use ciao_client::connection::{Account, Fingerprint, Tls};
use serde::{Deserialize, Serialize};

/// Key of the saved server list in eframe's storage.
pub const SERVERS_KEY: &str = "ciao-servers";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerEntry {
    /// What the list shows; unique in the list.
    pub name: String,
    pub host: String,
    pub port: u16,
    pub nick: String,
    /// Only when the user asked to remember it: plain text on disk.
    pub password: Option<String>,
    /// Channels joined after each connection is registered.
    pub channels: Vec<String>,
    /// Nicks on /ignore on this server.
    pub ignored: Vec<String>,
    /// Over TLS (false for entries saved before TLS: they were plaintext).
    pub tls: bool,
    /// A CA file trusted for this server besides the system's.
    pub ca_file: Option<PathBuf>,
    /// The certificate fingerprint the user accepted (`AB:CD:…`): trust
    /// on first use, checked on every connection after.
    pub fingerprint: Option<String>,
    /// The account to log in to with SASL.
    pub account: Option<String>,
    /// Its password, only when the user asked to remember it: plain text
    /// on disk.
    pub account_password: Option<String>,
}

impl ServerEntry {
    /// How to connect to this server; `account_password` is used when
    /// the entry remembers none.
    pub fn settings(&self, account_password: Option<&str>) -> Settings {
        let mut settings = Settings::new(&self.host, self.port, &self.nick);
        settings.password = self.password.clone();
        settings.tls = self.tls.then(|| Tls {
            ca_file: self.ca_file.clone(),
            pinned: self.fingerprint.as_deref().and_then(Fingerprint::parse),
        });
        let password = self.account_password.as_deref().or(account_password);
        settings.login = match (&self.account, password) {
            (Some(name), Some(password)) => Some(Account {
                name: name.clone(),
                password: password.to_owned(),
            }),
            _ => None,
        };
        settings
    }

    /// The name a server gets when the user gave none: its address, with
    /// the port unless it is IRC's usual one.
    pub fn default_name(host: &str, port: u16) -> String {
        if port == 6667 {
            host.to_owned()
        } else {
            format!("{host}:{port}")
        }
    }
}

/// eframe's storage file, where the server list (and any password
/// remembered) is kept: `app.ron` in the app's data folder
/// (`~/.local/share/ciao` on Linux).
pub fn storage_file() -> Option<PathBuf> {
    eframe::storage_dir("ciao").map(|dir| dir.join("app.ron"))
}

/// Makes the storage file readable by its user only (mode 0600 on Unix),
/// creating it empty if missing: eframe rewrites it in place, so the mode
/// stays.
pub fn protect_storage(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if path.exists() {
            return std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        // An empty map: what eframe reads as "nothing stored yet".
        file.write_all(b"{}")?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Channels typed as "#a, #b #c": each a channel name, `#` added when
/// missing.
pub fn parse_channels(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            if c.starts_with(['#', '&']) {
                c.to_owned()
            } else {
                format!("#{c}")
            }
        })
        .collect()
}

/// The saved servers, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerList {
    pub entries: Vec<ServerEntry>,
}

impl ServerList {
    pub fn get(&self, name: &str) -> Option<&ServerEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Adds `entry`, or replaces the one of the same name in its place.
    pub fn upsert(&mut self, entry: ServerEntry) {
        match self.entries.iter_mut().find(|e| e.name == entry.name) {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.entries.retain(|e| e.name != name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_storage_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ciao").join("app.ron");
        protect_storage(&path).expect("created");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "{}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        protect_storage(&path).expect("tightened");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn an_entry_makes_its_settings() {
        let entry = ServerEntry {
            host: "irc.example".into(),
            port: 6697,
            nick: "ann".into(),
            tls: true,
            fingerprint: Some(Fingerprint([0xab; 32]).to_string()),
            account: Some("ann".into()),
            ..ServerEntry::default()
        };
        let settings = entry.settings(Some("typed"));
        let tls = settings.tls.expect("tls");
        assert_eq!(tls.pinned, Some(Fingerprint([0xab; 32])));
        assert_eq!(settings.login.map(|l| l.password).as_deref(), Some("typed"));
        // No password anywhere: no login.
        assert!(entry.settings(None).login.is_none());
        let plain = ServerEntry::default().settings(None);
        assert!(plain.tls.is_none());
    }

    #[test]
    fn channels_and_names() {
        assert_eq!(parse_channels("#a, b  &c,"), ["#a", "#b", "&c"]);
        assert_eq!(
            ServerEntry::default_name("irc.example", 6667),
            "irc.example"
        );
        assert_eq!(
            ServerEntry::default_name("127.0.0.1", 7000),
            "127.0.0.1:7000"
        );
        let mut list = ServerList::default();
        let entry = |name: &str, nick: &str| ServerEntry {
            name: name.into(),
            nick: nick.into(),
            ..ServerEntry::default()
        };
        list.upsert(entry("a", "x"));
        list.upsert(entry("b", "y"));
        list.upsert(entry("a", "z"));
        assert_eq!(list.entries, [entry("a", "z"), entry("b", "y")]);
    }
}
