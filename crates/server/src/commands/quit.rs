//! QUIT [<reason>]

use ciao_proto::Message;

use super::context::{CommandResult, Ctx};
use crate::state::{TEXT_LEN, truncate};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let reason = match message.param(0) {
        Some(text) if !text.is_empty() => format!("Quit: {}", truncate(text, TEXT_LEN)),
        _ => "Client Quit".to_owned(),
    };
    let error = format!("Closing link: {reason}");
    ctx.state.disconnect(ctx.id, &error, &reason);
    Ok(())
}
