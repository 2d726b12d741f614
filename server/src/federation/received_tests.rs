//! The views' copy takes in changes in any order, and twice, to the same
//! result: what lets concurrent writes and a whole read meet without a lost
//! or doubled change.

use chrono::{TimeZone, Utc};

use super::{AssessmentKey, Change, Held, Rank, assessment_key};

fn key(assessment: &str) -> AssessmentKey {
    assessment_key("xaa", assessment)
}

fn hold(assessment: &str, version: u32, id: &str, retracted: bool) -> Change {
    Change::Hold {
        key: key(assessment),
        rank: Rank {
            version,
            disclosed: 1,
            issued_at: Utc.timestamp_opt(1_700_000_000 + i64::from(version), 0).unwrap(),
            statement_id: id.into(),
        },
        retracted,
    }
}

/// Every ordering of `items` (there are few).
fn orderings(items: &[Change]) -> Vec<Vec<Change>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for (i, first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in orderings(&rest) {
            tail.insert(0, first.clone());
            all.push(tail);
        }
    }
    all
}

#[test]
fn changes_taken_in_any_order_or_twice_give_the_same_copy() {
    let changes = [
        hold("a1", 1, "s1", false),
        hold("a1", 2, "s2", false),
        Change::Withdraw {
            key: key("a1"),
            version: 2,
        },
        hold("a2", 1, "s3", true),
        hold("a2", 1, "s4", false),
    ];
    let mut expected = Held::default();
    for change in &changes {
        expected.apply(change.clone());
    }
    // a1's latest version was withdrawn, so nothing of a1 stands; of a2's
    // two copies of version 1, the greater id ranks first, and its
    // version is withdrawn too.
    assert!(expected.standing().is_empty());
    for ordering in orderings(&changes) {
        let mut held = Held::default();
        for change in ordering.iter().chain(&ordering) {
            held.apply(change.clone());
        }
        assert_eq!(held, expected, "{ordering:?}");
    }
    let mut unwithdrawn = Held::default();
    for change in changes.iter().filter(|c| !matches!(c, Change::Withdraw { .. })) {
        unwithdrawn.apply(change.clone());
    }
    assert_eq!(unwithdrawn.standing(), [("xaa", "s2")]);
}
