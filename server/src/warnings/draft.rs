//! Drafting, issuing and reading warnings: an analyst or reviewer drafts an
//! alert (or an update or cancel notice of an issued one), a reviewer issues
//! it — the deadlines are fixed then and the signed warning goes to its
//! addressees in the same write — and everyone with a role reads them.

use chrono::Utc;

use super::statements::warning_entry;
use super::{Warnings, WarningsError};
use crate::model::ValidationError;
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::audit::AuditKind;
use crate::model::caller::Caller;
use crate::model::cap::to_cap_xml;
use crate::model::shown;
use crate::model::warning::{MsgType, Warning, WarningContent, WarningStatus, high_factors, proposals};
use crate::policy::Action;
use crate::store::{StoredWarning, WarningChange};

/// Filters of `list`; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct WarningFilter {
    pub status: Option<WarningStatus>,
    pub received: Option<bool>,
    /// Only issued alerts and updates that still wait for a decision.
    pub open: bool,
}

impl Warnings {
    /// Drafts an alert.
    pub async fn raise(&self, caller: &Caller, content: WarningContent) -> Result<Warning, WarningsError> {
        self.authorize(caller, Action::RaiseWarning)?;
        let content = self.checked(content)?;
        let draft = Warning::new_draft(new_id(), &self.org, content, &caller.subject, Utc::now());
        self.put_new(draft, "raised").await
    }

    /// Drafts an update of this node's issued warning `id`.
    pub async fn draft_update(
        &self,
        caller: &Caller,
        id: &str,
        content: WarningContent,
    ) -> Result<Warning, WarningsError> {
        self.authorize(caller, Action::RaiseWarning)?;
        let content = self.checked(content)?;
        let issued = self.load("", id)?;
        let draft = issued
            .warning
            .draft_update(new_id(), content, &caller.subject, Utc::now())?;
        self.put_new(draft, "raised").await
    }

    /// Drafts a cancel notice for this node's issued warning `id`.
    pub async fn draft_cancel(
        &self,
        caller: &Caller,
        id: &str,
        reason: &str,
    ) -> Result<Warning, WarningsError> {
        self.authorize(caller, Action::RaiseWarning)?;
        crate::model::situation::check_text("reason", reason, 1, crate::model::warning::MAX_DESCRIPTION)?;
        let issued = self.load("", id)?;
        let draft = issued
            .warning
            .draft_cancel(new_id(), reason, &caller.subject, Utc::now())?;
        self.put_new(draft, "raised").await
    }

    /// Replaces the content of this node's draft `id`.
    pub async fn revise(
        &self,
        caller: &Caller,
        id: &str,
        content: WarningContent,
    ) -> Result<Warning, WarningsError> {
        self.authorize(caller, Action::RaiseWarning)?;
        let content = self.checked(content)?;
        let writer = self.writer.lock().await;
        let mut stored = self.load("", id)?;
        stored.warning = stored.warning.revise(content, Utc::now())?;
        let warning = stored.warning.clone();
        self.commit(
            writer,
            WarningChange {
                put: vec![stored],
                ..WarningChange::default()
            },
        )
        .await?;
        Ok(warning)
    }

    /// Issues this node's draft `id`: fixes its deadlines, applies an update
    /// or cancel to the warnings it references, and queues the signed
    /// warning for its addressees, in one write.
    pub async fn issue(&self, caller: &Caller, id: &str) -> Result<Warning, WarningsError> {
        self.authorize(caller, Action::IssueWarning)?;
        let writer = self.writer.lock().await;
        let mut stored = self.load("", id)?;
        let now = Utc::now();
        stored.warning = stored
            .warning
            .issue(&caller.subject, &self.settings.deadlines(), now)?;
        let issued = stored.warning.clone();
        let mut change = WarningChange::default();
        for reference in &issued.references {
            let mut earlier = self.load(&reference.sender, &reference.identifier)?;
            let (replaced, kind) = match issued.msg_type {
                MsgType::Cancel => (earlier.warning.cancel(&issued)?, "cancelled"),
                _ => (earlier.warning.supersede(&issued)?, "updated"),
            };
            earlier.warning = replaced;
            change.events.push(Self::event(
                &earlier.warning,
                kind,
                format!("{kind} by `{}`", issued.id),
            ));
            change.put.push(earlier);
        }
        change
            .events
            .push(Self::event(&issued, "issued", issued.content.headline.clone()));
        if let Some(state) = &self.federation {
            change
                .outbox
                .extend(warning_entry(state, &issued, &self.settings.chain(), now));
        }
        change.put.push(stored);
        let detail = format!(
            "{} {} to {}",
            issued.msg_type,
            issued.content.level,
            addressees(&issued)
        );
        change
            .audit
            .push(self.audit_event(AuditKind::WarningIssued, &caller.subject, &issued, detail));
        self.commit(writer, change).await?;
        tracing::info!(warning = %issued.id, level = %issued.content.level, "warning issued");
        Ok(issued)
    }

    /// One warning with everything recorded about it.
    pub fn get(&self, caller: &Caller, sender: &str, id: &str) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Action::ReadWarnings)?;
        self.load(sender, id)
    }

    /// Every warning the report measures, for a caller allowed `ReadReport`
    /// (the API's `GetReport` and the web interface's report).
    pub fn reported(&self, caller: &Caller) -> Result<Vec<StoredWarning>, WarningsError> {
        self.authorize(caller, Action::ReadReport)?;
        self.list(caller, &WarningFilter::default())
    }

    /// The warnings on this node matching `filter`, newest first.
    pub fn list(&self, caller: &Caller, filter: &WarningFilter) -> Result<Vec<StoredWarning>, WarningsError> {
        self.authorize(caller, Action::ReadWarnings)?;
        let mut found: Vec<StoredWarning> = self
            .store
            .warnings()?
            .into_iter()
            .filter(|w| filter.status.is_none_or(|s| w.warning.status == s))
            .filter(|w| filter.received.is_none_or(|r| w.received == r))
            .filter(|w| !filter.open || is_open(w))
            .collect();
        found.sort_by_key(|w| std::cmp::Reverse(w.warning.sent().unwrap_or(w.warning.updated_at)));
        Ok(found)
    }

    /// The warning as CAP 1.2 XML.
    pub fn cap(&self, caller: &Caller, sender: &str, id: &str) -> Result<String, WarningsError> {
        let stored = self.get(caller, sender, id)?;
        if stored.warning.issued.is_none() {
            return Err(WarningsError::Precondition(format!(
                "warning `{id}` is a draft; only issued warnings have a CAP form"
            )));
        }
        let name = self
            .federation
            .as_ref()
            .and_then(|f| f.directory.organisation(&stored.warning.sender))
            .map_or_else(|| stored.warning.sender.clone(), |o| o.name.clone());
        Ok(to_cap_xml(&stored.warning, &name))
    }

    /// Drafts the warning a newly published assessment of this node calls
    /// for under the configured thresholds, once per version; the draft
    /// waits for a reviewer. Returns it, if any.
    pub async fn propose(&self, assessment: &Assessment) -> Result<Option<Warning>, WarningsError> {
        if assessment.status != AssessmentStatus::Published {
            return Ok(None);
        }
        let mark = format!("proposed:{}:v{}", assessment.id, assessment.version);
        if self.store.is_folded(&mark)? {
            return Ok(None);
        }
        let Some(draft) = proposals(assessment, &self.settings.thresholds) else {
            return Ok(None);
        };
        let warning = Warning::new_draft(new_id(), &self.org, draft.content, "tocsin", Utc::now());
        let text = format!("proposed: crossed {}", draft.crossed.join(", "));
        let writer = self.writer.lock().await;
        self.commit(
            writer,
            WarningChange {
                events: vec![Self::event(&warning, "proposed", text)],
                put: vec![StoredWarning {
                    warning: warning.clone(),
                    responses: Default::default(),
                    received: false,
                    via: Vec::new(),
                }],
                marks: vec![mark],
                ..WarningChange::default()
            },
        )
        .await?;
        Ok(Some(warning))
    }

    /// Validates content against the reference data, the directory and the
    /// assessment it rests on, and fills in the risk factors.
    fn checked(&self, mut content: WarningContent) -> Result<WarningContent, WarningsError> {
        content.risk_factors.clear();
        content.validate(&self.reference)?;
        if let Some(state) = &self.federation {
            for (i, a) in content.addressees.iter().enumerate() {
                if a.organisation != self.org && state.directory.organisation(&a.organisation).is_none() {
                    return Err(ValidationError::new(
                        format!("addressees[{i}].organisation"),
                        format!("`{}` is not in the federation directory", shown(&a.organisation)),
                    )
                    .into());
                }
            }
        }
        let assessment = self
            .store
            .assessment(&content.assessment.id, Some(content.assessment.version))?
            .ok_or_else(|| {
                ValidationError::new(
                    "assessment",
                    format!(
                        "no assessment `{}` on this node",
                        shown(&content.assessment.to_string())
                    ),
                )
            })?;
        content.check_assessment(&assessment)?;
        content.risk_factors = high_factors(&assessment);
        Ok(content)
    }

    async fn put_new(&self, draft: Warning, kind: &str) -> Result<Warning, WarningsError> {
        let writer = self.writer.lock().await;
        tracing::info!(warning = %draft.id, msg_type = %draft.msg_type, "warning {kind}");
        let detail = format!("{} draft, TLP:{}", draft.msg_type, draft.content.tlp);
        let audit = self.audit_event(AuditKind::WarningRaised, &draft.author, &draft, detail);
        self.commit(
            writer,
            WarningChange {
                put: vec![StoredWarning {
                    warning: draft.clone(),
                    responses: Default::default(),
                    received: false,
                    via: Vec::new(),
                }],
                audit: vec![audit],
                ..WarningChange::default()
            },
        )
        .await?;
        Ok(draft)
    }
}

/// The organisations a warning is addressed to, for the audit trail.
fn addressees(warning: &Warning) -> String {
    let orgs: Vec<&str> = warning
        .content
        .addressees
        .iter()
        .map(|a| a.organisation.as_str())
        .collect();
    orgs.join(", ")
}

/// An issued alert or update some addressee has not decided on yet.
pub(crate) fn is_open(stored: &StoredWarning) -> bool {
    let w = &stored.warning;
    w.status == WarningStatus::Issued
        && w.msg_type != MsgType::Cancel
        && w.content.addressees.iter().any(|a| {
            !stored
                .responses
                .decisions
                .iter()
                .any(|d| d.warning_id == w.id && d.organisation == a.organisation)
        })
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
