//! The escalation scheduler of a node's own warnings. What is due follows
//! from the stored warnings, their responses and the escalations already
//! recorded (`model::warning::due_escalations`), so it picks up where it was
//! after a restart. Each escalation is recorded and sent — to the
//! organisation escalated to, with the warning, and to whoever the sharing
//! policy allows — in one write. It reads every warning once at start; after
//! that only those a commit changed and those whose deadline has come, so a
//! pass costs what changed, not how many warnings the node holds (the next
//! deadline of each is kept in memory, derived from the store).

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::sync::{Notify, watch};

use super::statements::response_entry;
use super::{Warnings, WarningsError, Writer};
use crate::federation::warning_view::shared_situation;
use crate::model::audit::AuditKind;
use crate::model::shared_warning::{ResponseKind, SharedEscalation, SharedWarning, WarningResponse};
use crate::model::warning::{WarningStatus, due_escalations};
use crate::store::{StoredWarning, WarningChange};

/// The longest the scheduler sleeps without looking.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// A warning by sender and id.
type Key = (String, String);

/// The next deadline of each of this node's warnings that has one.
type Deadlines = BTreeMap<Key, DateTime<Utc>>;

/// This node's warnings written since the escalator last looked, and the
/// signal that wakes it.
#[derive(Debug, Default)]
pub(super) struct Changed {
    keys: std::sync::Mutex<BTreeSet<Key>>,
    wake: Notify,
}

impl Changed {
    /// Notes that `keys` were written (after the write is durable).
    pub(super) fn add(&self, keys: impl Iterator<Item = Key>) {
        let mut noted = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        noted.extend(keys);
        let any = !noted.is_empty();
        drop(noted);
        if any {
            self.wake.notify_one();
        }
    }

    /// The warnings noted since the last call.
    pub(super) fn take(&self) -> BTreeSet<Key> {
        std::mem::take(
            &mut *self
                .keys
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Escalates what is due, then sleeps until the next deadline, a change to
/// this node's warnings, or `shutdown`.
pub async fn run(warnings: Warnings, mut shutdown: watch::Receiver<bool>) {
    let changed = warnings.changed.clone();
    // `None` until every warning was read (again after a failed pass).
    let mut deadlines: Option<Deadlines> = None;
    loop {
        let now = Utc::now();
        let pass = match deadlines.as_mut() {
            None => {
                changed.take();
                warnings.escalate_all(now).await.map(|all| deadlines = Some(all))
            }
            Some(known) => {
                let mut keys = changed.take();
                keys.extend(known.iter().filter(|(_, at)| **at <= now).map(|(k, _)| k.clone()));
                warnings.escalate_some(keys, known, now).await
            }
        };
        if let Err(e) = pass {
            tracing::error!(error = %e, "cannot escalate overdue warnings");
            deadlines = None;
        }
        let next = deadlines.as_ref().and_then(|d| d.values().min().copied());
        // A little after the deadline, so that it has passed on waking.
        let wait = next.map_or(MAX_WAIT, |next| {
            (next - now + TimeDelta::milliseconds(10))
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_WAIT)
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = changed.wake.notified() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

impl Warnings {
    /// Records and sends every escalation due at `now` of this node's
    /// warnings; returns when the next one may fall due.
    pub async fn escalate_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, WarningsError> {
        Ok(self.escalate_all(now).await?.into_values().min())
    }

    /// `escalate_due` over every warning; returns the next deadline of each.
    async fn escalate_all(&self, now: DateTime<Utc>) -> Result<Deadlines, WarningsError> {
        let writer = self.writer.lock().await;
        let all = self.store.warnings()?;
        self.escalate(writer, all, now).await
    }

    /// `escalate_due` over the warnings `keys` only, updating their entries
    /// in `deadlines`.
    pub(super) async fn escalate_some(
        &self,
        keys: BTreeSet<Key>,
        deadlines: &mut Deadlines,
        now: DateTime<Utc>,
    ) -> Result<(), WarningsError> {
        if keys.is_empty() {
            return Ok(());
        }
        let writer = self.writer.lock().await;
        let mut candidates = Vec::with_capacity(keys.len());
        for (sender, id) in &keys {
            candidates.extend(self.store.warning(sender, id)?);
        }
        let next = self.escalate(writer, candidates, now).await?;
        for key in &keys {
            deadlines.remove(key);
        }
        deadlines.extend(next);
        Ok(())
    }

    /// Records and sends the escalations of `candidates` due at `now`, the
    /// writer lock held until the write is made; returns the next deadline
    /// of each that has one.
    async fn escalate(
        &self,
        writer: Writer<'_>,
        candidates: Vec<StoredWarning>,
        now: DateTime<Utc>,
    ) -> Result<Deadlines, WarningsError> {
        let chain = self.settings.chain();
        let mut change = WarningChange::default();
        let mut next = Deadlines::new();
        for mut stored in candidates {
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
                next.insert(stored.key(), at);
            }
        }
        if !change.events.is_empty() {
            let audit: Vec<_> = change
                .put
                .iter()
                .flat_map(|s| {
                    change
                        .events
                        .iter()
                        .filter(|e| e.warning_id == s.warning.id)
                        .map(|e| self.audit_event(AuditKind::Escalation, "node", &s.warning, &e.text))
                })
                .collect();
            change.audit.extend(audit);
            self.commit(writer, change).await?;
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
