//! USER <username> <mode> <unused> :<realname>

use ciao_proto::Message;

use super::context::{CommandError, CommandResult, Ctx};
use super::limits::{REALNAME_LEN, USER_LEN};
use super::registration;

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(client) = ctx.unregistered()? else {
        return Ok(());
    };
    if message.params[0].is_empty() || message.params[3].is_empty() {
        return Err(CommandError::NeedMoreParams);
    }
    let mut user: String = message.params[0]
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(USER_LEN)
        .collect();
    if user.is_empty() {
        // Nothing usable (emoji, punctuation): a neutral placeholder.
        user = "user".to_owned();
    }
    client.user = format!("~{user}").chars().take(USER_LEN).collect();
    client.realname = crate::state::truncate(&message.params[3], REALNAME_LEN).to_owned();
    client.update_mask();
    registration::try_complete(ctx);
    Ok(())
}
