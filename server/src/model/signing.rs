//! Ed25519 signing for what crosses the federation: the DSSE
//! pre-authentication encoding and a node's signing key. Pure: no I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

use super::signature_check::{SignatureCheck, verify_one};
use crate::model::hex::hex;

pub use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;

/// Errors of keys and signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("not an Ed25519 private key in PKCS#8 PEM: {0}")]
    Pkcs8(String),
    #[error("cannot encode the key as PKCS#8 PEM: {0}")]
    Encode(String),
    #[error("`{0}` is not a valid key id: use 1 to 64 of a-z, 0-9, `-` and `_`")]
    KeyId(String),
    #[error("`{0}` is not an Ed25519 public key: expected 32 bytes in base64")]
    PublicKey(String),
    #[error("the signature is {0} bytes long, not 64")]
    SignatureLength(usize),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("cannot read randomness from the operating system: {0}")]
    Randomness(String),
}

/// The DSSE pre-authentication encoding:
/// `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths in
/// ASCII decimal. This, not the payload alone, is what gets signed.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let header = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len());
    let mut out = Vec::with_capacity(header.len() + payload.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// Whether `id` is a valid organisation, group or key id: 1 to 64 of
/// `a-z`, `0-9`, `-` and `_`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The default key id of a public key: the first 16 hex digits of its SHA-256.
pub fn default_key_id(key: &VerifyingKey) -> String {
    hex(&Sha256::digest(key.as_bytes())[..8])
}

/// Reads a base64 Ed25519 public key (32 bytes).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, SigningError> {
    let bad = || SigningError::PublicKey(text.to_owned());
    let bytes = BASE64.decode(text.trim()).map_err(|_| bad())?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
}

/// Verifies an Ed25519 signature over `msg` by the rule of
/// [`signature_check`](super::signature_check): cofactored, no weak keys, no
/// malleable signatures.
pub fn verify(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> Result<(), SigningError> {
    if sig.len() != 64 {
        return Err(SigningError::SignatureLength(sig.len()));
    }
    let check = SignatureCheck {
        key,
        message: msg,
        signature: sig,
    };
    if verify_one(&check) {
        Ok(())
    } else {
        Err(SigningError::BadSignature)
    }
}

/// A node's Ed25519 signing key and the key id the federation directory
/// knows it by. `Debug` never shows the secret.
#[derive(Clone)]
pub struct NodeKey {
    key: SigningKey,
    key_id: String,
}

impl NodeKey {
    /// A new key from the operating system's randomness, with the default key id.
    pub fn generate() -> Result<Self, SigningError> {
        use rand::TryRngCore;
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng
            .try_fill_bytes(seed.as_mut())
            .map_err(|e| SigningError::Randomness(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// The key with this 32-byte secret seed, with the default key id. For
    /// fixtures and tests; a real key comes from [`NodeKey::generate`].
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let key_id = default_key_id(&key.verifying_key());
        Self { key, key_id }
    }

    /// Reads a PKCS#8 PEM private key (as `keygen` writes it), with the
    /// default key id.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, SigningError> {
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| SigningError::Pkcs8(e.to_string()))?;
        let key_id = default_key_id(&key.verifying_key());
        Ok(Self { key, key_id })
    }

    /// The private key as PKCS#8 PEM; the text is wiped when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, SigningError> {
        self.key
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .map_err(|e| SigningError::Encode(e.to_string()))
    }

    /// The same key under another key id.
    pub fn with_key_id(mut self, key_id: &str) -> Result<Self, SigningError> {
        if !is_valid_id(key_id) {
            return Err(SigningError::KeyId(key_id.to_owned()));
        }
        self.key_id = key_id.to_owned();
        Ok(self)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key in base64, as the federation directory lists it.
    pub fn public_key_base64(&self) -> String {
        BASE64.encode(self.key.verifying_key().as_bytes())
    }

    /// Signs `msg` (for the federation: always a [`pae`]).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.key.sign(msg).to_bytes()
    }
}

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeKey")
            .field("key_id", &self.key_id)
            .field("public_key", &self.public_key_base64())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_specification() {
        // The example of the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        for (ty, payload, want) in [
            ("", &b""[..], &b"DSSEv1 0  0 "[..]),
            ("t", &[0u8, 1, 2][..], &b"DSSEv1 1 t 3 \x00\x01\x02"[..]),
            ("é", &b"x"[..], "DSSEv1 2 é 1 x".as_bytes()),
        ] {
            assert_eq!(pae(ty, payload), want, "{ty:?}");
        }
    }

    #[test]
    fn signs_and_verifies() {
        let key = NodeKey::from_seed(&[7; 32]);
        let sig = key.sign(b"message");
        assert_eq!(verify(&key.verifying_key(), b"message", &sig), Ok(()));
        assert_eq!(
            verify(&key.verifying_key(), b"messagf", &sig),
            Err(SigningError::BadSignature)
        );
        assert_eq!(
            verify(&key.verifying_key(), b"message", &sig[..63]),
            Err(SigningError::SignatureLength(63))
        );
        let other = NodeKey::from_seed(&[8; 32]);
        assert!(verify(&other.verifying_key(), b"message", &sig).is_err());
    }

    #[test]
    fn pem_round_trip_keeps_the_key() {
        let key = NodeKey::generate().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = NodeKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.public_key_base64(), key.public_key_base64());
        assert_eq!(back.key_id(), key.key_id());
        assert!(matches!(
            NodeKey::from_pkcs8_pem("not a key"),
            Err(SigningError::Pkcs8(_))
        ));
    }

    #[test]
    fn key_ids_default_to_the_public_key_hash() {
        let key = NodeKey::from_seed(&[1; 32]);
        let hash = Sha256::digest(key.verifying_key().as_bytes());
        assert_eq!(key.key_id().len(), 16);
        assert_eq!(key.key_id(), &format!("{hash:x}")[..16]);
        let named = key.clone().with_key_id("ecowas-2026").unwrap();
        assert_eq!(named.key_id(), "ecowas-2026");
        assert_eq!(
            key.with_key_id("Bad Id").unwrap_err().to_string(),
            "`Bad Id` is not a valid key id: use 1 to 64 of a-z, 0-9, `-` and `_`"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let seed = [0xab; 32];
        let key = NodeKey::from_seed(&seed);
        let shown = format!("{key:?}");
        assert!(shown.contains(key.key_id()));
        assert!(!shown.contains(&BASE64.encode(seed)));
        assert!(!shown.to_lowercase().contains("abababab"));
    }

    #[test]
    fn public_keys_parse_from_base64() {
        let key = NodeKey::from_seed(&[3; 32]);
        assert_eq!(
            parse_public_key(&key.public_key_base64()),
            Ok(key.verifying_key())
        );
        for bad in ["", "AAAA", "not base64!"] {
            assert_eq!(
                parse_public_key(bad),
                Err(SigningError::PublicKey(bad.to_owned()))
            );
        }
    }

    #[test]
    fn ids_are_checked() {
        for (id, ok) in [
            ("ecowas", true),
            ("un-hq", true),
            ("a_1", true),
            ("", false),
            ("UN", false),
            ("a b", false),
            (&"x".repeat(65), false),
        ] {
            assert_eq!(is_valid_id(id), ok, "{id}");
        }
    }
}
