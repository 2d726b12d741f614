//! The audit chain on real sled files: append, query, verify, and every
//! kind of tampering done to the trees directly.

use std::collections::BTreeSet;

use crate::model::audit::{AuditEntry, AuditEvent, AuditFilter, AuditKind, GENESIS_HASH, ProblemKind};
use crate::store::Store;

fn event(kind: AuditKind, actor: &str, subject: &str) -> AuditEvent {
    AuditEvent::new(kind, actor, "xaa")
        .subject(subject)
        .detail("detail")
}

/// A store with `n` entries: sign-ins by `user-<i>`.
async fn store_with(n: u64) -> (tempfile::TempDir, Store, Vec<AuditEntry>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut entries = Vec::new();
    for i in 0..n {
        let actor = format!("user-{i}");
        entries.push(
            store
                .append_audit(event(AuditKind::SignIn, &actor, ""))
                .await
                .unwrap(),
        );
    }
    (dir, store, entries)
}

fn problem(store: &Store) -> Option<(ProblemKind, u64)> {
    store.verify_audit().unwrap().problem.map(|p| (p.kind, p.seq))
}

fn tree(store: &Store) -> sled::Tree {
    store.db.open_tree(super::AUDIT).unwrap()
}

#[tokio::test]
async fn appends_chain_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let first = store
            .append_audit(event(AuditKind::AssessmentCreated, "ada", "a1:v1"))
            .await
            .unwrap();
        assert_eq!((first.seq, first.prev_hash.as_str()), (1, GENESIS_HASH));
        let second = store
            .append_audit(event(AuditKind::AssessmentSubmitted, "ada", "a1:v1"))
            .await
            .unwrap();
        assert_eq!((second.seq, &second.prev_hash), (2, &first.hash));
    }
    let store = Store::open(dir.path()).unwrap();
    let third = store
        .append_audit(event(AuditKind::AssessmentPublished, "rev", "a1:v1"))
        .await
        .unwrap();
    assert_eq!(third.seq, 3);
    let report = store.verify_audit().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.entries, report.head_hash), (3, third.hash));
}

#[tokio::test]
async fn queries_filter_and_page_in_seq_order() {
    let (_dir, store, _) = store_with(0).await;
    for (kind, actor, subject) in [
        (AuditKind::SignIn, "ada", ""),
        (AuditKind::AssessmentCreated, "ada", "a1:v1"),
        (AuditKind::SignIn, "rev", ""),
        (AuditKind::AssessmentPublished, "rev", "a1:v1"),
    ] {
        store.append_audit(event(kind, actor, subject)).await.unwrap();
    }
    let seqs = |filter: AuditFilter| -> Vec<u64> {
        store
            .audit_entries(&filter)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(seqs(AuditFilter::default()), vec![1, 2, 3, 4]);
    let by_kind = AuditFilter {
        kinds: BTreeSet::from([AuditKind::SignIn]),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(by_kind), vec![1, 3]);
    let by_actor = AuditFilter {
        actor: Some("rev".into()),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(by_actor), vec![3, 4]);
    let by_subject = AuditFilter {
        subject: Some("a1:v1".into()),
        limit: Some(1),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(by_subject), vec![2]);
    let page = AuditFilter {
        after_seq: 2,
        limit: Some(1),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(page), vec![3]);
}

#[tokio::test]
async fn an_empty_chain_is_intact() {
    let (_dir, store, _) = store_with(0).await;
    let report = store.verify_audit().unwrap();
    assert!(report.ok());
    assert_eq!((report.entries, report.head_hash.as_str()), (0, GENESIS_HASH));
}

#[tokio::test]
async fn a_changed_byte_is_an_edited_entry() {
    let (_dir, store, _) = store_with(4).await;
    let tree = tree(&store);
    let key = 3u64.to_be_bytes();
    let value = tree.get(key).unwrap().unwrap().to_vec();
    let text = String::from_utf8(value).unwrap();
    let tampered = text.replace("\"detail\":\"detail\"", "\"detail\":\"detaiL\"");
    assert_ne!(tampered, text);
    tree.insert(key, tampered.as_bytes()).unwrap();
    assert_eq!(problem(&store), Some((ProblemKind::Edited, 3)));
    // Bytes that are no longer JSON are an edit too, not a store failure.
    tree.insert(key, &b"{\"seq\":"[..]).unwrap();
    assert_eq!(problem(&store), Some((ProblemKind::Edited, 3)));
}

#[tokio::test]
async fn a_missing_entry_is_removed() {
    let (_dir, store, _) = store_with(4).await;
    tree(&store).remove(2u64.to_be_bytes()).unwrap();
    assert_eq!(problem(&store), Some((ProblemKind::Removed, 2)));
}

#[tokio::test]
async fn swapped_entries_are_reordered() {
    let (_dir, store, _) = store_with(4).await;
    let tree = tree(&store);
    let (two, three) = (2u64.to_be_bytes(), 3u64.to_be_bytes());
    let (a, b) = (tree.get(two).unwrap().unwrap(), tree.get(three).unwrap().unwrap());
    tree.insert(two, b).unwrap();
    tree.insert(three, a).unwrap();
    let report = store.verify_audit().unwrap();
    let found = report.problem.unwrap();
    assert_eq!((found.kind, found.seq), (ProblemKind::Reordered, 2));
    assert_eq!(report.entries, 1);
}

#[tokio::test]
async fn a_cut_tail_is_truncated() {
    let (_dir, store, _) = store_with(4).await;
    tree(&store).remove(4u64.to_be_bytes()).unwrap();
    assert_eq!(problem(&store), Some((ProblemKind::Truncated, 4)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_make_one_unbroken_chain() {
    let (_dir, store, _) = store_with(0).await;
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            for i in 0..10 {
                let actor = format!("task-{task}-{i}");
                store
                    .append_audit(event(AuditKind::SignIn, &actor, ""))
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    let report = store.verify_audit().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries, 80);
    let entries = store.audit_entries(&AuditFilter::default()).unwrap();
    let actors: BTreeSet<&str> = entries.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(actors.len(), 80);
}
