//! WHOWAS <nick> [<count> [<server>]]
//!
//! Who used a nick before: the most recent first, `count` of them (all
//! when not positive), from a bounded memory of nicks that quit or were
//! changed.

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let nick = message.params[0].as_str();
    let count = message
        .param(1)
        .and_then(|c| c.parse::<i64>().ok())
        .filter(|c| *c > 0)
        .map_or(usize::MAX, |c| c as usize);
    let server = ctx.state.config().server_name.clone();
    let entries: Vec<_> = ctx
        .state
        .registry()
        .whowas()
        .find(nick)
        .take(count)
        .cloned()
        .collect();
    if entries.is_empty() {
        ctx.reply(Numeric::WasNoSuchNick, [nick, "There was no such nickname"]);
    }
    for entry in entries {
        ctx.reply(
            Numeric::WhowasUser,
            [&entry.nick, &entry.user, &entry.host, "*", &entry.realname],
        );
        ctx.reply(
            Numeric::WhoisServer,
            [
                entry.nick,
                server.clone(),
                crate::clock::iso8601(entry.left_at),
            ],
        );
    }
    ctx.reply(Numeric::EndOfWhowas, [nick, "End of WHOWAS"]);
    Ok(())
}
