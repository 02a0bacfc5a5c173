//! JOIN <channel>{,<channel>} [<key>{,<key>}] | JOIN 0

use ciao_proto::names::{ChannelNameError, check_channel_name};
use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::part;
use super::policy::{self, Closed};
use crate::state::MAX_CHANNELS_PER_CLIENT;
use crate::state::channel::Identity;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    if message.params[0] == "0" {
        let joined = ctx
            .state
            .client(ctx.id)
            .map(|c| c.channels().to_owned())
            .unwrap_or_default();
        for key in joined {
            part::leave(ctx, &key, "Left all channels");
        }
        return Ok(());
    }
    let keys: Vec<&str> = message
        .param(1)
        .map(|k| k.split(',').collect())
        .unwrap_or_default();
    for (i, name) in message.params[0].split(',').enumerate() {
        if name.is_empty() {
            continue;
        }
        // A refused channel does not stop the others.
        if let Err(error) = join_one(ctx, name, keys.get(i).copied()) {
            ctx.refuse(error);
        }
    }
    Ok(())
}

fn join_one(ctx: &mut Ctx<'_>, name: &str, key: Option<&str>) -> CommandResult {
    match check_channel_name(name) {
        Ok(()) => {}
        Err(ChannelNameError::NoPrefix) => return Err(CommandError::no_such_channel(name)),
        // A name that looks like a channel but cannot be one: say why.
        Err(why) => {
            return Err(CommandError::numeric(
                Numeric::NoSuchChannel,
                [name.to_owned(), format!("Invalid channel name: {why}")],
            ));
        }
    }
    let channel_key = CaseKey::new(name);
    let Some(client) = ctx.sender() else {
        return Ok(());
    };
    if client.channels().contains(&channel_key) {
        return Ok(());
    }
    if client.channels().len() >= MAX_CHANNELS_PER_CLIENT {
        return Err(CommandError::numeric(
            Numeric::TooManyChannels,
            [name, "You have joined too many channels"],
        ));
    }
    if let Some(channel) = ctx.state.channels().get(&channel_key)
        && let Err(closed) = policy::may_join(channel, ctx.id, Identity::of(client), key)
    {
        return Err(cannot_join(&channel.name, closed));
    }
    ctx.state.join(ctx.id, name);
    Ok(())
}

/// ERR_BANNEDFROMCHAN, ERR_INVITEONLYCHAN, ERR_BADCHANNELKEY or
/// ERR_CHANNELISFULL, naming the mode that refuses.
fn cannot_join(channel: &str, closed: Closed) -> CommandError {
    let numeric = match closed {
        Closed::Banned => Numeric::BannedFromChan,
        Closed::InviteOnly => Numeric::InviteOnlyChan,
        Closed::Key => Numeric::BadChannelKey,
        Closed::Full => Numeric::ChannelIsFull,
    };
    let text = format!("Cannot join channel (+{})", closed.mode());
    CommandError::numeric(numeric, [channel.to_owned(), text])
}
