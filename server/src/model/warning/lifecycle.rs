//! The warning record and its life: `draft → issued → superseded |
//! cancelled | closed`. Each step returns the changed copy; the caller
//! stores it (and, for an update or a cancel, the warnings it references, in
//! the same write).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    MsgType, ResponseDeadlines, WarningContent, WarningError, WarningStatus, check_identifier, check_org_id,
};
use crate::model::ValidationError;
use crate::model::reference::ReferenceData;
use crate::model::warning::response::Decision;

/// One warning message: a first warning (`Alert`), an `Update` that
/// supersedes the warnings in `references`, or a `Cancel` notice that
/// withdraws them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// CAP `identifier`, unique per sender (see [`super::is_identifier`]).
    pub id: String,
    /// Organisation id of the node that raised it (CAP `sender`).
    pub sender: String,
    pub msg_type: MsgType,
    /// The earlier warnings this update or cancel replaces; empty for an
    /// `Alert`.
    pub references: Vec<WarningRef>,
    pub status: WarningStatus,
    pub content: WarningContent,
    /// The user who drafted it.
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when it is issued, never before.
    pub issued: Option<Issued>,
    /// Set when it becomes superseded, cancelled or closed.
    pub ended: Option<Ending>,
}

/// When and by whom a warning was issued, and the deadlines fixed then:
/// they do not move if the configured deadlines change later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    /// The reviewer who issued it.
    pub by: String,
    /// CAP `sent`.
    pub sent: DateTime<Utc>,
    /// Every addressee's acknowledgement deadline: `sent` plus the period
    /// for the warning's urgency.
    pub acknowledge_by: DateTime<Utc>,
    /// Every addressee's decision deadline: `sent` plus the decision period.
    pub decide_by: DateTime<Utc>,
}

/// How a warning's life ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ending {
    /// An issued `Update` (id `by`) replaced it.
    Superseded { by: String, at: DateTime<Utc> },
    /// An issued `Cancel` notice (id `by`) withdrew it.
    Cancelled { by: String, at: DateTime<Utc> },
    /// User `by` closed it on the strength of decision `decision`.
    Closed {
        by: String,
        decision: String,
        at: DateTime<Utc>,
    },
}

impl Ending {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Ending::Superseded { at, .. } | Ending::Cancelled { at, .. } | Ending::Closed { at, .. } => *at,
        }
    }
}

/// CAP's reference to an earlier message: `sender,identifier,sent`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningRef {
    pub sender: String,
    pub identifier: String,
    pub sent: DateTime<Utc>,
}

impl Warning {
    /// Starts a new `Alert` as a draft.
    pub fn new_draft(
        id: String,
        sender: &str,
        content: WarningContent,
        author: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            sender: sender.to_owned(),
            msg_type: MsgType::Alert,
            references: Vec::new(),
            status: WarningStatus::Draft,
            content,
            author: author.to_owned(),
            created_at: now,
            updated_at: now,
            issued: None,
            ended: None,
        }
    }

    /// Checks the identifier, the sender and the content; errors name the
    /// field (`id`, `sender`, `content.headline`).
    pub fn validate(&self, reference: &ReferenceData) -> Result<(), ValidationError> {
        check_identifier("id", &self.id)?;
        check_org_id("sender", &self.sender)?;
        self.content.validate(reference).map_err(|e| e.under("content"))
    }

    /// When it was sent, once issued.
    pub fn sent(&self) -> Option<DateTime<Utc>> {
        self.issued.as_ref().map(|i| i.sent)
    }

    /// How CAP refers to this warning, once issued.
    pub fn reference(&self) -> Option<WarningRef> {
        Some(WarningRef {
            sender: self.sender.clone(),
            identifier: self.id.clone(),
            sent: self.sent()?,
        })
    }

    /// `organisation`'s acknowledgement deadline: `None` unless the warning
    /// is issued and addressed to it.
    pub fn ack_deadline(&self, organisation: &str) -> Option<DateTime<Utc>> {
        self.content.addressee(organisation)?;
        self.issued.as_ref().map(|i| i.acknowledge_by)
    }

    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.content.expires <= now
    }

    /// Rewrites a draft's content.
    pub fn revise(&self, content: WarningContent, now: DateTime<Utc>) -> Result<Self, WarningError> {
        self.expect_status(WarningStatus::Draft, "a draft", "revised")?;
        Ok(Self {
            content,
            updated_at: now,
            ..self.clone()
        })
    }

    /// Issues a draft: fixes the sent time and the deadlines. An issued
    /// `Update` or `Cancel` must then be applied to each warning it
    /// references ([`Warning::supersede`], [`Warning::cancel`]) in the same
    /// write.
    pub fn issue(
        &self,
        reviewer: &str,
        deadlines: &ResponseDeadlines,
        now: DateTime<Utc>,
    ) -> Result<Self, WarningError> {
        self.expect_status(WarningStatus::Draft, "a draft", "issued")?;
        if self.msg_type != MsgType::Cancel && self.is_expired(now) {
            return Err(WarningError::Expired {
                id: self.id.clone(),
                expires: self.content.expires,
            });
        }
        Ok(Self {
            status: WarningStatus::Issued,
            updated_at: now,
            issued: Some(Issued {
                by: reviewer.to_owned(),
                sent: now,
                acknowledge_by: now + deadlines.acknowledgement.period(self.content.urgency),
                decide_by: now + deadlines.decision,
            }),
            ..self.clone()
        })
    }

    /// Drafts an `Update` with new content that will supersede this issued
    /// warning once issued.
    pub fn draft_update(
        &self,
        id: String,
        content: WarningContent,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, WarningError> {
        let reference = self.referable("updated")?;
        Ok(Self {
            msg_type: MsgType::Update,
            references: vec![reference],
            ..Self::new_draft(id, &self.sender, content, author, now)
        })
    }

    /// Drafts a `Cancel` notice for this issued warning: the same content,
    /// with `reason` as its description and no recommended actions.
    pub fn draft_cancel(
        &self,
        id: String,
        reason: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, WarningError> {
        let reference = self.referable("cancelled")?;
        let content = WarningContent {
            description: reason.to_owned(),
            instruction: String::new(),
            ..self.content.clone()
        };
        Ok(Self {
            msg_type: MsgType::Cancel,
            references: vec![reference],
            ..Self::new_draft(id, &self.sender, content, author, now)
        })
    }

    /// This issued warning, superseded by `update`, an issued `Update` that
    /// references it.
    pub fn supersede(&self, update: &Warning) -> Result<Self, WarningError> {
        let at = self.replaced_by(update, MsgType::Update, "supersede")?;
        Ok(Self {
            status: WarningStatus::Superseded,
            updated_at: at,
            ended: Some(Ending::Superseded {
                by: update.id.clone(),
                at,
            }),
            ..self.clone()
        })
    }

    /// This issued warning, cancelled by `notice`, an issued `Cancel` that
    /// references it.
    pub fn cancel(&self, notice: &Warning) -> Result<Self, WarningError> {
        let at = self.replaced_by(notice, MsgType::Cancel, "cancel")?;
        Ok(Self {
            status: WarningStatus::Cancelled,
            updated_at: at,
            ended: Some(Ending::Cancelled {
                by: notice.id.clone(),
                at,
            }),
            ..self.clone()
        })
    }

    /// Closes this issued warning. Needs at least one decision about it
    /// among `decisions`; the latest one is recorded as the reason.
    pub fn close(&self, decisions: &[Decision], by: &str, now: DateTime<Utc>) -> Result<Self, WarningError> {
        self.expect_status(WarningStatus::Issued, "an issued", "closed")?;
        if self.msg_type == MsgType::Cancel {
            return Err(self.cancel_notice("closing"));
        }
        if let Some(other) = decisions.iter().find(|d| d.warning_id != self.id) {
            return Err(WarningError::ForeignDecision {
                id: self.id.clone(),
                decision: other.id.clone(),
                other: other.warning_id.clone(),
            });
        }
        let decision = decisions
            .iter()
            .max_by_key(|d| d.at)
            .ok_or_else(|| WarningError::NoDecision { id: self.id.clone() })?;
        Ok(Self {
            status: WarningStatus::Closed,
            updated_at: now,
            ended: Some(Ending::Closed {
                by: by.to_owned(),
                decision: decision.id.clone(),
                at: now,
            }),
            ..self.clone()
        })
    }

    /// The reference to this warning, if it is an issued `Alert` or `Update`.
    fn referable(&self, action: &'static str) -> Result<WarningRef, WarningError> {
        self.expect_status(WarningStatus::Issued, "an issued", action)?;
        if self.msg_type == MsgType::Cancel {
            return Err(self.cancel_notice(if action == "updated" {
                "an update"
            } else {
                "a cancel"
            }));
        }
        self.reference()
            .ok_or_else(|| self.wrong_status("an issued", action))
    }

    /// Checks that `by` is an issued message of type `kind` that references
    /// this issued warning; returns when it was sent.
    fn replaced_by(
        &self,
        by: &Warning,
        kind: MsgType,
        action: &'static str,
    ) -> Result<DateTime<Utc>, WarningError> {
        let past = if kind == MsgType::Update {
            "superseded"
        } else {
            "cancelled"
        };
        self.expect_status(WarningStatus::Issued, "an issued", past)?;
        if by.msg_type != kind {
            return Err(WarningError::WrongReference {
                id: self.id.clone(),
                by: by.id.clone(),
                msg_type: by.msg_type,
                action,
            });
        }
        let refers = by
            .references
            .iter()
            .any(|r| r.identifier == self.id && r.sender == self.sender);
        if !refers {
            return Err(WarningError::NotReferenced {
                id: self.id.clone(),
                by: by.id.clone(),
            });
        }
        by.sent().ok_or_else(|| WarningError::WrongStatus {
            id: by.id.clone(),
            status: by.status,
            expected: "an issued",
            action: if kind == MsgType::Update {
                "used to supersede"
            } else {
                "used to cancel"
            },
        })
    }

    fn expect_status(
        &self,
        wanted: WarningStatus,
        expected: &'static str,
        action: &'static str,
    ) -> Result<(), WarningError> {
        if self.status == wanted {
            Ok(())
        } else {
            Err(self.wrong_status(expected, action))
        }
    }

    fn wrong_status(&self, expected: &'static str, action: &'static str) -> WarningError {
        WarningError::WrongStatus {
            id: self.id.clone(),
            status: self.status,
            expected,
            action,
        }
    }

    fn cancel_notice(&self, action: &'static str) -> WarningError {
        WarningError::CancelNotice {
            id: self.id.clone(),
            action,
        }
    }
}
