//! TOPIC <channel> [<topic>]

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use crate::state::channel::{Rank, Topic};
use crate::state::fanout::Fanout;
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
    let is_member = channel.members.contains_key(&ctx.id);
    let Some(text) = message.param(1) else {
        if channel.modes.secret && !is_member {
            return Err(CommandError::numeric(
                Numeric::NotOnChannel,
                [name, "You're not on that channel"],
            ));
        }
        ctx.state.send_topic(ctx.id, &key, true);
        return Ok(());
    };
    if !is_member {
        return Err(CommandError::numeric(
            Numeric::NotOnChannel,
            [name, "You're not on that channel"],
        ));
    }
    if channel.modes.topic_ops_only && channel.rank(ctx.id) < Some(Rank::HalfOp) {
        return Err(CommandError::numeric(
            Numeric::ChanOPrivsNeeded,
            [channel.name.as_str(), "You're not channel operator"],
        ));
    }
    let channel_name = channel.name.clone();
    let text = truncate(text, TEXT_LEN).to_owned();
    let nick = ctx.nick();
    let mask = ctx.mask();
    if let Some(channel) = ctx.state.channels.get_mut(&key) {
        channel.topic = (!text.is_empty()).then(|| Topic {
            text: text.clone(),
            set_by: mask.clone(),
            set_at: crate::clock::now_secs(),
        });
    }
    let topic = Message::new("TOPIC", [channel_name, text.clone()]).with_source(mask);
    let mut fanout = Fanout::new(
        topic.clone(),
        Some(ctx.state.config.lang.topic(&nick, &text)),
    );
    ctx.state.fanout_channel(&key, &mut fanout, None);
    ctx.state.record_event([key.as_str()], &topic);
    Ok(())
}
