//! SCRAM-SHA-256 (RFC 5802, RFC 7677), the server's side: the keys kept
//! for an account, and one exchange — client-first, server-first,
//! client-final, server-final. No channel binding (`-PLUS` is not
//! offered), so a client asking for it is refused. Passwords are used as
//! their UTF-8 bytes (no SASLprep: an ASCII password is the same either
//! way, and clients that skip SASLprep are common).

use std::num::NonZeroU32;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};
use subtle::ConstantTimeEq;

/// PBKDF2 rounds for new keys: RFC 7677's minimum, as ergo uses.
pub(crate) const ITERATIONS: u32 = 4096;

/// What the server keeps to check a SCRAM proof without the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    pub(crate) salt: Vec<u8>,
    pub(crate) iterations: u32,
    pub(crate) stored_key: Vec<u8>,
    pub(crate) server_key: Vec<u8>,
}

impl Keys {
    /// Derives the keys of `password` with a fresh random salt.
    pub(crate) fn derive(password: &str) -> Keys {
        let mut salt = vec![0; 16];
        random(&mut salt);
        Keys::derive_with(password, salt, ITERATIONS)
    }

    /// Derives the keys of `password` with a given salt and rounds.
    pub(crate) fn derive_with(password: &str, salt: Vec<u8>, iterations: u32) -> Keys {
        let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
        let mut salted = [0; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds,
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        let client_key = sign(&salted, b"Client Key");
        Keys {
            salt,
            iterations,
            stored_key: digest::digest(&digest::SHA256, &client_key)
                .as_ref()
                .to_vec(),
            server_key: sign(&salted, b"Server Key"),
        }
    }
}

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ScramError {
    #[error("malformed SCRAM message")]
    Malformed,
    #[error("channel binding is not supported")]
    ChannelBinding,
    #[error("authorization identity must be the account")]
    AuthzId,
    #[error("wrong nonce or channel binding data")]
    Mismatch,
    #[error("wrong password")]
    Proof,
}

/// The client-first message, parsed.
#[derive(Debug, Clone)]
pub(crate) struct ClientFirst {
    /// The account name (`n=`), unescaped.
    pub(crate) user: String,
    gs2_header: String,
    nonce: String,
    bare: String,
}

impl ClientFirst {
    /// Parses `n,,n=user,r=nonce` (also `y,,`; `a=` only naming the same
    /// user).
    pub(crate) fn parse(message: &str) -> Result<ClientFirst, ScramError> {
        let mut parts = message.splitn(3, ',');
        let (Some(binding), Some(authzid), Some(bare)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(ScramError::Malformed);
        };
        match binding {
            "n" | "y" => {}
            b if b.starts_with("p=") => return Err(ScramError::ChannelBinding),
            _ => return Err(ScramError::Malformed),
        }
        let mut user = None;
        let mut nonce = None;
        for attribute in bare.split(',') {
            match attribute.split_once('=') {
                Some(("n", value)) if user.is_none() => user = Some(unescape(value)?),
                Some(("r", value)) if nonce.is_none() && printable_nonce(value) => {
                    nonce = Some(value.to_owned())
                }
                // A mandatory extension we don't know fails the exchange.
                Some(("m", _)) => return Err(ScramError::Malformed),
                Some(_) if user.is_some() && nonce.is_some() => {}
                _ => return Err(ScramError::Malformed),
            }
        }
        let (Some(user), Some(nonce)) = (user, nonce) else {
            return Err(ScramError::Malformed);
        };
        if let Some(authzid) = authzid.strip_prefix("a=")
            && unescape(authzid)? != user
        {
            return Err(ScramError::AuthzId);
        } else if !authzid.is_empty() && !authzid.starts_with("a=") {
            return Err(ScramError::Malformed);
        }
        Ok(ClientFirst {
            user,
            gs2_header: format!("{binding},{authzid},"),
            nonce,
            bare: bare.to_owned(),
        })
    }
}

/// An exchange after the server-first message.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    first: ClientFirst,
    server_first: String,
    nonce: String,
}

impl Exchange {
    /// Answers `first` for an account with `keys`, adding a random nonce.
    pub(crate) fn start(first: ClientFirst, keys: &Keys) -> Exchange {
        let mut ours = [0; 18];
        random(&mut ours);
        Exchange::start_with_nonce(first, keys, &BASE64.encode(ours))
    }

    fn start_with_nonce(first: ClientFirst, keys: &Keys, server_nonce: &str) -> Exchange {
        let nonce = format!("{}{server_nonce}", first.nonce);
        let server_first = format!(
            "r={nonce},s={},i={}",
            BASE64.encode(&keys.salt),
            keys.iterations
        );
        Exchange {
            first,
            server_first,
            nonce,
        }
    }

    /// The server-first message to send.
    pub(crate) fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks the client-final message against `keys`; returns the
    /// server-final message (`v=` signature) when the proof is right.
    pub(crate) fn finish(&self, keys: &Keys, client_final: &str) -> Result<String, ScramError> {
        let (without_proof, proof) = client_final
            .rsplit_once(",p=")
            .ok_or(ScramError::Malformed)?;
        let proof = BASE64.decode(proof).map_err(|_| ScramError::Malformed)?;
        let mut binding = None;
        let mut nonce = None;
        for attribute in without_proof.split(',') {
            match attribute.split_once('=') {
                Some(("c", value)) if binding.is_none() => binding = Some(value),
                Some(("r", value)) if nonce.is_none() => nonce = Some(value),
                Some(_) if binding.is_some() && nonce.is_some() => {}
                _ => return Err(ScramError::Malformed),
            }
        }
        let binding = BASE64
            .decode(binding.ok_or(ScramError::Malformed)?)
            .map_err(|_| ScramError::Malformed)?;
        if binding != self.first.gs2_header.as_bytes() || nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Mismatch);
        }
        let auth_message = format!("{},{},{without_proof}", self.first.bare, self.server_first);
        let signature = sign(&keys.stored_key, auth_message.as_bytes());
        if proof.len() != signature.len() {
            return Err(ScramError::Proof);
        }
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        let stored = digest::digest(&digest::SHA256, &client_key);
        // A constant-time comparison: how much of a guess was right must
        // not show in the time the answer takes.
        if !bool::from(stored.as_ref().ct_eq(&keys.stored_key)) {
            return Err(ScramError::Proof);
        }
        let server_signature = sign(&keys.server_key, auth_message.as_bytes());
        Ok(format!("v={}", BASE64.encode(server_signature)))
    }
}

/// `=2C` and `=3D` back to `,` and `=`; any other `=` is malformed.
fn unescape(name: &str) -> Result<String, ScramError> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        match rest.get(at..at + 3) {
            Some("=2C") => out.push(','),
            Some("=3D") => out.push('='),
            _ => return Err(ScramError::Malformed),
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A nonce is printable ASCII except ','.
fn printable_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

fn sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

fn random(out: &mut [u8]) {
    // The system's generator fails only on a broken system, where no
    // secret can be made safely at all.
    if SystemRandom::new().fill(out).is_err() {
        panic!("the system random number generator failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677, section 3: user "user", password "pencil".
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const SERVER_FIRST: &str = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn rfc_keys() -> Keys {
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").expect("salt");
        Keys::derive_with("pencil", salt, 4096)
    }

    fn rfc_exchange() -> Exchange {
        let first = ClientFirst::parse(CLIENT_FIRST).expect("client-first");
        assert_eq!(first.user, "user");
        Exchange::start_with_nonce(first, &rfc_keys(), SERVER_NONCE)
    }

    #[test]
    fn the_rfc_7677_exchange() {
        let exchange = rfc_exchange();
        assert_eq!(exchange.server_first(), SERVER_FIRST);
        assert_eq!(
            exchange.finish(&rfc_keys(), CLIENT_FINAL).as_deref(),
            Ok(SERVER_FINAL)
        );
    }

    #[test]
    fn a_wrong_password_or_a_replayed_nonce_fails() {
        let exchange = rfc_exchange();
        let wrong = Keys::derive_with("pencil2", rfc_keys().salt, 4096);
        assert_eq!(
            exchange.finish(&wrong, CLIENT_FINAL),
            Err(ScramError::Proof)
        );
        let other_nonce = CLIENT_FINAL.replace("k0,", "k1,");
        assert_eq!(
            exchange.finish(&rfc_keys(), &other_nonce),
            Err(ScramError::Mismatch)
        );
        let flipped = CLIENT_FINAL.replace("p=dHz", "p=dHy");
        assert_eq!(
            exchange.finish(&rfc_keys(), &flipped),
            Err(ScramError::Proof)
        );
    }

    #[test]
    fn malformed_messages_are_refused() {
        for message in [
            "",
            "n,,",
            "n,,r=abc",
            "n,,n=user",
            "x,,n=user,r=abc",
            "n,,n=us=er,r=abc",
            "n,,m=ext,n=user,r=abc",
        ] {
            assert_eq!(
                ClientFirst::parse(message).err(),
                Some(ScramError::Malformed),
                "{message:?}"
            );
        }
        assert_eq!(
            ClientFirst::parse("p=tls-unique,,n=user,r=abc").err(),
            Some(ScramError::ChannelBinding)
        );
        assert_eq!(
            ClientFirst::parse("n,a=other,n=user,r=abc").err(),
            Some(ScramError::AuthzId)
        );
        assert_eq!(
            ClientFirst::parse("n,,n=a=2Cb=3D,r=abc").map(|f| f.user),
            Ok("a,b=".to_owned())
        );
        let exchange = rfc_exchange();
        for message in ["", "c=biws", "p=abc", "c=biws,r=x,p=!!"] {
            assert_eq!(
                exchange.finish(&rfc_keys(), message),
                Err(ScramError::Malformed),
                "{message:?}"
            );
        }
    }
}
