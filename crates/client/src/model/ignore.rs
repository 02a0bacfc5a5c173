//! Ignoring people: lines from a source that matches an ignore mask
//! (messages, notices, CTCP, invitations) are not shown and never alert.
//! The list is the window's to keep per server (`ignored`/`set_ignored`).

use ciao_proto::{Message, irc_eq, irc_lower};

use super::{LineKind, Model};
use crate::mask::{full_mask, glob_matches};

/// Masks kept: a list nobody reads past this is a mistake, and every
/// incoming line is checked against each one.
pub const MAX_IGNORED: usize = 256;

impl Model {
    /// The ignore masks, as `nick!user@host` globs.
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// Replaces the ignore list (the window restoring what it kept for
    /// this server); masks are completed, duplicates and blanks dropped.
    pub fn set_ignored(&mut self, masks: Vec<String>) {
        self.ignored.clear();
        for mask in masks {
            self.add_ignored(&mask);
        }
    }

    /// True when `message` is a line from someone the user ignores.
    pub(crate) fn ignores(&self, message: &Message) -> bool {
        if self.ignored.is_empty()
            || !matches!(
                message.command.as_str(),
                "PRIVMSG" | "NOTICE" | "INVITE" | "TAGMSG"
            )
        {
            return false;
        }
        // Servers (no `!` in the source) and we ourselves are never ignored.
        let Some(source) = message.source.as_deref().filter(|s| s.contains('!')) else {
            return false;
        };
        let nick = source.split('!').next().unwrap_or(source);
        if irc_eq(nick, &self.own_nick) {
            return false;
        }
        let source = irc_lower(source);
        self.ignored
            .iter()
            .any(|mask| glob_matches(&irc_lower(mask), &source))
    }

    /// `/ignore [mask]`: lists the masks, or adds one.
    pub(crate) fn ignore_command(&mut self, mask: Option<String>) {
        let Some(mask) = mask else {
            let text = if self.ignored.is_empty() {
                "Nobody is ignored.".to_owned()
            } else {
                format!("Ignored: {}", self.ignored.join(", "))
            };
            self.note(&text, LineKind::Info);
            return;
        };
        let text = if self.ignored.len() >= MAX_IGNORED {
            format!("The ignore list is full ({MAX_IGNORED} masks): /unignore some first.")
        } else if self.add_ignored(&mask) {
            format!(
                "Ignoring {}: their messages, notices and invitations are not shown.",
                full_mask(&mask)
            )
        } else {
            format!("{} is already ignored.", full_mask(&mask))
        };
        self.note(&text, LineKind::Info);
    }

    /// `/unignore mask`.
    pub(crate) fn unignore_command(&mut self, mask: &str) {
        let mask = full_mask(mask);
        let before = self.ignored.len();
        self.ignored.retain(|m| !irc_eq(m, &mask));
        let text = if self.ignored.len() < before {
            format!("No longer ignoring {mask}.")
        } else {
            format!("{mask} was not ignored. Type /ignore for the list.")
        };
        self.note(&text, LineKind::Info);
    }

    /// Adds a mask unless it is blank, known, or the list is full; true
    /// when added.
    fn add_ignored(&mut self, mask: &str) -> bool {
        let mask = mask.trim();
        if mask.is_empty() || mask.contains(' ') || self.ignored.len() >= MAX_IGNORED {
            return false;
        }
        let mask = full_mask(mask);
        if self.ignored.iter().any(|m| irc_eq(m, &mask)) {
            return false;
        }
        self.ignored.push(mask);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_follows_irc_case_rules_and_spares_servers_and_us() {
        let mut model = Model::new("me");
        model.set_ignored(vec!["Bob[1]".into(), " ".into(), "bob{1}".into()]);
        assert_eq!(model.ignored(), ["Bob[1]!*@*"]);
        let from = |source: &str, command: &str| {
            format!(":{source} {command} me :hi")
                .parse::<Message>()
                .expect("line")
        };
        assert!(model.ignores(&from("bob{1}!u@h", "PRIVMSG")));
        assert!(model.ignores(&from("BOB[1]!u@h", "INVITE")));
        assert!(!model.ignores(&from("bob{1}!u@h", "JOIN")));
        assert!(!model.ignores(&from("carol!u@h", "PRIVMSG")));
        model.set_ignored(vec!["*!*@*".into()]);
        assert!(!model.ignores(&from("server.example", "NOTICE")));
        assert!(!model.ignores(&from("me!u@h", "PRIVMSG")));
    }
}
