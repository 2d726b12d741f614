//! One version of an assessment and the steps of its life: draft, review,
//! publication, supersession by a later version, withdrawal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::ValidationError;
use crate::model::assessment::{AssessmentContent, AssessmentStatus};
use crate::model::situation::check_text;

/// One version of an assessment. A published version never changes again,
/// except that it is marked superseded when a later version is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub version: u32,
    pub status: AssessmentStatus,
    pub content: AssessmentContent,
    pub organisation: String,
    pub author: String,
    pub published_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Set when this published version was withdrawn. Stores written before
    /// withdrawal existed have no such field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
}

/// Why, by whom and when a published version was withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub reason: String,
    /// Subject of the reviewer who withdrew it.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The longest reason a withdrawal may give, in characters.
pub const MAX_WITHDRAWAL_REASON: usize = 2_000;

/// A withdrawal's reason: 1 to 2000 characters, no control characters
/// other than line breaks and tabs. The error names the field `reason`.
pub fn check_withdrawal_reason(reason: &str) -> Result<(), ValidationError> {
    check_text("reason", reason, 1, MAX_WITHDRAWAL_REASON)
}

/// An illegal step in an assessment's life.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("assessment `{id}` version {version} is {status}; only a {expected} version can be {action}")]
    WrongStatus {
        id: String,
        version: u32,
        status: AssessmentStatus,
        expected: &'static str,
        action: &'static str,
    },
    #[error("assessment `{id}` is at version {latest}, not {base}: fetch the latest version and revise that")]
    StaleVersion { id: String, base: u32, latest: u32 },
    #[error(
        "assessment `{id}` version {version} has a later version {latest}: only the latest version can be {action}"
    )]
    NotLatest {
        id: String,
        version: u32,
        latest: u32,
        action: &'static str,
    },
}

impl Assessment {
    /// Starts version 1 of a new assessment as a draft.
    pub fn new_draft(
        id: String,
        content: AssessmentContent,
        organisation: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            version: 1,
            status: AssessmentStatus::Draft,
            content,
            organisation: organisation.to_owned(),
            author: author.to_owned(),
            published_by: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            withdrawn: None,
        }
    }

    /// The situation key of this version's content.
    pub fn situation_id(&self) -> String {
        self.content.situation.key()
    }

    /// Revising the latest version `self` against `base`: a draft or a version
    /// in review is rewritten in place (back to draft); a published version
    /// yields a new draft version that supersedes it once published, and a
    /// withdrawn one a new draft version that may be published in its place.
    pub fn revise(
        &self,
        base: u32,
        content: AssessmentContent,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, LifecycleError> {
        if base != self.version {
            return Err(LifecycleError::StaleVersion {
                id: self.id.clone(),
                base,
                latest: self.version,
            });
        }
        match self.status {
            AssessmentStatus::Draft | AssessmentStatus::InReview => Ok(Self {
                status: AssessmentStatus::Draft,
                content,
                updated_at: now,
                ..self.clone()
            }),
            AssessmentStatus::Published | AssessmentStatus::Withdrawn => Ok(Self {
                version: self.version + 1,
                status: AssessmentStatus::Draft,
                content,
                author: author.to_owned(),
                published_by: None,
                created_at: now,
                updated_at: now,
                published_at: None,
                withdrawn: None,
                ..self.clone()
            }),
            AssessmentStatus::Superseded => {
                Err(self.wrong_status("draft, in-review, published or withdrawn", "revised"))
            }
        }
    }

    /// Sends a draft to review.
    pub fn submit(&self, now: DateTime<Utc>) -> Result<Self, LifecycleError> {
        if self.status != AssessmentStatus::Draft {
            return Err(self.wrong_status("draft", "submitted for review"));
        }
        Ok(Self {
            status: AssessmentStatus::InReview,
            updated_at: now,
            ..self.clone()
        })
    }

    /// Publishes a version in review. The caller marks the previously
    /// published version superseded in the same write.
    pub fn publish(&self, reviewer: &str, now: DateTime<Utc>) -> Result<Self, LifecycleError> {
        if self.status != AssessmentStatus::InReview {
            return Err(self.wrong_status("in-review", "published"));
        }
        Ok(Self {
            status: AssessmentStatus::Published,
            published_by: Some(reviewer.to_owned()),
            published_at: Some(now),
            updated_at: now,
            ..self.clone()
        })
    }

    /// This published version, marked superseded by a later one.
    pub fn supersede(&self, now: DateTime<Utc>) -> Result<Self, LifecycleError> {
        if self.status != AssessmentStatus::Published {
            return Err(self.wrong_status("published", "superseded"));
        }
        Ok(Self {
            status: AssessmentStatus::Superseded,
            updated_at: now,
            ..self.clone()
        })
    }

    /// This published version, withdrawn by `by` for `reason`. The version
    /// stays readable, marked withdrawn; the federation retracts what it
    /// shared of it. The caller checks the reason (`check_withdrawal_reason`).
    pub fn withdraw(&self, by: &str, reason: &str, now: DateTime<Utc>) -> Result<Self, LifecycleError> {
        if self.status != AssessmentStatus::Published {
            return Err(self.wrong_status("published", "withdrawn"));
        }
        Ok(Self {
            status: AssessmentStatus::Withdrawn,
            updated_at: now,
            withdrawn: Some(Withdrawal {
                reason: reason.to_owned(),
                by: by.to_owned(),
                at: now,
            }),
            ..self.clone()
        })
    }

    fn wrong_status(&self, expected: &'static str, action: &'static str) -> LifecycleError {
        LifecycleError::WrongStatus {
            id: self.id.clone(),
            version: self.version,
            status: self.status,
            expected,
            action,
        }
    }
}
