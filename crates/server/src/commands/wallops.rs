//! WALLOPS <text>   (operators only: the command table checks)
//!
//! A message to every user with user mode `+w`, and back to the sender.

use ciao_proto::Message;

use super::context::{CommandResult, Ctx};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let wallops = Message::new("WALLOPS", [message.params[0].as_str()]).with_source(ctx.mask());
    let line = wallops.to_bytes();
    for client in ctx.state.clients() {
        if client.registered() && (client.wallops || client.id == ctx.id) {
            ctx.state.deliver(client, line.clone());
        }
    }
    Ok(())
}
