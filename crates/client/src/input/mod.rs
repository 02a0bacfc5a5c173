//! What the user types, turned into an action.
//!
//! Plain text goes to the active buffer; a line starting with `/` is a
//! command (see [`COMMANDS`]), as is the seed's `{quit}`. `//text` sends
//! `/text` as text. An unknown command is refused with a hint rather than
//! sent by mistake.
//!
//! A text of several lines (a paste, or Shift+Enter) is always text, sent
//! as it is even when a line starts with `/`: what someone pasted is what
//! they want others to read, and running pasted lines as commands would
//! surprise (a `/quit` in a quoted log).

use ciao_proto::Message;
use ciao_proto::names::{NICK_LEN, NickError, check_nick};

mod help;

pub use help::{COMMANDS, CommandHelp, help_text};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Say `text` in the active buffer; it may hold line breaks (a paste).
    Say(String),
    /// `/me text` in the active buffer.
    Act(String),
    Join {
        channel: String,
        key: Option<String>,
    },
    /// Part a channel (the active one when `None`).
    Part {
        channel: Option<String>,
        reason: Option<String>,
    },
    /// `/msg`: a message to a nick or channel, whose buffer comes to front.
    Msg {
        target: String,
        text: String,
    },
    /// `/notice target text`.
    Notice {
        target: String,
        text: String,
    },
    /// `/query nick [text]`: opens the conversation with `nick`.
    Query {
        nick: String,
        text: Option<String>,
    },
    Nick(String),
    /// Query (`None`) or set the active channel's topic.
    Topic(Option<String>),
    /// `/whois nick`.
    Whois(String),
    /// `/away text` sets an away message; `None` (`/away`, `/back`) clears it.
    Away(Option<String>),
    /// `/list [filter]`: the server's channels, all or those matching a
    /// mask (`*rust*`) or a member count (`>10`).
    List(Option<String>),
    /// `/names [#channel]` (the active channel when `None`).
    Names(Option<String>),
    /// `/kick nick [reason]` from the active channel.
    Kick {
        nick: String,
        reason: Option<String>,
    },
    /// `/ban` (`add`) or `/unban` a `nick!user@host` mask in the active
    /// channel.
    Ban {
        mask: String,
        add: bool,
    },
    /// `/mode [target] modes [args…]`; the active channel when `None`.
    Mode {
        target: Option<String>,
        modes: Vec<String>,
    },
    /// `/op` `/deop` (`o`), `/voice` `/devoice` (`v`) for nicks in the
    /// active channel.
    MemberMode {
        add: bool,
        mode: char,
        nicks: Vec<String>,
    },
    /// `/invite nick [#channel]` (the active channel when `None`).
    Invite {
        nick: String,
        channel: Option<String>,
    },
    /// `/close`: closes the active buffer, parting it if joined.
    Close,
    /// `/ignore [mask]`: lists the ignored masks (`None`) or adds one.
    Ignore(Option<String>),
    /// `/unignore mask`.
    Unignore(String),
    /// `/quote line` (`/raw`): an IRC line sent as typed.
    Quote(Message),
    Quit(Option<String>),
    Help,
    /// Fetch older lines of the active conversation (the user reached its
    /// top); not typed, the window asks for it.
    LoadOlder,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("Unknown command /{0}. Type /help for the list of commands.")]
    UnknownCommand(String),
    #[error("Usage: {0}")]
    Usage(&'static str),
    #[error("“{nick}” cannot be a nickname: {reason}.")]
    BadNick { nick: String, reason: String },
    #[error("/quote sends one IRC line: {0}.")]
    BadRawLine(&'static str),
}

/// The usage line of the command `name`.
fn usage(name: &str) -> InputError {
    let usage = COMMANDS
        .iter()
        .find(|c| c.name == name)
        .map_or("/help", |c| c.usage);
    InputError::Usage(usage)
}

/// Parses what the user typed; `Ok(None)` for a blank input.
pub fn parse_input(input: &str) -> Result<Option<Action>, InputError> {
    let input = input.trim_end_matches(['\r', '\n']);
    if input.trim().is_empty() {
        return Ok(None);
    }
    if input.contains(['\r', '\n']) {
        return Ok(Some(Action::Say(input.to_owned())));
    }
    if input.trim() == "{quit}" {
        return Ok(Some(Action::Quit(None)));
    }
    if let Some(literal) = input.strip_prefix("//") {
        return Ok(Some(Action::Say(format!("/{literal}"))));
    }
    let Some(command_line) = input.strip_prefix('/') else {
        return Ok(Some(Action::Say(input.to_owned())));
    };
    let (name, rest) = command_line.split_once(' ').unwrap_or((command_line, ""));
    let name = name.to_ascii_lowercase();
    let name = COMMANDS
        .iter()
        .find(|c| c.name == name || c.aliases.contains(&name.as_str()))
        .map(|c| c.name)
        .ok_or(InputError::UnknownCommand(name))?;
    parse_command(name, rest.trim()).map(Some)
}

/// The first word of `rest` and what follows it (trimmed; `None` when
/// nothing does).
fn first_word(rest: &str) -> (Option<&str>, Option<&str>) {
    let rest = rest.trim();
    if rest.is_empty() {
        return (None, None);
    }
    match rest.split_once(' ') {
        Some((word, tail)) => (Some(word), Some(tail.trim()).filter(|t| !t.is_empty())),
        None => (Some(rest), None),
    }
}

fn some_text(rest: &str) -> Option<String> {
    (!rest.is_empty()).then(|| rest.to_owned())
}

fn is_channel(name: &str) -> bool {
    name.starts_with(['#', '&'])
}

fn parse_command(name: &'static str, rest: &str) -> Result<Action, InputError> {
    let (first, tail) = first_word(rest);
    let words = || {
        rest.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let action = match name {
        "join" => {
            let channel = first.ok_or(usage(name))?;
            let channel = if is_channel(channel) {
                channel.to_owned()
            } else {
                format!("#{channel}")
            };
            Action::Join {
                channel,
                key: tail
                    .and_then(|t| t.split_whitespace().next())
                    .map(str::to_owned),
            }
        }
        "part" => match first {
            Some(channel) if is_channel(channel) => Action::Part {
                channel: Some(channel.to_owned()),
                reason: tail.map(str::to_owned),
            },
            _ => Action::Part {
                channel: None,
                reason: some_text(rest),
            },
        },
        "msg" | "notice" => {
            let (Some(target), Some(text)) = (first, tail) else {
                return Err(usage(name));
            };
            let (target, text) = (target.to_owned(), text.to_owned());
            if name == "msg" {
                Action::Msg { target, text }
            } else {
                Action::Notice { target, text }
            }
        }
        "query" => {
            let nick = first.filter(|n| !is_channel(n)).ok_or(usage(name))?;
            Action::Query {
                nick: nick.to_owned(),
                text: tail.map(str::to_owned),
            }
        }
        "me" => Action::Act(some_text(rest).ok_or(usage(name))?),
        "nick" => Action::Nick(
            valid_nick(rest).map_err(
                |reason| {
                    if rest.is_empty() { usage(name) } else { reason }
                },
            )?,
        ),
        "topic" => Action::Topic(some_text(rest)),
        "whois" => Action::Whois(first.ok_or(usage(name))?.to_owned()),
        "away" => Action::Away(some_text(rest)),
        "back" => Action::Away(None),
        "list" => Action::List(some_text(rest)),
        "names" => Action::Names(first.map(str::to_owned)),
        "kick" => Action::Kick {
            nick: first.ok_or(usage(name))?.to_owned(),
            reason: tail.map(str::to_owned),
        },
        "ban" | "unban" => Action::Ban {
            mask: crate::mask::full_mask(first.ok_or(usage(name))?),
            add: name == "ban",
        },
        "mode" => {
            let mut modes = words();
            if modes.is_empty() {
                return Err(usage(name));
            }
            let target = (!modes[0].starts_with(['+', '-'])).then(|| modes.remove(0));
            Action::Mode { target, modes }
        }
        "op" | "deop" | "voice" | "devoice" => {
            let nicks = words();
            if nicks.is_empty() {
                return Err(usage(name));
            }
            Action::MemberMode {
                add: !name.starts_with("de"),
                mode: if name.ends_with("op") { 'o' } else { 'v' },
                nicks,
            }
        }
        "invite" => Action::Invite {
            nick: first.ok_or(usage(name))?.to_owned(),
            channel: tail.map(str::to_owned),
        },
        "close" => Action::Close,
        "ignore" => Action::Ignore(first.map(str::to_owned)),
        "unignore" => Action::Unignore(first.ok_or(usage(name))?.to_owned()),
        "quote" => Action::Quote(raw_line(rest)?),
        "quit" => Action::Quit(some_text(rest)),
        "help" => Action::Help,
        other => return Err(InputError::UnknownCommand(other.to_owned())),
    };
    Ok(action)
}

/// `nick` if the server could accept it, else why not. The length is the
/// server's to judge (its NICKLEN may exceed ciao's), so a long nick is
/// checked character by character.
fn valid_nick(nick: &str) -> Result<String, InputError> {
    let refuse = |reason: NickError| InputError::BadNick {
        nick: nick.to_owned(),
        reason: reason.to_string(),
    };
    match check_nick(nick) {
        Ok(()) => Ok(nick.to_owned()),
        Err(NickError::TooLong) => {
            let head: String = nick.chars().take(NICK_LEN).collect();
            check_nick(&head).map_err(refuse)?;
            for c in nick.chars().skip(NICK_LEN) {
                // After a letter, only the character itself is judged.
                check_nick(&format!("a{c}")).map_err(refuse)?;
            }
            Ok(nick.to_owned())
        }
        Err(reason) => Err(refuse(reason)),
    }
}

/// `/quote`'s line, parsed, or why it cannot be sent.
fn raw_line(line: &str) -> Result<Message, InputError> {
    if line.contains(['\r', '\n', '\0']) {
        return Err(InputError::BadRawLine(
            "it may not contain line breaks or NUL characters",
        ));
    }
    line.parse::<Message>()
        .map_err(|_| InputError::BadRawLine("this is not an IRC line (try /quote COMMAND params)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Action {
        parse_input(line).expect("valid").expect("not blank")
    }

    #[test]
    fn text_and_commands() {
        assert_eq!(parse("hello"), Action::Say("hello".into()));
        assert_eq!(parse("//slash"), Action::Say("/slash".into()));
        assert_eq!(parse("{quit}"), Action::Quit(None));
        assert_eq!(parse("/quit see you"), Action::Quit(Some("see you".into())));
        assert_eq!(
            parse("/join rust key"),
            Action::Join {
                channel: "#rust".into(),
                key: Some("key".into())
            }
        );
        assert_eq!(
            parse("/part #a bye now"),
            Action::Part {
                channel: Some("#a".into()),
                reason: Some("bye now".into())
            }
        );
        assert_eq!(
            parse("/part"),
            Action::Part {
                channel: None,
                reason: None
            }
        );
        assert_eq!(
            parse("/msg bob hi there"),
            Action::Msg {
                target: "bob".into(),
                text: "hi there".into()
            }
        );
        assert_eq!(parse("/me waves"), Action::Act("waves".into()));
        assert_eq!(parse("/nick zed"), Action::Nick("zed".into()));
        assert_eq!(parse("/topic"), Action::Topic(None));
        assert_eq!(
            parse("/TOPIC new one"),
            Action::Topic(Some("new one".into()))
        );
        assert_eq!(parse("/help"), Action::Help);
    }

    #[test]
    fn the_new_commands() {
        let table: Vec<(&str, Action)> = vec![
            ("/whois bob", Action::Whois("bob".into())),
            ("/wi bob", Action::Whois("bob".into())),
            ("/away lunch time", Action::Away(Some("lunch time".into()))),
            ("/away", Action::Away(None)),
            ("/back", Action::Away(None)),
            ("/list", Action::List(None)),
            ("/list >10", Action::List(Some(">10".into()))),
            ("/names", Action::Names(None)),
            ("/names #a", Action::Names(Some("#a".into()))),
            (
                "/kick bob be nice",
                Action::Kick {
                    nick: "bob".into(),
                    reason: Some("be nice".into()),
                },
            ),
            (
                "/ban bob",
                Action::Ban {
                    mask: "bob!*@*".into(),
                    add: true,
                },
            ),
            (
                "/unban *!*@bad.host",
                Action::Ban {
                    mask: "*!*@bad.host".into(),
                    add: false,
                },
            ),
            (
                "/mode +m",
                Action::Mode {
                    target: None,
                    modes: vec!["+m".into()],
                },
            ),
            (
                "/mode #a +k secret",
                Action::Mode {
                    target: Some("#a".into()),
                    modes: vec!["+k".into(), "secret".into()],
                },
            ),
            (
                "/op a b",
                Action::MemberMode {
                    add: true,
                    mode: 'o',
                    nicks: vec!["a".into(), "b".into()],
                },
            ),
            (
                "/deop a",
                Action::MemberMode {
                    add: false,
                    mode: 'o',
                    nicks: vec!["a".into()],
                },
            ),
            (
                "/voice a",
                Action::MemberMode {
                    add: true,
                    mode: 'v',
                    nicks: vec!["a".into()],
                },
            ),
            (
                "/devoice a",
                Action::MemberMode {
                    add: false,
                    mode: 'v',
                    nicks: vec!["a".into()],
                },
            ),
            (
                "/invite bob #a",
                Action::Invite {
                    nick: "bob".into(),
                    channel: Some("#a".into()),
                },
            ),
            (
                "/query bob",
                Action::Query {
                    nick: "bob".into(),
                    text: None,
                },
            ),
            (
                "/q bob hi you",
                Action::Query {
                    nick: "bob".into(),
                    text: Some("hi you".into()),
                },
            ),
            (
                "/notice #a heads up",
                Action::Notice {
                    target: "#a".into(),
                    text: "heads up".into(),
                },
            ),
            ("/close", Action::Close),
            ("/ignore", Action::Ignore(None)),
            ("/ignore bob", Action::Ignore(Some("bob".into()))),
            ("/unignore bob", Action::Unignore("bob".into())),
            (
                "/raw PRIVMSG #a :hi there",
                Action::Quote(Message::new("PRIVMSG", ["#a", "hi there"])),
            ),
            (
                "/quote MODE #a",
                Action::Quote(Message::new("MODE", ["#a"])),
            ),
        ];
        for (input, action) in table {
            assert_eq!(parse(input), action, "{input}");
        }
    }

    #[test]
    fn several_lines_are_text_even_with_a_slash() {
        assert_eq!(
            parse("/join #x\nhello\n"),
            Action::Say("/join #x\nhello".into())
        );
    }

    #[test]
    fn invalid_nicks_are_refused_with_the_reason() {
        let error = parse_input("/nick bad nick!").expect_err("refused");
        assert_eq!(
            error.to_string(),
            "“bad nick!” cannot be a nickname: a name cannot contain spaces."
        );
        assert!(
            parse_input("/nick 9lives")
                .expect_err("refused")
                .to_string()
                .contains("cannot start with a digit")
        );
        // Longer than ciao's own limit: the server's NICKLEN decides.
        let long = "a".repeat(NICK_LEN + 5);
        assert_eq!(parse(&format!("/nick {long}")), Action::Nick(long.clone()));
        assert!(parse_input(&format!("/nick {long}!")).is_err());
        assert_eq!(parse_input("/nick"), Err(usage("nick")));
    }

    #[test]
    fn raw_lines_must_parse() {
        assert!(matches!(
            parse_input("/quote"),
            Err(InputError::BadRawLine(_))
        ));
        assert!(matches!(
            parse_input("/raw :source"),
            Err(InputError::BadRawLine(_))
        ));
    }

    #[test]
    fn help_lists_every_command() {
        let help = help_text();
        for command in COMMANDS {
            assert!(help.contains(command.usage));
            let parsed = parse_input(&format!("/{}", command.name));
            assert!(
                !matches!(parsed, Err(InputError::UnknownCommand(_))),
                "/{} is listed but unknown",
                command.name
            );
        }
    }

    #[test]
    fn blanks_errors_and_hints() {
        assert_eq!(parse_input("   "), Ok(None));
        assert_eq!(
            parse_input("/frob x"),
            Err(InputError::UnknownCommand("frob".into()))
        );
        assert!(
            parse_input("/frob")
                .expect_err("unknown")
                .to_string()
                .contains("/help")
        );
        assert_eq!(
            parse_input("/msg bob"),
            Err(InputError::Usage("/msg nick|#channel text"))
        );
        assert_eq!(
            parse_input("/join"),
            Err(InputError::Usage("/join #channel [key]"))
        );
    }
}
