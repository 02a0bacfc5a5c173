//! MARKREAD <target> [timestamp=<time>]   (draft/read-marker)
//!
//! Without a time, asks how far the sender's nick has read in a channel
//! or a private conversation; with one, moves that marker forward (never
//! back). Either way the answer is `MARKREAD <target> timestamp=<time>`,
//! or `*` when there is none. Joining a channel sends its marker before
//! RPL_ENDOFNAMES. Errors are standard replies (`FAIL MARKREAD …`).

use ciao_proto::Message;
use ciao_proto::names::{check_nick, is_channel_name};

use super::{CommandResult, Ctx};
use crate::history::ReadMarker;

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(target) = message.param(0).filter(|t| !t.is_empty()) else {
        fail(ctx, &["NEED_MORE_PARAMS", "Missing target"]);
        return Ok(());
    };
    if !is_channel_name(target) && check_nick(target).is_err() {
        fail(ctx, &["INVALID_PARAMS", target, "Invalid target"]);
        return Ok(());
    }
    let nick = ctx.nick();
    if let Some(param) = message.param(1) {
        let Some(time) = param
            .strip_prefix("timestamp=")
            .and_then(crate::clock::parse_iso8601)
        else {
            fail(ctx, &["INVALID_PARAMS", target, "Invalid timestamp"]);
            return Ok(());
        };
        let Ok(changed) = ctx.state.read_markers.advance(&nick, target, time) else {
            fail(
                ctx,
                &["INTERNAL_ERROR", target, "No room for more read markers"],
            );
            return Ok(());
        };
        if changed {
            ctx.state.store_read_marker(ReadMarker {
                nick: ciao_proto::irc_lower(&nick),
                target: ciao_proto::irc_lower(target),
                time,
            });
        }
    }
    ctx.state.send_read_marker(ctx.id, target);
    Ok(())
}

fn fail(ctx: &Ctx<'_>, params: &[&str]) {
    ctx.state.fail(ctx.id, "MARKREAD", params);
}
