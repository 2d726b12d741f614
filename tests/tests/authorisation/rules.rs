//! The access rules of `policies/access.cedar`, written out independently in
//! Rust (as `server/src/policy/tests.rs` does), and who makes the calls of
//! each column of the matrix.

use tocsin_server::model::caller::Role;
use tocsin_server::policy::Action;

/// What a row's call is taken on, seen from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The node itself (node-wide actions).
    Node,
    Draft,
    InReview,
    /// In review, authored by the caller.
    OwnInReview,
    Published,
    Withdrawn,
    /// An assessment of another organisation.
    OtherOrg,
}

/// What a cell should show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    Allow,
    Deny,
    /// Refused before any policy: no token, or a token this node does not trust.
    Unauthenticated,
}

/// Who makes the calls of one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    /// A user of this node's issuer holding these roles.
    Roles(&'static [Role]),
    /// No `authorization` header at all.
    NoToken,
    /// A user of the other organisation, with its issuer's token.
    OtherOrgUser,
}

pub(crate) const COLUMNS: [Column; 12] = [
    Column::Roles(&[]),
    Column::Roles(&[Role::Analyst]),
    Column::Roles(&[Role::Reviewer]),
    Column::Roles(&[Role::FocalPoint]),
    Column::Roles(&[Role::DecisionMaker]),
    Column::Roles(&[Role::Admin]),
    Column::Roles(&[Role::Auditor]),
    Column::Roles(&[Role::Analyst, Role::Reviewer]),
    Column::Roles(&[Role::FocalPoint, Role::DecisionMaker]),
    Column::Roles(&[Role::Admin, Role::Auditor]),
    Column::NoToken,
    Column::OtherOrgUser,
];

impl Column {
    /// The column's heading, also the subject of its user (`-` for `_`).
    pub(crate) fn name(self) -> String {
        match self {
            Column::Roles([]) => "none".into(),
            Column::Roles(roles) => {
                let names: Vec<&str> = roles.iter().map(|r| short(*r)).collect();
                names.join("+")
            }
            Column::NoToken => "no-token".into(),
            Column::OtherOrgUser => "ecowas-user".into(),
        }
    }

    /// The subject of the column's user at this node.
    pub(crate) fn subject(self) -> String {
        format!("u-{}", self.name().replace('+', "-"))
    }
}

fn short(role: Role) -> &'static str {
    match role {
        Role::Analyst => "analyst",
        Role::Reviewer => "reviewer",
        Role::FocalPoint => "focal",
        Role::DecisionMaker => "decider",
        Role::Admin => "admin",
        Role::Auditor => "auditor",
    }
}

/// What a call by `column` needing every one of `actions` on `shape` should
/// get under the shipped policy.
pub(crate) fn expected(column: Column, actions: &[Action], shape: Shape) -> Expect {
    let Column::Roles(roles) = column else {
        return Expect::Unauthenticated;
    };
    if actions.iter().all(|a| allowed(roles, *a, shape)) {
        Expect::Allow
    } else {
        Expect::Deny
    }
}

/// The rules, one line each; nothing on another organisation's assessment.
fn allowed(roles: &[Role], action: Action, shape: Shape) -> bool {
    use Role::*;
    let any = |wanted: &[Role]| wanted.iter().any(|r| roles.contains(r));
    let deliberates = any(&[Analyst, Reviewer]);
    let someone = !roles.is_empty();
    shape != Shape::OtherOrg
        && match action {
            Action::WhoAmI => true,
            Action::CreateAssessment => any(&[Analyst]),
            Action::ReviseAssessment | Action::SubmitAssessment => deliberates,
            Action::PublishAssessment => any(&[Reviewer]) && shape != Shape::OwnInReview,
            Action::WithdrawAssessment => any(&[Reviewer]),
            Action::ListAssessments | Action::ListSituations | Action::GetSituation => someone,
            Action::GetAssessment => {
                deliberates || (someone && matches!(shape, Shape::Published | Shape::Withdrawn))
            }
            Action::ReadSources => deliberates,
            Action::ListPeers | Action::ListQuarantine | Action::ListRefusals | Action::ExplainSharing => {
                any(&[Admin, Auditor])
            }
            Action::ReloadSharingPolicy => any(&[Admin]),
            Action::RaiseWarning => deliberates,
            Action::IssueWarning => any(&[Reviewer]),
            Action::ReadWarnings | Action::ReadReport | Action::ManageSubscriptions => someone,
            Action::AcknowledgeWarning | Action::RecordAction => any(&[FocalPoint, DecisionMaker]),
            Action::DecideWarning => any(&[DecisionMaker]),
            Action::CloseWarning => any(&[Reviewer, DecisionMaker]),
            Action::WriteAfterActionNote => any(&[Analyst, Reviewer, DecisionMaker]),
            Action::ManageWebhooks => any(&[Admin]),
            Action::QueryAudit | Action::VerifyAudit => any(&[Auditor, Admin]),
        }
}
