//! Withdrawing a published version through the service: who may, what it
//! needs, and what it leaves.

use crate::assessments::ServiceError;
use crate::assessments::tests::{Fixture, fixture, user};
use crate::model::assessment::{AssessmentStatus, LifecycleError};
use crate::model::caller::{Caller, Role};
use crate::model::fixtures;

/// A published assessment by `ada`, published by `rev`; its id.
async fn published(f: &Fixture) -> String {
    let ada = user("ada", &[Role::Analyst]);
    let rev = user("rev", &[Role::Reviewer]);
    let id = f
        .service
        .create(&ada, fixtures::content())
        .await
        .unwrap()
        .assessment
        .id;
    f.service.submit(&ada, &id, None).await.unwrap();
    f.service.publish(&rev, &id, None).await.unwrap();
    id
}

fn reviewer() -> Caller {
    user("rev", &[Role::Reviewer])
}

#[tokio::test]
async fn a_reviewer_withdraws_a_published_version_with_a_reason() {
    let f = fixture();
    let id = published(&f).await;
    let view = f
        .service
        .withdraw(&reviewer(), &id, None, "the field report was recanted")
        .await
        .unwrap();
    let withdrawn = &view.assessment;
    assert_eq!(
        (withdrawn.version, withdrawn.status),
        (1, AssessmentStatus::Withdrawn)
    );
    let withdrawal = withdrawn.withdrawn.as_ref().unwrap();
    assert_eq!(
        (withdrawal.by.as_str(), withdrawal.reason.as_str()),
        ("rev", "the field report was recanted")
    );
    // Stored, readable by a focal point, and no longer the situation's latest.
    let focal = user("fp", &[Role::FocalPoint]);
    let read = f.service.get(&focal, &id, Some(1)).unwrap().assessment;
    assert_eq!(read.withdrawn.as_ref(), Some(withdrawal));
    let situations = f.service.situations(&focal, None, None).unwrap();
    assert_eq!(situations.len(), 1);
    assert!(situations[0].latest_published.is_none());
}

#[tokio::test]
async fn the_author_may_withdraw_when_a_reviewer_four_eyes_does_not_apply() {
    let f = fixture();
    let both = user("ada", &[Role::Analyst, Role::Reviewer]);
    let id = published(&f).await;
    let view = f.service.withdraw(&both, &id, Some(1), "wrong").await.unwrap();
    assert_eq!(view.assessment.status, AssessmentStatus::Withdrawn);
}

#[tokio::test]
async fn refusals_name_the_cause_and_change_nothing() {
    let f = fixture();
    let id = published(&f).await;
    let ada = user("ada", &[Role::Analyst]);
    let err = f.service.withdraw(&ada, &id, None, "why").await.unwrap_err();
    assert!(matches!(err, ServiceError::Denied { .. }), "{err}");
    let err = f.service.withdraw(&reviewer(), &id, None, "").await.unwrap_err();
    assert!(err.to_string().contains("`reason`"), "{err}");
    let long = "x".repeat(2_001);
    let err = f
        .service
        .withdraw(&reviewer(), &id, None, &long)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(_)), "{err}");
    let err = f
        .service
        .withdraw(&reviewer(), &id, Some(7), "why")
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");
    let err = f
        .service
        .withdraw(&reviewer(), "missing", None, "why")
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");
    assert_eq!(
        f.service.get(&ada, &id, None).unwrap().assessment.status,
        AssessmentStatus::Published
    );
    // Withdrawn once; a second time is an illegal step.
    f.service.withdraw(&reviewer(), &id, None, "why").await.unwrap();
    let err = f
        .service
        .withdraw(&reviewer(), &id, None, "again")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Lifecycle(LifecycleError::WrongStatus { .. })),
        "{err}"
    );
    let kept = f.service.get(&ada, &id, None).unwrap().assessment;
    assert_eq!(kept.withdrawn.map(|w| w.reason).as_deref(), Some("why"));
}

#[tokio::test]
async fn only_the_latest_version_can_be_withdrawn() {
    let f = fixture();
    let id = published(&f).await;
    let ada = user("ada", &[Role::Analyst]);
    // A draft: not published.
    let draft = f.service.create(&ada, fixtures::content()).await.unwrap();
    let err = f
        .service
        .withdraw(&reviewer(), &draft.assessment.id, None, "why")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only a published version"), "{err}");
    // Version 1 with a revision under way.
    f.service.revise(&ada, &id, 1, fixtures::content()).await.unwrap();
    let err = f
        .service
        .withdraw(&reviewer(), &id, Some(1), "why")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::Lifecycle(LifecycleError::NotLatest { latest: 2, .. })
        ),
        "{err}"
    );
    assert_eq!(
        f.service.get(&ada, &id, Some(1)).unwrap().assessment.status,
        AssessmentStatus::Published
    );
}
