//! A server with a TLS listener and its generated CA, and TLS clients
//! trusting it.

use std::path::Path;
use std::sync::Arc;

use ciao_server::Config;
use ciao_server::config::tls::{CA_FILE, Identity};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::{TestClient, TestServer};

/// A generated identity in a fresh folder (kept alive by the guard).
pub fn identity() -> (tempfile::TempDir, Identity) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (identity, new) =
        Identity::generated(dir.path(), "test.server", &[]).expect("generate the identity");
    assert!(new);
    (dir, identity)
}

pub async fn tls_server(config: Config) -> (tempfile::TempDir, TestServer) {
    let (dir, identity) = identity();
    let tls = identity.server_config().expect("server config");
    (dir, TestServer::start_tls(config, tls).await)
}

/// A rustls client trusting only the CA in `dir`.
pub fn connector(dir: &Path) -> TlsConnector {
    connector_trusting(&[&dir.join(CA_FILE)])
}

/// A rustls client trusting the CAs in these files.
pub fn connector_trusting(cas: &[&Path]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for ca in cas {
        for cert in CertificateDer::pem_file_iter(ca).expect("ca.pem") {
            roots
                .add(cert.expect("a certificate"))
                .expect("a usable CA");
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// A TLS connection to `server`'s TLS listener, verified against the CA
/// in `dir`, not yet registered.
pub async fn tls_connect(
    server: &TestServer,
    dir: &Path,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(server.tls_addr.expect("a TLS listener"))
        .await
        .expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    connector(dir)
        .connect(name, tcp)
        .await
        .expect("the handshake verifies against the generated CA")
}

/// A TLS client registered as `nick`.
pub async fn tls_irc(server: &TestServer, dir: &Path, nick: &str) -> TestClient {
    TestClient::irc_over(tls_connect(server, dir).await, nick).await
}
