//! The rustls configuration the TLS listeners serve: ring, TLS 1.2 and
//! 1.3, and the certificate in a [`TlsCerts`] that a reload (SIGHUP)
//! swaps without touching sessions already established.

use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::tls::{Fingerprints, Identity, TlsError};

/// The certificate presented to each new handshake. A handshake takes
/// the `Arc` current when it starts; a reload puts a new one in place, so
/// sessions already established keep theirs and new ones get the new.
#[derive(Debug)]
pub struct TlsCerts {
    /// One provider for the server's key and the configuration.
    provider: Arc<CryptoProvider>,
    /// The certificate and the signing key made of it, with the
    /// fingerprints logged and printed for it.
    current: RwLock<(Arc<CertifiedKey>, Fingerprints)>,
}

impl TlsCerts {
    /// Certificates starting with `identity` (checked: a key that does
    /// not match the certificate is an error, not a failed handshake
    /// later).
    pub fn new(identity: Identity) -> Result<Arc<TlsCerts>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = certified(&provider, identity)?;
        Ok(Arc::new(TlsCerts {
            provider,
            current: RwLock::new(current),
        }))
    }

    /// Presents `identity` to new handshakes from now on; on an error the
    /// certificate stays what it was.
    pub fn replace(&self, identity: Identity) -> Result<Fingerprints, TlsError> {
        let next = certified(&self.provider, identity)?;
        let prints = next.1;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(prints)
    }

    /// The fingerprints of the certificate presented now.
    pub fn fingerprints(&self) -> Fingerprints {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .1
    }

    /// The rustls configuration presenting these certificates.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for TlsCerts {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Some(current.0.clone())
    }
}

/// The identity as rustls signs with it, and its fingerprints.
fn certified(
    provider: &CryptoProvider,
    identity: Identity,
) -> Result<(Arc<CertifiedKey>, Fingerprints), TlsError> {
    let prints = identity.fingerprints();
    let key = CertifiedKey::from_der(identity.chain, identity.key, provider)?;
    Ok((Arc::new(key), prints))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity::ephemeral("irc.example", &[]).expect("generate")
    }

    #[test]
    fn a_replacement_is_presented_and_a_bad_one_keeps_the_old() {
        let (first, second) = (identity(), identity());
        let (first_prints, second_prints) = (first.fingerprints(), second.fingerprints());
        let certs = TlsCerts::new(first).expect("certs");
        assert_eq!(certs.fingerprints(), first_prints);

        // A certificate with somebody else's key.
        let mismatched = Identity {
            chain: second.chain.clone(),
            key: identity().key,
        };
        assert!(certs.replace(mismatched).is_err());
        assert_eq!(certs.fingerprints(), first_prints);

        assert_eq!(certs.replace(second).expect("replace"), second_prints);
        assert_eq!(certs.fingerprints(), second_prints);
    }
}
