//! The access matrix: every action × role set × resource shape, decided by
//! the shipped policy and compared with the rules written out in Rust below.

use chrono::{TimeZone, Utc};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::sync::OnceLock;

use crate::model::assessment::{
    Assessment, AssessmentContent, AssessmentStatus, Confidence, OverallRisk, Trend,
};
use crate::model::caller::{Caller, Role};
use crate::model::marking::Tlp;
use crate::model::situation::SituationSpec;
use crate::policy::{AccessPolicy, Action, Decision, Resource};

const HERE: &str = "un-hq";
const ELSEWHERE: &str = "ecowas";
const ME: &str = "alice";
const SOMEONE: &str = "bob";

/// What the action is taken on, seen from the caller `ME` at `HERE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// This node.
    Node,
    /// Another organisation's node (the caller is not of that organisation).
    OtherNode,
    OwnDraft,
    Draft,
    OwnInReview,
    InReview,
    Published,
    Superseded,
    Withdrawn,
    /// A published assessment of another organisation.
    OtherOrg,
}

const NODE_SHAPES: [Shape; 2] = [Shape::Node, Shape::OtherNode];
const ASSESSMENT_SHAPES: [Shape; 8] = [
    Shape::OwnDraft,
    Shape::Draft,
    Shape::OwnInReview,
    Shape::InReview,
    Shape::Published,
    Shape::Superseded,
    Shape::Withdrawn,
    Shape::OtherOrg,
];

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Node => "node",
            Shape::OtherNode => "other node",
            Shape::OwnDraft => "own draft",
            Shape::Draft => "draft",
            Shape::OwnInReview => "own review",
            Shape::InReview => "in review",
            Shape::Published => "published",
            Shape::Superseded => "superseded",
            Shape::Withdrawn => "withdrawn",
            Shape::OtherOrg => "other org",
        }
    }

    fn own(self) -> bool {
        matches!(self, Shape::OwnDraft | Shape::OwnInReview)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    Allow,
    Deny,
}

pub(super) fn caller(roles: &[Role]) -> Caller {
    Caller {
        subject: ME.into(),
        name: "Alice".into(),
        issuer: "https://id.un-hq.example".into(),
        organisation: HERE.into(),
        roles: roles.iter().copied().collect(),
    }
}

pub(super) fn assessment(status: AssessmentStatus, author: &str, organisation: &str) -> Assessment {
    let content = AssessmentContent {
        situation: SituationSpec {
            title: "Northern XAA".into(),
            countries: vec!["XAA".into()],
            admin1: Vec::new(),
            admin2: Vec::new(),
            crimes_at_risk: BTreeSet::new(),
            protected_groups: Vec::new(),
        },
        factors: Vec::new(),
        overall_risk: OverallRisk::High,
        ongoing: false,
        trend: Trend::Deteriorated,
        confidence: Confidence::Medium,
        horizon_months: 6,
        upcoming_triggers: Vec::new(),
        narrative: "n".into(),
        response_options: Vec::new(),
        sources: Vec::new(),
        tlp: Tlp::Amber,
    };
    let now = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
    let mut a = Assessment::new_draft("a-1".into(), content, organisation, author, now);
    a.status = status;
    a
}

/// Decides `action` by a caller with `roles` on `shape` under `policy`.
pub(super) fn decide(policy: &AccessPolicy, roles: &[Role], action: Action, shape: Shape) -> Decision {
    use AssessmentStatus::*;
    let caller = caller(roles);
    let on = |status, author, org| {
        policy.authorize(
            &caller,
            HERE,
            action,
            Resource::Assessment(&assessment(status, author, org)),
        )
    };
    match shape {
        Shape::Node => policy.authorize(&caller, HERE, action, Resource::Node),
        Shape::OtherNode => policy.authorize(&caller, ELSEWHERE, action, Resource::Node),
        Shape::OwnDraft => on(Draft, ME, HERE),
        Shape::Draft => on(Draft, SOMEONE, HERE),
        Shape::OwnInReview => on(InReview, ME, HERE),
        Shape::InReview => on(InReview, SOMEONE, HERE),
        Shape::Published => on(Published, SOMEONE, HERE),
        Shape::Superseded => on(Superseded, SOMEONE, HERE),
        Shape::Withdrawn => on(Withdrawn, SOMEONE, HERE),
        Shape::OtherOrg => on(Published, SOMEONE, ELSEWHERE),
    }
}

pub(super) fn shipped() -> &'static AccessPolicy {
    static POLICY: OnceLock<AccessPolicy> = OnceLock::new();
    POLICY.get_or_init(|| AccessPolicy::embedded().unwrap())
}

/// The one entry point for single cases, against the shipped policy.
fn check(roles: &[Role], action: Action, shape: Shape, expect: Expect) -> Decision {
    let decision = decide(shipped(), roles, action, shape);
    let got = if decision.allowed {
        Expect::Allow
    } else {
        Expect::Deny
    };
    assert_eq!(
        got,
        expect,
        "{roles:?} {action} on {}: {decision:?}",
        shape.name()
    );
    assert!(decision.errors.is_empty(), "{decision:?}");
    decision
}

/// The rules of `policies/access.cedar`, written independently in Rust.
pub(super) fn expected(roles: &[Role], action: Action, shape: Shape) -> Expect {
    use Role::*;
    let any = |wanted: &[Role]| wanted.iter().any(|r| roles.contains(r));
    let deliberates = any(&[Analyst, Reviewer]);
    let allowed = !matches!(shape, Shape::OtherNode | Shape::OtherOrg)
        && match action {
            Action::WhoAmI => true,
            Action::CreateAssessment => any(&[Analyst]),
            Action::ReviseAssessment | Action::SubmitAssessment => deliberates,
            Action::PublishAssessment => any(&[Reviewer]) && !shape.own(),
            Action::ListAssessments | Action::ListSituations | Action::GetSituation => !roles.is_empty(),
            Action::GetAssessment => {
                deliberates
                    || (!roles.is_empty()
                        && matches!(shape, Shape::Published | Shape::Superseded | Shape::Withdrawn))
            }
            Action::ReadSources => deliberates,
            // Four eyes does not apply to withdrawing.
            Action::WithdrawAssessment => any(&[Reviewer]),
            Action::ListPeers | Action::ListQuarantine | Action::ListRefusals | Action::ExplainSharing => {
                any(&[Admin, Auditor])
            }
            Action::ReloadSharingPolicy => any(&[Admin]),
            Action::RaiseWarning => deliberates,
            Action::IssueWarning => any(&[Reviewer]),
            Action::ReadWarnings | Action::ReadReport | Action::ManageSubscriptions => !roles.is_empty(),
            Action::AcknowledgeWarning | Action::RecordAction => any(&[FocalPoint, DecisionMaker]),
            Action::DecideWarning => any(&[DecisionMaker]),
            Action::CloseWarning => any(&[Reviewer, DecisionMaker]),
            Action::WriteAfterActionNote => any(&[Analyst, Reviewer, DecisionMaker]),
            Action::ManageWebhooks => any(&[Admin]),
            Action::QueryAudit | Action::VerifyAudit => any(&[Auditor, Admin]),
        };
    if allowed { Expect::Allow } else { Expect::Deny }
}

fn role_sets() -> Vec<Vec<Role>> {
    let mut sets = vec![Vec::new()];
    sets.extend(Role::ALL.map(|r| vec![r]));
    sets.push(vec![Role::Analyst, Role::Reviewer]);
    sets.push(vec![Role::Admin, Role::Auditor]);
    sets
}

fn shapes(action: Action) -> &'static [Shape] {
    if action.on_node() {
        &NODE_SHAPES
    } else {
        &ASSESSMENT_SHAPES
    }
}

/// Runs the whole matrix under `policy` against `want`; on any difference
/// renders the table (`!` marks a cell that differs) for the panic message.
pub(super) fn matrix(
    policy: &AccessPolicy,
    want: impl Fn(&[Role], Action, Shape) -> Expect,
) -> Result<usize, String> {
    let mut table = String::new();
    let (mut cases, mut wrong) = (0, 0);
    for action in Action::ALL {
        let _ = write!(table, "\n{:<30}", action.as_str());
        for shape in shapes(action) {
            let _ = write!(table, "{:>12}", shape.name());
        }
        for roles in role_sets() {
            let names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
            let _ = write!(
                table,
                "\n  {:<28}",
                if names.is_empty() {
                    "(no role)".into()
                } else {
                    names.join("+")
                }
            );
            for &shape in shapes(action) {
                let decision = decide(policy, &roles, action, shape);
                let got = if decision.allowed {
                    Expect::Allow
                } else {
                    Expect::Deny
                };
                let differs = got != want(&roles, action, shape) || !decision.errors.is_empty();
                cases += 1;
                wrong += usize::from(differs);
                let cell = format!(
                    "{}{}",
                    if decision.allowed { "allow" } else { "-" },
                    if differs { "!" } else { "" }
                );
                let _ = write!(table, "{cell:>12}");
            }
        }
    }
    if wrong == 0 {
        Ok(cases)
    } else {
        Err(format!("{wrong} of {cases} cases differ (marked `!`):{table}"))
    }
}

#[test]
fn shipped_policy_matches_the_access_matrix() {
    match matrix(shipped(), expected) {
        Ok(cases) => assert_eq!(cases, 23 * 9 * 2 + 6 * 9 * 8),
        Err(table) => panic!("{table}"),
    }
}

#[test]
fn one_line_cases() {
    use Action::*;
    use Expect::*;
    use Role::*;
    check(&[], WhoAmI, Shape::Node, Allow);
    check(&[], ListSituations, Shape::Node, Deny);
    check(&[Analyst], CreateAssessment, Shape::Node, Allow);
    check(&[Reviewer], CreateAssessment, Shape::Node, Deny);
    check(&[Analyst], PublishAssessment, Shape::InReview, Deny);
    check(&[FocalPoint], GetAssessment, Shape::Draft, Deny);
    check(&[FocalPoint], GetAssessment, Shape::InReview, Deny);
    check(&[DecisionMaker], GetAssessment, Shape::Superseded, Allow);
    check(&[Auditor], ReadSources, Shape::Published, Deny);
    check(&[Admin], ReviseAssessment, Shape::Draft, Deny);
    check(&[Admin], ExplainSharing, Shape::Node, Allow);
    check(&[Auditor], ListRefusals, Shape::Node, Allow);
    check(&[Admin], ReloadSharingPolicy, Shape::Node, Allow);
    check(&[Auditor], ReloadSharingPolicy, Shape::Node, Deny);
    check(&[Analyst, Reviewer], ListPeers, Shape::Node, Deny);
    check(&[Reviewer], WithdrawAssessment, Shape::Published, Allow);
    check(&[Analyst], WithdrawAssessment, Shape::Published, Deny);
    check(&[Admin], WithdrawAssessment, Shape::Published, Deny);
    check(&[FocalPoint], GetAssessment, Shape::Withdrawn, Allow);
    check(&[DecisionMaker], ListQuarantine, Shape::Node, Deny);
}

#[test]
fn four_eyes_forbids_publishing_what_you_wrote() {
    use Role::*;
    let allowed = check(
        &[Reviewer],
        Action::PublishAssessment,
        Shape::InReview,
        Expect::Allow,
    );
    assert_eq!(allowed.reasons, ["reviewer-writes"]);
    for roles in [&[Reviewer][..], &[Analyst, Reviewer], &[Reviewer, Admin]] {
        let denied = check(roles, Action::PublishAssessment, Shape::OwnInReview, Expect::Deny);
        assert_eq!(denied.reasons, ["four-eyes"], "{roles:?}");
    }
    // Withdrawing what one wrote is not forbidden: four eyes guards what goes
    // out, not taking it back.
    let withdraw = check(
        &[Analyst, Reviewer],
        Action::WithdrawAssessment,
        Shape::OwnInReview,
        Expect::Allow,
    );
    assert_eq!(withdraw.reasons, ["reviewer-withdraws"]);
    // Revising and submitting one's own work is fine.
    check(
        &[Reviewer],
        Action::ReviseAssessment,
        Shape::OwnInReview,
        Expect::Allow,
    );
}

#[test]
fn another_organisation_is_forbidden_whatever_the_roles() {
    let all = Role::ALL;
    for action in Action::ALL {
        let shape = if action.on_node() {
            Shape::OtherNode
        } else {
            Shape::OtherOrg
        };
        let denied = check(&all, action, shape, Expect::Deny);
        assert_eq!(denied.reasons, ["same-organisation"], "{action}");
    }
}

#[test]
fn a_request_that_does_not_fit_the_schema_is_denied_with_an_error() {
    let caller = caller(&Role::ALL);
    let draft = assessment(AssessmentStatus::Published, SOMEONE, HERE);
    let decision = shipped().authorize(&caller, HERE, Action::WhoAmI, Resource::Assessment(&draft));
    assert!(!decision.allowed);
    assert!(
        decision.errors.iter().any(|e| e.contains("WhoAmI")),
        "{decision:?}"
    );
    let decision = shipped().authorize(&caller, HERE, Action::GetAssessment, Resource::Node);
    assert!(!decision.allowed && !decision.errors.is_empty(), "{decision:?}");
}

#[test]
fn every_shipped_policy_has_its_id() {
    assert_eq!(
        shipped().policy_ids(),
        [
            "after-action",
            "analyst-writes",
            "audit",
            "federation-admin",
            "federation-audit",
            "federation-reload",
            "four-eyes",
            "read-deliberation",
            "read-published",
            "read-sources",
            "read-views",
            "reviewer-withdraws",
            "reviewer-writes",
            "same-organisation",
            "warning-close",
            "warning-decide",
            "warning-drafts",
            "warning-issue",
            "warning-read",
            "warning-respond",
            "webhooks",
            "who-am-i",
        ]
    );
}
