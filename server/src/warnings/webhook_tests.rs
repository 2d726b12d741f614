//! Webhook delivery against a real HTTPS receiver in this process (see
//! `webhook_receiver.rs`): signatures, retries, dead letters, replay,
//! restarts, and receivers that are down, slow or check the wrong secret.

use std::sync::atomic::Ordering;

use super::receiver::*;
use super::*;
use crate::model::subscription::Subscription;
use crate::store::Store;

#[test]
fn retries_double_up_to_the_last_wait() {
    let retry = Retry {
        max_attempts: 5,
        first: Duration::from_secs(10),
        last: Duration::from_secs(60),
    };
    let waits: Vec<u64> = (1..=6).map(|n| retry.delay(n, 1.0).as_secs()).collect();
    assert_eq!(waits, [10, 20, 40, 60, 60, 60]);
    assert_eq!(retry.delay(200, 1.0), Duration::from_secs(60));
    assert_eq!(retry.delay(2, 0.8), Duration::from_secs(16));
    assert_eq!(
        retry.delay(2, 0.1),
        Duration::from_secs(16),
        "jitter is at least 0.8"
    );
}

#[test]
fn signatures_depend_on_secret_timestamp_and_body() {
    let secret = "0123456789abcdef";
    let sig = signature(secret, 1_700_000_000, br#"{"a":1}"#);
    assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
    assert!(verify_signature(secret, "1700000000", br#"{"a":1}"#, &sig));
    assert!(!verify_signature(
        "0123456789abcdeX",
        "1700000000",
        br#"{"a":1}"#,
        &sig
    ));
    assert!(!verify_signature(secret, "1700000001", br#"{"a":1}"#, &sig));
    assert!(!verify_signature(secret, "1700000000", br#"{"a":2}"#, &sig));
    assert!(!verify_signature(secret, "1700000000", br#"{"a":1}"#, &sig[7..]));
    assert!(!verify_signature(
        secret,
        "1700000000",
        br#"{"a":1}"#,
        "sha256=zz"
    ));
    // Computed independently (Python `hmac`), so receivers in any language agree.
    assert_eq!(
        sig,
        "sha256=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23"
    );
}

#[tokio::test]
async fn a_notification_is_delivered_once_signed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (pki, receiver) = (pki(), Receiver::new(SECRET, 200));
    let addr = serve(&pki, &receiver, "127.0.0.1:0".parse().unwrap()).await;
    let sub = subscribe(&store, "s1", addr).await;
    let mut run = start(&store, &settings(3), Some(pki.ca_pem.clone()));

    assert!(run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap());
    assert!(
        !run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap(),
        "queued twice"
    );
    run.until(delivered("n1")).await;
    assert!(
        !run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap(),
        "queued after delivery"
    );
    assert!(run.webhooks.enqueue(&sub, "n2", &body(2)).await.unwrap());
    run.until(delivered("n2")).await;

    let expect = |n: u32| Got {
        delivery: format!("n{n}"),
        body: body(n),
        signed: true,
    };
    assert_eq!(receiver.got(), [expect(1), expect(2)]);
    assert_eq!(store.webhook_jobs().unwrap(), []);
    // Subscriptions without a webhook queue nothing.
    let plain = Subscription {
        webhook: None,
        ..sub.clone()
    };
    assert!(!run.webhooks.enqueue(&plain, "n3", &body(3)).await.unwrap());
    run.stop().await;
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_everything_once_in_order_when_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (pki, receiver) = (pki(), Receiver::new(SECRET, 200));
    let addr = free_port().await;
    let sub = subscribe(&store, "s1", addr).await;
    let mut run = start(&store, &settings(20), Some(pki.ca_pem.clone()));
    for n in 1..=3 {
        assert!(
            run.webhooks
                .enqueue(&sub, &format!("n{n}"), &body(n))
                .await
                .unwrap()
        );
    }
    let retried = |e: &WebhookEvent| matches!(e, WebhookEvent::Failed { attempts: 2, .. });
    let WebhookEvent::Failed {
        notification_id,
        error,
        ..
    } = run.until(retried).await
    else {
        unreachable!()
    };
    assert_eq!(notification_id, "n1", "the first in the queue is retried first");
    assert!(error.contains("error sending request"), "{error}");
    assert!(
        !error.contains(&addr.to_string()),
        "the error shows the address: {error}"
    );

    serve(&pki, &receiver, addr).await;
    run.until(delivered("n3")).await;
    let got: Vec<String> = receiver.got().into_iter().map(|g| g.delivery).collect();
    assert_eq!(got, ["n1", "n2", "n3"]);
    let attempted_early = run
        .seen
        .iter()
        .any(|e| matches!(e, WebhookEvent::Failed { notification_id, .. } if notification_id != "n1"));
    assert!(!attempted_early, "later jobs overtook the first: {:?}", run.seen);
    assert_eq!(store.webhook_jobs().unwrap(), []);
    run.stop().await;
}

#[tokio::test]
async fn failures_become_dead_letters_that_can_be_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (pki, receiver) = (pki(), Receiver::new(SECRET, 500));
    let addr = serve(&pki, &receiver, "127.0.0.1:0".parse().unwrap()).await;
    let sub = subscribe(&store, "s1", addr).await;
    let mut run = start(&store, &settings(3), Some(pki.ca_pem.clone()));
    run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap();

    let dead = |e: &WebhookEvent| matches!(e, WebhookEvent::DeadLettered { .. });
    let WebhookEvent::DeadLettered {
        job, attempts, error, ..
    } = run.until(dead).await
    else {
        unreachable!()
    };
    assert_eq!(attempts, 3);
    assert!(error.contains("500"), "{error}");
    let failures = run
        .seen
        .iter()
        .filter(|e| matches!(e, WebhookEvent::Failed { .. }))
        .count();
    assert_eq!(failures, 2);
    assert_eq!(receiver.got().len(), 3);
    assert!(receiver.got().iter().all(|g| g.signed && g.delivery == "n1"));
    let letters = run.webhooks.dead_letters().unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].job.id, job);
    assert_eq!(letters[0].job.last_error.as_deref(), Some(error.as_str()));
    assert_eq!(store.webhook_jobs().unwrap(), []);

    receiver.status.store(200, Ordering::SeqCst);
    assert!(run.webhooks.replay(job).await.unwrap());
    assert!(!run.webhooks.replay(job).await.unwrap());
    let WebhookEvent::Delivered { failed_before, .. } = run.until(delivered("n1")).await else {
        unreachable!()
    };
    assert_eq!(failed_before, 0, "replay resets the attempts");
    assert_eq!(receiver.got().len(), 4);
    assert_eq!(run.webhooks.dead_letters().unwrap(), []);
    run.stop().await;
}

#[tokio::test]
async fn queued_jobs_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (pki, receiver) = (pki(), Receiver::new(SECRET, 200));
    let addr = free_port().await;
    {
        let store = Store::open(dir.path()).unwrap();
        let sub = subscribe(&store, "s1", addr).await;
        let mut run = start(&store, &settings(20), Some(pki.ca_pem.clone()));
        run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap();
        run.webhooks.enqueue(&sub, "n2", &body(2)).await.unwrap();
        run.until(|e| matches!(e, WebhookEvent::Failed { .. })).await;
        run.stop().await;
    }
    let store = Store::open(dir.path()).unwrap();
    let queued = store.webhook_jobs().unwrap();
    assert_eq!(queued.iter().map(|j| j.attempts).collect::<Vec<_>>(), [1, 0]);
    serve(&pki, &receiver, addr).await;
    let mut run = start(&store, &settings(20), Some(pki.ca_pem.clone()));
    run.until(delivered("n2")).await;
    let got: Vec<String> = receiver.got().into_iter().map(|g| g.delivery).collect();
    assert_eq!(got, ["n1", "n2"]);
    run.stop().await;
}

#[tokio::test]
async fn a_slow_receiver_holds_up_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let pki = pki();
    let release = Arc::new(Notify::new());
    let slow = Receiver {
        hold: Some(release.clone()),
        ..Receiver::new(SECRET, 200)
    };
    let fast = Receiver::new(SECRET, 200);
    let slow_sub = subscribe(
        &store,
        "slow",
        serve(&pki, &slow, "127.0.0.1:0".parse().unwrap()).await,
    )
    .await;
    let fast_sub = subscribe(
        &store,
        "fast",
        serve(&pki, &fast, "127.0.0.1:0".parse().unwrap()).await,
    )
    .await;
    let mut run = start(&store, &settings(3), Some(pki.ca_pem.clone()));
    run.webhooks.enqueue(&slow_sub, "n1", &body(1)).await.unwrap();
    run.webhooks.enqueue(&fast_sub, "n1", &body(1)).await.unwrap();
    let fast_done = |e: &WebhookEvent| matches!(e, WebhookEvent::Delivered { subscription_id, .. } if subscription_id == "fast");
    run.until(fast_done).await;
    assert_eq!(slow.got(), [], "the slow receiver has not answered yet");
    release.notify_one();
    run.until(delivered("n1")).await;
    slow.until_got(1).await;
    run.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_or_an_untrusted_certificate_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let pki = pki();
    let other = Receiver::new("another-secret-0000", 200);
    let sub = subscribe(
        &store,
        "s1",
        serve(&pki, &other, "127.0.0.1:0".parse().unwrap()).await,
    )
    .await;
    let mut run = start(&store, &settings(1), Some(pki.ca_pem.clone()));
    run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap();
    let dead = |e: &WebhookEvent| matches!(e, WebhookEvent::DeadLettered { .. });
    let WebhookEvent::DeadLettered { error, .. } = run.until(dead).await else {
        unreachable!()
    };
    assert!(error.contains("401"), "{error}");
    assert_eq!(other.got().len(), 1);
    assert!(!other.got()[0].signed);
    run.stop().await;

    // Without the test CA the receiver's certificate is not trusted.
    let good = Receiver::new(SECRET, 200);
    let sub = subscribe(
        &store,
        "s2",
        serve(&pki, &good, "127.0.0.1:0".parse().unwrap()).await,
    )
    .await;
    let mut run = start(&store, &settings(1), None);
    run.webhooks.enqueue(&sub, "n1", &body(1)).await.unwrap();
    let WebhookEvent::DeadLettered { error, .. } = run.until(dead).await else {
        unreachable!()
    };
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert_eq!(good.got(), []);
    run.stop().await;
}

#[test]
fn a_bad_ca_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let err = Webhooks::new(store, &settings(3), Some("not a certificate".into())).unwrap_err();
    assert!(
        matches!(err, WebhookError::NoCaCert | WebhookError::CaCert(_)),
        "{err}"
    );
}
