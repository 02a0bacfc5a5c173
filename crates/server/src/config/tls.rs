//! The server's TLS identity: a certificate chain and key from PEM files
//! (`--tls-cert`/`--tls-key`), or one generated on first start into the
//! data dir — a small CA and a leaf it signs — and reused after; the
//! rustls server configuration made of it (ring, TLS 1.2 and 1.3 only);
//! and the leaf's SHA-256 fingerprints in the forms clients pin.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::tls_server::TlsCerts;

/// The folder of the data dir the generated identity lives in.
pub const GENERATED_DIR: &str = "tls";
/// The generated CA's certificate: what clients may trust (`-CAfile`,
/// irssi's `-tls_cafile`).
pub const CA_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca-key.pem";
/// The generated leaf and its key (what the server presents).
pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

/// What went wrong with a certificate or key.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
    #[error("{path}: {what}")]
    Pem { path: PathBuf, what: String },
    #[error("cannot generate the certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate and key are not usable: {0}")]
    Rustls(#[from] rustls::Error),
}

/// An IRCv3 Strict Transport Security policy: clients that see it on a
/// plaintext connection reconnect with TLS on `port`, and once on TLS
/// keep to it for `duration`. Clients must verify the certificate of a
/// server with STS, so it needs a real one (the binary refuses it with
/// the generated certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StsPolicy {
    /// The TLS port plaintext clients are sent to.
    pub port: u16,
    /// How long a client keeps to TLS after seeing the policy over TLS
    /// (0: forget it).
    pub duration: std::time::Duration,
    /// The server agrees to be in clients' preload lists.
    pub preload: bool,
}

impl StsPolicy {
    /// 30 days, as ergo's default month.
    pub const DEFAULT_DURATION: std::time::Duration = std::time::Duration::from_secs(30 * 86_400);

    /// The `sts` capability's value: over plaintext only where to go
    /// (`port=6697`); over TLS only how long to stay (`duration=…`,
    /// `preload`), as the specification has it.
    pub fn cap_value(&self, secure: bool) -> String {
        if !secure {
            return format!("port={}", self.port);
        }
        let mut value = format!("duration={}", self.duration.as_secs());
        if self.preload {
            value.push_str(",preload");
        }
        value
    }
}

/// A certificate chain (leaf first) and its private key.
#[derive(Debug)]
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Reads a chain and a key from PEM files.
    pub fn load(cert: &Path, key: &Path) -> Result<Identity, TlsError> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|error| pem_error(cert, error))?;
        if chain.is_empty() {
            return Err(TlsError::Pem {
                path: cert.to_owned(),
                what: "no certificate in the file".to_owned(),
            });
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|error| pem_error(key, error))?;
        Ok(Identity { chain, key })
    }

    /// The identity generated in `dir` on an earlier start, or a new one
    /// (a CA and a leaf it signs, ECDSA P-256) written there now; the
    /// leaf names localhost, the loopback addresses, `server_name`, this
    /// machine's host name and addresses, and `extra` (say, the
    /// listening addresses). True with a new one.
    pub fn generated(
        dir: &Path,
        server_name: &str,
        extra: &[IpAddr],
    ) -> Result<(Identity, bool), TlsError> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        if cert.exists() && key.exists() {
            return Ok((Identity::load(&cert, &key)?, false));
        }
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |error| TlsError::Io { path, error }
        };
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;

        let made = Generated::new(server_name, extra)?;
        // Keys first and private; the certificates last, since their
        // presence is what says the identity is complete.
        write_file(&dir.join(CA_KEY_FILE), &made.ca_key.serialize_pem(), true)?;
        write_file(&key, &made.leaf_key.serialize_pem(), true)?;
        write_file(&dir.join(CA_FILE), &made.ca.pem(), false)?;
        write_file(&cert, &made.leaf.pem(), false)?;
        Ok((Identity::load(&cert, &key)?, true))
    }

    /// A new identity like `generated`'s, kept in memory only: for a
    /// server that stores nothing (`--no-history` without `--data-dir`).
    pub fn ephemeral(server_name: &str, extra: &[IpAddr]) -> Result<Identity, TlsError> {
        let made = Generated::new(server_name, extra)?;
        Ok(Identity {
            chain: vec![made.leaf.der().clone()],
            key: PrivateKeyDer::Pkcs8(made.leaf_key.serialize_der().into()),
        })
    }

    /// The identity generated in `dir` earlier, read again (a reload: a
    /// missing file is an error, never a reason to make a new one).
    pub fn reload_generated(dir: &Path) -> Result<Identity, TlsError> {
        Identity::load(&dir.join(CERT_FILE), &dir.join(KEY_FILE))
    }

    /// The rustls configuration serving this identity (and no other: see
    /// [`TlsCerts`] for one that a reload can change).
    pub fn server_config(self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        TlsCerts::new(self)?.server_config()
    }

    /// The leaf's fingerprints.
    pub fn fingerprints(&self) -> Fingerprints {
        let leaf = self.chain[0].as_ref();
        Fingerprints {
            cert: sha256(leaf),
            public_key: subject_public_key_info(leaf).map(sha256),
        }
    }
}

/// A CA and a leaf it signs, as generated.
struct Generated {
    ca_key: KeyPair,
    ca: rcgen::Certificate,
    leaf_key: KeyPair,
    leaf: rcgen::Certificate,
}

impl Generated {
    fn new(server_name: &str, extra: &[IpAddr]) -> Result<Generated, TlsError> {
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.distinguished_name
            .push(DnType::CommonName, format!("ciao CA for {server_name}"));
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key)?;

        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut leaf = CertificateParams::new(Vec::<String>::new())?;
        leaf.distinguished_name
            .push(DnType::CommonName, server_name.to_owned());
        leaf.subject_alt_names = subject_alt_names(server_name, extra);
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        let issuer = Issuer::new(ca, &ca_key);
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;

        Ok(Generated {
            ca_key,
            ca: ca_cert,
            leaf_key,
            leaf: leaf_cert,
        })
    }
}

/// SHA-256 of the leaf certificate and of its public key (SPKI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprints {
    pub cert: [u8; 32],
    /// `None` if the certificate could not be read far enough.
    pub public_key: Option<[u8; 32]>,
}

impl Fingerprints {
    /// `AB:CD:…`: irssi's `tls_pinned_cert`.
    pub fn irssi_cert(&self) -> String {
        colon_hex(&self.cert)
    }

    /// `AB:CD:…` of the public key: irssi's `tls_pinned_pubkey`.
    pub fn irssi_pubkey(&self) -> Option<String> {
        self.public_key.as_ref().map(|key| colon_hex(key))
    }

    /// `abcd…`: weechat's `tls_fingerprint`.
    pub fn weechat(&self) -> String {
        lower_hex(&self.cert)
    }
}

/// A certificate's SHA-256 as IRC servers show it (lowercase hex, no
/// colons): a client certificate's in WHOIS 276 and for SASL EXTERNAL.
pub fn cert_fingerprint(der: &[u8]) -> String {
    lower_hex(&sha256(der))
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

fn colon_hex(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
    hex.join(":")
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

fn pem_error(path: &Path, error: rustls_pki_types::pem::Error) -> TlsError {
    TlsError::Pem {
        path: path.to_owned(),
        what: error.to_string(),
    }
}

/// localhost, the loopback addresses, the server name, this machine's
/// host name and the addresses it reaches others from, and `extra`.
fn subject_alt_names(server_name: &str, extra: &[IpAddr]) -> Vec<SanType> {
    let mut names = vec!["localhost".to_owned(), server_name.to_owned()];
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        names.push(host.trim().to_owned());
    }
    let mut ips = vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    ips.extend(outbound_addresses());
    ips.extend(extra.iter().filter(|ip| !ip.is_unspecified()));
    let mut sans = Vec::new();
    for name in names {
        if let Ok(ip) = name.parse::<IpAddr>() {
            ips.push(ip);
        } else if let Ok(name) = rcgen::string::Ia5String::try_from(name)
            && !sans.contains(&SanType::DnsName(name.clone()))
        {
            sans.push(SanType::DnsName(name));
        }
    }
    for ip in ips {
        if !sans.contains(&SanType::IpAddress(ip)) {
            sans.push(SanType::IpAddress(ip));
        }
    }
    sans
}

/// The source addresses this machine would use towards the internet (a
/// connected UDP socket sends nothing): its addresses that clients on
/// the network are likely to type, without a dependency to list
/// interfaces.
fn outbound_addresses() -> Vec<IpAddr> {
    let probe = |bind: &str, to: &str| {
        let socket = UdpSocket::bind(bind).ok()?;
        socket.connect(to).ok()?;
        socket.local_addr().ok().map(|addr| addr.ip())
    };
    // Documentation prefixes: routed like anything else, owned by nobody.
    [
        probe("0.0.0.0:0", "192.0.2.1:9"),
        probe("[::]:0", "[2001:db8::1]:9"),
    ]
    .into_iter()
    .flatten()
    .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
    .collect()
}

/// Writes a file (mode 0600 if `private`: a key).
fn write_file(path: &Path, text: &str, private: bool) -> Result<(), TlsError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|error| TlsError::Io {
            path: path.to_owned(),
            error,
        })
}

/// The DER of a certificate's SubjectPublicKeyInfo: the seventh field of
/// its TBSCertificate (after the optional version).
fn subject_public_key_info(cert: &[u8]) -> Option<&[u8]> {
    let (_, certificate) = der_element(cert)?;
    let (_, tbs) = der_element(certificate)?;
    let mut rest = tbs;
    // [0] version, if present.
    if rest.first() == Some(&0xa0) {
        rest = &rest[der_len(rest)?..];
    }
    // serialNumber, signature, issuer, validity, subject.
    for _ in 0..5 {
        rest = &rest[der_len(rest)?..];
    }
    rest.get(..der_len(rest)?)
}

/// The contents of the DER element at the start of `der`, and its whole
/// length.
fn der_element(der: &[u8]) -> Option<(usize, &[u8])> {
    let (header, len) = der_header(der)?;
    Some((header + len, der.get(header..header + len)?))
}

/// The whole length of the DER element at the start of `der`.
fn der_len(der: &[u8]) -> Option<usize> {
    let (header, len) = der_header(der)?;
    (der.len() >= header + len).then_some(header + len)
}

/// (header length, content length) of a DER element (short tags only,
/// which is all X.509 uses).
fn der_header(der: &[u8]) -> Option<(usize, usize)> {
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((2, usize::from(first)));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return None;
    }
    let bytes = der.get(2..2 + count)?;
    let len = bytes
        .iter()
        .fold(0usize, |len, &byte| (len << 8) | usize::from(byte));
    Some((2 + count, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_identity_is_reused_and_its_keys_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (first, new) = Identity::generated(dir.path(), "irc.example", &[]).expect("generate");
        assert!(new);
        let (again, new) = Identity::generated(dir.path(), "irc.example", &[]).expect("load");
        assert!(!new);
        assert_eq!(first.fingerprints(), again.fingerprints());
        #[cfg(unix)]
        for key in [KEY_FILE, CA_KEY_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(key))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
    }

    #[test]
    fn the_public_key_fingerprint_is_of_the_leafs_key() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        use rcgen::PublicKeyData;
        assert_eq!(
            subject_public_key_info(cert.der()),
            Some(key.subject_public_key_info().as_slice())
        );
    }

    #[test]
    fn sts_says_where_to_go_in_clear_and_how_long_to_stay_over_tls() {
        let policy = StsPolicy {
            port: 6697,
            duration: std::time::Duration::from_secs(86_400),
            preload: false,
        };
        assert_eq!(policy.cap_value(false), "port=6697");
        assert_eq!(policy.cap_value(true), "duration=86400");
        let preload = StsPolicy {
            preload: true,
            ..policy
        };
        assert_eq!(preload.cap_value(false), "port=6697");
        assert_eq!(preload.cap_value(true), "duration=86400,preload");
    }

    #[test]
    fn fingerprints_take_the_clients_forms() {
        let prints = Fingerprints {
            cert: [0xab; 32],
            public_key: Some([0x01; 32]),
        };
        assert_eq!(prints.weechat(), "ab".repeat(32));
        assert_eq!(prints.irssi_cert(), vec!["AB"; 32].join(":"));
        assert_eq!(prints.irssi_pubkey(), Some(vec!["01"; 32].join(":")));
    }
}
