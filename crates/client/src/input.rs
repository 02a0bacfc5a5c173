//! What the user types, turned into an action.
//!
//! Plain text goes to the active buffer; `/join`, `/part`, `/msg`, `/me`,
//! `/nick`, `/topic`, `/quit [reason]` and `/help` are commands, as is the
//! seed's `{quit}`. `//text` sends `/text` as text. Anything else starting
//! with `/` is refused with a hint rather than sent by mistake.

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Say `text` in the active buffer.
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
    Msg {
        target: String,
        text: String,
    },
    Nick(String),
    /// Query (`None`) or set the active channel's topic.
    Topic(Option<String>),
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
}

/// The help text shown by `/help`.
pub const HELP: &str = "Commands: /join #channel [key], /part [#channel] [reason], \
/msg nick text, /me action, /nick newnick, /topic [text], /quit [reason] (or {quit}), /help";

/// Parses one input line; `Ok(None)` for a blank line.
pub fn parse_input(line: &str) -> Result<Option<Action>, InputError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return Ok(None);
    }
    if line.trim() == "{quit}" {
        return Ok(Some(Action::Quit(None)));
    }
    if let Some(literal) = line.strip_prefix("//") {
        return Ok(Some(Action::Say(format!("/{literal}"))));
    }
    let Some(command_line) = line.strip_prefix('/') else {
        return Ok(Some(Action::Say(line.to_owned())));
    };
    let (command, rest) = command_line.split_once(' ').unwrap_or((command_line, ""));
    let rest = rest.trim();
    let mut words = rest.split_whitespace();
    let action = match command.to_ascii_lowercase().as_str() {
        "join" | "j" => {
            let channel = words
                .next()
                .ok_or(InputError::Usage("/join #channel [key]"))?;
            let channel = if channel.starts_with(['#', '&']) {
                channel.to_owned()
            } else {
                format!("#{channel}")
            };
            Action::Join {
                channel,
                key: words.next().map(str::to_owned),
            }
        }
        "part" | "leave" => {
            let (channel, reason) = match rest.split_once(' ') {
                Some((first, reason)) if first.starts_with('#') => {
                    (Some(first.to_owned()), Some(reason.trim().to_owned()))
                }
                None if rest.starts_with('#') => (Some(rest.to_owned()), None),
                _ => (None, (!rest.is_empty()).then(|| rest.to_owned())),
            };
            Action::Part { channel, reason }
        }
        "msg" | "query" => {
            let (target, text) = rest
                .split_once(' ')
                .filter(|(_, text)| !text.trim().is_empty())
                .ok_or(InputError::Usage("/msg nick text"))?;
            Action::Msg {
                target: target.to_owned(),
                text: text.trim().to_owned(),
            }
        }
        "me" => {
            if rest.is_empty() {
                return Err(InputError::Usage("/me action"));
            }
            Action::Act(rest.to_owned())
        }
        "nick" => Action::Nick(
            words
                .next()
                .ok_or(InputError::Usage("/nick newnick"))?
                .to_owned(),
        ),
        "topic" => Action::Topic((!rest.is_empty()).then(|| rest.to_owned())),
        "quit" | "exit" => Action::Quit((!rest.is_empty()).then(|| rest.to_owned())),
        "help" => Action::Help,
        other => return Err(InputError::UnknownCommand(other.to_owned())),
    };
    Ok(Some(action))
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
            Err(InputError::Usage("/msg nick text"))
        );
        assert_eq!(
            parse_input("/join"),
            Err(InputError::Usage("/join #channel [key]"))
        );
    }
}
