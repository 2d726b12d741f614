//! Folding what peers said about warnings into this node's warnings: a
//! warning received (and, when it is addressed here, a receipt sent back),
//! and the receipts, acknowledgements, decisions, actions, escalations and
//! closures of others. The inbox is the durable source: each statement is
//! folded once (a mark written with the result), so a crash in between only
//! means it is folded after the restart. A response that arrives before its
//! warning waits, unmarked, until the warning is here. At start the whole
//! inbox is folded; after that only what the arrival log says arrived, so
//! the work follows the arrivals, not the size of the inbox.

use chrono::{DateTime, Utc};

mod follow;
pub use follow::run;

use super::statements::response_entry;
use super::{Warnings, WarningsError};
use crate::federation::envelope::open_bytes;
use crate::federation::received::relays_of;
use crate::federation::state::FederationState;
use crate::model::caller::Role;
use crate::model::shared_warning::{ResponseKind, SharedAction, WarningResponse};
use crate::model::statement::{Statement, StatementBody};
use crate::model::warning::{
    Acknowledgement, Action, ActionUpdate, Decision, Delivery, Ending, Escalation, MsgType, WarningStatus,
};
use crate::store::{InboxEntry, StoredWarning, WarningChange};

fn mark(entry: &InboxEntry) -> String {
    format!("fold:{}:{}", entry.origin, entry.statement_id)
}

/// What became of one inbox statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Folded {
    Done,
    /// Folded before, or not foldable (it no longer verifies).
    Skipped,
    /// A response whose warning is not here yet.
    Waiting,
}

impl Warnings {
    /// Folds one inbox statement unless it was folded before.
    pub(super) async fn fold_entry(
        &self,
        state: &FederationState,
        entry: &InboxEntry,
    ) -> Result<Folded, WarningsError> {
        if self.store.is_folded(&mark(entry))? {
            return Ok(Folded::Skipped);
        }
        let statement = match open_bytes(&entry.envelope, &state.directory, usize::MAX) {
            Ok(verified) => verified.into_value(),
            Err(e) => {
                tracing::warn!(statement = %entry.statement_id, error = %e, "stored statement no longer verifies; not folded");
                return Ok(Folded::Skipped);
            }
        };
        let writer = self.writer.lock().await;
        match self.fold(state, entry, statement)? {
            Some(change) => {
                self.commit(writer, change).await?;
                Ok(Folded::Done)
            }
            None => Ok(Folded::Waiting),
        }
    }

    /// The change one statement makes, with its mark; `None` to try again
    /// later.
    fn fold(
        &self,
        state: &FederationState,
        entry: &InboxEntry,
        statement: Statement,
    ) -> Result<Option<WarningChange>, WarningsError> {
        let mut change = WarningChange {
            marks: vec![mark(entry)],
            ..WarningChange::default()
        };
        let origin = statement.origin.clone();
        match statement.body {
            StatementBody::Warning(shared) => {
                if self.store.warning(&origin, &shared.identifier)?.is_some() {
                    return Ok(Some(change));
                }
                let warning = shared.to_warning(&origin, statement.tlp);
                self.receive(state, &mut change, warning, entry)?;
            }
            StatementBody::Response(response) => {
                let stored = self
                    .store
                    .warning(&response.warning_sender, &response.warning_id)?;
                let stored = match (stored, &response.kind) {
                    (Some(stored), _) => stored,
                    (None, ResponseKind::Escalation(e))
                        if e.to == self.org && origin == response.warning_sender =>
                    {
                        let warning = e.warning.to_warning(&origin, statement.tlp);
                        self.receive(state, &mut change, warning, entry)?;
                        match change.put.pop() {
                            Some(stored) => stored,
                            None => return Ok(Some(change)),
                        }
                    }
                    (None, _) => return Ok(None),
                };
                self.apply(state, &mut change, stored, &origin, response);
            }
            StatementBody::AssessmentSummary(_) | StatementBody::Retraction(_) => {}
        }
        Ok(Some(change))
    }

    /// A warning that reached this node: stored, replacing what an update or
    /// cancel references, and a receipt sent back when it is addressed here.
    fn receive(
        &self,
        state: &FederationState,
        change: &mut WarningChange,
        warning: crate::model::warning::Warning,
        entry: &InboxEntry,
    ) -> Result<(), WarningsError> {
        let at = entry.received_at;
        for reference in &warning.references {
            let Some(mut earlier) = self.store.warning(&reference.sender, &reference.identifier)? else {
                continue;
            };
            let replaced = match warning.msg_type {
                MsgType::Cancel => earlier.warning.cancel(&warning),
                _ => earlier.warning.supersede(&warning),
            };
            if let Ok(replaced) = replaced {
                earlier.warning = replaced;
                let kind = if warning.msg_type == MsgType::Cancel {
                    "cancelled"
                } else {
                    "updated"
                };
                change.events.push(Self::event(
                    &earlier.warning,
                    kind,
                    format!("{kind} by `{}`", warning.id),
                ));
                change.put.push(earlier);
            }
        }
        let mut stored = StoredWarning {
            warning,
            responses: Default::default(),
            received: true,
            via: relays_of(entry),
        };
        let addressed = stored.warning.content.addressee(&self.org).is_some();
        stored.responses.deliveries.push(Delivery {
            warning_id: stored.warning.id.clone(),
            organisation: self.org.clone(),
            at,
        });
        change.events.push(Self::event(
            &stored.warning,
            "received",
            format!("{}: {}", stored.warning.sender, stored.warning.content.headline),
        ));
        if addressed && stored.warning.msg_type != MsgType::Cancel {
            self.send_receipt(state, change, &stored, at);
        }
        change.put.push(stored);
        Ok(())
    }

    fn send_receipt(
        &self,
        state: &FederationState,
        change: &mut WarningChange,
        stored: &StoredWarning,
        at: DateTime<Utc>,
    ) {
        let receipt = WarningResponse {
            warning_sender: stored.warning.sender.clone(),
            warning_id: stored.warning.id.clone(),
            at,
            by_role: None,
            kind: ResponseKind::Receipt,
        };
        change.outbox.extend(response_entry(
            state,
            &stored.warning,
            receipt,
            "receipt",
            &stored.via,
            Utc::now(),
        ));
    }

    /// What `origin` said about `stored`, recorded once.
    fn apply(
        &self,
        state: &FederationState,
        change: &mut WarningChange,
        mut stored: StoredWarning,
        origin: &str,
        response: WarningResponse,
    ) {
        let id = stored.warning.id.clone();
        let by = who(response.by_role, origin);
        let r = &mut stored.responses;
        let from_sender = origin == stored.warning.sender;
        let event = match response.kind {
            ResponseKind::Receipt => {
                if r.deliveries.iter().any(|d| d.organisation == origin) {
                    None
                } else {
                    r.deliveries.push(Delivery {
                        warning_id: id,
                        organisation: origin.to_owned(),
                        at: response.at,
                    });
                    Some(("delivered", format!("delivered to {origin}")))
                }
            }
            ResponseKind::Acknowledgement(kind) => {
                let text = format!("acknowledged by {origin}: {}", kind.as_str());
                r.acknowledgements.push(Acknowledgement {
                    warning_id: id,
                    organisation: origin.to_owned(),
                    by,
                    at: response.at,
                    kind,
                });
                Some(("acknowledged", text))
            }
            ResponseKind::Decision {
                id: decision,
                kind,
                justification,
            } => {
                if r.decisions.iter().any(|d| d.id == decision) {
                    None
                } else {
                    r.decisions.push(Decision {
                        id: decision,
                        warning_id: id,
                        organisation: origin.to_owned(),
                        kind,
                        justification,
                        by,
                        at: response.at,
                    });
                    Some(("decided", format!("decided by {origin}: {kind}")))
                }
            }
            ResponseKind::Action(shared) => upsert_action(r, &id, shared, origin),
            ResponseKind::Escalation(e) if from_sender => {
                let known = r
                    .escalations
                    .iter()
                    .any(|x| x.subject == e.subject && x.reason == e.reason && x.step == e.step);
                if known {
                    None
                } else {
                    r.escalations.push(Escalation {
                        warning_id: id,
                        reason: e.reason,
                        subject: e.subject.clone(),
                        step: e.step,
                        from: e.from.clone(),
                        to: e.to.clone(),
                        due: e.due,
                        at: response.at,
                    });
                    if e.to == self.org {
                        self.send_receipt(state, change, &stored, Utc::now());
                    }
                    Some((
                        "escalated",
                        format!("escalated from {} to {} ({})", e.from, e.to, e.reason),
                    ))
                }
            }
            ResponseKind::Closure { decision_id } if from_sender => {
                let w = &mut stored.warning;
                if w.status == WarningStatus::Issued {
                    w.status = WarningStatus::Closed;
                    w.updated_at = response.at;
                    w.ended = Some(Ending::Closed {
                        by,
                        decision: decision_id.clone(),
                        at: response.at,
                    });
                    Some(("closed", format!("closed by {origin} on decision {decision_id}")))
                } else {
                    None
                }
            }
            ResponseKind::Escalation(_) | ResponseKind::Closure { .. } => {
                tracing::warn!(%origin, warning = %stored.warning.id, "only a warning's sender escalates or closes it; ignored");
                None
            }
        };
        if let Some((kind, text)) = event {
            change.events.push(Self::event(&stored.warning, kind, text));
        }
        change.put.push(stored);
    }
}

/// Adds an action from `origin`, or replaces it with a version that has
/// more updates.
fn upsert_action(
    r: &mut crate::model::warning::Responses,
    warning_id: &str,
    shared: SharedAction,
    origin: &str,
) -> Option<(&'static str, String)> {
    let updates: Vec<ActionUpdate> = shared
        .updates
        .iter()
        .map(|u| ActionUpdate {
            status: u.status,
            outcome: u.outcome.clone(),
            by: who(u.by_role, origin),
            at: u.at,
        })
        .collect();
    let text = match updates.last() {
        Some(last) => format!("action {} is {}", shared.id, last.status),
        None => format!(
            "action {} recorded: {} by {}",
            shared.id, shared.kind, shared.owner
        ),
    };
    let action = Action {
        id: shared.id,
        warning_id: warning_id.to_owned(),
        decision_id: shared.decision_id,
        kind: shared.kind,
        description: shared.description,
        owner: shared.owner,
        due: shared.due,
        recorded_by: origin.to_owned(),
        recorded_at: shared.recorded_at,
        updates,
    };
    match r.actions.iter_mut().find(|a| a.id == action.id) {
        Some(known) if known.updates.len() >= action.updates.len() => None,
        Some(known) => {
            *known = action;
            Some(("action", text))
        }
        None => {
            r.actions.push(action);
            Some(("action", text))
        }
    }
}

/// Who acted, as far as another node can tell: a role at an organisation.
fn who(role: Option<Role>, origin: &str) -> String {
    match role {
        Some(role) => format!("{role} at {origin}"),
        None => origin.to_owned(),
    }
}
