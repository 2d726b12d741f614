//! Subscriptions and the webhook outbox on real sled files.

use chrono::{DateTime, TimeDelta, Utc};

use super::{DeadLetter, WebhookJob};
use crate::model::subscription::{Filters, Subscription, Webhook};
use crate::store::Store;

fn t0() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn subscription(id: &str) -> Subscription {
    Subscription {
        id: id.into(),
        owner: "fatou".into(),
        organisation: "ecowas".into(),
        filters: Filters {
            countries: ["MLI".to_owned()].into(),
            ..Filters::default()
        },
        webhook: Some(Webhook {
            url: "https://hooks.example.org/tocsin".into(),
            secret: "0123456789abcdef".into(),
        }),
        created_at: t0(),
    }
}

fn ids(jobs: &[WebhookJob]) -> Vec<(u64, &str, &str)> {
    jobs.iter()
        .map(|j| (j.id, j.subscription_id.as_str(), j.notification_id.as_str()))
        .collect()
}

#[tokio::test]
async fn subscriptions_survive_reopen_and_can_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.insert_subscription(&subscription("s2")).await.unwrap();
        store.insert_subscription(&subscription("s1")).await.unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let all = store.subscriptions().unwrap();
    assert_eq!(
        all.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["s1", "s2"]
    );
    assert_eq!(store.subscription("s1").unwrap(), Some(subscription("s1")));
    assert!(store.delete_subscription("s1").await.unwrap());
    assert!(!store.delete_subscription("s1").await.unwrap());
    assert_eq!(store.subscription("s1").unwrap(), None);
}

#[tokio::test]
async fn a_notification_is_queued_once_per_subscription_ever() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = store
        .enqueue_webhook("s1", "n1", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.id, first.attempts, first.next_attempt_at), (1, 0, t0()));
    assert_eq!(
        store.enqueue_webhook("s1", "n1", b"{}", t0()).await.unwrap(),
        None
    );
    store
        .enqueue_webhook("s2", "n1", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    store
        .enqueue_webhook("s1", "n2", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ids(&store.webhook_jobs().unwrap()),
        [(1, "s1", "n1"), (2, "s2", "n1"), (3, "s1", "n2")]
    );
    // Delivered: still never queued again, even after a reopen.
    store.remove_webhook_job(1).await.unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.enqueue_webhook("s1", "n1", b"{}", t0()).await.unwrap(),
        None
    );
    let next = store
        .enqueue_webhook("s1", "n3", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, 4, "job ids are not reused");
}

#[tokio::test]
async fn failed_jobs_are_updated_buried_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let job = store
        .enqueue_webhook("s1", "n1", br#"{"a":1}"#, t0())
        .await
        .unwrap()
        .unwrap();
    let failed = WebhookJob {
        attempts: 1,
        next_attempt_at: t0() + TimeDelta::seconds(30),
        last_error: Some("receiver answered 500".into()),
        ..job.clone()
    };
    assert!(store.update_webhook_job(&failed).await.unwrap());
    assert_eq!(store.webhook_jobs().unwrap(), std::slice::from_ref(&failed));

    let dead = DeadLetter {
        job: failed.clone(),
        dead_at: t0() + TimeDelta::minutes(1),
    };
    assert!(store.bury_webhook_job(&dead).await.unwrap());
    assert!(!store.bury_webhook_job(&dead).await.unwrap(), "no longer queued");
    assert!(
        !store.update_webhook_job(&failed).await.unwrap(),
        "no longer queued"
    );
    assert_eq!(store.webhook_jobs().unwrap(), []);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.dead_letters().unwrap(), [dead]);

    let later = t0() + TimeDelta::hours(1);
    let replayed = store.replay_dead_letter(job.id, later).await.unwrap().unwrap();
    assert_eq!((replayed.attempts, replayed.next_attempt_at), (0, later));
    assert_eq!(replayed.body, br#"{"a":1}"#);
    assert_eq!(store.webhook_jobs().unwrap(), [replayed]);
    assert_eq!(store.dead_letters().unwrap(), []);
    assert_eq!(store.replay_dead_letter(job.id, later).await.unwrap(), None);
}

#[tokio::test]
async fn deleting_a_subscription_drops_its_jobs_and_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.insert_subscription(&subscription("s1")).await.unwrap();
    store.insert_subscription(&subscription("s2")).await.unwrap();
    let a = store
        .enqueue_webhook("s1", "n1", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    store
        .enqueue_webhook("s2", "n1", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    store
        .enqueue_webhook("s1", "n2", b"{}", t0())
        .await
        .unwrap()
        .unwrap();
    store
        .bury_webhook_job(&DeadLetter {
            job: a,
            dead_at: t0(),
        })
        .await
        .unwrap();
    assert!(store.delete_subscription("s1").await.unwrap());
    assert_eq!(ids(&store.webhook_jobs().unwrap()), [(2, "s2", "n1")]);
    assert_eq!(store.dead_letters().unwrap(), []);
}
