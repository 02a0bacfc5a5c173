//! REGISTER <account> <email> <password>
//! VERIFY <account> <code>
//!
//! IRCv3 `draft/account-registration`, before or after connecting. The
//! account is named after the nick (`*` or the nick itself), and owns it
//! from then on; there is no e-mail, so no verification either. The
//! password is hashed off the runtime, and the client logged in to the
//! new account.

use ciao_proto::{CaseKey, Message};

use super::context::{CommandResult, Ctx};
use crate::credentials::{password, scram};
use crate::state::State;
use crate::state::client::ClientId;

/// Longest password accepted: what a 512-byte `REGISTER` line leaves
/// room for, and a bound on what is kept while it is hashed.
pub(crate) const MAX_PASSWORD_LEN: usize = 400;

pub(super) fn register(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let (account, password) = (message.params[0].as_str(), message.params[2].as_str());
    let id = ctx.id;
    match refusal(ctx.state, id, account, password) {
        Err((code, context, why)) => ctx.state.fail(id, "REGISTER", &[code, &context, &why]),
        Ok(name) => create(
            ctx.state,
            id,
            name,
            password.to_owned(),
            move |state, name, outcome| match outcome {
                Ok(()) => {
                    let text = format!("Account {name} registered: you are logged in to it");
                    let reply = state.server_message("REGISTER", ["SUCCESS", name, text.as_str()]);
                    state.send(id, &reply);
                }
                Err((code, why)) => state.fail(id, "REGISTER", &[code, name, &why]),
            },
        ),
    }
    Ok(())
}

pub(super) fn verify(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let account = message.params[0].as_str();
    ctx.state.fail(
        ctx.id,
        "VERIFY",
        &[
            "INVALID_CODE",
            account,
            "Nothing to verify: accounts here need no verification",
        ],
    );
    Ok(())
}

/// The refusal's code, context and text.
type Refusal = (&'static str, String, String);

/// The account name `id` may register (its nick), or why not.
pub(super) fn refusal(
    state: &State,
    id: ClientId,
    account: &str,
    password: &str,
) -> Result<String, Refusal> {
    let Some(client) = state.client(id) else {
        return Err((
            "TEMPORARILY_UNAVAILABLE",
            account.to_owned(),
            "Gone".to_owned(),
        ));
    };
    // No standard code says "not over this connection": the text does.
    if let Some(why) = super::secrets::plaintext_refusal(state, id) {
        return Err(("UNACCEPTABLE_PASSWORD", account.to_owned(), why.to_owned()));
    }
    if !client.registered() && !state.config().register_before_connect {
        return Err((
            "COMPLETE_CONNECTION_REQUIRED",
            account.to_owned(),
            "Finish connecting first: REGISTER works once you are welcomed".to_owned(),
        ));
    }
    let nick = client.nick().to_owned();
    if nick == "*" {
        return Err((
            "NEED_NICK",
            "*".to_owned(),
            "Choose a nick first: the account is named after it".to_owned(),
        ));
    }
    if client.account().is_some() {
        return Err((
            "ALREADY_AUTHENTICATED",
            account.to_owned(),
            "You are already logged in".to_owned(),
        ));
    }
    let name = if account == "*" {
        nick.clone()
    } else {
        account.to_owned()
    };
    if CaseKey::new(&name) != CaseKey::new(&nick) {
        return Err((
            "ACCOUNT_NAME_MUST_BE_NICK",
            name,
            format!(
                "The account must be named after your nick ({nick}): use * or change nick first"
            ),
        ));
    }
    if state.account(&name).is_some() {
        return Err((
            "ACCOUNT_EXISTS",
            name,
            "That account exists already: log in to it instead".to_owned(),
        ));
    }
    let shortest = state.config().min_password_len;
    if password.chars().count() < shortest {
        return Err((
            "WEAK_PASSWORD",
            name,
            format!("A password needs at least {shortest} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err((
            "UNACCEPTABLE_PASSWORD",
            name,
            format!("A password may have at most {MAX_PASSWORD_LEN} bytes"),
        ));
    }
    if let Some(wait) = state.registration_wait(id) {
        return Err((
            "TEMPORARILY_UNAVAILABLE",
            name,
            format!(
                "Too many accounts were registered from here lately; try again in {} minutes",
                wait.as_secs().div_ceil(60).max(1)
            ),
        ));
    }
    Ok(name)
}

/// Hashes `password` off the runtime, then creates `name` and logs `id`
/// in to it; `then` says how it went (the name, and a failure's code and
/// text), before the client's next line is read.
pub(super) fn create(
    state: &mut State,
    id: ClientId,
    name: String,
    password: String,
    then: impl FnOnce(&mut State, &str, Result<(), (&'static str, String)>) + Send + 'static,
) {
    state.check_later(
        id,
        Box::new(move || {
            let hash = password::hash(&password);
            let keys = scram::Keys::derive(&password);
            Box::new(move |state: &mut State| {
                if state.client(id).is_none() {
                    return;
                }
                if !state.create_account(&name, hash, keys) {
                    let why = "That account exists already: log in to it instead".to_owned();
                    then(state, &name, Err(("ACCOUNT_EXISTS", why)));
                    return;
                }
                tracing::info!(id, account = %name, "account registered");
                state.registered_account(id);
                state.log_in(id, &name);
                then(state, &name, Ok(()));
            })
        }),
    );
}
