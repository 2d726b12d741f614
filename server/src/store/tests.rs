//! Store behaviour on real sled files in a temporary directory.

use chrono::Utc;

use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::model::fixtures;
use crate::store::{SCHEMA_VERSION, Store, StoreError};

fn draft(id: &str) -> Assessment {
    Assessment::new_draft(id.into(), fixtures::content(), "ecowas", "ada", Utc::now())
}

#[tokio::test]
async fn writes_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let a = draft("a1");
    {
        let store = Store::open(dir.path()).unwrap();
        store.insert_assessment(&a).await.unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.assessment("a1", None).unwrap(), Some(a.clone()));
    assert_eq!(store.assessment("a1", Some(1)).unwrap(), Some(a));
    assert_eq!(store.assessment("a1", Some(2)).unwrap(), None);
    assert_eq!(store.assessment("nope", None).unwrap(), None);
}

#[tokio::test]
async fn duplicate_ids_and_stale_heads_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = draft("a1");
    store.insert_assessment(&a).await.unwrap();
    let err = store.insert_assessment(&a).await.unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists { ref id } if id == "a1"),
        "{err}"
    );

    let revised = a.revise(1, fixtures::content(), "ada", Utc::now()).unwrap();
    let err = store.update_assessment(&revised, 7).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 7,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(store.assessment("a1", None).unwrap(), Some(a));
}

#[tokio::test]
async fn publishing_a_revision_supersedes_the_previous_version_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let now = Utc::now();
    let v1 = draft("a1").submit(now).unwrap().publish("rev", now).unwrap();
    store.insert_assessment(&v1).await.unwrap();

    let v2 = v1.revise(1, fixtures::content(), "ada", now).unwrap();
    assert_eq!(v2.version, 2);
    store.update_assessment(&v2, 1).await.unwrap();
    let v2 = v2.submit(now).unwrap();
    store.update_assessment(&v2, 2).await.unwrap();
    let v2 = v2.publish("rev", now).unwrap();
    let old = v1.supersede(now).unwrap();
    store.publish_assessment(&v2, Some(&old)).await.unwrap();

    let versions = store.assessment_versions("a1").unwrap();
    let statuses: Vec<_> = versions.iter().map(|a| (a.version, a.status)).collect();
    assert_eq!(
        statuses,
        [
            (1, AssessmentStatus::Superseded),
            (2, AssessmentStatus::Published)
        ]
    );
    assert_eq!(store.head("a1").unwrap(), Some(2));
    assert_eq!(store.latest_assessments().unwrap(), vec![v2]);
    assert_eq!(store.all_assessment_versions().unwrap().len(), 2);
}

#[tokio::test]
async fn newer_schema_is_refused_without_modification() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.insert_assessment(&draft("a1")).await.unwrap();
        store
            .db
            .insert("schema_version", &(SCHEMA_VERSION + 1).to_be_bytes())
            .unwrap();
        store.db.flush().unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{message}"
    );
    assert!(message.contains("newer Tocsin"), "{message}");

    // Nothing was rewritten: the newer version is still recorded.
    let db = sled::open(dir.path()).unwrap();
    assert_eq!(
        db.get("schema_version").unwrap().unwrap().as_ref(),
        (SCHEMA_VERSION + 1).to_be_bytes()
    );
}

#[test]
fn a_foreign_sled_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert("something", "else").unwrap();
        db.flush().unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("not a Tocsin store"), "{err}");
}
