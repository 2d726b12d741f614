//! What other organisations told this node, as situations see it: for every
//! origin and assessment, the latest version received (its richest view),
//! unless it was retracted, with when it came and the relays it came through.
//! A retracted latest version hides the assessment: the origin withdrew it,
//! so an older version it had superseded does not stand in for it. For a
//! situation's history, every unretracted version received.

use chrono::{DateTime, Utc};
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use tocsin_proto::v1 as pb;

use crate::federation::envelope::open_bytes;
use crate::federation::state::FederationState;
use crate::model::statement::{SharedAssessment, SharedSituation, Statement, StatementBody};
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
        situation_key(&self.summary.situation)
    }
}

/// Countries (sorted) joined by `+`, then `/` and the admin-1 p-codes.
pub fn situation_key(situation: &SharedSituation) -> String {
    let join = |codes: &[String]| {
        let mut sorted: Vec<&str> = codes.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.join("+")
    };
    let mut key = join(&situation.countries);
    if !situation.admin1.is_empty() {
        key.push('/');
        key.push_str(&join(&situation.admin1));
    }
    key
}

/// The latest received, unretracted summary of each origin's assessments,
/// ordered by origin then assessment id.
pub fn received_summaries(state: &FederationState) -> Result<Vec<ReceivedSummary>, StoreError> {
    Ok(inbox_summaries(state)?.standing())
}

/// Every received, unretracted version of every summary of situation
/// `situation_id` (as `situation_key` makes it): one per origin, assessment
/// and version, the richest received, ordered by origin, then publication
/// time, assessment id and version. A retracted version is left out; the
/// versions before it stand, since each was published in its time.
pub fn received_history(
    state: &FederationState,
    situation_id: &str,
) -> Result<Vec<ReceivedSummary>, StoreError> {
    let mut versions: BTreeMap<(String, String, u32), ReceivedSummary> = BTreeMap::new();
    let mut withdrawn: BTreeSet<(String, String, u32)> = BTreeSet::new();
    let held = inbox_summaries(state)?;
    for (candidate, retracted) in held.of_situation(situation_id) {
        let key = (
            candidate.origin.clone(),
            candidate.summary.assessment_id.clone(),
            candidate.summary.version,
        );
        if *retracted {
            withdrawn.insert(key);
        } else if versions.get(&key).is_none_or(|held| richer(candidate, held)) {
            versions.insert(key, candidate.clone());
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

/// Origin, publication time, assessment id, version.
fn history_order(r: &ReceivedSummary) -> (&str, DateTime<Utc>, &str, u32) {
    (
        &r.origin,
        r.summary.published_at,
        &r.summary.assessment_id,
        r.summary.version,
    )
}

/// Every assessment summary in the inbox, in inbox order, each with whether
/// its origin retracted it.
pub(in crate::federation) fn inbox_summaries(state: &FederationState) -> Result<Summaries, StoreError> {
    let generation = state.store.arrivals_head()?;
    if let Some(held) = state.received_cache.get(generation) {
        return Ok(held);
    }
    let read = Arc::new(read_inbox_summaries(state)?);
    state.received_cache.put(generation, read.clone());
    Ok(read)
}

/// What `inbox_summaries` reads when its copy is out of date.
pub(in crate::federation) fn read_inbox_summaries(state: &FederationState) -> Result<Held, StoreError> {
    #[cfg(test)]
    state
        .received_cache
        .reads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut out = Held::default();
    state.store.for_each_inbox_entry(|entry| {
        // Stored entries were verified on arrival; verifying again keeps
        // this the only way statements are read.
        let Ok(verified) = open_bytes(&entry.envelope, &state.directory, usize::MAX) else {
            return Ok(());
        };
        hold(
            state,
            &mut out,
            verified.value(),
            relays_of(&entry),
            entry.received_at,
        )
    })?;
    Ok(out)
}

/// Adds `statement` to `held` if it is an assessment summary, marked as
/// the store marks it (its retraction may have come before it).
fn hold(
    state: &FederationState,
    held: &mut Held,
    statement: &Statement,
    relays: Vec<String>,
    received_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(received) = received_summary(state, statement, relays, received_at) else {
        return Ok(());
    };
    let retracted = state
        .store
        .retracted_by(&statement.origin, &statement.id)?
        .is_some();
    held.insert(received, retracted);
    Ok(())
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
    /// Encoded relay attestations, verified on arrival.
    pub relays: &'a [Vec<u8>],
    pub received_at: DateTime<Utc>,
    /// For a retraction: the `(origin, statement id)`s it withdrew.
    pub retracts: &'a [(String, String)],
}

/// Brings the held copy of the inbox's summaries up to date with a batch
/// write, from the statements it stored (already verified): the views then
/// need neither read the inbox nor verify anything again. When the copy
/// was not read at the head just before the write (another write came
/// between, or there is no copy), it is left for the next view to read.
pub(crate) fn note_stored<'a>(
    state: &FederationState,
    written: &BatchWritten,
    stored: impl IntoIterator<Item = Stored<'a>>,
) -> Result<(), StoreError> {
    if written.head_before == written.head_after {
        return Ok(());
    }
    state
        .received_cache
        .advance(written.head_before, written.head_after, |held| {
            for one in stored {
                hold(
                    state,
                    held,
                    one.statement,
                    relay_names(one.relays),
                    one.received_at,
                )?;
                for (origin, id) in one.retracts {
                    held.mark_retracted(origin, id);
                }
            }
            Ok(())
        })
}

/// The summaries of the inbox, and what the overview needs of them kept
/// as they come, so that a page view costs what the node's assessments
/// number, not its statements.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::federation) struct Held {
    /// Every summary by `(origin, statement id)`, each with whether it was
    /// retracted.
    pub(in crate::federation) all: BTreeMap<(String, String), (ReceivedSummary, bool)>,
    /// The richest summary of each `(origin, assessment)`, retracted or not.
    richest: BTreeMap<(String, String), ReceivedSummary>,
    /// The highest retracted version of each `(origin, assessment)`.
    withdrawn: BTreeMap<(String, String), u32>,
    /// The `(origin, statement id)`s of each situation's summaries, by
    /// situation key.
    situations: BTreeMap<String, BTreeSet<(String, String)>>,
}

impl Held {
    fn insert(&mut self, received: ReceivedSummary, retracted: bool) {
        let key = (received.origin.clone(), received.summary.assessment_id.clone());
        if retracted {
            self.withdraw(key.clone(), received.summary.version);
        }
        if self.richest.get(&key).is_none_or(|held| richer(&received, held)) {
            self.richest.insert(key, received.clone());
        }
        let id = (received.origin.clone(), received.statement_id.clone());
        self.situations
            .entry(received.situation_id())
            .or_default()
            .insert(id.clone());
        self.all.insert(id, (received, retracted));
    }

    /// The summaries of situation `situation_id`, each with whether it was
    /// retracted.
    pub(in crate::federation) fn of_situation(
        &self,
        situation_id: &str,
    ) -> impl Iterator<Item = &(ReceivedSummary, bool)> {
        self.situations
            .get(situation_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.all.get(id))
    }

    fn mark_retracted(&mut self, origin: &str, statement_id: &str) {
        let id = (origin.to_owned(), statement_id.to_owned());
        let Some((received, retracted)) = self.all.get_mut(&id) else {
            return;
        };
        *retracted = true;
        let key = (received.origin.clone(), received.summary.assessment_id.clone());
        let version = received.summary.version;
        self.withdraw(key, version);
    }

    fn withdraw(&mut self, key: (String, String), version: u32) {
        let highest = self.withdrawn.entry(key).or_default();
        *highest = (*highest).max(version);
    }

    /// The richest summary of each assessment unless a version as recent
    /// was retracted. A retracted summary may be the richest held, but then
    /// its version hides every summary it could have been preferred to, so
    /// this is what choosing among the unretracted ones alone would give.
    pub(in crate::federation) fn standing(&self) -> Vec<ReceivedSummary> {
        self.richest
            .iter()
            .filter(|(key, held)| self.withdrawn.get(*key).is_none_or(|v| held.summary.version > *v))
            .map(|(_, held)| held.clone())
            .collect()
    }
}

pub(in crate::federation) type Summaries = Arc<Held>;

/// The summaries of the inbox with the arrival log's head they are up to
/// date with: read whole from the inbox (verifying every statement again)
/// only when there is no copy at the current head; each batch write brings
/// the copy forward itself (`note_stored`). The head moves in the
/// transaction that stores a statement or a retraction, so a copy is never
/// older than the head it is filed under. It may be newer (a read raced a
/// write), and bringing it forward again is harmless: the same statement
/// stored twice is the same entry, and a retraction marked twice is marked.
#[derive(Debug, Default)]
pub struct ReceivedCache {
    held: Mutex<Option<(u64, Summaries)>>,
    /// How many times the inbox was read whole.
    #[cfg(test)]
    pub(crate) reads: std::sync::atomic::AtomicUsize,
}

impl ReceivedCache {
    fn get(&self, generation: u64) -> Option<Summaries> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    }

    /// The arrival log head the held copy is up to date with.
    #[cfg(test)]
    pub(crate) fn generation(&self) -> Option<u64> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.as_ref().map(|(g, _)| *g)
    }

    /// Keeps `summaries`, read at `generation`, unless the copy held is as
    /// recent.
    fn put(&self, generation: u64, summaries: Summaries) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.as_ref().is_none_or(|(g, _)| *g < generation) {
            *held = Some((generation, summaries));
        }
    }

    /// Applies `update` to the held copy if it is up to date with `before`,
    /// and files it under `after`; a failed update drops the copy. The
    /// copy is cloned first only if a view is reading it at that moment.
    fn advance(
        &self,
        before: u64,
        after: u64,
        update: impl FnOnce(&mut Held) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let Some((generation, summaries)) = held.as_mut().filter(|(g, _)| *g == before) else {
            return Ok(());
        };
        match update(Arc::make_mut(summaries)) {
            Ok(()) => {
                *generation = after;
                Ok(())
            }
            Err(e) => {
                *held = None;
                Err(e)
            }
        }
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
