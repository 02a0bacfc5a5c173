//! REDACT <target> <msgid> [<reason>]   (draft/message-redaction)
//!
//! Takes a message back. Its author (the same `nick!user@host`), an
//! operator of its channel or an IRC operator may redact it, within the
//! last `recent::WINDOW` messages. The message is deleted from the
//! history first; then everyone in the conversation who negotiated the
//! capability is told, the redactor included. Clients without it hear
//! nothing: they cannot unsee a line, and a notice would only repeat it.
//! Errors are standard replies: `INVALID_TARGET` (no such channel, or not
//! in it), `UNKNOWN_MSGID` (not there, or too old), `REDACT_FORBIDDEN`.

use ciao_proto::names::{check_nick, looks_like_channel};
use ciao_proto::{CaseKey, Message, irc_eq};

use super::context::{CommandResult, Ctx};
use super::policy;
use crate::history;
use crate::state::client::ClientId;
use crate::state::effect::Effect;
use crate::state::fanout::Fanout;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let (target, msgid) = (message.params[0].as_str(), message.params[1].as_str());
    let reason = message.param(2).filter(|r| !r.is_empty());
    let Some(redactor) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    let (redactor_mask, oper) = (redactor.mask().to_owned(), redactor.oper);
    // Where: a channel the redactor is in, or a private conversation.
    let (conversation, channel, rank) = if looks_like_channel(target) {
        let Some(channel) = ctx
            .state
            .channel(target)
            .filter(|c| c.members().contains_key(&ctx.id))
        else {
            fail(
                ctx,
                &["INVALID_TARGET", target, "You are not in that channel"],
            );
            return Ok(());
        };
        (
            history::conversation(&channel.name, None),
            Some(CaseKey::new(target)),
            channel.rank(ctx.id),
        )
    } else {
        if check_nick(target).is_err() {
            fail(ctx, &["INVALID_TARGET", target, "No such nick"]);
            return Ok(());
        }
        // Keyed by the parties' accounts or nicks (`state::parties`).
        let Some(conversation) = ctx.state.private_conversation(ctx.id, target) else {
            return Ok(());
        };
        (conversation, None, None)
    };
    let Some(sent) = ctx.state.recent().get(&conversation, msgid) else {
        fail(
            ctx,
            &[
                "UNKNOWN_MSGID",
                target,
                msgid,
                "No such message, or too old",
            ],
        );
        return Ok(());
    };
    if !policy::may_redact(irc_eq(&sent.mask, &redactor_mask), rank, oper) {
        fail(
            ctx,
            &[
                "REDACT_FORBIDDEN",
                target,
                msgid,
                "You may not redact this message",
            ],
        );
        return Ok(());
    }
    // A private conversation's two connections as they were (a message
    // to oneself has one).
    let mut parties: Vec<ClientId> = sent.parties.into_iter().flatten().collect();
    parties.dedup();
    // Kept aside: a redaction the store could not make may be retried.
    let sent = sent.clone();
    ctx.state.recent_mut().forget(msgid);
    let mut params = vec![target.to_owned(), msgid.to_owned()];
    params.extend(reason.map(str::to_owned));
    let redact = Message::new("REDACT", params).with_source(redactor_mask);
    let effect = Effect::Redaction {
        channel,
        parties,
        fanout: Fanout::new(redact, None),
        redactor: ctx.id,
        target: target.to_owned(),
        msgid: msgid.to_owned(),
        sent,
    };
    ctx.state
        .publish_redaction(conversation, msgid.to_owned(), effect);
    Ok(())
}

fn fail(ctx: &mut Ctx<'_>, params: &[&str]) {
    ctx.state.fail(ctx.id, "REDACT", params);
}
