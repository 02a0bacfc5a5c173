//! RFC 1459 casemapping: `A-Z[]\~` fold to `a-z{}|^`.
//!
//! IRC nicknames and channel names compare case-insensitively under this
//! mapping (advertised as `CASEMAPPING=rfc1459`), so `[bob]` and `{BOB}` are
//! the same nick. Non-ASCII characters are compared as they are.

use std::fmt;

/// Folds one character under RFC 1459 casemapping.
pub fn fold_char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '[' => '{',
        ']' => '}',
        '\\' => '|',
        '~' => '^',
        _ => c,
    }
}

/// Returns `name` folded under RFC 1459 casemapping.
pub fn irc_lower(name: &str) -> String {
    name.chars().map(fold_char).collect()
}

/// Compares two names under RFC 1459 casemapping without allocating.
pub fn irc_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

/// A casefolded name, used as the key of nick and channel tables so that a
/// lookup can never forget to fold.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseKey(String);

impl CaseKey {
    pub fn new(name: &str) -> Self {
        CaseKey(irc_lower(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&str> for CaseKey {
    fn from(name: &str) -> Self {
        CaseKey::new(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_the_rfc1459_specials() {
        assert_eq!(irc_lower("Nick[A]\\~"), "nick{a}|^");
    }

    #[test]
    fn equal_names_share_a_key() {
        assert_eq!(CaseKey::new("{Bob}"), CaseKey::new("[bOB]"));
        assert!(irc_eq("#Lobby", "#lobby"));
        assert!(!irc_eq("#lobby", "#lobby2"));
    }

    #[test]
    fn non_ascii_is_kept() {
        assert_eq!(irc_lower("ÜnïCode"), "Ünïcode");
        assert!(!irc_eq("é", "É"));
    }
}
