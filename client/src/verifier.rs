//! How the CLI trusts a node's certificate: exactly one pinned fingerprint,
//! or normal WebPKI verification against an organisation's CA file. There is
//! no third way: with neither, nothing is trusted.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::fingerprint::Fingerprint;

/// What the client accepts as the node's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Exactly this certificate (self-signed node certificates).
    Pin(Fingerprint),
    /// Any certificate for the node's host name issued by a CA in this PEM file.
    CaFile(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read CA certificate file `{path}`: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("CA certificate file `{path}` holds no certificate")]
    EmptyCaFile { path: PathBuf },
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}

/// The fingerprint of the certificate a node presented during a handshake,
/// recorded so that a refusal can say what was seen.
#[derive(Debug, Clone, Default)]
pub struct Presented(Arc<Mutex<Option<Fingerprint>>>);

impl Presented {
    pub fn get(&self) -> Option<Fingerprint> {
        self.0.lock().ok().and_then(|slot| *slot)
    }

    fn set(&self, fingerprint: Fingerprint) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(fingerprint);
        }
    }
}

/// Accepts exactly the certificate whose fingerprint is pinned; with no pin it
/// accepts nothing and only records what it saw. Handshake signatures are
/// still verified with the ring provider's algorithms.
#[derive(Debug)]
pub struct PinnedVerifier {
    expected: Option<Fingerprint>,
    presented: Presented,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    pub fn new(expected: Option<Fingerprint>, presented: Presented) -> Self {
        Self {
            expected,
            presented,
            algorithms: provider().signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = Fingerprint::of_der(end_entity);
        self.presented.set(seen);
        if self.expected == Some(seen) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// A TLS client configuration (ALPN `h2`) for `trust`; `None` builds the
/// record-only configuration used to show a node's fingerprint.
pub fn client_config(trust: Option<&Trust>, presented: &Presented) -> Result<ClientConfig, TrustError> {
    let builder =
        ClientConfig::builder_with_provider(Arc::new(provider())).with_safe_default_protocol_versions()?;
    let mut config = match trust {
        Some(Trust::CaFile(path)) => builder
            .with_root_certificates(load_roots(path)?)
            .with_no_client_auth(),
        Some(Trust::Pin(fingerprint)) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(
                Some(*fingerprint),
                presented.clone(),
            )))
            .with_no_client_auth(),
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(None, presented.clone())))
            .with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

fn load_roots(path: &PathBuf) -> Result<RootCertStore, TrustError> {
    let unreadable = |reason: String| TrustError::CaFile {
        path: path.clone(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| unreadable(e.to_string()))?;
        roots.add(cert).map_err(|e| unreadable(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(TrustError::EmptyCaFile { path: path.clone() });
    }
    Ok(roots)
}
