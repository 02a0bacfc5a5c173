//! ISON <nick>{ <nick>} | USERHOST <nick>{ <nick>}

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};

pub(super) fn ison(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let online: Vec<String> = message
        .params
        .iter()
        .flat_map(|p| p.split_whitespace())
        .filter_map(|nick| ctx.state.find_nick(nick).filter(|c| c.registered()))
        .map(|c| c.nick().to_owned())
        .collect();
    ctx.reply(Numeric::IsOn, [online.join(" ")]);
    Ok(())
}

pub(super) fn userhost(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let replies: Vec<String> = message
        .params
        .iter()
        .flat_map(|p| p.split_whitespace())
        .take(5)
        .filter_map(|nick| ctx.state.find_nick(nick).filter(|c| c.registered()))
        .map(|c| {
            let oper = if c.oper { "*" } else { "" };
            let away = if c.away.is_some() { '-' } else { '+' };
            format!("{}{oper}={away}{}@{}", c.nick(), c.user, c.host)
        })
        .collect();
    ctx.reply(Numeric::UserHost, [replies.join(" ")]);
    Ok(())
}
