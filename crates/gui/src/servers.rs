//! The saved server list: each server the user connected to, with what is
//! needed to connect again, remembered between runs.
//!
//! A remembered password is kept in plain text in eframe's storage, in the
//! app's data directory (`ron` file); that is why remembering it is off
//! unless the user ticks the box.

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
}

impl ServerEntry {
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
