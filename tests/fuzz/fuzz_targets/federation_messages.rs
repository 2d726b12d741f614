//! Fuzz target: every federation message as a peer sends it, decoded with
//! prost from arbitrary bytes and run through the node's public checks.
//!
//! First byte: the message. `SubscribeRequest` (its cursor through
//! `Cursor::decode`), a `Delivery` as received (`open`, then
//! `check_delivery`), a `Delivery` whose envelope and relay claims the target
//! signs again with the golden keys (so the relay-chain checks behind the
//! signatures are reached), and `RelayClaim` and `Statement` decoding alone.
//! Every decoded message must re-encode to bytes that decode to itself.

#![no_main]
// Fuzz harness: a panic is how a target reports a broken invariant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use tocsin_fuzz::{MAX_BYTES, directory, key};
use tocsin_proto::v1 as pb;
use tocsin_server::federation::cursor::Cursor;
use tocsin_server::federation::{PAYLOAD_TYPE, RELAY_PAYLOAD_TYPE, check_delivery, open};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::signing::pae;

/// Who receives deliveries in this target.
const ME: &str = "un-hq";

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 5 {
        0 => subscribe(rest),
        1 => {
            if let Some(delivery) = round_trip::<pb::Delivery>(rest) {
                delivered(&delivery);
            }
        }
        2 => {
            if let Some(delivery) = round_trip::<pb::Delivery>(rest) {
                delivered(&resigned(delivery, which & 0x80 != 0));
            }
        }
        3 => {
            round_trip::<pb::RelayClaim>(rest);
        }
        _ => {
            round_trip::<pb::Statement>(rest);
        }
    }
});

/// Decodes `bytes`; a decoded message must survive encoding unchanged.
fn round_trip<M: Message + Default + PartialEq>(bytes: &[u8]) -> Option<M> {
    let message = M::decode(bytes).ok()?;
    let again = M::decode(message.encode_to_vec().as_slice()).expect("a re-encoded message decodes");
    assert!(again == message, "a message changed through encoding");
    Some(message)
}

fn subscribe(bytes: &[u8]) {
    let Some(request) = round_trip::<pb::SubscribeRequest>(bytes) else {
        return;
    };
    match Cursor::decode(&request.cursor) {
        Ok(Some(cursor)) => {
            assert_eq!(
                cursor.encode(),
                request.cursor,
                "a cursor does not re-encode to itself"
            );
            let after = Cursor::resume_after(Some(cursor), cursor.epoch);
            assert_eq!(
                after, cursor.seq,
                "a cursor of the current epoch does not resume after its sequence"
            );
        }
        Ok(None) => assert!(
            request.cursor.is_empty(),
            "a non-empty cursor means from the beginning"
        ),
        Err(_) => {}
    }
}

/// The envelope signed again by its origin's golden key, and each claim by
/// the golden key of the relay it names; with `fix`, each claim names the
/// statement and payload it travels with.
fn resigned(mut delivery: pb::Delivery, fix: bool) -> pb::Delivery {
    let Some(envelope) = delivery.envelope.as_mut() else {
        return delivery;
    };
    let origin = pb::Statement::decode(envelope.payload.as_slice())
        .map(|s| s.origin)
        .unwrap_or_default();
    let signer = key(&origin).unwrap_or_else(|| key("ecowas").expect("a golden key"));
    envelope.payload_type = PAYLOAD_TYPE.to_owned();
    envelope.signatures = vec![pb::EnvelopeSignature {
        keyid: signer.key_id().to_owned(),
        sig: signer.sign(&pae(PAYLOAD_TYPE, &envelope.payload)).to_vec(),
    }];
    let verified = open(envelope, directory(), MAX_BYTES).ok();
    for relay in &mut delivery.relays {
        let Ok(mut claim) = pb::RelayClaim::decode(relay.claim.as_slice()) else {
            continue;
        };
        if let (true, Some(verified)) = (fix, verified.as_ref()) {
            claim.statement_id = verified.value().id.clone();
            claim.payload_sha256 = verified.payload_sha256().to_vec();
            relay.claim = claim.encode_to_vec();
        }
        let relay_key = key(&claim.relay).unwrap_or_else(|| key("au").expect("a golden key"));
        relay.signature = Some(pb::EnvelopeSignature {
            keyid: relay_key.key_id().to_owned(),
            sig: relay_key.sign(&pae(RELAY_PAYLOAD_TYPE, &relay.claim)).to_vec(),
        });
    }
    delivery
}

fn delivered(delivery: &pb::Delivery) {
    let Some(envelope) = delivery.envelope.as_ref() else {
        return;
    };
    let Ok(verified) = open(envelope, directory(), MAX_BYTES) else {
        return;
    };
    let statement = verified.value();
    let sender = match delivery.relays.last() {
        None => statement.origin.clone(),
        Some(last) => pb::RelayClaim::decode(last.claim.as_slice())
            .map(|c| c.relay)
            .unwrap_or_default(),
    };
    let Ok(hops) = check_delivery(&verified, &delivery.relays, directory(), ME, &sender) else {
        return;
    };
    assert_eq!(
        hops as usize,
        delivery.relays.len(),
        "hops is not the number of relays"
    );
    assert!(
        hops <= statement.audience.hop_limit,
        "more hops than the hop limit"
    );
    if hops > 0 {
        assert!(
            matches!(statement.tlp, Tlp::Clear | Tlp::Green),
            "a {} statement was accepted relayed",
            statement.tlp
        );
        let last = pb::RelayClaim::decode(delivery.relays[delivery.relays.len() - 1].claim.as_slice())
            .expect("an accepted claim decodes");
        assert_eq!(last.to, ME, "the last relay went elsewhere");
        // Only the last relay could deliver it.
        let other = if sender == "au" { "ecowas" } else { "au" };
        assert!(
            check_delivery(&verified, &delivery.relays, directory(), ME, other).is_err(),
            "a delivery was accepted from a sender that did not relay it"
        );
        // No one-bit change of any accepted claim is accepted.
        for (i, relay) in delivery.relays.iter().enumerate() {
            let mut tampered = delivery.relays.clone();
            let at = (i * 7 + relay.claim.len()) % relay.claim.len().max(1);
            if let Some(byte) = tampered[i].claim.get_mut(at) {
                *byte ^= 1;
                assert!(
                    check_delivery(&verified, &tampered, directory(), ME, &sender).is_err(),
                    "a modified relay claim was accepted"
                );
            }
        }
    }
}
