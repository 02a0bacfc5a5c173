//! argon2id password hashes in the PHC string format
//! (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), with the argon2 crate's
//! default cost (19 MiB, 2 passes): tens of milliseconds, which is why
//! hashing and verifying never run on the runtime's threads.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use subtle::ConstantTimeEq;

/// The PHC string of `password` with a fresh random salt.
pub(crate) fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    match Argon2::default().hash_password(password.as_bytes(), &salt) {
        Ok(hash) => hash.to_string(),
        // Only an output or salt of a size argon2 refuses fails, and the
        // defaults are fixed: a failure here is a bug, not bad input.
        Err(error) => unreachable!("argon2 refused its own defaults: {error}"),
    }
}

/// True when `password` is the one `hash` was made from. A string that
/// is not a PHC hash matches nothing.
pub(crate) fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// True when a configured secret is a hash (`ciao-server hash-password`)
/// rather than the password itself.
pub(crate) fn is_hash(secret: &str) -> bool {
    secret.starts_with("$argon2")
}

/// Compares a configured secret (a hash, or the password in clear) with
/// what a client sent.
pub(crate) fn matches(secret: &str, given: &str) -> bool {
    if is_hash(secret) {
        verify(secret, given)
    } else {
        bool::from(secret.as_bytes().ct_eq(given.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hashed = hash("correct horse");
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify(&hashed, "correct horse"));
        assert!(!verify(&hashed, "correct horse "));
        assert!(!verify("not a hash", "correct horse"));
        // Two hashes of one password differ (salted).
        assert_ne!(hashed, hash("correct horse"));
    }

    #[test]
    fn a_configured_secret_is_a_hash_or_clear_text() {
        let hashed = hash("s3cret");
        assert!(matches(&hashed, "s3cret"));
        assert!(!matches(&hashed, "other"));
        assert!(matches("s3cret", "s3cret"));
        assert!(!matches("s3cret", "s3cre"));
    }
}
