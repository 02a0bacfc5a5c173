//! INVITE <nick> <channel> | INVITE
//!
//! Invites a user to a channel the inviter is in (as a half-operator or
//! above when the channel is `+i`). An invitation from a half-operator or
//! above lets it in once, past `+i`, `+k`, `+l` and bans; anyone else's
//! is only word of the channel. Members with `invite-notify` are told. Without
//! parameters, lists the channels the sender is invited to.

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::policy;
use crate::caps::Cap;
use crate::state::channel::Rank;
use crate::state::fanout::Fanout;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let (Some(nick), Some(name)) = (message.param(0), message.param(1)) else {
        if message.params.is_empty() {
            list(ctx);
            return Ok(());
        }
        return Err(CommandError::NeedMoreParams);
    };
    let target = ctx.nick_target(nick)?;
    let (target_id, target_nick) = (target.id, target.nick().to_owned());
    let channel = ctx.channel(name)?;
    ctx.require_member(channel)?;
    let shown = channel.name.clone();
    if channel.members().contains_key(&target_id) {
        return Err(CommandError::numeric(
            Numeric::UserOnChannel,
            [target_nick.as_str(), &shown, "is already on channel"],
        ));
    }
    let invite_only = channel.modes.invite_only;
    let privileged = policy::may_invite(channel, ctx.id)?;
    let key = CaseKey::new(name);
    if let Some(channel) = ctx.state.channels_mut().get_mut(&key) {
        channel.invite(target_id, privileged);
    }
    ctx.reply(Numeric::Inviting, [target_nick.as_str(), &shown]);
    let invite = Message::new("INVITE", [target_nick.as_str(), &shown]).with_source(ctx.mask());
    let mut fanout = Fanout::new(invite, None).with_account(ctx.account());
    ctx.state
        .deliver_to(target_id, |client| fanout.bytes_for(client));
    notify_members(ctx, &key, fanout, invite_only);
    if let Some(away) = ctx.state.client(target_id).and_then(|c| c.away.clone()) {
        ctx.reply(Numeric::Away, [target_nick, away.into()]);
    }
    Ok(())
}

/// invite-notify: members who asked are told of the invitation; in an
/// invite-only channel only those who could have invited themselves.
fn notify_members(ctx: &mut Ctx<'_>, key: &CaseKey, mut fanout: Fanout, invite_only: bool) {
    let sender = ctx.id;
    ctx.state
        .deliver_to_members(key, u64::MAX, Rank::Member, |client, status| {
            if client.id != sender
                && policy::hears_invites(invite_only, status.rank())
                && client.caps.has(Cap::InviteNotify)
            {
                fanout.bytes_for(client)
            } else {
                None
            }
        });
}

/// RPL_INVITELIST for each channel the sender is invited to.
fn list(ctx: &mut Ctx<'_>) {
    let mut channels: Vec<String> = ctx
        .state
        .channels()
        .values()
        .filter(|c| c.invited().contains_key(&ctx.id))
        .map(|c| c.name.clone())
        .collect();
    channels.sort();
    for channel in channels {
        ctx.reply(Numeric::InviteList, [channel]);
    }
    ctx.reply(Numeric::EndOfInviteList, ["End of /INVITE list"]);
}
