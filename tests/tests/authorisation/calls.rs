//! One call per row, as a real user would make it: a request that succeeds
//! when the caller is allowed (or fails for a reason other than permission).

use tocsin_proto::v1 as pb;
use tocsin_tests::content;
use tonic::Status;

use super::fixtures::{Clients, Fixtures, OTHER};
use super::fresh::{Target, action_request, own, quiet_filters};
use super::rows::Row;

fn received(fx: &Fixtures) -> Option<pb::WarningName> {
    Some(pb::WarningName {
        sender: OTHER.to_owned(),
        id: fx.received.clone(),
    })
}

fn target(row: &Row, fx: &Fixtures) -> Option<pb::WarningName> {
    if row.target == "received" {
        received(fx)
    } else {
        own(&fx.warning_issued)
    }
}

fn ok<T>(reply: Result<tonic::Response<T>, Status>) -> Result<bool, Status> {
    reply.map(|_| true)
}

/// Makes `row`'s call as `who`: `Ok(true)` when it was answered in full,
/// `Ok(false)` when it was answered with something withheld (sources).
pub(crate) async fn call(row: &Row, who: &Clients, fx: &Fixtures, fresh: &Target) -> Result<bool, Status> {
    let (mut n, mut w) = (who.node.clone(), who.warnings.clone());
    let (mut s, mut a) = (who.subscriptions.clone(), who.audit.clone());
    // The assessment a row is aimed at: made for this call, or a fixture.
    let id = match row.target {
        _ if !fresh.id.is_empty() => fresh.id.clone(),
        "ecowas's" => fx.others_assessment.clone(),
        "draft" => fx.draft.clone(),
        "in review" => fx.in_review.clone(),
        "withdrawn" => fx.withdrawn.clone(),
        _ => fx.published.clone(),
    };
    match (row.rpc, row.target) {
        ("WhoAmI", _) => ok(n.who_am_i(pb::WhoAmIRequest {}).await),
        ("CreateAssessment", _) => ok(n
            .create_assessment(pb::CreateAssessmentRequest {
                content: Some(content::valid()),
            })
            .await),
        ("ReviseAssessment", _) => ok(n
            .revise_assessment(pb::ReviseAssessmentRequest {
                id,
                base_version: 1,
                content: Some(content::valid()),
            })
            .await),
        ("SubmitAssessment", _) => ok(n
            .submit_assessment(pb::SubmitAssessmentRequest { id, version: 1 })
            .await),
        ("PublishAssessment", _) => ok(n
            .publish_assessment(pb::PublishAssessmentRequest { id, version: 1 })
            .await),
        ("WithdrawAssessment", _) => ok(n
            .withdraw_assessment(pb::WithdrawAssessmentRequest {
                id,
                version: 0,
                reason: "the field report was recanted".into(),
            })
            .await),
        ("GetAssessment", target) => {
            let reply = n
                .get_assessment(pb::GetAssessmentRequest { id, version: 0 })
                .await?;
            if target != "sources of published" {
                return Ok(true);
            }
            let reply = reply.into_inner();
            let sources = reply.content.map(|c| c.sources.len()).unwrap_or_default();
            assert_eq!(
                sources == 0,
                reply.sources_withheld,
                "the withheld flag disagrees"
            );
            Ok(sources > 0)
        }
        ("ListAssessments", _) => ok(n.list_assessments(pb::ListAssessmentsRequest::default()).await),
        ("ListSituations", _) => ok(n.list_situations(pb::ListSituationsRequest::default()).await),
        ("GetSituation", target) => {
            let id = if target.starts_with("XAB") { "XAB" } else { "XAA" };
            let situation = n.get_situation(pb::GetSituationRequest { id: id.into() }).await?;
            let situation = situation.into_inner();
            // What makes each row what it says: own latest, or only ECOWAS's.
            assert_eq!(situation.latest.is_some(), id == "XAA", "{situation:?}");
            assert_eq!(situation.shared.is_empty(), id == "XAA", "{situation:?}");
            Ok(true)
        }
        ("ListPeers", _) => ok(n.list_peers(pb::ListPeersRequest {}).await),
        ("ListQuarantine", _) => ok(n.list_quarantine(pb::ListQuarantineRequest {}).await),
        ("ListRefusals", _) => ok(n.list_refusals(pb::ListRefusalsRequest {}).await),
        ("ExplainSharing", _) => ok(n
            .explain_sharing(pb::ExplainSharingRequest {
                assessment_id: id,
                version: 0,
                to_org: OTHER.into(),
            })
            .await),
        ("ReloadSharingPolicy", _) => ok(n.reload_sharing_policy(pb::ReloadSharingPolicyRequest {}).await),
        ("RaiseWarning", _) => ok(w
            .raise_warning(pb::RaiseWarningRequest {
                content: Some(fx.content.clone()),
            })
            .await),
        ("DraftUpdate", _) => ok(w
            .draft_update(pb::DraftUpdateRequest {
                id: fx.warning_issued.clone(),
                content: Some(fx.content.clone()),
            })
            .await),
        ("DraftCancel", _) => ok(w
            .draft_cancel(pb::DraftCancelRequest {
                id: fx.warning_issued.clone(),
                reason: "raised in error".into(),
            })
            .await),
        ("ReviseWarning", _) => ok(w
            .revise_warning(pb::ReviseWarningRequest {
                id: fx.warning_draft.clone(),
                content: Some(fx.content.clone()),
            })
            .await),
        ("IssueWarning", _) => ok(w
            .issue_warning(pb::IssueWarningRequest { id: fresh.id.clone() })
            .await),
        ("GetWarning", _) => ok(w.get_warning(target(row, fx).unwrap_or_default()).await),
        ("ListWarnings", _) => ok(w.list_warnings(pb::ListWarningsRequest::default()).await),
        ("WatchWarnings", _) => ok(w.watch_warnings(pb::WatchWarningsRequest::default()).await),
        ("ExportCap", _) => ok(w
            .export_cap(pb::ExportCapRequest {
                warning: target(row, fx),
            })
            .await),
        ("AcknowledgeWarning", _) => ok(w
            .acknowledge_warning(pb::AcknowledgeWarningRequest {
                warning: target(row, fx),
                kind: "received".into(),
                ..Default::default()
            })
            .await),
        ("DecideWarning", _) => ok(w
            .decide_warning(pb::DecideWarningRequest {
                warning: target(row, fx),
                kind: "monitor".into(),
                justification: "Watching the census.".into(),
            })
            .await),
        ("RecordAction", _) => ok(w.record_action(action_request(target(row, fx))).await),
        ("UpdateAction", _) => ok(w
            .update_action(pb::UpdateActionRequest {
                warning: own(&fx.warning_issued),
                action_id: fresh.id.clone(),
                status: "in_progress".into(),
                outcome: String::new(),
            })
            .await),
        ("CloseWarning", _) => ok(w
            .close_warning(pb::CloseWarningRequest {
                id: fresh.id.clone(),
                decision_id: fresh.decision.clone(),
            })
            .await),
        ("AddAfterActionNote", _) => ok(w
            .add_after_action_note(pb::AddAfterActionNoteRequest {
                warning: target(row, fx),
                outcome: "unknown".into(),
                lessons: "Too early to tell.".into(),
            })
            .await),
        ("GetReport", _) => ok(w.get_report(pb::GetReportRequest {}).await),
        ("CreateSubscription", target) => {
            let (url, secret) = if target == "webhook" {
                ("https://localhost:9/hook", "a-webhook-secret-of-32-characters")
            } else {
                ("", "")
            };
            ok(s.create_subscription(pb::CreateSubscriptionRequest {
                filters: Some(quiet_filters()),
                webhook_url: url.into(),
                webhook_secret: secret.into(),
            })
            .await)
        }
        ("ListSubscriptions", _) => ok(s.list_subscriptions(pb::ListSubscriptionsRequest {}).await),
        ("DeleteSubscription", _) => ok(s
            .delete_subscription(pb::DeleteSubscriptionRequest { id: fresh.id.clone() })
            .await),
        ("ListDeadLetters", _) => ok(s.list_dead_letters(pb::ListDeadLettersRequest {}).await),
        ("ReplayDeadLetter", _) => ok(s.replay_dead_letter(pb::ReplayDeadLetterRequest { id: 1 }).await),
        ("QueryAudit", _) => ok(a.query_audit(pb::QueryAuditRequest::default()).await),
        ("VerifyAudit", _) => ok(a.verify_audit(pb::VerifyAuditRequest {}).await),
        (rpc, target) => panic!("no call for row {rpc} ({target})"),
    }
}
