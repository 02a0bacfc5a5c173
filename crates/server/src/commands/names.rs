//! NAMES [<channel>{,<channel>}]

use ciao_proto::{CaseKey, Message, Numeric};

use super::{CommandResult, Ctx};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(list) = message.param(0).filter(|l| !l.is_empty()) else {
        // Listing every channel is costly and rarely wanted; like many
        // modern servers, answer only the end marker.
        ctx.reply(Numeric::EndOfNames, ["*", "End of /NAMES list"]);
        return Ok(());
    };
    for name in list.split(',').filter(|n| !n.is_empty()) {
        let key = CaseKey::new(name);
        let visible =
            ctx.state.channels.get(&key).is_some_and(|channel| {
                !channel.modes.secret || channel.members.contains_key(&ctx.id)
            });
        if visible {
            ctx.state.send_names(ctx.id, &key);
        } else {
            ctx.reply(Numeric::EndOfNames, [name, "End of /NAMES list"]);
        }
    }
    Ok(())
}
