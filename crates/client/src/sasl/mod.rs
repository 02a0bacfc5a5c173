//! Logging in with SASL (IRCv3 `sasl` 3.1/3.2): which mechanism to use,
//! the `AUTHENTICATE` exchange of each, and its 400-byte chunking both
//! ways. No sockets: the connection feeds it the server's `AUTHENTICATE`
//! parameters and sends what it returns.

pub mod scram;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ciao_proto::Message;

pub use scram::{Scram, ScramError};

/// The longest piece of an `AUTHENTICATE` payload on one line (IRCv3
/// SASL): longer payloads go in pieces, and one of exactly this length
/// is followed by `AUTHENTICATE +`.
pub const CHUNK: usize = 400;

/// The most base64 a server's challenge may take, in all its pieces:
/// SCRAM's are about 100 bytes; a server sending more is broken or
/// hostile, and is not buffered.
pub const MAX_CHALLENGE: usize = 4096;

/// The mechanisms ciao logs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// The password never crosses the wire, and the server proves it
    /// knows it too.
    ScramSha256,
    /// The password in the clear (inside TLS): only over TLS or to this
    /// computer.
    Plain,
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::Plain => "PLAIN",
        }
    }

    /// SCRAM-SHA-256 when the server's `sasl` value lists it, else PLAIN
    /// when it lists that or lists nothing (a server without CAP 302
    /// values); `None` when it offers neither.
    pub fn choose(offered: Option<&str>) -> Option<Mechanism> {
        let Some(list) = offered.filter(|l| !l.is_empty()) else {
            return Some(Mechanism::Plain);
        };
        let has = |name: &str| list.split(',').any(|m| m.eq_ignore_ascii_case(name));
        if has("SCRAM-SHA-256") {
            Some(Mechanism::ScramSha256)
        } else if has("PLAIN") {
            Some(Mechanism::Plain)
        } else {
            None
        }
    }
}

/// Why a login stopped on our side; the text is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    #[error("the server sent an AUTHENTICATE line longer than {CHUNK} bytes")]
    ChunkTooLong,
    #[error("the server's AUTHENTICATE message is longer than {MAX_CHALLENGE} bytes")]
    ChallengeTooLong,
    #[error("the server's AUTHENTICATE message is not base64")]
    NotBase64,
    #[error("the server's AUTHENTICATE message is not text")]
    NotText,
    #[error("the server sent AUTHENTICATE out of turn")]
    Unexpected,
    #[error("{0}")]
    Scram(#[from] ScramError),
}

/// `AUTHENTICATE` lines carrying `payload`: base64 in pieces of
/// [`CHUNK`], `+` for an empty payload or after a last piece of exactly
/// [`CHUNK`].
pub fn authenticate_lines(payload: &[u8]) -> Vec<Message> {
    let encoded = BASE64.encode(payload);
    // base64 is ASCII: every CHUNK-byte slice is on a char boundary.
    let mut lines: Vec<Message> = encoded
        .as_bytes()
        .chunks(CHUNK)
        .map(|piece| Message::new("AUTHENTICATE", [String::from_utf8_lossy(piece)]))
        .collect();
    if encoded.len() % CHUNK == 0 {
        lines.push(Message::new("AUTHENTICATE", ["+"]));
    }
    lines
}

/// The pieces of one server message, gathered until it is whole.
#[derive(Debug, Default)]
struct Pieces {
    base64: String,
}

impl Pieces {
    /// Takes one `AUTHENTICATE` parameter; the decoded message once its
    /// last piece came.
    fn take(&mut self, param: &str) -> Result<Option<Vec<u8>>, SaslError> {
        if param.len() > CHUNK {
            return Err(SaslError::ChunkTooLong);
        }
        if param != "+" {
            if self.base64.len() + param.len() > MAX_CHALLENGE {
                return Err(SaslError::ChallengeTooLong);
            }
            self.base64.push_str(param);
            if param.len() == CHUNK {
                return Ok(None);
            }
        }
        let whole = std::mem::take(&mut self.base64);
        BASE64
            .decode(whole.as_bytes())
            .map(Some)
            .map_err(|_| SaslError::NotBase64)
    }
}

/// Where an exchange is.
#[derive(Debug)]
enum Step {
    /// `AUTHENTICATE <mechanism>` sent; waiting for the server's `+`.
    Asked,
    /// SCRAM: the client-first sent; waiting for the server-first.
    ScramFirst(Scram),
    /// SCRAM: the client-final sent; waiting for the server-final.
    ScramFinal(Scram),
    /// Our part is done; the server's 903 (or 904) comes next.
    Done,
}

/// One login in progress.
#[derive(Debug)]
pub struct Login {
    pub mechanism: Mechanism,
    account: String,
    password: String,
    step: Step,
    pieces: Pieces,
    /// SCRAM only: the server proved it knows the password.
    server_verified: bool,
}

impl Login {
    /// Starts logging in to `account`; the first line to send.
    pub fn start(mechanism: Mechanism, account: &str, password: &str) -> (Login, Message) {
        let login = Login {
            mechanism,
            account: account.to_owned(),
            password: password.to_owned(),
            step: Step::Asked,
            pieces: Pieces::default(),
            server_verified: false,
        };
        (login, Message::new("AUTHENTICATE", [mechanism.name()]))
    }

    /// The lines answering the server's `AUTHENTICATE <param>`: none
    /// while a challenge is still coming in pieces. On an error the
    /// caller aborts (`AUTHENTICATE *`).
    pub fn answer(&mut self, param: &str) -> Result<Vec<Message>, SaslError> {
        let Some(challenge) = self.pieces.take(param)? else {
            return Ok(Vec::new());
        };
        let text = || String::from_utf8(challenge.clone()).map_err(|_| SaslError::NotText);
        let (next, reply) = match (
            std::mem::replace(&mut self.step, Step::Done),
            self.mechanism,
        ) {
            (Step::Asked, Mechanism::Plain) if challenge.is_empty() => {
                let (account, password) = (&self.account, &self.password);
                let payload = format!("{account}\0{account}\0{password}");
                (Step::Done, payload.into_bytes())
            }
            (Step::Asked, Mechanism::ScramSha256) if challenge.is_empty() => {
                let scram = Scram::new(&self.account, &self.password);
                let first = scram.client_first().into_bytes();
                (Step::ScramFirst(scram), first)
            }
            (Step::ScramFirst(mut scram), _) => {
                let last = scram.client_final(&text()?)?.into_bytes();
                (Step::ScramFinal(scram), last)
            }
            (Step::ScramFinal(scram), _) => {
                scram.verify_server_final(&text()?)?;
                self.server_verified = true;
                (Step::Done, Vec::new())
            }
            _ => return Err(SaslError::Unexpected),
        };
        self.step = next;
        Ok(authenticate_lines(&reply))
    }

    /// True when a 903 (success) may be believed: SCRAM's server must
    /// have proved itself first.
    pub fn may_succeed(&self) -> bool {
        self.mechanism == Mechanism::Plain || self.server_verified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(lines: &[Message]) -> Vec<String> {
        lines
            .iter()
            .map(|m| m.param(0).unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn payloads_go_in_pieces_of_400() {
        assert_eq!(params(&authenticate_lines(b"")), ["+"]);
        assert_eq!(params(&authenticate_lines(b"abc")), ["YWJj"]);
        // 300 bytes are exactly 400 in base64: a `+` says it ended.
        let exact = authenticate_lines(&[b'x'; 300]);
        assert_eq!(exact.len(), 2);
        assert_eq!(exact[0].param(0).map(str::len), Some(400));
        assert_eq!(exact[1].param(0), Some("+"));
        let long = params(&authenticate_lines(&[b'y'; 700]));
        assert_eq!(
            long.iter().map(String::len).collect::<Vec<_>>(),
            [400, 400, 136]
        );
        let rejoined = BASE64.decode(long.concat()).expect("base64");
        assert_eq!(rejoined, vec![b'y'; 700]);
    }

    #[test]
    fn server_pieces_are_gathered_and_bounded() {
        let mut pieces = Pieces::default();
        let whole = BASE64.encode([b'z'; 450]);
        assert_eq!(pieces.take(&whole[..400]), Ok(None));
        assert_eq!(pieces.take(&whole[400..]), Ok(Some(vec![b'z'; 450])));
        let exact = BASE64.encode([b'q'; 300]);
        assert_eq!(pieces.take(&exact), Ok(None));
        assert_eq!(pieces.take("+"), Ok(Some(vec![b'q'; 300])));
        assert_eq!(pieces.take(&"A".repeat(401)), Err(SaslError::ChunkTooLong));
        let mut endless = Pieces::default();
        let chunk = "A".repeat(400);
        let errors = (0..20).filter_map(|_| endless.take(&chunk).err()).next();
        assert_eq!(errors, Some(SaslError::ChallengeTooLong));
        assert_eq!(Pieces::default().take("!!!"), Err(SaslError::NotBase64));
    }

    #[test]
    fn mechanisms_are_chosen_from_the_cap_value() {
        let choose = Mechanism::choose;
        assert_eq!(
            choose(Some("PLAIN,SCRAM-SHA-256,EXTERNAL")),
            Some(Mechanism::ScramSha256)
        );
        assert_eq!(choose(Some("PLAIN,EXTERNAL")), Some(Mechanism::Plain));
        assert_eq!(choose(None), Some(Mechanism::Plain));
        assert_eq!(choose(Some("EXTERNAL")), None);
    }

    #[test]
    fn plain_sends_account_and_password_after_the_plus() {
        let (mut login, first) = Login::start(Mechanism::Plain, "alice", "secret");
        assert_eq!(first.to_string(), "AUTHENTICATE PLAIN");
        let lines = login.answer("+").expect("answer");
        let payload = BASE64
            .decode(lines[0].param(0).expect("payload"))
            .expect("b64");
        assert_eq!(payload, b"alice\0alice\0secret");
        assert!(login.may_succeed());
        assert_eq!(login.answer("+").err(), Some(SaslError::Unexpected));
    }

    /// Starts a SCRAM login and answers the server's `+`: the login and
    /// the nonce it chose.
    fn scram_started() -> (Login, String) {
        let (mut login, first) = Login::start(Mechanism::ScramSha256, "user", "pencil");
        assert_eq!(first.to_string(), "AUTHENTICATE SCRAM-SHA-256");
        let lines = login.answer("+").expect("first");
        let client_first = BASE64.decode(lines[0].param(0).expect("p")).expect("b64");
        let client_first = String::from_utf8(client_first).expect("text");
        assert!(client_first.starts_with("n,,n=user,r="), "{client_first}");
        let nonce = client_first.rsplit("r=").next().expect("nonce").to_owned();
        (login, nonce)
    }

    #[test]
    fn scram_runs_to_the_server_proof() {
        let (mut login, nonce) = scram_started();
        assert!(!login.may_succeed());
        let server_first = format!("r={nonce}srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        let last = login.answer(&BASE64.encode(&server_first)).expect("final");
        let last = String::from_utf8(BASE64.decode(params(&last)[0].as_str()).expect("b64"));
        assert!(
            last.expect("text")
                .starts_with(&format!("c=biws,r={nonce}srv,p="))
        );
        assert_eq!(
            login.answer(&BASE64.encode("v=AAAA")).err(),
            Some(SaslError::Scram(ScramError::ServerSignature))
        );
        assert!(!login.may_succeed());
    }

    #[test]
    fn a_hostile_scram_server_gets_an_error_at_once() {
        // A billion iterations would take minutes: refused.
        let (mut login, nonce) = scram_started();
        let hostile = format!("r={nonce}srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000000000");
        let started = std::time::Instant::now();
        assert_eq!(
            login.answer(&BASE64.encode(&hostile)).err(),
            Some(SaslError::Scram(ScramError::Iterations(1_000_000_000)))
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let (mut garbage, _) = scram_started();
        assert!(garbage.answer(&BASE64.encode([0xff, 0xfe])).is_err());
        let (mut binary, _) = scram_started();
        assert_eq!(
            binary.answer("+").err(),
            Some(SaslError::Scram(ScramError::Malformed("no nonce")))
        );
    }
}
