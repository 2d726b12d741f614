//! The envelope signatures of deliveries that arrived together, checked at
//! once (see `model::signature_check`) before each delivery is checked on
//! its own: a signature proven here is not verified again, any other is.
//! Envelopes the checks will refuse unverified (wrong type, too many
//! signatures, over the size limit) are left out, so that they cost no
//! signature check here either.

use prost::Message;
use tocsin_proto::v1 as pb;

use crate::federation::directory::Directory;
use crate::federation::envelope::{MAX_SIGNATURES, PAYLOAD_TYPE};
use crate::model::signature_check::{Proven, SignatureCheck};
use crate::model::signing::pae;

/// Fewer deliveries than this are not worth a batch (a warning on its own
/// goes straight to the single check).
const BATCH_FROM: usize = 4;

/// Checks at once the signatures by known keys on `envelopes` (those of
/// deliveries that arrived together, or of statements read from the inbox).
pub(super) fn prove_envelopes<'a>(
    envelopes: impl Iterator<Item = &'a pb::Envelope>,
    directory: &Directory,
    max_bytes: usize,
) -> Proven {
    let envelopes: Vec<&pb::Envelope> = envelopes
        .filter(|e| {
            e.payload_type == PAYLOAD_TYPE
                && e.signatures.len() <= MAX_SIGNATURES
                && e.encoded_len() <= max_bytes
        })
        .collect();
    if envelopes.len() < BATCH_FROM {
        return Proven::none();
    }
    let messages: Vec<Vec<u8>> = envelopes.iter().map(|e| pae(PAYLOAD_TYPE, &e.payload)).collect();
    let checks: Vec<SignatureCheck<'_>> = envelopes
        .iter()
        .zip(&messages)
        .flat_map(|(envelope, message)| {
            envelope.signatures.iter().filter_map(move |signature| {
                let (_, key) = directory.key_by_id(&signature.keyid)?;
                Some(SignatureCheck {
                    key: &key.public_key,
                    message,
                    signature: &signature.sig,
                })
            })
        })
        .collect();
    Proven::batch(&checks)
}
