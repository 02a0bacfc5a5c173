//! Refusing what the store could not keep. With history on, a message
//! is delivered only once it is committed; when its batch's commit failed
//! (a full disk, an I/O error) nobody is sent it and its sender is told,
//! so nobody sees what the store lost and the sender knows to try again.

use crate::state::State;
use crate::state::client::{ClientId, Protocol};
use crate::state::stored::Stored;

/// The IRCv3 standard-replies code for "try again later" (the registry's
/// generic code for a temporary failure such as a database being down).
const CODE: &str = "TEMPORARILY_UNAVAILABLE";

/// How a message is refused when the store could not keep it: as the
/// command and target its sender wrote (`FAIL <command>
/// TEMPORARILY_UNAVAILABLE <target> …`).
#[derive(Debug)]
pub(crate) struct RefusedAs {
    /// `PRIVMSG`, `NOTICE`, `TAGMSG`, or `BATCH` for a multiline message.
    pub(crate) command: &'static str,
    /// The target as the sender wrote it (`@#Chan`, not `#chan`).
    pub(crate) target: String,
}

impl RefusedAs {
    /// True when the entry was not committed; `sender` has then been
    /// told (see [`refused`]).
    pub(crate) fn refused(
        &self,
        state: &mut State,
        stored: Option<Stored>,
        sender: ClientId,
    ) -> bool {
        refused(state, stored, sender, self.command, &[&self.target])
    }
}

/// True when the job of this release was not committed; the sender has
/// then been told (`FAIL <command> TEMPORARILY_UNAVAILABLE <context…>
/// :<text>` for IRC, a text line for plain clients) and the release must
/// deliver nothing. With history off (`None`) nothing is refused.
pub(crate) fn refused(
    state: &mut State,
    stored: Option<Stored>,
    sender: ClientId,
    command: &str,
    context: &[&str],
) -> bool {
    if stored.is_none_or(|stored| stored.committed) {
        return false;
    }
    let Some(client) = state.client(sender) else {
        return true;
    };
    match client.protocol {
        Protocol::Plain => {
            let text = state.config().lang.not_stored();
            state.send_plain(sender, text);
        }
        Protocol::Irc => {
            let text = if command == "REDACT" {
                "Redaction not made: the server cannot store it right now, try again later"
            } else {
                "Message not sent: the server cannot store it right now, try again later"
            };
            let mut params = vec![CODE];
            params.extend_from_slice(context);
            params.push(text);
            state.fail(sender, command, &params);
        }
    }
    true
}
