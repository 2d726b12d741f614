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
use crate::model::statement::{SharedAssessment, SharedSituation, StatementBody};
use crate::store::{InboxEntry, StoreError};

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
    let mut latest: BTreeMap<(String, String), ReceivedSummary> = BTreeMap::new();
    // The highest version of each (origin, assessment) that was retracted.
    let mut withdrawn: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (candidate, retracted) in inbox_summaries(state)?.iter() {
        let key = (candidate.origin.clone(), candidate.summary.assessment_id.clone());
        if *retracted {
            let highest = withdrawn.entry(key).or_default();
            *highest = (*highest).max(candidate.summary.version);
        } else if latest.get(&key).is_none_or(|held| richer(candidate, held)) {
            latest.insert(key, candidate.clone());
        }
    }
    latest.retain(|key, held| withdrawn.get(key).is_none_or(|v| held.summary.version > *v));
    Ok(latest.into_values().collect())
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
    for (candidate, retracted) in inbox_summaries(state)?.iter() {
        if candidate.situation_id() != situation_id {
            continue;
        }
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
fn inbox_summaries(state: &FederationState) -> Result<Summaries, StoreError> {
    let generation = state.store.arrivals_head()?;
    if let Some(held) = state.received_cache.get(generation) {
        return Ok(held);
    }
    let read = Arc::new(read_inbox_summaries(state)?);
    state.received_cache.put(generation, read.clone());
    Ok(read)
}

/// What `inbox_summaries` reads when its copy is out of date.
fn read_inbox_summaries(state: &FederationState) -> Result<Vec<(ReceivedSummary, bool)>, StoreError> {
    let mut out = Vec::new();
    state.store.for_each_inbox_entry(|entry| {
        // Stored entries were verified on arrival; verifying again keeps
        // this the only way statements are read.
        let Ok(verified) = open_bytes(&entry.envelope, &state.directory, usize::MAX) else {
            return Ok(());
        };
        let statement = verified.into_value();
        let StatementBody::AssessmentSummary(summary) = statement.body else {
            return Ok(());
        };
        let retracted = state
            .store
            .retracted_by(&entry.origin, &entry.statement_id)?
            .is_some();
        let mut path = vec![statement.origin.clone()];
        path.extend(relays_of(&entry));
        path.push(state.org.clone());
        let received = ReceivedSummary {
            origin: statement.origin,
            statement_id: statement.id,
            issued_at: statement.issued_at,
            received_at: entry.received_at,
            summary,
            path,
        };
        out.push((received, retracted));
        Ok(())
    })?;
    Ok(out)
}

/// The summaries of the inbox as last read, with the arrival log's head
/// they were read at: a page view reads the inbox (and verifies every
/// statement again) only when a statement arrived since. The head moves in
/// the transaction that stores a statement or a retraction, so a copy is
/// never older than the head it is filed under.
/// Every summary in the inbox, each with whether it was retracted.
type Summaries = Arc<Vec<(ReceivedSummary, bool)>>;

#[derive(Debug, Default)]
pub struct ReceivedCache {
    held: Mutex<Option<(u64, Summaries)>>,
}

impl ReceivedCache {
    fn get(&self, generation: u64) -> Option<Summaries> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    }

    /// The arrival log head the held copy was read at.
    #[cfg(test)]
    pub(crate) fn generation(&self) -> Option<u64> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.as_ref().map(|(g, _)| *g)
    }

    fn put(&self, generation: u64, summaries: Summaries) {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = Some((generation, summaries));
    }
}

/// Whether `candidate` should replace `held`, a summary of the same
/// assessment: a later version, else more disclosed, else issued later.
fn richer(candidate: &ReceivedSummary, held: &ReceivedSummary) -> bool {
    (
        candidate.summary.version,
        candidate.summary.disclosed.len(),
        candidate.issued_at,
    ) > (held.summary.version, held.summary.disclosed.len(), held.issued_at)
}

/// The organisations that relayed a received statement, in order (empty
/// when it came straight from its origin). The attestations were verified
/// when it arrived.
pub fn relays_of(entry: &InboxEntry) -> Vec<String> {
    entry
        .relays
        .iter()
        .filter_map(|relay| {
            let attestation = pb::RelayAttestation::decode(relay.as_slice()).ok()?;
            pb::RelayClaim::decode(attestation.claim.as_slice())
                .ok()
                .map(|claim| claim.relay)
        })
        .collect()
}
