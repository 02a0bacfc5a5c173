//! One IRC message: `[@tags] [:source] COMMAND [params…]`.
//!
//! Parsing follows the Modern IRC grammar (modern.ircdocs.horse) and is
//! lenient where real clients are sloppy: runs of spaces separate tokens, a
//! missing trailing parameter is fine, an unknown verb is just a command
//! name. Serialising is strict: no parameter can smuggle a CR, LF or NUL
//! onto the wire, so a relayed text can never inject a second line.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use bytes::Bytes;

/// An IRCv3 message tag (`key[=value]`), value unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: Option<String>,
}

/// A parsed IRC message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// IRCv3 tags, in the order they were sent.
    pub tags: Vec<Tag>,
    /// The `:source` prefix, without the colon: a server name or
    /// `nick!user@host`.
    pub source: Option<String>,
    /// The verb, upper-cased (ASCII), or a three-digit numeric.
    pub command: String,
    /// Middle parameters and the trailing one, unescaped.
    pub params: Vec<String>,
}

/// Why a line is not a message at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty line")]
    Empty,
    #[error("no command after the tags or source")]
    NoCommand,
    #[error("invalid command name")]
    BadCommand,
}

impl Message {
    /// A message with a command and parameters, no tags, no source.
    pub fn new<I, S>(command: &str, params: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Message {
            tags: Vec::new(),
            source: None,
            command: command.to_owned(),
            params: params.into_iter().map(Into::into).collect(),
        }
    }

    /// Sets the source prefix.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Adds a tag.
    pub fn with_tag(mut self, key: impl Into<String>, value: Option<String>) -> Self {
        self.tags.push(Tag {
            key: key.into(),
            value,
        });
        self
    }

    /// The parameter at `index`, if present.
    pub fn param(&self, index: usize) -> Option<&str> {
        self.params.get(index).map(String::as_str)
    }

    /// The value of the tag `key`; `Some(None)` for a tag without a value.
    pub fn tag(&self, key: &str) -> Option<Option<&str>> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_deref())
    }

    /// True when the last parameter is free text (a numeric's message, a
    /// PRIVMSG body, a reason): it is then always sent after a colon, as
    /// servers conventionally do and as naive clients and bots expect.
    fn last_param_is_text(&self) -> bool {
        let n = self.params.len();
        match self.command.as_str() {
            c if c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()) => n >= 2,
            "PRIVMSG" | "NOTICE" | "TOPIC" | "PART" => n >= 2,
            "KICK" => n >= 3,
            "QUIT" | "AWAY" | "ERROR" | "WALLOPS" | "SETNAME" => n >= 1,
            _ => false,
        }
    }

    /// The wire form, ending in CRLF.
    pub fn to_bytes(&self) -> Bytes {
        let mut line = self.to_string();
        line.push_str("\r\n");
        Bytes::from(line)
    }
}

impl FromStr for Message {
    type Err = ParseError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let mut rest = line.trim_end_matches(['\r', '\n']).trim_start_matches(' ');
        if rest.is_empty() {
            return Err(ParseError::Empty);
        }

        let mut tags = Vec::new();
        if let Some(after_at) = rest.strip_prefix('@') {
            let (raw_tags, after) = split_token(after_at);
            tags = parse_tags(raw_tags);
            rest = after;
        }

        let mut source = None;
        if let Some(after_colon) = rest.strip_prefix(':') {
            let (raw_source, after) = split_token(after_colon);
            source = Some(raw_source.to_owned());
            rest = after;
        }

        let (command, mut rest) = split_token(rest);
        if command.is_empty() {
            return Err(ParseError::NoCommand);
        }
        // Any printable ASCII word is a command name, so that an unknown
        // one (`FOO_BAR`) can be answered with ERR_UNKNOWNCOMMAND; bytes
        // that cannot be a command at all mark the line as junk.
        if !command.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ParseError::BadCommand);
        }

        let mut params = Vec::new();
        while !rest.is_empty() {
            if let Some(trailing) = rest.strip_prefix(':') {
                params.push(trailing.to_owned());
                break;
            }
            let (param, after) = split_token(rest);
            params.push(param.to_owned());
            rest = after;
        }

        Ok(Message {
            tags,
            source,
            command: command.to_ascii_uppercase(),
            params,
        })
    }
}

/// Splits off the first space-delimited token and skips the spaces after it.
fn split_token(s: &str) -> (&str, &str) {
    match s.find(' ') {
        Some(i) => (&s[..i], s[i..].trim_start_matches(' ')),
        None => (s, ""),
    }
}

fn parse_tags(raw: &str) -> Vec<Tag> {
    raw.split(';')
        .filter(|t| !t.is_empty())
        .map(|t| match t.split_once('=') {
            Some((key, value)) => Tag {
                key: key.to_owned(),
                value: Some(unescape_tag_value(value)),
            },
            None => Tag {
                key: t.to_owned(),
                value: None,
            },
        })
        .collect()
}

/// Undoes IRCv3 tag value escaping; a lone trailing backslash is dropped
/// and an unknown escape stands for the character itself, as the spec says.
pub fn unescape_tag_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Applies IRCv3 tag value escaping.
pub fn escape_tag_value(value: &str, out: &mut impl fmt::Write) -> fmt::Result {
    for c in value.chars() {
        match c {
            ';' => out.write_str("\\:")?,
            ' ' => out.write_str("\\s")?,
            '\\' => out.write_str("\\\\")?,
            '\r' => out.write_str("\\r")?,
            '\n' => out.write_str("\\n")?,
            '\0' => {}
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Characters that must never reach the wire inside a parameter.
fn is_line_breaking(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\0')
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A tag whose key is nothing but what must be dropped is dropped.
        let mut tags = self
            .tags
            .iter()
            .map(|tag| (clean_tag_key(&tag.key), tag))
            .filter(|(key, _)| !key.is_empty())
            .peekable();
        if tags.peek().is_some() {
            f.write_char('@')?;
            for (i, (key, tag)) in tags.enumerate() {
                if i > 0 {
                    f.write_char(';')?;
                }
                f.write_str(&key)?;
                if let Some(value) = &tag.value {
                    f.write_char('=')?;
                    escape_tag_value(value, f)?;
                }
            }
            f.write_char(' ')?;
        }
        // What would break the line goes first; whether a parameter needs
        // a colon is decided on what is left, so the output always parses
        // back to itself.
        if let Some(source) = &self.source {
            let source = clean(source, |c| is_line_breaking(c) || c == ' ');
            if !source.is_empty() {
                f.write_char(':')?;
                f.write_str(&source)?;
                f.write_char(' ')?;
            }
        }
        let command = clean(&self.command, |c| is_line_breaking(c) || c == ' ');
        // A command that would read back as tags or a source (all the
        // tags before it having been dropped) is no command: like an
        // empty one, it is written as `*`.
        let unreadable = command.is_empty() || command.starts_with(['@', ':']);
        f.write_str(if unreadable { "*" } else { &command })?;
        let last = self.params.len().saturating_sub(1);
        for (i, param) in self.params.iter().enumerate() {
            f.write_char(' ')?;
            let param = clean(param, is_line_breaking);
            let needs_colon = param.is_empty() || param.starts_with(':') || param.contains(' ');
            if i == last && (needs_colon || self.last_param_is_text()) {
                f.write_char(':')?;
                f.write_str(&param)?;
            } else if i != last && needs_colon {
                // A middle parameter cannot hold a space or start with ':';
                // rather than corrupt the line, keep its words joined.
                let joined: String = param.trim_start_matches(':').replace(' ', "_");
                f.write_str(if joined.is_empty() { "*" } else { &joined })?;
            } else {
                f.write_str(&param)?;
            }
        }
        Ok(())
    }
}

/// `s` without the characters `drop` picks (borrowed when there are none).
fn clean(s: &str, drop: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if s.contains(&drop) {
        s.chars().filter(|&c| !drop(c)).collect::<String>().into()
    } else {
        s.into()
    }
}

/// A tag key as it can go on the wire.
fn clean_tag_key(key: &str) -> std::borrow::Cow<'_, str> {
    clean(key, |c| is_line_breaking(c) || matches!(c, ' ' | ';' | '='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Message {
        line.parse().expect("valid line")
    }

    #[test]
    fn plain_command_with_params() {
        let m = parse("PRIVMSG #lobby :hello world");
        assert_eq!(m.command, "PRIVMSG");
        assert_eq!(m.params, ["#lobby", "hello world"]);
        assert!(m.source.is_none() && m.tags.is_empty());
    }

    #[test]
    fn lowercase_verb_is_uppercased() {
        assert_eq!(parse("nick alice").command, "NICK");
    }

    #[test]
    fn source_and_numeric() {
        let m = parse(":irc.example 001 alice :Welcome");
        assert_eq!(m.source.as_deref(), Some("irc.example"));
        assert_eq!(m.command, "001");
        assert_eq!(m.params, ["alice", "Welcome"]);
    }

    #[test]
    fn tags_with_escapes() {
        let m = parse("@a=1;b;c=x\\:y\\sz\\\\w\\r\\n;d=\\q;e=end\\ :s CMD");
        assert_eq!(m.tag("a"), Some(Some("1")));
        assert_eq!(m.tag("b"), Some(None));
        assert_eq!(m.tag("c"), Some(Some("x;y z\\w\r\n")));
        assert_eq!(m.tag("d"), Some(Some("q")));
        assert_eq!(m.tag("e"), Some(Some("end")));
        assert_eq!(m.tag("zz"), None);
        assert_eq!(m.source.as_deref(), Some("s"));
    }

    #[test]
    fn ending_colon_is_an_empty_trailing_param() {
        let m = parse("TOPIC #c :");
        assert_eq!(m.params, ["#c", ""]);
    }

    #[test]
    fn trailing_keeps_colons_and_spaces() {
        let m = parse("PRIVMSG x ::-)  two  spaces ");
        assert_eq!(m.params, ["x", ":-)  two  spaces "]);
    }

    #[test]
    fn double_and_leading_spaces() {
        let m = parse("  JOIN   #a   key  ");
        assert_eq!(m.command, "JOIN");
        assert_eq!(m.params, ["#a", "key"]);
    }

    #[test]
    fn crlf_is_stripped() {
        assert_eq!(parse("PING x\r\n").params, ["x"]);
    }

    #[test]
    fn errors() {
        assert_eq!("".parse::<Message>(), Err(ParseError::Empty));
        assert_eq!("   ".parse::<Message>(), Err(ParseError::Empty));
        assert_eq!("@a=b".parse::<Message>(), Err(ParseError::NoCommand));
        assert_eq!(":src".parse::<Message>(), Err(ParseError::NoCommand));
        assert_eq!(
            "PRI\u{1}VMSG x".parse::<Message>(),
            Err(ParseError::BadCommand)
        );
        assert_eq!("PRIVMSGé x".parse::<Message>(), Err(ParseError::BadCommand));
        let unknown: Message = "@label=1 NO_SUCH-VERB x".parse().expect("parses");
        assert_eq!(unknown.command, "NO_SUCH-VERB");
    }

    #[test]
    fn serialises_with_colon_only_where_needed() {
        let m = Message::new("PRIVMSG", ["#a", "hi there"]).with_source("n!u@h");
        assert_eq!(m.to_string(), ":n!u@h PRIVMSG #a :hi there");
        let text = Message::new("PRIVMSG", ["#a", "hi"]).to_string();
        assert_eq!(text, "PRIVMSG #a :hi", "message bodies always get a colon");
        let numeric = Message::new("353", ["me", "=", "#a", "@me"]).to_string();
        assert_eq!(numeric, "353 me = #a :@me");
        assert_eq!(
            Message::new("MODE", ["#a", "+v", "x"]).to_string(),
            "MODE #a +v x"
        );
        assert_eq!(Message::new("NICK", ["bob"]).to_string(), "NICK bob");
        assert_eq!(Message::new("TOPIC", ["#a", ""]).to_string(), "TOPIC #a :");
        assert_eq!(Message::new("X", [":)"]).to_string(), "X ::)");
    }

    #[test]
    fn serialised_tags_are_escaped() {
        let m = Message::new("TAGMSG", ["#a"]).with_tag("k", Some("a; b\\".into()));
        assert_eq!(m.to_string(), "@k=a\\:\\sb\\\\ TAGMSG #a");
    }

    #[test]
    fn nothing_can_inject_a_line() {
        let m = Message::new("PRIVMSG", ["#a\r\nQUIT", "x\r\nQUIT :bye\0"]).with_source("a\nb");
        let wire = m.to_string();
        assert!(!wire.contains(['\r', '\n', '\0']), "{wire:?}");
    }

    #[test]
    fn to_bytes_ends_in_crlf() {
        assert_eq!(&Message::new("PING", ["x"]).to_bytes()[..], b"PING x\r\n");
    }
}
