//! The federation trees: outbox order, atomic inbound application,
//! duplicates, equivocation, cursors surviving reopen.

use chrono::Utc;
use std::collections::BTreeSet;

use crate::model::marking::Tlp;
use crate::model::shared_warning::{ResponseKind, WarningResponse};
use crate::model::statement::{Audience, Retraction, Statement, StatementBody};
use crate::model::verified::Verified;
use crate::store::{Applied, Arrival, Forward, OutboxEntry, Refusal, Store};

/// Relaying to ECOWAS.
fn to_ecowas() -> Forward {
    Forward {
        recipients: BTreeSet::from(["ecowas".to_owned()]),
        added_at: Utc::now(),
        epoch: 1,
    }
}

fn outgoing(id: &str) -> OutboxEntry {
    OutboxEntry {
        statement_id: id.into(),
        origin: "xaa".into(),
        envelope: vec![1, 2, 3],
        relays: vec![],
        recipients: BTreeSet::from(["ecowas".to_owned()]),
        added_at: Utc::now(),
        epoch: 1,
        retraction: false,
    }
}

/// A received statement from `xaa`; `hash` tells payloads apart.
pub(super) fn incoming(id: &str, hash: u8) -> Verified<Statement> {
    incoming_with(
        id,
        hash,
        StatementBody::Retraction(Retraction {
            statement_ids: vec![],
            reason: String::new(),
        }),
    )
}

/// A receipt for warning `w1` from `xaa` (the arrival log lists responses).
pub(super) fn incoming_receipt(id: &str, hash: u8) -> Verified<Statement> {
    let receipt = WarningResponse {
        warning_sender: "ecowas".into(),
        warning_id: "w1".into(),
        at: Utc::now(),
        by_role: None,
        kind: ResponseKind::Receipt,
    };
    incoming_with(id, hash, StatementBody::Response(receipt))
}

pub(super) fn incoming_with(id: &str, hash: u8, body: StatementBody) -> Verified<Statement> {
    let statement = Statement {
        id: id.into(),
        origin: "xaa".into(),
        issued_at: Utc::now(),
        audience: Audience {
            recipients: BTreeSet::from(["ecowas".to_owned()]),
            hop_limit: 2,
        },
        tlp: Tlp::Green,
        body,
    };
    Verified::new(
        statement,
        vec![hash, 9, 9],
        [hash; 32],
        "xaa-1".into(),
        "xaa".into(),
    )
}

pub(super) fn arrival<'a>(verified: &'a Verified<Statement>, from: &'a str) -> Arrival<'a> {
    Arrival {
        verified,
        relays: Box::leak(vec![vec![7]].into_boxed_slice()),
        from,
        at: Utc::now(),
    }
}

#[tokio::test]
async fn outbox_numbers_entries_in_order_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.outbox_head().unwrap(), 0);
        let seqs = store
            .append_outbox(&[outgoing("s1"), outgoing("s2")], &["a/1/e0".into()], || {})
            .await
            .unwrap();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(
            store.append_outbox(&[outgoing("s3")], &[], || {}).await.unwrap(),
            [3]
        );
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.outbox_head().unwrap(), 3);
    assert!(store.is_projected("a/1/e0").unwrap());
    assert!(!store.is_projected("a/2/e0").unwrap());
    let after: Vec<_> = store
        .outbox_after(1, 10)
        .unwrap()
        .into_iter()
        .map(|(s, e)| (s, e.statement_id))
        .collect();
    assert_eq!(after, [(2, "s2".to_owned()), (3, "s3".to_owned())]);
    assert_eq!(store.outbox_after(0, 1).unwrap().len(), 1);
}

#[tokio::test]
async fn inbound_statements_and_cursor_are_applied_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let s1 = incoming("s1", 1);
    let forward = to_ecowas();
    let applied = store
        .apply_inbound("ecowas", b"c1", Some(&arrival(&s1, "ecowas")), Some(&forward))
        .await
        .unwrap();
    assert_eq!(applied, Applied::Stored);
    assert_eq!(store.cursor("ecowas").unwrap().as_deref(), Some(&b"c1"[..]));
    assert_eq!(
        store.outbox_head().unwrap(),
        1,
        "the forwardable statement joined the outbox"
    );
    let queued = store.outbox_after(0, 10).unwrap();
    let expected = OutboxEntry {
        statement_id: "s1".into(),
        origin: "xaa".into(),
        envelope: s1.envelope_bytes().to_vec(),
        relays: vec![vec![7]],
        recipients: forward.recipients.clone(),
        added_at: forward.added_at,
        epoch: 1,
        retraction: true,
    };
    assert_eq!(
        queued,
        [(1, expected)],
        "the outbox entry is the arrival as it came, relayed as decided"
    );

    // The same bytes again: a duplicate, dropped, but the cursor moves on.
    let applied = store
        .apply_inbound(
            "au",
            b"c2",
            Some(&arrival(&incoming("s1", 1), "au")),
            Some(&to_ecowas()),
        )
        .await
        .unwrap();
    assert_eq!(applied, Applied::Duplicate);
    assert_eq!(
        store.outbox_head().unwrap(),
        1,
        "a duplicate is not forwarded twice"
    );
    assert_eq!(store.cursor("au").unwrap().as_deref(), Some(&b"c2"[..]));

    // Same id, other bytes: equivocation, quarantined, the first kept.
    let applied = store
        .apply_inbound(
            "ecowas",
            b"c3",
            Some(&arrival(&incoming("s1", 2), "ecowas")),
            None,
        )
        .await
        .unwrap();
    assert_eq!(applied, Applied::Quarantined);
    assert_eq!(
        store.inbox_entry("xaa", "s1").unwrap().unwrap().payload_sha256,
        vec![1; 32]
    );
    let quarantined = store.quarantine().unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(
        (quarantined[0].first_sha256[0], quarantined[0].second_sha256[0]),
        (1, 2)
    );

    // A refused delivery only moves the cursor.
    assert_eq!(
        store.apply_inbound("ecowas", b"c4", None, None).await.unwrap(),
        Applied::Duplicate
    );
    assert_eq!(store.inbox().unwrap().len(), 1);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.cursor("ecowas").unwrap().as_deref(), Some(&b"c4"[..]));
}

#[tokio::test]
async fn the_relay_ledger_and_refusals_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // Relayed statements are queued for their recipients with the write
    // that stores them; `s10` must not be taken for `s1`.
    for (id, hash, peers) in [("s1", 1, ["ecowas", "au"]), ("s10", 2, ["un-hq", "un-hq"])] {
        let forward = Forward {
            recipients: peers.iter().map(|p| (*p).to_owned()).collect(),
            ..to_ecowas()
        };
        let stored = store
            .apply_inbound(
                "xaa",
                b"c",
                Some(&arrival(&incoming(id, hash), "xaa")),
                Some(&forward),
            )
            .await
            .unwrap();
        assert_eq!(stored, Applied::Stored);
    }
    assert_eq!(
        store.queued_for("s1").unwrap(),
        BTreeSet::from(["au".to_owned(), "ecowas".to_owned()])
    );
    assert_eq!(
        store.queued_for("s10").unwrap(),
        BTreeSet::from(["un-hq".to_owned()])
    );
    let refusal = Refusal {
        peer: "rogue".into(),
        reason: "bad signature".into(),
        at: Utc::now(),
    };
    store.record_refusal(&refusal).await.unwrap();
    assert_eq!(store.refusals().unwrap(), vec![refusal]);
}

#[tokio::test]
async fn retractions_mark_what_they_withdraw_in_the_same_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .apply_inbound(
            "ecowas",
            b"c1",
            Some(&arrival(&incoming("s1", 1), "ecowas")),
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.retracted_by("xaa", "s1").unwrap(), None);
    let retraction = incoming("r1", 3);
    let retracts = [("xaa".to_owned(), "s1".to_owned())];
    store
        .apply_inbound_retracting(
            "ecowas",
            b"c2",
            Some(&arrival(&retraction, "ecowas")),
            None,
            &retracts,
        )
        .await
        .unwrap();
    assert_eq!(store.retracted_by("xaa", "s1").unwrap().as_deref(), Some("r1"));

    // A node's own retraction: queued and marked together.
    let own = [("xaa".to_owned(), "s9".to_owned())];
    let seq = store
        .retract_own(&outgoing("r9"), &own, &["withdrawn".into()], || {})
        .await
        .unwrap();
    assert!(store.is_projected("withdrawn").unwrap());
    assert_eq!(store.outbox_after(seq - 1, 1).unwrap()[0].1.statement_id, "r9");
    assert_eq!(store.retracted_by("xaa", "s9").unwrap().as_deref(), Some("r9"));
}
