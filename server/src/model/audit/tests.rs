//! The canonical encoding, the filter and the chain check on chains built in memory.

use chrono::TimeZone;

use super::*;

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, second).single().unwrap()
}

fn chain(n: u64) -> Vec<AuditEntry> {
    let mut head = ChainHead::genesis();
    let mut entries = Vec::new();
    for i in 0..n {
        let event = AuditEvent::new(AuditKind::SignIn, &format!("user-{i}"), "xaa").detail("ok");
        let entry = AuditEntry::after(&head, event, at(i as u32));
        head = entry.head();
        entries.push(entry);
    }
    entries
}

fn check(records: Vec<(u64, AuditEntry)>, head: Option<ChainHead>) -> AuditReport {
    let mut check = ChainCheck::default();
    for (key, entry) in records {
        if !check.feed(key, Ok(entry)) {
            break;
        }
    }
    check.finish(head)
}

fn keyed(entries: &[AuditEntry]) -> Vec<(u64, AuditEntry)> {
    entries.iter().map(|e| (e.seq, e.clone())).collect()
}

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in AuditKind::ALL {
        assert_eq!(kind.as_str().parse::<AuditKind>(), Ok(*kind));
        let json = serde_json::to_string(kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
    }
    assert_eq!("Sign-In".parse::<AuditKind>(), Ok(AuditKind::SignIn));
    let err = "root".parse::<AuditKind>().unwrap_err();
    assert_eq!(err.to_string(), "unknown audit kind `root`");
}

#[test]
fn the_canonical_encoding_is_length_prefixed_and_fixed() {
    let entries = chain(1);
    let entry = &entries[0];
    assert_eq!(entry.seq, 1);
    assert_eq!(entry.prev_hash, GENESIS_HASH);
    let bytes = entry.canonical();
    assert_eq!(&bytes[..8], &(DOMAIN.len() as u64).to_be_bytes());
    assert_eq!(&bytes[8..8 + DOMAIN.len()], DOMAIN.as_bytes());
    // The hash is taken over exactly these bytes.
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&bytes);
    assert_eq!(entry.hash, crate::model::hex::hex(&digest));
    // Moving a character from one field to the next changes the hash.
    let mut moved = entry.clone();
    moved.actor = "user-".into();
    moved.organisation = "0xaa".into();
    assert_ne!(moved.computed_hash(), entry.computed_hash());
    assert_eq!(entry.hash.len(), 64);
    assert_eq!(entry.hash, entry.computed_hash());
    // The time counts to the nanosecond.
    let mut later = entry.clone();
    later.at += chrono::Duration::nanoseconds(1);
    assert_ne!(later.computed_hash(), entry.hash);
}

#[test]
fn detail_is_one_short_line() {
    let event = AuditEvent::new(AuditKind::SignInRefused, "", "xaa").detail("a\nb\t\u{7}c");
    assert_eq!(event.detail, "a b  c");
    let long = AuditEvent::new(AuditKind::SignIn, "", "xaa").detail("é".repeat(900));
    assert_eq!(long.detail.chars().count(), MAX_DETAIL_CHARS);
    let padded = AuditEvent::new(AuditKind::SignIn, "", "xaa").detail("  stored \n");
    assert_eq!(padded.detail, "stored");
    let full = "é".repeat(MAX_DETAIL_CHARS);
    let kept = AuditEvent::new(AuditKind::SignIn, "", "xaa").detail(full.clone());
    assert_eq!(kept.detail, full, "a clean line at the limit is kept whole");
}

#[test]
fn filters_match_every_given_field() {
    let entries = chain(4);
    let all = AuditFilter::default();
    assert!(entries.iter().all(|e| all.matches(e)));
    let cases = [
        (
            AuditFilter {
                actor: Some("user-2".into()),
                ..AuditFilter::default()
            },
            vec![3],
        ),
        (
            AuditFilter {
                since: Some(at(1)),
                until: Some(at(3)),
                ..AuditFilter::default()
            },
            vec![2, 3],
        ),
        (
            AuditFilter {
                after_seq: 2,
                ..AuditFilter::default()
            },
            vec![3, 4],
        ),
        (
            AuditFilter {
                kinds: [AuditKind::AssessmentCreated].into(),
                ..AuditFilter::default()
            },
            vec![],
        ),
    ];
    for (filter, seqs) in cases {
        let found: Vec<u64> = entries
            .iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.seq)
            .collect();
        assert_eq!(found, seqs, "{filter:?}");
    }
}

#[test]
fn an_intact_chain_reports_its_count_and_head() {
    let entries = chain(3);
    let report = check(keyed(&entries), Some(entries[2].head()));
    assert!(report.ok(), "{report:?}");
    assert_eq!(
        (report.entries, report.head_hash.as_str()),
        (3, entries[2].hash.as_str())
    );
    let empty = check(Vec::new(), None);
    assert!(empty.ok());
    assert_eq!(empty.head_hash, GENESIS_HASH);
}

#[test]
fn each_kind_of_tampering_is_named_with_its_seq() {
    let entries = chain(5);
    let head = Some(entries[4].head());
    let problem = |records, head| check(records, head).problem.map(|p| (p.kind, p.seq));

    let mut edited = keyed(&entries);
    edited[2].1.detail = "ok!".into();
    assert_eq!(problem(edited, head.clone()), Some((ProblemKind::Edited, 3)));

    let mut removed = keyed(&entries);
    removed.remove(1);
    assert_eq!(problem(removed, head.clone()), Some((ProblemKind::Removed, 2)));

    let mut swapped = keyed(&entries);
    let (a, b) = (swapped[1].1.clone(), swapped[2].1.clone());
    swapped[1].1 = b;
    swapped[2].1 = a;
    assert_eq!(problem(swapped, head.clone()), Some((ProblemKind::Reordered, 2)));

    // Rewritten with fresh hashes, but linked out of order.
    let mut relinked = keyed(&entries);
    relinked[3].1.prev_hash = entries[1].hash.clone();
    relinked[3].1.hash = relinked[3].1.computed_hash();
    assert_eq!(problem(relinked, head.clone()), Some((ProblemKind::Reordered, 4)));

    let mut truncated = keyed(&entries);
    truncated.truncate(3);
    assert_eq!(
        problem(truncated, head.clone()),
        Some((ProblemKind::Truncated, 4))
    );

    let report = check(keyed(&entries), Some(entries[3].head()));
    assert_eq!(
        report.problem.map(|p| (p.kind, p.seq)),
        Some((ProblemKind::Edited, 5))
    );

    let mut unreadable = ChainCheck::default();
    assert!(unreadable.feed(1, Ok(entries[0].clone())));
    assert!(!unreadable.feed(2, Err("expected value".into())));
    let report = unreadable.finish(head);
    assert_eq!(report.entries, 1);
    let problem = report.problem.unwrap();
    assert_eq!((problem.kind, problem.seq), (ProblemKind::Edited, 2));
    assert!(problem.message.contains("expected value"), "{problem:?}");
}
