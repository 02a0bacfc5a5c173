//! SETNAME <realname>   (IRCv3 setname)
//!
//! Changes the sender's real name. The new name goes back to the sender
//! and to its neighbours that negotiated `setname` (and, with
//! extended-monitor, to those watching it); clients without the
//! capability only see it in WHO and WHOIS. An empty name or one over
//! `NAMELEN` is refused with `FAIL SETNAME INVALID_REALNAME`.

use ciao_proto::Message;

use super::context::{CommandResult, Ctx};
use super::limits::REALNAME_LEN;
use crate::caps::Cap;
use crate::state::fanout::Fanout;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let realname = message.params[0].as_str();
    if realname.is_empty() || realname.len() > REALNAME_LEN {
        ctx.state.fail(
            ctx.id,
            "SETNAME",
            &["INVALID_REALNAME", "Real name must be 1 to 100 bytes"],
        );
        return Ok(());
    }
    let Some(client) = ctx.state.client_mut(ctx.id) else {
        return Ok(());
    };
    client.realname = realname.into();
    let setname = Message::new("SETNAME", [realname]).with_source(client.mask().to_owned());
    let mut fanout = Fanout::new(setname, None);
    let told = ctx
        .state
        .fanout_neighbours(ctx.id, &mut fanout, true, Some(Cap::Setname));
    ctx.state
        .tell_watchers_change(ctx.id, &mut fanout, Cap::Setname, &told);
    Ok(())
}
