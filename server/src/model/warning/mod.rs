//! Early warnings and the response to them, aligned with OASIS CAP 1.2.
//!
//! A [`Warning`] is raised for a situation and rests on a published
//! assessment (or is proposed from one by a [`Threshold`]). It lives
//! `draft → issued → superseded | cancelled | closed`: an update or a cancel
//! is itself a warning message (CAP `msgType` `Update` / `Cancel`) that
//! references the one it replaces, and closing needs a recorded decision.
//! What addressees do about it — [`Acknowledgement`], [`Decision`],
//! [`Action`] — and what the node does when they do not — [`Escalation`] —
//! are records kept beside the warning ([`Responses`]); pure functions derive
//! from them the escalations now due ([`due_escalations`]), the
//! [`timeline`] and the [`measures`] of how long each step took.
//!
//! Files: this one has the CAP-aligned vocabulary, the content an author
//! writes and its validation; `lifecycle` the [`Warning`] record and its
//! status changes; `threshold` the automatic proposals; `response` the
//! response records; `deadlines` the configurable deadlines and escalation
//! chain; `escalation` the scheduler's pure function; `timeline`; `measures`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use crate::model::ValidationError;
use crate::model::assessment::Assessment;
use crate::model::caller::Role;
use crate::model::marking::Tlp;
use crate::model::reference::ReferenceData;
use crate::model::situation::{SituationSpec, check_text};

mod deadlines;
mod escalation;
mod lifecycle;
pub mod measures;
mod response;
mod threshold;
mod timeline;
mod vocabulary;

use crate::model::shown;
use vocabulary::vocabulary_names;

#[cfg(test)]
mod tests;

pub use deadlines::{AckDeadlines, EscalationChain, ResponseDeadlines, period};
pub use escalation::due_escalations;
pub use lifecycle::{Ending, Issued, Warning, WarningRef};
pub use response::{
    AckKind, Acknowledgement, Action, ActionKind, ActionStatus, ActionUpdate, AdvanceError, AfterActionNote,
    Decision, DecisionKind, Delivery, Escalation, EscalationReason, Outcome, Responses,
};
pub use threshold::{Condition, Threshold, WarningDraft, high_factors, proposals, validate_thresholds};
pub use timeline::{TimelineEntry, TimelineEvent, timeline};
pub use vocabulary::{Category, Certainty, MsgType, Severity, Urgency, WarningLevel, WarningStatus};

/// An illegal step in a warning's life or in a response to it. Validation of
/// what a user wrote is a [`ValidationError`] instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarningError {
    #[error("warning `{id}` is {status}; only {expected} warning can be {action}")]
    WrongStatus {
        id: String,
        status: WarningStatus,
        expected: &'static str,
        action: &'static str,
    },
    #[error("warning `{id}` is a cancel notice; {action} applies only to alerts and updates")]
    CancelNotice { id: String, action: &'static str },
    #[error("warning `{by}` does not reference warning `{id}`")]
    NotReferenced { id: String, by: String },
    #[error("warning `{by}` has message type `{msg_type}`; it cannot {action} warning `{id}`")]
    WrongReference {
        id: String,
        by: String,
        msg_type: MsgType,
        action: &'static str,
    },
    #[error("warning `{id}` has no decision; record one before closing it")]
    NoDecision { id: String },
    #[error("decision `{decision}` is about warning `{other}`, not `{id}`")]
    ForeignDecision {
        id: String,
        decision: String,
        other: String,
    },
    #[error("warning `{id}` expired at {expires}; it cannot be issued")]
    Expired {
        id: String,
        expires: chrono::DateTime<chrono::Utc>,
    },
    #[error("action `{action}` of warning `{warning}` is {from}; it cannot become {to}")]
    ActionTransition {
        warning: String,
        action: String,
        from: ActionStatus,
        to: ActionStatus,
    },
}

/// The published assessment a warning rests on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentRef {
    pub id: String,
    pub version: u32,
}

impl AssessmentRef {
    pub fn of(assessment: &Assessment) -> Self {
        Self {
            id: assessment.id.clone(),
            version: assessment.version,
        }
    }
}

impl fmt::Display for AssessmentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} version {}", self.id, self.version)
    }
}

/// Who a warning is for: an organisation, and the function there that must
/// receive it. Each addressee owes an acknowledgement by the warning's
/// acknowledgement deadline (see [`Warning::ack_deadline`]) and a decision by
/// its decision deadline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addressee {
    /// Organisation id as in the federation directory (`au`, `un-hq`).
    pub organisation: String,
    /// [`Role::FocalPoint`] or [`Role::DecisionMaker`].
    pub role: Role,
}

/// Everything an author writes in a warning. The CAP `event` text, the
/// identifier, sender and sent time are not written by the author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningContent {
    pub situation: SituationSpec,
    pub assessment: AssessmentRef,
    pub level: WarningLevel,
    #[serde(default)]
    pub category: Category,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    /// CAP `headline`: 1 to 160 characters.
    pub headline: String,
    /// CAP `description`: what is happening and why it matters.
    pub description: String,
    /// CAP `instruction`: the recommended actions; may be empty.
    #[serde(default)]
    pub instruction: String,
    /// One per organisation; at least one.
    pub addressees: Vec<Addressee>,
    /// CAP `expires`: after this the warning no longer calls for a response.
    pub expires: chrono::DateTime<chrono::Utc>,
    pub tlp: Tlp,
    /// The risk factors (1–14) the assessment rates high, ascending: set by
    /// the node from the assessment when the warning is raised, not by the
    /// author; subscriptions filter on them.
    #[serde(default)]
    pub risk_factors: Vec<u8>,
}

pub const MAX_HEADLINE: usize = 160;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_INSTRUCTION: usize = 10_000;
pub const MAX_ADDRESSEES: usize = 50;
/// Free text in responses: reasons, justifications, outcomes, lessons.
pub const MAX_REASON: usize = 5_000;

impl WarningContent {
    /// Checks the content against the reference data; the error names the
    /// field (`addressees[1].organisation`, `situation.countries[0]`).
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), ValidationError> {
        self.situation
            .validate(reference)
            .map_err(|e| e.under("situation"))?;
        check_text("assessment.id", &self.assessment.id, 1, 128)?;
        if self.assessment.version == 0 {
            return Err(ValidationError::new("assessment.version", "versions start at 1"));
        }
        check_text("headline", &self.headline, 1, MAX_HEADLINE)?;
        check_text("description", &self.description, 1, MAX_DESCRIPTION)?;
        check_text("instruction", &self.instruction, 0, MAX_INSTRUCTION)?;
        for (i, factor) in self.risk_factors.iter().enumerate() {
            if !(1..=14).contains(factor) || (i > 0 && self.risk_factors[i - 1] >= *factor) {
                return Err(ValidationError::new(
                    format!("risk_factors[{i}]"),
                    format!("`{factor}` is not a risk factor (1 to 14, ascending, each once)"),
                ));
            }
        }
        if self.addressees.is_empty() {
            return Err(ValidationError::new(
                "addressees",
                "at least one addressee is required",
            ));
        }
        if self.addressees.len() > MAX_ADDRESSEES {
            return Err(ValidationError::new(
                "addressees",
                format!("at most {MAX_ADDRESSEES} addressees"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, addressee) in self.addressees.iter().enumerate() {
            let at = format!("addressees[{i}]");
            check_org_id(&format!("{at}.organisation"), &addressee.organisation)?;
            if !seen.insert(addressee.organisation.as_str()) {
                return Err(ValidationError::new(
                    format!("{at}.organisation"),
                    format!("organisation `{}` addressed twice", addressee.organisation),
                ));
            }
            if !matches!(addressee.role, Role::FocalPoint | Role::DecisionMaker) {
                return Err(ValidationError::new(
                    format!("{at}.role"),
                    format!(
                        "a warning is addressed to a focal_point or a decision_maker, not `{}`",
                        addressee.role
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks that `assessment` is the published assessment this content
    /// names and covers its countries.
    pub fn check_assessment(&self, assessment: &Assessment) -> Result<(), ValidationError> {
        if AssessmentRef::of(assessment) != self.assessment {
            return Err(ValidationError::new(
                "assessment",
                format!(
                    "names assessment `{}`, not `{}`",
                    self.assessment,
                    AssessmentRef::of(assessment)
                ),
            ));
        }
        if assessment.published_at.is_none() {
            return Err(ValidationError::new(
                "assessment",
                format!(
                    "assessment `{}` is {}; a warning rests on a published assessment",
                    self.assessment, assessment.status
                ),
            ));
        }
        let covered = &assessment.content.situation.countries;
        for (i, country) in self.situation.countries.iter().enumerate() {
            if !covered.contains(country) {
                return Err(ValidationError::new(
                    format!("situation.countries[{i}]"),
                    format!(
                        "country `{country}` is not covered by assessment `{}`",
                        self.assessment
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The addressee entry for `organisation`, if it is one.
    pub fn addressee(&self, organisation: &str) -> Option<&Addressee> {
        self.addressees.iter().find(|a| a.organisation == organisation)
    }
}

/// Whether `id` is a well-formed organisation id: 1 to 64 of `a-z`, `0-9`,
/// `-` and `_` (the federation directory's rule).
pub fn is_org_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

pub(crate) fn check_org_id(field: &str, id: &str) -> Result<(), ValidationError> {
    if is_org_id(id) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "`{}` is not an organisation id (1 to 64 of a-z, 0-9, `-`, `_`)",
                shown(id).escape_debug()
            ),
        ))
    }
}

/// Whether `id` can be a CAP identifier: 1 to 128 printable ASCII
/// characters without spaces, commas, `<` or `&` (CAP 1.2, 3.2.1).
pub fn is_identifier(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic() && !b",<&".contains(&b))
}

pub(crate) fn check_identifier(field: &str, id: &str) -> Result<(), ValidationError> {
    if is_identifier(id) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "`{}` is not a warning identifier (1 to 128 printable ASCII characters, no space, `,`, `<` or `&`)",
                shown(id).escape_debug()
            ),
        ))
    }
}
