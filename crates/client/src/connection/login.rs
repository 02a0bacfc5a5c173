//! Logging in during registration (SASL) and creating an account
//! (`draft/account-registration`), as the connection does them: which
//! capabilities to ask for, the `AUTHENTICATE` exchange, and the
//! server's 90x replies. A login that fails ends the connection with a
//! sentence saying why: the user asked to be someone, and carrying on
//! as a guest would hide that they are not.

use ciao_proto::{Message, Numeric};

use super::{End, Session, Settings};
use crate::sasl::{Login, Mechanism};

/// The capabilities this file may ask for.
pub(super) const CAPS: [&str; 2] = ["sasl", "draft/account-registration"];

/// True for the replies [`Session::on_sasl_reply`] reads: SASL's
/// numerics (IRCv3 SASL 3.1).
pub(super) fn is_sasl_reply(command: &str) -> bool {
    sasl_reply(command).is_some()
}

fn sasl_reply(command: &str) -> Option<Numeric> {
    Numeric::from_code(command).filter(|n| {
        matches!(
            n,
            Numeric::LoggedIn
                | Numeric::NickLocked
                | Numeric::SaslSuccess
                | Numeric::SaslFail
                | Numeric::SaslTooLong
                | Numeric::SaslAborted
                | Numeric::SaslAlready
                | Numeric::SaslMechs
        )
    })
}

/// What was asked, and where the login is.
#[derive(Debug)]
pub(super) struct LoginState {
    /// The account to log in to or create.
    account: Option<super::Account>,
    create: bool,
    /// TLS, or a server on this computer: a password may be sent.
    private: bool,
    /// Chosen from the `sasl` capability's value.
    mechanism: Option<Mechanism>,
    /// The exchange under way.
    login: Option<Login>,
    /// Registration acked: `REGISTER` goes after 001.
    registration: bool,
}

impl LoginState {
    pub(super) fn new(settings: &Settings, private: bool) -> LoginState {
        LoginState {
            account: settings.login.clone(),
            create: settings.create_account,
            private,
            mechanism: None,
            login: None,
            registration: false,
        }
    }

    /// The capabilities to ask for besides the usual ones; refuses when
    /// the server cannot do what the user asked.
    pub(super) fn caps_to_request(
        &mut self,
        offered: &[(String, Option<String>)],
    ) -> Result<Vec<&'static str>, End> {
        let Some(account) = &self.account else {
            return Ok(Vec::new());
        };
        let find = |name: &str| offered.iter().find(|(o, _)| o.eq_ignore_ascii_case(name));
        if self.create {
            if find("draft/account-registration").is_none() {
                return Err(End::Refused(
                    "This server does not offer creating accounts (draft/account-registration)."
                        .to_owned(),
                ));
            }
            if !self.private {
                return Err(End::Refused(plaintext_refusal("create an account")));
            }
            self.registration = true;
            return Ok(vec!["draft/account-registration"]);
        }
        let Some((_, value)) = find("sasl") else {
            return Err(End::Refused(format!(
                "This server does not offer logging in (SASL), so ciao cannot log in to {}. \
                 Clear the account to connect without logging in.",
                account.name
            )));
        };
        let mechanism = Mechanism::choose(value.as_deref()).ok_or_else(|| {
            End::Refused(format!(
                "This server logs in only with {}, which ciao does not know.",
                value.as_deref().unwrap_or("?")
            ))
        })?;
        // SCRAM never sends the password; PLAIN does, so only privately.
        if mechanism == Mechanism::Plain && !self.private {
            return Err(End::Refused(plaintext_refusal("log in")));
        }
        self.mechanism = Some(mechanism);
        Ok(vec!["sasl"])
    }

    /// The capabilities were refused: so was the login.
    pub(super) fn refused_caps(&self) -> Result<(), End> {
        if self.mechanism.is_some() || self.registration {
            return Err(End::Refused(
                "The server refused the capabilities needed to log in.".to_owned(),
            ));
        }
        Ok(())
    }

    /// Starts the exchange once `sasl` is acked: `AUTHENTICATE <mech>`.
    pub(super) fn begin(&mut self) -> Option<Message> {
        let (mechanism, account) = (self.mechanism?, self.account.as_ref()?);
        let (login, first) = Login::start(mechanism, &account.name, &account.password);
        self.login = Some(login);
        Some(first)
    }

    fn account_name(&self) -> &str {
        self.account.as_ref().map_or("", |a| a.name.as_str())
    }
}

/// Why a password is not sent over plaintext.
fn plaintext_refusal(what: &str) -> String {
    format!(
        "ciao will not {what} over an unencrypted connection to another computer: \
         the password would cross the network in clear. Tick \"Encrypt (TLS)\"."
    )
}

impl Session {
    /// The server's `AUTHENTICATE` line: our answer, or an abort and the
    /// end of the connection when it makes no sense.
    pub(super) async fn on_authenticate(&mut self, message: &Message) -> Result<(), End> {
        let Some(login) = self.login.login.as_mut() else {
            return Ok(());
        };
        let param = message.param(0).unwrap_or("");
        match login.answer(param) {
            Ok(lines) => {
                for line in lines {
                    self.write_or_end(&line).await?;
                }
                Ok(())
            }
            Err(error) => {
                let _ = self.write(&Message::new("AUTHENTICATE", ["*"])).await;
                Err(End::Refused(format!(
                    "Could not log in to {}: {error}.",
                    self.login.account_name()
                )))
            }
        }
    }

    /// 900–908 during registration: success lets registration end;
    /// failures end the connection with the reason.
    pub(super) async fn on_sasl_reply(&mut self, message: &Message) -> Result<(), End> {
        let Some(reply) = sasl_reply(&message.command) else {
            return Ok(());
        };
        let said = message.params.last().cloned().unwrap_or_default();
        let account = self.login.account_name().to_owned();
        let refused = |why: String| Err(End::Refused(why));
        match reply {
            Numeric::SaslSuccess | Numeric::SaslAlready => {
                if self.login.login.as_ref().is_some_and(|l| !l.may_succeed()) {
                    return refused(format!(
                        "The server said the login to {account} succeeded without proving it knows \
                         the password (SCRAM): it may be an impostor."
                    ));
                }
                self.login.login = None;
                self.write_or_end(&Message::new("CAP", ["END"])).await
            }
            // Only a failure of ours counts: before we asked, it is noise.
            _ if self.login.login.is_none() => Ok(()),
            Numeric::SaslFail => refused(format!(
                "Could not log in to {account}: wrong account name or password. The server said: {said}"
            )),
            Numeric::NickLocked => refused(format!(
                "Could not log in to {account}: the nickname is locked. The server said: {said}"
            )),
            Numeric::SaslTooLong => refused(format!(
                "Could not log in to {account}: the server found the login message too long."
            )),
            Numeric::SaslAborted => refused(format!(
                "The login to {account} was aborted. The server said: {said}"
            )),
            // A 904 follows with the failure; the list is for the record.
            Numeric::SaslMechs => {
                tracing::debug!(mechanisms = %message.param(1).unwrap_or(""), "SASL mechanisms");
                Ok(())
            }
            // 900 (the model shows it), and nothing else reaches here.
            _ => Ok(()),
        }
    }

    /// After 001 (as `nick`): `REGISTER * * <password>` when creating an
    /// account (account name = nick, no e-mail). When the server gave us
    /// another nick (ours was taken), the account asked for is named: a
    /// server that wants the two equal then refuses it saying why,
    /// rather than an account being made for `alice_`.
    pub(super) async fn after_welcome(&mut self, nick: &str) -> Result<(), End> {
        let Some(account) = self
            .login
            .account
            .as_ref()
            .filter(|_| self.login.registration)
        else {
            return Ok(());
        };
        let name = if ciao_proto::irc_eq(nick, &account.name) {
            "*"
        } else {
            account.name.as_str()
        };
        let register = Message::new("REGISTER", [name, "*", account.password.as_str()]);
        self.write_or_end(&register).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(caps: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        caps.iter()
            .map(|(n, v)| ((*n).to_owned(), v.map(str::to_owned)))
            .collect()
    }

    fn state(private: bool, create: bool) -> LoginState {
        let mut settings = Settings::new("h", 1, "alice");
        settings.login = Some(super::super::Account {
            name: "alice".into(),
            password: "pw".into(),
        });
        settings.create_account = create;
        LoginState::new(&settings, private)
    }

    fn refusal(result: Result<Vec<&'static str>, End>) -> String {
        match result {
            Err(End::Refused(why)) => why,
            Err(End::Closed(why)) => panic!("closed: {why}"),
            Ok(caps) => panic!("not refused: {caps:?}"),
        }
    }

    #[test]
    fn the_mechanism_and_the_caps_follow_what_is_offered() {
        let scram = offered(&[("sasl", Some("PLAIN,SCRAM-SHA-256"))]);
        let mut public = state(false, false);
        assert_eq!(public.caps_to_request(&scram).ok(), Some(vec!["sasl"]));
        assert_eq!(public.mechanism, Some(Mechanism::ScramSha256));
        // PLAIN only where nobody can read it on the way.
        let plain = offered(&[("sasl", Some("PLAIN"))]);
        assert!(refusal(state(false, false).caps_to_request(&plain)).contains("unencrypted"));
        let mut private = state(true, false);
        assert_eq!(private.caps_to_request(&plain).ok(), Some(vec!["sasl"]));
        assert_eq!(private.mechanism, Some(Mechanism::Plain));
        assert!(refusal(state(true, false).caps_to_request(&[])).contains("SASL"));
        let external = offered(&[("sasl", Some("EXTERNAL"))]);
        assert!(refusal(state(true, false).caps_to_request(&external)).contains("EXTERNAL"));
        // Nothing asked: nothing requested, nothing refused.
        let mut nobody = LoginState::new(&Settings::new("h", 1, "a"), false);
        assert_eq!(nobody.caps_to_request(&[]).ok(), Some(vec![]));
        assert!(nobody.begin().is_none());
    }

    #[test]
    fn creating_an_account_asks_for_registration() {
        let registration = offered(&[("draft/account-registration", Some("before-connect"))]);
        let mut creating = state(true, true);
        let caps = creating.caps_to_request(&registration).ok();
        assert_eq!(caps, Some(vec!["draft/account-registration"]));
        assert!(creating.registration);
        assert!(refusal(state(true, true).caps_to_request(&[])).contains("creating accounts"));
        assert!(refusal(state(false, true).caps_to_request(&registration)).contains("unencrypted"));
    }
}
