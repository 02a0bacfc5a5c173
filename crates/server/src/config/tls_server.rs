//! The rustls configuration the TLS listeners serve: ring, TLS 1.2 and
//! 1.3, the certificate in a [`TlsCerts`] that a reload (SIGHUP) swaps
//! without touching sessions already established, and an optional client
//! certificate, any at all ([`AnyClientCert`]).

use std::sync::{Arc, PoisonError, RwLock};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ParsedCertificate, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

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
            .with_client_cert_verifier(Arc::new(AnyClientCert(self.provider.clone())))
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

/// Asks for a client certificate, does not require one, and takes any
/// (self-signed is what IRC clients make: the certificate names nobody,
/// its fingerprint is what an account lists, as in ergo and InspIRCd).
/// The handshake's signature is still checked, by the crypto provider: a
/// client shows a certificate only with its private key.
#[derive(Debug)]
struct AnyClientCert(Arc<CryptoProvider>);

impl ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    /// No hints: a client offers whatever certificate it has.
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    /// Any well-formed certificate, trusted by nobody, valid or expired:
    /// what matters is that the client holds its key (the signature
    /// checks below) and whose fingerprint it is.
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        ParsedCertificate::try_from(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
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
