//! Four real nodes — XAA, ECOWAS, AU, UN headquarters — over mutual TLS,
//! each sharing by its example policy: a summary travels XAA → ECOWAS → AU →
//! UN HQ, each hop seeing only what XAA's policy allowed it, and TLP:AMBER
//! stops at the first hop.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use tocsin_proto::v1 as pb;
use tocsin_server::federation::directory::Directory;
use tocsin_server::federation::open_bytes;
use tocsin_server::model::statement::{Disclosure, StatementBody};
use tocsin_server::store::InboxEntry;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, chain};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;

async fn token(node: &TestNode, user: &str, role: &str) -> String {
    let (status, body) = dev_issuer_token(
        node.dev_issuer().unwrap(),
        &json!({"user": user, "roles": [role]}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

/// Publishes an assessment of XAA at `node` with the given TLP; returns its id.
async fn publish(node: &TestNode, tlp: pb::Tlp) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let mut body = content::valid();
    body.tlp = tlp as i32;
    let created = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap();
    let id = created.into_inner().id;
    analyst
        .submit_assessment(pb::SubmitAssessmentRequest {
            id: id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    reviewer
        .publish_assessment(pb::PublishAssessmentRequest {
            id: id.clone(),
            version: 1,
        })
        .await
        .unwrap();
    id
}

fn about<'a>(inbox: &'a [InboxEntry], assessment: &str) -> Vec<&'a InboxEntry> {
    inbox
        .iter()
        .filter(|e| e.statement_id.contains(assessment))
        .collect()
}

#[tokio::test]
async fn a_summary_travels_from_xaa_to_un_hq_seen_by_each_hop_as_allowed() {
    let federation = LocalFederation::start(&chain()).await.unwrap();
    let directory = Directory::load(&federation.files.path().join("directory.toml")).unwrap();
    let xaa = federation.node("xaa").unwrap();

    let amber = publish(xaa, pb::Tlp::Amber).await;
    let green = publish(xaa, pb::Tlp::Green).await;

    // ECOWAS gets both views of both assessments, straight from XAA.
    let inbox = federation
        .wait_for_inbox("ecowas", |i| about(i, &green).len() == 2)
        .await
        .unwrap();
    assert_eq!(
        about(&inbox, &amber).len(),
        2,
        "ECOWAS should hold both views of the AMBER assessment"
    );
    for entry in &inbox {
        assert_eq!((entry.received_from.as_str(), entry.relays.len()), ("xaa", 0));
    }
    // The AU and UN HQ get the bare summary of the GREEN one, relayed.
    let au = federation
        .wait_for_inbox("au", |i| !about(i, &green).is_empty())
        .await
        .unwrap();
    let un = federation
        .wait_for_inbox("un-hq", |i| !about(i, &green).is_empty())
        .await
        .unwrap();
    for (inbox, from, hops) in [(&au, "ecowas", 1), (&un, "au", 2)] {
        let entries = about(inbox, &green);
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(
            (entries[0].received_from.as_str(), entries[0].relays.len()),
            (from, hops)
        );
        let statement = open_bytes(&entries[0].envelope, &directory, 1 << 20)
            .unwrap()
            .into_value();
        assert_eq!(statement.origin, "xaa");
        let StatementBody::AssessmentSummary(summary) = statement.body else {
            panic!("not a summary")
        };
        assert_eq!(
            summary.disclosed,
            [Disclosure::Share].into(),
            "{from} relayed more than XAA allowed"
        );
        assert!(summary.factors.is_none() && summary.narrative.is_none());
        // Nothing AMBER went past ECOWAS: it was in XAA's outbox before the GREEN one.
        assert!(about(inbox, &amber).is_empty(), "AMBER was relayed");
    }
    // ECOWAS's detailed view has factors but no indicators or narrative.
    let detailed = about(&inbox, &green)
        .into_iter()
        .map(|e| open_bytes(&e.envelope, &directory, 1 << 20).unwrap().into_value())
        .find_map(|s| match s.body {
            StatementBody::AssessmentSummary(summary) if summary.factors.is_some() => Some(summary),
            _ => None,
        })
        .expect("ECOWAS has a view with factors");
    assert!(detailed.factors.unwrap().iter().all(|f| f.indicators.is_none()));
    assert!(detailed.narrative.is_none());
    // No node refused anything.
    for org in ["xaa", "ecowas", "au", "un-hq"] {
        let refusals = federation
            .node(org)
            .unwrap()
            .running
            .as_ref()
            .unwrap()
            .store()
            .refusals()
            .unwrap();
        assert!(refusals.is_empty(), "{org} refused {refusals:?}");
    }
}
