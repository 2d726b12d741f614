//! The rows of the matrix: every RPC of the node's four services, once per
//! kind of data it can be aimed at (this organisation's, another
//! organisation's, another user's), with the access actions it needs.

use tocsin_server::policy::Action;

use super::rules::Shape;

/// Whose data a row's call is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whose {
    /// Node-wide: no one's in particular.
    Node,
    /// This organisation's.
    Own,
    /// Another organisation's, received through the federation.
    OtherOrg,
    /// Another user's of this organisation.
    OtherUser,
}

impl Whose {
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Whose::Node => "node",
            Whose::Own => "own",
            Whose::OtherOrg => "other org",
            Whose::OtherUser => "other user",
        }
    }
}

/// What must be made afresh for each call of a row, because the call
/// consumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fresh {
    Nothing,
    Draft,
    InReview,
    /// In review, authored by the caller's own subject.
    OwnInReview,
    Published,
    /// A draft warning of this node.
    WarningDraft,
    /// An action recorded on this node's issued warning.
    Action,
    /// An issued warning of this node with a decision on it.
    Decided,
    /// A subscription of the caller's own subject.
    OwnSubscription,
    /// A subscription of another user.
    OthersSubscription,
}

/// One row: the RPC, what it is aimed at, and what the policy must allow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub(crate) rpc: &'static str,
    pub(crate) target: &'static str,
    pub(crate) whose: Whose,
    /// Every one of these must be allowed for the call to be.
    pub(crate) actions: &'static [Action],
    pub(crate) shape: Shape,
    pub(crate) fresh: Fresh,
    /// A write: when denied, nothing may change.
    pub(crate) writes: bool,
    /// NOT_FOUND counts as denied: the node hides what the caller may not
    /// touch instead of refusing it.
    pub(crate) hides: bool,
}

const fn row(rpc: &'static str, target: &'static str, whose: Whose, actions: &'static [Action]) -> Row {
    Row {
        rpc,
        target,
        whose,
        actions,
        shape: Shape::Node,
        fresh: Fresh::Nothing,
        writes: false,
        hides: false,
    }
}

impl Row {
    const fn on(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    const fn fresh(mut self, fresh: Fresh) -> Self {
        self.fresh = fresh;
        self
    }

    const fn writes(mut self) -> Self {
        self.writes = true;
        self
    }

    const fn hides(mut self) -> Self {
        self.hides = true;
        self
    }

    pub(crate) fn label(&self) -> String {
        if self.target.is_empty() {
            self.rpc.to_owned()
        } else {
            format!("{} ({})", self.rpc, self.target)
        }
    }
}

use Action as A;
use Shape as S;
use Whose::{Node, OtherOrg, OtherUser, Own};

/// Every row, in the order of the services' definitions.
pub(crate) const ROWS: [Row; 57] = [
    // tocsin.v1.NodeService
    row("WhoAmI", "", Node, &[A::WhoAmI]),
    row("CreateAssessment", "", Node, &[A::CreateAssessment]).writes(),
    row("ReviseAssessment", "draft", Own, &[A::ReviseAssessment])
        .on(S::Draft)
        .fresh(Fresh::Draft)
        .writes(),
    row("ReviseAssessment", "ecowas's", OtherOrg, &[A::ReviseAssessment])
        .on(S::OtherOrg)
        .writes()
        .hides(),
    row("SubmitAssessment", "draft", Own, &[A::SubmitAssessment])
        .on(S::Draft)
        .fresh(Fresh::Draft)
        .writes(),
    row("PublishAssessment", "in review", Own, &[A::PublishAssessment])
        .on(S::InReview)
        .fresh(Fresh::InReview)
        .writes(),
    row("PublishAssessment", "own in review", Own, &[A::PublishAssessment])
        .on(S::OwnInReview)
        .fresh(Fresh::OwnInReview)
        .writes(),
    row("PublishAssessment", "ecowas's", OtherOrg, &[A::PublishAssessment])
        .on(S::OtherOrg)
        .writes()
        .hides(),
    row("WithdrawAssessment", "published", Own, &[A::WithdrawAssessment])
        .on(S::Published)
        .fresh(Fresh::Published)
        .writes(),
    row(
        "WithdrawAssessment",
        "ecowas's",
        OtherOrg,
        &[A::WithdrawAssessment],
    )
    .on(S::OtherOrg)
    .writes()
    .hides(),
    row("GetAssessment", "draft", Own, &[A::GetAssessment]).on(S::Draft),
    row("GetAssessment", "in review", Own, &[A::GetAssessment]).on(S::InReview),
    row("GetAssessment", "published", Own, &[A::GetAssessment]).on(S::Published),
    row("GetAssessment", "withdrawn", Own, &[A::GetAssessment]).on(S::Withdrawn),
    row("GetAssessment", "ecowas's", OtherOrg, &[A::GetAssessment])
        .on(S::OtherOrg)
        .hides(),
    row(
        "GetAssessment",
        "sources of published",
        Own,
        &[A::GetAssessment, A::ReadSources],
    )
    .on(S::Published),
    row("ListAssessments", "", Node, &[A::ListAssessments]),
    row("ListSituations", "", Node, &[A::ListSituations]),
    row("GetSituation", "XAA, own", Own, &[A::GetSituation]),
    row("GetSituation", "XAB, ecowas's only", OtherOrg, &[A::GetSituation]),
    row("ListPeers", "", Node, &[A::ListPeers]),
    row("ListQuarantine", "", Node, &[A::ListQuarantine]),
    row("ListRefusals", "", Node, &[A::ListRefusals]),
    row(
        "ExplainSharing",
        "published",
        Own,
        &[A::ExplainSharing, A::GetAssessment],
    )
    .on(S::Published),
    row(
        "ExplainSharing",
        "ecowas's",
        OtherOrg,
        &[A::ExplainSharing, A::GetAssessment],
    )
    .on(S::OtherOrg)
    .hides(),
    row("ReloadSharingPolicy", "", Node, &[A::ReloadSharingPolicy]),
    // tocsin.v1.WarningService
    row("RaiseWarning", "", Node, &[A::RaiseWarning]).writes(),
    row("DraftUpdate", "issued", Own, &[A::RaiseWarning]).writes(),
    row("DraftCancel", "issued", Own, &[A::RaiseWarning]).writes(),
    row("ReviseWarning", "draft", Own, &[A::RaiseWarning]).writes(),
    row("IssueWarning", "draft", Own, &[A::IssueWarning])
        .fresh(Fresh::WarningDraft)
        .writes(),
    row("GetWarning", "issued", Own, &[A::ReadWarnings]),
    row("GetWarning", "received", OtherOrg, &[A::ReadWarnings]),
    row("ListWarnings", "", Node, &[A::ReadWarnings]),
    row("WatchWarnings", "", Node, &[A::ReadWarnings]),
    row("ExportCap", "issued", Own, &[A::ReadWarnings]),
    row("ExportCap", "received", OtherOrg, &[A::ReadWarnings]),
    row(
        "AcknowledgeWarning",
        "issued to self",
        Own,
        &[A::AcknowledgeWarning],
    )
    .writes(),
    row(
        "AcknowledgeWarning",
        "received",
        OtherOrg,
        &[A::AcknowledgeWarning],
    )
    .writes(),
    row("DecideWarning", "issued to self", Own, &[A::DecideWarning]).writes(),
    row("DecideWarning", "received", OtherOrg, &[A::DecideWarning]).writes(),
    row("RecordAction", "issued", Own, &[A::RecordAction]).writes(),
    row("RecordAction", "received", OtherOrg, &[A::RecordAction]).writes(),
    row("UpdateAction", "issued", Own, &[A::RecordAction])
        .fresh(Fresh::Action)
        .writes(),
    row("CloseWarning", "decided", Own, &[A::CloseWarning])
        .fresh(Fresh::Decided)
        .writes(),
    row("AddAfterActionNote", "issued", Own, &[A::WriteAfterActionNote]).writes(),
    row(
        "AddAfterActionNote",
        "received",
        OtherOrg,
        &[A::WriteAfterActionNote],
    )
    .writes(),
    row("GetReport", "", Node, &[A::ReadReport]),
    // tocsin.v1.SubscriptionService
    row("CreateSubscription", "", Node, &[A::ManageSubscriptions]).writes(),
    row(
        "CreateSubscription",
        "webhook",
        Node,
        &[A::ManageSubscriptions, A::ManageWebhooks],
    )
    .writes(),
    row("ListSubscriptions", "", Node, &[A::ManageSubscriptions]),
    row("DeleteSubscription", "own", Own, &[A::ManageSubscriptions])
        .fresh(Fresh::OwnSubscription)
        .writes(),
    row(
        "DeleteSubscription",
        "another user's",
        OtherUser,
        &[A::ManageSubscriptions, A::ManageWebhooks],
    )
    .fresh(Fresh::OthersSubscription)
    .writes()
    .hides(),
    row("ListDeadLetters", "", Node, &[A::ManageWebhooks]),
    row("ReplayDeadLetter", "", Node, &[A::ManageWebhooks]),
    // tocsin.v1.AuditService
    row("QueryAudit", "", Node, &[A::QueryAudit]),
    row("VerifyAudit", "", Node, &[A::VerifyAudit]),
];
