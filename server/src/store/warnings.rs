//! Warnings in the store: each warning (this node's and those received)
//! with everything recorded about it, the node's feed of warning events
//! (what `WatchWarnings` and webhooks follow, by sequence number), and the
//! marks of federation statements already folded in.
//!
//! Every change is one sled transaction: the warnings it touches, the events
//! it appends, the statements it queues in the outbox, the marks it sets and
//! its audit entries are written together or not at all.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use crate::model::audit::AuditEvent;
use crate::model::warning::{Responses, Warning};
use crate::store::audit::{AUDIT, AUDIT_HEAD, Chain};
use crate::store::binary::encode_record;
use crate::store::codec::{decode, encode};
use crate::store::federation::{abort, queue_outbox, u64_of};
use crate::store::{OutboxEntry, Store, StoreError};

const WARNINGS: &str = "warnings";
const EVENTS: &str = "warning_events";
const FOLDED: &str = "warning_folded";
const OUTBOX: &str = "outbox";
const NEXT_EVENT: &[u8] = b"warning_event_next_seq";
const NOTIFIED: &[u8] = b"warning_events_notified";

/// A warning and everything recorded about it on this node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredWarning {
    pub warning: Warning,
    pub responses: Responses,
    /// True when it came from another organisation's node.
    pub received: bool,
    /// The organisations that relayed it here (a received warning); the
    /// responses of this node go back through them.
    #[serde(default)]
    pub via: Vec<String>,
}

impl StoredWarning {
    pub fn key(&self) -> (String, String) {
        (self.warning.sender.clone(), self.warning.id.clone())
    }
}

/// Something that happened to a warning, in the node's feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningEvent {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub sender: String,
    pub warning_id: String,
    /// issued, received, updated, cancelled, delivered, acknowledged,
    /// decided, action, escalated, closed, noted, proposed.
    pub kind: String,
    /// The event in words.
    pub text: String,
}

/// One change to the warnings, written in one transaction.
#[derive(Debug, Default)]
pub struct WarningChange {
    /// Warnings written whole, new or replacing.
    pub put: Vec<StoredWarning>,
    /// Events appended to the feed (`seq` is assigned on write).
    pub events: Vec<WarningEvent>,
    /// Statements queued for peers.
    pub outbox: Vec<OutboxEntry>,
    /// Keys marked done (e.g. an inbox statement folded in).
    pub marks: Vec<String>,
    /// Entries appended to the audit trail with the change.
    pub audit: Vec<AuditEvent>,
}

fn warning_key(sender: &str, id: &str) -> Vec<u8> {
    let mut key = sender.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

impl Store {
    fn warnings_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// Writes `change` in one transaction, its audit entries included, and
    /// waits until it is on disk; returns the events with their sequence
    /// numbers. `made` is called once the transaction is made and
    /// before the flush (or not at all when the transaction fails).
    pub async fn commit_warnings(
        &self,
        change: WarningChange,
        made: impl FnOnce(),
    ) -> Result<Vec<WarningEvent>, StoreError> {
        let puts = change
            .put
            .iter()
            .map(|w| {
                Ok((
                    warning_key(&w.warning.sender, &w.warning.id),
                    encode(WARNINGS, w)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let outbox_values: Vec<Vec<u8>> = change.outbox.iter().map(encode_record).collect();
        let trees =
            [WARNINGS, EVENTS, FOLDED, OUTBOX, "meta", AUDIT, AUDIT_HEAD].map(|t| self.warnings_tree(t));
        let [warnings, events, folded, outbox, meta, audits, heads] = trees;
        let (warnings, events, folded, outbox, meta, audits, heads) =
            (warnings?, events?, folded?, outbox?, meta?, audits?, heads?);
        let (events_written, queued) = (&warnings, &events, &folded, &outbox, &meta, &audits, &heads)
            .transaction(|(warnings, events, folded, outbox, meta, audits, heads)| {
                for (key, value) in &puts {
                    warnings.insert(key.as_slice(), value.as_slice())?;
                }
                let mut next = match meta.get(NEXT_EVENT)? {
                    Some(bytes) => u64_of(&bytes).map_err(ConflictableTransactionError::Abort)?,
                    None => 1,
                };
                let mut written = Vec::with_capacity(change.events.len());
                for event in &change.events {
                    let event = WarningEvent {
                        seq: next,
                        ..event.clone()
                    };
                    let value = encode(EVENTS, &event).map_err(ConflictableTransactionError::Abort)?;
                    events.insert(&next.to_be_bytes(), value)?;
                    written.push(event);
                    next += 1;
                }
                meta.insert(NEXT_EVENT, &next.to_be_bytes())?;
                let queued = queue_outbox(outbox, meta, &outbox_values)?;
                for mark in &change.marks {
                    folded.insert(mark.as_bytes(), &[])?;
                }
                let mut chain = Chain::start(heads)?;
                for event in &change.audit {
                    chain.append(audits, event.clone())?;
                }
                chain.finish(heads)?;
                Ok((written, queued))
            })
            .map_err(abort)?;
        made();
        self.durable().await?;
        if let Some(last) = queued {
            self.outbox_durable_to(last);
        }
        Ok(events_written)
    }

    /// One warning, by its sender and id.
    pub fn warning(&self, sender: &str, id: &str) -> Result<Option<StoredWarning>, StoreError> {
        let key = warning_key(sender, id);
        self.warnings_tree(WARNINGS)?
            .get(&key)?
            .map(|bytes| decode(WARNINGS, &key, &bytes))
            .transpose()
    }

    /// Every warning, ordered by sender and id.
    pub fn warnings(&self) -> Result<Vec<StoredWarning>, StoreError> {
        self.warnings_tree(WARNINGS)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode(WARNINGS, &key, &value)
            })
            .collect()
    }

    /// Up to `limit` feed events after `seq`, in order.
    pub fn warning_events_after(&self, seq: u64, limit: usize) -> Result<Vec<WarningEvent>, StoreError> {
        let start = seq.saturating_add(1).to_be_bytes();
        self.warnings_tree(EVENTS)?
            .range(start..)
            .take(limit)
            .map(|entry| {
                let (key, value) = entry?;
                decode(EVENTS, &key, &value)
            })
            .collect()
    }

    /// The sequence number of the last feed event (0: none yet).
    pub fn warning_events_head(&self) -> Result<u64, StoreError> {
        match self.warnings_tree("meta")?.get(NEXT_EVENT)? {
            Some(bytes) => Ok(u64_of(&bytes)?.saturating_sub(1)),
            None => Ok(0),
        }
    }

    /// The last feed event whose webhook notifications are queued (0: none).
    pub fn notified_up_to(&self) -> Result<u64, StoreError> {
        match self.warnings_tree("meta")?.get(NOTIFIED)? {
            Some(bytes) => u64_of(&bytes),
            None => Ok(0),
        }
    }

    /// Records that the notifications of every event up to `seq` are queued.
    /// Not flushed on its own (the next flush of anything takes it along): a
    /// position lost in a crash only means those events are looked at again,
    /// and queueing is idempotent per subscription and notification, so
    /// nothing is queued twice (a subscription made in between may be told
    /// of them too); each queued notification was flushed when queued. Not flushing keeps a flush per feed event off the disk, where
    /// it held up the writes that deliver warnings.
    pub fn set_notified_up_to(&self, seq: u64) -> Result<(), StoreError> {
        self.warnings_tree("meta")?.insert(NOTIFIED, &seq.to_be_bytes())?;
        Ok(())
    }

    /// Whether `key` was marked by `commit_warnings`.
    pub fn is_folded(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.warnings_tree(FOLDED)?.contains_key(key.as_bytes())?)
    }
}
