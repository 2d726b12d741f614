//! Scenarios of Tocsin's warnings across the XAA → ECOWAS → AU → UN HQ
//! federation (four real nodes, mutual TLS, sled, the example sharing
//! policies): a pre-election surge reaching its addressees directly and by
//! relay, an update and a cancel notice, two organisations deciding
//! differently, a decision to monitor followed by an after-action note, a
//! watch sent up the escalation chain to UN HQ, and bad input that changes
//! nothing. Every wait is on `WatchWarnings` events
//! with a deadline.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "warning_scenarios/bad_input.rs"]
mod bad_input;
#[path = "warning_scenarios/disagreement.rs"]
mod disagreement;
#[path = "warning_scenarios/monitor_note.rs"]
mod monitor_note;
#[path = "warning_scenarios/surge.rs"]
mod surge;
#[path = "warning_scenarios/up_the_chain.rs"]
mod up_the_chain;
#[path = "warning_scenarios/update_cancel.rs"]
mod update_cancel;

use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tocsin_tests::federation::{LocalFederation, chain};
use tocsin_tests::node::TestNode;
use tocsin_tests::warnings::client;

/// The chain federation, every node running.
async fn start() -> LocalFederation {
    LocalFederation::start(&chain()).await.unwrap()
}

fn node<'a>(federation: &'a LocalFederation, org: &str) -> &'a TestNode {
    federation.node(org).unwrap()
}

/// `days` from now.
fn in_days(days: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: chrono::Utc::now().timestamp() + days * 86_400,
        nanos: 0,
    })
}

/// An assessment of Northern XAA ahead of an election: hate speech
/// (factor 8, indicator 8.8) rated high, TLP:GREEN.
fn surge_assessment() -> pb::AssessmentContent {
    content::with(|c| {
        c.tlp = pb::Tlp::Green as i32;
        let hate_speech = c.factors.iter_mut().find(|f| f.factor == 8).unwrap();
        hate_speech.level = pb::FactorLevel::High as i32;
        hate_speech.indicators = vec!["8.8".into()];
        c.upcoming_triggers = vec![pb::Trigger {
            kind: "election".into(),
            description: "presidential election".into(),
            date: (chrono::Utc::now() + chrono::Duration::days(60))
                .format("%Y-%m-%d")
                .to_string(),
        }];
    })
}

/// A TLP:GREEN warning (level warning, urgency expected) resting on
/// version 1 of `assessment`, to `addressees` as `(organisation, role)`.
fn warning(assessment: &str, headline: &str, addressees: &[(&str, &str)]) -> pb::WarningContent {
    pb::WarningContent {
        situation: content::valid().situation,
        assessment_id: assessment.to_owned(),
        assessment_version: 1,
        level: "warning".into(),
        category: String::new(),
        urgency: "expected".into(),
        severity: "severe".into(),
        certainty: "likely".into(),
        headline: headline.into(),
        description: "Radio hosts call for the expulsion of herders before the vote.".into(),
        instruction: "Send a mediation envoy before the campaign opens.".into(),
        addressees: addressees
            .iter()
            .map(|(organisation, role)| pb::WarningAddressee {
                organisation: (*organisation).into(),
                role: (*role).into(),
            })
            .collect(),
        expires: in_days(30),
        tlp: pb::Tlp::Green as i32,
        risk_factors: vec![],
    }
}

/// Raises `content` at `node` as an analyst and issues it as a reviewer.
async fn issue(node: &TestNode, content: pb::WarningContent) -> pb::Warning {
    let mut analyst = client(node, "ada", "analyst").await.unwrap();
    let mut reviewer = client(node, "rev", "reviewer").await.unwrap();
    let draft = analyst
        .raise_warning(pb::RaiseWarningRequest {
            content: Some(content),
        })
        .await
        .unwrap()
        .into_inner();
    let issued = reviewer
        .issue_warning(pb::IssueWarningRequest { id: draft.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.status, "issued");
    issued
}

/// `status`'s code, with the message on failure.
fn assert_code(status: &tonic::Status, code: tonic::Code) {
    assert_eq!(status.code(), code, "{}", status.message());
}
