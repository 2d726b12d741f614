//! Hostile peers: a rogue FederationService holding a genuine CA-issued
//! certificate of an organisation of the directory streams crafted
//! deliveries to a real node. Each is refused with a clear reason and
//! recorded, a replay is dropped, an equivocation quarantined, and the node
//! keeps serving: the rogue's next statement and another peer's still
//! arrive. (Subscribers' certificates: `federation_certificates.rs`.)

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use std::time::Duration;

use tocsin_proto::v1 as pb;
use tocsin_server::federation::directory::Directory;
use tocsin_server::federation::{PAYLOAD_TYPE, attest, open, open_bytes, seal};
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::signing::{NodeKey, pae};
use tocsin_server::model::statement::Statement;
use tocsin_tests::content;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::{Federation, publish_all};
use tocsin_tests::rogue::{RoguePeer, delivery, summary};

const TEST_LIMIT: Duration = Duration::from_secs(120);
const WAIT: Duration = Duration::from_secs(30);
/// The receiving node's envelope limit in these tests.
const MAX_BYTES: usize = 16 * 1024;

fn specs() -> Vec<OrgSpec> {
    let org = |id, kind, groups, sharing, subscribe| OrgSpec {
        id,
        kind,
        groups,
        sharing,
        subscribe,
    };
    vec![
        org("xaa", "member_state", &["ecowas", "au"], Some("xaa"), &[]),
        org(
            "ecowas",
            "regional_body",
            &["au", "ecowas"],
            Some("ecowas"),
            &["xaa", "mallory"],
        ),
        // The rogue: a member state of the directory, served by this test.
        org("mallory", "member_state", &["ecowas", "au"], None, &[]),
        // No node: where ECOWAS relays to, and a legitimate subscriber's identity.
        org("au", "regional_body", &["au"], None, &[]),
    ]
}

/// Keys and the directory, as the rogue sees them.
struct Keys {
    mallory: NodeKey,
    revoked: NodeKey,
    xaa: NodeKey,
    directory: Directory,
}

impl Keys {
    fn sealed(&self, statement: &Statement, key: &NodeKey) -> pb::Envelope {
        seal(statement, key)
    }

    /// A relay attestation by mallory for a statement going to ECOWAS.
    fn relayed_by_mallory(&self, envelope: &pb::Envelope, hop: u32) -> pb::RelayAttestation {
        let verified = open(envelope, &self.directory, 1 << 20).unwrap();
        attest(&verified, &self.mallory, "mallory", "ecowas", hop, Utc::now())
    }
}

fn mallory_says(id: &str, narrative: Option<String>, now: DateTime<Utc>) -> Statement {
    summary(id, "mallory", &["ecowas", "au"], Tlp::Green, 2, narrative, now)
}

/// One scripted delivery and the refusal reason expected for it (`None`:
/// accepted, dropped as a duplicate or quarantined — not refused).
struct Case {
    name: &'static str,
    delivery: pb::Delivery,
    refused: Option<String>,
}

fn cases(keys: &Keys) -> Vec<Case> {
    let now = Utc::now();
    let case = |name, delivery, refused: Option<&str>| Case {
        name,
        delivery,
        refused: refused.map(str::to_owned),
    };
    let first = keys.sealed(&mallory_says("mallory:first", None, now), &keys.mallory);
    let mut tampered = keys.sealed(&mallory_says("mallory:tampered", None, now), &keys.mallory);
    if let Some(last) = tampered.payload.last_mut() {
        *last ^= 0x01;
    }
    let ghost = NodeKey::from_seed(&[7; 32]).with_key_id("ghost-1").unwrap();
    let forger = NodeKey::from_seed(&[8; 32]).with_key_id("mallory-test").unwrap();
    let xaa_says = |id: &str, tlp, hop_limit| {
        keys.sealed(
            &summary(id, "xaa", &["mallory", "ecowas"], tlp, hop_limit, None, now),
            &keys.xaa,
        )
    };
    let relayed = |envelope: pb::Envelope| {
        let attestation = keys.relayed_by_mallory(&envelope, 1);
        delivery(envelope, vec![attestation])
    };
    let mut wrong_type = first.clone();
    wrong_type.payload_type = "application/json".into();
    let mut unsigned = first.clone();
    unsigned.signatures.clear();
    let mut crowded = first.clone();
    crowded.signatures = vec![first.signatures[0].clone(); 9];
    let garbage = b"\x0a\xff\xff\xff not a statement".to_vec();
    let garbage_envelope = pb::Envelope {
        payload: garbage.clone(),
        payload_type: PAYLOAD_TYPE.into(),
        signatures: vec![pb::EnvelopeSignature {
            keyid: "mallory-test".into(),
            sig: keys.mallory.sign(&pae(PAYLOAD_TYPE, &garbage)).to_vec(),
        }],
    };
    // A relay claim by mallory that names another relay, and one for other bytes.
    let green = xaa_says("xaa:green", Tlp::Green, 2);
    let mut posing = keys.relayed_by_mallory(&green, 1);
    let mut claim: pb::RelayClaim = prost::Message::decode(posing.claim.as_slice()).unwrap();
    claim.relay = "au".into();
    posing.claim = prost::Message::encode_to_vec(&claim);
    let signature = posing.signature.as_mut().unwrap();
    signature.sig = keys
        .mallory
        .sign(&pae(tocsin_server::federation::RELAY_PAYLOAD_TYPE, &posing.claim))
        .to_vec();
    let other = xaa_says("xaa:other", Tlp::Green, 2);
    let wrong_payload = keys.relayed_by_mallory(&other, 1);
    let big = "x".repeat(MAX_BYTES + 2_000);
    vec![
        case("legitimate", delivery(first.clone(), vec![]), None),
        case("replay", delivery(first.clone(), vec![]), None),
        case(
            "equivocation",
            delivery(
                keys.sealed(
                    &mallory_says("mallory:first", Some("rewritten".into()), now),
                    &keys.mallory,
                ),
                vec![],
            ),
            None,
        ),
        case(
            "tampered payload",
            delivery(tampered, vec![]),
            Some("bad signature by key `mallory-test` of `mallory`"),
        ),
        case(
            "key not in the directory",
            delivery(
                keys.sealed(&mallory_says("mallory:ghost", None, now), &ghost),
                vec![],
            ),
            Some("no signature by a key of the federation directory (key ids: `ghost-1`)"),
        ),
        case(
            "forged key id",
            delivery(
                keys.sealed(&mallory_says("mallory:forged", None, now), &forger),
                vec![],
            ),
            Some("bad signature by key `mallory-test` of `mallory`"),
        ),
        case(
            "revoked key",
            delivery(
                keys.sealed(&mallory_says("mallory:revoked", None, now), &keys.revoked),
                vec![],
            ),
            Some("key `mallory-old` of `mallory` was revoked at 2021-01-01 00:00:00 UTC"),
        ),
        case(
            "claims another origin",
            delivery(
                keys.sealed(
                    &summary("xaa:forged", "xaa", &["ecowas"], Tlp::Green, 2, None, now),
                    &keys.mallory,
                ),
                vec![],
            ),
            Some("claims origin `xaa` but is signed by key `mallory-test` of `mallory`"),
        ),
        case(
            "another org's statement without relay attestation",
            delivery(xaa_says("xaa:unattested", Tlp::Green, 2), vec![]),
            Some("was delivered by `mallory`, but only `xaa` could deliver it"),
        ),
        case(
            "past the hop limit",
            relayed(xaa_says("xaa:no-hops", Tlp::Green, 0)),
            Some("travelled 1 relay hops; its hop limit is 0"),
        ),
        case(
            "relay of AMBER",
            relayed(xaa_says("xaa:amber", Tlp::Amber, 2)),
            Some("is TLP:AMBER and may not be relayed"),
        ),
        case(
            "relay of RED",
            relayed(xaa_says("xaa:red", Tlp::Red, 2)),
            Some("is TLP:RED and may not be relayed"),
        ),
        case(
            "relay claim naming another relay",
            delivery(green.clone(), vec![posing]),
            Some("the claim names relay `au` but is signed by key `mallory-test` of `mallory`"),
        ),
        case(
            "relay claim for other bytes",
            delivery(green.clone(), vec![wrong_payload]),
            Some("the claim names statement `xaa:other`"),
        ),
        case(
            "oversized envelope",
            delivery(
                keys.sealed(&mallory_says("mallory:big", Some(big), now), &keys.mallory),
                vec![],
            ),
            Some(&format!("exceeds the limit of {MAX_BYTES} bytes")),
        ),
        case(
            "not addressed to the node",
            delivery(
                keys.sealed(
                    &summary("mallory:elsewhere", "mallory", &["au"], Tlp::Green, 2, None, now),
                    &keys.mallory,
                ),
                vec![],
            ),
            Some("is not addressed to `ecowas`"),
        ),
        case(
            "wrong payload type",
            delivery(wrong_type, vec![]),
            Some("unexpected payload type `application/json`"),
        ),
        case(
            "unsigned",
            delivery(unsigned, vec![]),
            Some("carries no signature"),
        ),
        case(
            "too many signatures",
            delivery(crowded, vec![]),
            Some("carries 9 signatures"),
        ),
        case(
            "signed garbage",
            delivery(garbage_envelope, vec![]),
            Some("malformed `statement"),
        ),
        case(
            "no envelope",
            pb::Delivery::default(),
            Some("delivery without an envelope"),
        ),
        case("legitimate relay", relayed(green), None),
        case(
            "last",
            delivery(
                keys.sealed(&mallory_says("mallory:last", None, now), &keys.mallory),
                vec![],
            ),
            None,
        ),
    ]
}

#[tokio::test]
async fn hostile_deliveries_are_refused_recorded_and_the_node_keeps_serving() {
    tokio::time::timeout(TEST_LIMIT, hostile_deliveries())
        .await
        .unwrap();
}

async fn hostile_deliveries() {
    let mut files = FederationFiles::create(&specs()).unwrap();
    let revoked = NodeKey::from_seed(&[9; 32]).with_key_id("mallory-old").unwrap();
    files
        .add_key("mallory", &revoked, Some("2021-01-01T00:00:00Z"))
        .unwrap();
    files
        .set(
            "ecowas",
            "TOCSIN_FEDERATION_MAX_MESSAGE_BYTES",
            &MAX_BYTES.to_string(),
        )
        .unwrap();
    let keys = Keys {
        mallory: files.signing_key("mallory").unwrap(),
        revoked,
        xaa: files.signing_key("xaa").unwrap(),
        directory: files.directory().unwrap(),
    };
    let cases = cases(&keys);
    let ca_pem = files.ca_pem().unwrap();
    let mallory = files.org("mallory").unwrap().clone();
    let rogue = RoguePeer::serve(
        mallory.port,
        &mallory.cert,
        &ca_pem,
        cases.iter().map(|c| c.delivery.clone()).collect(),
    )
    .await
    .unwrap();
    let federation = Federation::start(files, &["xaa", "ecowas"]).await.unwrap();

    // The rogue's last statement arrives: every delivery before it was handled.
    let inbox = federation
        .wait_for_inbox("ecowas", WAIT, |i| {
            i.iter().any(|e| e.statement_id == "mallory:last")
        })
        .await
        .unwrap();
    let store = federation.running("ecowas").unwrap().store();
    let refusals = store.refusals().unwrap();
    let expected: Vec<(&str, &str)> = cases
        .iter()
        .filter_map(|c| c.refused.as_deref().map(|r| (c.name, r)))
        .collect();
    for (index, (name, reason)) in expected.iter().enumerate() {
        let refusal = refusals
            .get(index)
            .unwrap_or_else(|| panic!("`{name}` was not refused; refusals: {refusals:#?}"));
        assert_eq!(refusal.peer, "mallory", "{name}");
        assert!(
            refusal.reason.contains(reason),
            "{name}: expected a reason with {reason:?}, got {:?}",
            refusal.reason
        );
    }
    assert_eq!(refusals.len(), expected.len(), "{refusals:#?}");

    // Stored: the first statement (once, as first received), the legitimate
    // relay and the last one; nothing hostile.
    let mut ids: Vec<&str> = inbox.iter().map(|e| e.statement_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["mallory:first", "mallory:last", "xaa:green"], "{inbox:#?}");
    let first = store.inbox_entry("mallory", "mallory:first").unwrap().unwrap();
    let original = open_bytes(&first.envelope, &keys.directory, 1 << 20).unwrap();
    assert_eq!(first.payload_sha256, original.payload_sha256().to_vec());
    let relay = store.inbox_entry("xaa", "xaa:green").unwrap().unwrap();
    assert_eq!((relay.received_from.as_str(), relay.relays.len()), ("mallory", 1));
    // The equivocation is quarantined with both hashes.
    let quarantine = store.quarantine().unwrap();
    assert_eq!(quarantine.len(), 1, "{quarantine:#?}");
    assert_eq!(
        (quarantine[0].statement_id.as_str(), quarantine[0].origin.as_str()),
        ("mallory:first", "mallory")
    );
    assert_eq!(quarantine[0].first_sha256, first.payload_sha256);
    assert_ne!(quarantine[0].second_sha256, first.payload_sha256);
    // The replay and the equivocation were not relayed again: ECOWAS relays
    // each of mallory's statements to the AU once.
    let relayed: Vec<String> = store
        .outbox_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.statement_id)
        .collect();
    assert_eq!(relayed, ["mallory:first", "mallory:last"]);
    assert_eq!(rogue.subscriptions(), 1, "the node reconnected to the rogue");

    // Another peer is still served after all that.
    publish_all(federation.node("xaa").unwrap(), vec![content::valid()], 1)
        .await
        .unwrap();
    federation
        .wait_for_inbox("ecowas", WAIT, |i| {
            i.iter().any(|e| e.origin == "xaa" && e.relays.is_empty())
        })
        .await
        .unwrap();
}
