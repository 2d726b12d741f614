//! The escalation scheduler of a node's own warnings. It keeps no state of
//! its own: what is due follows from the stored warnings, their responses
//! and the escalations already recorded (`model::warning::due_escalations`),
//! so it picks up where it was after a restart. Each escalation is recorded
//! and sent — to the organisation escalated to, with the warning, and to
//! whoever the sharing policy allows — in one write.

use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;
use tokio::sync::watch;

use super::statements::response_entry;
use super::{Warnings, WarningsError};
use crate::federation::warning_view::shared_situation;
use crate::model::audit::AuditKind;
use crate::model::shared_warning::{ResponseKind, SharedEscalation, SharedWarning, WarningResponse};
use crate::model::warning::{WarningStatus, due_escalations};
use crate::store::{StoredWarning, WarningChange};

/// The longest the scheduler sleeps without looking.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Escalates what is due, then sleeps until the next deadline, a change to
/// the warnings, or `shutdown`.
pub async fn run(warnings: Warnings, mut shutdown: watch::Receiver<bool>) {
    let changed = warnings.changed.clone();
    loop {
        let now = Utc::now();
        let wait = match warnings.escalate_due(now).await {
            // A little after the deadline, so that it has passed on waking.
            Ok(Some(next)) => (next - now + TimeDelta::milliseconds(10))
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_WAIT),
            Ok(None) => MAX_WAIT,
            Err(e) => {
                tracing::error!(error = %e, "cannot escalate overdue warnings");
                MAX_WAIT
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = changed.notified() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

impl Warnings {
    /// Records and sends every escalation due at `now` of this node's
    /// warnings; returns when the next one may fall due.
    pub async fn escalate_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, WarningsError> {
        let chain = self.settings.chain();
        let _writer = self.writer.lock().await;
        let mut change = WarningChange::default();
        let mut next: Option<DateTime<Utc>> = None;
        for mut stored in self.store.warnings()? {
            if stored.received || stored.warning.issued.is_none() {
                continue;
            }
            let due = due_escalations(&stored.warning, &stored.responses, &chain, now);
            for escalation in due {
                tracing::warn!(
                    warning = %stored.warning.id,
                    reason = %escalation.reason,
                    from = %escalation.from,
                    to = %escalation.to,
                    step = escalation.step,
                    "escalating"
                );
                change.events.push(Self::event(
                    &stored.warning,
                    "escalated",
                    format!(
                        "escalated from {} to {} ({}, step {})",
                        escalation.from, escalation.to, escalation.reason, escalation.step
                    ),
                ));
                if let Some(state) = &self.federation
                    && let Some(shared) =
                        SharedWarning::of(&stored.warning, shared_situation(state, &stored.warning))
                {
                    let unique = format!("{}.{}.{}", escalation.reason, escalation.subject, escalation.step);
                    let response = WarningResponse {
                        warning_sender: stored.warning.sender.clone(),
                        warning_id: stored.warning.id.clone(),
                        at: now,
                        by_role: None,
                        kind: ResponseKind::Escalation(Box::new(SharedEscalation {
                            reason: escalation.reason,
                            subject: escalation.subject.clone(),
                            step: escalation.step,
                            from: escalation.from.clone(),
                            to: escalation.to.clone(),
                            due: escalation.due,
                            warning: shared,
                        })),
                    };
                    let to = [escalation.to.clone()];
                    change.outbox.extend(response_entry(
                        state,
                        &stored.warning,
                        response,
                        &unique,
                        &to,
                        now,
                    ));
                }
                stored.responses.escalations.push(escalation);
                change.put.retain(|p: &StoredWarning| p.key() != stored.key());
                change.put.push(stored.clone());
            }
            if let Some(at) = next_deadline(&stored, now) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        if !change.events.is_empty() {
            let made: Vec<(crate::model::warning::Warning, String)> = change
                .put
                .iter()
                .flat_map(|s| {
                    change
                        .events
                        .iter()
                        .filter(|e| e.warning_id == s.warning.id)
                        .map(|e| (s.warning.clone(), e.text.clone()))
                })
                .collect();
            self.commit(change).await?;
            for (warning, text) in made {
                self.audit(AuditKind::Escalation, "node", &warning, text).await?;
            }
        }
        Ok(next)
    }
}

/// The next instant after `now` at which something of `stored` may fall
/// due: a deadline, an action's due date, or the next step of an
/// escalation already made.
fn next_deadline(stored: &StoredWarning, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let w = &stored.warning;
    let issued = w.issued.as_ref()?;
    if !matches!(w.status, WarningStatus::Issued | WarningStatus::Superseded) {
        return None;
    }
    let period = (issued.acknowledge_by - issued.sent).max(TimeDelta::seconds(1));
    let candidates = [issued.acknowledge_by, issued.decide_by]
        .into_iter()
        .chain(stored.responses.actions.iter().map(|a| a.due))
        .chain(stored.responses.escalations.iter().map(|e| e.at + period));
    candidates.filter(|at| *at > now).min()
}
