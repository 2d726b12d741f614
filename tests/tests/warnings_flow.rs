//! A warning across two real nodes over mutual TLS: ECOWAS raises and issues
//! a warning to the AU; the AU's node receives it and sends a receipt; the
//! AU acknowledges, decides and records an action; every step flows back to
//! ECOWAS, whose timeline shows them in order with who and when, and whose
//! report measures the times. Watching is by `WatchWarnings`, resumed from a
//! cursor.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::time::Duration;
use tocsin_client::connect::{WarningClient, authorised_warnings};
use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, OrgSpec};
use tocsin_tests::node::TestNode;
use tocsin_tests::oidc::dev_issuer_token;
use tocsin_tests::warnings::to_au;
use tonic::Streaming;

const CONVERGENCE: Duration = Duration::from_secs(30);
const HEADLINE: &str = "Hate speech surges ahead of the census in Northern XAA";

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

/// Publishes an assessment of XAA at `node`; returns its id.
async fn publish(node: &TestNode) -> String {
    let mut analyst = node.client(&token(node, "ada", "analyst").await).await.unwrap();
    let mut reviewer = node.client(&token(node, "rev", "reviewer").await).await.unwrap();
    let mut body = content::valid();
    body.tlp = pb::Tlp::Green as i32;
    let id = analyst
        .create_assessment(pb::CreateAssessmentRequest { content: Some(body) })
        .await
        .unwrap()
        .into_inner()
        .id;
    for step in [true, false] {
        if step {
            analyst
                .submit_assessment(pb::SubmitAssessmentRequest {
                    id: id.clone(),
                    version: 1,
                })
                .await
                .unwrap();
        } else {
            reviewer
                .publish_assessment(pb::PublishAssessmentRequest {
                    id: id.clone(),
                    version: 1,
                })
                .await
                .unwrap();
        }
    }
    id
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

fn two_nodes() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["au"],
        },
        OrgSpec {
            id: "au",
            kind: "regional_body",
            groups: &["au"],
            sharing: Some("au"),
            subscribe: &["ecowas"],
        },
    ]
}

#[tokio::test]
async fn a_warning_reaches_its_addressee_and_the_response_flows_back() {
    let federation = LocalFederation::start(&two_nodes()).await.unwrap();
    let (ecowas, au) = (federation.node("ecowas").unwrap(), federation.node("au").unwrap());
    let assessment = publish(ecowas).await;

    let mut analyst = warnings(ecowas, "ada", "analyst").await;
    let mut reviewer = warnings(ecowas, "rev", "reviewer").await;
    let mut ecowas_watch = warnings(ecowas, "obs", "auditor").await;
    let mut sent_events = ecowas_watch
        .watch_warnings(pb::WatchWarningsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut au_watch = warnings(au, "fp", "focal_point").await;
    let mut au_events = au_watch
        .watch_warnings(pb::WatchWarningsRequest::default())
        .await
        .unwrap()
        .into_inner();

    // A focal point may not raise; a bad level is refused, naming the field.
    let mut focal = warnings(ecowas, "fp", "focal_point").await;
    let denied = focal
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(to_au(&assessment, HEADLINE)),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let mut bad = to_au(&assessment, HEADLINE);
    bad.level = "severe-ish".into();
    let refused = analyst
        .raise_warning(pb::RaiseWarningRequest { content: Some(bad) })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(
        refused.message().contains("content.level"),
        "{}",
        refused.message()
    );

    let draft = analyst
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(to_au(&assessment, HEADLINE)),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (draft.status.as_str(), draft.sender.as_str()),
        ("draft", "ecowas")
    );
    assert_eq!(
        draft.content.as_ref().unwrap().risk_factors,
        vec![1],
        "factor 1 is rated high"
    );
    let issued = reviewer
        .issue_warning(pb::IssueWarningRequest { id: draft.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.status, "issued");
    assert!(issued.acknowledge_by.is_some() && issued.decide_by.is_some());
    assert_eq!(
        next(&mut sent_events, "issued").await.warning.unwrap().id,
        draft.id
    );

    // The AU's node receives it, and ECOWAS learns it was delivered.
    let received = next(&mut au_events, "received").await.warning.unwrap();
    assert_eq!(
        (received.sender.as_str(), received.id.as_str()),
        ("ecowas", draft.id.as_str())
    );
    assert!(received.received);
    next(&mut sent_events, "delivered").await;

    // The AU answers: acknowledges, decides, acts.
    let name = || {
        Some(pb::WarningName {
            sender: "ecowas".into(),
            id: draft.id.clone(),
        })
    };
    let mut au_decider = warnings(au, "dm", "decision_maker").await;
    au_decider
        .acknowledge_warning(pb::AcknowledgeWarningRequest {
            warning: name(),
            kind: "accepted_for_action".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let decided = au_decider
        .decide_warning(pb::DecideWarningRequest {
            warning: name(),
            kind: "act".into(),
            justification: "Mediation window before the census.".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let decision = decided.decisions[0].id.clone();
    assert!(decision.starts_with("au."), "{decision}");
    au_decider
        .record_action(pb::RecordActionRequest {
            warning: name(),
            decision_id: decision.clone(),
            kind: "mediation".into(),
            description: "Envoy to the northern districts.".into(),
            owner: String::new(),
            due: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 7 * 86_400,
                nanos: 0,
            }),
        })
        .await
        .unwrap();
    for kind in ["acknowledged", "decided", "action"] {
        next(&mut sent_events, kind).await;
    }

    // ECOWAS sees the whole story, in order, and measures it.
    let detail = reviewer
        .get_warning(pb::WarningName {
            sender: String::new(),
            id: draft.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let events: Vec<&str> = detail.timeline.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "raised",
            "issued",
            "delivered",
            "acknowledged",
            "decided",
            "action_recorded"
        ]
    );
    let acknowledged = &detail.timeline[3];
    assert_eq!(acknowledged.who, "decision_maker at au");
    assert_eq!(acknowledged.text, "acknowledged by au: accepted_for_action");
    assert_eq!(detail.decisions[0].id, decision);
    let report = reviewer
        .get_report(pb::GetReportRequest {})
        .await
        .unwrap()
        .into_inner();
    let au_row = report.by_organisation.iter().find(|r| r.key == "au").unwrap();
    for measured in [
        &au_row.to_delivery,
        &au_row.to_acknowledgement,
        &au_row.to_decision,
        &au_row.to_first_action,
    ] {
        assert_eq!(measured.as_ref().unwrap().count, 1, "{au_row:?}");
    }

    // Closing needs a decision, and is the sender's to do; it reaches the AU.
    let closed = reviewer
        .close_warning(pb::CloseWarningRequest {
            id: draft.id.clone(),
            decision_id: decision.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.warning.unwrap().status, "closed");
    assert_eq!(
        next(&mut au_events, "closed").await.warning.unwrap().status,
        "closed"
    );

    // A watcher resumes after the last event it saw, missing nothing.
    let resumed_from = next_cursor(&mut au_watch, &[]).await;
    let again = next_cursor(&mut au_watch, &resumed_from.0).await;
    assert!(
        again.1 > resumed_from.1,
        "resuming moves forward: {again:?} after {resumed_from:?}"
    );

    // The CAP form is there for an issued warning.
    let cap = reviewer
        .export_cap(pb::ExportCapRequest { warning: name() })
        .await
        .unwrap()
        .into_inner()
        .xml;
    assert!(
        cap.contains(&format!("<identifier>{}</identifier>", draft.id)),
        "{cap}"
    );
}

/// The first event after `cursor` and its sequence number.
async fn next_cursor(client: &mut WarningClient, cursor: &[u8]) -> (Vec<u8>, u64) {
    let mut stream = client
        .watch_warnings(pb::WatchWarningsRequest {
            cursor: cursor.to_vec(),
            subscription_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let event = tokio::time::timeout(CONVERGENCE, stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let seq = u64::from_be_bytes(event.cursor.as_slice().try_into().unwrap());
    (event.cursor, seq)
}
