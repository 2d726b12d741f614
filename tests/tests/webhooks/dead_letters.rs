//! A notification its receiver keeps refusing becomes a dead letter after
//! `max_attempts`: admins list it (without body or secret) and replay it,
//! and it then arrives once; nobody else may see or replay it.

use super::*;
use tocsin_tests::https_receiver::Receiver;
use tonic::Code;

#[tokio::test]
async fn a_refused_notification_becomes_a_dead_letter_and_is_replayed_once() {
    let pki = Pki::generate().unwrap();
    let files = tempfile::tempdir().unwrap();
    let env = webhook_env(&pki.write_ca(files.path()).unwrap(), 2);
    let node = start(&env).await;
    let receiver = Receiver::new(SECRET, 500);
    let serving = receiver.serve(&pki, ([127, 0, 0, 1], 0).into()).await.unwrap();
    let url = format!("https://localhost:{}/hook", serving.addr.port());
    let subscription = webhook_subscription(&node, &url, &[]).await;

    let assessment = publish(&node, "XAA").await;
    let headline = "Hate speech surges ahead of the census in Northern XAA";
    let warning = raise_and_issue(
        &node,
        &About {
            assessment: &assessment,
            country: "XAA",
            level: "warning",
            crime: pb::Crime::CrimesAgainstHumanity,
            tlp: pb::Tlp::Green,
            headline,
        },
    )
    .await;

    // Two signed attempts, both refused.
    let got = receiver.until(DEADLINE, |g| g.len() >= 2).await.unwrap();
    let delivery = got[0].id.clone();
    assert!(
        got.iter()
            .all(|d| d.id == delivery && d.signed && d.answered == 500),
        "{got:?}"
    );
    assert_eq!(got[0].body["event"], "issued");

    let mut admin = subscriptions(&node, "root", "admin").await;
    let letters = eventually("a dead letter", || {
        let mut admin = admin.clone();
        async move {
            let letters = admin
                .list_dead_letters(pb::ListDeadLettersRequest {})
                .await
                .unwrap()
                .into_inner()
                .dead_letters;
            (!letters.is_empty()).then_some(letters)
        }
    })
    .await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter.notification_id, delivery);
    assert_eq!(letter.subscription_id, subscription.id);
    assert_eq!(letter.attempts, 2);
    assert!(letter.last_error.contains("500"), "{letter:?}");
    assert!(letter.enqueued_at.is_some() && letter.dead_at.is_some());
    let shown = format!("{letter:?}");
    for hidden in [SECRET, headline] {
        assert!(!shown.contains(hidden), "`{hidden}` shown: {shown}");
    }
    // Nothing more is tried for it.
    assert_eq!(receiver.got().len(), 2);

    // Only admins see and replay dead letters.
    let mut focal = subscriptions(&node, "fp", "focal_point").await;
    let denied = focal
        .list_dead_letters(pb::ListDeadLettersRequest {})
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let denied = focal
        .replay_dead_letter(pb::ReplayDeadLetterRequest { id: letter.id })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let missing = admin
        .replay_dead_letter(pb::ReplayDeadLetterRequest { id: letter.id + 1000 })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");

    // The receiver is fixed; the replayed letter arrives once.
    receiver.answer(204);
    admin
        .replay_dead_letter(pb::ReplayDeadLetterRequest { id: letter.id })
        .await
        .unwrap();
    let left = admin
        .list_dead_letters(pb::ListDeadLettersRequest {})
        .await
        .unwrap()
        .into_inner()
        .dead_letters;
    assert!(left.is_empty(), "{left:?}");
    receiver
        .until(DEADLINE, |g| accepted(g, &delivery) == 1)
        .await
        .unwrap();
    // A later event, delivered after it in order, shows it was not repeated.
    acknowledge(&node, &warning.id).await;
    let got = receiver
        .until(DEADLINE, |g| has(g, &warning.id, "acknowledged"))
        .await
        .unwrap();
    assert_eq!(accepted(&got, &delivery), 1, "{got:?}");
    assert_eq!(
        got.iter().filter(|d| d.id == delivery).count(),
        3,
        "two refused attempts and one replay: {got:?}"
    );
    assert!(got.iter().all(|d| d.signed), "{got:?}");
    assert_eq!(kinds(&got).last(), Some(&"acknowledged"));
}

#[tokio::test]
async fn a_deleted_subscription_takes_its_dead_letters_and_queue_with_it() {
    let pki = Pki::generate().unwrap();
    let files = tempfile::tempdir().unwrap();
    let env = webhook_env(&pki.write_ca(files.path()).unwrap(), 2);
    let node = start(&env).await;
    let receiver = Receiver::new(SECRET, 500);
    let serving = receiver.serve(&pki, ([127, 0, 0, 1], 0).into()).await.unwrap();
    let url = format!("https://localhost:{}/hook", serving.addr.port());
    let doomed = webhook_subscription(&node, &url, &[]).await;

    let assessment = publish(&node, "XAA").await;
    let warning = raise_and_issue(
        &node,
        &About {
            assessment: &assessment,
            country: "XAA",
            level: "warning",
            crime: pb::Crime::CrimesAgainstHumanity,
            tlp: pb::Tlp::Green,
            headline: "Hate speech surges ahead of the census in Northern XAA",
        },
    )
    .await;
    acknowledge(&node, &warning.id).await;
    // Both notifications fail for good: nothing of it is in flight any more.
    let mut admin = subscriptions(&node, "root", "admin").await;
    eventually("two dead letters", || {
        let mut admin = admin.clone();
        async move {
            let letters = admin
                .list_dead_letters(pb::ListDeadLettersRequest {})
                .await
                .unwrap()
                .into_inner()
                .dead_letters;
            (letters.len() == 2).then_some(())
        }
    })
    .await;
    let refused = receiver.got().len();
    assert_eq!(refused, 4, "two attempts each: {:?}", kinds(&receiver.got()));

    // A focal point cannot delete an admin's subscription: it is not found.
    let mut focal = subscriptions(&node, "fp", "focal_point").await;
    let hidden = focal
        .delete_subscription(pb::DeleteSubscriptionRequest {
            id: doomed.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
    admin
        .delete_subscription(pb::DeleteSubscriptionRequest {
            id: doomed.id.clone(),
        })
        .await
        .unwrap();
    let left = admin
        .list_dead_letters(pb::ListDeadLettersRequest {})
        .await
        .unwrap()
        .into_inner()
        .dead_letters;
    assert!(left.is_empty(), "{left:?}");
    let listed = admin
        .list_subscriptions(pb::ListSubscriptionsRequest {})
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert!(listed.iter().all(|s| s.id != doomed.id), "{listed:?}");

    // Later events go to a new subscription only.
    receiver.answer(204);
    let kept = webhook_subscription(&node, &url, &[]).await;
    decide_and_act(&node, &warning.id).await;
    let got = receiver
        .until(DEADLINE, |g| has(g, &warning.id, "action"))
        .await
        .unwrap();
    let after: Vec<&Delivery> = got[refused..].iter().collect();
    assert!(
        after
            .iter()
            .all(|d| d.body["subscription_id"] == kept.id.as_str() && d.accepted()),
        "{after:?}"
    );
    assert_eq!(kinds(&got[refused..]), ["decided", "action"]);
}
