//! The index of received summaries by situation: written with each summary
//! stored, complete in a new store, completed once in an older one.

use chrono::Utc;
use std::collections::BTreeSet;

use crate::model::assessment::{Confidence, OverallRisk, Trend};
use crate::model::statement::{Disclosure, SharedAssessment, SharedSituation, Statement, StatementBody};
use crate::model::verified::Verified;
use crate::store::federation_tests::{arrival, incoming, incoming_with};
use crate::store::{Inbound, Store};

/// Summary `id` of `xaa` about `countries`; `hash` tells payloads apart.
fn summary(id: &str, hash: u8, countries: &[&str]) -> Verified<Statement> {
    let body = StatementBody::AssessmentSummary(SharedAssessment {
        assessment_id: "a1".into(),
        version: 1,
        situation: SharedSituation {
            countries: countries.iter().map(|c| (*c).to_owned()).collect(),
            ..SharedSituation::default()
        },
        overall_risk: OverallRisk::High,
        ongoing: false,
        trend: Trend::Deteriorated,
        confidence: Confidence::Medium,
        horizon_months: 6,
        published_at: Utc::now(),
        factors: None,
        narrative: None,
        disclosed: BTreeSet::from([Disclosure::Share]),
    });
    incoming_with(id, hash, body)
}

fn ids(found: Vec<(String, String)>) -> Vec<String> {
    found
        .into_iter()
        .map(|(origin, id)| format!("{origin}/{id}"))
        .collect()
}

#[tokio::test]
async fn each_summary_is_indexed_under_its_own_situation_as_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(
        store.summary_index_complete().unwrap(),
        "a new store starts complete"
    );
    let (s1, s2, s3) = (
        summary("s1", 1, &["XAA"]),
        summary("s2", 2, &["XBB", "XAA"]),
        summary("s3", 3, &["XAA"]),
    );
    let not_a_summary = incoming("r1", 4);
    let s1_twin = summary("s1", 5, &["XCC"]);
    let batch: Vec<Inbound<'_>> = [&s1, &s2, &not_a_summary, &s1_twin]
        .into_iter()
        .map(|verified| Inbound::Statement {
            arrival: arrival(verified, "xaa"),
            forward: None,
            retracts: &[],
        })
        .collect();
    store
        .apply_inbound_batch("xaa", b"c1", &batch, &|_, _| None)
        .await
        .unwrap();
    assert_eq!(ids(store.summaries_of("XAA").unwrap()), ["xaa/s1"]);
    // Countries are sorted in the key: `XAA` is not a prefix match for it.
    assert_eq!(ids(store.summaries_of("XAA+XBB").unwrap()), ["xaa/s2"]);
    // A quarantined twin is not indexed.
    assert!(store.summaries_of("XCC").unwrap().is_empty());

    // Refused statements leave it as it was; the index outlives a restart.
    store
        .apply_inbound_retracting("xaa", b"c2", None, None, &[])
        .await
        .unwrap();
    store
        .apply_inbound("xaa", b"c3", Some(&arrival(&s3, "xaa")), None)
        .await
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(ids(store.summaries_of("XAA").unwrap()), ["xaa/s1", "xaa/s3"]);
    assert!(store.summary_index_complete().unwrap());
}

#[tokio::test]
async fn an_older_store_is_incomplete_until_its_summaries_are_added() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let s1 = summary("s1", 1, &["XAA"]);
    store
        .apply_inbound("xaa", b"c1", Some(&arrival(&s1, "xaa")), None)
        .await
        .unwrap();
    store.forget_summary_index().unwrap();
    drop(store);
    // Reopened with summaries in its inbox and no index: not complete.
    let store = Store::open(dir.path()).unwrap();
    assert!(!store.summary_index_complete().unwrap());
    assert!(store.summaries_of("XAA").unwrap().is_empty());
    let s1_entry = ("XAA".to_owned(), "xaa".to_owned(), "s1".to_owned());
    store.complete_summary_index(&[s1_entry]).unwrap();
    assert!(store.summary_index_complete().unwrap());
    assert_eq!(ids(store.summaries_of("XAA").unwrap()), ["xaa/s1"]);
}
