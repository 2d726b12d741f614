//! An emergency nobody acknowledges escalates twice up XAA's chain
//! (XAA → ECOWAS → AU → UN HQ), across four real nodes: the AU and then UN
//! headquarters receive the warning through the escalation (relayed by the
//! nodes between), their receipts flow back, and the escalated-to AU can
//! answer it. The scheduler keeps no state of its own: after a restart of
//! XAA's node nothing is escalated twice.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::time::Duration;
use tocsin_client::connect::{WarningClient, authorised_warnings};
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, chain};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;
use tonic::Streaming;

const CONVERGENCE: Duration = Duration::from_secs(30);

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

async fn warnings(node: &TestNode, user: &str, role: &str) -> WarningClient {
    authorised_warnings(node.channel().await.unwrap(), &token(node, user, role).await).unwrap()
}

async fn watch(node: &TestNode) -> Streaming<pb::WarningEvent> {
    warnings(node, "obs", "auditor")
        .await
        .watch_warnings(pb::WatchWarningsRequest::default())
        .await
        .unwrap()
        .into_inner()
}

/// The next event of `kind` on `stream`; fails after `CONVERGENCE`.
async fn next(stream: &mut Streaming<pb::WarningEvent>, kind: &str) -> pb::WarningEvent {
    tokio::time::timeout(CONVERGENCE, async {
        loop {
            let event = stream.message().await.unwrap().expect("the stream ended");
            if event.kind == kind {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no `{kind}` event within {CONVERGENCE:?}"))
}

async fn publish(node: &TestNode) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let mut body = content::valid();
    body.tlp = pb::Tlp::Green as i32;
    body.overall_risk = pb::OverallRisk::VeryHigh as i32;
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap()
        .into_inner()
        .id;
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

fn emergency(assessment: &str) -> pb::WarningContent {
    pb::WarningContent {
        situation: content::valid().situation,
        assessment_id: assessment.to_owned(),
        assessment_version: 1,
        level: "emergency".into(),
        urgency: "immediate".into(),
        severity: "extreme".into(),
        certainty: "observed".into(),
        headline: "Armed groups mobilising against herders in Northern XAA".into(),
        description: "Militia checkpoints and lists of names reported.".into(),
        addressees: vec![pb::WarningAddressee {
            organisation: "ecowas".into(),
            role: "focal_point".into(),
        }],
        expires: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() + 86_400,
            nanos: 0,
        }),
        tlp: pb::Tlp::Green as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn an_unacknowledged_emergency_escalates_twice_up_the_chain() {
    let xaa_settings = [
        ("xaa", "TOCSIN_WARNINGS_ACKNOWLEDGE_IMMEDIATE", "2s"),
        ("xaa", "TOCSIN_WARNINGS_ESCALATION_CHAIN", "xaa,ecowas,au,un-hq"),
    ];
    let federation = LocalFederation::start_with_env(&chain(), &xaa_settings)
        .await
        .unwrap();
    let node = |id| federation.node(id).unwrap();
    let (mut at_xaa, mut at_au, mut at_un) = (
        watch(node("xaa")).await,
        watch(node("au")).await,
        watch(node("un-hq")).await,
    );

    let assessment = publish(node("xaa")).await;
    let mut analyst = warnings(node("xaa"), "ada", "analyst").await;
    let mut reviewer = warnings(node("xaa"), "rev", "reviewer").await;
    let draft = analyst
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(emergency(&assessment)),
        })
        .await
        .unwrap()
        .into_inner();
    let issued = reviewer
        .issue_warning(pb::IssueWarningRequest { id: draft.id.clone() })
        .await
        .unwrap()
        .into_inner();
    let (sent, ack_by) = (
        issued.sent.unwrap().seconds,
        issued.acknowledge_by.unwrap().seconds,
    );
    assert_eq!(ack_by - sent, 2, "immediate urgency: the configured 2 s");

    // ECOWAS receives it and its node confirms delivery, but nobody there
    // acknowledges: step 1 goes to the AU, step 2 to UN headquarters.
    next(&mut at_xaa, "delivered").await;
    let first = next(&mut at_xaa, "escalated").await;
    assert_eq!(
        first.text,
        "escalated from ecowas to au (no_acknowledgement, step 1)"
    );
    let at_au_received = next(&mut at_au, "received").await.warning.unwrap();
    assert_eq!(
        (at_au_received.sender.as_str(), at_au_received.id.as_str()),
        ("xaa", draft.id.as_str())
    );
    let second = next(&mut at_xaa, "escalated").await;
    assert_eq!(
        second.text,
        "escalated from au to un-hq (no_acknowledgement, step 2)"
    );
    let at_un_received = next(&mut at_un, "received").await.warning.unwrap();
    assert_eq!(at_un_received.content.unwrap().level, "emergency");
    assert!(!second.cursor.is_empty());

    // The AU, asked in ECOWAS's place, answers; XAA hears it.
    let mut au_focal = warnings(node("au"), "fp", "focal_point").await;
    au_focal
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: Some(pb::WarningName {
                sender: "xaa".into(),
                id: draft.id.clone(),
            }),
            kind: "accepted_for_action".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let acknowledged = next(&mut at_xaa, "acknowledged").await;
    assert_eq!(acknowledged.text, "acknowledged by au: accepted_for_action");

    // XAA's timeline has both steps, each once, in order.
    let detail = reviewer
        .get_warning(pb::WarningName {
            sender: String::new(),
            id: draft.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let steps: Vec<&str> = detail
        .timeline
        .iter()
        .filter(|e| e.event == "escalated")
        .map(|e| e.organisation.as_str())
        .collect();
    assert_eq!(steps, ["au", "un-hq"]);
    let delivered: Vec<&str> = detail
        .timeline
        .iter()
        .filter(|e| e.event == "delivered")
        .map(|e| e.organisation.as_str())
        .collect();
    assert!(
        delivered.contains(&"ecowas") && delivered.contains(&"au"),
        "{delivered:?} in {:#?}",
        detail.timeline
    );
    assert!(
        detail
            .timeline
            .windows(2)
            .all(|w| w[0].at.unwrap().seconds <= w[1].at.unwrap().seconds),
        "the timeline is in time order"
    );
}
