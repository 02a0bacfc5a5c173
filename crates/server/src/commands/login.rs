//! Logging in with a password, whichever command carries it (SASL PLAIN,
//! `PASS account:password`, `NickServ IDENTIFY`): `plaintext-passwords`
//! and the throttles first, then the argon2 verification off the
//! runtime, then the login.

use crate::credentials::password;
use crate::state::State;
use crate::state::client::ClientId;

/// What a wrong account or password is told (the same for both: which
/// one was wrong is no business of a guesser's).
pub(super) const INVALID: &str = "invalid account or password";

/// How a password login ended.
#[derive(Debug)]
pub(super) enum Outcome {
    LoggedIn,
    Refused(String),
}

/// Why `id` may not try to log in to `account` now, if it failed too
/// often lately.
pub(super) fn refusal(state: &State, id: ClientId, account: &str) -> Option<String> {
    let wait = state.login_wait(id, account)?;
    Some(format!(
        "too many failed logins; try again in {} seconds",
        wait.as_secs().max(1)
    ))
}

/// Checks `password` for `account` off the runtime, logs `id` in if it is
/// right, and tells `then` how it went (under the hub lock, before the
/// client's next line is read). A throttled or unknown account is refused
/// at once.
pub(super) fn verify_password(
    state: &mut State,
    id: ClientId,
    account: &str,
    password: String,
    then: impl FnOnce(&mut State, Outcome) + Send + 'static,
) {
    let name = state.account(account).map(|record| record.name.clone());
    check_password(state, id, account, password, move |state, checked| {
        let logged_in = checked.is_ok() && name.is_some_and(|name| state.log_in(id, &name));
        match checked {
            Ok(_) if logged_in => then(state, Outcome::LoggedIn),
            // The account went while its password was checked.
            Ok(_) => then(state, Outcome::Refused(INVALID.to_owned())),
            Err(why) => then(state, Outcome::Refused(why)),
        }
    });
}

/// Checks `password` for `account` off the runtime without logging in
/// (GHOST, DROP, PASSWD; and every login), after `plaintext-passwords`
/// and the throttles; a wrong one counts as a failed login. `then` gets
/// the hash it was checked against (to tell whether the account is still
/// the one checked when the verdict comes) or why it failed.
pub(super) fn check_password(
    state: &mut State,
    id: ClientId,
    account: &str,
    password: String,
    then: impl FnOnce(&mut State, Result<String, String>) + Send + 'static,
) {
    if let Some(why) = super::secrets::plaintext_refusal(state, id) {
        then(state, Err(why.to_owned()));
        return;
    }
    if let Some(why) = refusal(state, id, account) {
        then(state, Err(why));
        return;
    }
    let Some(record) = state.account(account) else {
        state.login_failed(id, account);
        then(state, Err(INVALID.to_owned()));
        return;
    };
    let (hash, account) = (record.password.clone(), record.name.clone());
    state.check_later(
        id,
        Box::new(move || {
            let right = password::verify(&hash, &password);
            Box::new(move |state: &mut State| {
                if state.client(id).is_none() {
                    return;
                }
                if right {
                    then(state, Ok(hash));
                } else {
                    state.login_failed(id, &account);
                    then(state, Err(INVALID.to_owned()));
                }
            })
        }),
    );
}

/// Checks `given` against a configured secret (`--password`, `--oper`):
/// in clear it is compared at once; a hash (`ciao-server hash-password`)
/// is verified off the runtime, and the client's next line waits for
/// it. `verdict` gets whether it was right.
pub(super) fn check_secret(
    state: &mut State,
    id: ClientId,
    secret: String,
    given: String,
    verdict: impl FnOnce(&mut State, bool) + Send + 'static,
) {
    if !password::is_hash(&secret) {
        verdict(state, password::matches(&secret, &given));
        return;
    }
    state.check_later(
        id,
        Box::new(move || {
            let right = password::matches(&secret, &given);
            Box::new(move |state: &mut State| verdict(state, right))
        }),
    );
}
