//! Group commit of inbound deliveries: a run of deliveries from one peer,
//! each already checked, applied in one sled transaction (inbox entries,
//! forwarded outbox entries, retraction marks, quarantine records, refusals,
//! their audit entries, the arrival log, the index of summaries by situation
//! and the peer's cursor) followed by
//! one flush. A crash before the flush loses the whole batch with its
//! cursor, so the peer sends it again.

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use crate::model::audit::AuditEvent;
use crate::model::statement::StatementBody;
use crate::store::audit::{AUDIT, AUDIT_HEAD, Chain};
use crate::store::binary::{InboxFields, decode_record, encode_record};
use crate::store::codec::encode;
use crate::store::federation::{Applied, Arrival, Equivocation, Forward, InboxEntry, Refusal};
use crate::store::federation::{
    CURSORS, INBOX, LEDGER, NEXT_SEQ, OUTBOX, QUARANTINE, QUEUED, REFUSALS, RETRACTED, abort, inbox_key,
    ledger_key, u64_of,
};
use crate::store::summary_index::{SUMMARIES, summary_key};
use crate::store::{Store, StoreError};

/// The arrival log: every statement stored takes the next sequence number
/// (so the last one taken tells whether the inbox changed); warnings and
/// responses are logged under theirs (sequence → inbox key), for the
/// warnings fold to follow. Other statements are not logged: nothing
/// follows them one by one.
const ARRIVALS: &str = "inbox_arrivals";
const NEXT_ARRIVAL: &[u8] = b"inbox_arrival_next_seq";

/// One delivery of a batch, checked.
#[derive(Debug)]
pub enum Inbound<'a> {
    /// A statement that passed every check, with the outbox entry that
    /// relays it (if any) and, for a retraction, what it withdraws.
    Statement {
        arrival: Arrival<'a>,
        forward: Option<&'a Forward>,
        retracts: &'a [(String, String)],
    },
    /// A delivery that was refused: recorded, and its cursor passed.
    Refused(Refusal),
}

/// What a batch write did: what became of each delivery, in order, the
/// arrival log's head just before the write and just after it (equal when
/// it stored nothing), and whether it added a warning or a response to the
/// arrival log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchWritten {
    pub applied: Vec<Applied>,
    pub head_before: u64,
    pub head_after: u64,
    pub logged: bool,
}

/// Called with what a batch write did once it is made, before its flush.
pub type Made<'f> = &'f (dyn Fn(&BatchWritten) + Sync);

/// What to write to the audit trail for delivery `index` of a batch, given
/// what became of it (a refused delivery is reported as `Duplicate`).
pub type AuditOf<'f> = &'f (dyn Fn(usize, Applied) -> Option<AuditEvent> + Sync);

struct Encoded<'a> {
    key: Vec<u8>,
    /// The entry's fields, borrowed from the arrival.
    entry: InboxFields<'a>,
    value: Vec<u8>,
    forward: Option<Vec<u8>>,
    /// Ledger keys of the peers `forward` is queued for.
    queued: Vec<Vec<u8>>,
    /// Whether the arrival log lists it (a warning or a response).
    logged: bool,
    /// For an assessment summary: its key in the index by situation.
    indexed: Option<Vec<u8>>,
}

impl Store {
    /// Applies `batch` from `peer` and moves the peer's cursor to `cursor`
    /// (that of the batch's last delivery), in one transaction and one
    /// flush; returns what became of each delivery, in order. A statement
    /// already stored, or stored earlier in the batch, is `Duplicate`; one
    /// with the same id and different content is `Quarantined`.
    pub async fn apply_inbound_batch(
        &self,
        peer: &str,
        cursor: &[u8],
        batch: &[Inbound<'_>],
        audit: AuditOf<'_>,
    ) -> Result<Vec<Applied>, StoreError> {
        let written = self
            .apply_inbound_batch_then(peer, cursor, batch, audit, &|_| {})
            .await?;
        Ok(written.applied)
    }

    /// [`apply_inbound_batch`](Self::apply_inbound_batch), calling `made`
    /// once the batch is written and before it is flushed: whoever follows
    /// the arrival log or holds a copy of the inbox may start on it during
    /// the flush. sled's log is flushed in order, so a later flush makes
    /// this batch durable too. Returns what the write did.
    pub async fn apply_inbound_batch_then(
        &self,
        peer: &str,
        cursor: &[u8],
        batch: &[Inbound<'_>],
        audit: AuditOf<'_>,
        made: Made<'_>,
    ) -> Result<BatchWritten, StoreError> {
        let mut encoded = Vec::with_capacity(batch.len());
        let mut refusals = Vec::new();
        for item in batch {
            match item {
                Inbound::Statement { arrival, forward, .. } => {
                    let entry = arrival.fields();
                    let body = &arrival.verified.value().body;
                    let logged = matches!(body, StatementBody::Warning(_) | StatementBody::Response(_));
                    let indexed = match body {
                        StatementBody::AssessmentSummary(summary) => Some(summary_key(
                            &summary.situation.key(),
                            entry.origin,
                            entry.statement_id,
                        )),
                        _ => None,
                    };
                    encoded.push(Some(Encoded {
                        logged,
                        indexed,
                        key: inbox_key(entry.origin, entry.statement_id),
                        value: encode_record(&entry),
                        forward: forward.map(|f| encode_record(&arrival.outbox_fields(f))),
                        queued: forward
                            .iter()
                            .flat_map(|f| f.recipients.iter().map(|p| ledger_key(entry.statement_id, p)))
                            .collect(),
                        entry,
                    }));
                    refusals.push(None);
                }
                Inbound::Refused(refusal) => {
                    encoded.push(None);
                    let id = self.db.generate_id()?;
                    refusals.push(Some((id.to_be_bytes(), encode(REFUSALS, refusal)?)));
                }
            }
        }
        let names = [
            INBOX, CURSORS, QUARANTINE, OUTBOX, "meta", RETRACTED, REFUSALS, AUDIT, AUDIT_HEAD, ARRIVALS,
            LEDGER, SUMMARIES,
        ];
        let trees = names.map(|t| self.db.open_tree(t));
        let [
            inbox,
            cursors,
            quarantine,
            outbox,
            meta,
            retracted,
            refused,
            audits,
            heads,
            arrivals,
            ledger,
            summaries,
        ] = trees;
        let now = Utc::now();
        let (applied, head_before, head_after, queued) = (
            &inbox?,
            &cursors?,
            &quarantine?,
            &outbox?,
            &meta?,
            &retracted?,
            &refused?,
            &audits?,
            &heads?,
            &arrivals?,
            &ledger?,
            &summaries?,
        )
            .transaction(
                |(
                    inbox,
                    cursors,
                    quarantine,
                    outbox,
                    meta,
                    retracted,
                    refused,
                    audits,
                    heads,
                    arrivals,
                    ledger,
                    summaries,
                )| {
                    let mut applied = Vec::with_capacity(batch.len());
                    let mut chain = Chain::start(heads)?;
                    let head_before = next_of(meta, NEXT_ARRIVAL)? - 1;
                    let mut queued = None;
                    for (index, item) in batch.iter().enumerate() {
                        let outcome = match (item, &encoded[index], &refusals[index]) {
                            (Inbound::Statement { retracts, .. }, Some(e), _) => {
                                let outcome = store_one(inbox, quarantine, e, peer, now)?;
                                if outcome == Applied::Stored {
                                    for (origin, id) in *retracts {
                                        retracted
                                            .insert(inbox_key(origin, id), e.entry.statement_id.as_bytes())?;
                                    }
                                    if let Some(forward) = &e.forward {
                                        let next = next_of(meta, NEXT_SEQ)?;
                                        outbox.insert(&next.to_be_bytes(), forward.as_slice())?;
                                        meta.insert(NEXT_SEQ, &(next + 1).to_be_bytes())?;
                                        queued = Some(next);
                                        // Durable with the queueing: a retraction
                                        // follows to these peers even if this node
                                        // stops before recording the deliveries.
                                        for key in &e.queued {
                                            ledger.insert(key.as_slice(), QUEUED)?;
                                        }
                                    }
                                    if let Some(key) = &e.indexed {
                                        summaries.insert(key.as_slice(), &[])?;
                                    }
                                    let next = next_of(meta, NEXT_ARRIVAL)?;
                                    if e.logged {
                                        arrivals.insert(&next.to_be_bytes(), e.key.as_slice())?;
                                    }
                                    meta.insert(NEXT_ARRIVAL, &(next + 1).to_be_bytes())?;
                                }
                                outcome
                            }
                            (_, _, Some((id, value))) => {
                                refused.insert(id, value.as_slice())?;
                                Applied::Duplicate
                            }
                            _ => Applied::Duplicate,
                        };
                        if let Some(event) = audit(index, outcome) {
                            chain.append(audits, event)?;
                        }
                        applied.push(outcome);
                    }
                    chain.finish(heads)?;
                    cursors.insert(peer.as_bytes(), cursor)?;
                    let head_after = next_of(meta, NEXT_ARRIVAL)? - 1;
                    Ok((applied, head_before, head_after, queued))
                },
            )
            .map_err(abort)?;
        let logged = applied
            .iter()
            .zip(&encoded)
            .any(|(applied, e)| *applied == Applied::Stored && e.as_ref().is_some_and(|e| e.logged));
        let written = BatchWritten {
            applied,
            head_before,
            head_after,
            logged,
        };
        made(&written);
        self.durable().await?;
        if let Some(last) = queued {
            self.outbox_durable_to(last);
        }
        Ok(written)
    }

    /// Up to `limit` entries of the arrival log after `seq`: the sequence
    /// number and the stored warning's or response's `(origin, id)`.
    pub fn arrivals_after(&self, seq: u64, limit: usize) -> Result<Vec<(u64, String, String)>, StoreError> {
        let start = seq.saturating_add(1).to_be_bytes();
        let mut found = Vec::new();
        for entry in self.db.open_tree(ARRIVALS)?.range(start..).take(limit) {
            let (key, value) = entry?;
            let text = String::from_utf8_lossy(&value);
            let (origin, id) = text.split_once('\0').unwrap_or((&text, ""));
            found.push((u64_of(&key)?, origin.to_owned(), id.to_owned()));
        }
        Ok(found)
    }

    /// The last sequence number the arrival log gave (0: none), logged or
    /// not: it moves with every statement stored.
    pub fn arrivals_head(&self) -> Result<u64, StoreError> {
        match self.db.open_tree("meta")?.get(NEXT_ARRIVAL)? {
            Some(bytes) => Ok(u64_of(&bytes)?.saturating_sub(1)),
            None => Ok(0),
        }
    }

    /// Forgets arrival log entries up to `seq`, once folded. Not flushed:
    /// an entry that comes back after a crash is folded again, which the
    /// fold marks make a no-op.
    pub fn forget_arrivals(&self, seq: u64) -> Result<(), StoreError> {
        let tree = self.db.open_tree(ARRIVALS)?;
        for entry in tree.range(..=seq.to_be_bytes()) {
            let (key, _) = entry?;
            tree.remove(key)?;
        }
        Ok(())
    }
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn next_of(meta: &TransactionalTree, key: &[u8]) -> TxResult<u64> {
    match meta.get(key)? {
        Some(bytes) => u64_of(&bytes).map_err(ConflictableTransactionError::Abort),
        None => Ok(1),
    }
}

/// Stores one inbox entry unless it is known: a duplicate, or an
/// equivocation put in quarantine.
fn store_one(
    inbox: &TransactionalTree,
    quarantine: &TransactionalTree,
    e: &Encoded<'_>,
    peer: &str,
    now: DateTime<Utc>,
) -> TxResult<Applied> {
    let Some(existing) = inbox.get(&e.key)? else {
        inbox.insert(e.key.as_slice(), e.value.as_slice())?;
        return Ok(Applied::Stored);
    };
    let existing: InboxEntry =
        decode_record(INBOX, &e.key, &existing).map_err(ConflictableTransactionError::Abort)?;
    if existing.payload_sha256 == e.entry.payload_sha256 {
        return Ok(Applied::Duplicate);
    }
    let record = Equivocation {
        statement_id: e.entry.statement_id.to_owned(),
        origin: e.entry.origin.to_owned(),
        first_sha256: existing.payload_sha256,
        second_sha256: e.entry.payload_sha256.to_vec(),
        second_envelope: e.entry.envelope.to_vec(),
        received_from: peer.to_owned(),
        at: now,
    };
    let record = encode(QUARANTINE, &record).map_err(ConflictableTransactionError::Abort)?;
    let mut qkey = e.key.clone();
    qkey.extend_from_slice(&now.timestamp_nanos_opt().unwrap_or_default().to_be_bytes());
    // Two equivocations of one id in one batch must not share a key.
    while quarantine.get(&qkey)?.is_some() {
        let last = qkey.len() - 1;
        qkey[last] = qkey[last].wrapping_add(1);
    }
    quarantine.insert(qkey, record)?;
    Ok(Applied::Quarantined)
}
