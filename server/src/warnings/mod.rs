//! Early warning to early action on one node: drafting and issuing warnings,
//! recording the responses to them, sending both across the federation and
//! folding in what peers send, escalating what is late, and notifying
//! subscribers. No protobuf here: `api` converts.

mod draft;
mod escalator;
mod fold;
pub mod notify;
mod proposer;
mod respond;
pub mod statements;
pub mod subscriptions;
mod view;
pub mod webhook;

pub use draft::WarningFilter;
pub use escalator::run as run_escalator;
pub use fold::run as run_folding;
pub use proposer::run as run_proposer;
pub use respond::NewAction;
pub use view::{describe, timeline_of};

use chrono::Utc;
use std::sync::Arc;
use tokio::sync::watch;

use crate::assessments::{Assessments, ServiceError};
use crate::config::WarningsSection;
use crate::federation::state::FederationState;
use crate::model::ValidationError;
use crate::model::audit::{AuditEvent, AuditKind};
use crate::model::caller::Caller;
use crate::model::reference::ReferenceData;
use crate::model::shown;
use crate::model::warning::{AdvanceError, WarningError};
use crate::policy::Action;
use crate::store::{Store, StoreError, StoredWarning, WarningChange, WarningEvent};

/// Why a warning operation did not happen. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum WarningsError {
    #[error("invalid {0}")]
    Invalid(#[from] ValidationError),
    #[error("{what} not found")]
    NotFound { what: String },
    #[error(transparent)]
    Access(ServiceError),
    #[error(transparent)]
    Lifecycle(#[from] WarningError),
    #[error("{0}")]
    Precondition(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ServiceError> for WarningsError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(e) => WarningsError::Store(e),
            ServiceError::Invalid(e) => WarningsError::Invalid(e),
            e => WarningsError::Access(e),
        }
    }
}

impl From<AdvanceError> for WarningsError {
    fn from(e: AdvanceError) -> Self {
        match e {
            AdvanceError::Transition(e) => WarningsError::Lifecycle(e),
            AdvanceError::Invalid(e) => WarningsError::Invalid(e),
        }
    }
}

/// The warnings of one node.
#[derive(Debug, Clone)]
pub struct Warnings {
    store: Store,
    reference: Arc<ReferenceData>,
    assessments: Assessments,
    org: String,
    settings: Arc<WarningsSection>,
    federation: Option<FederationState>,
    /// Held by every read-modify-write of warnings, so none is lost, until
    /// its write is made (not until it is flushed: see `commit`).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// The sequence number of the last feed event.
    events: Arc<watch::Sender<u64>>,
    /// This node's warnings changed since the escalator last looked; wakes it.
    changed: Arc<escalator::Changed>,
}

/// The right to read, change and write warnings (the lock `writer`).
pub(crate) type Writer<'a> = tokio::sync::MutexGuard<'a, ()>;

impl Warnings {
    pub fn new(
        store: Store,
        reference: Arc<ReferenceData>,
        assessments: Assessments,
        organisation: &str,
        settings: WarningsSection,
        federation: Option<FederationState>,
    ) -> Self {
        let head = store.warning_events_head().unwrap_or_default();
        let (events, _) = watch::channel(head);
        Self {
            store,
            reference,
            assessments,
            org: organisation.to_owned(),
            settings: Arc::new(settings),
            federation,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            events: Arc::new(events),
            changed: Arc::default(),
        }
    }

    /// The reference data warnings are checked against.
    pub fn reference(&self) -> Arc<ReferenceData> {
        self.reference.clone()
    }

    /// This node's organisation id.
    pub fn organisation(&self) -> &str {
        &self.org
    }

    /// Changes to the sequence number of the last feed event.
    pub fn event_changes(&self) -> watch::Receiver<u64> {
        self.events.subscribe()
    }

    /// Up to `limit` feed events after `seq`, none after the last one
    /// announced. An event is announced once it is on disk; a later one
    /// may be written, not yet flushed, and must not be shown (or sent) in
    /// case a crash loses it and its sequence number goes to another.
    pub fn events_after(&self, seq: u64, limit: usize) -> Result<Vec<WarningEvent>, StoreError> {
        let announced = *self.events.borrow();
        let mut events = self.store.warning_events_after(seq, limit)?;
        events.retain(|e| e.seq <= announced);
        Ok(events)
    }

    /// The warning `sender`/`id` as stored, for the node's own use (feeds,
    /// notifications); `None` when absent or unreadable.
    pub fn store_warning(&self, sender: &str, id: &str) -> Option<StoredWarning> {
        self.store.warning(sender, id).ok().flatten()
    }

    pub(crate) fn authorize(&self, caller: &Caller, action: Action) -> Result<(), WarningsError> {
        Ok(self.assessments.authorize_node(caller, action)?)
    }

    /// The warning `sender`/`id` (`sender` empty: this node's).
    pub(crate) fn load(&self, sender: &str, id: &str) -> Result<StoredWarning, WarningsError> {
        let sender = if sender.is_empty() {
            self.org.as_str()
        } else {
            sender
        };
        self.store
            .warning(sender, id)?
            .ok_or_else(|| WarningsError::NotFound {
                what: format!("warning `{}/{}`", shown(sender), shown(id)),
            })
    }

    /// Writes `change`, releasing `writer` once it is written and before
    /// it is flushed, then tells watchers, subscribers and the escalator
    /// once it is on disk. The next writer may read what this one wrote
    /// during the flush: sled flushes its log in order, so that writer's
    /// flush cannot make its own write durable without this one.
    pub(crate) async fn commit(
        &self,
        writer: Writer<'_>,
        change: WarningChange,
    ) -> Result<Vec<WarningEvent>, StoreError> {
        let queued = !change.outbox.is_empty();
        // Only this node's own warnings have deadlines it escalates.
        let own: Vec<_> = change
            .put
            .iter()
            .filter(|w| !w.received)
            .map(|w| w.key())
            .collect();
        let written = self.store.commit_warnings(change, move || drop(writer)).await?;
        if queued && let Some(federation) = &self.federation {
            federation.outbox_grew();
        }
        if let Some(last) = written.last() {
            // A later write may have been announced first.
            self.events.send_if_modified(|head| {
                let newer = last.seq > *head;
                *head = (*head).max(last.seq);
                newer
            });
        }
        self.changed.add(own.into_iter());
        Ok(written)
    }

    /// The audit entry that `actor` did `kind` to `warning`, written with
    /// the change it records (a change and its entry are one write).
    pub(crate) fn audit_event(
        &self,
        kind: AuditKind,
        actor: &str,
        warning: &crate::model::warning::Warning,
        detail: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent::new(kind, actor, &self.org)
            .subject(format!("{}/{}", warning.sender, warning.id))
            .detail(detail)
    }

    /// A feed event about `warning` now.
    pub(crate) fn event(warning: &crate::model::warning::Warning, kind: &str, text: String) -> WarningEvent {
        WarningEvent {
            seq: 0,
            at: Utc::now(),
            sender: warning.sender.clone(),
            warning_id: warning.id.clone(),
            kind: kind.to_owned(),
            text,
        }
    }
}

#[cfg(test)]
mod tests;
