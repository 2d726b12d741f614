//! Relay attestations: each node that forwards a statement it received signs
//! a claim (which statement, which payload, to whom, which hop); the receiver
//! checks the whole chain against the statement's audience and TLP.

use chrono::{DateTime, Utc};
use prost::Message;
use tocsin_proto::v1 as pb;

use crate::federation::directory::Directory;
use crate::federation::envelope::{Verified, VerifyError, key_list};
use crate::federation::wire;
use crate::model::marking::Tlp;
use crate::model::signing::{self, NodeKey, pae};
use crate::model::statement::Statement;

/// The payload type a relay claim is signed under.
pub const RELAY_PAYLOAD_TYPE: &str = "application/vnd.tocsin.relay+protobuf";

/// Signs a claim that `relay_org` forwarded `verified` to `to` as hop `hop`
/// (1 for the first relay) at `at`.
pub fn attest(
    verified: &Verified<Statement>,
    relay_key: &NodeKey,
    relay_org: &str,
    to: &str,
    hop: u32,
    at: DateTime<Utc>,
) -> pb::RelayAttestation {
    let claim = pb::RelayClaim {
        relay: relay_org.to_owned(),
        statement_id: verified.value().id.clone(),
        payload_sha256: verified.payload_sha256().to_vec(),
        to: to.to_owned(),
        hop,
        at: Some(wire::timestamp(at)),
    }
    .encode_to_vec();
    let sig = relay_key.sign(&pae(RELAY_PAYLOAD_TYPE, &claim));
    pb::RelayAttestation {
        claim,
        signature: Some(pb::EnvelopeSignature {
            keyid: relay_key.key_id().to_owned(),
            sig: sig.to_vec(),
        }),
    }
}

/// Checks the relays a statement came through, in order, and returns how
/// many there were (0: straight from its origin). Each claim must be signed
/// by a key of the relay it names, valid when it relayed; name this statement
/// and payload; be numbered 1, 2, …; start where the previous hop went (the
/// first at a recipient of the statement, when it names any); go to a
/// recipient of the statement (when it names any); and the last must go
/// to `expected_to`. TLP:AMBER, AMBER+STRICT and RED are never relayed, and
/// no statement travels more hops than its hop limit.
pub fn check_relays(
    verified: &Verified<Statement>,
    relays: &[pb::RelayAttestation],
    directory: &Directory,
    expected_to: &str,
) -> Result<u32, VerifyError> {
    let statement = verified.value();
    let Some(last_hop) = relays.len().checked_sub(1) else {
        return Ok(0);
    };
    let limit = statement.audience.hop_limit;
    let hops = u32::try_from(relays.len())
        .ok()
        .filter(|hops| *hops <= limit)
        .ok_or_else(|| VerifyError::HopLimitExceeded {
            statement: statement.id.clone(),
            hops: relays.len(),
            limit,
        })?;
    if !matches!(statement.tlp, Tlp::Clear | Tlp::Green) {
        return Err(VerifyError::RelayForbidden {
            statement: statement.id.clone(),
            tlp: statement.tlp,
        });
    }
    let broken = |hop: usize, reason: String| VerifyError::BrokenRelayChain {
        statement: statement.id.clone(),
        hop,
        reason,
    };
    let mut previous_to: Option<String> = None;
    for (index, attestation) in relays.iter().enumerate() {
        let hop = index + 1;
        let claim = verify_claim(index, attestation, directory).map_err(|e| match e {
            ClaimError::Verify(e) => e,
            ClaimError::Broken(reason) => broken(hop, reason),
        })?;
        if claim.statement_id != statement.id {
            return Err(broken(
                hop,
                format!(
                    "the claim names statement `{}`",
                    claim.statement_id.escape_debug()
                ),
            ));
        }
        if claim.payload_sha256.as_slice() != verified.payload_sha256() {
            return Err(broken(
                hop,
                "the claim names another payload (SHA-256 differs)".into(),
            ));
        }
        if usize::try_from(claim.hop).ok() != Some(hop) {
            return Err(broken(hop, format!("the claim is numbered hop {}", claim.hop)));
        }
        if previous_to.is_none()
            && !statement.audience.recipients.is_empty()
            && !statement.audience.recipients.contains(&claim.relay)
        {
            return Err(broken(
                hop,
                format!(
                    "relay `{}` is not a recipient: the origin did not send it there",
                    claim.relay.escape_debug()
                ),
            ));
        }
        if let Some(previous) = &previous_to
            && *previous != claim.relay
        {
            return Err(broken(
                hop,
                format!(
                    "relay `{}` did not receive it: hop {index} went to `{previous}`",
                    claim.relay
                ),
            ));
        }
        if !statement.audience.recipients.is_empty() && !statement.audience.recipients.contains(&claim.to) {
            return Err(broken(
                hop,
                format!(
                    "forwarded to `{}`, who is not a recipient",
                    claim.to.escape_debug()
                ),
            ));
        }
        if index == last_hop && claim.to != expected_to {
            return Err(broken(
                hop,
                format!(
                    "the last hop went to `{}`, not `{expected_to}`",
                    claim.to.escape_debug()
                ),
            ));
        }
        previous_to = Some(claim.to);
    }
    Ok(hops)
}

/// [`check_relays`], then that `sender` — the peer the delivery came from,
/// as mutual TLS names it — is the one who could send it: the origin when
/// there are no relays, else the last relay.
pub fn check_delivery(
    verified: &Verified<Statement>,
    relays: &[pb::RelayAttestation],
    directory: &Directory,
    expected_to: &str,
    sender: &str,
) -> Result<u32, VerifyError> {
    let hops = check_relays(verified, relays, directory, expected_to)?;
    let statement = verified.value();
    let expected = match relays.last() {
        None => statement.origin.clone(),
        // Verified by `check_relays` above.
        Some(last) => pb::RelayClaim::decode(last.claim.as_slice())
            .map(|claim| claim.relay)
            .unwrap_or_default(),
    };
    if expected != sender {
        return Err(VerifyError::WrongSender {
            statement: statement.id.clone(),
            sender: sender.to_owned(),
            expected,
        });
    }
    Ok(hops)
}

enum ClaimError {
    Verify(VerifyError),
    Broken(String),
}

/// One attestation: the signature over the raw claim bytes first, then the
/// claim, then that its signer is the relay it names and was valid then.
fn verify_claim(
    index: usize,
    attestation: &pb::RelayAttestation,
    directory: &Directory,
) -> Result<pb::RelayClaim, ClaimError> {
    let signature = attestation
        .signature
        .as_ref()
        .ok_or_else(|| ClaimError::Broken("the attestation carries no signature".into()))?;
    let (org, key) = directory.key_by_id(&signature.keyid).ok_or_else(|| {
        ClaimError::Verify(VerifyError::UnknownKey {
            key_ids: key_list(std::iter::once(signature.keyid.as_str())),
        })
    })?;
    signing::verify(
        &key.public_key,
        &pae(RELAY_PAYLOAD_TYPE, &attestation.claim),
        &signature.sig,
    )
    .map_err(|_| {
        ClaimError::Verify(VerifyError::BadSignature {
            org: org.id.clone(),
            key_id: key.id.clone(),
        })
    })?;
    let malformed = |field: String, message: String| {
        ClaimError::Verify(VerifyError::Malformed {
            org: org.id.clone(),
            key_id: key.id.clone(),
            field,
            message,
        })
    };
    let mut claim = pb::RelayClaim::decode(attestation.claim.as_slice())
        .map_err(|e| malformed(format!("relays[{index}].claim"), e.to_string()))?;
    let at = wire::datetime(&format!("relays[{index}].claim.at"), claim.at.take())
        .map_err(|e| malformed(e.field, e.message))?;
    if claim.relay != org.id {
        return Err(ClaimError::Broken(format!(
            "the claim names relay `{}` but is signed by key `{}` of `{}`",
            claim.relay.escape_debug(),
            key.id,
            org.id
        )));
    }
    key.check_valid_at(&org.id, at).map_err(ClaimError::Verify)?;
    Ok(claim)
}
