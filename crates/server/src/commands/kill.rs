//! KILL <nick> [<reason>]   (operators only: the command table checks)
//!
//! Disconnects a client: it reads `ERROR :Closing link: Killed (oper
//! (reason))`, and those who share a channel with it see it quit with
//! `Killed (oper (reason))`.

use ciao_proto::Message;

use super::context::{CommandResult, Ctx};
use crate::state::{TEXT_LEN, truncate};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let nick = message.params[0].as_str();
    let target = ctx.nick_target(nick)?.id;
    let reason = truncate(message.param(1).unwrap_or("Killed"), TEXT_LEN).to_owned();
    let killer = ctx.nick();
    let quit = format!("Killed ({killer} ({reason}))");
    tracing::info!(killer, victim = nick, reason, "kill");
    ctx.state
        .disconnect(target, &format!("Closing link: {quit}"), &quit);
    Ok(())
}
