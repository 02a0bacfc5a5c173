//! LIST [<channel>{,<channel>}]

use ciao_proto::{CaseKey, Message, Numeric};

use super::{CommandResult, Ctx};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let wanted: Option<Vec<CaseKey>> = message
        .param(0)
        .filter(|p| !p.is_empty())
        .map(|p| p.split(',').map(CaseKey::new).collect());
    ctx.reply(Numeric::ListStart, ["Channel", "Users  Name"]);
    let mut rows: Vec<(String, usize, String)> = ctx
        .state
        .channels
        .iter()
        .filter(|(key, _)| wanted.as_ref().is_none_or(|w| w.contains(key)))
        .filter(|(_, ch)| !ch.modes.secret || ch.members.contains_key(&ctx.id))
        .map(|(_, ch)| {
            let topic = ch
                .topic
                .as_ref()
                .map(|t| t.text.clone())
                .unwrap_or_default();
            (ch.name.clone(), ch.members.len(), topic)
        })
        .collect();
    rows.sort();
    for (name, users, topic) in rows {
        ctx.reply(Numeric::List, [name, users.to_string(), topic]);
    }
    ctx.reply(Numeric::ListEnd, ["End of /LIST"]);
    Ok(())
}
