//! Responding to a warning: acknowledging it, deciding about it, recording
//! actions and their progress, closing it (its sender, on a decision), and
//! noting the lessons afterwards. Each response is recorded and, except the
//! notes, sent back across the federation in the same write.

use chrono::{DateTime, Utc};

use super::statements::response_entry;
use super::{Warnings, WarningsError, Writer};
use crate::model::audit::AuditKind;
use crate::model::caller::{Caller, Role};
use crate::model::shared_warning::{ResponseKind, SharedAction, SharedActionUpdate, WarningResponse};
use crate::model::shown;
use crate::model::warning::{
    AckKind, Acknowledgement, Action, ActionKind, ActionStatus, AfterActionNote, Decision, DecisionKind,
    MsgType, Outcome, WarningStatus,
};
use crate::policy::Action as Access;
use crate::store::{StoredWarning, WarningChange};

/// A new action, as a caller records it.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub decision_id: Option<String>,
    pub kind: ActionKind,
    pub description: String,
    /// Empty: this node's organisation.
    pub owner: String,
    pub due: DateTime<Utc>,
}

impl Warnings {
    pub async fn acknowledge(
        &self,
        caller: &Caller,
        sender: &str,
        id: &str,
        kind: AckKind,
    ) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Access::AcknowledgeWarning)?;
        let writer = self.writer.lock().await;
        let mut stored = self.answerable(sender, id)?;
        let now = Utc::now();
        let ack = Acknowledgement {
            warning_id: stored.warning.id.clone(),
            organisation: self.org.clone(),
            by: caller.subject.clone(),
            at: now,
            kind: kind.clone(),
        };
        ack.validate()?;
        stored.responses.acknowledgements.push(ack);
        let unique = format!("{}", stored.responses.acknowledgements.len());
        let text = format!("acknowledged by {}: {}", self.org, kind.as_str());
        let role = acting_role(caller, &[Role::FocalPoint, Role::DecisionMaker]);
        self.respond(
            writer,
            stored,
            &caller.subject,
            ResponseKind::Acknowledgement(kind),
            role,
            &unique,
            "acknowledged",
            text,
            now,
        )
        .await
    }

    pub async fn decide(
        &self,
        caller: &Caller,
        sender: &str,
        id: &str,
        kind: DecisionKind,
        justification: &str,
    ) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Access::DecideWarning)?;
        let writer = self.writer.lock().await;
        let mut stored = self.answerable(sender, id)?;
        let now = Utc::now();
        let decision = Decision {
            id: local_id(&self.org),
            warning_id: stored.warning.id.clone(),
            organisation: self.org.clone(),
            kind,
            justification: justification.to_owned(),
            by: caller.subject.clone(),
            at: now,
        };
        decision.validate()?;
        stored.responses.decisions.push(decision.clone());
        let text = format!("decided by {}: {kind}", self.org);
        let response = ResponseKind::Decision {
            id: decision.id.clone(),
            kind,
            justification: decision.justification,
        };
        let role = acting_role(caller, &[Role::DecisionMaker]);
        self.respond(
            writer,
            stored,
            &caller.subject,
            response,
            role,
            &decision.id,
            "decided",
            text,
            now,
        )
        .await
    }

    pub async fn record_action(
        &self,
        caller: &Caller,
        sender: &str,
        id: &str,
        new: NewAction,
    ) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Access::RecordAction)?;
        let writer = self.writer.lock().await;
        let mut stored = self.actionable(sender, id)?;
        if let Some(decision) = &new.decision_id
            && !stored.responses.decisions.iter().any(|d| &d.id == decision)
        {
            return Err(WarningsError::NotFound {
                what: format!("decision `{}` of warning `{}`", shown(decision), shown(id)),
            });
        }
        let now = Utc::now();
        let action = Action {
            id: local_id(&self.org),
            warning_id: stored.warning.id.clone(),
            decision_id: new.decision_id,
            kind: new.kind,
            description: new.description,
            owner: if new.owner.is_empty() {
                self.org.clone()
            } else {
                new.owner
            },
            due: new.due,
            recorded_by: caller.subject.clone(),
            recorded_at: now,
            updates: Vec::new(),
        };
        action.validate()?;
        stored.responses.actions.push(action.clone());
        let text = format!(
            "action {} recorded: {} by {}",
            action.id, action.kind, action.owner
        );
        let role = acting_role(caller, &[Role::DecisionMaker, Role::FocalPoint]);
        let unique = format!("{}.0", action.id);
        self.respond(
            writer,
            stored,
            &caller.subject,
            shared_action(&action, role),
            role,
            &unique,
            "action",
            text,
            now,
        )
        .await
    }

    pub async fn update_action(
        &self,
        caller: &Caller,
        sender: &str,
        id: &str,
        action_id: &str,
        status: ActionStatus,
        outcome: Option<String>,
    ) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Access::RecordAction)?;
        let writer = self.writer.lock().await;
        let mut stored = self.load(sender, id)?;
        if !action_recorded_here(&self.org, action_id) {
            return Err(WarningsError::Precondition(format!(
                "action `{action_id}` was recorded by another organisation; only it can update the action"
            )));
        }
        let now = Utc::now();
        let slot = stored
            .responses
            .actions
            .iter_mut()
            .find(|a| a.id == action_id)
            .ok_or_else(|| WarningsError::NotFound {
                what: format!("action `{}` of warning `{}`", shown(action_id), shown(id)),
            })?;
        *slot = slot.advance(status, outcome, &caller.subject, now)?;
        let action = slot.clone();
        let text = format!("action {} is {status}", action.id);
        let role = acting_role(caller, &[Role::DecisionMaker, Role::FocalPoint]);
        let unique = format!("{}.{}", action.id, action.updates.len());
        self.respond(
            writer,
            stored,
            &caller.subject,
            shared_action(&action, role),
            role,
            &unique,
            "action",
            text,
            now,
        )
        .await
    }

    /// Closes this node's issued warning `id` on decision `decision_id`.
    pub async fn close(
        &self,
        caller: &Caller,
        id: &str,
        decision_id: &str,
    ) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Access::CloseWarning)?;
        let writer = self.writer.lock().await;
        let mut stored = self.load("", id)?;
        let decisions: Vec<Decision> = stored
            .responses
            .decisions
            .iter()
            .filter(|d| d.id == decision_id)
            .cloned()
            .collect();
        if decisions.is_empty() {
            return Err(WarningsError::NotFound {
                what: format!("decision `{}` of warning `{}`", shown(decision_id), shown(id)),
            });
        }
        let now = Utc::now();
        stored.warning = stored.warning.close(&decisions, &caller.subject, now)?;
        let text = format!("closed on decision {decision_id}");
        let response = ResponseKind::Closure {
            decision_id: decision_id.to_owned(),
        };
        let role = acting_role(caller, &[Role::Reviewer, Role::DecisionMaker]);
        self.respond(
            writer,
            stored,
            &caller.subject,
            response,
            role,
            "closure",
            "closed",
            text,
            now,
        )
        .await
    }

    /// Notes the lessons of a warning; the note stays on this node.
    pub async fn note(
        &self,
        caller: &Caller,
        sender: &str,
        id: &str,
        outcome: Outcome,
        lessons: &str,
    ) -> Result<StoredWarning, WarningsError> {
        self.authorize(caller, Access::WriteAfterActionNote)?;
        let writer = self.writer.lock().await;
        let mut stored = self.load(sender, id)?;
        if stored.warning.issued.is_none() {
            return Err(WarningsError::Precondition(format!(
                "warning `{}` is a draft",
                shown(id)
            )));
        }
        let note = AfterActionNote {
            id: local_id(&self.org),
            warning_id: stored.warning.id.clone(),
            organisation: self.org.clone(),
            outcome,
            lessons: lessons.to_owned(),
            by: caller.subject.clone(),
            at: Utc::now(),
        };
        note.validate()?;
        stored.responses.notes.push(note);
        let event = Self::event(&stored.warning, "noted", format!("after-action note: {outcome}"));
        let audit = self.audit_event(
            AuditKind::AfterActionNoted,
            &caller.subject,
            &stored.warning,
            format!("outcome {outcome}"),
        );
        self.commit(
            writer,
            WarningChange {
                put: vec![stored.clone()],
                events: vec![event],
                audit: vec![audit],
                ..WarningChange::default()
            },
        )
        .await?;
        Ok(stored)
    }

    /// Records `stored`, the feed event, and the response statement.
    #[allow(clippy::too_many_arguments)]
    async fn respond(
        &self,
        writer: Writer<'_>,
        stored: StoredWarning,
        actor: &str,
        kind: ResponseKind,
        role: Option<Role>,
        unique: &str,
        event: &str,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<StoredWarning, WarningsError> {
        let warning = &stored.warning;
        let mut change = WarningChange {
            events: vec![Self::event(warning, event, text)],
            ..WarningChange::default()
        };
        if let Some(state) = &self.federation {
            // Back through the relays the warning came by; a closure also
            // to everyone it was addressed or escalated to.
            let mut also = stored.via.clone();
            if let ResponseKind::Acknowledgement(AckKind::Forwarded { to, .. }) = &kind {
                also.push(to.clone());
            }
            if let ResponseKind::Closure { .. } = kind {
                also.extend(warning.content.addressees.iter().map(|a| a.organisation.clone()));
                also.extend(stored.responses.escalations.iter().map(|e| e.to.clone()));
            }
            let response = WarningResponse {
                warning_sender: warning.sender.clone(),
                warning_id: warning.id.clone(),
                at: now,
                by_role: role,
                kind,
            };
            change
                .outbox
                .extend(response_entry(state, warning, response, unique, &also, now));
        }
        change.put.push(stored.clone());
        let audited = match event {
            "acknowledged" => Some(AuditKind::WarningAcknowledged),
            "decided" => Some(AuditKind::WarningDecided),
            "action" => Some(AuditKind::ActionRecorded),
            "closed" => Some(AuditKind::WarningClosed),
            _ => None,
        };
        if let Some(kind) = audited {
            let detail = change.events.first().map(|e| e.text.clone()).unwrap_or_default();
            change
                .audit
                .push(self.audit_event(kind, actor, &stored.warning, detail));
        }
        self.commit(writer, change).await?;
        Ok(stored)
    }

    /// A warning this node may answer: issued, not a cancel notice, and
    /// addressed, escalated or forwarded to this node's organisation.
    fn answerable(&self, sender: &str, id: &str) -> Result<StoredWarning, WarningsError> {
        let stored = self.load(sender, id)?;
        let w = &stored.warning;
        if w.status != WarningStatus::Issued || w.msg_type == MsgType::Cancel {
            return Err(WarningsError::Precondition(format!(
                "warning `{id}` is {} {}; only issued alerts and updates are answered",
                w.status, w.msg_type
            )));
        }
        let forwarded_here =
            |a: &Acknowledgement| matches!(&a.kind, AckKind::Forwarded { to, .. } if *to == self.org);
        let addressed = w.content.addressee(&self.org).is_some()
            || stored.responses.escalations.iter().any(|e| e.to == self.org)
            || stored.responses.acknowledgements.iter().any(forwarded_here);
        if !addressed {
            return Err(WarningsError::Precondition(format!(
                "warning `{id}` is not addressed or escalated to `{}`",
                self.org
            )));
        }
        Ok(stored)
    }

    /// A warning this node may record actions on: one it may answer, or one
    /// it sent.
    fn actionable(&self, sender: &str, id: &str) -> Result<StoredWarning, WarningsError> {
        let stored = self.load(sender, id)?;
        if stored.warning.sender == self.org && stored.warning.status == WarningStatus::Issued {
            return Ok(stored);
        }
        self.answerable(sender, id)
    }
}

fn shared_action(action: &Action, role: Option<Role>) -> ResponseKind {
    ResponseKind::Action(SharedAction {
        id: action.id.clone(),
        decision_id: action.decision_id.clone(),
        kind: action.kind,
        description: action.description.clone(),
        owner: action.owner.clone(),
        due: action.due,
        recorded_at: action.recorded_at,
        updates: action
            .updates
            .iter()
            .map(|u| SharedActionUpdate {
                status: u.status,
                outcome: u.outcome.clone(),
                at: u.at,
                by_role: role,
            })
            .collect(),
    })
}

/// The first of `preferred` the caller holds.
fn acting_role(caller: &Caller, preferred: &[Role]) -> Option<Role> {
    preferred.iter().copied().find(|r| caller.roles.contains(r))
}

/// Ids of decisions, actions and notes start with the organisation that
/// made them, so any node can tell whose they are.
fn local_id(org: &str) -> String {
    format!("{org}.{}", uuid::Uuid::now_v7())
}

fn action_recorded_here(org: &str, action_id: &str) -> bool {
    action_id
        .strip_prefix(org)
        .is_some_and(|rest| rest.starts_with('.'))
}
