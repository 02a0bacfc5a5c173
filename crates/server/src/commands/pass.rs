//! PASS <password>
//!
//! Remembered and checked when registration completes, so a wrong
//! password gets 464 and the link is closed.

use ciao_proto::{Message, Numeric};

use super::{CommandError, CommandResult, Ctx};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(client) = ctx.state.clients.get_mut(&ctx.id) else {
        return Ok(());
    };
    if client.registered {
        return Err(CommandError::numeric(
            Numeric::AlreadyRegistered,
            ["You may not reregister"],
        ));
    }
    client.pass = Some(message.params[0].clone());
    Ok(())
}
