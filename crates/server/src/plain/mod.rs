//! Plain mode: the seed's text protocol, for nc, telnet and `Client.py`.
//!
//! The first line is the name; every later line is said to the room as
//! `name: text`. `{quit}` or `/quit` leaves. A few slash commands help a
//! terminal user (`/names`, `/me`, `/msg`, `/help`); any other line,
//! slashes included, is relayed as text, as the seed did.

use ciao_proto::Message;

use crate::commands::{self, registration};
use crate::state::State;
use crate::state::client::{ClientId, Protocol};
use crate::state::nicks::NickRefusal;

/// What the connection should do after a plain line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PlainOutcome {
    Continue,
    /// The line was an IRC registration command after all: switch modes
    /// and handle it as IRC.
    SwitchToIrc,
}

/// True when `line` is what an IRC client or tool says first: a
/// registration command, or a `QUIT`/`PING` probe (port checkers such as
/// irctest's send `QUIT :reason` and wait for `ERROR`) — always with a
/// parameter, so that a plain user may still be called `nick` or `quit`.
pub(crate) fn is_irc_registration(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or("");
    let has_param = words.next().is_some();
    has_param
        && ["CAP", "PASS", "NICK", "USER", "QUIT", "PING"]
            .iter()
            .any(|v| verb.eq_ignore_ascii_case(v))
}

/// Sends the greeting and marks the connection as plain.
pub(crate) fn start(state: &mut State, id: ClientId) {
    if let Some(client) = state.client_mut(id) {
        client.protocol = Protocol::Plain;
    }
    if state.config().password.is_some() {
        let text = state.config().lang.password_required();
        state.disconnect(id, text, "Password required");
        return;
    }
    let greeting = state.config().lang.greeting();
    state.send_plain(id, greeting);
}

/// Handles one line from a plain client.
pub(crate) fn handle_line(state: &mut State, id: ClientId, line: &str) -> PlainOutcome {
    let Some(client) = state.client(id) else {
        return PlainOutcome::Continue;
    };
    if !client.registered() {
        if is_irc_registration(line) {
            return PlainOutcome::SwitchToIrc;
        }
        choose_name(state, id, line);
        return PlainOutcome::Continue;
    }
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return PlainOutcome::Continue;
    }
    let (command, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
    let rest = rest.trim();
    let say = |state: &mut State, target: &str, text: &str| {
        let message = Message::new("PRIVMSG", [target, text]);
        commands::dispatch(state, id, &message);
    };
    match command.to_ascii_lowercase().as_str() {
        "{quit}" if rest.is_empty() => state.quit(id, "Client Quit"),
        "/quit" => {
            let reason = if rest.is_empty() {
                "Client Quit".to_owned()
            } else {
                format!("Quit: {rest}")
            };
            state.quit(id, &reason);
        }
        "/me" if !rest.is_empty() => {
            let channel = channel_name(state);
            say(state, &channel, &format!("\u{1}ACTION {rest}\u{1}"));
        }
        "/msg" if rest.contains(' ') => {
            let (to, text) = rest.split_once(' ').unwrap_or((rest, ""));
            if state.find_nick(to).is_some_and(|c| c.registered()) {
                say(state, to, text.trim());
                state.send_plain(id, &format!("-> *{to}* {}", text.trim()));
            } else {
                let text = state.config().lang.no_such_name(to);
                state.send_plain(id, &text);
            }
        }
        "/names" | "/who" if rest.is_empty() => names(state, id),
        "/help" if rest.is_empty() => {
            let help = state.config().lang.plain_help();
            state.send_plain(id, help);
        }
        _ => {
            let channel = channel_name(state);
            say(state, &channel, line);
        }
    }
    PlainOutcome::Continue
}

fn choose_name(state: &mut State, id: ClientId, line: &str) {
    let name = line.trim();
    if name == "{quit}" {
        // The seed closes without a word when the first message is {quit}.
        state.quit(id, "Client Quit");
        return;
    }
    let lang = state.config().lang;
    if let Err(refusal) = state.claim_nick(id, name) {
        let text = match refusal {
            NickRefusal::Invalid(why) => lang.bad_name(&why.to_string()),
            NickRefusal::InUse => lang.name_taken(name),
            NickRefusal::TooSimilar => lang.name_too_similar(name),
        };
        state.send_plain(id, &text);
        return;
    }
    let Some(client) = state.client_mut(id) else {
        return;
    };
    client.set_user(name.chars().take(commands::USER_LEN).collect());
    client.realname = "plain-text client".into();
    state.note_registration(id);
    tracing::info!(id, nick = name, "registered (plain)");
    state.send_plain(id, &lang.welcome(name));
    registration::join_default_channel(state, id);
}

fn channel_name(state: &State) -> String {
    let key = registration::plain_channel(state);
    state
        .channels()
        .get(&key)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| key.as_str().to_owned())
}

fn names(state: &mut State, id: ClientId) {
    let key = registration::plain_channel(state);
    let Some(channel) = state.channels().get(&key) else {
        return;
    };
    let mut nicks: Vec<&str> = channel
        .members()
        .keys()
        .filter_map(|m| state.client(*m))
        .map(|c| c.nick())
        .collect();
    nicks.sort_unstable_by_key(|n| n.to_lowercase());
    let count = nicks.len() as u64;
    let text = state.config().lang.here(&nicks.join(", "));
    state.spend(crate::link::cost::NAME * count);
    state.send_plain(id, &text);
}

#[cfg(test)]
mod tests {
    use super::is_irc_registration;

    #[test]
    fn detects_registration_lines() {
        assert!(is_irc_registration("CAP LS 302"));
        assert!(is_irc_registration("nick alice"));
        assert!(is_irc_registration("USER a 0 * :A"));
        assert!(
            !is_irc_registration("nick"),
            "a plain user may be called nick"
        );
        assert!(!is_irc_registration("alice"));
        assert!(!is_irc_registration("nickname x"));
        assert!(is_irc_registration("QUIT :chkport"), "a port check");
        assert!(
            !is_irc_registration("quit"),
            "a plain user may be called quit"
        );
    }
}
