//! MARKREAD <target> [timestamp=<time>]   (draft/read-marker)
//!
//! Without a time, asks how far the sender has read in a channel or a
//! private conversation; with one, moves that marker forward (never
//! back, and never past now). Only members set a channel's marker. A
//! logged-in sender's markers are its account's, stored and read from
//! any of its connections; an anonymous sender's channel markers are its
//! nick's, and its private markers its session's only: set and read in
//! this connection's hold of its nick, never stored (see
//! `state::parties`, `state::sessions`). Either way the answer is
//! `MARKREAD <target> timestamp=<time>`, or `*` when there is none.
//! Joining a channel sends its marker before RPL_ENDOFNAMES. Errors are
//! standard replies (`FAIL MARKREAD …`).

use ciao_proto::Message;
use ciao_proto::names::{check_nick, is_channel_name};

use super::context::{CommandResult, Ctx};
use crate::history::ReadMarker;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(target) = message.param(0).filter(|t| !t.is_empty()) else {
        fail(ctx, &["NEED_MORE_PARAMS", "Missing target"]);
        return Ok(());
    };
    if !is_channel_name(target) && check_nick(target).is_err() {
        fail(ctx, &["INVALID_PARAMS", target, "Invalid target"]);
        return Ok(());
    }
    if let Some(param) = message.param(1) {
        let Some(time) = param
            .strip_prefix("timestamp=")
            .and_then(crate::clock::parse_iso8601)
        else {
            fail(ctx, &["INVALID_PARAMS", target, "Invalid timestamp"]);
            return Ok(());
        };
        if is_channel_name(target)
            && !ctx
                .state
                .channel(target)
                .is_some_and(|c| c.members().contains_key(&ctx.id))
        {
            fail(
                ctx,
                &["INVALID_PARAMS", target, "You are not in that channel"],
            );
            return Ok(());
        }
        // Nobody has read what was not said yet.
        let time = time.min(crate::clock::now_millis());
        let Some(key) = ctx.state.marker_key(ctx.id, target) else {
            return Ok(());
        };
        let advanced =
            ctx.state
                .read_markers_mut()
                .advance(&key.owner, &key.target, time, key.session);
        if advanced.changed {
            // A session's marker is never stored.
            let marker = key.session.is_none().then(|| ReadMarker {
                nick: ciao_proto::irc_lower(&key.owner),
                target: key.target,
                time,
            });
            ctx.state.store_read_marker(marker, advanced.forgotten);
        }
    }
    ctx.state.send_read_marker(ctx.id, target);
    Ok(())
}

fn fail(ctx: &mut Ctx<'_>, params: &[&str]) {
    ctx.state.fail(ctx.id, "MARKREAD", params);
}
