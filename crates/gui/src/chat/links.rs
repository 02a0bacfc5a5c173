//! Links in a line: `http://…`, `https://…`, `www.…` (opened as
//! https) and `<https://…>`, without the punctuation that ends a
//! sentence around them.

use std::ops::Range;

/// A link found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where the link's text is, in bytes.
    pub range: Range<usize>,
    /// What opening it goes to.
    pub url: String,
}

/// The links in `text`, in order, not overlapping.
pub fn find(text: &str) -> Vec<Link> {
    // ASCII lowercasing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let mut links = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let Some(start) = next_start(text, &lower, at) else {
            break;
        };
        let (range, url) = extent(text, start);
        if range.is_empty() {
            at = start + 1;
            continue;
        }
        at = range.end;
        links.push(Link { range, url });
    }
    links
}

/// Where the next link may begin: at a word start (or after `<` or `(`).
fn next_start(text: &str, lower: &str, from: usize) -> Option<usize> {
    let mut best: Option<usize> = None;
    for scheme in ["https://", "http://", "www."] {
        let mut search = from;
        while let Some(found) = lower[search..].find(scheme) {
            let at = search + found;
            let starts_word = text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || "<([{\"'".contains(c));
            if starts_word {
                best = Some(best.map_or(at, |b| b.min(at)));
                break;
            }
            search = at + scheme.len();
        }
    }
    best
}

/// The link starting at `start`: its text's range and its address.
fn extent(text: &str, start: usize) -> (Range<usize>, String) {
    let bracketed = text[..start].ends_with('<');
    let rest = &text[start..];
    let mut end = rest
        .find(|c: char| c.is_whitespace() || (bracketed && c == '>') || (!bracketed && c == '<'))
        .unwrap_or(rest.len());
    if !bracketed {
        end = trim_trailing(&rest[..end]);
    }
    let link = &rest[..end];
    // "https://" alone, or "www." alone, is not a link.
    let www = link.to_ascii_lowercase().starts_with("www.");
    let body = if www {
        link.get(4..).unwrap_or("")
    } else {
        link.split_once("//").map_or("", |(_, body)| body)
    };
    if !body.chars().any(char::is_alphanumeric) {
        return (start..start, String::new());
    }
    let url = if www {
        format!("https://{link}")
    } else {
        link.to_owned()
    };
    (start..start + end, url)
}

/// The length of `link` without the sentence punctuation after it; a
/// closing bracket stays when the link opened one (Wikipedia's
/// `…/Rust_(language)`).
fn trim_trailing(link: &str) -> usize {
    let mut end = link.len();
    while let Some(c) = link[..end].chars().next_back() {
        let keep = match c {
            ')' => link[..end].matches('(').count() >= link[..end].matches(')').count(),
            ']' => link[..end].matches('[').count() >= link[..end].matches(']').count(),
            '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '"' | '>' | '}' => false,
            _ => true,
        };
        if keep {
            break;
        }
        end -= c.len_utf8();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<(String, String)> {
        find(text)
            .into_iter()
            .map(|l| (text[l.range].to_owned(), l.url))
            .collect()
    }

    fn one(text: &str, shown: &str, url: &str) {
        assert_eq!(urls(text), [(shown.to_owned(), url.to_owned())], "{text}");
    }

    #[test]
    fn the_three_forms() {
        one(
            "see https://a.example/x",
            "https://a.example/x",
            "https://a.example/x",
        );
        one("http://a.example", "http://a.example", "http://a.example");
        one(
            "at www.rust-lang.org",
            "www.rust-lang.org",
            "https://www.rust-lang.org",
        );
        one(
            "read <https://a.example/b c>",
            "https://a.example/b",
            "https://a.example/b",
        );
        one(
            "<https://a.example/x.>",
            "https://a.example/x.",
            "https://a.example/x.",
        );
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_the_link() {
        one(
            "go to https://a.example.",
            "https://a.example",
            "https://a.example",
        );
        one(
            "(https://a.example/x)",
            "https://a.example/x",
            "https://a.example/x",
        );
        one(
            "https://a.example, then",
            "https://a.example",
            "https://a.example",
        );
        one(
            "https://en.wikipedia.org/wiki/Rust_(language).",
            "https://en.wikipedia.org/wiki/Rust_(language)",
            "https://en.wikipedia.org/wiki/Rust_(language)",
        );
    }

    #[test]
    fn not_links() {
        assert!(find("nothing here").is_empty());
        assert!(find("https:// alone").is_empty());
        assert!(find("www. alone").is_empty());
        assert!(find("foowww.example.com").is_empty());
        assert!(find("").is_empty());
        assert_eq!(find("a https://x.example b www.y.example").len(), 2);
        assert_eq!(find("ünï https://x.example/é").len(), 1);
    }
}
