//! WALLOPS <text>   (operators only)
//!
//! A message to every user with user mode `+w`, and back to the sender.

use ciao_proto::{Message, Numeric};

use super::{CommandError, CommandResult, Ctx};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    if !ctx.state.client(ctx.id).is_some_and(|c| c.oper) {
        return Err(CommandError::numeric(
            Numeric::NoPrivileges,
            ["Permission Denied- You're not an IRC operator"],
        ));
    }
    let wallops = Message::new("WALLOPS", [message.params[0].as_str()]).with_source(ctx.mask());
    let line = wallops.to_bytes();
    for client in ctx.state.clients() {
        if client.registered && (client.wallops || client.id == ctx.id) {
            ctx.state.deliver(client, line.clone());
        }
    }
    Ok(())
}
