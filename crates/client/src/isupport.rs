//! What the server told us about its limits (`005 RPL_ISUPPORT`), so
//! that what we send fits: a line the server would cut or refuse loses
//! what the user typed. Below both the connection (which learns NICKLEN
//! while registering) and the model (which fits lines to all of it).

use ciao_proto::Message;

/// TOPICLEN when the server does not say: the smallest limit common
/// servers use (hybrid's 300; ciao and Libera allow 390, UnrealIRCd 307).
pub const DEFAULT_TOPIC_LEN: usize = 300;
/// KICKLEN and AWAYLEN when the server does not say: what common servers
/// keep at the least (ngIRCd's AWAYLEN is 127; most keep 255 or more).
pub const DEFAULT_REASON_LEN: usize = 127;
/// MODES when the server does not say: RFC 2812's three.
pub const DEFAULT_MODES: usize = 3;
/// USERLEN when the server does not say, `~` included: a generous worst
/// case (ciao allows 16, most servers 10 or 11).
pub const DEFAULT_USER_LEN: usize = 16;
/// The longest line, CRLF included, when the server has no LINELEN.
pub const DEFAULT_LINE_LEN: usize = 512;

/// Limits and conventions from ISUPPORT, with safe defaults until the
/// server says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isupport {
    /// Longest nickname in characters; `None` when not advertised (the
    /// server then decides).
    pub nick_len: Option<usize>,
    /// Longest topic in bytes.
    pub topic_len: usize,
    /// Longest kick reason in bytes.
    pub kick_len: usize,
    /// Longest away message in bytes.
    pub away_len: usize,
    /// Longest user name (ident) in bytes, the `~` of an unverified one
    /// included.
    pub user_len: usize,
    /// Most parameterised mode changes in one MODE command.
    pub modes: usize,
    /// The longest line the server relays, CRLF included.
    pub line_len: usize,
    /// The characters that start a channel name.
    pub chan_types: String,
    /// Member status modes and their symbols, highest first (`o` → `@`).
    pub prefix: Vec<(char, char)>,
    /// Channel modes by kind (CHANMODES): lists (A) and settings (B) that
    /// always take an argument, settings (C) that take one only when set,
    /// flags (D) that never do.
    pub chan_modes: [String; 4],
}

impl Default for Isupport {
    fn default() -> Self {
        Isupport {
            nick_len: None,
            topic_len: DEFAULT_TOPIC_LEN,
            kick_len: DEFAULT_REASON_LEN,
            away_len: DEFAULT_REASON_LEN,
            user_len: DEFAULT_USER_LEN,
            modes: DEFAULT_MODES,
            line_len: DEFAULT_LINE_LEN,
            chan_types: "#&".to_owned(),
            prefix: vec![('o', '@'), ('h', '%'), ('v', '+')],
            chan_modes: ["beI", "k", "l", "imnst"].map(str::to_owned),
        }
    }
}

impl Isupport {
    /// Takes a `005 <nick> TOKEN… :are supported` reply: the tokens
    /// between the nick and the trailing text.
    pub fn learn_reply(&mut self, message: &Message) {
        if message.params.len() > 2 {
            self.learn(&message.params[1..message.params.len() - 1]);
        }
    }

    /// Takes the tokens of one 005 line (`NICKLEN=30 TOPICLEN=390 …`);
    /// a token the client does not use, or a value that is not a number
    /// where one is expected, is ignored.
    pub fn learn(&mut self, tokens: &[String]) {
        for token in tokens {
            let (key, value) = token.split_once('=').unwrap_or((token, ""));
            let number = value.parse::<usize>().ok().filter(|n| *n > 0);
            match key {
                "NICKLEN" | "MAXNICKLEN" => self.nick_len = number.or(self.nick_len),
                "TOPICLEN" => self.topic_len = number.unwrap_or(self.topic_len),
                "KICKLEN" => self.kick_len = number.unwrap_or(self.kick_len),
                "AWAYLEN" => self.away_len = number.unwrap_or(self.away_len),
                "USERLEN" => self.user_len = number.unwrap_or(self.user_len),
                "MODES" => self.modes = number.unwrap_or(self.modes),
                // Never below the classic limit: a LINELEN smaller than
                // 512 is not a thing servers do, and trusting one would
                // only make our lines shorter than needed.
                "LINELEN" => self.line_len = number.unwrap_or(self.line_len).max(DEFAULT_LINE_LEN),
                "CHANTYPES" if !value.is_empty() => self.chan_types = value.to_owned(),
                "PREFIX" => {
                    if let Some(prefix) = parse_prefix(value) {
                        self.prefix = prefix;
                    }
                }
                "CHANMODES" => {
                    let kinds: Vec<&str> = value.split(',').collect();
                    if kinds.len() >= 4 {
                        for (kind, modes) in self.chan_modes.iter_mut().zip(kinds) {
                            *kind = modes.to_owned();
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The symbol shown for member status mode `mode`, if it is one. The
    /// app shows three ranks: modes above `o` (owner `~`, admin `&`) show
    /// as `@`, as they do in NAMES replies.
    pub fn status_symbol(&self, mode: char) -> Option<char> {
        self.prefix
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, symbol)| shown_symbol(*symbol))
    }

    /// True when channel mode `mode`, set (`adding`) or unset, takes an
    /// argument.
    pub fn mode_takes_argument(&self, mode: char, adding: bool) -> bool {
        let [lists, always, when_set, _] = &self.chan_modes;
        self.status_symbol(mode).is_some()
            || lists.contains(mode)
            || always.contains(mode)
            || (adding && when_set.contains(mode))
    }

    /// True when `target` names a channel on this server.
    pub fn is_channel(&self, target: &str) -> bool {
        target
            .chars()
            .next()
            .is_some_and(|c| self.chan_types.contains(c))
    }
}

/// The symbol the app shows for a member status symbol: `~` and `&`
/// (owner, admin) as `@`, others as they are.
pub(crate) fn shown_symbol(symbol: char) -> char {
    if matches!(symbol, '~' | '&') {
        '@'
    } else {
        symbol
    }
}

/// `(ohv)@%+` → `[('o','@'), ('h','%'), ('v','+')]`.
fn parse_prefix(value: &str) -> Option<Vec<(char, char)>> {
    let (modes, symbols) = value.strip_prefix('(')?.split_once(')')?;
    let pairs: Vec<(char, char)> = modes.chars().zip(symbols.chars()).collect();
    (pairs.len() == modes.chars().count() && !pairs.is_empty()).then_some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn defaults_hold_until_the_server_says_otherwise() {
        let mut isupport = Isupport::default();
        assert_eq!(isupport.topic_len, DEFAULT_TOPIC_LEN);
        isupport.learn(&tokens(
            "NICKLEN=30 TOPICLEN=390 MODES=4 CHANTYPES=# PREFIX=(ohv)@%+ USERLEN=16 FOO",
        ));
        assert_eq!(isupport.nick_len, Some(30));
        assert_eq!(isupport.topic_len, 390);
        assert_eq!(isupport.modes, 4);
        assert!(isupport.is_channel("#a") && !isupport.is_channel("&a"));
        assert_eq!(isupport.prefix, [('o', '@'), ('h', '%'), ('v', '+')]);
        // Junk values leave what was known.
        isupport.learn(&tokens("TOPICLEN=x MODES= PREFIX=(ov)@ LINELEN=100"));
        assert_eq!(isupport.topic_len, 390);
        assert_eq!(isupport.modes, 4);
        assert_eq!(isupport.prefix.len(), 3);
        assert_eq!(isupport.line_len, DEFAULT_LINE_LEN);
        // A whole reply: the tokens between the nick and the trailing text;
        // MAXNICKLEN (some servers' name for it) counts as NICKLEN.
        let reply: Message = ":s 005 me MAXNICKLEN=12 :are supported"
            .parse()
            .expect("line");
        isupport.learn_reply(&reply);
        assert_eq!(isupport.nick_len, Some(12));
    }
}
