//! INVITE <nick> <channel> | INVITE
//!
//! Invites a user to a channel the inviter is in (as an operator when the
//! channel is `+i`); the invitation lets it past `+i` once. Without
//! parameters, lists the channels the sender is invited to.

use ciao_proto::{CaseKey, Message, Numeric};

use super::{CommandError, CommandResult, Ctx};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let (Some(nick), Some(name)) = (message.param(0), message.param(1)) else {
        if message.params.is_empty() {
            list(ctx);
            return Ok(());
        }
        return Err(CommandError::NeedMoreParams);
    };
    let Some(target) = ctx.state.find_nick(nick).filter(|c| c.registered) else {
        return Err(CommandError::numeric(
            Numeric::NoSuchNick,
            [nick, "No such nick/channel"],
        ));
    };
    let (target_id, target_nick) = (target.id, target.nick.clone());
    let key = CaseKey::new(name);
    let Some(channel) = ctx.state.channels.get(&key) else {
        return Err(CommandError::numeric(
            Numeric::NoSuchChannel,
            [name, "No such channel"],
        ));
    };
    let shown = channel.name.clone();
    if !channel.members.contains_key(&ctx.id) {
        return Err(CommandError::numeric(
            Numeric::NotOnChannel,
            [shown.as_str(), "You're not on that channel"],
        ));
    }
    if channel.members.contains_key(&target_id) {
        return Err(CommandError::numeric(
            Numeric::UserOnChannel,
            [target_nick.as_str(), &shown, "is already on channel"],
        ));
    }
    if channel.modes.invite_only && !channel.is_op(ctx.id) {
        return Err(CommandError::numeric(
            Numeric::ChanOPrivsNeeded,
            [shown.as_str(), "You're not channel operator"],
        ));
    }
    if let Some(channel) = ctx.state.channels.get_mut(&key) {
        channel.invited.insert(target_id);
    }
    ctx.reply(Numeric::Inviting, [target_nick.as_str(), &shown]);
    let invite = Message::new("INVITE", [target_nick.as_str(), &shown]).with_source(ctx.mask());
    ctx.state.send(target_id, &invite);
    if let Some(away) = ctx.state.client(target_id).and_then(|c| c.away.clone()) {
        ctx.reply(Numeric::Away, [target_nick, away]);
    }
    Ok(())
}

/// RPL_INVITELIST for each channel the sender is invited to.
fn list(ctx: &mut Ctx<'_>) {
    let mut channels: Vec<String> = ctx
        .state
        .channels
        .values()
        .filter(|c| c.invited.contains(&ctx.id))
        .map(|c| c.name.clone())
        .collect();
    channels.sort();
    for channel in channels {
        ctx.reply(Numeric::InviteList, [channel]);
    }
    ctx.reply(Numeric::EndOfInviteList, ["End of /INVITE list"]);
}
