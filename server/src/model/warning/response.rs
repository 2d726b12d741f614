//! What happens after a warning is issued: deliveries, acknowledgements,
//! decisions, actions, escalations and after-action notes. Each record
//! names its warning; [`Responses`] gathers those of one warning.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::{MAX_REASON, WarningError, check_org_id, vocabulary_names};
use crate::model::ValidationError;
use crate::model::situation::check_text;

/// Everything recorded about one warning, as the store loads it. Records
/// naming another warning are ignored by the functions that read this.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Responses {
    pub deliveries: Vec<Delivery>,
    pub acknowledgements: Vec<Acknowledgement>,
    pub decisions: Vec<Decision>,
    pub actions: Vec<Action>,
    pub escalations: Vec<Escalation>,
    pub notes: Vec<AfterActionNote>,
}

/// The warning reached an addressee's node (reported by the federation
/// transport; for the sender's own organisation, when it was issued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub warning_id: String,
    pub organisation: String,
    pub at: DateTime<Utc>,
}

/// An organisation's answer to a warning. The first one from an addressee
/// stops its acknowledgement clock; later ones may follow (`received`, then
/// `accepted_for_action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub warning_id: String,
    pub organisation: String,
    /// The user who acknowledged.
    pub by: String,
    pub at: DateTime<Utc>,
    pub kind: AckKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AckKind {
    Received,
    AcceptedForAction,
    /// Passed on to organisation `to`, which is better placed to act.
    Forwarded {
        to: String,
        reason: String,
    },
    Declined {
        reason: String,
    },
}

impl AckKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            AckKind::Received => "received",
            AckKind::AcceptedForAction => "accepted_for_action",
            AckKind::Forwarded { .. } => "forwarded",
            AckKind::Declined { .. } => "declined",
        }
    }

    /// Forwarding or declining hands the decision to others: the
    /// organisation owes none itself.
    pub fn hands_off(&self) -> bool {
        matches!(self, AckKind::Forwarded { .. } | AckKind::Declined { .. })
    }
}

impl fmt::Display for AckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Acknowledgement {
    /// A declined or forwarded acknowledgement needs a reason; a forwarded
    /// one names another organisation (`kind.to`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_org_id("organisation", &self.organisation)?;
        match &self.kind {
            AckKind::Received | AckKind::AcceptedForAction => Ok(()),
            AckKind::Declined { reason } => check_text("kind.reason", reason, 1, MAX_REASON),
            AckKind::Forwarded { to, reason } => {
                check_org_id("kind.to", to)?;
                if *to == self.organisation {
                    return Err(ValidationError::new(
                        "kind.to",
                        format!("`{to}` cannot forward a warning to itself"),
                    ));
                }
                check_text("kind.reason", reason, 1, MAX_REASON)
            }
        }
    }
}

vocabulary_names!(
    /// What an organisation decided to do about a warning.
    DecisionKind, "decision", [Act => "act", Monitor => "monitor", NoAction => "no_action"]
);

/// An organisation's decision about a warning, with its justification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub id: String,
    pub warning_id: String,
    pub organisation: String,
    pub kind: DecisionKind,
    pub justification: String,
    /// The decision-maker who recorded it.
    pub by: String,
    pub at: DateTime<Utc>,
}

impl Decision {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_org_id("organisation", &self.organisation)?;
        check_text("justification", &self.justification, 1, MAX_REASON)
    }
}

vocabulary_names!(
    /// The early-action repertoire: what can be done to prevent atrocity crimes.
    ActionKind, "action kind", [
        PreventiveDiplomacy => "preventive_diplomacy",
        Mediation => "mediation",
        PublicStatement => "public_statement",
        FactFinding => "fact_finding",
        CouncilBriefing => "council_briefing",
        TargetedSanctions => "targeted_sanctions",
        ArmsEmbargo => "arms_embargo",
        ProtectionDeployment => "protection_deployment",
        HumanitarianAccess => "humanitarian_access",
        AccountabilityReferral => "accountability_referral",
        CapacitySupport => "capacity_support",
    ]
);

vocabulary_names!(
    /// `planned → in_progress → completed | abandoned`; a planned action may
    /// also be completed or abandoned at once. The last two are final.
    ActionStatus, "action status", [
        Planned => "planned",
        InProgress => "in_progress",
        Completed => "completed",
        Abandoned => "abandoned",
    ]
);

impl ActionStatus {
    pub fn is_final(self) -> bool {
        matches!(self, ActionStatus::Completed | ActionStatus::Abandoned)
    }

    /// Whether an action may go from `self` to `to`.
    pub fn may_become(self, to: ActionStatus) -> bool {
        use ActionStatus::*;
        matches!(
            (self, to),
            (Planned, InProgress | Completed | Abandoned) | (InProgress, Completed | Abandoned)
        )
    }
}

/// Something done in response to a warning, with its history of status
/// changes (empty while it is planned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: String,
    pub warning_id: String,
    /// The decision that called for it, if one did.
    #[serde(default)]
    pub decision_id: Option<String>,
    pub kind: ActionKind,
    pub description: String,
    /// The organisation that answers for it; overdue, it escalates from here.
    pub owner: String,
    pub due: DateTime<Utc>,
    /// The user who recorded it.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub updates: Vec<ActionUpdate>,
}

/// One status change of an action. `completed` and `abandoned` carry the
/// outcome; the others carry none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionUpdate {
    pub status: ActionStatus,
    #[serde(default)]
    pub outcome: Option<String>,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl Action {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_text("description", &self.description, 0, MAX_REASON)?;
        check_org_id("owner", &self.owner)
    }

    /// The status after the latest update.
    pub fn status(&self) -> ActionStatus {
        self.updates.last().map_or(ActionStatus::Planned, |u| u.status)
    }

    /// When the action reached a final status, if it has.
    pub fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.updates.iter().find(|u| u.status.is_final()).map(|u| u.at)
    }

    /// The action with one more status change. An illegal change is a
    /// [`WarningError::ActionTransition`]; a missing or needless outcome a
    /// validation error on `outcome`.
    pub fn advance(
        &self,
        to: ActionStatus,
        outcome: Option<String>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Self, AdvanceError> {
        let from = self.status();
        if !from.may_become(to) {
            return Err(AdvanceError::Transition(WarningError::ActionTransition {
                warning: self.warning_id.clone(),
                action: self.id.clone(),
                from,
                to,
            }));
        }
        match (&outcome, to.is_final()) {
            (Some(text), true) => check_text("outcome", text, 1, MAX_REASON)?,
            (None, true) => {
                return Err(
                    ValidationError::new("outcome", format!("a {to} action needs an outcome")).into(),
                );
            }
            (Some(_), false) => {
                return Err(ValidationError::new(
                    "outcome",
                    format!("only a completed or abandoned action has an outcome, not one that becomes {to}"),
                )
                .into());
            }
            (None, false) => {}
        }
        let mut next = self.clone();
        next.updates.push(ActionUpdate {
            status: to,
            outcome,
            by: by.to_owned(),
            at,
        });
        Ok(next)
    }
}

/// Why [`Action::advance`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvanceError {
    #[error(transparent)]
    Transition(WarningError),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

vocabulary_names!(
    /// What was not done in time.
    EscalationReason, "escalation reason", [
        NoAcknowledgement => "no_acknowledgement",
        OverdueDecision => "overdue_decision",
        OverdueAction => "overdue_action",
    ]
);

/// A step up the escalation chain: `from` did not respond in time, so `to`
/// is asked to. Recorded by the scheduler from [`super::due_escalations`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub warning_id: String,
    pub reason: EscalationReason,
    /// What is late: the addressee organisation (no acknowledgement,
    /// overdue decision) or the action id (overdue action).
    pub subject: String,
    /// 1 for the first escalation of this subject and reason, then 2, 3 …
    pub step: u32,
    pub from: String,
    pub to: String,
    /// When it became due.
    pub due: DateTime<Utc>,
    /// When it was made.
    pub at: DateTime<Utc>,
}

vocabulary_names!(
    /// What became of the risk a warning was about, as far as can be told.
    Outcome, "outcome", [
        Prevented => "prevented",
        Mitigated => "mitigated",
        NotPrevented => "not_prevented",
        DidNotMaterialise => "did_not_materialise",
        Unknown => "unknown",
    ]
);

/// Lessons learned from a warning and the response to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfterActionNote {
    pub id: String,
    pub warning_id: String,
    pub organisation: String,
    pub outcome: Outcome,
    pub lessons: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Lessons can be long: a page or two.
const MAX_LESSONS: usize = 20_000;

impl AfterActionNote {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_org_id("organisation", &self.organisation)?;
        check_text("lessons", &self.lessons, 1, MAX_LESSONS)
    }
}
