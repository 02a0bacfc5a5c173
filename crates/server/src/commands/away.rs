//! AWAY [<message>]

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};
use crate::caps::Cap;
use crate::state::fanout::Fanout;
use crate::state::{TEXT_LEN, truncate};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let text = message
        .param(0)
        .filter(|t| !t.is_empty())
        .map(|t| truncate(t, TEXT_LEN).to_owned());
    if let Some(client) = ctx.state.client_mut(ctx.id) {
        client.away = text.as_deref().map(Box::from);
    }
    match &text {
        Some(_) => ctx.reply(Numeric::NowAway, ["You have been marked as being away"]),
        None => ctx.reply(Numeric::UnAway, ["You are no longer marked as being away"]),
    }
    // away-notify: tell neighbours who asked for it, and (with
    // extended-monitor) those watching.
    let params: Vec<String> = text.into_iter().collect();
    let mut fanout = Fanout::new(Message::new("AWAY", params).with_source(ctx.mask()), None);
    let told = ctx
        .state
        .fanout_neighbours(ctx.id, &mut fanout, false, Some(Cap::AwayNotify));
    ctx.state
        .tell_watchers_change(ctx.id, &mut fanout, Cap::AwayNotify, &told);
    Ok(())
}
