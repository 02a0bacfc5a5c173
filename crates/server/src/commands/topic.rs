//! TOPIC <channel> [<topic>]

use ciao_proto::{CaseKey, Message};

use super::context::{CommandError, CommandResult, Ctx};
use super::policy;
use crate::state::channel::Topic;
use crate::state::{TEXT_LEN, truncate};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let name = &message.params[0];
    let Some(text) = message.param(1) else {
        let channel = ctx.channel(name)?;
        if !policy::may_see(channel, ctx.id) {
            return Err(CommandError::not_on_channel(name));
        }
        ctx.state.send_topic(ctx.id, &CaseKey::new(name), true);
        return Ok(());
    };
    let channel = ctx.member_of(name)?;
    policy::may_set_topic(channel, ctx.id)?;
    let channel_name = channel.name.clone();
    let key = CaseKey::new(name);
    let text = truncate(text, TEXT_LEN).to_owned();
    let nick = ctx.nick();
    let mask = ctx.mask();
    if let Some(channel) = ctx.state.channels_mut().get_mut(&key) {
        channel.topic = (!text.is_empty()).then(|| Topic {
            text: text.clone(),
            set_by: mask.clone(),
            set_at: crate::clock::now_secs(),
        });
    }
    let topic = Message::new("TOPIC", [channel_name, text.clone()]).with_source(mask);
    let plain = ctx.state.config().lang.topic(&nick, &text);
    ctx.state
        .publish_channel_event(ctx.id, &key, topic, Some(plain));
    // A kept channel's topic survives a restart.
    ctx.state.save_channel(&key);
    Ok(())
}
