//! Which nicknames and channel names ciao accepts.
//!
//! Nicknames follow the Modern IRC rules: no space, comma, `*`, `?`, `!`, `@`
//! or `.`, not starting with `$`, `:`, a channel prefix or a digit or `-`.
//! ciao also accepts non-ASCII letters so that names like `Zoë` work; it
//! rejects control characters everywhere, and invisible characters (the
//! Unicode `Default_Ignorable_Code_Point`s: zero-width space, soft hyphen,
//! word joiner, bidi controls, variation selectors, …), which would let
//! `b\u{200B}ob` pass for `bob`.

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
    /// A character that is drawn as nothing (see [`is_invisible`]).
    Invisible(char),
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
            NickError::Invisible(_) => write!(f, "a name cannot contain invisible characters"),
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
        if is_invisible(c) {
            return Err(NickError::Invisible(c));
        }
        let bad = c.is_control()
            || c.is_whitespace()
            || matches!(c, ',' | '*' | '?' | '!' | '@' | '.' | '\u{FFFD}');
        if bad {
            return Err(NickError::BadCharacter(c));
        }
    }
    Ok(())
}

/// Why a channel name was refused, in words a user can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelNameError {
    /// Not a channel name at all: it does not start with `#`.
    NoPrefix,
    Empty,
    TooLong,
    BadCharacter(char),
    /// A character that is drawn as nothing (see [`is_invisible`]).
    Invisible(char),
}

impl std::fmt::Display for ChannelNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelNameError::NoPrefix => write!(f, "a channel name starts with '#'"),
            ChannelNameError::Empty => write!(f, "a channel name needs more than '#'"),
            ChannelNameError::TooLong => {
                write!(f, "the channel name is longer than {CHANNEL_LEN} bytes")
            }
            ChannelNameError::BadCharacter(' ') => {
                write!(f, "a channel name cannot contain spaces")
            }
            ChannelNameError::BadCharacter(c) if c.is_control() => {
                write!(f, "a channel name cannot contain control characters")
            }
            ChannelNameError::BadCharacter(c) => write!(f, "a channel name cannot contain '{c}'"),
            ChannelNameError::Invisible(_) => {
                write!(f, "a channel name cannot contain invisible characters")
            }
        }
    }
}

/// Checks a channel name; `Ok` means ciao will create or join it.
pub fn check_channel_name(name: &str) -> Result<(), ChannelNameError> {
    if !name.starts_with(CHANNEL_PREFIXES) {
        return Err(ChannelNameError::NoPrefix);
    }
    if name.len() <= 1 {
        return Err(ChannelNameError::Empty);
    }
    if name.len() > CHANNEL_LEN {
        return Err(ChannelNameError::TooLong);
    }
    for c in name.chars() {
        if is_invisible(c) {
            return Err(ChannelNameError::Invisible(c));
        }
        if c.is_control() || c.is_whitespace() || c == ',' {
            return Err(ChannelNameError::BadCharacter(c));
        }
    }
    Ok(())
}

/// True when `name` is a channel name ciao will create or join.
pub fn is_channel_name(name: &str) -> bool {
    check_channel_name(name).is_ok()
}

/// The Unicode `Default_Ignorable_Code_Point` ranges (DerivedCoreProperties,
/// the same table as unicode-security 0.1.3 uses for TR39 skeletons):
/// characters a renderer draws as nothing, so a name containing one looks
/// like the name without it.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),   // soft hyphen
    ('\u{034F}', '\u{034F}'),   // combining grapheme joiner
    ('\u{061C}', '\u{061C}'),   // Arabic letter mark
    ('\u{115F}', '\u{1160}'),   // Hangul choseong and jungseong fillers
    ('\u{17B4}', '\u{17B5}'),   // Khmer inherent vowels
    ('\u{180B}', '\u{180F}'),   // Mongolian variation selectors, vowel separator
    ('\u{200B}', '\u{200F}'),   // zero-width space, (non-)joiner, LRM, RLM
    ('\u{202A}', '\u{202E}'),   // bidi embeddings and overrides
    ('\u{2060}', '\u{206F}'),   // word joiner, invisible operators, bidi isolates
    ('\u{3164}', '\u{3164}'),   // Hangul filler
    ('\u{FE00}', '\u{FE0F}'),   // variation selectors
    ('\u{FEFF}', '\u{FEFF}'),   // zero-width no-break space (BOM)
    ('\u{FFA0}', '\u{FFA0}'),   // halfwidth Hangul filler
    ('\u{FFF0}', '\u{FFF8}'),   // unassigned, reserved as ignorable
    ('\u{1BCA0}', '\u{1BCA3}'), // shorthand format controls
    ('\u{1D173}', '\u{1D17A}'), // musical symbol format controls
    ('\u{E0000}', '\u{E0FFF}'), // tags, variation selectors supplement
];

/// True for a character that is drawn as nothing (see [`INVISIBLE`]).
pub fn is_invisible(c: char) -> bool {
    INVISIBLE
        .binary_search_by(|&(first, last)| {
            if last < c {
                std::cmp::Ordering::Less
            } else if first > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
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
        assert_eq!(
            check_channel_name("#lo\u{200B}bby"),
            Err(ChannelNameError::Invisible('\u{200B}'))
        );
        assert_eq!(check_channel_name("lobby"), Err(ChannelNameError::NoPrefix));
        assert_eq!(check_channel_name("#"), Err(ChannelNameError::Empty));
        assert_eq!(
            check_channel_name("#a\u{7}"),
            Err(ChannelNameError::BadCharacter('\u{7}'))
        );
        assert_eq!(
            ChannelNameError::Invisible('\u{2060}').to_string(),
            "a channel name cannot contain invisible characters"
        );
    }

    #[test]
    fn invisible_characters_are_refused_in_nicks_with_a_reason() {
        for nick in [
            "b\u{200B}ob",
            "bob\u{00AD}",
            "b\u{2060}ob",
            "\u{FEFF}bob",
            "bo\u{E0062}b",
        ] {
            let refused = check_nick(nick);
            assert!(
                matches!(refused, Err(NickError::Invisible(_))),
                "{nick:?}: {refused:?}"
            );
            assert_eq!(
                refused.map_err(|e| e.to_string()),
                Err("a name cannot contain invisible characters".to_owned())
            );
        }
    }

    #[test]
    fn the_invisible_table_is_sorted_and_has_the_default_ignorables() {
        assert!(
            INVISIBLE.windows(2).all(|w| w[0].1 < w[1].0),
            "sorted, disjoint"
        );
        assert!(INVISIBLE.iter().all(|(first, last)| first <= last));
        let ignorable = [
            '\u{00AD}',
            '\u{034F}',
            '\u{061C}',
            '\u{115F}',
            '\u{1160}',
            '\u{17B4}',
            '\u{17B5}',
            '\u{180B}',
            '\u{180E}',
            '\u{180F}',
            '\u{200B}',
            '\u{200D}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{206F}',
            '\u{3164}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{FFA0}',
            '\u{FFF0}',
            '\u{FFF8}',
            '\u{1BCA0}',
            '\u{1BCA3}',
            '\u{1D173}',
            '\u{1D17A}',
            '\u{E0000}',
            '\u{E0001}',
            '\u{E007F}',
            '\u{E0100}',
            '\u{E0FFF}',
        ];
        for c in ignorable {
            assert!(
                is_invisible(c),
                "U+{:04X} is default-ignorable",
                u32::from(c)
            );
        }
        // Their neighbours are visible (or refused for another reason).
        let visible = [
            '\u{00AC}',
            '\u{00AE}',
            '\u{034E}',
            '\u{0350}',
            '\u{115E}',
            '\u{1161}',
            '\u{180A}',
            '\u{1810}',
            '\u{200A}',
            '\u{2010}',
            '\u{2029}',
            '\u{202F}',
            '\u{205F}',
            '\u{2070}',
            '\u{3163}',
            '\u{3165}',
            '\u{FDFF}',
            '\u{FE10}',
            '\u{FEFE}',
            '\u{FF00}',
            '\u{FFF9}',
            '\u{1BC9F}',
            '\u{1BCA4}',
            '\u{1D172}',
            '\u{1D17B}',
            '\u{DFFFF}',
            '\u{E1000}',
            'a',
        ];
        for c in visible {
            assert!(
                !is_invisible(c),
                "U+{:04X} is not default-ignorable",
                u32::from(c)
            );
        }
    }
}
