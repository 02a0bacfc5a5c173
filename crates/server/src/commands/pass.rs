//! PASS <password>
//!
//! Remembered and checked when registration completes, so a wrong
//! password gets 464 and the link is closed.

use ciao_proto::Message;

use super::context::{CommandResult, Ctx};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(client) = ctx.unregistered()? else {
        return Ok(());
    };
    client.pass = Some(message.params[0].clone());
    Ok(())
}
