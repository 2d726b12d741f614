//! The warnings service over a real store and the shipped access policy:
//! escalation picks up where it was after a restart, thresholds propose a
//! draft once per version, each change is one write with its audit entry,
//! and rejected requests change nothing.

use chrono::{TimeDelta, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Warnings, WarningsError};
use crate::assessments::Assessments;
use crate::config::{Config, WarningsSection};
use crate::model::assessment::Assessment;
use crate::model::audit::{AuditFilter, AuditKind};
use crate::model::caller::{Caller, Role};
use crate::model::fixtures;
use crate::model::reference::ReferenceData;
use crate::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, Condition, EscalationReason, Severity, Threshold, Urgency,
    WarningContent, WarningLevel, WarningStatus,
};
use crate::policy::AccessPolicy;
use crate::store::{Store, WarningChange};

fn user(subject: &str, roles: &[Role]) -> Caller {
    Caller {
        subject: subject.into(),
        name: String::new(),
        issuer: "https://idp.example".into(),
        organisation: "ecowas".into(),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
    }
}

fn settings() -> WarningsSection {
    let mut settings = Config::load(None, Vec::new()).unwrap().warnings;
    settings.acknowledge_immediate = TimeDelta::seconds(1);
    settings.escalation_chain = vec!["au".into(), "un-hq".into()];
    settings
}

fn open(dir: &std::path::Path, settings: WarningsSection) -> (Assessments, Warnings) {
    let store = Store::open(dir).unwrap();
    let reference = Arc::new(ReferenceData::embedded().unwrap());
    let policy = Arc::new(AccessPolicy::embedded().unwrap());
    let assessments = Assessments::new(store.clone(), reference.clone(), policy, "ecowas");
    let warnings = Warnings::new(store, reference, assessments.clone(), "ecowas", settings, None);
    (assessments, warnings)
}

async fn published(assessments: &Assessments) -> Assessment {
    let (ada, rev) = (user("ada", &[Role::Analyst]), user("rev", &[Role::Reviewer]));
    let id = assessments
        .create(&ada, fixtures::content())
        .await
        .unwrap()
        .assessment
        .id;
    assessments.submit(&ada, &id, None).await.unwrap();
    assessments.publish(&rev, &id, None).await.unwrap().assessment
}

fn content(assessment: &Assessment) -> WarningContent {
    WarningContent {
        situation: assessment.content.situation.clone(),
        assessment: AssessmentRef::of(assessment),
        level: WarningLevel::Emergency,
        category: Category::Safety,
        urgency: Urgency::Immediate,
        severity: Severity::Extreme,
        certainty: Certainty::Observed,
        headline: "Militias mobilising in Northern XAA".into(),
        description: "Checkpoints and lists of names reported.".into(),
        instruction: String::new(),
        addressees: vec![Addressee {
            organisation: "xaa".into(),
            role: Role::FocalPoint,
        }],
        expires: Utc::now() + TimeDelta::days(1),
        tlp: crate::model::marking::Tlp::Green,
        risk_factors: Vec::new(),
    }
}

#[tokio::test]
async fn escalation_resumes_after_a_restart_without_repeating_a_step() {
    let dir = tempfile::tempdir().unwrap();
    let rev = user("rev", &[Role::Reviewer]);
    let (assessments, warnings) = open(dir.path(), settings());
    let assessment = published(&assessments).await;
    let draft = warnings.raise(&rev, content(&assessment)).await.unwrap();
    assert_eq!(
        draft.content.risk_factors,
        vec![1],
        "filled in from the assessment"
    );
    let issued = warnings.issue(&rev, &draft.id).await.unwrap();
    let sent = issued.sent().unwrap();

    let next = warnings
        .escalate_due(sent + TimeDelta::milliseconds(1100))
        .await
        .unwrap();
    assert!(next.is_some(), "step 2 will fall due");
    let first = warnings.load("", &draft.id).unwrap().responses.escalations;
    assert_eq!(first.len(), 1);
    assert_eq!(
        (
            first[0].reason,
            first[0].from.as_str(),
            first[0].to.as_str(),
            first[0].step
        ),
        (EscalationReason::NoAcknowledgement, "xaa", "au", 1)
    );
    drop((assessments, warnings));

    // A new process on the same store: step 1 is not made again, step 2
    // comes one acknowledgement period after it.
    let (_assessments, warnings) = open(dir.path(), settings());
    let at = first[0].at;
    warnings
        .escalate_due(at + TimeDelta::milliseconds(500))
        .await
        .unwrap();
    assert_eq!(
        warnings.load("", &draft.id).unwrap().responses.escalations.len(),
        1
    );
    warnings
        .escalate_due(at + TimeDelta::milliseconds(1100))
        .await
        .unwrap();
    let steps: Vec<(String, u32)> = warnings
        .load("", &draft.id)
        .unwrap()
        .responses
        .escalations
        .iter()
        .map(|e| (e.to.clone(), e.step))
        .collect();
    assert_eq!(steps, [("au".to_owned(), 1), ("un-hq".to_owned(), 2)]);
    let kinds: Vec<String> = warnings
        .events_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["issued", "escalated", "escalated"]);
    let audited: Vec<(AuditKind, String)> = warnings
        .store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.subject.ends_with(&draft.id))
        .map(|e| (e.kind, e.actor))
        .collect();
    assert_eq!(
        audited,
        [
            (AuditKind::WarningRaised, "rev".to_owned()),
            (AuditKind::WarningIssued, "rev".to_owned()),
            (AuditKind::Escalation, "node".to_owned()),
            (AuditKind::Escalation, "node".to_owned()),
        ]
    );
}

#[tokio::test]
async fn the_escalator_reads_what_changed_and_what_fell_due() {
    let dir = tempfile::tempdir().unwrap();
    let rev = user("rev", &[Role::Reviewer]);
    let (assessments, warnings) = open(dir.path(), settings());
    let assessment = published(&assessments).await;
    let draft = warnings.raise(&rev, content(&assessment)).await.unwrap();
    let issued = warnings.issue(&rev, &draft.id).await.unwrap();
    let sent = issued.sent().unwrap();
    let key = ("ecowas".to_owned(), draft.id.clone());
    let changed = warnings.changed.take();
    assert_eq!(
        changed,
        BTreeSet::from([key.clone()]),
        "raising and issuing noted it"
    );

    // Read after the change: nothing due yet, its deadline kept.
    let mut deadlines = Default::default();
    warnings
        .escalate_some(changed, &mut deadlines, sent)
        .await
        .unwrap();
    let acknowledge_by = issued.issued.as_ref().unwrap().acknowledge_by;
    assert_eq!(deadlines.get(&key), Some(&acknowledge_by));
    assert!(warnings.changed.take().is_empty(), "nothing written");

    // Once due: escalated, noted as a change, the next step's deadline kept.
    let later = acknowledge_by + TimeDelta::milliseconds(100);
    warnings
        .escalate_some(BTreeSet::from([key.clone()]), &mut deadlines, later)
        .await
        .unwrap();
    let escalations = warnings.load("", &draft.id).unwrap().responses.escalations;
    assert_eq!(escalations.len(), 1);
    assert!(deadlines[&key] > later, "step 2 comes after");
    assert_eq!(warnings.changed.take(), BTreeSet::from([key]));
}

#[tokio::test]
async fn a_crossed_threshold_proposes_one_draft_per_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut with_threshold = settings();
    with_threshold.thresholds = vec![Threshold {
        name: "high risk".into(),
        condition: Condition::OverallRisk(crate::model::assessment::OverallRisk::High),
        level: WarningLevel::Warning,
        addressees: vec![Addressee {
            organisation: "au".into(),
            role: Role::DecisionMaker,
        }],
    }];
    let (assessments, warnings) = open(dir.path(), with_threshold);
    let assessment = published(&assessments).await;
    let proposed = warnings.propose(&assessment).await.unwrap().unwrap();
    assert_eq!(
        (proposed.status, proposed.author.as_str(), proposed.content.level),
        (WarningStatus::Draft, "tocsin", WarningLevel::Warning)
    );
    assert!(
        warnings.propose(&assessment).await.unwrap().is_none(),
        "once per version"
    );
    let events = warnings.events_after(0, 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].text, "proposed: crossed high risk");
}

#[tokio::test]
async fn each_warning_change_is_one_write_with_its_audit_entry() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let (ada, rev) = (user("ada", &[Role::Analyst]), user("rev", &[Role::Reviewer]));
    let (assessments, warnings) = open(dir.path(), settings());
    let assessment = published(&assessments).await;
    let flushes = || warnings.store.flushes.load(Ordering::SeqCst);
    let audited = |kind| {
        let entries = warnings.store.audit_entries(&AuditFilter::default()).unwrap();
        entries.into_iter().filter(|e| e.kind == kind).count()
    };

    let before = flushes();
    let draft = warnings.raise(&ada, content(&assessment)).await.unwrap();
    assert_eq!(flushes() - before, 1, "raising is one write");
    assert_eq!(audited(AuditKind::WarningRaised), 1);

    let before = flushes();
    warnings.issue(&rev, &draft.id).await.unwrap();
    assert_eq!(flushes() - before, 1, "issuing is one write");
    assert_eq!(audited(AuditKind::WarningIssued), 1);
    assert!(warnings.store.verify_audit().unwrap().problem.is_none());
}

#[tokio::test]
async fn a_warning_write_is_made_before_it_is_flushed() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let (_assessments, warnings) = open(dir.path(), settings());
    let flushes = || warnings.store.flushes.load(Ordering::SeqCst);
    let before = flushes();
    let mut made_at = None;
    warnings
        .store
        .commit_warnings(WarningChange::default(), || made_at = Some(flushes()))
        .await
        .unwrap();
    assert_eq!(made_at, Some(before), "the writer is let go before the flush");
    assert_eq!(
        flushes(),
        before + 1,
        "and the write is flushed before it returns"
    );
}

#[tokio::test]
async fn feed_events_are_shown_only_once_announced_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let ada = user("ada", &[Role::Analyst]);
    let (assessments, warnings) = open(dir.path(), settings());
    let assessment = published(&assessments).await;
    let draft = warnings.raise(&ada, content(&assessment)).await.unwrap();
    let shown = |warnings: &Warnings| warnings.events_after(0, 100).unwrap().len();
    let before = shown(&warnings);
    // Written beside the commit path, as a write in the middle of its
    // flush is seen from elsewhere: not announced, so not shown.
    let event = Warnings::event(&draft, "revised", "by hand".into());
    assert_eq!(before, 0);
    warnings
        .store
        .commit_warnings(
            WarningChange {
                events: vec![event],
                ..WarningChange::default()
            },
            || {},
        )
        .await
        .unwrap();
    assert_eq!(shown(&warnings), before);
    // The next announced write makes both visible, in order.
    let rev = user("rev", &[Role::Reviewer]);
    warnings.issue(&rev, &draft.id).await.unwrap();
    let events = warnings.events_after(0, 100).unwrap();
    let kinds: Vec<&str> = events[before..].iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["revised", "issued"]);
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[tokio::test]
async fn rejected_requests_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ada, rev, fp) = (
        user("ada", &[Role::Analyst]),
        user("rev", &[Role::Reviewer]),
        user("fp", &[Role::FocalPoint]),
    );
    let (assessments, warnings) = open(dir.path(), settings());
    let assessment = published(&assessments).await;
    let mut unknown = content(&assessment);
    unknown.assessment.version = 9;
    let error = warnings.raise(&ada, unknown).await.unwrap_err();
    assert!(
        matches!(error, WarningsError::Invalid(ref e) if e.field == "assessment"),
        "{error}"
    );
    assert!(matches!(
        warnings.raise(&fp, content(&assessment)).await.unwrap_err(),
        WarningsError::Access(_)
    ));
    let draft = warnings.raise(&ada, content(&assessment)).await.unwrap();
    assert!(matches!(
        warnings.issue(&ada, &draft.id).await.unwrap_err(),
        WarningsError::Access(_)
    ));
    // Only an issued warning addressed here may be answered: this node is
    // the sender, not an addressee.
    warnings.issue(&rev, &draft.id).await.unwrap();
    let dm = user("dm", &[Role::DecisionMaker]);
    let error = warnings
        .decide(
            &dm,
            "",
            &draft.id,
            crate::model::warning::DecisionKind::Act,
            "now",
        )
        .await
        .unwrap_err();
    assert!(matches!(error, WarningsError::Precondition(_)), "{error}");
    let stored = warnings.load("", &draft.id).unwrap();
    assert!(stored.responses.decisions.is_empty());
    assert_eq!(warnings.store.warnings().unwrap().len(), 1);
}
