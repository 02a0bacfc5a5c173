//! TLS connections for the scenarios that measure a server's TLS
//! listener (`idle --tls`). The load generator talks to servers on this
//! machine only, started for the run with whatever certificate they made,
//! so it takes any certificate: what is measured is the server's cost of
//! a session, not trust. The handshake's signatures are still checked.

use std::sync::Arc;

use anyhow::Context;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::conn::{STEP_TIMEOUT, is_numeric};

/// A connector (ring, TLS 1.2 and 1.3) that takes any certificate.
pub fn connector() -> anyhow::Result<TlsConnector> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServerCert(provider)))
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The TLS handshake over `tcp`.
pub async fn handshake(
    connector: &TlsConnector,
    tcp: TcpStream,
) -> anyhow::Result<TlsStream<TcpStream>> {
    let name = ServerName::try_from("localhost")?;
    tokio::time::timeout(STEP_TIMEOUT, connector.connect(name, tcp))
        .await
        .context("the TLS handshake timed out")?
        .context("the TLS handshake")
}

/// IRC registration over any stream: NICK and USER, then lines up to the
/// end of the welcome (376/422), answering PING on the way.
pub async fn register<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    nick: &str,
) -> anyhow::Result<()> {
    let hello = format!("NICK {nick}\r\nUSER {nick} 0 * :ciao-bench\r\n");
    stream.get_mut().write_all(hello.as_bytes()).await?;
    let mut line = Vec::with_capacity(512);
    tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            line.clear();
            if stream.read_until(b'\n', &mut line).await? == 0 {
                anyhow::bail!("closed before the end of the welcome");
            }
            let text = line.trim_ascii_end();
            if let Some(token) = text.strip_prefix(b"PING ") {
                let pong = [b"PONG ", token, b"\r\n"].concat();
                stream.get_mut().write_all(&pong).await?;
            } else if is_numeric(text, b"376") || is_numeric(text, b"422") {
                return Ok(());
            }
        }
    })
    .await
    .context("no end of the welcome (376/422)")?
}

#[derive(Debug)]
struct AnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
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
