//! PART <channel>{,<channel>} [<reason>]

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandResult, Ctx};
use crate::state::fanout::Fanout;
use crate::state::{TEXT_LEN, truncate};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let reason = message
        .param(1)
        .map(|r| truncate(r, TEXT_LEN))
        .unwrap_or("");
    for name in message.params[0].split(',').filter(|n| !n.is_empty()) {
        let key = CaseKey::new(name);
        if !ctx.state.channels.contains_key(&key) {
            ctx.reply(Numeric::NoSuchChannel, [name, "No such channel"]);
        } else if !ctx
            .state
            .client(ctx.id)
            .is_some_and(|c| c.channels.contains(&key))
        {
            ctx.reply(Numeric::NotOnChannel, [name, "You're not on that channel"]);
        } else {
            leave(ctx, &key, reason);
        }
    }
    Ok(())
}

/// Announces the part to the channel (the leaver included) and removes
/// the member.
pub fn leave(ctx: &mut Ctx<'_>, key: &CaseKey, reason: &str) {
    let Some(channel) = ctx.state.channels.get(key) else {
        return;
    };
    let mut params = vec![channel.name.clone()];
    if !reason.is_empty() {
        params.push(reason.to_owned());
    }
    let nick = ctx.nick();
    let part = Message::new("PART", params).with_source(ctx.mask());
    let mut fanout =
        Fanout::new(part.clone(), Some(ctx.state.config.lang.left(&nick))).skip_plain(ctx.id);
    ctx.state.fanout_channel(key, &mut fanout, None);
    ctx.state.record_presence(ctx.id, [key.as_str()], &part);
    ctx.state.remove_member(ctx.id, key);
}
