//! KILL <nick> [<reason>]   (operators only)
//!
//! Disconnects a client: it reads `ERROR :Closing link: Killed (oper
//! (reason))`, and those who share a channel with it see it quit with
//! `Killed (oper (reason))`.

use ciao_proto::{Message, Numeric};

use super::{CommandError, CommandResult, Ctx};
use crate::state::{TEXT_LEN, truncate};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    if !ctx.state.client(ctx.id).is_some_and(|c| c.oper) {
        return Err(CommandError::numeric(
            Numeric::NoPrivileges,
            ["Permission Denied- You're not an IRC operator"],
        ));
    }
    let nick = message.params[0].as_str();
    let Some(target) = ctx
        .state
        .find_nick(nick)
        .filter(|c| c.registered)
        .map(|c| c.id)
    else {
        return Err(CommandError::numeric(
            Numeric::NoSuchNick,
            [nick, "No such nick/channel"],
        ));
    };
    let reason = truncate(message.param(1).unwrap_or("Killed"), TEXT_LEN).to_owned();
    let killer = ctx.nick();
    let quit = format!("Killed ({killer} ({reason}))");
    tracing::info!(killer, victim = nick, reason, "kill");
    ctx.state
        .disconnect(target, &format!("Closing link: {quit}"), &quit);
    Ok(())
}
