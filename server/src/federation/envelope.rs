//! Signed envelopes (DSSE): `seal` signs a statement's bytes once; `open`
//! checks size, type and signature before it decodes anything, then that the
//! signer is the statement's origin and its key was valid when it was issued.

use chrono::{DateTime, Utc};
use prost::Message;
use sha2::{Digest, Sha256};
use tocsin_proto::v1 as pb;

use crate::federation::directory::{Directory, DirectoryKey};
use crate::federation::wire;
use crate::model::marking::Tlp;
use crate::model::signature_check::{Proven, SignatureCheck};
use crate::model::signing::{NodeKey, pae};
use crate::model::statement::Statement;
pub use crate::model::verified::Verified;

/// The payload type of every statement envelope in this version.
pub const PAYLOAD_TYPE: &str = "application/vnd.tocsin.statement+protobuf";

/// Most signatures an envelope may carry; more are refused unverified.
pub const MAX_SIGNATURES: usize = 8;

/// Why an envelope or relay attestation was refused. Each names the key,
/// organisation or statement at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("envelope of {size} bytes exceeds the limit of {max} bytes")]
    Oversized { size: usize, max: usize },
    #[error("the envelope does not decode: {message}")]
    MalformedEnvelope { message: String },
    #[error("unexpected payload type `{found}` (expected `{PAYLOAD_TYPE}`)")]
    WrongPayloadType { found: String },
    #[error("the envelope carries no signature")]
    Unsigned,
    #[error("the envelope carries {count} signatures; at most {MAX_SIGNATURES} are accepted")]
    TooManySignatures { count: usize },
    #[error("no signature by a key of the federation directory (key ids: {key_ids})")]
    UnknownKey { key_ids: String },
    #[error("unknown key `{key_id}` for org `{org}`")]
    NotOrgKey { org: String, key_id: String },
    #[error("bad signature by key `{key_id}` of `{org}`")]
    BadSignature { org: String, key_id: String },
    #[error("malformed `{field}` signed by key `{key_id}` of `{org}`: {message}")]
    Malformed {
        org: String,
        key_id: String,
        field: String,
        message: String,
    },
    #[error(
        "statement `{statement}` claims origin `{claimed}` but is signed by key `{key_id}` of `{signer}`"
    )]
    WrongOrigin {
        statement: String,
        claimed: String,
        signer: String,
        key_id: String,
    },
    #[error("key `{key_id}` of `{org}` is not valid at {at} (valid from {not_before}{until})")]
    KeyNotValidAt {
        org: String,
        key_id: String,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
        until: String,
    },
    #[error("key `{key_id}` of `{org}` was revoked at {revoked_at}: it verifies nothing signed at {at}")]
    Revoked {
        org: String,
        key_id: String,
        revoked_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    #[error("statement `{statement}`, relay hop {hop}: {reason}")]
    BrokenRelayChain {
        statement: String,
        hop: usize,
        reason: String,
    },
    #[error("statement `{statement}` travelled {hops} relay hops; its hop limit is {limit}")]
    HopLimitExceeded {
        statement: String,
        hops: usize,
        limit: u32,
    },
    #[error(
        "statement `{statement}` was delivered by `{sender}`, but only `{expected}` could deliver it (its origin, or its last relay)"
    )]
    WrongSender {
        statement: String,
        sender: String,
        expected: String,
    },
    #[error("statement `{statement}` is {tlp} and may not be relayed")]
    RelayForbidden { statement: String, tlp: Tlp },
}

/// Encodes the statement once and signs the pre-authentication encoding of
/// exactly those bytes.
pub fn seal(statement: &Statement, key: &NodeKey) -> pb::Envelope {
    let payload = wire::encode_statement(statement);
    let sig = key.sign(&pae(PAYLOAD_TYPE, &payload));
    pb::Envelope {
        payload,
        payload_type: PAYLOAD_TYPE.to_owned(),
        signatures: vec![pb::EnvelopeSignature {
            keyid: key.key_id().to_owned(),
            sig: sig.to_vec(),
        }],
    }
}

/// Verifies a received envelope; see [`open_bytes`] for one still encoded.
pub fn open(
    envelope: &pb::Envelope,
    directory: &Directory,
    max_bytes: usize,
) -> Result<Verified<Statement>, VerifyError> {
    open_proven(envelope, directory, max_bytes, &Proven::none())
}

/// [`open`], taking the signatures in `proven` as verified (a batch check
/// found them to hold); any other is verified here.
pub fn open_proven(
    envelope: &pb::Envelope,
    directory: &Directory,
    max_bytes: usize,
    proven: &Proven,
) -> Result<Verified<Statement>, VerifyError> {
    let size = envelope.encoded_len();
    if size > max_bytes {
        return Err(VerifyError::Oversized { size, max: max_bytes });
    }
    open_checked(envelope, envelope.encode_to_vec(), directory, proven)
}

/// Verifies an encoded envelope (as stored, or as a fixture); the bytes are
/// kept exactly as given.
pub fn open_bytes(
    bytes: &[u8],
    directory: &Directory,
    max_bytes: usize,
) -> Result<Verified<Statement>, VerifyError> {
    if bytes.len() > max_bytes {
        return Err(VerifyError::Oversized {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    let envelope = pb::Envelope::decode(bytes).map_err(|e| VerifyError::MalformedEnvelope {
        message: e.to_string(),
    })?;
    open_decoded(&envelope, bytes, directory, &Proven::none())
}

/// Verifies `envelope`, decoded from `bytes` (as stored), taking the
/// signatures in `proven` as verified; the bytes are kept exactly as given.
/// No size limit: the caller stored them.
pub fn open_decoded(
    envelope: &pb::Envelope,
    bytes: &[u8],
    directory: &Directory,
    proven: &Proven,
) -> Result<Verified<Statement>, VerifyError> {
    open_checked(envelope, bytes.to_vec(), directory, proven)
}

/// Everything after the size limit, in order: type, signature over the raw
/// payload, decoding, origin, key validity.
fn open_checked(
    envelope: &pb::Envelope,
    envelope_bytes: Vec<u8>,
    directory: &Directory,
    proven: &Proven,
) -> Result<Verified<Statement>, VerifyError> {
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(VerifyError::WrongPayloadType {
            found: envelope.payload_type.escape_debug().to_string(),
        });
    }
    if envelope.signatures.is_empty() {
        return Err(VerifyError::Unsigned);
    }
    if envelope.signatures.len() > MAX_SIGNATURES {
        return Err(VerifyError::TooManySignatures {
            count: envelope.signatures.len(),
        });
    }
    let message = pae(PAYLOAD_TYPE, &envelope.payload);
    let mut verified: Vec<(&str, &DirectoryKey)> = Vec::new();
    let mut first_bad = None;
    for signature in &envelope.signatures {
        let Some((org, key)) = directory.key_by_id(&signature.keyid) else {
            continue;
        };
        let check = SignatureCheck {
            key: &key.public_key,
            message: &message,
            signature: &signature.sig,
        };
        if proven.verify(&check) {
            verified.push((org.id.as_str(), key));
        } else {
            first_bad.get_or_insert((org.id.as_str(), key.id.as_str()));
        }
    }
    let Some(&(first_org, first_key)) = verified.first() else {
        return Err(match first_bad {
            Some((org, key_id)) => VerifyError::BadSignature {
                org: org.to_owned(),
                key_id: key_id.to_owned(),
            },
            None => VerifyError::UnknownKey {
                key_ids: key_list(envelope.signatures.iter().map(|s| s.keyid.as_str())),
            },
        });
    };
    let statement = wire::decode_statement(&envelope.payload).map_err(|e| {
        let e = e.under("statement");
        VerifyError::Malformed {
            org: first_org.to_owned(),
            key_id: first_key.id.clone(),
            field: e.field,
            message: e.message,
        }
    })?;
    let mut by_origin = verified
        .iter()
        .filter(|(org, _)| *org == statement.origin)
        .peekable();
    if by_origin.peek().is_none() {
        return Err(VerifyError::WrongOrigin {
            statement: statement.id,
            claimed: statement.origin,
            signer: first_org.to_owned(),
            key_id: first_key.id.clone(),
        });
    }
    let mut first_error = None;
    for (org, key) in by_origin {
        match key.check_valid_at(org, statement.issued_at) {
            Ok(()) => {
                return Ok(Verified::new(
                    statement,
                    envelope_bytes,
                    Sha256::digest(&envelope.payload).into(),
                    key.id.clone(),
                    (*org).to_owned(),
                ));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(VerifyError::Unsigned))
}

/// Key ids as an error lists them: quoted, escaped, at most eight.
pub(crate) fn key_list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<String> = ids.map(|id| format!("`{}`", id.escape_debug())).collect();
    if all.len() > MAX_SIGNATURES {
        format!("{} …", all[..MAX_SIGNATURES].join(", "))
    } else {
        all.join(", ")
    }
}
