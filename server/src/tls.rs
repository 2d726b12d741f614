//! The node's TLS identity for its API: a configured certificate, or a
//! self-signed one generated on first start and kept in the data directory.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::hex::hex;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write `{path}`: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("`{path}` holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("`{path}` holds no usable PEM private key: {reason}")]
    BadKey { path: PathBuf, reason: String },
    #[error("cannot generate a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A certificate chain and key in PEM, with the leaf's fingerprint.
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_pem: String,
    pub key_pem: String,
    /// `SHA256:` and the lower-case hex SHA-256 of the leaf certificate (DER).
    pub fingerprint: String,
    /// True when the node made this certificate itself.
    pub self_signed: bool,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never appears in logs or debug output.
        f.debug_struct("TlsIdentity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Loads `cert`/`key` when given; otherwise loads or creates the
    /// self-signed identity under `<data_dir>/tls`.
    pub fn load_or_generate(data_dir: &Path, cert: &Path, key: &Path) -> Result<Self, TlsError> {
        if !cert.as_os_str().is_empty() {
            return Self::load(cert, key, false);
        }
        let dir = data_dir.join("tls");
        let (cert, key) = (dir.join("node.crt"), dir.join("node.key"));
        if cert.exists() && key.exists() {
            return Self::load(&cert, &key, true);
        }
        let generated = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])?;
        std::fs::create_dir_all(&dir).map_err(|source| TlsError::Write {
            path: dir.clone(),
            source,
        })?;
        write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
        std::fs::write(&cert, generated.cert.pem()).map_err(|source| TlsError::Write {
            path: cert.clone(),
            source,
        })?;
        Self::load(&cert, &key, true)
    }

    fn load(cert: &Path, key: &Path, self_signed: bool) -> Result<Self, TlsError> {
        let cert_pem = std::fs::read_to_string(cert).map_err(|source| TlsError::Read {
            path: cert.to_owned(),
            source,
        })?;
        let key_pem = std::fs::read_to_string(key).map_err(|source| TlsError::Read {
            path: key.to_owned(),
            source,
        })?;
        let leaf = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| TlsError::NoCertificate {
                path: cert.to_owned(),
            })?;
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| TlsError::BadKey {
            path: key.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            fingerprint: fingerprint(&leaf),
            cert_pem,
            key_pem,
            self_signed,
        })
    }
}

/// `SHA256:<hex>` of a DER certificate, as clients pin it.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    format!("SHA256:{}", hex(&digest))
}

/// Creates `path` readable by its owner only, before any byte is written.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| TlsError::Write {
        path: path.to_owned(),
        source,
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|source| TlsError::Write {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_then_reuses_with_the_same_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let first = TlsIdentity::load_or_generate(dir.path(), Path::new(""), Path::new("")).unwrap();
        assert!(first.self_signed);
        assert!(first.fingerprint.starts_with("SHA256:") && first.fingerprint.len() == 7 + 64);
        let again = TlsIdentity::load_or_generate(dir.path(), Path::new(""), Path::new("")).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("tls/node.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{first:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn configured_files_that_are_not_pem_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let bogus = dir.path().join("bogus.pem");
        std::fs::write(&bogus, "not pem").unwrap();
        let err = TlsIdentity::load_or_generate(dir.path(), &bogus, &bogus).unwrap_err();
        assert!(err.to_string().contains("bogus.pem"), "{err}");
        let err = TlsIdentity::load_or_generate(dir.path(), Path::new("/none.crt"), &bogus).unwrap_err();
        assert!(err.to_string().contains("/none.crt"), "{err}");
    }
}
