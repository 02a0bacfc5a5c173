//! WALLOPS <text>   (operators only: the command table checks)
//!
//! A message to every user with user mode `+w`, and back to the sender.

use ciao_proto::Message;

use super::context::{CommandResult, Ctx};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let wallops = Message::new("WALLOPS", [message.params[0].as_str()]).with_source(ctx.mask());
    let line = wallops.to_bytes();
    let sender = ctx.id;
    ctx.state.deliver_to_all(|client| {
        (client.registered() && (client.wallops || client.id == sender)).then(|| line.clone())
    });
    Ok(())
}
