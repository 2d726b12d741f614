//! What crosses the federation, as this node keeps it: the outbox of
//! statements it sends (`outbox`: seq → entry), what it received (`inbox`:
//! origin\0id → entry), each peer's cursor (`cursors`), the relay ledger
//! (`ledger`: statement id\0peer, for each peer a statement this node relays
//! was queued for), quarantined equivocations and
//! refused deliveries. Inbound statements and the cursor that covers them are
//! written in one transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use std::collections::BTreeSet;

use crate::model::statement::{Statement, StatementBody};
use crate::model::verified::Verified;
use crate::store::binary::{InboxFields, OutboxFields, decode_record, encode_record};
use crate::store::codec::{decode, encode};
use crate::store::federation_batch::Inbound;
use crate::store::{Store, StoreError};

pub(super) const OUTBOX: &str = "outbox";
pub(super) const INBOX: &str = "inbox";
pub(super) const CURSORS: &str = "cursors";
/// Statement id and peer → `QUEUED`: the peers a relayed statement was
/// queued for, written with the statement. (This node's own statements need
/// no ledger: their outbox entries name their recipients.)
pub(super) const LEDGER: &str = "ledger";
/// The ledger's value for a statement queued for a peer.
pub(super) const QUEUED: &[u8] = b"queued";
pub(super) const QUARANTINE: &str = "quarantine";
pub(super) const REFUSALS: &str = "refusals";
const PROJECTED: &str = "projected";
pub(super) const RETRACTED: &str = "retracted";
pub(super) const NEXT_SEQ: &[u8] = b"outbox_next_seq";

/// A statement waiting in the outbox for the peers it is meant for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub statement_id: String,
    pub origin: String,
    /// The encoded `Envelope`, exactly as signed by the origin.
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub envelope: Vec<u8>,
    /// Encoded relay attestations the statement arrived with (empty for
    /// statements this node made).
    #[serde(with = "crate::store::codec::base64_list")]
    pub relays: Vec<Vec<u8>>,
    /// Organisations this entry may be delivered to.
    pub recipients: BTreeSet<String>,
    pub added_at: DateTime<Utc>,
    /// The sharing-policy epoch that decided the recipients.
    #[serde(default)]
    pub epoch: u64,
    /// A retraction: delivered whatever the epoch.
    #[serde(default)]
    pub retraction: bool,
}

/// A statement received from a peer, verified before it got here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    pub statement_id: String,
    pub origin: String,
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub payload_sha256: Vec<u8>,
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub envelope: Vec<u8>,
    #[serde(with = "crate::store::codec::base64_list")]
    pub relays: Vec<Vec<u8>>,
    /// The peer it came from (the origin itself, or the last relay).
    pub received_from: String,
    pub received_at: DateTime<Utc>,
}

/// The same statement id from the same origin with different bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivocation {
    pub statement_id: String,
    pub origin: String,
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub first_sha256: Vec<u8>,
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub second_sha256: Vec<u8>,
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub second_envelope: Vec<u8>,
    pub received_from: String,
    pub at: DateTime<Utc>,
}

/// A delivery a peer sent that this node refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub peer: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A statement from a peer as the store accepts it: verified, with the
/// relay attestations it came with and the peer that delivered it.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub verified: &'a Verified<Statement>,
    /// Encoded relay attestations, in path order.
    pub relays: &'a [Vec<u8>],
    pub from: &'a str,
    pub at: DateTime<Utc>,
}

impl Arrival<'_> {
    /// The inbox entry this arrival makes, borrowed from it.
    pub(super) fn fields(&self) -> InboxFields<'_> {
        let statement = self.verified.value();
        InboxFields {
            statement_id: &statement.id,
            origin: &statement.origin,
            payload_sha256: self.verified.payload_sha256(),
            envelope: self.verified.envelope_bytes(),
            relays: self.relays,
            received_from: self.from,
            received_at: self.at,
        }
    }

    /// The outbox entry that relays this arrival as `forward` says,
    /// borrowed from it.
    pub(super) fn outbox_fields<'f>(&'f self, forward: &'f Forward) -> OutboxFields<'f> {
        let statement = self.verified.value();
        OutboxFields {
            statement_id: &statement.id,
            origin: &statement.origin,
            envelope: self.verified.envelope_bytes(),
            relays: self.relays,
            recipients: &forward.recipients,
            added_at: forward.added_at,
            epoch: forward.epoch,
            retraction: matches!(statement.body, StatementBody::Retraction(_)),
        }
    }
}

/// How a statement from a peer is relayed: to whom, decided under which
/// sharing-policy epoch, and when it was queued. With the arrival, it
/// makes the outbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub recipients: BTreeSet<String>,
    pub epoch: u64,
    pub added_at: DateTime<Utc>,
}

/// What applying an inbound statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Stored,
    Duplicate,
    Quarantined,
}

pub(super) fn inbox_key(origin: &str, id: &str) -> Vec<u8> {
    let mut key = origin.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

pub(super) fn ledger_key(statement_id: &str, peer: &str) -> Vec<u8> {
    inbox_key(statement_id, peer)
}

impl Store {
    fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// Appends entries to the outbox and marks `projected` keys done, in one
    /// transaction, and waits until it is on disk; returns the sequence
    /// numbers given. `made` is called once the transaction is made and
    /// before the flush (not at all when it fails): a writer lets the next
    /// one in there, since sled flushes its log in order.
    pub async fn append_outbox(
        &self,
        entries: &[OutboxEntry],
        projected: &[String],
        made: impl FnOnce(),
    ) -> Result<Vec<u64>, StoreError> {
        let encoded: Vec<Vec<u8>> = entries.iter().map(encode_record).collect();
        let (outbox, marks, meta) = (self.tree(OUTBOX)?, self.tree(PROJECTED)?, self.tree("meta")?);
        let seqs = (&outbox, &marks, &meta)
            .transaction(|(outbox, marks, meta)| {
                let mut next = match meta.get(NEXT_SEQ)? {
                    Some(bytes) => u64_of(&bytes).map_err(ConflictableTransactionError::Abort)?,
                    None => 1,
                };
                let mut seqs = Vec::with_capacity(encoded.len());
                for value in &encoded {
                    outbox.insert(&next.to_be_bytes(), value.as_slice())?;
                    seqs.push(next);
                    next += 1;
                }
                meta.insert(NEXT_SEQ, &next.to_be_bytes())?;
                for mark in projected {
                    marks.insert(mark.as_bytes(), &[])?;
                }
                Ok(seqs)
            })
            .map_err(abort)?;
        made();
        self.durable().await?;
        if let Some(last) = seqs.last() {
            self.outbox_durable_to(*last);
        }
        Ok(seqs)
    }

    /// Whether `key` was marked by `append_outbox`.
    pub fn is_projected(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.tree(PROJECTED)?.contains_key(key.as_bytes())?)
    }

    /// Up to `limit` outbox entries after `seq`, in order.
    pub fn outbox_after(&self, seq: u64, limit: usize) -> Result<Vec<(u64, OutboxEntry)>, StoreError> {
        let start = seq.saturating_add(1).to_be_bytes();
        self.tree(OUTBOX)?
            .range(start..)
            .take(limit)
            .map(|entry| {
                let (key, value) = entry?;
                Ok((u64_of(&key)?, decode_record(OUTBOX, &key, &value)?))
            })
            .collect()
    }

    /// The last sequence number given, 0 when the outbox is empty.
    /// The outbox's last sequence number up to which every entry is on
    /// disk. An entry written later may be there already, made but not
    /// yet flushed (writers let the next one in before their flush): what
    /// is read for peers stops here, so that no peer is sent an entry a
    /// crash could still take back, and its number give to another.
    pub fn durable_outbox_head(&self) -> u64 {
        self.durable_outbox.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Notes that the outbox is on disk up to `seq`, after the flush of
    /// the write that gave it: sled flushes its log in order, so every
    /// earlier entry is on disk too.
    pub(super) fn outbox_durable_to(&self, seq: u64) {
        self.durable_outbox
            .fetch_max(seq, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn outbox_head(&self) -> Result<u64, StoreError> {
        match self.tree("meta")?.get(NEXT_SEQ)? {
            Some(bytes) => Ok(u64_of(&bytes)? - 1),
            None => Ok(0),
        }
    }

    /// Applies one verified inbound statement (or none, to move the cursor
    /// past a refused delivery) and the peer's new cursor, atomically. A
    /// statement this node may forward is appended to its outbox in the same
    /// transaction.
    pub async fn apply_inbound(
        &self,
        peer: &str,
        cursor: &[u8],
        arrival: Option<&Arrival<'_>>,
        forward: Option<&Forward>,
    ) -> Result<Applied, StoreError> {
        self.apply_inbound_retracting(peer, cursor, arrival, forward, &[])
            .await
    }

    /// `apply_inbound` for a retraction: when the retraction is stored, the
    /// statements it withdraws (`(origin, statement id)`) are marked
    /// retracted in the same transaction. A batch of one (or of none).
    pub async fn apply_inbound_retracting(
        &self,
        peer: &str,
        cursor: &[u8],
        arrival: Option<&Arrival<'_>>,
        forward: Option<&Forward>,
        retracts: &[(String, String)],
    ) -> Result<Applied, StoreError> {
        let batch: Vec<Inbound<'_>> = arrival
            .map(|a| Inbound::Statement {
                arrival: Arrival {
                    verified: a.verified,
                    relays: a.relays,
                    from: a.from,
                    at: a.at,
                },
                forward,
                retracts,
            })
            .into_iter()
            .collect();
        let applied = self
            .apply_inbound_batch(peer, cursor, &batch, &|_, _| None)
            .await?;
        Ok(applied.first().copied().unwrap_or(Applied::Duplicate))
    }

    /// Marks this node's own statements retracted by `retraction_id` and
    /// queues the retraction, in one transaction.
    /// `marks` are set, and `made` called, as by `append_outbox`. The
    /// arrival log's head does not move: this node's own statements are
    /// never in its inbox (a peer cannot deliver them), so the views' copy
    /// of the inbox has nothing to take in.
    pub async fn retract_own(
        &self,
        entry: &OutboxEntry,
        retracts: &[(String, String)],
        marks: &[String],
        made: impl FnOnce(),
    ) -> Result<u64, StoreError> {
        let value = encode_record(entry);
        let (outbox, meta, retracted) = (self.tree(OUTBOX)?, self.tree("meta")?, self.tree(RETRACTED)?);
        let projected = self.tree(PROJECTED)?;
        let seq = (&outbox, &meta, &retracted, &projected)
            .transaction(|(outbox, meta, retracted, projected)| {
                for mark in marks {
                    projected.insert(mark.as_bytes(), &[])?;
                }
                let next = match meta.get(NEXT_SEQ)? {
                    Some(bytes) => u64_of(&bytes).map_err(ConflictableTransactionError::Abort)?,
                    None => 1,
                };
                outbox.insert(&next.to_be_bytes(), value.as_slice())?;
                meta.insert(NEXT_SEQ, &(next + 1).to_be_bytes())?;
                for (origin, id) in retracts {
                    retracted.insert(inbox_key(origin, id), entry.statement_id.as_bytes())?;
                }
                Ok(next)
            })
            .map_err(abort)?;
        made();
        self.durable().await?;
        self.outbox_durable_to(seq);
        Ok(seq)
    }

    /// The retraction that withdrew statement `id` of `origin`, if any.
    pub fn retracted_by(&self, origin: &str, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .tree(RETRACTED)?
            .get(inbox_key(origin, id))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// The cursor last stored for `peer`.
    pub fn cursor(&self, peer: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(CURSORS)?.get(peer.as_bytes())?.map(|v| v.to_vec()))
    }

    /// Every statement received, ordered by origin then id.
    /// The inbox entries whose statement id satisfies `wanted`; the others
    /// are not decoded.
    pub fn inbox_where(&self, wanted: impl Fn(&str) -> bool) -> Result<Vec<InboxEntry>, StoreError> {
        let mut found = Vec::new();
        for entry in self.tree(INBOX)?.iter() {
            let (key, value) = entry?;
            let id = key
                .iter()
                .position(|b| *b == 0)
                .and_then(|nul| std::str::from_utf8(&key[nul + 1..]).ok());
            if id.is_some_and(&wanted) {
                found.push(decode_record(INBOX, &key, &value)?);
            }
        }
        Ok(found)
    }

    pub fn inbox(&self) -> Result<Vec<InboxEntry>, StoreError> {
        self.tree(INBOX)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode_record(INBOX, &key, &value)
            })
            .collect()
    }

    pub fn inbox_entry(&self, origin: &str, id: &str) -> Result<Option<InboxEntry>, StoreError> {
        let key = inbox_key(origin, id);
        self.tree(INBOX)?
            .get(&key)?
            .map(|v| decode_record(INBOX, &key, &v))
            .transpose()
    }

    /// Calls `each` with every inbox entry in key order, one at a time
    /// (unlike [`inbox`](Self::inbox), nothing is held but the entry).
    pub fn for_each_inbox_entry(
        &self,
        mut each: impl FnMut(InboxEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for entry in self.tree(INBOX)?.iter() {
            let (key, value) = entry?;
            each(decode_record(INBOX, &key, &value)?)?;
        }
        Ok(())
    }

    /// The peers this node queued `statement_id` for when it stored it to
    /// relay: every peer it may have relayed it to, even after a crash
    /// (deliveries only go to an outbox entry's recipients).
    pub fn queued_for(&self, statement_id: &str) -> Result<BTreeSet<String>, StoreError> {
        let mut prefix = statement_id.as_bytes().to_vec();
        prefix.push(0);
        self.tree(LEDGER)?
            .scan_prefix(&prefix)
            .map(|entry| {
                let (key, _) = entry?;
                Ok(String::from_utf8_lossy(&key[prefix.len()..]).into_owned())
            })
            .collect()
    }

    pub fn quarantine(&self) -> Result<Vec<Equivocation>, StoreError> {
        self.tree(QUARANTINE)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode(QUARANTINE, &key, &value)
            })
            .collect()
    }

    /// Records a refused delivery; durable, since refusals are evidence.
    pub async fn record_refusal(&self, refusal: &Refusal) -> Result<(), StoreError> {
        let tree = self.tree(REFUSALS)?;
        let id = self.db.generate_id()?;
        tree.insert(id.to_be_bytes(), encode(REFUSALS, refusal)?)?;
        self.durable().await
    }

    pub fn refusals(&self) -> Result<Vec<Refusal>, StoreError> {
        self.tree(REFUSALS)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode(REFUSALS, &key, &value)
            })
            .collect()
    }
}

pub(super) fn u64_of(bytes: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree: OUTBOX,
            key: String::from_utf8_lossy(bytes).into_owned(),
            reason: format!("expected 8 bytes, found {}", bytes.len()),
        })
}

/// Appends encoded outbox entries inside a transaction over the outbox and
/// `meta` trees, numbering them from the outbox's next sequence number;
/// returns the last number given (`None` for no entries).
pub(super) fn queue_outbox(
    outbox: &sled::transaction::TransactionalTree,
    meta: &sled::transaction::TransactionalTree,
    encoded: &[Vec<u8>],
) -> Result<Option<u64>, ConflictableTransactionError<StoreError>> {
    if encoded.is_empty() {
        return Ok(None);
    }
    let mut next = match meta.get(NEXT_SEQ)? {
        Some(bytes) => u64_of(&bytes).map_err(ConflictableTransactionError::Abort)?,
        None => 1,
    };
    for value in encoded {
        outbox.insert(&next.to_be_bytes(), value.as_slice())?;
        next += 1;
    }
    meta.insert(NEXT_SEQ, &next.to_be_bytes())?;
    Ok(Some(next - 1))
}

pub(super) fn abort(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Io(e),
    }
}

impl Store {
    /// The sharing-policy epoch for a policy with this fingerprint: the
    /// stored epoch while the policy is unchanged, the next one (durably)
    /// when it changed.
    pub async fn sharing_epoch(&self, fingerprint: &[u8]) -> Result<u64, StoreError> {
        const EPOCH: &[u8] = b"sharing_epoch";
        const HASH: &[u8] = b"sharing_policy_sha256";
        let meta = self.tree("meta")?;
        let epoch = match meta.get(EPOCH)? {
            Some(bytes) => u64_of(&bytes)?,
            None => 0,
        };
        if meta.get(HASH)?.is_some_and(|h| h.as_ref() == fingerprint) && epoch > 0 {
            return Ok(epoch);
        }
        let next = epoch + 1;
        let mut batch = sled::Batch::default();
        batch.insert(EPOCH, &next.to_be_bytes());
        batch.insert(HASH, fingerprint);
        meta.apply_batch(batch)?;
        self.durable().await?;
        Ok(next)
    }
}

#[cfg(test)]
impl Store {
    /// Overwrites a stored inbox entry, as damage on disk would.
    pub(crate) fn overwrite_inbox_entry(&self, entry: &InboxEntry) -> Result<(), StoreError> {
        let key = inbox_key(&entry.origin, &entry.statement_id);
        self.tree(INBOX)?.insert(key, encode_record(entry))?;
        Ok(())
    }
}
