//! IRC masks: `*` matches any run of characters, `?` exactly one, and
//! letters compare under RFC 1459 casemapping.
//!
//! A mask comes from a client (`WHO`, `LIST`, bans) and may be run against
//! every user or channel on the server, so it is compiled once and each
//! match costs time linear in the text for a given mask: the pieces
//! between stars are found left to right, each at its leftmost place (which
//! always leaves the most room for the rest), and nothing is ever retried.
//! A text shorter than the mask's fixed characters is refused before any
//! work.

use ciao_proto::casemap::fold_char;

/// One position of a piece between stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// This character (folded).
    Char(char),
    /// `?`: any one character.
    Any,
}

/// A compiled mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    /// The pieces between stars, empty ones left out.
    pieces: Vec<Vec<Token>>,
    /// The mask starts with `*`: the first piece may start anywhere.
    open_start: bool,
    /// The mask ends with `*`: the last piece may end anywhere.
    open_end: bool,
    /// Characters any match needs (every token of every piece).
    min_chars: usize,
}

impl Glob {
    pub(crate) fn new(mask: &str) -> Self {
        let pieces: Vec<Vec<Token>> = mask
            .split('*')
            .filter(|piece| !piece.is_empty())
            .map(|piece| {
                piece
                    .chars()
                    .map(|c| match c {
                        '?' => Token::Any,
                        c => Token::Char(fold_char(c)),
                    })
                    .collect()
            })
            .collect();
        Glob {
            min_chars: pieces.iter().map(Vec::len).sum(),
            open_start: mask.starts_with('*'),
            open_end: mask.ends_with('*'),
            pieces,
        }
    }

    pub(crate) fn matches(&self, text: &str) -> bool {
        // A character is at least one byte: a text with fewer bytes than
        // the mask has characters cannot match.
        if text.len() < self.min_chars {
            return false;
        }
        let Some((first, rest)) = self.pieces.split_first() else {
            // No pieces: `*` matches anything, the empty mask only "".
            return self.open_start || text.is_empty();
        };
        let (mut pos, middle) = if self.open_start {
            (0, &self.pieces[..])
        } else {
            match match_at(first, text, 0) {
                Some(end) => (end, rest),
                None => return false,
            }
        };
        if !self.open_start && rest.is_empty() {
            // One piece, anchored at the start: it must also reach the end
            // unless a star follows it.
            return self.open_end || pos == text.len();
        }
        // The last piece, when anchored at the end, has its one place.
        let (middle, end) = match (self.open_end, middle.split_last()) {
            (false, Some((last, middle))) => {
                let Some(start) = start_of_suffix(text, last.len()) else {
                    return false;
                };
                if start < pos || match_at(last, text, start) != Some(text.len()) {
                    return false;
                }
                (middle, start)
            }
            _ => (middle, text.len()),
        };
        for piece in middle {
            match find(piece, &text[..end], pos) {
                Some(found) => pos = found,
                None => return false,
            }
        }
        true
    }
}

/// Where `piece` ends when it matches `text` from byte `start`.
fn match_at(piece: &[Token], text: &str, start: usize) -> Option<usize> {
    let mut chars = text[start..].char_indices();
    for token in piece {
        let (_, c) = chars.next()?;
        if let Token::Char(want) = token
            && fold_char(c) != *want
        {
            return None;
        }
    }
    Some(
        chars
            .next()
            .map_or(text.len(), |(offset, _)| start + offset),
    )
}

/// The end of `piece`'s leftmost match in `text` at or after byte `from`.
fn find(piece: &[Token], text: &str, from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    rest.char_indices()
        .map(|(offset, _)| from + offset)
        .find_map(|start| match_at(piece, text, start))
}

/// The byte where the last `chars` characters of `text` begin.
fn start_of_suffix(text: &str, chars: usize) -> Option<usize> {
    if chars == 0 {
        return Some(text.len());
    }
    text.char_indices().rev().nth(chars - 1).map(|(i, _)| i)
}

/// Matches `mask` against `text` once (compile with [`Glob::new`] to
/// match one mask against many texts).
pub(crate) fn wildcard_match(mask: &str, text: &str) -> bool {
    Glob::new(mask).matches(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn globs() {
        assert!(wildcard_match("*", "alice"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("", ""));
        assert!(!wildcard_match("", "a"));
        assert!(wildcard_match("a*e", "alice"));
        assert!(wildcard_match("a?ice", "alice"));
        assert!(!wildcard_match("b*", "alice"));
        assert!(wildcard_match("alice", "alice"));
        assert!(!wildcard_match("alic", "alice"));
        assert!(!wildcard_match("alice", "alic"));
        assert!(wildcard_match("*ice", "alice"));
        assert!(!wildcard_match("*ica", "alice"));
        assert!(wildcard_match("a*i*e", "alice"));
        assert!(wildcard_match("*l*c*", "alice"));
        assert!(!wildcard_match("a*x*e", "alice"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("a*a", "aa"));
        assert!(!wildcard_match("a*a", "a"));
        assert!(wildcard_match("?", "é"), "? is one character, not one byte");
        assert!(wildcard_match("z?ë", "zoë"));
        assert!(wildcard_match("*!*@127.0.0.1", "bob!bob@127.0.0.1"));
        assert!(wildcard_match("[BOB]*", "{bob}!x@h"), "rfc1459 casemapping");
    }

    #[test]
    fn a_long_mask_against_a_short_text_does_no_work() {
        let mask = "*a?".repeat(160);
        assert!(!Glob::new(&mask).matches("alice"));
        let mask = format!("*{}*", "a*".repeat(200));
        assert!(Glob::new(&mask).matches(&"a".repeat(200)));
        assert!(!Glob::new(&mask).matches(&"a".repeat(199)));
    }

    /// The textbook backtracking matcher, as the reference.
    fn reference(mask: &[char], text: &[char]) -> bool {
        match mask.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|i| reference(rest, &text[i..])),
            Some((m, rest)) => match text.split_first() {
                Some((t, text)) if *m == '?' || fold_char(*m) == fold_char(*t) => {
                    reference(rest, text)
                }
                _ => false,
            },
        }
    }

    proptest! {
        #[test]
        fn agrees_with_backtracking(mask in "[ab?*é]{0,8}", text in "[abAé]{0,10}") {
            let (m, t): (Vec<char>, Vec<char>) = (mask.chars().collect(), text.chars().collect());
            prop_assert_eq!(Glob::new(&mask).matches(&text), reference(&m, &t));
        }
    }
}
