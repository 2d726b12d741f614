//! Webhook deliveries that wait out a receiver's absence and arrive once
//! each, in order, across a restart of the node; and AMBER content that
//! never leaves the node by webhook.

use super::*;
use std::collections::BTreeMap;
use tocsin_tests::https_receiver::{Receiver, free_port};

/// The event sequence number at the end of a notification id
/// (`<sender>/<warning id>#<seq>`).
fn seq(delivery: &Delivery) -> u64 {
    delivery.id.rsplit_once('#').unwrap().1.parse().unwrap()
}

#[tokio::test]
async fn a_receiver_down_for_a_while_then_receives_everything_once() {
    let pki = Pki::generate().unwrap();
    let files = tempfile::tempdir().unwrap();
    let env = webhook_env(&pki.write_ca(files.path()).unwrap(), 20);
    let mut node = start(&env).await;

    // Nothing listens on the webhook's port yet.
    let port = free_port().unwrap();
    let url = format!("https://localhost:{port}/hook");
    let subscription = webhook_subscription(&node, &url, &["XAA"]).await;

    let xaa_assessment = publish(&node, "XAA").await;
    let xab_assessment = publish(&node, "XAB").await;
    let headline = "Hate speech surges ahead of the census in Northern XAA";
    let xaa = raise_and_issue(
        &node,
        &About {
            assessment: &xaa_assessment,
            country: "XAA",
            level: "warning",
            crime: pb::Crime::CrimesAgainstHumanity,
            tlp: pb::Tlp::Green,
            headline,
        },
    )
    .await;
    // Between the XAA warning's events, so that in-order delivery would
    // have brought it before the last of them had it matched.
    let xab = raise_and_issue(
        &node,
        &About {
            assessment: &xab_assessment,
            country: "XAB",
            level: "warning",
            crime: pb::Crime::CrimesAgainstHumanity,
            tlp: pb::Tlp::Green,
            headline: "Militias mobilise in Northern XAB",
        },
    )
    .await;
    acknowledge(&node, &xaa.id).await;
    let decision = decide_and_act(&node, &xaa.id).await;

    // The first notification fails and is retried while the receiver is down.
    let store = node.running.as_ref().unwrap().store().clone();
    let failed = eventually("a failed and retried webhook job", || {
        let jobs = store.webhook_jobs().unwrap();
        async move { jobs.into_iter().find(|j| j.attempts >= 2) }
    })
    .await;
    assert!(
        failed.notification_id.starts_with(&format!("{ORG}/{}#", xaa.id)),
        "{failed:?}"
    );
    assert!(failed.last_error.is_some(), "{failed:?}");
    assert_eq!(failed.subscription_id, subscription.id);
    // The store must be closed before the node restarts.
    drop(store);

    let receiver = Receiver::new(SECRET, 204);
    let _serving = receiver.serve(&pki, ([127, 0, 0, 1], port).into()).await.unwrap();
    let got = receiver
        .until(DEADLINE, |g| has(g, &xaa.id, "action"))
        .await
        .unwrap();
    assert_eq!(
        kinds(&got),
        ["issued", "acknowledged", "decided", "action"],
        "every event of the XAA warning, in order, and nothing else"
    );
    let mut last = 0;
    for delivery in &got {
        assert!(delivery.signed, "bad signature on {}", delivery.id);
        assert!(delivery.accepted(), "{delivery:?}");
        assert_eq!(accepted(&got, &delivery.id), 1, "{} twice", delivery.id);
        assert_eq!(delivery.body["notification_id"], delivery.id.as_str());
        assert_eq!(delivery.body["subscription_id"], subscription.id.as_str());
        assert_eq!(delivery.body["warning"]["id"], xaa.id.as_str());
        assert_eq!(delivery.body["warning"]["headline"], headline);
        assert_eq!(delivery.body["warning"]["tlp"], "TLP:GREEN");
        assert!(seq(delivery) > last, "out of order: {:?}", kinds(&got));
        last = seq(delivery);
        let raw = String::from_utf8_lossy(&delivery.raw);
        assert!(!raw.contains(&xab.id) && !raw.contains("XAB"), "{raw}");
        assert!(!raw.contains(SECRET), "{raw}");
    }

    // A restart delivers nothing again; what happens after it is delivered.
    restart(&mut node, &env).await;
    let mut reviewer = warnings(&node, "rev", "reviewer").await;
    reviewer
        .close_warning(pb::CloseWarningRequest {
            id: xaa.id.clone(),
            decision_id: decision,
        })
        .await
        .unwrap();
    let got = receiver
        .until(DEADLINE, |g| has(g, &xaa.id, "closed"))
        .await
        .unwrap();
    assert_eq!(
        kinds(&got),
        ["issued", "acknowledged", "decided", "action", "closed"]
    );
    let mut per_delivery: BTreeMap<&str, usize> = BTreeMap::new();
    for delivery in &got {
        assert!(delivery.signed && delivery.accepted(), "{delivery:?}");
        *per_delivery.entry(&delivery.id).or_default() += 1;
    }
    assert!(
        per_delivery.values().all(|n| *n == 1),
        "delivered twice: {per_delivery:?}"
    );
    assert_eq!(per_delivery.len(), 5);
    assert!(seq(&got[4]) > seq(&got[3]));
    // The receiver answered before the node took the job off its queue.
    let store = node.running.as_ref().unwrap().store();
    eventually("an empty webhook queue", || {
        let jobs = store.webhook_jobs().unwrap();
        async move { jobs.is_empty().then_some(()) }
    })
    .await;
}

#[tokio::test]
async fn an_amber_warning_reaches_a_webhook_without_its_content() {
    let pki = Pki::generate().unwrap();
    let files = tempfile::tempdir().unwrap();
    let env = webhook_env(&pki.write_ca(files.path()).unwrap(), 20);
    let node = start(&env).await;
    let receiver = Receiver::new(SECRET, 200);
    let serving = receiver.serve(&pki, ([127, 0, 0, 1], 0).into()).await.unwrap();
    let url = format!("https://localhost:{}/hook", serving.addr.port());
    webhook_subscription(&node, &url, &[]).await;

    let assessment = publish(&node, "XAA").await;
    let about = |tlp, headline| About {
        assessment: &assessment,
        country: "XAA",
        level: "emergency",
        crime: pb::Crime::Genocide,
        tlp,
        headline,
    };
    let secret_headline = "Confidential: armed groups list villages to attack";
    let amber = raise_and_issue(&node, &about(pb::Tlp::Amber, secret_headline)).await;
    let green = raise_and_issue(&node, &about(pb::Tlp::Green, "Public: tensions rise in XAA")).await;
    let got = receiver
        .until(DEADLINE, |g| has(g, &green.id, "issued"))
        .await
        .unwrap();
    let find = |id: &str| {
        got.iter()
            .find(|d| d.body["warning"]["id"] == id)
            .unwrap_or_else(|| panic!("no delivery about {id}: {got:?}"))
    };

    let withheld = find(&amber.id);
    assert!(withheld.signed && withheld.accepted(), "{withheld:?}");
    let warning = withheld.body["warning"].as_object().unwrap();
    for field in [
        "headline",
        "description",
        "instruction",
        "situation",
        "addressees",
    ] {
        assert!(!warning.contains_key(field), "`{field}` in {warning:?}");
    }
    assert_eq!(warning["tlp"], "TLP:AMBER");
    assert_eq!(warning["level"], "emergency");
    assert!(
        warning["content"].as_str().unwrap().starts_with("withheld"),
        "{warning:?}"
    );
    assert_eq!(withheld.body["text"], "");
    let raw = String::from_utf8_lossy(&withheld.raw);
    for secret in [
        secret_headline,
        "Description of",
        "Instruction for",
        "Northern XAA",
    ] {
        assert!(!raw.contains(secret), "`{secret}` leaked: {raw}");
    }

    // The same check passes on content that may travel.
    let open = find(&green.id);
    assert_eq!(open.body["warning"]["headline"], "Public: tensions rise in XAA");
    assert_eq!(open.body["warning"]["situation"]["countries"], json!(["XAA"]));
}
