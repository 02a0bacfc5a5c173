//! Accounts: logging in (SASL's 900–908), creating one (`REGISTER`
//! replies), and who else is logged in (`ACCOUNT`, account-notify; the
//! `account` tag and extended-join's field are read where those lines
//! are).

use ciao_proto::Numeric;

use super::Incoming;
use crate::model::*;
use crate::numeric::numeric;

/// SASL's numerics (900–908), which [`Model::on_sasl_numeric`] reads.
pub(super) fn is_sasl_numeric(command: &str) -> bool {
    matches!(
        numeric(command),
        Some(
            Numeric::LoggedIn
                | Numeric::LoggedOut
                | Numeric::NickLocked
                | Numeric::SaslSuccess
                | Numeric::SaslFail
                | Numeric::SaslTooLong
                | Numeric::SaslAborted
                | Numeric::SaslAlready
                | Numeric::SaslMechs
        )
    )
}

/// The outcome of the latest `REGISTER`, for the window to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The account was created (and we are logged in to it).
    Created { account: String, message: String },
    /// Created, but the server wants it verified first.
    VerificationRequired { account: String, message: String },
    /// `FAIL REGISTER <code> …`: the code and the server's words.
    Failed { code: String, message: String },
}

impl Model {
    // 900 <nick> <mask> <account> :You are now logged in as <account>
    // 901 <nick> <mask> :You are now logged out
    // 902–908: the login's failures and 903, its success.
    pub(super) fn on_sasl_numeric(&mut self, incoming: Incoming<'_>) {
        let Incoming { message, time, .. } = incoming;
        let said = message.params.last().map_or("", String::as_str);
        let Some(named) = numeric(&message.command) else {
            return;
        };
        let (text, kind) = match named {
            Numeric::LoggedIn => {
                let account = message.param(2).filter(|a| !a.is_empty() && *a != "*");
                self.account = account.map(str::to_owned);
                match account {
                    Some(account) => (format!("You are logged in as {account}."), LineKind::Info),
                    None => return,
                }
            }
            Numeric::LoggedOut => {
                self.account = None;
                ("You are now logged out.".to_owned(), LineKind::Info)
            }
            Numeric::SaslSuccess => ("Logged in.".to_owned(), LineKind::Info),
            Numeric::SaslFail => (
                format!("Login failed: wrong account name or password ({said})"),
                LineKind::Error,
            ),
            Numeric::NickLocked => (format!("Login failed: {said}"), LineKind::Error),
            Numeric::SaslTooLong => (
                "Login failed: the message was too long.".to_owned(),
                LineKind::Error,
            ),
            Numeric::SaslAborted => (format!("Login aborted: {said}"), LineKind::Error),
            Numeric::SaslAlready => ("You are already logged in.".to_owned(), LineKind::Info),
            // 908 lists mechanisms for clients; 904 says what matters.
            _ => return,
        };
        let line = self.line(time, None, text, kind);
        self.push(0, line);
    }

    // REGISTER SUCCESS <account> :<message>
    // REGISTER VERIFICATION_REQUIRED <account> :<message>
    pub(super) fn on_register(&mut self, incoming: Incoming<'_>) {
        let Incoming { message, time, .. } = incoming;
        let account = message.param(1).unwrap_or("").to_owned();
        let said = message.param(2).unwrap_or("").to_owned();
        let (registration, text) = match message.param(0).unwrap_or("") {
            "SUCCESS" => {
                self.account = Some(account.clone()).filter(|a| !a.is_empty());
                let text = format!("Account {account} created; you are logged in to it. {said}");
                (
                    Registration::Created {
                        account,
                        message: said,
                    },
                    text,
                )
            }
            "VERIFICATION_REQUIRED" => {
                let text = format!("Account {account} created; it must be verified: {said}");
                (
                    Registration::VerificationRequired {
                        account,
                        message: said,
                    },
                    text,
                )
            }
            _ => return,
        };
        self.registration = Some(registration);
        let line = self.line(time, None, text.trim_end().to_owned(), LineKind::Info);
        let active = self.active;
        self.push(active, line);
    }

    /// `FAIL REGISTER <code> [<account>] :<description>`: kept for the
    /// window (the line itself is the standard reply's).
    pub(super) fn note_failed_registration(&mut self, incoming: Incoming<'_>) {
        let message = incoming.message;
        if message.command == "FAIL"
            && message
                .param(0)
                .is_some_and(|c| c.eq_ignore_ascii_case("REGISTER"))
        {
            self.registration = Some(Registration::Failed {
                code: message.param(1).unwrap_or("").to_owned(),
                message: message.params.last().cloned().unwrap_or_default(),
            });
        }
    }

    // ACCOUNT <account>|* (account-notify): the sender logged in or out.
    pub(super) fn on_account(&mut self, incoming: Incoming<'_>) {
        let Incoming {
            message,
            nick,
            is_me,
            ..
        } = incoming;
        let account = message.param(0).filter(|a| !a.is_empty() && *a != "*");
        if is_me {
            self.account = account.map(str::to_owned);
        }
        self.set_member_account(nick, account);
    }

    /// Records `nick`'s account in every channel it is in.
    pub(crate) fn set_member_account(&mut self, nick: &str, account: Option<&str>) {
        if nick.is_empty() {
            return;
        }
        for buffer in &mut self.buffers {
            buffer
                .members
                .touch(nick, |m| m.account = account.map(str::to_owned));
        }
    }
}
