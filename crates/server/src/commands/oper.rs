//! OPER <name> <password>
//!
//! The configured password may be an argon2id hash (`ciao-server
//! hash-password`), verified off the runtime.

use ciao_proto::{Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::login;
use super::secrets::plaintext_refusal;
use crate::state::State;
use crate::state::client::ClientId;

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
    // Names are unique enough: the first credential of that name decides.
    let Some(secret) = opers
        .iter()
        .find(|o| &o.name == name)
        .map(|o| o.password.clone())
    else {
        return Err(mismatch());
    };
    let (id, name, given) = (ctx.id, name.clone(), password.clone());
    login::check_secret(ctx.state, id, secret, given, move |state, right| {
        become_oper(state, id, &name, right)
    });
    Ok(())
}

fn mismatch() -> CommandError {
    CommandError::numeric(Numeric::PasswdMismatch, ["Password incorrect"])
}

/// 381 and `+o` if the password was right, else 464.
fn become_oper(state: &mut State, id: ClientId, name: &str, right: bool) {
    if !right {
        state.reply(id, Numeric::PasswdMismatch, ["Password incorrect"]);
        return;
    }
    let Some(client) = state.client_mut(id) else {
        return;
    };
    client.oper = true;
    let nick = client.nick().to_owned();
    tracing::info!(id, %nick, oper = %name, "became an operator");
    state.reply(id, Numeric::YoureOper, ["You are now an IRC operator"]);
    let mode = state.server_message("MODE", [nick.as_str(), "+o"]);
    state.send(id, &mode);
}
