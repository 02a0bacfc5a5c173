//! NAMES [<channel>{,<channel>}]
//!
//! Several channels get their RPL_NAMREPLY lines one after the other and
//! a single RPL_ENDOFNAMES naming the list as given (RFC 2812 §3.2.5).
//! Channels the sender may not see (secret, not a member) and unknown
//! ones add nothing.

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::policy;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(list) = message.param(0).filter(|l| !l.is_empty()) else {
        // Listing every channel is costly and rarely wanted; like many
        // modern servers, answer only the end marker.
        ctx.reply(Numeric::EndOfNames, ["*", "End of /NAMES list"]);
        return Ok(());
    };
    let mut end = list.to_owned();
    for name in list.split(',').filter(|n| !n.is_empty()) {
        let key = CaseKey::new(name);
        let Some(channel) = ctx.state.channels().get(&key) else {
            continue;
        };
        if !policy::may_see(channel, ctx.id) {
            continue;
        }
        // One channel ends as it is called, as after a JOIN.
        if end == name {
            end = channel.name.clone();
        }
        ctx.state.send_name_replies(ctx.id, &key);
    }
    ctx.reply(Numeric::EndOfNames, [end.as_str(), "End of /NAMES list"]);
    Ok(())
}
