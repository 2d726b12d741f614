//! Tests of sealing, opening and relaying statements against a small
//! directory: ECOWAS rotated its key on 2026-01-01, the AU revoked its key on
//! 2026-06-01, UN HQ and IGAD have one key each; `stranger` is unknown.

use chrono::{DateTime, Utc};
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use tocsin_proto::v1 as pb;

use super::envelope::MAX_SIGNATURES;
use super::*;
use crate::model::assessment::{Confidence, FactorLevel, OverallRisk, Trend};
use crate::model::marking::Tlp;
use crate::model::signing::{NodeKey, pae};
use crate::model::situation::Crime;
use crate::model::statement::{
    Audience, Disclosure, Retraction, SharedAssessment, SharedFactor, SharedSituation, Statement,
    StatementBody,
};

const MAX: usize = 64 * 1024;

pub(super) fn key(name: &str) -> NodeKey {
    let seed = match name {
        "ecowas-2025" => 1,
        "ecowas-2026" => 2,
        "au-2026" => 3,
        "unhq-2026" => 4,
        "igad-2026" => 5,
        _ => 9,
    };
    NodeKey::from_seed(&[seed; 32]).with_key_id(name).unwrap()
}

pub(super) fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub(super) fn directory() -> Directory {
    let org = |id: &str, kind: &str, keys: &[(&str, &str)]| {
        let mut text = format!(
            "[[organisation]]\nid = \"{id}\"\nname = \"{id} node\"\nkind = \"{kind}\"\n\
             endpoint = \"https://{id}.example:7501\"\n"
        );
        for (key_id, window) in keys {
            text += &format!(
                "[[organisation.key]]\nid = \"{key_id}\"\npublic_key = \"{}\"\n{window}\n",
                key(key_id).public_key_base64()
            );
        }
        text
    };
    let text = [
        "ca_cert = \"ca.crt\"\n".to_owned(),
        org(
            "ecowas",
            "regional_body",
            &[
                (
                    "ecowas-2025",
                    "not_before = 2025-01-01T00:00:00Z\nnot_after = 2026-01-01T00:00:00Z",
                ),
                ("ecowas-2026", "not_before = 2026-01-01T00:00:00Z"),
            ],
        ),
        org(
            "au",
            "regional_body",
            &[(
                "au-2026",
                "not_before = 2025-01-01T00:00:00Z\nrevoked_at = 2026-06-01T00:00:00Z",
            )],
        ),
        org(
            "unhq",
            "un_office",
            &[("unhq-2026", "not_before = 2025-01-01T00:00:00Z")],
        ),
        org(
            "igad",
            "regional_body",
            &[("igad-2026", "not_before = 2025-01-01T00:00:00Z")],
        ),
    ]
    .concat();
    Directory::from_toml(&text, "directory.toml").unwrap()
}

pub(super) fn statement(origin: &str, issued_at: &str, tlp: Tlp, hop_limit: u32) -> Statement {
    Statement {
        id: format!("{origin}-s1"),
        origin: origin.into(),
        issued_at: t(issued_at),
        audience: Audience {
            recipients: ["au", "unhq", "igad"].map(String::from).into(),
            hop_limit,
        },
        tlp,
        body: StatementBody::AssessmentSummary(SharedAssessment {
            assessment_id: "0190a1b2-0000-7000-8000-000000000001".into(),
            version: 2,
            situation: SharedSituation {
                title: "Northern XAA".into(),
                countries: vec!["XAA".into()],
                admin1: vec!["XA01".into()],
                admin2: vec![],
                m49_region: "011".into(),
                regional_bodies: vec!["AU".into(), "ECOWAS".into()],
                crimes_at_risk: BTreeSet::from([Crime::Genocide, Crime::WarCrimes]),
                protected_groups: vec![],
            },
            overall_risk: OverallRisk::High,
            ongoing: false,
            trend: Trend::Deteriorated,
            confidence: Confidence::Medium,
            horizon_months: 6,
            published_at: t(issued_at),
            factors: Some(vec![SharedFactor {
                factor: 7,
                level: FactorLevel::High,
                indicators: Some(vec!["7.5".into(), "7.8".into()]),
            }]),
            narrative: Some("Hate speech on local radio is rising.".into()),
            disclosed: Disclosure::ALL.into(),
        }),
    }
}

fn sealed(origin: &str, issued_at: &str, signer: &str) -> pb::Envelope {
    seal(&statement(origin, issued_at, Tlp::Green, 2), &key(signer))
}

/// Signs `payload` as is, under `key_id` with the key of `signer`.
fn signed_raw(payload: Vec<u8>, key_id: &str, signer: &str) -> pb::Envelope {
    let sig = key(signer).sign(&pae(PAYLOAD_TYPE, &payload));
    pb::Envelope {
        payload,
        payload_type: PAYLOAD_TYPE.into(),
        signatures: vec![pb::EnvelopeSignature {
            keyid: key_id.into(),
            sig: sig.to_vec(),
        }],
    }
}

#[test]
fn seal_then_open_round_trips() {
    let dir = directory();
    for s in [
        statement("ecowas", "2026-03-01T12:00:00Z", Tlp::Green, 2),
        Statement {
            body: StatementBody::Retraction(Retraction {
                statement_ids: vec!["ecowas-s0".into()],
                reason: "superseded by a new assessment".into(),
            }),
            ..statement("ecowas", "2026-03-02T08:30:00.123456789Z", Tlp::Red, 0)
        },
        Statement {
            body: StatementBody::AssessmentSummary(SharedAssessment {
                factors: None,
                narrative: None,
                disclosed: [Disclosure::Share].into(),
                ..match statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Clear, 0).body {
                    StatementBody::AssessmentSummary(a) => a,
                    _ => unreachable!(),
                }
            }),
            ..statement("ecowas", "2026-03-01T00:00:00Z", Tlp::Clear, 0)
        },
    ] {
        let envelope = seal(&s, &key("ecowas-2026"));
        let verified = open(&envelope, &dir, MAX).unwrap();
        assert_eq!(verified.value(), &s);
        assert_eq!((verified.signer(), verified.key_id()), ("ecowas", "ecowas-2026"));
        let hash: [u8; 32] = Sha256::digest(&envelope.payload).into();
        assert_eq!(verified.payload_sha256(), &hash);
        assert_eq!(pb::Envelope::decode(verified.envelope_bytes()).unwrap(), envelope);
        let again = open_bytes(verified.envelope_bytes(), &dir, MAX).unwrap();
        assert_eq!(again.value(), &s);
        assert_eq!(again.envelope_bytes(), verified.envelope_bytes());
    }
}

/// Opens `envelope` with at most `max` bytes; the error, if any, as text.
fn check(envelope: pb::Envelope, max: usize, expect: Result<&str, &str>) {
    match (open(&envelope, &directory(), max), expect) {
        (Ok(v), Ok(key_id)) => assert_eq!(v.key_id(), key_id),
        (Err(e), Err(want)) => assert_eq!(e.to_string(), want),
        (got, want) => panic!("got {got:?}, want {want:?}"),
    }
}

#[test]
fn open_refuses_what_it_must() {
    let good = || sealed("ecowas", "2026-03-01T00:00:00Z", "ecowas-2026");
    let mut tampered = good();
    if let Some(last) = tampered.payload.last_mut() {
        *last ^= 1;
    }
    let mut wrong_key = good();
    wrong_key.signatures[0].sig = signed_raw(good().payload, "x", "stranger").signatures[0]
        .sig
        .clone();
    let mut wrong_type = good();
    wrong_type.payload_type = "application/json".into();
    let mut unsigned = good();
    unsigned.signatures.clear();
    let mut crowded = good();
    crowded.signatures = vec![good().signatures[0].clone(); MAX_SIGNATURES + 1];
    let mut with_stranger = sealed("ecowas", "2026-03-01T00:00:00Z", "stranger");
    with_stranger.signatures.extend(good().signatures);
    let size = good().encoded_len();
    let ecowas_bad = "bad signature by key `ecowas-2026` of `ecowas`";
    for (name, envelope, max, expect) in [
        ("good", good(), MAX, Ok("ecowas-2026")),
        ("exactly at the limit", good(), size, Ok("ecowas-2026")),
        ("a stranger signed too", with_stranger, MAX, Ok("ecowas-2026")),
        ("tampered payload", tampered, MAX, Err(ecowas_bad)),
        ("signed by another key", wrong_key, MAX, Err(ecowas_bad)),
        (
            "oversized",
            good(),
            size - 1,
            Err(&*format!(
                "envelope of {size} bytes exceeds the limit of {} bytes",
                size - 1
            )),
        ),
        (
            "wrong payload type",
            wrong_type,
            MAX,
            Err(
                "unexpected payload type `application/json` (expected `application/vnd.tocsin.statement+protobuf`)",
            ),
        ),
        (
            "unsigned",
            unsigned,
            MAX,
            Err("the envelope carries no signature"),
        ),
        (
            "too many signatures",
            crowded,
            MAX,
            Err("the envelope carries 9 signatures; at most 8 are accepted"),
        ),
        (
            "unknown key id",
            sealed("ecowas", "2026-03-01T00:00:00Z", "stranger"),
            MAX,
            Err("no signature by a key of the federation directory (key ids: `stranger`)"),
        ),
        (
            "claims another origin",
            sealed("ecowas", "2026-03-01T00:00:00Z", "au-2026"),
            MAX,
            Err("statement `ecowas-s1` claims origin `ecowas` but is signed by key `au-2026` of `au`"),
        ),
        (
            // Garbage with a bad signature is refused for the signature: it
            // is never decoded.
            "garbage, badly signed",
            signed_raw(vec![0xff; 12], "ecowas-2026", "stranger"),
            MAX,
            Err(ecowas_bad),
        ),
        (
            "garbage, well signed",
            signed_raw(vec![0xff; 12], "ecowas-2026", "ecowas-2026"),
            MAX,
            Err(
                "malformed `statement` signed by key `ecowas-2026` of `ecowas`: failed to decode Protobuf message: invalid varint",
            ),
        ),
        (
            "no audience",
            signed_raw(
                pb::Statement {
                    audience: None,
                    ..pb::Statement::decode(good().payload.as_slice()).unwrap()
                }
                .encode_to_vec(),
                "ecowas-2026",
                "ecowas-2026",
            ),
            MAX,
            Err("malformed `statement.audience` signed by key `ecowas-2026` of `ecowas`: must be set"),
        ),
    ] {
        eprintln!("case: {name}");
        check(envelope, max, expect);
    }
}

#[test]
fn keys_rotate_and_revoke_by_issue_time() {
    let not_valid = |key: &str, at: &str, window: &str| {
        format!(
            "key `{key}` of `{}` is not valid at {} (valid from {window})",
            key.split('-').next().unwrap(),
            t(at)
        )
    };
    let revoked = |at: &str| {
        format!(
            "key `au-2026` of `au` was revoked at 2026-06-01 00:00:00 UTC: it verifies nothing signed at {}",
            t(at)
        )
    };
    let old_window = "2025-01-01 00:00:00 UTC until 2026-01-01 00:00:00 UTC";
    for (origin, issued_at, signer, expect) in [
        // The retired key still verifies what it signed in its time.
        ("ecowas", "2025-06-01T00:00:00Z", "ecowas-2025", Ok("ecowas-2025")),
        ("ecowas", "2025-12-31T23:59:59Z", "ecowas-2025", Ok("ecowas-2025")),
        (
            "ecowas",
            "2026-01-01T00:00:00Z",
            "ecowas-2025",
            Err(not_valid("ecowas-2025", "2026-01-01T00:00:00Z", old_window)),
        ),
        (
            "ecowas",
            "2024-12-31T00:00:00Z",
            "ecowas-2025",
            Err(not_valid("ecowas-2025", "2024-12-31T00:00:00Z", old_window)),
        ),
        // The new key signs from its start, not before.
        ("ecowas", "2026-01-01T00:00:00Z", "ecowas-2026", Ok("ecowas-2026")),
        (
            "ecowas",
            "2025-12-31T23:59:59Z",
            "ecowas-2026",
            Err(not_valid(
                "ecowas-2026",
                "2025-12-31T23:59:59Z",
                "2026-01-01 00:00:00 UTC",
            )),
        ),
        // A revoked key verifies what was issued before its revocation only.
        ("au", "2026-05-31T23:59:59Z", "au-2026", Ok("au-2026")),
        (
            "au",
            "2026-06-01T00:00:00Z",
            "au-2026",
            Err(revoked("2026-06-01T00:00:00Z")),
        ),
        (
            "au",
            "2026-09-01T00:00:00Z",
            "au-2026",
            Err(revoked("2026-09-01T00:00:00Z")),
        ),
    ] {
        eprintln!("case: {origin} {issued_at} {signer}");
        let expect = expect.as_ref().map(|k| *k).map_err(String::as_str);
        check(sealed(origin, issued_at, signer), MAX, expect);
    }
}

#[test]
fn key_for_applies_the_same_windows() {
    let dir = directory();
    let at = t("2026-03-01T00:00:00Z");
    assert_eq!(
        dir.key_for("ecowas", "ecowas-2026", at),
        Ok(&key("ecowas-2026").verifying_key())
    );
    assert!(matches!(
        dir.key_for("ecowas", "ecowas-2025", at),
        Err(VerifyError::KeyNotValidAt { .. })
    ));
    assert!(matches!(
        dir.key_for("au", "au-2026", t("2026-07-01T00:00:00Z")),
        Err(VerifyError::Revoked { .. })
    ));
    assert_eq!(
        dir.key_for("au", "ecowas-2026", at).unwrap_err().to_string(),
        "unknown key `ecowas-2026` for org `au`"
    );
    assert!(dir.key_for("nobody", "k", at).is_err());
}
