//! Tab completion of the word before the cursor: nicks of the
//! conversation (recent speakers first), `/commands` and `#channels`.
//! Pressing Tab again cycles through the candidates, Shift+Tab back.

use ciao_proto::{irc_eq, irc_lower};

use crate::model::{Buffer, Model};

/// The commands `/` completes to: every name and alias
/// [`crate::parse_input`] knows, sorted.
pub fn command_names() -> Vec<String> {
    let mut names: Vec<String> = crate::input::COMMANDS
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
        .map(|name| format!("/{name}"))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What completion can offer, best first within each kind.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pub nicks: Vec<String>,
    pub channels: Vec<String>,
    pub commands: Vec<String>,
}

impl Candidates {
    /// The candidates for the conversation on screen.
    pub fn for_model(model: &Model) -> Self {
        let mut channels: Vec<String> = model
            .buffers
            .iter()
            .filter(|b| b.kind == crate::BufferKind::Channel)
            .map(|b| b.name.clone())
            .collect();
        for entry in &model.channel_list.entries {
            if !channels.iter().any(|c| irc_eq(c, &entry.name)) {
                channels.push(entry.name.clone());
            }
        }
        Candidates {
            nicks: nicks_by_activity(model.active_buffer(), &model.own_nick),
            channels,
            commands: command_names(),
        }
    }
}

/// The members of `buffer`, those who spoke most recently first, then
/// the rest alphabetically; the own nick is not offered. In a private
/// conversation, the other person.
pub fn nicks_by_activity(buffer: &Buffer, own_nick: &str) -> Vec<String> {
    let mut nicks: Vec<String> = Vec::new();
    let is_member =
        |nick: &str| buffer.kind != crate::BufferKind::Channel || buffer.member(nick).is_some();
    for line in buffer.lines.iter().rev() {
        if let Some(sender) = &line.sender
            && !irc_eq(sender, own_nick)
            && is_member(sender)
            && !nicks.iter().any(|n| irc_eq(n, sender))
        {
            nicks.push(sender.clone());
        }
    }
    let mut rest: Vec<&str> = buffer
        .members
        .iter()
        .map(|m| m.nick.as_str())
        .filter(|n| !irc_eq(n, own_nick) && !nicks.iter().any(|s| irc_eq(s, n)))
        .collect();
    rest.sort_by_key(|n| irc_lower(n));
    nicks.extend(rest.into_iter().map(str::to_owned));
    if buffer.kind == crate::BufferKind::Query && !nicks.iter().any(|n| irc_eq(n, &buffer.name)) {
        nicks.push(buffer.name.clone());
    }
    nicks
}

/// The text after a completion and where the cursor goes (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    pub text: String,
    pub cursor: usize,
}

/// A completion being cycled through.
#[derive(Debug, Clone)]
struct Cycle {
    /// The text before the completed word.
    before: String,
    /// The text after the cursor, kept as it was.
    after: String,
    /// Each candidate with what follows it (`: ` or ` `).
    candidates: Vec<String>,
    index: usize,
    /// What the last Tab produced: any other text means the user typed,
    /// and the next Tab starts afresh.
    produced: String,
}

/// Tab completion state of an input line.
#[derive(Debug, Clone, Default)]
pub struct Completer {
    cycle: Option<Cycle>,
}

impl Completer {
    /// Completes the word ending at `cursor` (a byte offset in `text`),
    /// or moves to the next (`back`: previous) candidate when `text` is
    /// what the last Tab produced. `None` when nothing matches.
    pub fn complete(
        &mut self,
        text: &str,
        cursor: usize,
        back: bool,
        candidates: &Candidates,
    ) -> Option<Completed> {
        match &mut self.cycle {
            Some(cycle) if cycle.produced == text => {
                let count = cycle.candidates.len();
                cycle.index = if back {
                    (cycle.index + count - 1) % count
                } else {
                    (cycle.index + 1) % count
                };
            }
            _ => self.cycle = start(text, cursor, back, candidates),
        }
        let cycle = self.cycle.as_mut()?;
        let choice = &cycle.candidates[cycle.index];
        let text = format!("{}{choice}{}", cycle.before, cycle.after);
        let cursor = cycle.before.len() + choice.len();
        cycle.produced.clone_from(&text);
        Some(Completed { text, cursor })
    }

    /// Forgets the cycle (after sending the line).
    pub fn reset(&mut self) {
        self.cycle = None;
    }
}

fn start(text: &str, cursor: usize, back: bool, candidates: &Candidates) -> Option<Cycle> {
    let cursor = floor_char_boundary(text, cursor);
    let (head, after) = text.split_at(cursor);
    let word_start = head
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let (before, word) = head.split_at(word_start);
    if word.is_empty() {
        return None;
    }
    let first_word = before.trim().is_empty();
    let (pool, suffix): (&[String], &str) = if word.starts_with('/') && first_word {
        (&candidates.commands, " ")
    } else if word.starts_with(['#', '&']) {
        (&candidates.channels, " ")
    } else if first_word {
        (&candidates.nicks, ": ")
    } else {
        (&candidates.nicks, " ")
    };
    let prefix = irc_lower(word);
    let matches: Vec<String> = pool
        .iter()
        .filter(|c| irc_lower(c).starts_with(&prefix))
        .map(|c| format!("{c}{suffix}"))
        .collect();
    if matches.is_empty() {
        return None;
    }
    // The text after the cursor already starts with the separator we add
    // when completing inside a line: do not double it.
    let after = match after.strip_prefix(' ') {
        Some(rest) if suffix == " " => rest,
        _ => after,
    };
    Some(Cycle {
        before: before.to_owned(),
        after: after.to_owned(),
        index: if back { matches.len() - 1 } else { 0 },
        candidates: matches,
        produced: String::new(),
    })
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates() -> Candidates {
        Candidates {
            nicks: vec!["bob".into(), "Alice".into(), "alfred".into()],
            channels: vec!["#rust".into(), "#lobby".into()],
            commands: command_names(),
        }
    }

    fn once(text: &str) -> Option<String> {
        Completer::default()
            .complete(text, text.len(), false, &candidates())
            .map(|c| c.text)
    }

    #[test]
    fn a_nick_at_the_start_gets_a_colon() {
        assert_eq!(once("ali").as_deref(), Some("Alice: "));
        assert_eq!(once("hi ali").as_deref(), Some("hi Alice "));
        assert_eq!(once("BO").as_deref(), Some("bob: "));
        assert_eq!(once("zed"), None);
        assert_eq!(once(""), None);
        assert_eq!(once("hi "), None);
    }

    #[test]
    fn commands_and_channels() {
        assert_eq!(once("/jo").as_deref(), Some("/join "));
        assert_eq!(once("/join #ru").as_deref(), Some("/join #rust "));
        assert_eq!(once("see #lo").as_deref(), Some("see #lobby "));
        // A slash inside a line is not a command.
        assert_eq!(once("a /jo"), None);
    }

    #[test]
    fn tab_again_cycles_and_shift_tab_goes_back() {
        let mut completer = Completer::default();
        let c = candidates();
        let first = completer.complete("al", 2, false, &c).expect("match");
        assert_eq!(first.text, "Alice: ");
        assert_eq!(first.cursor, first.text.len());
        let second = completer
            .complete(&first.text, first.cursor, false, &c)
            .expect("next");
        assert_eq!(second.text, "alfred: ");
        let wrapped = completer
            .complete(&second.text, second.cursor, false, &c)
            .expect("wraps");
        assert_eq!(wrapped.text, "Alice: ");
        let back = completer
            .complete(&wrapped.text, wrapped.cursor, true, &c)
            .expect("back");
        assert_eq!(back.text, "alfred: ");
        // Typing in between starts afresh.
        let fresh = completer.complete("b", 1, false, &c).expect("fresh");
        assert_eq!(fresh.text, "bob: ");
    }

    #[test]
    fn the_cursor_in_the_middle_keeps_the_rest() {
        let mut completer = Completer::default();
        let done = completer
            .complete("hi bo there", 5, false, &candidates())
            .expect("match");
        assert_eq!(done.text, "hi bob there");
        assert_eq!(done.cursor, "hi bob ".len());
        // A cursor inside a multibyte character does not panic.
        assert_eq!(
            Completer::default().complete("é", 1, false, &candidates()),
            None
        );
    }

    #[test]
    fn recent_speakers_come_first() {
        let mut model = Model::new("me");
        let join = |nick: &str| {
            format!(":{nick}!u@h JOIN #c")
                .parse::<ciao_proto::Message>()
                .expect("line")
        };
        for nick in ["me", "zoe", "adam", "bea"] {
            model.apply_message(&join(nick));
        }
        let say = |nick: &str| {
            format!(":{nick}!u@h PRIVMSG #c :hi")
                .parse::<ciao_proto::Message>()
                .expect("line")
        };
        model.apply_message(&say("zoe"));
        model.apply_message(&say("bea"));
        let index = model.buffer_index("#c").expect("buffer");
        let nicks = nicks_by_activity(&model.buffers[index], "me");
        assert_eq!(nicks, ["bea", "zoe", "adam"]);
    }
}
