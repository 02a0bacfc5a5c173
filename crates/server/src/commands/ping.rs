//! PING <token> | PONG [<server>] <token>

use ciao_proto::{Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};

pub(super) fn ping(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(token) = message.param(0) else {
        return Err(CommandError::numeric(
            Numeric::NoOrigin,
            ["No origin specified"],
        ));
    };
    let server = ctx.state.config().server_name.clone();
    let pong = ctx.state.server_message("PONG", [server.as_str(), token]);
    ctx.state.send(ctx.id, &pong);
    Ok(())
}

/// Any line proves the client is alive; PONG needs no answer.
pub(super) fn pong(_ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    Ok(())
}
