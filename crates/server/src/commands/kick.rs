//! KICK <channel> <nick>{,<nick>} [<reason>]

use ciao_proto::{CaseKey, Message, Numeric};

use super::{CommandError, CommandResult, Ctx};
use crate::client::Protocol;
use crate::fanout::Fanout;
use crate::state::{TEXT_LEN, truncate};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let name = &message.params[0];
    let key = CaseKey::new(name);
    let Some(channel) = ctx.state.channels.get(&key) else {
        return Err(CommandError::numeric(
            Numeric::NoSuchChannel,
            [name, "No such channel"],
        ));
    };
    let channel_name = channel.name.clone();
    if !channel.members.contains_key(&ctx.id) {
        return Err(CommandError::numeric(
            Numeric::NotOnChannel,
            [name, "You're not on that channel"],
        ));
    }
    if !channel.is_op(ctx.id) {
        return Err(CommandError::numeric(
            Numeric::ChanOPrivsNeeded,
            [channel_name.as_str(), "You're not channel operator"],
        ));
    }
    let kicker = ctx.nick();
    let reason = message
        .param(2)
        .filter(|r| !r.is_empty())
        .map(|r| truncate(r, TEXT_LEN).to_owned())
        .unwrap_or_else(|| kicker.clone());
    for nick in message.params[1]
        .split(',')
        .filter(|n| !n.is_empty())
        .take(4)
    {
        let target = ctx
            .state
            .find_nick(nick)
            .map(|c| (c.id, c.nick.clone(), c.protocol));
        let Some((target_id, target_nick, protocol)) = target.filter(|(id, _, _)| {
            ctx.state
                .channels
                .get(&key)
                .is_some_and(|c| c.members.contains_key(id))
        }) else {
            ctx.reply(
                Numeric::UserNotInChannel,
                [nick, channel_name.as_str(), "They aren't on that channel"],
            );
            continue;
        };
        let lang = ctx.state.config.lang;
        let mut fanout = Fanout::new(
            Message::new("KICK", [channel_name.as_str(), &target_nick, &reason])
                .with_source(ctx.mask()),
            Some(lang.kicked(&target_nick, &kicker, &reason)),
        );
        ctx.state.fanout_channel(&key, &mut fanout, None);
        ctx.state.remove_member(target_id, &key);
        // A plain client lives in one room only: being kicked out of it
        // ends its session.
        if protocol == Protocol::Plain && key == super::registration::plain_channel(ctx.state) {
            ctx.state.disconnect(
                target_id,
                &lang.kicked(&target_nick, &kicker, &reason),
                &format!("Kicked by {kicker}"),
            );
        }
    }
    Ok(())
}
