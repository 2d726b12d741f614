//! A rogue peer's stream: a relay outside the statement's audience, a
//! delivery too large to accept and bad signatures among many good ones are
//! refused, recorded and skipped, and what the peer sends next still arrives.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use std::time::Duration;
use tocsin_server::federation::{attest, open, seal};
use tocsin_server::model::marking::Tlp;
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;
use tocsin_tests::federation_nodes::Federation;
use tocsin_tests::rogue::{RoguePeer, delivery, summary};

fn specs() -> Vec<OrgSpec> {
    let org = |id, kind, subscribe| OrgSpec {
        id,
        kind,
        groups: &["ecowas", "au"],
        sharing: None,
        subscribe,
    };
    vec![
        org("xaa", "member_state", &[]),
        org("ecowas", "regional_body", &["mallory"]),
        org("mallory", "member_state", &[]),
    ]
}

/// Runs ECOWAS subscribed to a rogue `mallory` serving `script` then a last
/// statement; returns ECOWAS's inbox ids and refusal reasons once it arrived.
async fn against_rogue(
    files: FederationFiles,
    script: Vec<tocsin_proto::v1::Delivery>,
) -> (Vec<String>, Vec<String>) {
    let mallory = files.org("mallory").unwrap().clone();
    let key = files.signing_key("mallory").unwrap();
    let last = seal(
        &summary(
            "mallory:last",
            "mallory",
            &["ecowas"],
            Tlp::Green,
            2,
            None,
            Utc::now(),
        ),
        &key,
    );
    let mut script = script;
    script.push(delivery(last, vec![]));
    let ca = files.ca_pem().unwrap();
    let _rogue = RoguePeer::serve(mallory.port, &mallory.cert, &ca, script)
        .await
        .unwrap();
    let federation = Federation::start(files, &["ecowas"]).await.unwrap();
    let inbox = federation
        .wait_for_inbox("ecowas", Duration::from_secs(20), |i| {
            i.iter().any(|e| e.statement_id == "mallory:last")
        })
        .await
        .unwrap();
    let refusals = federation.running("ecowas").unwrap().store().refusals().unwrap();
    (
        inbox.into_iter().map(|e| e.statement_id).collect(),
        refusals.into_iter().map(|r| r.reason).collect(),
    )
}

/// The first relay of a chain must be one of the statement's recipients.
#[tokio::test]
async fn a_first_relay_outside_the_audience_is_refused() {
    let files = FederationFiles::create(&specs()).unwrap();
    let directory = files.directory().unwrap();
    let (xaa, mallory) = (
        files.signing_key("xaa").unwrap(),
        files.signing_key("mallory").unwrap(),
    );
    let now = Utc::now();
    // XAA addressed this to ECOWAS alone; mallory "relays" it anyway.
    let envelope = seal(
        &summary("xaa:for-ecowas", "xaa", &["ecowas"], Tlp::Green, 2, None, now),
        &xaa,
    );
    let verified = open(&envelope, &directory, 1 << 20).unwrap();
    let claim = attest(&verified, &mallory, "mallory", "ecowas", 1, now);
    let (inbox, refusals) = against_rogue(files, vec![delivery(envelope, vec![claim])]).await;
    assert!(
        !inbox.contains(&"xaa:for-ecowas".to_owned()),
        "accepted from a relay outside its audience"
    );
    assert!(
        refusals
            .first()
            .is_some_and(|r| r.contains("`mallory`") && r.contains("not a recipient")),
        "{refusals:?}"
    );
}

/// A delivery far over `max_message_bytes` does not wedge the peer's stream:
/// it is refused, recorded, and what follows it arrives.
#[tokio::test]
async fn a_delivery_far_over_the_limit_is_refused_and_skipped() {
    let mut files = FederationFiles::create(&specs()).unwrap();
    files
        .set("ecowas", "TOCSIN_FEDERATION_MAX_MESSAGE_BYTES", "16384")
        .unwrap();
    let mallory = files.signing_key("mallory").unwrap();
    let huge = summary(
        "mallory:huge",
        "mallory",
        &["ecowas"],
        Tlp::Green,
        2,
        Some("x".repeat(40_000)),
        Utc::now(),
    );
    let (inbox, refusals) = against_rogue(files, vec![delivery(seal(&huge, &mallory), vec![])]).await;
    assert!(!inbox.contains(&"mallory:huge".to_owned()));
    assert!(
        refusals
            .first()
            .is_some_and(|r| r.contains("exceeds the limit of 16384 bytes")),
        "{refusals:?}"
    );
}

/// Deliveries that arrive together have their signatures checked at once; a
/// few bad ones among hundreds are refused and recorded each, and every
/// good one around them is stored.
#[tokio::test]
async fn bad_signatures_among_many_are_refused_one_by_one() {
    let files = FederationFiles::create(&specs()).unwrap();
    let mallory = files.signing_key("mallory").unwrap();
    let now = Utc::now();
    let bad = [0, 97, 250, 251, 299];
    let script = (0..300)
        .map(|i| {
            let id = format!("mallory:many-{i}");
            let mut envelope = seal(
                &summary(&id, "mallory", &["ecowas"], Tlp::Green, 2, None, now),
                &mallory,
            );
            if bad.contains(&i) {
                envelope.signatures[0].sig[40] ^= 1;
            }
            delivery(envelope, vec![])
        })
        .collect();
    let (inbox, refusals) = against_rogue(files, script).await;
    for i in 0..300 {
        let id = format!("mallory:many-{i}");
        assert_eq!(inbox.contains(&id), !bad.contains(&i), "{id}");
    }
    assert_eq!(refusals.len(), bad.len(), "{refusals:?}");
    assert!(
        refusals
            .iter()
            .all(|r| r.contains("bad signature by key") && r.contains("`mallory`")),
        "{refusals:?}"
    );
}
