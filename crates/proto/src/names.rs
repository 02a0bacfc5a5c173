//! Which nicknames and channel names ciao accepts.
//!
//! Nicknames follow the Modern IRC rules: no space, comma, `*`, `?`, `!`, `@`
//! or `.`, not starting with `$`, `:`, a channel prefix or a digit or `-`.
//! ciao also accepts non-ASCII letters so that names like `Zoë` work; it
//! rejects control characters everywhere.

/// The longest nickname, in characters (advertised as `NICKLEN`).
pub const NICK_LEN: usize = 30;
/// The longest channel name, in bytes (advertised as `CHANNELLEN`).
pub const CHANNEL_LEN: usize = 50;
/// The channel prefixes ciao supports (advertised as `CHANTYPES`).
pub const CHANNEL_PREFIXES: &[char] = &['#'];

/// Why a nickname was refused, in words a plain-mode user can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NickError {
    Empty,
    TooLong,
    BadFirstCharacter,
    BadCharacter(char),
}

impl std::fmt::Display for NickError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NickError::Empty => write!(f, "the name is empty"),
            NickError::TooLong => write!(f, "the name is longer than {NICK_LEN} characters"),
            NickError::BadFirstCharacter => {
                write!(
                    f,
                    "a name cannot start with a digit, '-', '#', '&', ':' or '$'"
                )
            }
            NickError::BadCharacter(' ') => write!(f, "a name cannot contain spaces"),
            NickError::BadCharacter(c) if c.is_control() => {
                write!(f, "a name cannot contain control characters")
            }
            NickError::BadCharacter(c) => write!(f, "a name cannot contain '{c}'"),
        }
    }
}

/// Checks a nickname; `Ok` means it may be used as is.
pub fn check_nick(nick: &str) -> Result<(), NickError> {
    let mut chars = nick.chars();
    let Some(first) = chars.next() else {
        return Err(NickError::Empty);
    };
    if nick.chars().count() > NICK_LEN {
        return Err(NickError::TooLong);
    }
    if first.is_ascii_digit() || matches!(first, '-' | '#' | '&' | ':' | '$' | '+' | '~' | '%') {
        return Err(NickError::BadFirstCharacter);
    }
    for c in nick.chars() {
        let bad = c.is_control()
            || c.is_whitespace()
            || matches!(c, ',' | '*' | '?' | '!' | '@' | '.' | '\u{FFFD}');
        if bad {
            return Err(NickError::BadCharacter(c));
        }
    }
    Ok(())
}

/// True when `name` is a channel name ciao will create or join.
pub fn is_channel_name(name: &str) -> bool {
    name.starts_with(CHANNEL_PREFIXES)
        && name.len() > 1
        && name.len() <= CHANNEL_LEN
        && !name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == ',' || c == '\u{7}')
}

/// True when `target` names a channel (by prefix), valid or not.
pub fn looks_like_channel(target: &str) -> bool {
    target.starts_with(CHANNEL_PREFIXES) || target.starts_with('&')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_special_nicks() {
        for nick in ["alice", "Bob_", "[x]", "a{b}|c^", "Zoë", "x-1", "`grave"] {
            assert_eq!(check_nick(nick), Ok(()), "{nick}");
        }
    }

    #[test]
    fn rejects_bad_nicks_with_a_reason() {
        assert_eq!(check_nick(""), Err(NickError::Empty));
        assert_eq!(check_nick("1abc"), Err(NickError::BadFirstCharacter));
        assert_eq!(check_nick("#chan"), Err(NickError::BadFirstCharacter));
        assert_eq!(check_nick("a b"), Err(NickError::BadCharacter(' ')));
        assert_eq!(check_nick("a!b"), Err(NickError::BadCharacter('!')));
        assert_eq!(check_nick("a\u{1}"), Err(NickError::BadCharacter('\u{1}')));
        assert_eq!(
            check_nick(&"x".repeat(NICK_LEN + 1)),
            Err(NickError::TooLong)
        );
        assert_eq!(check_nick(&"x".repeat(NICK_LEN)), Ok(()));
    }

    #[test]
    fn channel_names() {
        assert!(is_channel_name("#lobby"));
        assert!(!is_channel_name("#"));
        assert!(!is_channel_name("lobby"));
        assert!(!is_channel_name("#a,b"));
        assert!(!is_channel_name("#a b"));
        assert!(!is_channel_name(&format!("#{}", "x".repeat(CHANNEL_LEN))));
    }
}
