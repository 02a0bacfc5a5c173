//! TLS for the connection, with trust on first use: a certificate that
//! verifies against the system's roots (rustls-native-certs: what this
//! computer and its administrator trust, kept current by the OS) or a CA
//! file the user imported needs nothing more; one that does not is
//! accepted only when its SHA-256 fingerprint is the one the user
//! accepted for this server. An unknown fingerprint ends the attempt
//! with [`Untrusted::Unknown`] (the app asks the user), a different one
//! with [`Untrusted::Changed`] (a hard error: nobody is asked to click
//! through a possible attack).

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// How a TLS connection decides whom to trust.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tls {
    /// A PEM file of CA certificates trusted besides the system's (a
    /// ciao server's generated `ca.pem`).
    pub ca_file: Option<PathBuf>,
    /// The fingerprint the user accepted for this server's certificate.
    pub pinned: Option<Fingerprint>,
}

/// A certificate's SHA-256 fingerprint, shown and stored as
/// `AB:CD:…` (64 hex digits in pairs), the form `ciao-server
/// tls-fingerprint` and browsers show.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of(certificate: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(certificate).into())
    }

    /// Reads `AB:CD:…`, with or without colons, in either case.
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let hex: String = text.chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(Fingerprint(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why the link is trusted, for the lock's tooltip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustedBy {
    /// The certificate verifies against the system's roots or the
    /// imported CA, for this server's name.
    Authority,
    /// The user accepted this certificate's fingerprint.
    Pinned,
}

/// An encrypted link: what the server presented and why we trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secured {
    pub fingerprint: Fingerprint,
    pub trusted_by: TrustedBy,
}

/// A certificate not trusted: the connection did not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// No authority vouches for it and the user never accepted it: ask.
    Unknown {
        fingerprint: Fingerprint,
        /// Why it did not verify ("invalid peer certificate: UnknownIssuer").
        reason: String,
    },
    /// The user accepted another certificate for this server.
    Changed {
        pinned: Fingerprint,
        presented: Fingerprint,
    },
}

impl Untrusted {
    /// What the user reads; `address` names the server.
    pub fn sentence(&self, address: &str) -> String {
        match self {
            Untrusted::Unknown {
                fingerprint,
                reason,
            } => format!(
                "The certificate of {address} is not vouched for by any authority this computer \
                 trusts ({reason}). Its SHA-256 fingerprint is {fingerprint}."
            ),
            Untrusted::Changed { pinned, presented } => format!(
                "The certificate of {address} has changed since you trusted it, so ciao did not \
                 connect: someone may be impersonating the server. Trusted: {pinned}; presented \
                 now: {presented}. If the server's operator says they replaced it, forget this \
                 server in the list and connect again."
            ),
        }
    }
}

/// The system's roots, read once per process (a few hundred files);
/// empty where the system has none.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::debug!(%error, "a system root certificate could not be read");
        }
        found.certs
    })
}

/// Verifies as the module says, noting why it refused.
#[derive(Debug)]
struct TrustOnFirstUse {
    /// None when there is no root at all (a system without a store, no
    /// imported CA): then only a pinned fingerprint is trusted.
    authority: Option<Arc<WebPkiServerVerifier>>,
    pinned: Option<Fingerprint>,
    provider: Arc<CryptoProvider>,
    /// Why the handshake was refused, or how it was trusted.
    outcome: Arc<Mutex<Option<Result<Secured, Untrusted>>>>,
}

impl TrustOnFirstUse {
    fn note(&self, outcome: Result<Secured, Untrusted>) {
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
    }
}

impl ServerCertVerifier for TrustOnFirstUse {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint = Fingerprint::of(end_entity);
        let verified = match &self.authority {
            Some(authority) => {
                authority.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            }
            None => Err(rustls::Error::General(
                "no trusted root certificates on this computer".to_owned(),
            )),
        };
        let error = match verified {
            Ok(verified) => {
                self.note(Ok(Secured {
                    fingerprint,
                    trusted_by: TrustedBy::Authority,
                }));
                return Ok(verified);
            }
            Err(error) => error,
        };
        match self.pinned {
            Some(pinned) if pinned == fingerprint => {
                self.note(Ok(Secured {
                    fingerprint,
                    trusted_by: TrustedBy::Pinned,
                }));
                Ok(ServerCertVerified::assertion())
            }
            Some(pinned) => {
                self.note(Err(Untrusted::Changed {
                    pinned,
                    presented: fingerprint,
                }));
                Err(error)
            }
            None => {
                self.note(Err(Untrusted::Unknown {
                    fingerprint,
                    reason: error.to_string(),
                }));
                Err(error)
            }
        }
    }

    // The handshake's signatures are checked whichever way the
    // certificate was trusted: a pinned fingerprint proves nothing
    // without the key that goes with it.
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// How a TLS handshake ended badly; sentences for the user.
#[derive(Debug)]
pub enum Failure {
    Untrusted(Untrusted),
    Other(String),
}

/// Runs the TLS handshake on `tcp` for `host`.
pub async fn handshake(
    tcp: TcpStream,
    host: &str,
    tls: &Tls,
) -> Result<(TlsStream<TcpStream>, Secured), Failure> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let (_added, _ignored) = roots.add_parsable_certificates(system_roots().iter().cloned());
    if let Some(path) = &tls.ca_file {
        let read = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|error| {
                Failure::Other(format!(
                    "Could not read the CA certificate {}: {error}",
                    path.display()
                ))
            })?;
        if read.is_empty() {
            return Err(Failure::Other(format!(
                "{} holds no certificate.",
                path.display()
            )));
        }
        for cert in read {
            roots.add(cert).map_err(|error| {
                Failure::Other(format!("{} is not a usable CA: {error}", path.display()))
            })?;
        }
    }
    let authority = if roots.is_empty() {
        None
    } else {
        let built = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|error| Failure::Other(format!("Cannot set up TLS: {error}")))?;
        Some(built)
    };
    let outcome = Arc::new(Mutex::new(None));
    let verifier = TrustOnFirstUse {
        authority,
        pinned: tls.pinned,
        provider: provider.clone(),
        outcome: outcome.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|error| Failure::Other(format!("Cannot set up TLS: {error}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| Failure::Other(format!("{host} is not a name TLS can check.")))?;
    let done = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await;
    let noted = outcome.lock().ok().and_then(|mut slot| slot.take());
    match (done, noted) {
        (Ok(stream), Some(Ok(secured))) => Ok((stream, secured)),
        (_, Some(Err(untrusted))) => Err(Failure::Untrusted(untrusted)),
        (Ok(_), _) => Err(Failure::Other(
            "The TLS handshake ended without a certificate check.".to_owned(),
        )),
        (Err(error), _) => Err(Failure::Other(format!(
            "The TLS handshake failed ({error}). Is this a plaintext port? Untick \"Encrypt (TLS)\" for one."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_back() {
        let fingerprint = Fingerprint::of(b"certificate");
        let shown = fingerprint.to_string();
        assert_eq!(shown.len(), 32 * 3 - 1);
        assert_eq!(Fingerprint::parse(&shown), Some(fingerprint));
        assert_eq!(
            Fingerprint::parse(&shown.replace(':', "").to_lowercase()),
            Some(fingerprint)
        );
        for bad in ["", "AB:CD", &"ZZ".repeat(32), &"é".repeat(32)] {
            assert_eq!(Fingerprint::parse(bad), None, "{bad}");
        }
    }
}
