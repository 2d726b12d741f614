//! The development issuer's Ed25519 signing key: generated, or kept in a
//! PKCS#8 PEM file (mode 0600) so tokens survive a node restart; its public
//! JWK; and compact EdDSA JWT signing.

use super::AuthError;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

pub(crate) struct DevKey {
    signing: SigningKey,
    kid: String,
}

impl fmt::Debug for DevKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl DevKey {
    pub(crate) fn generate() -> Self {
        Self::from_signing_key(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    fn from_signing_key(signing: SigningKey) -> Self {
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
        // RFC 7638 thumbprint: required members, sorted, no whitespace.
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        Self { signing, kid }
    }

    /// Loads the key at `path`, or generates one and writes it there (0600).
    pub(crate) fn load_or_create(path: &Path) -> Result<Self, AuthError> {
        let fail = |reason: String| AuthError::KeyFile {
            path: path.to_owned(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(pem) => {
                warn_if_readable_by_others(path);
                return Self::from_pem(&pem).map_err(fail);
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(fail(err.to_string())),
        }
        let key = Self::generate();
        let pem = key.to_pem().map_err(fail)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(path) {
            Ok(file) => file,
            // Another process created it first: use theirs.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                let pem = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
                return Self::from_pem(&pem).map_err(fail);
            }
            Err(err) => return Err(fail(err.to_string())),
        };
        file.write_all(pem.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| fail(e.to_string()))?;
        Ok(key)
    }

    fn to_pem(&self) -> Result<String, String> {
        let der = self
            .signing
            .to_pkcs8_der()
            .map_err(|e| format!("cannot encode key: {e}"))?;
        let body = STANDARD.encode(der.as_bytes());
        let mut pem = format!("{PEM_BEGIN}\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str(PEM_END);
        pem.push('\n');
        Ok(pem)
    }

    fn from_pem(pem: &str) -> Result<Self, String> {
        let start = pem.find(PEM_BEGIN).ok_or("no `BEGIN PRIVATE KEY` block")? + PEM_BEGIN.len();
        let end = pem[start..].find(PEM_END).ok_or("no `END PRIVATE KEY` line")? + start;
        let body: String = pem[start..end].split_whitespace().collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| "key block is not base64".to_owned())?;
        let signing =
            SigningKey::from_pkcs8_der(&der).map_err(|_| "not a pkcs#8 ed25519 private key".to_owned())?;
        Ok(Self::from_signing_key(signing))
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (OKP, Ed25519, EdDSA).
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.signing.verifying_key().as_bytes()),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        })
    }

    /// A compact JWS: `{alg: EdDSA, kid, typ: JWT}` over `claims`.
    pub(crate) fn sign_jwt(&self, claims: &Value) -> String {
        let header = json!({"alg": "EdDSA", "kid": self.kid, "typ": "JWT"});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "development issuer key file is readable by others");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/dev-issuer.pem");
        let first = DevKey::load_or_create(&path).unwrap();
        let again = DevKey::load_or_create(&path).unwrap();
        assert_eq!(first.kid(), again.kid());
        assert_eq!(first.jwk(), again.jwk());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_ne!(DevKey::generate().kid(), first.kid());
    }

    #[test]
    fn a_corrupt_key_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.pem");
        std::fs::write(&path, "not a key").unwrap();
        let err = DevKey::load_or_create(&path).unwrap_err();
        assert!(err.to_string().contains("bad.pem"), "{err}");
        assert!(matches!(err, AuthError::KeyFile { .. }));
    }

    #[test]
    fn jwt_has_three_parts_and_the_expected_header() {
        let key = DevKey::generate();
        let jwt = key.sign_jwt(&json!({"sub": "ada"}));
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "EdDSA", "kid": key.kid(), "typ": "JWT"}));
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 64);
    }
}
