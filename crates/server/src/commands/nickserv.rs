//! NickServ, for clients that know no other way to an account (`/msg
//! NickServ IDENTIFY …` in irssi or weechat): `PRIVMSG NickServ
//! :<command>`, or `NICKSERV <command>` / `NS <command>` (which work
//! before registration too, like `REGISTER` and SASL).
//!
//! REGISTER <password> [<email>]      the account named after your nick
//! IDENTIFY [<account>] <password>    log in (the account: your nick)
//! GHOST <nick> [<password>]          disconnect a connection holding a
//!                                    nick of your account
//! DROP <password>                    drop the account you are logged in to
//! PASSWD <old> <new>                 change its password
//! CERT ADD [<fingerprint>] | DEL <fingerprint> | LIST
//!                                    its TLS client certificates (EXTERNAL)
//! HELP
//!
//! The rules are those of the other ways in: REGISTER's (`register.rs`,
//! with its throttle), the login throttles (`login.rs`). Every password
//! is checked or hashed off the runtime (`state::checks`), before the
//! client's next line is read. Every answer and refusal is a NOTICE from
//! NickServ that says why. A password is the rest of the line where it
//! is last (IDENTIFY with an account, GHOST, DROP), so it may hold
//! spaces there.

use super::context::Ctx;
use super::login::{self, Outcome};
use super::register::{self, MAX_PASSWORD_LEN};
use super::services;
use crate::credentials::{password, scram};
use crate::state::State;
use crate::state::accounts::{CertRefusal, MAX_CERTS};
use crate::state::client::ClientId;
use crate::state::services::NICKSERV;

/// What a refusal says.
type Refused = String;

/// Runs one NickServ command sent as text.
pub(super) fn command(ctx: &mut Ctx<'_>, text: &str) {
    let text = text.trim();
    let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim_start();
    let verb = verb.to_ascii_uppercase();
    let words: Vec<&str> = rest.split_whitespace().collect();
    let result = match (verb.as_str(), words.as_slice()) {
        ("REGISTER", [password] | [password, _]) => register(ctx, password),
        ("REGISTER", _) => Err("Syntax: REGISTER <password> [<email>]".to_owned()),
        ("IDENTIFY" | "ID" | "LOGIN", [password]) => identify(ctx, None, password),
        ("IDENTIFY" | "ID" | "LOGIN", [account, ..]) => {
            identify(ctx, Some(account), after_word(rest))
        }
        ("IDENTIFY" | "ID" | "LOGIN", []) => {
            Err("Syntax: IDENTIFY [<account>] <password>".to_owned())
        }
        ("GHOST", [nick]) => ghost(ctx, nick, None),
        ("GHOST", [nick, ..]) => ghost(ctx, nick, Some(after_word(rest))),
        ("GHOST", []) => Err("Syntax: GHOST <nick> [<password>]".to_owned()),
        ("DROP", []) => Err(
            "Syntax: DROP <password>: give your password to confirm dropping your account"
                .to_owned(),
        ),
        ("DROP", _) => drop_account(ctx, rest),
        ("PASSWD" | "SETPASS", [old, new]) => passwd(ctx, old, new),
        ("PASSWD" | "SETPASS", _) => Err("Syntax: PASSWD <old password> <new password>".to_owned()),
        ("CERT", [sub, args @ ..]) => cert(ctx, &sub.to_ascii_uppercase(), args),
        ("CERT", []) => Err(CERT_SYNTAX.to_owned()),
        ("HELP" | "", _) => {
            help(ctx.state, ctx.id);
            Ok(())
        }
        _ => Err(format!("Unknown command {verb}. Send HELP for the list.")),
    };
    if let Err(refused) = result {
        tell(ctx.state, ctx.id, &refused);
    }
}

const CERT_SYNTAX: &str = "Syntax: CERT ADD [<fingerprint>] | CERT DEL <fingerprint> | CERT LIST";

/// `text` after its first word (and the spaces after it).
fn after_word(text: &str) -> &str {
    text.split_once(' ')
        .map_or("", |(_, rest)| rest.trim_start())
}

/// A NOTICE from NickServ to `id`.
fn tell(state: &mut State, id: ClientId, text: &str) {
    services::tell(state, id, NICKSERV, text);
}

fn help(state: &mut State, id: ClientId) {
    for line in [
        "NickServ keeps accounts: an account is named after the nick it was registered with, and owns that nick.",
        "REGISTER <password> [<email>]: register your nick as an account (no e-mail is sent)",
        "IDENTIFY [<account>] <password>: log in (the account is your nick unless given)",
        "GHOST <nick> [<password>]: disconnect another connection holding a nick of your account (logged in, or with its password)",
        "DROP <password>: drop the account you are logged in to",
        "PASSWD <old password> <new password>: change your password",
        "CERT ADD [<fingerprint>] | CERT DEL <fingerprint> | CERT LIST: the TLS client certificates that log you in with SASL EXTERNAL (ADD alone adds this connection's)",
    ] {
        tell(state, id, line);
    }
}

/// The account the sender is logged in to, or why it cannot `what`.
fn logged_in(ctx: &Ctx<'_>, what: &str) -> Result<String, Refused> {
    ctx.sender()
        .and_then(|client| client.account())
        .map(str::to_owned)
        .ok_or_else(|| format!("You must be logged in to {what}: IDENTIFY first."))
}

fn register(ctx: &mut Ctx<'_>, password: &str) -> Result<(), Refused> {
    let id = ctx.id;
    let name = register::refusal(ctx.state, id, "*", password).map_err(|(_, _, why)| why)?;
    register::create(
        ctx.state,
        id,
        name,
        password.to_owned(),
        move |state, name, outcome| {
            let text = match outcome {
                Ok(()) => format!("Account {name} registered: you are logged in to it."),
                Err((_, why)) => format!("Could not register {name}: {why}"),
            };
            tell(state, id, &text);
        },
    );
    Ok(())
}

fn identify(ctx: &mut Ctx<'_>, account: Option<&str>, password: &str) -> Result<(), Refused> {
    let Some(client) = ctx.sender() else {
        return Ok(());
    };
    if let Some(current) = client.account() {
        return Err(format!("You are already logged in as {current}."));
    }
    let account = match account {
        Some(account) => account.to_owned(),
        None if client.nick() == "*" => {
            return Err(
                "Choose a nick first, or name the account: IDENTIFY <account> <password>"
                    .to_owned(),
            );
        }
        None => client.nick().to_owned(),
    };
    let id = ctx.id;
    let name = account.clone();
    login::verify_password(
        ctx.state,
        id,
        &account,
        password.to_owned(),
        move |state, outcome| {
            let text = match outcome {
                Outcome::LoggedIn => format!("You are now logged in as {name}."),
                Outcome::Refused(why) => format!("Login to {name} failed: {why}"),
            };
            tell(state, id, &text);
        },
    );
    Ok(())
}

/// True while `account` still has the password hash `hash`.
fn unchanged(state: &State, account: &str, hash: &str) -> bool {
    state
        .account(account)
        .is_some_and(|record| record.password == hash)
}

fn ghost(ctx: &mut Ctx<'_>, nick: &str, password: Option<&str>) -> Result<(), Refused> {
    let Some(target) = ctx.state.find_nick(nick) else {
        return Err(format!("Nobody is using the nick {nick}."));
    };
    if target.id == ctx.id {
        return Err("That is you: GHOST disconnects your other connections.".to_owned());
    }
    let (target_id, target_nick) = (target.id, target.nick().to_owned());
    // The accounts the connection is of: the one it is logged in to and
    // the one owning its nick.
    let owners: Vec<String> = target
        .account()
        .map(str::to_owned)
        .into_iter()
        .chain(ctx.state.account(nick).map(|record| record.name.clone()))
        .collect();
    let Some(owner) = owners.last().cloned() else {
        return Err(format!("{target_nick} is not a nick of any account."));
    };
    let ghoster = ctx.nick();
    let mine = ctx
        .sender()
        .and_then(|client| client.account())
        .is_some_and(|account| {
            owners
                .iter()
                .any(|owner| ciao_proto::irc_eq(owner, account))
        });
    let id = ctx.id;
    if mine {
        kill_ghost(ctx.state, id, target_id, &target_nick, &ghoster);
        return Ok(());
    }
    let Some(password) = password else {
        return Err(format!(
            "{target_nick} is a nick of the account {owner}: you must be logged in to it, or give its password (GHOST {target_nick} <password>)."
        ));
    };
    login::check_password(
        ctx.state,
        id,
        &owner,
        password.to_owned(),
        move |state, checked| match checked {
            Ok(_) => kill_ghost(state, id, target_id, &target_nick, &ghoster),
            Err(why) => tell(state, id, &format!("Cannot ghost {target_nick}: {why}")),
        },
    );
    Ok(())
}

/// Disconnects `target` (if it still holds `nick`), telling `id`.
fn kill_ghost(state: &mut State, id: ClientId, target: ClientId, nick: &str, ghoster: &str) {
    let holds = state
        .client(target)
        .is_some_and(|client| ciao_proto::irc_eq(client.nick(), nick));
    if !holds {
        tell(state, id, &format!("{nick} is gone already."));
        return;
    }
    let quit = format!(
        "Killed ({} (GHOST command used by {ghoster}))",
        NICKSERV.nick
    );
    tracing::info!(id, ghost = target, nick, "ghosted");
    state.disconnect(target, &format!("Closing link: {quit}"), &quit);
    tell(state, id, &format!("{nick} has been ghosted."));
}

fn drop_account(ctx: &mut Ctx<'_>, password: &str) -> Result<(), Refused> {
    let account = logged_in(ctx, "drop your account")?;
    let id = ctx.id;
    let name = account.clone();
    login::check_password(
        ctx.state,
        id,
        &account,
        password.to_owned(),
        move |state, checked| {
            let text = match checked {
                Ok(hash) if unchanged(state, &name, &hash) => {
                    tracing::info!(id, account = %name, "account dropped");
                    state.drop_account(&name);
                    format!("Account {name} dropped: its nick is free for anyone now.")
                }
                Ok(_) => format!("Account {name} changed meanwhile: nothing dropped."),
                Err(why) => format!("Account {name} not dropped: {why}"),
            };
            tell(state, id, &text);
        },
    );
    Ok(())
}

fn passwd(ctx: &mut Ctx<'_>, old: &str, new: &str) -> Result<(), Refused> {
    let account = logged_in(ctx, "change your password")?;
    let shortest = ctx.state.config().min_password_len;
    if new.chars().count() < shortest {
        return Err(format!("A password needs at least {shortest} characters."));
    }
    if new.len() > MAX_PASSWORD_LEN {
        return Err(format!(
            "A password may have at most {MAX_PASSWORD_LEN} bytes."
        ));
    }
    let id = ctx.id;
    let new = new.to_owned();
    let name = account.clone();
    login::check_password(
        ctx.state,
        id,
        &account,
        old.to_owned(),
        move |state, checked| match checked {
            Ok(hash) => {
                // The new hash and SCRAM keys are slow too: a second check,
                // still before the client's next line.
                state.check_later(
                    id,
                    Box::new(move || {
                        let (new_hash, keys) = (password::hash(&new), scram::Keys::derive(&new));
                        Box::new(move |state: &mut State| {
                            let text = if unchanged(state, &name, &hash) {
                                state.set_account_password(&name, new_hash, keys);
                                format!("Password of {name} changed.")
                            } else {
                                format!("Account {name} changed meanwhile: password not changed.")
                            };
                            tell(state, id, &text);
                        })
                    }),
                );
            }
            Err(why) => tell(state, id, &format!("Password not changed: {why}")),
        },
    );
    Ok(())
}

fn cert(ctx: &mut Ctx<'_>, sub: &str, args: &[&str]) -> Result<(), Refused> {
    let account = logged_in(ctx, "manage certificates")?;
    let id = ctx.id;
    match (sub, args) {
        ("ADD", [] | [_]) => {
            let fingerprint = match args.first() {
                Some(given) => fingerprint(given)?,
                None => ctx
                    .sender()
                    .and_then(|client| client.cert_fingerprint.as_deref().map(str::to_owned))
                    .ok_or_else(|| {
                        "This connection has no TLS client certificate: connect with one, or give its SHA-256 fingerprint (CERT ADD <fingerprint>).".to_owned()
                    })?,
            };
            let known = ctx
                .state
                .account(&account)
                .is_some_and(|record| record.certs.contains(&fingerprint));
            if known {
                return Err(format!(
                    "{account} has the certificate {fingerprint} already."
                ));
            }
            match ctx.state.add_account_cert(&account, &fingerprint) {
                Ok(()) => tell(
                    ctx.state,
                    id,
                    &format!(
                        "Certificate {fingerprint} added to {account}: SASL EXTERNAL logs you in with it."
                    ),
                ),
                Err(CertRefusal::Taken) => {
                    return Err(format!(
                        "The certificate {fingerprint} belongs to another account."
                    ));
                }
                Err(CertRefusal::TooMany) => {
                    return Err(format!(
                        "An account may have at most {MAX_CERTS} certificates: remove one with CERT DEL first."
                    ));
                }
            }
        }
        ("DEL" | "DELETE", [given]) => {
            let fingerprint = fingerprint(given)?;
            if !ctx.state.remove_account_cert(&account, &fingerprint) {
                return Err(format!("{account} has no certificate {fingerprint}."));
            }
            tell(
                ctx.state,
                id,
                &format!("Certificate {fingerprint} removed from {account}."),
            );
        }
        ("LIST", []) => {
            let certs = ctx
                .state
                .account(&account)
                .map(|record| record.certs.clone())
                .unwrap_or_default();
            if certs.is_empty() {
                tell(ctx.state, id, &format!("{account} has no certificates."));
            } else {
                tell(
                    ctx.state,
                    id,
                    &format!("Certificates of {account} ({}):", certs.len()),
                );
                for cert in certs {
                    tell(ctx.state, id, &cert);
                }
            }
        }
        _ => return Err(CERT_SYNTAX.to_owned()),
    }
    Ok(())
}

/// A SHA-256 fingerprint as the accounts keep it (lowercase hex, no
/// colons: `Client::cert_fingerprint`'s form), from what a user pastes
/// (any case, colons or not).
fn fingerprint(given: &str) -> Result<String, Refused> {
    let hex: String = given
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(format!(
            "{given} is no fingerprint: give the certificate's SHA-256 in hex (64 digits, colons allowed)."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{after_word, fingerprint};

    #[test]
    fn fingerprints_are_normalised_and_checked() {
        let hex = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(fingerprint(&colons).as_deref(), Ok(hex.as_str()));
        assert_eq!(fingerprint(&hex).as_deref(), Ok(hex.as_str()));
        assert!(fingerprint("abc").is_err());
        assert!(fingerprint(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn a_last_password_keeps_its_spaces() {
        assert_eq!(after_word("alice correct horse"), "correct horse");
        assert_eq!(after_word("alice"), "");
    }
}
