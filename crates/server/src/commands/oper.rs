//! OPER <name> <password>

use ciao_proto::{Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::secrets::plaintext_refusal;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    // Before the credentials are looked at: a password that should not
    // have been sent in clear is not checked either.
    if let Some(why) = plaintext_refusal(ctx.state, ctx.id) {
        return Err(CommandError::numeric(Numeric::NoOperHost, [why]));
    }
    let (name, password) = (&message.params[0], &message.params[1]);
    let opers = &ctx.state.config().opers;
    if opers.is_empty() {
        return Err(CommandError::numeric(
            Numeric::NoOperHost,
            ["No O-lines for your host"],
        ));
    }
    let valid = opers
        .iter()
        .any(|o| &o.name == name && &o.password == password);
    if !valid {
        return Err(CommandError::numeric(
            Numeric::PasswdMismatch,
            ["Password incorrect"],
        ));
    }
    let nick = ctx.nick();
    if let Some(client) = ctx.state.client_mut(ctx.id) {
        client.oper = true;
    }
    tracing::info!(id = ctx.id, %nick, oper = %name, "became an operator");
    ctx.reply(Numeric::YoureOper, ["You are now an IRC operator"]);
    let mode = ctx.state.server_message("MODE", [nick.as_str(), "+o"]);
    ctx.state.send(ctx.id, &mode);
    Ok(())
}
