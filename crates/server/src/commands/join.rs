//! JOIN <channel>{,<channel>} [<key>{,<key>}] | JOIN 0

use ciao_proto::names::{ChannelNameError, check_channel_name};
use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::part;
use crate::state::MAX_CHANNELS_PER_CLIENT;
use crate::state::channel::{Channel, MaskList};
use crate::state::client::ClientId;

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    if message.params[0] == "0" {
        let joined = ctx
            .state
            .client(ctx.id)
            .map(|c| c.channels.clone())
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
        join_one(ctx, name, keys.get(i).copied());
    }
    Ok(())
}

fn join_one(ctx: &mut Ctx<'_>, name: &str, key: Option<&str>) {
    match check_channel_name(name) {
        Ok(()) => {}
        Err(ChannelNameError::NoPrefix) => {
            ctx.reply(Numeric::NoSuchChannel, [name, "No such channel"]);
            return;
        }
        // A name that looks like a channel but cannot be one: say why.
        Err(why) => {
            let text = format!("Invalid channel name: {why}");
            ctx.reply(Numeric::NoSuchChannel, [name, text.as_str()]);
            return;
        }
    }
    let channel_key = CaseKey::new(name);
    let Some(client) = ctx.state.client(ctx.id) else {
        return;
    };
    if client.channels.contains(&channel_key) {
        return;
    }
    if client.channels.len() >= MAX_CHANNELS_PER_CLIENT {
        ctx.reply(
            Numeric::TooManyChannels,
            [name, "You have joined too many channels"],
        );
        return;
    }
    if let Some(channel) = ctx.state.channels.get(&channel_key)
        && let Some((numeric, mode)) = refusal(channel, &client.mask, ctx.id, key)
    {
        let shown = channel.name.clone();
        ctx.reply(numeric, [shown, format!("Cannot join channel (+{mode})")]);
        return;
    }
    ctx.state.join(ctx.id, name);
}

/// Why `mask` (client `id`) may not join `channel` with `key`: the error
/// and the mode that refuses it. An invitation from a half-operator or
/// above gets past everything (bans, `+i`, `+k`, `+l`), as in InspIRCd;
/// an invite exception (`+I`) only past `+i`, and a ban exception (`+e`)
/// past the bans.
fn refusal(
    channel: &Channel,
    mask: &str,
    id: ClientId,
    key: Option<&str>,
) -> Option<(Numeric, char)> {
    if channel.invited.get(&id) == Some(&true) {
        return None;
    }
    if channel.is_banned(mask) {
        return Some((Numeric::BannedFromChan, 'b'));
    }
    if channel.modes.invite_only && !channel.matches(MaskList::InviteExceptions, mask) {
        return Some((Numeric::InviteOnlyChan, 'i'));
    }
    if let Some(expected) = &channel.modes.key
        && key != Some(expected.as_str())
    {
        return Some((Numeric::BadChannelKey, 'k'));
    }
    if let Some(limit) = channel.modes.limit
        && channel.members.len() >= limit
    {
        return Some((Numeric::ChannelIsFull, 'l'));
    }
    None
}
