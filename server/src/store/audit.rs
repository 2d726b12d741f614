//! The audit trail in the store: entries in tree `audit` (key: seq
//! big-endian, value: the entry as JSON) and the chain's head (last seq and
//! hash) in tree `audit_head`, written in the same transaction as each
//! entry, so concurrent appends never fork the chain.

use chrono::Utc;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use crate::model::audit::{AuditEntry, AuditEvent, AuditFilter, AuditReport, ChainCheck, ChainHead};
use crate::store::codec::{decode, encode, encode_sized};
use crate::store::federation::abort;
use crate::store::{Store, StoreError};

pub(super) const AUDIT: &str = "audit";
pub(super) const AUDIT_HEAD: &str = "audit_head";
const HEAD_TREE: &str = AUDIT_HEAD;
const HEAD: &[u8] = b"head";

impl Store {
    fn audit_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// Appends `event` to the chain and waits until it is on disk; returns
    /// the entry as written.
    pub async fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError> {
        let (audit, heads) = (self.audit_tree(AUDIT)?, self.audit_tree(HEAD_TREE)?);
        let entry = (&audit, &heads)
            .transaction(|(audit, heads)| {
                let mut chain = Chain::start(heads)?;
                let entry = chain.append(audit, event.clone())?;
                chain.finish(heads)?;
                Ok(entry)
            })
            .map_err(abort)?;
        self.durable().await?;
        Ok(entry)
    }

    /// Records `event` where a failed audit write must not stop the work
    /// (sign-ins, federation): a failure is logged, without the event's
    /// detail.
    pub async fn audit(&self, event: AuditEvent) {
        let kind = event.kind;
        if let Err(e) = self.append_audit(event).await {
            tracing::error!(error = %e, %kind, "cannot write the audit trail");
        }
    }

    /// The entries `filter` matches, in seq order.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let start = filter.after_seq.saturating_add(1).to_be_bytes();
        let mut found = Vec::new();
        for record in self.audit_tree(AUDIT)?.range(start..) {
            if filter.limit.is_some_and(|limit| found.len() >= limit) {
                break;
            }
            let (key, value) = record?;
            let entry: AuditEntry = decode(AUDIT, &key, &value)?;
            if filter.matches(&entry) {
                found.push(entry);
            }
        }
        Ok(found)
    }

    /// Walks the whole chain and reports the first problem: an entry that
    /// does not match its hash or cannot be read (edited), a missing seq
    /// (removed), an entry out of place (reordered), or a chain shorter
    /// than its head (truncated).
    pub fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let head = match self.audit_tree(HEAD_TREE)?.get(HEAD)? {
            Some(bytes) => Some(decode::<ChainHead>(HEAD_TREE, HEAD, &bytes)?),
            None => None,
        };
        let mut check = ChainCheck::default();
        for record in self.audit_tree(AUDIT)?.iter() {
            let (key, value) = record?;
            let seq = <[u8; 8]>::try_from(key.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    tree: AUDIT,
                    key: String::from_utf8_lossy(&key).into_owned(),
                    reason: format!("expected an 8-byte seq, found {} bytes", key.len()),
                })?;
            let entry = serde_json::from_slice::<AuditEntry>(&value).map_err(|e| e.to_string());
            if !check.feed(seq, entry) {
                break;
            }
        }
        Ok(check.finish(head))
    }
}

#[cfg(test)]
mod tests;

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// The audit chain's head while a transaction of another kind of write
/// (a batch of deliveries, a warning change) appends entries to it.
pub(super) struct Chain {
    head: ChainHead,
    moved: bool,
}

impl Chain {
    pub(super) fn start(heads: &TransactionalTree) -> TxResult<Self> {
        let head = match heads.get(HEAD)? {
            Some(bytes) => decode(HEAD_TREE, HEAD, &bytes).map_err(ConflictableTransactionError::Abort)?,
            None => ChainHead::genesis(),
        };
        Ok(Self { head, moved: false })
    }

    pub(super) fn append(&mut self, audits: &TransactionalTree, event: AuditEvent) -> TxResult<AuditEntry> {
        let entry = AuditEntry::after(&self.head, event, Utc::now());
        let value =
            encode_sized(AUDIT, &entry, entry_size(&entry)).map_err(ConflictableTransactionError::Abort)?;
        audits.insert(&entry.seq.to_be_bytes(), value)?;
        self.head = entry.head();
        self.moved = true;
        Ok(entry)
    }

    pub(super) fn finish(self, heads: &TransactionalTree) -> TxResult<()> {
        if self.moved {
            let head = encode(HEAD_TREE, &self.head).map_err(ConflictableTransactionError::Abort)?;
            heads.insert(HEAD, head)?;
        }
        Ok(())
    }
}

/// About how long an entry's JSON is: its texts and the field names, times
/// and hashes around them (escapes aside).
fn entry_size(entry: &AuditEntry) -> usize {
    const FRAME: usize = 256;
    FRAME + entry.actor.len() + entry.organisation.len() + entry.subject.len() + entry.detail.len()
}
