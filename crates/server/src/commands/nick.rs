//! NICK <nickname>

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::registration;
use crate::state::fanout::Fanout;
use crate::state::nicks::NickRefusal;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
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

/// The reply to a nick that cannot be taken: 432 with the reason, or 433
/// saying whether it is taken or only too similar to a nick in use.
fn refused(wanted: &str, refusal: NickRefusal) -> CommandError {
    match refusal {
        NickRefusal::Invalid(why) => CommandError::numeric(
            Numeric::ErroneusNickname,
            [wanted.to_owned(), format!("Erroneous nickname: {why}")],
        ),
        NickRefusal::InUse => CommandError::numeric(
            Numeric::NicknameInUse,
            [wanted, "Nickname is already in use"],
        ),
        NickRefusal::TooSimilar => CommandError::numeric(
            Numeric::NicknameInUse,
            [wanted, "Nickname is too similar to one in use"],
        ),
    }
}

/// Validates, claims and announces a nick change.
pub(super) fn change_nick(ctx: &mut Ctx<'_>, wanted: &str) -> CommandResult {
    let Some(client) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    // Before registration the nick is the placeholder `*`, which is no
    // nick at all: `NICK *` must still be refused as erroneous.
    if client.registered() && client.nick() == wanted {
        return Ok(());
    }
    let (old_nick, old_mask, registered) = (
        client.nick().to_owned(),
        client.mask().to_owned(),
        client.registered(),
    );
    // A registered nick is its account's (before registration this is
    // checked when it completes: SASL may come after NICK).
    if registered && registration::nick_reserved_from(ctx.state, ctx.id, wanted) {
        return Err(CommandError::numeric(
            Numeric::NicknameInUse,
            [wanted, "Nickname is reserved by a different account"],
        ));
    }
    if let Err(refusal) = ctx.state.claim_nick(ctx.id, wanted) {
        return Err(refused(wanted, refusal));
    }
    if registered {
        let nick = Message::new("NICK", [wanted]).with_source(old_mask);
        let mut fanout = Fanout::new(
            nick.clone(),
            Some(ctx.state.config().lang.renamed(&old_nick, wanted)),
        );
        ctx.state.fanout_neighbours(ctx.id, &mut fanout, true, None);
        let channels = ctx
            .state
            .client(ctx.id)
            .map(|c| c.channels().to_owned())
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
