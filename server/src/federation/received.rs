//! What other organisations told this node, as situations see it: for every
//! origin and assessment, the latest version received (its richest view),
//! unless it was retracted, with when it came and the relays it came through.
//! A retracted latest version hides the assessment: the origin withdrew it,
//! so an older version it had superseded does not stand in for it. For a
//! situation's history, every unretracted version received.

use chrono::{DateTime, Utc};
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tocsin_proto::v1 as pb;

use crate::federation::cores::in_parts;
use crate::federation::envelope::{open_bytes, open_decoded};
use crate::federation::proven::prove_envelopes;
use crate::federation::state::FederationState;
use crate::model::statement::{SharedAssessment, Statement, StatementBody};
use crate::store::{BatchWritten, InboxEntry, StoreError};

/// One organisation's latest shared summary of one of its assessments.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSummary {
    pub origin: String,
    pub statement_id: String,
    pub summary: SharedAssessment,
    pub issued_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// The organisations it passed through: the origin, each relay, this node.
    pub path: Vec<String>,
}

impl ReceivedSummary {
    /// The situation key, as `SituationSpec::key` makes it.
    pub fn situation_id(&self) -> String {
        self.summary.situation.key()
    }
}

/// The latest received, unretracted summary of each origin's assessments,
/// ordered by origin then assessment id.
pub fn received_summaries(state: &FederationState) -> Result<Vec<ReceivedSummary>, StoreError> {
    read_back(state, inbox_summaries(state)?.standing())
}

/// The summaries `(origin, statement id)` names, read from the inbox and
/// verified in batches, in that order (one gone or that does not verify is
/// left out).
fn read_back<'a>(
    state: &FederationState,
    ids: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<ReceivedSummary>, StoreError> {
    let mut entries = Vec::new();
    for (origin, id) in ids {
        entries.extend(state.store.inbox_entry(origin, id)?);
    }
    Ok(verified_summaries(state, &entries)
        .into_iter()
        .flatten()
        .collect())
}

/// Completes the index by situation if the store was written before it:
/// a whole read of the inbox does.
fn complete_index(state: &FederationState) -> Result<(), StoreError> {
    if !state.store.summary_index_complete()? {
        read_and_keep(state)?;
    }
    Ok(())
}

/// [`received_summaries`] of situation `situation_id` alone: the standing
/// summaries among those the index lists under it, so that a situation's
/// page reads and verifies its own.
pub fn received_in_situation(
    state: &FederationState,
    situation_id: &str,
) -> Result<Vec<ReceivedSummary>, StoreError> {
    let held = inbox_summaries(state)?;
    complete_index(state)?;
    let standing: BTreeSet<(&str, &str)> = held.standing().into_iter().collect();
    let listed = state.store.summaries_of(situation_id)?;
    let ids = listed
        .iter()
        .map(|(origin, id)| (origin.as_str(), id.as_str()))
        .filter(|pair| standing.contains(pair));
    let mut found = read_back(state, ids)?;
    found.sort_by(|a, b| (&a.origin, &a.summary.assessment_id).cmp(&(&b.origin, &b.summary.assessment_id)));
    Ok(found)
}

/// Every received, unretracted version of every summary of situation
/// `situation_id` (as `SharedSituation::key` makes it): one per origin, assessment
/// and version, the richest received, ordered by origin, then publication
/// time, assessment id and version. A retracted version is left out; the
/// versions before it stand, since each was published in its time.
pub fn received_history(
    state: &FederationState,
    situation_id: &str,
) -> Result<Vec<ReceivedSummary>, StoreError> {
    let mut versions: BTreeMap<(String, String, u32), ReceivedSummary> = BTreeMap::new();
    let mut withdrawn: BTreeSet<(String, String, u32)> = BTreeSet::new();
    for (candidate, retracted) in summaries_of_situation(state, situation_id)? {
        let key = (
            candidate.origin.clone(),
            candidate.summary.assessment_id.clone(),
            candidate.summary.version,
        );
        if retracted {
            withdrawn.insert(key);
        } else if versions.get(&key).is_none_or(|held| richer(&candidate, held)) {
            versions.insert(key, candidate);
        }
    }
    let mut history: Vec<ReceivedSummary> = versions
        .into_iter()
        .filter(|(key, _)| !withdrawn.contains(key))
        .map(|(_, summary)| summary)
        .collect();
    history.sort_by(|a, b| history_order(a).cmp(&history_order(b)));
    Ok(history)
}

/// Every summary of situation `situation_id` in the inbox, read through
/// the index by situation (completed first if need be), verified again
/// (in batches) and each with whether its origin retracted it.
pub(in crate::federation) fn summaries_of_situation(
    state: &FederationState,
    situation_id: &str,
) -> Result<Vec<(ReceivedSummary, bool)>, StoreError> {
    complete_index(state)?;
    let listed = state.store.summaries_of(situation_id)?;
    let ids = listed.iter().map(|(origin, id)| (origin.as_str(), id.as_str()));
    let mut found = Vec::with_capacity(listed.len());
    for summary in read_back(state, ids)? {
        let retracted = state
            .store
            .retracted_by(&summary.origin, &summary.statement_id)?
            .is_some();
        found.push((summary, retracted));
    }
    Ok(found)
}

/// A stored statement as the views see it, if it is an assessment summary
/// that verifies. Stored entries were verified on arrival; verifying again
/// keeps this the only way statements are read.
fn stored_summary(state: &FederationState, entry: &InboxEntry) -> Option<ReceivedSummary> {
    let verified = open_bytes(&entry.envelope, &state.directory, usize::MAX).ok()?;
    received_summary(state, verified.value(), relays_of(entry), entry.received_at)
}

/// Origin, publication time, assessment id, version.
fn history_order(r: &ReceivedSummary) -> (&str, DateTime<Utc>, &str, u32) {
    (
        &r.origin,
        r.summary.published_at,
        &r.summary.assessment_id,
        r.summary.version,
    )
}

/// What the views keep of the inbox's summaries: the richest of each
/// assessment and its highest retracted version.
pub(in crate::federation) fn inbox_summaries(state: &FederationState) -> Result<Summaries, StoreError> {
    match state.received_cache.held() {
        Some(held) => Ok(held),
        None => read_and_keep(state),
    }
}

/// Reads the inbox whole and keeps what the views need, taking in the
/// writes made while it read; unless a read that finished while this one
/// waited its turn left a copy and the index complete.
fn read_and_keep(state: &FederationState) -> Result<Summaries, StoreError> {
    let cache = &state.received_cache;
    let _one_at_a_time = cache.reading.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(held) = cache.held()
        && state.store.summary_index_complete()?
    {
        return Ok(held);
    }
    cache.start_read();
    match read_inbox_summaries(state) {
        Ok(read) => Ok(cache.finish_read(read)),
        Err(e) => {
            cache.abandon_read();
            Err(e)
        }
    }
}

/// Reads the views' copy now if there is none: at start, so that the
/// first page view does not wait for it.
pub fn warm(state: &FederationState) -> Result<(), StoreError> {
    inbox_summaries(state).map(drop)
}

/// What `inbox_summaries` reads when its copy is out of date: the whole
/// inbox, verifying every statement. A store whose index by situation is
/// not complete (summaries stored before it existed) has it completed from
/// the summaries read.
pub(in crate::federation) fn read_inbox_summaries(state: &FederationState) -> Result<Held, StoreError> {
    #[cfg(test)]
    state
        .received_cache
        .reads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let complete = state.store.summary_index_complete()?;
    let mut indexed = Vec::new();
    let mut out = Held::default();
    let mut take_in = |entries: &[InboxEntry]| -> Result<(), StoreError> {
        for summary in verified_summaries(state, entries).into_iter().flatten() {
            if !complete {
                indexed.push((
                    summary.situation_id(),
                    summary.origin.clone(),
                    summary.statement_id.clone(),
                ));
            }
            out.apply(held_summary(
                state,
                &summary.origin,
                &summary.summary,
                summary.issued_at,
                &summary.statement_id,
            )?);
        }
        Ok(())
    };
    let mut chunk = Vec::with_capacity(READ_CHUNK);
    state.store.for_each_inbox_entry(|entry| {
        chunk.push(entry);
        if chunk.len() == READ_CHUNK {
            take_in(&chunk)?;
            chunk.clear();
        }
        Ok(())
    })?;
    take_in(&chunk)?;
    if !complete {
        state.store.complete_summary_index(&indexed)?;
    }
    Ok(out)
}

/// How many inbox entries the whole read verifies at once.
const READ_CHUNK: usize = 4096;

/// The assessment summaries among `entries`, in order (`None` for any other
/// statement, or one that does not verify): their signatures checked in
/// batches, on all cores.
fn verified_summaries(state: &FederationState, entries: &[InboxEntry]) -> Vec<Option<ReceivedSummary>> {
    in_parts(entries, SPREAD_FROM, |part| {
        let envelopes: Vec<Option<pb::Envelope>> = part
            .iter()
            .map(|entry| pb::Envelope::decode(entry.envelope.as_slice()).ok())
            .collect();
        let proven = prove_envelopes(envelopes.iter().flatten(), &state.directory, usize::MAX);
        part.iter()
            .zip(&envelopes)
            .map(|(entry, envelope)| {
                let verified = open_decoded(envelope.as_ref()?, &entry.envelope, &state.directory, &proven);
                received_summary(state, verified.ok()?.value(), relays_of(entry), entry.received_at)
            })
            .collect()
    })
}

/// Inbox reads at least this long are verified on all cores at once.
const SPREAD_FROM: usize = 64;

/// The change that summary `statement_id` of `origin` makes to the copy,
/// marked retracted as the store marks it (its retraction may have come
/// before it).
fn held_summary(
    state: &FederationState,
    origin: &str,
    summary: &SharedAssessment,
    issued_at: DateTime<Utc>,
    statement_id: &str,
) -> Result<Change, StoreError> {
    let retracted = state.store.retracted_by(origin, statement_id)?.is_some();
    Ok(Change::Hold {
        key: assessment_key(origin, &summary.assessment_id),
        rank: Rank {
            version: summary.version,
            disclosed: u32::try_from(summary.disclosed.len()).unwrap_or(u32::MAX),
            issued_at,
            statement_id: statement_id.into(),
        },
        retracted,
    })
}

/// `statement` as the views hold it, if it is an assessment summary.
fn received_summary(
    state: &FederationState,
    statement: &Statement,
    relays: Vec<String>,
    received_at: DateTime<Utc>,
) -> Option<ReceivedSummary> {
    let StatementBody::AssessmentSummary(summary) = &statement.body else {
        return None;
    };
    let mut path = vec![statement.origin.clone()];
    path.extend(relays);
    path.push(state.org.clone());
    Some(ReceivedSummary {
        origin: statement.origin.clone(),
        statement_id: statement.id.clone(),
        issued_at: statement.issued_at,
        received_at,
        summary: summary.clone(),
        path,
    })
}

/// A statement a batch write just stored, as it was verified on arrival.
pub(crate) struct Stored<'a> {
    pub statement: &'a Statement,
    /// For a retraction: the `(origin, statement id)`s it withdrew.
    pub retracts: &'a [(String, String)],
}

/// Brings the held copy of the inbox's summaries up to date with a batch
/// write, from the statements it stored (already verified, the write
/// made): the views then need neither read the inbox nor verify anything
/// again. With no copy and no read under way there is nothing to keep up.
/// If the changes cannot be worked out, the copy is dropped, and the next
/// view reads the inbox.
pub(crate) fn note_stored<'a>(
    state: &FederationState,
    written: &BatchWritten,
    stored: impl IntoIterator<Item = Stored<'a>>,
) -> Result<(), StoreError> {
    let cache = &state.received_cache;
    if written.head_before == written.head_after || !cache.kept() {
        return Ok(());
    }
    match changes_of(state, stored) {
        Ok(changes) => {
            cache.take_in(changes);
            Ok(())
        }
        Err(e) => {
            cache.drop_copy();
            Err(e)
        }
    }
}

/// The changes `stored` make to the copy.
fn changes_of<'a>(
    state: &FederationState,
    stored: impl IntoIterator<Item = Stored<'a>>,
) -> Result<Vec<Change>, StoreError> {
    let mut changes = Vec::new();
    for one in stored {
        let statement = one.statement;
        if let StatementBody::AssessmentSummary(summary) = &statement.body {
            changes.push(held_summary(
                state,
                &statement.origin,
                summary,
                statement.issued_at,
                &statement.id,
            )?);
        }
        for (origin, id) in one.retracts {
            changes.extend(withdrawal(state, origin, id)?);
        }
    }
    Ok(changes)
}

/// A retraction of `statement_id` of `origin` was stored: if that summary
/// is in the inbox, its version is withdrawn (if not, it is marked
/// retracted when it comes).
fn withdrawal(
    state: &FederationState,
    origin: &str,
    statement_id: &str,
) -> Result<Option<Change>, StoreError> {
    let Some(entry) = state.store.inbox_entry(origin, statement_id)? else {
        return Ok(None);
    };
    Ok(stored_summary(state, &entry).map(|received| Change::Withdraw {
        key: assessment_key(&received.origin, &received.summary.assessment_id),
        version: received.summary.version,
    }))
}

/// One change a stored statement makes to the copy. Applying changes in
/// any order, or twice, gives the same copy: concurrent writes may take
/// theirs in out of order, and a whole read may see a write whose change
/// it is also given.
#[derive(Debug, Clone)]
enum Change {
    /// A summary stored, and whether it is retracted.
    Hold {
        key: AssessmentKey,
        rank: Rank,
        retracted: bool,
    },
    /// A version of an assessment withdrawn.
    Withdraw { key: AssessmentKey, version: u32 },
}

/// An assessment as the copy names it: its origin, `\0`, its id (ordered
/// as the pair would be: an organisation id has no `\0`).
type AssessmentKey = Box<str>;

fn assessment_key(origin: &str, assessment_id: &str) -> AssessmentKey {
    let mut key = String::with_capacity(origin.len() + 1 + assessment_id.len());
    key.push_str(origin);
    key.push('\0');
    key.push_str(assessment_id);
    key.into_boxed_str()
}

/// What the overview needs of the inbox's summaries, kept as they come:
/// per assessment, not per statement, and only which summary stands and
/// how it ranks, not the summary itself (a view reads and verifies the
/// standing ones from the inbox), so that the memory held costs some
/// 150 bytes an assessment. A situation's history reads its summaries
/// through the store's index by situation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::federation) struct Held {
    /// The richest summary of each assessment, retracted or not.
    richest: BTreeMap<AssessmentKey, Rank>,
    /// The highest retracted version of each assessment that has one.
    withdrawn: BTreeMap<AssessmentKey, u32>,
}

/// How a summary ranks among those of its assessment (as `richer` ranks
/// them): a later version, else more disclosed, else issued later, else
/// the greater statement id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    version: u32,
    disclosed: u32,
    issued_at: DateTime<Utc>,
    statement_id: Box<str>,
}

impl Held {
    fn apply(&mut self, change: Change) {
        match change {
            Change::Hold { key, rank, retracted } => {
                if retracted {
                    self.withdraw(key.clone(), rank.version);
                }
                if self.richest.get(&key).is_none_or(|held| rank > *held) {
                    self.richest.insert(key, rank);
                }
            }
            Change::Withdraw { key, version } => self.withdraw(key, version),
        }
    }

    fn withdraw(&mut self, key: AssessmentKey, version: u32) {
        let highest = self.withdrawn.entry(key).or_default();
        *highest = (*highest).max(version);
    }

    /// The richest summary of each assessment unless a version as recent
    /// was retracted. A retracted summary may be the richest held, but then
    /// its version hides every summary it could have been preferred to, so
    /// this is what choosing among the unretracted ones alone would give.
    /// Each as `(origin, statement id)`, ordered by origin then assessment.
    pub(in crate::federation) fn standing(&self) -> Vec<(&str, &str)> {
        self.richest
            .iter()
            .filter(|(key, held)| self.withdrawn.get(*key).is_none_or(|v| held.version > *v))
            .map(|(key, held)| {
                let origin = key.split_once('\0').map_or(&**key, |(origin, _)| origin);
                (origin, &*held.statement_id)
            })
            .collect()
    }
}

pub(in crate::federation) type Summaries = Arc<Held>;

/// The views' copy of the inbox's summaries: read whole from the inbox
/// (verifying every statement again) only when there is none; each batch
/// write brings it forward itself (`note_stored`). A write made while a
/// whole read runs hands its changes to the read too, which takes them in
/// before it keeps its copy, so that no write is missed whichever of the
/// two sees it first.
#[derive(Debug, Default)]
pub struct ReceivedCache {
    copy: Mutex<Copy>,
    /// Held by a whole read, so that two do not run at once (a view that
    /// comes while the node reads its copy at start waits for that copy).
    reading: Mutex<()>,
    /// How many times the inbox was read whole.
    #[cfg(test)]
    pub(crate) reads: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct Copy {
    held: Option<Summaries>,
    /// While a whole read runs: the changes of the writes made meanwhile,
    /// or `None` if one of them could not be worked out.
    during_read: Option<Option<Vec<Change>>>,
}

impl ReceivedCache {
    fn lock(&self) -> MutexGuard<'_, Copy> {
        self.copy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn held(&self) -> Option<Summaries> {
        self.lock().held.clone()
    }

    /// Whether there is a copy, or one being read, to keep up to date.
    fn kept(&self) -> bool {
        let copy = self.lock();
        copy.held.is_some() || copy.during_read.is_some()
    }

    /// Whether a copy is held.
    #[cfg(test)]
    pub(crate) fn is_held(&self) -> bool {
        self.lock().held.is_some()
    }

    /// Takes in the changes of one write: into the copy, and into the read
    /// under way. The copy is cloned first only if a view is reading it at
    /// that moment.
    fn take_in(&self, changes: Vec<Change>) {
        let mut copy = self.lock();
        if let Some(Some(pending)) = &mut copy.during_read {
            pending.extend(changes.iter().cloned());
        }
        if let Some(held) = &mut copy.held {
            let held = Arc::make_mut(held);
            for change in changes {
                held.apply(change);
            }
        }
    }

    /// A write whose changes could not be worked out: the copy is dropped,
    /// and a read under way will not be kept.
    fn drop_copy(&self) {
        let mut copy = self.lock();
        copy.held = None;
        if let Some(pending) = &mut copy.during_read {
            *pending = None;
        }
    }

    pub(in crate::federation) fn start_read(&self) {
        self.lock().during_read = Some(Some(Vec::new()));
    }

    /// Takes the changes made during the read into `read` and keeps it,
    /// unless one of them was lost; returns it either way.
    pub(in crate::federation) fn finish_read(&self, mut read: Held) -> Summaries {
        let mut copy = self.lock();
        let pending = copy.during_read.take().flatten();
        let kept = pending.is_some();
        for change in pending.into_iter().flatten() {
            read.apply(change);
        }
        let read = Arc::new(read);
        if kept {
            copy.held = Some(read.clone());
        }
        read
    }

    fn abandon_read(&self) {
        self.lock().during_read = None;
    }
}

/// Whether `candidate` should replace `held`, a summary of the same
/// assessment: a later version, else more disclosed, else issued later,
/// else (a tie) the greater statement id, so that the choice does not
/// depend on the order summaries are looked at in.
fn richer(candidate: &ReceivedSummary, held: &ReceivedSummary) -> bool {
    (
        candidate.summary.version,
        candidate.summary.disclosed.len(),
        candidate.issued_at,
        &candidate.statement_id,
    ) > (
        held.summary.version,
        held.summary.disclosed.len(),
        held.issued_at,
        &held.statement_id,
    )
}

/// The organisations that relayed a received statement, in order (empty
/// when it came straight from its origin). The attestations were verified
/// when it arrived.
pub fn relays_of(entry: &InboxEntry) -> Vec<String> {
    relay_names(&entry.relays)
}

/// The relays named by encoded, verified relay attestations, in order.
fn relay_names(relays: &[Vec<u8>]) -> Vec<String> {
    relays
        .iter()
        .filter_map(|relay| {
            let attestation = pb::RelayAttestation::decode(relay.as_slice()).ok()?;
            pb::RelayClaim::decode(attestation.claim.as_slice())
                .ok()
                .map(|claim| claim.relay)
        })
        .collect()
}

#[cfg(test)]
#[path = "received_tests.rs"]
mod tests;
