//! PART <channel>{,<channel>} [<reason>]

use ciao_proto::{CaseKey, Message};

use super::context::{CommandResult, Ctx};
use crate::state::fanout::Fanout;
use crate::state::{TEXT_LEN, truncate};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let reason = message
        .param(1)
        .map(|r| truncate(r, TEXT_LEN))
        .unwrap_or("");
    for name in message.params[0].split(',').filter(|n| !n.is_empty()) {
        // A refused channel does not stop the others.
        match ctx.member_of(name) {
            Ok(_) => leave(ctx, &CaseKey::new(name), reason),
            Err(error) => ctx.refuse(error),
        }
    }
    Ok(())
}

/// Announces the part to the channel (the leaver included) and removes
/// the member.
pub(super) fn leave(ctx: &mut Ctx<'_>, key: &CaseKey, reason: &str) {
    let Some(channel) = ctx.state.channels().get(key) else {
        return;
    };
    let mut params = vec![channel.name.clone()];
    if !reason.is_empty() {
        params.push(reason.to_owned());
    }
    let nick = ctx.nick();
    let part = Message::new("PART", params).with_source(ctx.mask());
    let mut fanout = Fanout::new(part.clone(), Some(ctx.state.config().lang.left(&nick)))
        .skip_plain(ctx.id)
        .with_account(ctx.account());
    ctx.state.fanout_channel(key, &mut fanout, None);
    ctx.state.record_presence(ctx.id, [key.as_str()], &part);
    ctx.state.remove_member(ctx.id, key);
}
