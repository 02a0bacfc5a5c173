//! KICK <channel>{,<channel>} <nick>{,<nick>} [<reason>]
//!
//! One channel with several nicks kicks each from it; several channels
//! pair up with the nicks one to one (RFC 2812 §3.2.8).

use ciao_proto::{CaseKey, Message};

use super::context::{CommandError, CommandResult, Ctx};
use super::limits::MAX_KICKS;
use super::policy;
use crate::state::client::Protocol;
use crate::state::fanout::Fanout;
use crate::state::{TEXT_LEN, truncate};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let channels: Vec<&str> = message.params[0]
        .split(',')
        .filter(|c| !c.is_empty())
        .collect();
    let nicks: Vec<&str> = message.params[1]
        .split(',')
        .filter(|n| !n.is_empty())
        .collect();
    if channels.is_empty() || nicks.is_empty() {
        return Err(CommandError::NeedMoreParams);
    }
    let kicker = ctx.nick();
    let reason = message
        .param(2)
        .filter(|r| !r.is_empty())
        .map(|r| truncate(r, TEXT_LEN).to_owned())
        .unwrap_or_else(|| kicker.clone());
    let pairs: Vec<(&str, &str)> = if channels.len() == 1 {
        nicks.iter().map(|nick| (channels[0], *nick)).collect()
    } else {
        channels
            .iter()
            .copied()
            .zip(nicks.iter().copied())
            .collect()
    };
    // A refused kick does not stop the others.
    for (channel, nick) in pairs.into_iter().take(MAX_KICKS) {
        if let Err(error) = kick_one(ctx, channel, nick, &reason) {
            ctx.refuse(error);
        }
    }
    Ok(())
}

fn kick_one(ctx: &mut Ctx<'_>, name: &str, nick: &str, reason: &str) -> CommandResult {
    let channel = ctx.member_of(name)?;
    policy::may_kick(channel, ctx.id)?;
    let channel_name = channel.name.clone();
    let target = ctx
        .state
        .find_nick(nick)
        .filter(|c| channel.members.contains_key(&c.id))
        .map(|c| (c.id, c.nick.clone(), c.protocol));
    let Some((target_id, target_nick, protocol)) = target else {
        return Err(CommandError::not_in_channel(nick, &channel_name));
    };
    policy::may_kick_member(channel, ctx.id, target_id)?;
    let key = CaseKey::new(name);
    let kicker = ctx.nick();
    let lang = ctx.state.config.lang;
    let kick =
        Message::new("KICK", [channel_name.as_str(), &target_nick, reason]).with_source(ctx.mask());
    let mut fanout = Fanout::new(
        kick.clone(),
        Some(lang.kicked(&target_nick, &kicker, reason)),
    );
    ctx.state.fanout_channel(&key, &mut fanout, None);
    ctx.state.record_event([key.as_str()], &kick);
    ctx.state.remove_member(target_id, &key);
    // A plain client lives in one room only: being kicked out of it ends
    // its session.
    if protocol == Protocol::Plain && key == super::registration::plain_channel(ctx.state) {
        ctx.state.disconnect(
            target_id,
            &lang.kicked(&target_nick, &kicker, reason),
            &format!("Kicked by {kicker}"),
        );
    }
    Ok(())
}
