//! Four real nodes — XAA, ECOWAS, AU, UN headquarters — over mutual TLS,
//! each sharing by its example policy: a summary travels XAA → ECOWAS → AU →
//! UN HQ, each hop seeing only what XAA's policy allowed it, and TLP:AMBER
//! stops at the first hop. A withdrawal is retracted at every hop, and each
//! node's situations show every organisation's view side by side.

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

/// The inbox entry with statement id `id`, if held.
fn held<'a>(inbox: &'a [InboxEntry], id: &str) -> Option<&'a InboxEntry> {
    inbox.iter().find(|e| e.statement_id == id)
}

#[tokio::test]
async fn a_withdrawn_assessment_is_retracted_at_every_hop() {
    let federation = LocalFederation::start(&chain()).await.unwrap();
    let directory = Directory::load(&federation.files.path().join("directory.toml")).unwrap();
    let xaa = federation.node("xaa").unwrap();
    let green = publish(xaa, pb::Tlp::Green).await;
    federation
        .wait_for_inbox("un-hq", |i| !about(i, &green).is_empty())
        .await
        .unwrap();

    let reason = "the field report was recanted";
    let mut reviewer = xaa.client(&token(xaa, "rev", "reviewer").await).await.unwrap();
    let withdrawn = reviewer
        .withdraw_assessment(pb::WithdrawAssessmentRequest {
            id: green.clone(),
            version: 1,
            reason: reason.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.status, pb::AssessmentStatus::Withdrawn as i32);
    assert_eq!(
        (
            withdrawn.withdrawn_reason.as_str(),
            withdrawn.withdrawn_by.as_str()
        ),
        (reason, "rev")
    );

    let retraction = format!("xaa:{green}:v1:retraction");
    for (org, from, relays) in [("ecowas", "xaa", 0), ("au", "ecowas", 1), ("un-hq", "au", 2)] {
        let inbox = federation
            .wait_for_inbox(org, |i| held(i, &retraction).is_some())
            .await
            .unwrap();
        let entry = held(&inbox, &retraction).unwrap();
        assert_eq!(
            (entry.received_from.as_str(), entry.relays.len()),
            (from, relays),
            "{org} got the retraction"
        );
        let statement = open_bytes(&entry.envelope, &directory, 1 << 20)
            .unwrap()
            .into_value();
        assert_eq!(statement.origin, "xaa");
        let StatementBody::Retraction(body) = statement.body else {
            panic!("not a retraction")
        };
        assert_eq!(body.reason, reason);
        let store = federation.node(org).unwrap().running.as_ref().unwrap().store();
        let views: Vec<&InboxEntry> = about(&inbox, &green)
            .into_iter()
            .filter(|e| e.statement_id != retraction)
            .collect();
        assert!(!views.is_empty(), "{org} held no view");
        for view in views {
            assert_eq!(
                store.retracted_by("xaa", &view.statement_id).unwrap().as_deref(),
                Some(retraction.as_str()),
                "{org} did not mark {}",
                view.statement_id
            );
        }
    }
    // UN HQ's situations no longer show XAA's withdrawn summary.
    let un = federation.node("un-hq").unwrap();
    let mut focal = un.client(&token(un, "fp", "focal_point").await).await.unwrap();
    let situations = focal
        .list_situations(pb::ListSituationsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .situations;
    assert!(
        situations
            .iter()
            .all(|s| s.shared.iter().all(|r| r.assessment_id != green)),
        "{situations:?}"
    );
}

#[tokio::test]
async fn situations_put_every_organisations_view_side_by_side_with_its_path() {
    let federation = LocalFederation::start(&chain()).await.unwrap();
    let xaa = federation.node("xaa").unwrap();
    let green = publish(xaa, pb::Tlp::Green).await;
    federation
        .wait_for_inbox("un-hq", |i| !about(i, &green).is_empty())
        .await
        .unwrap();
    federation
        .wait_for_inbox("ecowas", |i| about(i, &green).len() == 2)
        .await
        .unwrap();

    // UN HQ assesses XAA too; both views are listed, neither averaged.
    let un = federation.node("un-hq").unwrap();
    let own = publish(un, pb::Tlp::Amber).await;
    let mut focal = un.client(&token(un, "fp", "focal_point").await).await.unwrap();
    let listed = focal
        .list_situations(pb::ListSituationsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .situations;
    let situation = listed.iter().find(|s| s.id == "XAA").expect("XAA listed");
    assert_eq!(
        situation
            .latest
            .as_ref()
            .map(|l| (l.assessment_id.as_str(), l.organisation.as_str())),
        Some((own.as_str(), "un-hq"))
    );
    assert_eq!(situation.shared.len(), 1, "{:?}", situation.shared);
    let shared = &situation.shared[0];
    assert_eq!(
        (
            shared.organisation.as_str(),
            shared.assessment_id.as_str(),
            shared.version
        ),
        ("xaa", green.as_str(), 1)
    );
    assert_eq!(shared.path, ["xaa", "ecowas", "au", "un-hq"]);
    assert_eq!(shared.overall_risk, pb::OverallRisk::High as i32);
    assert_eq!(shared.disclosed, ["share"]);
    assert!(shared.factors.is_empty(), "UN HQ was not allowed factors");
    assert!(shared.issued_at.is_some() && shared.received_at.is_some());
    // The same through GetSituation; and filters apply.
    let one = focal
        .get_situation(pb::GetSituationRequest { id: "XAA".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.shared, situation.shared);
    let elsewhere = focal
        .list_situations(pb::ListSituationsRequest {
            country: "XAB".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(elsewhere.situations.is_empty(), "{elsewhere:?}");

    // ECOWAS, straight from XAA, sees the factor levels but no indicators;
    // it has no assessment of its own, so the situation comes from XAA alone.
    let ecowas = federation.node("ecowas").unwrap();
    let mut analyst = ecowas
        .client(&token(ecowas, "ada", "analyst").await)
        .await
        .unwrap();
    let situation = analyst
        .get_situation(pb::GetSituationRequest { id: "XAA".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(situation.latest.is_none() && situation.assessment_count == 0);
    assert_eq!(
        situation.spec.as_ref().map(|s| s.title.as_str()),
        Some("Northern XAA")
    );
    let shared = &situation.shared[0];
    assert_eq!(shared.path, ["xaa", "ecowas"]);
    assert_eq!(shared.disclosed, ["share", "factors"]);
    let levels: Vec<(u32, i32, usize)> = shared
        .factors
        .iter()
        .map(|f| (f.factor, f.level, f.indicators.len()))
        .collect();
    assert_eq!(
        levels,
        [
            (1, pb::FactorLevel::High as i32, 0),
            (8, pb::FactorLevel::Medium as i32, 0)
        ]
    );
}
