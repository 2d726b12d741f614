//! What a node's store holds, read after the process is dead: at each crash
//! point (acknowledged writes on disk, nothing doubled, the audit chain
//! intact, inbox and cursor of the peer) and, once both nodes are down at
//! the end, the two stores against each other (inbox = what the origin's
//! outbox meant for it, each crash point's inbox = the outbox up to its
//! cursor).

use anyhow::{Context, Result, ensure};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tocsin_server::federation::cursor::Cursor;
use tocsin_server::model::assessment::AssessmentStatus;
use tocsin_server::store::Store;

use crate::workload::Model;

/// What a receiver held from its peer when it was killed.
#[derive(Debug)]
pub(crate) struct CrashPoint {
    pub(crate) round: usize,
    pub(crate) cursor: u64,
    pub(crate) held: BTreeSet<String>,
}

/// Figures of one crash point.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) audit_entries: u64,
    /// The last outbox seq meant for the peer (0: none).
    pub(crate) last_for_peer: u64,
    pub(crate) point: CrashPoint,
}

pub(crate) fn open(data: &Path) -> Result<Store> {
    Store::open(&data.join("store")).context("opening the killed node's store")
}

/// The `pb::AssessmentStatus` number of a stored status.
fn rank(status: AssessmentStatus) -> i32 {
    match status {
        AssessmentStatus::Draft => 1,
        AssessmentStatus::InReview => 2,
        AssessmentStatus::Published => 3,
        AssessmentStatus::Superseded => 4,
        AssessmentStatus::Withdrawn => 5,
    }
}

/// Checks the store of `org` (peer `peer`) after a SIGKILL in `round`.
pub(crate) fn crash_point(store: &Store, org: &str, peer: &str, model: &Model, round: usize) -> Result<Seen> {
    let audit = store.verify_audit()?;
    ensure!(
        audit.ok(),
        "round {round}: `{org}`'s audit chain is broken: {:?}",
        audit.problem
    );
    // Every acknowledged write is on disk.
    for (id, status) in &model.assessments {
        let found = store
            .assessment(id, Some(1))?
            .with_context(|| format!("round {round}: acknowledged assessment `{id}` of `{org}` lost"))?;
        ensure!(
            rank(found.status) >= *status,
            "round {round}: assessment `{id}` of `{org}` is {:?}, acknowledged as {status}",
            found.status
        );
    }
    for (id, status) in &model.warnings {
        let found = store
            .warning(org, id)?
            .with_context(|| format!("round {round}: acknowledged warning `{id}` of `{org}` lost"))?;
        ensure!(
            *status != "issued" || found.warning.issued.is_some(),
            "round {round}: warning `{id}` of `{org}` acknowledged as issued is not"
        );
    }
    for id in &model.acks {
        let found = store
            .warning(peer, id)?
            .with_context(|| format!("round {round}: `{org}` lost `{peer}`'s warning `{id}`"))?;
        ensure!(
            found
                .responses
                .acknowledgements
                .iter()
                .any(|a| a.organisation == org),
            "round {round}: `{org}`'s acknowledgement of `{peer}/{id}` lost"
        );
    }
    // Nothing applied twice.
    let mut versions = BTreeSet::new();
    for a in store.all_assessment_versions()? {
        ensure!(
            versions.insert((a.id.clone(), a.version)),
            "round {round}: `{org}` holds assessment `{}` v{} twice",
            a.id,
            a.version
        );
    }
    for stored in store.warnings()? {
        let w = &stored.warning;
        let mut delivered = BTreeSet::new();
        for d in &stored.responses.deliveries {
            ensure!(
                delivered.insert(d.organisation.as_str()),
                "round {round}: `{org}` shows `{}/{}` delivered to `{}` twice",
                w.sender,
                w.id,
                d.organisation
            );
        }
        let mut acked = BTreeSet::new();
        for a in &stored.responses.acknowledgements {
            ensure!(
                acked.insert(a.organisation.as_str()),
                "round {round}: `{org}` shows `{}/{}` acknowledged by `{}` twice",
                w.sender,
                w.id,
                a.organisation
            );
        }
    }
    // The outbox: each statement once.
    let outbox = store.outbox_after(0, usize::MAX)?;
    let mut ids = BTreeSet::new();
    let mut last_for_peer = 0;
    for (seq, entry) in &outbox {
        ensure!(
            ids.insert(entry.statement_id.as_str()),
            "round {round}: `{org}` queued `{}` twice",
            entry.statement_id
        );
        if entry.recipients.contains(peer) {
            last_for_peer = *seq;
        }
    }
    ensure!(
        store.refusals()?.is_empty(),
        "round {round}: refusals {:?}",
        store.refusals()?
    );
    ensure!(
        store.quarantine()?.is_empty(),
        "round {round}: quarantine {:?}",
        store.quarantine()?
    );
    let point = CrashPoint {
        round,
        cursor: cursor_seq(store, peer)?,
        held: held_from(store, peer)?,
    };
    Ok(Seen {
        audit_entries: audit.entries,
        last_for_peer,
        point,
    })
}

pub(crate) fn cursor_seq(store: &Store, peer: &str) -> Result<u64> {
    let Some(bytes) = store.cursor(peer)? else {
        return Ok(0);
    };
    Ok(Cursor::decode(&bytes)?.map_or(0, |c| c.seq))
}

fn held_from(store: &Store, peer: &str) -> Result<BTreeSet<String>> {
    Ok(store
        .inbox()?
        .into_iter()
        .filter(|e| e.received_from == peer)
        .map(|e| e.statement_id)
        .collect())
}

/// Figures of the final cross-check of one direction.
#[derive(Debug)]
pub(crate) struct Direction {
    pub(crate) statements: usize,
    pub(crate) crash_points: usize,
}

/// Checks what `origin` sent `receiver` against what it holds: the full
/// stream, every crash point of the receiver, and warnings with their
/// receipts and acknowledgements.
pub(crate) fn cross_check(
    origin: (&str, &Store),
    receiver: (&str, &Store),
    points: &[CrashPoint],
) -> Result<Direction> {
    let ((o, out), (r, inn)) = (origin, receiver);
    let sent: BTreeMap<u64, String> = out
        .outbox_after(0, usize::MAX)?
        .into_iter()
        .filter(|(_, e)| e.recipients.contains(r))
        .map(|(seq, e)| (seq, e.statement_id))
        .collect();
    let all: BTreeSet<String> = sent.values().cloned().collect();
    let inbox: BTreeMap<String, DateTime<Utc>> = inn
        .inbox()?
        .into_iter()
        .filter(|e| e.received_from == o)
        .map(|e| (e.statement_id, e.received_at))
        .collect();
    let held: BTreeSet<String> = inbox.keys().cloned().collect();
    ensure!(
        held == all,
        "`{r}` holds from `{o}` {} statements, `{o}` sent it {}: missing {:?}, extra {:?}",
        held.len(),
        all.len(),
        all.difference(&held).collect::<Vec<_>>(),
        held.difference(&all).collect::<Vec<_>>()
    );
    let last = sent.keys().next_back().copied().unwrap_or(0);
    let cursor = cursor_seq(inn, o)?;
    ensure!(
        cursor >= last,
        "`{r}`'s cursor for `{o}` is at {cursor}, before seq {last}"
    );
    for point in points {
        let expected: BTreeSet<String> = sent.range(..=point.cursor).map(|(_, id)| id.clone()).collect();
        ensure!(
            point.held == expected,
            "round {}: killed `{r}` held {} statements of `{o}` with its cursor at {}, which covers {}: \
             missing {:?}, beyond the cursor {:?}",
            point.round,
            point.held.len(),
            point.cursor,
            expected.len(),
            expected.difference(&point.held).collect::<Vec<_>>(),
            point.held.difference(&expected).collect::<Vec<_>>()
        );
    }
    warnings(o, out, r, inn)?;
    Ok(Direction {
        statements: all.len(),
        crash_points: points.len(),
    })
}

/// Every issued warning of `o` for `r` is at `r`, its receipt at `o` once;
/// every acknowledgement `r` holds of it is at `o` once.
fn warnings(o: &str, out: &Store, r: &str, inn: &Store) -> Result<()> {
    for stored in out.warnings()? {
        let w = &stored.warning;
        if w.sender != o || w.issued.is_none() || w.content.addressee(r).is_none() {
            continue;
        }
        let there = inn
            .warning(o, &w.id)?
            .with_context(|| format!("issued warning `{o}/{}` never reached `{r}`", w.id))?;
        let receipts = stored
            .responses
            .deliveries
            .iter()
            .filter(|d| d.organisation == r)
            .count();
        ensure!(
            receipts == 1,
            "`{o}/{}` shows {receipts} receipts from `{r}`",
            w.id
        );
        let acks_at_r = there
            .responses
            .acknowledgements
            .iter()
            .filter(|a| a.organisation == r)
            .count();
        let acks_at_o = stored
            .responses
            .acknowledgements
            .iter()
            .filter(|a| a.organisation == r)
            .count();
        ensure!(
            acks_at_r == acks_at_o && acks_at_r <= 1,
            "`{o}/{}`: `{r}` holds {acks_at_r} acknowledgements of its own, `{o}` {acks_at_o}",
            w.id
        );
    }
    Ok(())
}
