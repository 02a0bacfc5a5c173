//! The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677), without
//! channel binding (`n,,`): the client proves it knows the password
//! without sending it, and checks the server's signature, which only a
//! server that holds the account's keys can make.
//!
//! What a hostile server sends is checked before any work is done for
//! it: its nonce must extend ours, its salt must be base64, and its
//! iteration count must lie in [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`]
//! (PBKDF2 at a billion iterations would freeze the connection task).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Fewer iterations than RFC 7677's minimum make a stolen exchange cheap
/// to attack: refused.
pub const MIN_ITERATIONS: u32 = 4096;
/// More than this costs the client seconds of CPU for nothing a server
/// needs (ergo uses 4096): refused rather than computed.
pub const MAX_ITERATIONS: u32 = 100_000;

/// Why a SCRAM exchange stopped; the text is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    #[error("the server's SCRAM challenge is malformed ({0})")]
    Malformed(&'static str),
    #[error("the server's SCRAM nonce does not extend ours")]
    Nonce,
    #[error(
        "the server asked for {0} SCRAM iterations; only {MIN_ITERATIONS} to {MAX_ITERATIONS} are accepted"
    )]
    Iterations(u64),
    #[error("the server refused the login: {0}")]
    Refused(String),
    #[error(
        "the server's SCRAM signature is wrong: it does not know this account's password (an impostor?)"
    )]
    ServerSignature,
    #[error("the SCRAM exchange is out of order")]
    OutOfOrder,
}

/// One SCRAM-SHA-256 exchange.
pub struct Scram {
    password: String,
    client_nonce: String,
    /// `n=<user>,r=<nonce>`: part of the signed AuthMessage.
    client_first_bare: String,
    /// The signature the server must send back, known once the client's
    /// final message is made.
    expected_server_signature: Option<Vec<u8>>,
}

// The password is never printed.
impl std::fmt::Debug for Scram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scram")
            .field("client_first_bare", &self.client_first_bare)
            .finish_non_exhaustive()
    }
}

/// A username as SCRAM writes it: `=` and `,` escaped (RFC 5802 §5.1).
fn saslname(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

impl Scram {
    /// An exchange with a fresh random nonce.
    pub fn new(user: &str, password: &str) -> Self {
        let mut random = [0u8; 24];
        // Without an OS random source no nonce is safe; a fixed one would
        // still not leak the password (the server's nonce is mixed in).
        let _ = getrandom::fill(&mut random);
        Scram::with_nonce(user, password, &BASE64.encode(random))
    }

    /// An exchange with `nonce` (the test vectors').
    pub fn with_nonce(user: &str, password: &str, nonce: &str) -> Self {
        Scram {
            password: password.to_owned(),
            client_nonce: nonce.to_owned(),
            client_first_bare: format!("n={},r={nonce}", saslname(user)),
            expected_server_signature: None,
        }
    }

    /// The client-first-message: no channel binding, no authzid.
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final-message answering the server-first-message.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, ScramError> {
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for attribute in server_first.split(',') {
            match attribute.split_once('=') {
                Some(("r", value)) => nonce = Some(value),
                Some(("s", value)) => salt = Some(value),
                Some(("i", value)) => iterations = Some(value),
                // A mandatory extension we cannot know (RFC 5802 §5.1).
                Some(("m", _)) => return Err(ScramError::Malformed("mandatory extension")),
                Some(("e", value)) => return Err(ScramError::Refused(value.to_owned())),
                _ => {}
            }
        }
        let nonce = nonce.ok_or(ScramError::Malformed("no nonce"))?;
        if !nonce.starts_with(&self.client_nonce) || nonce.len() == self.client_nonce.len() {
            return Err(ScramError::Nonce);
        }
        let salt = BASE64
            .decode(salt.ok_or(ScramError::Malformed("no salt"))?)
            .map_err(|_| ScramError::Malformed("the salt is not base64"))?;
        let iterations = iterations.ok_or(ScramError::Malformed("no iteration count"))?;
        let iterations: u64 = iterations
            .parse()
            .map_err(|_| ScramError::Malformed("the iteration count is not a number"))?;
        let iterations = u32::try_from(iterations)
            .ok()
            .filter(|i| (MIN_ITERATIONS..=MAX_ITERATIONS).contains(i))
            .ok_or(ScramError::Iterations(iterations))?;

        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(self.password.as_bytes(), &salt, iterations, &mut salted);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(client_key);
        let server_key = hmac(&salted, b"Server Key");
        // "biws" is base64 of "n,,": the GS2 header, no channel binding.
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(client_signature.iter())
            .map(|(k, s)| k ^ s)
            .collect();
        self.expected_server_signature = Some(hmac(&server_key, auth_message.as_bytes()).to_vec());
        Ok(format!("{without_proof},p={}", BASE64.encode(proof)))
    }

    /// Checks the server-final-message: the server proves it holds the
    /// account's keys, or says why it refused.
    pub fn verify_server_final(&self, server_final: &str) -> Result<(), ScramError> {
        let expected = self
            .expected_server_signature
            .as_ref()
            .ok_or(ScramError::OutOfOrder)?;
        let mut verifier = None;
        for attribute in server_final.split(',') {
            match attribute.split_once('=') {
                Some(("e", why)) => return Err(ScramError::Refused(why.to_owned())),
                Some(("v", value)) => verifier = Some(value),
                _ => {}
            }
        }
        let verifier = verifier.ok_or(ScramError::Malformed("no server signature"))?;
        let signature = BASE64
            .decode(verifier)
            .map_err(|_| ScramError::Malformed("the server signature is not base64"))?;
        // Compared in constant time, as a MAC check.
        if constant_time_eq(&signature, expected) {
            Ok(())
        } else {
            Err(ScramError::ServerSignature)
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7677 §3.
    const NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
    const SERVER_FIRST: &str =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    #[test]
    fn rfc7677_test_vectors() {
        let mut scram = Scram::with_nonce("user", "pencil", NONCE);
        assert_eq!(scram.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        assert_eq!(
            scram.client_final(SERVER_FIRST),
            Ok(CLIENT_FINAL.to_owned())
        );
        assert_eq!(scram.verify_server_final(SERVER_FINAL), Ok(()));
    }

    #[test]
    fn a_wrong_server_signature_is_an_error() {
        let mut scram = Scram::with_nonce("user", "pencil", NONCE);
        scram.client_final(SERVER_FIRST).expect("client final");
        let forged = "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        assert_eq!(
            scram.verify_server_final(forged),
            Err(ScramError::ServerSignature)
        );
        assert!(matches!(
            scram.verify_server_final("v=***"),
            Err(ScramError::Malformed(_))
        ));
        assert_eq!(
            scram.verify_server_final("e=invalid-proof"),
            Err(ScramError::Refused("invalid-proof".to_owned()))
        );
        // A different password gives a different proof, and the server's
        // real signature then does not match ours.
        let mut other = Scram::with_nonce("user", "pencil!", NONCE);
        assert_ne!(
            other.client_final(SERVER_FIRST).expect("final"),
            CLIENT_FINAL
        );
        assert_eq!(
            other.verify_server_final(SERVER_FINAL),
            Err(ScramError::ServerSignature)
        );
    }

    #[test]
    fn hostile_challenges_are_refused_before_any_work() {
        let challenge = |rest: &str| format!("r={NONCE}xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,{rest}");
        let mut scram = Scram::with_nonce("user", "pencil", NONCE);
        for (iterations, refused) in [
            ("i=4095", true),
            ("i=100001", true),
            ("i=4294967296000", true),
            ("i=1000000000", true),
            ("i=0", true),
            ("i=100000", false),
        ] {
            let got = scram.client_final(&challenge(iterations));
            assert_eq!(
                matches!(got, Err(ScramError::Iterations(_))),
                refused,
                "{iterations}: {got:?}"
            );
        }
        for bad in [
            "",
            "garbage",
            "i=4096",
            &challenge("i=many"),
            &format!("r={NONCE},s=AAAA,i=4096"),
            "r=someone-else,s=AAAA,i=4096",
            &format!("r={NONCE}x,s=!!!,i=4096"),
            &format!("m=ext,r={NONCE}x,s=AAAA,i=4096"),
        ] {
            assert!(scram.client_final(bad).is_err(), "{bad:?}");
        }
        let fresh = Scram::with_nonce("user", "pencil", NONCE);
        assert_eq!(
            fresh.verify_server_final(SERVER_FINAL),
            Err(ScramError::OutOfOrder)
        );
    }

    #[test]
    fn names_are_escaped_and_nonces_differ() {
        let scram = Scram::with_nonce("a=b,c", "p", "n");
        assert_eq!(scram.client_first(), "n,,n=a=3Db=2Cc,r=n");
        assert_ne!(
            Scram::new("u", "p").client_first(),
            Scram::new("u", "p").client_first()
        );
    }
}
