//! Who is away in a channel we join: `away-notify` only tells of changes,
//! so once our own JOIN's member list is in, the model asks `WHO #channel`
//! itself (small channels only: servers charge WHO by the reply), and the
//! replies mark the members away without being shown to the user.

use ciao_proto::{Message, Numeric, irc_eq};

use super::Model;

/// Channels up to this many members get an automatic WHO; in bigger ones
/// only later changes (away-notify) are seen.
pub const AUTO_WHO_MAX_MEMBERS: usize = 500;

/// Automatic WHOs pending at once; past it (joining hundreds of channels
/// at once) the rest are not asked.
const MAX_PENDING: usize = 64;

/// The model's own WHO requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct AutoWho {
    /// The server tells us of away changes (`away-notify` acked): then
    /// one WHO at join makes the away marks complete.
    pub(crate) away_notify: bool,
    /// Channels we joined whose member list is still coming.
    after_names: Vec<String>,
    /// Channels whose WHO we asked for: their replies are not shown.
    quiet: Vec<String>,
    /// Requests for the connection, taken by the window each frame.
    requests: Vec<Message>,
}

impl Model {
    /// Our own JOIN of `channel`: ask WHO once its member list is in.
    pub(crate) fn who_after_join(&mut self, channel: &str) {
        let who = &mut self.auto_who;
        if who.away_notify && who.after_names.len() < MAX_PENDING {
            who.after_names.push(channel.to_owned());
        }
    }

    /// The end of `channel`'s member list (366) with `members` in it.
    pub(crate) fn who_after_names(&mut self, channel: &str, members: usize) {
        let who = &mut self.auto_who;
        let Some(position) = who.after_names.iter().position(|c| irc_eq(c, channel)) else {
            return;
        };
        who.after_names.swap_remove(position);
        if members <= AUTO_WHO_MAX_MEMBERS && who.quiet.len() < MAX_PENDING {
            who.quiet.push(channel.to_owned());
            who.requests.push(Message::new("WHO", [channel.to_owned()]));
        }
    }

    /// True for a WHO reply (352) or its end (315) that answers our own
    /// request: applied to the members, not shown.
    pub(crate) fn is_quiet_who(&mut self, message: &Message, channel: Option<&str>) -> bool {
        let Some(channel) = channel else {
            return false;
        };
        let quiet = &mut self.auto_who.quiet;
        let Some(position) = quiet.iter().position(|c| irc_eq(c, channel)) else {
            return false;
        };
        if message.command == Numeric::EndOfWho.code() {
            quiet.swap_remove(position);
        }
        true
    }

    /// Messages the model asks the connection to send (its own WHOs).
    pub fn take_requests(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.auto_who.requests)
    }
}
