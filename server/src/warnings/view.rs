//! A warning's timeline in words, as the API and the CLI show it.

use crate::model::warning::{TimelineEntry, TimelineEvent, timeline};
use crate::store::StoredWarning;

/// The timeline of a stored warning; who is unknown on a receiving node
/// (the author and the issuer stay at the sender's) shows as the sender.
pub fn timeline_of(stored: &StoredWarning) -> Vec<TimelineEntry> {
    let mut entries = timeline(&stored.warning, &stored.responses);
    for entry in &mut entries {
        if entry.who.is_empty() {
            entry.who.clone_from(&stored.warning.sender);
        }
    }
    entries
}

/// The event's name, the organisation it concerns (empty when none), and
/// a sentence saying what happened.
pub fn describe(event: &TimelineEvent) -> (&'static str, String, String) {
    match event {
        TimelineEvent::Raised => ("raised", String::new(), "raised".into()),
        TimelineEvent::Issued => ("issued", String::new(), "issued".into()),
        TimelineEvent::Delivered { to } => ("delivered", to.clone(), format!("delivered to {to}")),
        TimelineEvent::Acknowledged { organisation, kind } => {
            let detail = match kind {
                crate::model::warning::AckKind::Forwarded { to, reason } => {
                    format!(": forwarded to {to} ({reason})")
                }
                crate::model::warning::AckKind::Declined { reason } => format!(": declined ({reason})"),
                other => format!(": {}", other.as_str()),
            };
            (
                "acknowledged",
                organisation.clone(),
                format!("acknowledged by {organisation}{detail}"),
            )
        }
        TimelineEvent::Escalated {
            reason,
            subject,
            step,
            from,
            to,
        } => (
            "escalated",
            to.clone(),
            format!("escalated from {from} to {to}: {reason} of {subject} (step {step})"),
        ),
        TimelineEvent::Decided {
            decision,
            organisation,
            kind,
        } => (
            "decided",
            organisation.clone(),
            format!("decided by {organisation}: {kind} ({decision})"),
        ),
        TimelineEvent::ActionRecorded { action, kind, owner } => (
            "action_recorded",
            owner.clone(),
            format!("action {action} recorded: {kind}, owned by {owner}"),
        ),
        TimelineEvent::ActionChanged {
            action,
            status,
            outcome,
        } => {
            let outcome = outcome.as_ref().map(|o| format!(": {o}")).unwrap_or_default();
            (
                "action_changed",
                String::new(),
                format!("action {action} {status}{outcome}"),
            )
        }
        TimelineEvent::Superseded { by } => ("superseded", String::new(), format!("superseded by {by}")),
        TimelineEvent::Cancelled { by } => ("cancelled", String::new(), format!("cancelled by {by}")),
        TimelineEvent::Closed { decision } => {
            ("closed", String::new(), format!("closed on decision {decision}"))
        }
        TimelineEvent::Noted { note, outcome } => (
            "noted",
            String::new(),
            format!("after-action note {note}: {outcome}"),
        ),
    }
}
