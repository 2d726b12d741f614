//! Fuzz target: envelope decoding and verification (`federation::open`,
//! `open_bytes`) against the golden directory.
//!
//! The first byte picks the mode. Even: the rest is an encoded envelope, as
//! received; it must verify the same through `open_bytes` and `open`, and
//! once accepted no one-bit change of its payload or signature is. Odd: the
//! rest is a statement payload, which the target signs with the golden key of
//! the origin it names, so the statement decoder behind the signature check
//! is reached; an accepted statement must seal and open to itself.

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use tocsin_fuzz::{MAX_BYTES, directory, key};
use tocsin_proto::v1 as pb;
use tocsin_server::federation::{PAYLOAD_TYPE, open, open_bytes, seal};
use tocsin_server::model::signing::pae;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        received(rest);
    } else {
        signed(rest);
    }
});

/// A one-bit change at a position derived from the input.
fn flip(bytes: &mut [u8], salt: usize) {
    if bytes.is_empty() {
        return;
    }
    let at = salt % bytes.len();
    bytes[at] ^= 1 << (salt % 8);
}

fn received(bytes: &[u8]) {
    let by_bytes = open_bytes(bytes, directory(), MAX_BYTES);
    let Ok(envelope) = pb::Envelope::decode(bytes) else {
        assert!(by_bytes.is_err(), "an envelope that does not decode was accepted");
        return;
    };
    let by_struct = open(&envelope, directory(), MAX_BYTES);
    assert_eq!(
        by_bytes.as_ref().map(|v| v.value().clone()).map_err(Clone::clone),
        by_struct
            .as_ref()
            .map(|v| v.value().clone())
            .map_err(Clone::clone),
        "open and open_bytes disagree"
    );
    let Ok(verified) = by_bytes else {
        return;
    };
    assert_eq!(
        verified.envelope_bytes(),
        bytes,
        "the verified bytes are not the bytes given"
    );
    assert_eq!(
        verified.signer(),
        verified.value().origin,
        "signer is not the origin"
    );
    refuses_tampering(&envelope, bytes.len());
}

/// No one-bit change of an accepted envelope's payload or of the signature
/// that verified it is accepted.
fn refuses_tampering(envelope: &pb::Envelope, salt: usize) {
    let mut payload = envelope.clone();
    flip(&mut payload.payload, salt);
    if payload.payload != envelope.payload {
        assert!(
            open(&payload, directory(), MAX_BYTES).is_err(),
            "a modified payload verified"
        );
    }
    if envelope.signatures.len() == 1 {
        let mut signature = envelope.clone();
        flip(&mut signature.signatures[0].sig, salt);
        assert!(
            open(&signature, directory(), MAX_BYTES).is_err(),
            "a modified signature verified"
        );
    }
    let mut kind = envelope.clone();
    kind.payload_type.push('x');
    assert!(
        open(&kind, directory(), MAX_BYTES).is_err(),
        "a modified payload type verified"
    );
}

fn signed(payload: &[u8]) {
    // Sign with the key of the origin the payload names, when it is golden.
    let origin = pb::Statement::decode(payload)
        .map(|s| s.origin)
        .unwrap_or_default();
    let signer = key(&origin).unwrap_or_else(|| key("ecowas").expect("a golden key"));
    let envelope = pb::Envelope {
        payload: payload.to_vec(),
        payload_type: PAYLOAD_TYPE.to_owned(),
        signatures: vec![pb::EnvelopeSignature {
            keyid: signer.key_id().to_owned(),
            sig: signer.sign(&pae(PAYLOAD_TYPE, payload)).to_vec(),
        }],
    };
    let Ok(verified) = open(&envelope, directory(), MAX_BYTES) else {
        return;
    };
    let statement = verified.value();
    assert_eq!(
        statement.origin, origin,
        "accepted a statement its signer did not originate"
    );
    // Encoding is a function of the statement: sealing it again gives an
    // envelope that opens to the same statement.
    let resealed = seal(statement, &signer);
    let reopened = open(&resealed, directory(), MAX_BYTES)
        .unwrap_or_else(|e| panic!("a resealed statement does not verify: {e}"));
    assert_eq!(
        reopened.value(),
        statement,
        "the statement does not survive encoding"
    );
    refuses_tampering(&envelope, payload.len());
}
