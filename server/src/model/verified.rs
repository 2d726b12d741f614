//! A statement whose signature, origin and key validity were checked: the
//! only form in which anything from a peer reaches the store.

use std::fmt;

use crate::model::hex::hex;

/// A value whose signature was checked against the federation directory.
/// Only `federation::envelope::open` makes one; the store accepts nothing
/// from a peer but a `Verified<Statement>`.
#[derive(Clone)]
pub struct Verified<T> {
    value: T,
    envelope: Vec<u8>,
    payload_sha256: [u8; 32],
    key_id: String,
    signer: String,
}

impl<T> Verified<T> {
    /// Only `federation::envelope::open` calls this, after checking the
    /// signature, the origin and the key's validity.
    pub(crate) fn new(
        value: T,
        envelope: Vec<u8>,
        payload_sha256: [u8; 32],
        key_id: String,
        signer: String,
    ) -> Self {
        Self {
            value,
            envelope,
            payload_sha256,
            key_id,
            signer,
        }
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    pub fn into_value(self) -> T {
        self.value
    }

    /// The encoded `Envelope` as received, to store and to forward untouched.
    pub fn envelope_bytes(&self) -> &[u8] {
        &self.envelope
    }

    /// SHA-256 of the signed payload: with the statement id, what tells a
    /// duplicate from an equivocation.
    pub fn payload_sha256(&self) -> &[u8; 32] {
        &self.payload_sha256
    }

    /// The id of the key whose signature verified.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The organisation that owns that key (for a statement: its origin).
    pub fn signer(&self) -> &str {
        &self.signer
    }
}

impl<T: fmt::Debug> fmt::Debug for Verified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hash = hex(&self.payload_sha256);
        f.debug_struct("Verified")
            .field("value", &self.value)
            .field("signer", &self.signer)
            .field("key_id", &self.key_id)
            .field("payload_sha256", &hash)
            .field("envelope_len", &self.envelope.len())
            .finish()
    }
}
