//! Subscription filters through `WatchWarnings`, and who may subscribe to
//! what: a focal point's subscription narrows its watch; another user's
//! subscription is not found; webhooks are for admins; bad filters are
//! refused, naming the field.

use super::*;
use std::collections::BTreeSet;
use tonic::Code;

fn genocide_emergencies() -> Option<pb::SubscriptionFilters> {
    Some(pb::SubscriptionFilters {
        crimes: vec![pb::Crime::Genocide as i32],
        min_level: "emergency".into(),
        ..Default::default()
    })
}

/// The warning ids of `events`.
fn ids(events: &[pb::WarningEvent]) -> BTreeSet<String> {
    events
        .iter()
        .map(|e| e.warning.as_ref().unwrap().id.clone())
        .collect()
}

async fn watch(client: &mut WarningClient, subscription_id: &str) -> Streaming<pb::WarningEvent> {
    client
        .watch_warnings(pb::WatchWarningsRequest {
            cursor: Vec::new(),
            subscription_id: subscription_id.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_subscription_narrows_the_watch_to_what_it_asks_for() {
    let node = start(&[]).await;
    let mut focal = subscriptions(&node, "fp", "focal_point").await;
    let subscription = focal
        .create_subscription(pb::CreateSubscriptionRequest {
            filters: genocide_emergencies(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!subscription.has_webhook);
    assert_eq!(subscription.owner, "fp");
    let listed = focal
        .list_subscriptions(pb::ListSubscriptionsRequest {})
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0], subscription);

    let assessment = publish(&node, "XAA").await;
    let about = |level, crime, headline| About {
        assessment: &assessment,
        country: "XAA",
        level,
        crime,
        tlp: pb::Tlp::Green,
        headline,
    };
    let watch_level = raise_and_issue(&node, &about("watch", pb::Crime::Genocide, "Watch: genocide")).await;
    let wanted = raise_and_issue(
        &node,
        &about("emergency", pb::Crime::Genocide, "Emergency: genocide"),
    )
    .await;
    let war_crimes = raise_and_issue(
        &node,
        &about("emergency", pb::Crime::WarCrimes, "Emergency: war crimes"),
    )
    .await;
    let also_wanted = raise_and_issue(
        &node,
        &about("emergency", pb::Crime::Genocide, "Emergency: genocide again"),
    )
    .await;
    let last_issued = |e: &pb::WarningEvent| {
        e.kind == "issued" && e.warning.as_ref().is_some_and(|w| w.id == also_wanted.id)
    };

    let mut reader = warnings(&node, "fp", "focal_point").await;
    let narrowed = events_until(&mut watch(&mut reader, &subscription.id).await, last_issued).await;
    assert_eq!(
        ids(&narrowed),
        BTreeSet::from([wanted.id.clone(), also_wanted.id.clone()]),
        "{narrowed:?}"
    );
    assert!(
        narrowed
            .iter()
            .any(|e| e.kind == "issued" && e.warning.as_ref().unwrap().id == wanted.id)
    );
    // Without the subscription the same watch sees them all.
    let everything = events_until(&mut watch(&mut reader, "").await, last_issued).await;
    for id in [&watch_level.id, &war_crimes.id, &wanted.id] {
        assert!(ids(&everything).contains(id), "{id} missing: {everything:?}");
    }

    // Someone else's subscription is not found, and not revealed.
    let mut analyst = warnings(&node, "ada", "analyst").await;
    let hidden = analyst
        .watch_warnings(pb::WatchWarningsRequest {
            cursor: Vec::new(),
            subscription_id: subscription.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
}

#[tokio::test]
async fn webhooks_are_for_admins_and_bad_filters_are_named() {
    let node = start(&[]).await;
    let mut focal = subscriptions(&node, "fp", "focal_point").await;
    let denied = focal
        .create_subscription(pb::CreateSubscriptionRequest {
            filters: filters_for(&["XAA"]),
            webhook_url: "https://localhost:9/hook".into(),
            webhook_secret: SECRET.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    assert!(!denied.message().contains(SECRET), "{denied:?}");
    let mine = focal
        .list_subscriptions(pb::ListSubscriptionsRequest {})
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert!(mine.is_empty(), "a refused subscription was kept: {mine:?}");

    // `ABC` is no country; `QQQ` would be one: user-assigned codes
    // (QMA–QZZ) are exercise countries.
    let cases: [(pb::SubscriptionFilters, &str, &str); 4] = [
        (
            pb::SubscriptionFilters {
                countries: vec!["ABC".into()],
                ..Default::default()
            },
            "filters.countries[0]",
            "`ABC`",
        ),
        (
            pb::SubscriptionFilters {
                min_level: "severe".into(),
                ..Default::default()
            },
            "filters.min_level",
            "`severe`",
        ),
        (
            pb::SubscriptionFilters {
                risk_factors: vec![15],
                ..Default::default()
            },
            "filters.risk_factors[0]",
            "`15`",
        ),
        (
            pb::SubscriptionFilters {
                regional_bodies: vec!["NOSUCHBODY".into()],
                ..Default::default()
            },
            "filters.regional_bodies[0]",
            "`NOSUCHBODY`",
        ),
    ];
    for (filters, field, value) in cases {
        let refused = focal
            .create_subscription(pb::CreateSubscriptionRequest {
                filters: Some(filters.clone()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{filters:?}: {refused:?}");
        assert!(
            refused.message().contains(field) && refused.message().contains(value),
            "`{}` should name `{field}` and {value}",
            refused.message()
        );
    }
    let exercise = focal
        .create_subscription(pb::CreateSubscriptionRequest {
            filters: filters_for(&["QQQ"]),
            ..Default::default()
        })
        .await;
    assert!(exercise.is_ok(), "{exercise:?}");
}

/// The API promises errors that name a value's place in the request
/// (`countries[2]`); the second country here is the unknown one.
#[tokio::test]
async fn an_unknown_country_is_named_by_its_place_in_the_request() {
    let node = start(&[]).await;
    let mut focal = subscriptions(&node, "fp", "focal_point").await;
    let refused = focal
        .create_subscription(pb::CreateSubscriptionRequest {
            filters: filters_for(&["MLI", "ABC"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    assert!(
        refused.message().contains("filters.countries[1]"),
        "`{}` should name `filters.countries[1]`",
        refused.message()
    );
}
