//! PASS <password>
//!
//! Remembered and checked when registration completes, so a wrong
//! password gets 464 and the link is closed. A password that may not be
//! sent here in clear (`plaintext-passwords`) is not taken: 464 says why.

use ciao_proto::{Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::secrets::plaintext_refusal;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    if let Some(why) = plaintext_refusal(ctx.state, ctx.id) {
        return Err(CommandError::numeric(Numeric::PasswdMismatch, [why]));
    }
    let Some(client) = ctx.unregistered()? else {
        return Ok(());
    };
    client.pass = Some(message.params[0].as_str().into());
    Ok(())
}
