//! Fitting text into IRC lines: a text longer than a line allows is cut
//! into pieces that, put back together, are exactly the text — at a space
//! when there is one near the end of the allowed bytes, else between two
//! characters, never inside a UTF-8 character and, as far as a few
//! Unicode ranges tell without a grapheme table, not inside a character
//! built of several code points (an accent after its letter, an emoji
//! with a skin tone or joined by ZWJ, a flag).

/// How far back from the end of the allowed bytes a space is looked for,
/// as a fraction of them: a piece ends at a word unless that would leave
/// it shorter than three quarters of what fits.
const WORD_SEARCH_DIVISOR: usize = 4;

/// Cuts `text` into pieces of at most `max_bytes` bytes each (never fewer
/// than one character, so a budget too small for a character still makes
/// progress), whose concatenation is `text`. A space where a piece ends
/// stays at the end of that piece.
pub fn split_text(text: &str, max_bytes: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max_bytes {
        let end = piece_end(rest, max_bytes);
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest);
    }
    pieces
}

/// The longest start of `text` that fits `max_bytes` and ends between two
/// characters a reader sees (not inside one); for a topic or a reason cut
/// to a server's limit.
pub fn cut(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    &text[..cluster_end(text, max_bytes)]
}

/// Where the first piece of `text` (longer than `max_bytes`) ends.
fn piece_end(text: &str, max_bytes: usize) -> usize {
    let end = cluster_end(text, max_bytes);
    let search_from = end.saturating_sub(max_bytes / WORD_SEARCH_DIVISOR);
    // Bytes, not chars: `search_from` may fall inside a character, and a
    // space byte is always a whole character in UTF-8.
    match text.as_bytes()[search_from..end]
        .iter()
        .rposition(|&b| b == b' ')
    {
        // The space ends this piece, unless what follows it belongs to it
        // (a combining mark on a space).
        Some(space) if is_cluster_boundary(text, search_from + space + 1) => {
            search_from + space + 1
        }
        _ => end,
    }
}

/// The last boundary at or before `max_bytes` that does not split a
/// character the reader sees; a boundary inside one if nothing else fits
/// (a single "character" of hundreds of combining marks), and at least
/// one code point.
fn cluster_end(text: &str, max_bytes: usize) -> usize {
    let mut end = max_bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let char_end = end;
    while end > 0 && !is_cluster_boundary(text, end) {
        end -= 1;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
    }
    if end > 0 {
        return end;
    }
    if char_end > 0 {
        return char_end;
    }
    // Not even one code point fits: take one anyway.
    text.chars().next().map_or(0, char::len_utf8)
}

/// True when a reader sees a new character start at byte `at` (a char
/// boundary inside `text`).
fn is_cluster_boundary(text: &str, at: usize) -> bool {
    let (before, after) = text.split_at(at);
    let (Some(previous), Some(next)) = (before.chars().next_back(), after.chars().next()) else {
        return true;
    };
    if previous == ZERO_WIDTH_JOINER || extends_previous(next) {
        return false;
    }
    // Regional indicators pair up into flags: a boundary between two
    // falls inside a flag when an odd number of them precede it.
    if is_regional_indicator(previous) && is_regional_indicator(next) {
        let run = before
            .chars()
            .rev()
            .take_while(|c| is_regional_indicator(*c))
            .count();
        return run % 2 == 0;
    }
    true
}

const ZERO_WIDTH_JOINER: char = '\u{200D}';

/// Code points that belong to the character before them: combining
/// marks, joiners, variation selectors, emoji modifiers and tag
/// characters (subdivision flags).
fn extends_previous(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0483}'..='\u{0489}'
        | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0900}'..='\u{0903}'
        | '\u{093A}'..='\u{094F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200C}'..='\u{200D}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}'
    )
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, max: usize) -> Vec<&str> {
        let pieces = split_text(text, max);
        assert_eq!(pieces.concat(), text, "the pieces make the text");
        for piece in &pieces {
            assert!(piece.len() <= max, "{piece:?} is over {max} bytes");
            assert!(!piece.is_empty() || text.is_empty());
        }
        pieces
    }

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(check("hello", 10), ["hello"]);
        assert_eq!(check("", 10), [""]);
    }

    #[test]
    fn exact_fit_is_not_split() {
        assert_eq!(check("abcdefghij", 10), ["abcdefghij"]);
        assert_eq!(check("abcdefghijk", 10), ["abcdefghij", "k"]);
    }

    #[test]
    fn splits_after_a_space_near_the_end() {
        assert_eq!(
            check("the quick brown fox", 12),
            ["the quick ", "brown fox"]
        );
        // A space too far back is not worth a short piece.
        assert_eq!(check("a bcdefghijklmnop", 12), ["a bcdefghijk", "lmnop"]);
    }

    #[test]
    fn without_a_boundary_cuts_between_characters() {
        let text = "x".repeat(25);
        assert_eq!(check(&text, 10).len(), 3);
    }

    #[test]
    fn never_inside_a_multibyte_character() {
        // 'à' is 2 bytes: 5 of them need 10 bytes; 9 allow only 4.
        assert_eq!(check("ààààà", 9), ["àààà", "à"]);
        // 4-byte characters.
        let emoji = "😀😀😀";
        assert_eq!(check(emoji, 7), ["😀", "😀", "😀"]);
        assert_eq!(check(emoji, 8), ["😀😀", "😀"]);
    }

    #[test]
    fn keeps_combined_characters_whole() {
        // e + combining acute: cutting after 'e' would orphan the accent.
        let text = "abe\u{301}";
        assert_eq!(check(text, 4), ["ab", "e\u{301}"]);
        // A thumbs-up with a skin tone, and a family joined by ZWJ.
        let thumbs = "a👍🏽";
        assert_eq!(check(thumbs, 8), ["a", "👍🏽"]);
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(check(&format!("ab{family}"), family.len()), ["ab", family]);
        // Two flags: the boundary between them, not inside one.
        let flags = "🇮🇹🇫🇷";
        assert_eq!(check(flags, 12), ["🇮🇹", "🇫🇷"]);
    }

    #[test]
    fn a_cluster_bigger_than_a_piece_is_cut_anyway() {
        let zalgo = format!("a{}", "\u{301}".repeat(10));
        check(&zalgo, 5);
    }

    #[test]
    fn a_budget_below_one_character_still_progresses() {
        assert_eq!(split_text("😀😀", 2), ["😀", "😀"]);
    }

    #[test]
    fn cut_keeps_the_start() {
        assert_eq!(cut("hello", 10), "hello");
        assert_eq!(cut("ààà", 5), "àà");
        assert_eq!(cut("abe\u{301}", 3), "ab");
    }
}
