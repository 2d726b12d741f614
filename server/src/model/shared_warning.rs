//! Warnings and the responses to them as they cross the federation: what a
//! sender tells the organisations it addresses, and what they (and the
//! sender) record in return. Who acted travels as a role, never as a
//! person; locations below admin-1 and after-action notes never travel.

use chrono::{DateTime, Utc};

use crate::model::caller::Role;
use crate::model::situation::SituationSpec;
use crate::model::statement::SharedSituation;
use crate::model::warning::{
    AckKind, ActionKind, ActionStatus, Addressee, AssessmentRef, Category, Certainty, DecisionKind,
    EscalationReason, Issued, MsgType, Severity, Urgency, Warning, WarningContent, WarningLevel, WarningRef,
    WarningStatus,
};

/// An issued warning as its sender signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWarning {
    pub identifier: String,
    pub msg_type: MsgType,
    pub references: Vec<WarningRef>,
    /// `admin2` is always empty.
    pub situation: SharedSituation,
    pub assessment: AssessmentRef,
    pub level: WarningLevel,
    pub category: Category,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub headline: String,
    pub description: String,
    pub instruction: String,
    pub addressees: Vec<Addressee>,
    pub expires: DateTime<Utc>,
    pub sent: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub decide_by: DateTime<Utc>,
    pub risk_factors: Vec<u8>,
}

impl SharedWarning {
    /// The shareable form of an issued warning; `None` for a draft.
    /// `situation` is the warning's situation as shared (M49 region and
    /// regional bodies filled in by the caller, no admin-2).
    pub fn of(warning: &Warning, situation: SharedSituation) -> Option<Self> {
        let issued = warning.issued.as_ref()?;
        let c = &warning.content;
        Some(Self {
            identifier: warning.id.clone(),
            msg_type: warning.msg_type,
            references: warning.references.clone(),
            situation: SharedSituation {
                admin2: Vec::new(),
                ..situation
            },
            assessment: c.assessment.clone(),
            level: c.level,
            category: c.category,
            urgency: c.urgency,
            severity: c.severity,
            certainty: c.certainty,
            headline: c.headline.clone(),
            description: c.description.clone(),
            instruction: c.instruction.clone(),
            addressees: c.addressees.clone(),
            expires: c.expires,
            sent: issued.sent,
            acknowledge_by: issued.acknowledge_by,
            decide_by: issued.decide_by,
            risk_factors: c.risk_factors.clone(),
        })
    }

    /// The warning as the receiving node keeps it: issued by `sender`, with
    /// no author or issuer known (they stay at the sender's node).
    pub fn to_warning(&self, sender: &str, tlp: crate::model::marking::Tlp) -> Warning {
        let s = &self.situation;
        Warning {
            id: self.identifier.clone(),
            sender: sender.to_owned(),
            msg_type: self.msg_type,
            references: self.references.clone(),
            status: WarningStatus::Issued,
            content: WarningContent {
                situation: SituationSpec {
                    title: s.title.clone(),
                    countries: s.countries.clone(),
                    admin1: s.admin1.clone(),
                    admin2: Vec::new(),
                    crimes_at_risk: s.crimes_at_risk.clone(),
                    protected_groups: s.protected_groups.clone(),
                },
                assessment: self.assessment.clone(),
                level: self.level,
                category: self.category,
                urgency: self.urgency,
                severity: self.severity,
                certainty: self.certainty,
                headline: self.headline.clone(),
                description: self.description.clone(),
                instruction: self.instruction.clone(),
                addressees: self.addressees.clone(),
                expires: self.expires,
                tlp,
                risk_factors: self.risk_factors.clone(),
            },
            author: String::new(),
            created_at: self.sent,
            updated_at: self.sent,
            issued: Some(Issued {
                by: String::new(),
                sent: self.sent,
                acknowledge_by: self.acknowledge_by,
                decide_by: self.decide_by,
            }),
            ended: None,
        }
    }

    /// The organisations it is addressed to.
    pub fn addressed(&self) -> impl Iterator<Item = &str> {
        self.addressees.iter().map(|a| a.organisation.as_str())
    }
}

/// Something said about a warning by an organisation: the statement's
/// origin is who says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningResponse {
    /// The warning's sender and identifier.
    pub warning_sender: String,
    pub warning_id: String,
    pub at: DateTime<Utc>,
    /// The role of the user who recorded it; `None` for the node itself.
    pub by_role: Option<Role>,
    pub kind: ResponseKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseKind {
    /// The warning reached the responding organisation's node.
    Receipt,
    Acknowledgement(AckKind),
    Decision {
        id: String,
        kind: DecisionKind,
        justification: String,
    },
    Action(SharedAction),
    /// Made by the warning's sender: the warning goes to `to`.
    Escalation(Box<SharedEscalation>),
    /// Made by the warning's sender on the strength of a decision.
    Closure {
        decision_id: String,
    },
}

impl ResponseKind {
    /// The kind as statement ids, sharing facts and logs name it.
    pub fn as_str(&self) -> &'static str {
        match self {
            ResponseKind::Receipt => "receipt",
            ResponseKind::Acknowledgement(_) => "acknowledgement",
            ResponseKind::Decision { .. } => "decision",
            ResponseKind::Action(_) => "action",
            ResponseKind::Escalation(_) => "escalation",
            ResponseKind::Closure { .. } => "closure",
        }
    }
}

/// An action and its status updates so far; a later statement about the
/// same action carries more updates and replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAction {
    pub id: String,
    pub decision_id: Option<String>,
    pub kind: ActionKind,
    pub description: String,
    pub owner: String,
    pub due: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub updates: Vec<SharedActionUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedActionUpdate {
    pub status: ActionStatus,
    pub outcome: Option<String>,
    pub at: DateTime<Utc>,
    pub by_role: Option<Role>,
}

/// A step up the sender's escalation chain, carrying the warning itself for
/// the organisation escalated to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedEscalation {
    pub reason: EscalationReason,
    pub subject: String,
    pub step: u32,
    pub from: String,
    pub to: String,
    pub due: DateTime<Utc>,
    pub warning: SharedWarning,
}
