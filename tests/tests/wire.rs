//! The federation wire format cannot drift silently: committed golden
//! envelopes (`tests/fixtures/`) must still decode and verify with the
//! committed directory, and signing the same statements with the same keys
//! must give the same bytes. Also: no federation message has a field for
//! sources, witnesses, contacts, deliberations, authors or notes.
//!
//! After an intended change of the wire format, regenerate the fixtures:
//! `TOCSIN_REGENERATE_FIXTURES=1 cargo test -p tocsin-tests --test wire`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use tocsin_proto::v1 as pb;
use tocsin_server::federation::{Directory, attest, check_relays, open, open_bytes, seal};
use tocsin_server::model::assessment::{Confidence, FactorLevel, OverallRisk, Trend};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::situation::{Crime, ProtectedGroup};
use tocsin_server::model::statement::{
    Audience, Disclosure, Retraction, SharedAssessment, SharedFactor, SharedSituation, Statement,
    StatementBody,
};
use tocsin_tests::golden::{directory_toml, fixtures, key, t};

const MAX_BYTES: usize = 1 << 20;

fn summary() -> Statement {
    Statement {
        id: "ecowas-0190a1b2-0001".into(),
        origin: "ecowas".into(),
        issued_at: t("2026-03-01T12:00:00Z"),
        audience: Audience {
            recipients: BTreeSet::from(["au".into(), "un-hq".into()]),
            hop_limit: 1,
        },
        tlp: Tlp::Green,
        body: StatementBody::AssessmentSummary(SharedAssessment {
            assessment_id: "0190a1b2-0000-7000-8000-000000000001".into(),
            version: 3,
            situation: SharedSituation {
                title: "Northern XAA".into(),
                countries: vec!["XAA".into()],
                admin1: vec!["XA01".into()],
                admin2: vec![],
                m49_region: "011".into(),
                regional_bodies: vec!["AU".into(), "ECOWAS".into()],
                crimes_at_risk: BTreeSet::from([Crime::Genocide, Crime::CrimesAgainstHumanity]),
                protected_groups: vec![ProtectedGroup {
                    basis: "ethnic".into(),
                    label: "Group A".into(),
                }],
            },
            overall_risk: OverallRisk::VeryHigh,
            ongoing: true,
            trend: Trend::Deteriorated,
            confidence: Confidence::High,
            horizon_months: 3,
            published_at: t("2026-03-01T11:00:00Z"),
            factors: Some(vec![
                SharedFactor {
                    factor: 7,
                    level: FactorLevel::High,
                    indicators: Some(vec!["7.5".into(), "7.8".into()]),
                },
                SharedFactor {
                    factor: 8,
                    level: FactorLevel::Medium,
                    indicators: Some(vec!["8.8".into()]),
                },
            ]),
            narrative: Some("Fictional: hate speech on local radio ahead of the census.".into()),
            // As committed in the fixture, before `Locations` existed: old
            // envelopes must keep decoding to what they said.
            disclosed: [
                Disclosure::Share,
                Disclosure::Factors,
                Disclosure::Indicators,
                Disclosure::Narrative,
            ]
            .into(),
        }),
    }
}

fn retraction() -> Statement {
    Statement {
        id: "ecowas-0190a1b2-0002".into(),
        issued_at: t("2026-03-05T09:30:00Z"),
        audience: Audience {
            recipients: BTreeSet::from(["au".into(), "un-hq".into()]),
            hop_limit: 0,
        },
        tlp: Tlp::Amber,
        body: StatementBody::Retraction(Retraction {
            statement_ids: vec!["ecowas-0190a1b2-0001".into()],
            reason: "superseded by version 4".into(),
        }),
        ..summary()
    }
}

/// Every fixture, generated from the statements and keys above.
fn generate() -> BTreeMap<&'static str, Vec<u8>> {
    let directory_text = directory_toml();
    let directory = Directory::from_toml(&directory_text, "directory.toml").unwrap();
    let summary_envelope = seal(&summary(), &key("ecowas"));
    let verified = open(&summary_envelope, &directory, MAX_BYTES).unwrap();
    let relay = attest(&verified, &key("au"), "au", "un-hq", 1, t("2026-03-01T12:05:00Z"));
    let delivery = pb::Delivery {
        envelope: Some(summary_envelope.clone()),
        relays: vec![relay],
        cursor: b"fixture-cursor".to_vec(),
    };
    BTreeMap::from([
        ("directory.toml", directory_text.into_bytes()),
        ("summary.envelope.bin", summary_envelope.encode_to_vec()),
        (
            "retraction.envelope.bin",
            seal(&retraction(), &key("ecowas")).encode_to_vec(),
        ),
        ("relayed.delivery.bin", delivery.encode_to_vec()),
    ])
}

#[test]
fn golden_fixtures_still_verify_and_do_not_drift() {
    let generated = generate();
    if std::env::var("TOCSIN_REGENERATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::create_dir_all(fixtures()).unwrap();
        for (name, bytes) in &generated {
            std::fs::write(fixtures().join(name), bytes).unwrap();
        }
    }
    let regenerate = "if the wire format changed on purpose, regenerate them with \
                      `TOCSIN_REGENERATE_FIXTURES=1 cargo test -p tocsin-tests --test wire` and commit them";
    let read = |name: &str| {
        std::fs::read(fixtures().join(name))
            .unwrap_or_else(|e| panic!("cannot read fixture tests/fixtures/{name}: {e}; {regenerate}"))
    };

    // What was committed still decodes and verifies.
    let directory = Directory::load(&fixtures().join("directory.toml")).unwrap();
    let opened = open_bytes(&read("summary.envelope.bin"), &directory, MAX_BYTES)
        .unwrap_or_else(|e| panic!("summary.envelope.bin no longer verifies: {e}; {regenerate}"));
    assert_eq!(opened.value(), &summary());
    assert_eq!((opened.signer(), opened.key_id()), ("ecowas", "ecowas-2026"));
    let retracted = open_bytes(&read("retraction.envelope.bin"), &directory, MAX_BYTES)
        .unwrap_or_else(|e| panic!("retraction.envelope.bin no longer verifies: {e}; {regenerate}"));
    assert_eq!(retracted.value(), &retraction());
    let delivery = pb::Delivery::decode(read("relayed.delivery.bin").as_slice()).unwrap();
    let relayed = open(delivery.envelope.as_ref().unwrap(), &directory, MAX_BYTES).unwrap();
    assert_eq!(relayed.payload_sha256(), opened.payload_sha256());
    assert_eq!(
        check_relays(&relayed, &delivery.relays, &directory, "un-hq"),
        Ok(1)
    );
    assert_eq!(delivery.cursor, b"fixture-cursor");

    // Signing the same statements with the same keys gives the same bytes.
    for (name, bytes) in &generated {
        assert!(
            read(name) == *bytes,
            "tests/fixtures/{name} differs from what this code produces: the wire format drifted; {regenerate}"
        );
    }
}

#[test]
fn federation_messages_have_no_field_for_private_matters() {
    const FORBIDDEN: [&str; 8] = [
        "source",
        "witness",
        "contact",
        "deliberation",
        "author",
        "note",
        "email",
        "phone",
    ];
    let set = prost_types::FileDescriptorSet::decode(tocsin_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut messages = BTreeMap::new();
    for file in &set.file {
        let package = file.package();
        for message in &file.message_type {
            index(&format!(".{package}"), message, &mut messages);
        }
    }
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(String, String)> = ["Envelope", "Delivery", "Statement"]
        .iter()
        .map(|m| (format!(".tocsin.v1.{m}"), format!("tocsin.v1.{m}")))
        .collect();
    let mut offending = Vec::new();
    let mut fields = 0;
    while let Some((type_name, path)) = stack.pop() {
        if !seen.insert(type_name.clone()) {
            continue;
        }
        let Some(message) = messages.get(&type_name) else {
            assert!(
                type_name.starts_with(".google.protobuf."),
                "unknown message type {type_name} at {path}"
            );
            continue;
        };
        for field in &message.field {
            fields += 1;
            let at = format!("{path}.{}", field.name());
            let lower = field.name().to_ascii_lowercase();
            if FORBIDDEN.iter().any(|word| lower.contains(word)) {
                offending.push(at.clone());
            }
            if field.r#type() == prost_types::field_descriptor_proto::Type::Message {
                stack.push((field.type_name().to_owned(), at));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "federation fields that must not exist: {offending:?}"
    );
    assert!(seen.contains(".tocsin.v1.SharedFactor") && seen.contains(".tocsin.v1.RelayAttestation"));
    assert!(fields > 40, "walked only {fields} fields");
}

fn index(
    scope: &str,
    message: &prost_types::DescriptorProto,
    out: &mut BTreeMap<String, prost_types::DescriptorProto>,
) {
    let name = format!("{scope}.{}", message.name());
    for nested in &message.nested_type {
        index(&name, nested, out);
    }
    out.insert(name, message.clone());
}
