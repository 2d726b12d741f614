//! Group commit of inbound deliveries: one transaction and one flush per
//! batch, duplicates and equivocations inside a batch, the cursor of the
//! last delivery, refusals, the audit chain and the arrival log.

use chrono::Utc;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::sync::atomic::Ordering;

use crate::model::audit::{AuditEvent, AuditFilter, AuditKind};
use crate::model::statement::Statement;
use crate::model::verified::Verified;
use crate::store::federation_tests::{incoming, incoming_receipt};
use crate::store::{Applied, Arrival, Forward, Inbound, OutboxEntry, Refusal, Store};

/// Relaying to the AU.
static TO_AU: LazyLock<Forward> = LazyLock::new(|| Forward {
    recipients: BTreeSet::from(["au".to_owned()]),
    added_at: Utc::now(),
    epoch: 1,
});

/// Withdrawing `old` of `xaa`.
static RETRACTS: LazyLock<[(String, String); 1]> = LazyLock::new(|| [("xaa".into(), "old".into())]);

fn statement(verified: &Verified<Statement>, forward: bool) -> Inbound<'_> {
    Inbound::Statement {
        arrival: Arrival {
            verified,
            relays: &[],
            from: "xaa",
            at: Utc::now(),
        },
        forward: forward.then_some(&*TO_AU),
        retracts: &*RETRACTS,
    }
}

/// `id` from `xaa`, queued for the AU.
fn outgoing(id: &str) -> OutboxEntry {
    OutboxEntry {
        statement_id: id.into(),
        origin: "xaa".into(),
        envelope: vec![1],
        relays: vec![],
        recipients: BTreeSet::from(["au".to_owned()]),
        added_at: Utc::now(),
        epoch: 1,
        retraction: false,
    }
}

fn audit_of(_: usize, applied: Applied) -> Option<AuditEvent> {
    let detail = format!("{applied:?}");
    Some(AuditEvent::peer(AuditKind::StatementReceived, "xaa").detail(detail))
}

#[tokio::test]
async fn a_batch_is_one_flush_with_duplicates_equivocations_and_the_last_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (s1, s1_twin, s2) = (incoming("s1", 1), incoming("s1", 2), incoming_receipt("s2", 3));
    let batch = [
        statement(&s1, true),
        statement(&s1, true),
        statement(&s1_twin, true),
        statement(&s2, false),
        statement(&s1_twin, false),
    ];
    let before = store.flushes.load(Ordering::SeqCst);
    let applied = store
        .apply_inbound_batch("xaa", b"c5", &batch, &audit_of)
        .await
        .unwrap();
    assert_eq!(store.flushes.load(Ordering::SeqCst) - before, 1);
    use Applied::{Duplicate, Quarantined, Stored};
    assert_eq!(applied, [Stored, Duplicate, Quarantined, Stored, Quarantined]);
    assert_eq!(store.cursor("xaa").unwrap().as_deref(), Some(&b"c5"[..]));
    assert_eq!(store.inbox().unwrap().len(), 2);
    assert_eq!(store.quarantine().unwrap().len(), 2);
    // Only the stored s1 was relayed; s2 had nothing to forward.
    let outbox = store.outbox_after(0, 10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].1.statement_id, "s1");
    // ... and the ledger holds the peer it is queued for, in the same write,
    // so a retraction follows it there even if the relay stops first.
    assert_eq!(store.queued_for("s1").unwrap(), BTreeSet::from(["au".to_owned()]));
    assert!(store.queued_for("s2").unwrap().is_empty());
    assert_eq!(store.retracted_by("xaa", "old").unwrap().as_deref(), Some("s2"));
    // Both stored statements moved the arrival log; only the response (s2)
    // is listed in it, for the warnings fold to follow.
    let arrivals = store.arrivals_after(0, 10).unwrap();
    assert_eq!(arrivals, [(2, "xaa".into(), "s2".into())]);
    assert_eq!(store.arrivals_head().unwrap(), 2);
    let entries = store.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(entries.len(), 5);
    assert!(store.verify_audit().unwrap().problem.is_none());

    // Already stored: a later batch finds duplicates and moves the cursor.
    let again = store
        .apply_inbound_batch("xaa", b"c6", &[statement(&s2, true)], &|_, _| None)
        .await
        .unwrap();
    assert_eq!(again, [Duplicate]);
    assert_eq!(store.cursor("xaa").unwrap().as_deref(), Some(&b"c6"[..]));
    assert_eq!(store.outbox_after(0, 10).unwrap().len(), 1);
    store.forget_arrivals(1).unwrap();
    assert_eq!(store.arrivals_after(0, 10).unwrap().len(), 1);
    store.forget_arrivals(2).unwrap();
    assert!(store.arrivals_after(0, 10).unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_delivery_is_recorded_and_passed_in_the_same_write() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let s1 = incoming("s1", 1);
        let refusal = Refusal {
            peer: "xaa".into(),
            reason: "bad signature".into(),
            at: Utc::now(),
        };
        let batch = [Inbound::Refused(refusal), statement(&s1, false)];
        let applied = store
            .apply_inbound_batch("xaa", b"c2", &batch, &|i, _| {
                (i == 0).then(|| audit_of(i, Applied::Duplicate)).flatten()
            })
            .await
            .unwrap();
        assert_eq!(applied, [Applied::Duplicate, Applied::Stored]);
        assert_eq!(store.audit_entries(&AuditFilter::default()).unwrap().len(), 1);
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.refusals().unwrap()[0].reason, "bad signature");
    assert_eq!(store.cursor("xaa").unwrap().as_deref(), Some(&b"c2"[..]));
    assert_eq!(store.inbox().unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_batch_only_moves_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let applied = store.apply_inbound("ecowas", b"c9", None, None).await.unwrap();
    assert_eq!(applied, Applied::Duplicate);
    assert_eq!(store.cursor("ecowas").unwrap().as_deref(), Some(&b"c9"[..]));
    assert_eq!(store.arrivals_head().unwrap(), 0);
}

#[tokio::test]
async fn batches_of_a_hundred_take_one_flush_each() {
    const N: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let statements: Vec<_> = (0..2 * N).map(|i| incoming(&format!("s{i}"), 1)).collect();
    let started = std::time::Instant::now();
    for verified in &statements[..N] {
        let one = [statement(verified, true)];
        store
            .apply_inbound_batch("xaa", b"c", &one, &audit_of)
            .await
            .unwrap();
    }
    let single = started.elapsed();
    let started = std::time::Instant::now();
    let before = store.flushes.load(Ordering::SeqCst);
    for chunk in statements[N..].chunks(100) {
        let batch: Vec<_> = chunk.iter().map(|v| statement(v, true)).collect();
        store
            .apply_inbound_batch("xaa", b"c", &batch, &audit_of)
            .await
            .unwrap();
    }
    let grouped = started.elapsed();
    println!("{N} statements: one write each {single:?}, in batches of 100 {grouped:?}");
    assert_eq!(store.flushes.load(Ordering::SeqCst) - before, 3);
    assert_eq!(store.inbox().unwrap().len(), 2 * N);
    assert_eq!(store.outbox_head().unwrap(), 2 * N as u64);
}

#[tokio::test]
async fn an_outbox_entry_counts_as_on_disk_only_once_its_write_is_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut during = None;
    let made = || during = Some((store.outbox_head().unwrap(), store.durable_outbox_head()));
    store
        .append_outbox(&[outgoing("o1"), outgoing("o2")], &[], made)
        .await
        .unwrap();
    assert_eq!(during, Some((2, 0)), "made, not yet on disk");
    assert_eq!(store.durable_outbox_head(), 2);

    // A relayed statement, queued as it is stored.
    let s1 = incoming("s1", 1);
    let seen = std::sync::Mutex::new(None);
    let made = |_: &crate::store::BatchWritten| {
        *seen.lock().unwrap() = Some((store.outbox_head().unwrap(), store.durable_outbox_head()));
    };
    store
        .apply_inbound_batch_then("xaa", b"c1", &[statement(&s1, true)], &audit_of, &made)
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), Some((3, 2)));
    assert_eq!(store.durable_outbox_head(), 3);

    // Reopened, whatever is there survived.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.durable_outbox_head(), 3);
}
