//! NICK <nickname>

use ciao_proto::names::check_nick;
use ciao_proto::{CaseKey, Message, Numeric};

use super::{CommandError, CommandResult, Ctx, registration};
use crate::fanout::Fanout;

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(wanted) = message.param(0).filter(|n| !n.is_empty()) else {
        return Err(CommandError::numeric(
            Numeric::NoNicknameGiven,
            ["No nickname given"],
        ));
    };
    let wanted = wanted.to_owned();
    change_nick(ctx, &wanted)?;
    registration::try_complete(ctx);
    Ok(())
}

/// Validates, claims and announces a nick change.
pub fn change_nick(ctx: &mut Ctx<'_>, wanted: &str) -> CommandResult {
    if check_nick(wanted).is_err() {
        return Err(CommandError::numeric(
            Numeric::ErroneusNickname,
            [wanted, "Erroneous nickname"],
        ));
    }
    let key = CaseKey::new(wanted);
    match ctx.state.nicks.get(&key) {
        Some(owner) if *owner != ctx.id => {
            return Err(CommandError::numeric(
                Numeric::NicknameInUse,
                [wanted, "Nickname is already in use"],
            ));
        }
        _ => {}
    }
    let Some(client) = ctx.state.clients.get(&ctx.id) else {
        return Ok(());
    };
    if client.nick == wanted {
        return Ok(());
    }
    let (old_nick, old_mask, registered) =
        (client.nick.clone(), client.mask.clone(), client.registered);
    if registered {
        ctx.state.whowas.record(client);
    }
    let old_key = CaseKey::new(&old_nick);
    if ctx.state.nicks.get(&old_key) == Some(&ctx.id) {
        ctx.state.nicks.remove(&old_key);
    }
    ctx.state.nicks.insert(key, ctx.id);
    if let Some(client) = ctx.state.clients.get_mut(&ctx.id) {
        client.set_nick(wanted);
    }
    if registered {
        let nick = Message::new("NICK", [wanted]).with_source(old_mask);
        let mut fanout = Fanout::new(
            nick.clone(),
            Some(ctx.state.config.lang.renamed(&old_nick, wanted)),
        );
        ctx.state.fanout_neighbours(ctx.id, &mut fanout, true, None);
        let channels = ctx
            .state
            .client(ctx.id)
            .map(|c| c.channels.clone())
            .unwrap_or_default();
        ctx.state
            .record_presence(ctx.id, channels.iter().map(CaseKey::as_str), &nick);
        // MONITOR: a change of case only is no news.
        if CaseKey::new(&old_nick) != CaseKey::new(wanted) {
            ctx.state.tell_watchers_offline(&old_nick);
            ctx.state.tell_watchers_online(ctx.id);
        }
    }
    Ok(())
}
