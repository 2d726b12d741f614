//! The assessment operations with a real store and the shipped access policy.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::assessments::{Assessments, ListFilter, ServiceError};
use crate::model::assessment::{AssessmentStatus, OverallRisk};
use crate::model::caller::{Caller, Role};
use crate::model::fixtures;
use crate::model::reference::ReferenceData;
use crate::policy::AccessPolicy;
use crate::store::Store;

pub(super) struct Fixture {
    pub(super) service: Assessments,
    _dir: tempfile::TempDir,
}

pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let reference = Arc::new(ReferenceData::embedded().unwrap());
    let policy = Arc::new(AccessPolicy::embedded().unwrap());
    Fixture {
        service: Assessments::new(store, reference, policy, "ecowas"),
        _dir: dir,
    }
}

pub(super) fn user(subject: &str, roles: &[Role]) -> Caller {
    Caller {
        subject: subject.into(),
        name: String::new(),
        issuer: "https://idp.example".into(),
        organisation: "ecowas".into(),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
    }
}

#[tokio::test]
async fn an_assessment_goes_from_draft_to_published_with_two_people() {
    let f = fixture();
    let ada = user("ada", &[Role::Analyst]);
    let rev = user("rev", &[Role::Reviewer]);
    let created = f
        .service
        .create(&ada, fixtures::content())
        .await
        .unwrap()
        .assessment;
    assert_eq!(
        (created.version, created.status, created.author.as_str()),
        (1, AssessmentStatus::Draft, "ada")
    );

    let submitted = f
        .service
        .submit(&ada, &created.id, None)
        .await
        .unwrap()
        .assessment;
    assert_eq!(submitted.status, AssessmentStatus::InReview);
    let published = f
        .service
        .publish(&rev, &created.id, Some(1))
        .await
        .unwrap()
        .assessment;
    assert_eq!(published.status, AssessmentStatus::Published);
    assert_eq!(published.published_by.as_deref(), Some("rev"));

    // Revising the published version makes version 2, which supersedes 1 when published.
    let mut content = fixtures::content();
    content.overall_risk = OverallRisk::VeryHigh;
    let v2 = f
        .service
        .revise(&ada, &created.id, 1, content)
        .await
        .unwrap()
        .assessment;
    assert_eq!((v2.version, v2.status), (2, AssessmentStatus::Draft));
    assert_eq!(
        f.service
            .get(&ada, &created.id, Some(1))
            .unwrap()
            .assessment
            .status,
        AssessmentStatus::Published
    );
    f.service.submit(&ada, &created.id, Some(2)).await.unwrap();
    f.service.publish(&rev, &created.id, None).await.unwrap();
    assert_eq!(
        f.service
            .get(&ada, &created.id, Some(1))
            .unwrap()
            .assessment
            .status,
        AssessmentStatus::Superseded
    );
    assert_eq!(
        f.service
            .get(&ada, &created.id, None)
            .unwrap()
            .assessment
            .content
            .overall_risk,
        OverallRisk::VeryHigh
    );
}

#[tokio::test]
async fn nobody_publishes_what_they_authored() {
    let f = fixture();
    let both = user("ada", &[Role::Analyst, Role::Reviewer]);
    let id = f
        .service
        .create(&both, fixtures::content())
        .await
        .unwrap()
        .assessment
        .id;
    f.service.submit(&both, &id, None).await.unwrap();
    let err = f.service.publish(&both, &id, None).await.unwrap_err();
    assert!(matches!(err, ServiceError::Denied { .. }), "{err}");
    assert_eq!(
        f.service.get(&both, &id, None).unwrap().assessment.status,
        AssessmentStatus::InReview
    );
}

#[tokio::test]
async fn illegal_steps_and_stale_versions_change_nothing() {
    let f = fixture();
    let ada = user("ada", &[Role::Analyst]);
    let rev = user("rev", &[Role::Reviewer]);
    let id = f
        .service
        .create(&ada, fixtures::content())
        .await
        .unwrap()
        .assessment
        .id;
    let err = f.service.publish(&rev, &id, None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("is draft; only a in-review version can be published"),
        "{err}"
    );
    let err = f
        .service
        .revise(&ada, &id, 3, fixtures::content())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at version 1, not 3"), "{err}");
    let err = f.service.submit(&ada, &id, Some(2)).await.unwrap_err();
    assert!(err.to_string().contains("at version 1, not 2"), "{err}");
    let err = f.service.get(&ada, "missing", None).unwrap_err();
    assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");
    assert_eq!(
        f.service.get(&ada, &id, None).unwrap().assessment.status,
        AssessmentStatus::Draft
    );
}

#[tokio::test]
async fn invalid_content_is_refused_naming_the_field() {
    let f = fixture();
    let ada = user("ada", &[Role::Analyst]);
    let mut content = fixtures::content();
    content.factors[1].indicators.push("7.5".into());
    let err = f.service.create(&ada, content).await.unwrap_err();
    assert!(
        err.to_string().contains("`content.factors[1].indicators[1]`"),
        "{err}"
    );
    assert!(f.service.list(&ada, &ListFilter::default()).unwrap().is_empty());
}

#[tokio::test]
async fn readers_outside_analysis_see_only_published_work_and_no_sources() {
    let f = fixture();
    let ada = user("ada", &[Role::Analyst]);
    let rev = user("rev", &[Role::Reviewer]);
    let focal = user("fp", &[Role::FocalPoint]);
    let draft = f
        .service
        .create(&ada, fixtures::content())
        .await
        .unwrap()
        .assessment
        .id;
    let public = f
        .service
        .create(&ada, fixtures::content())
        .await
        .unwrap()
        .assessment
        .id;
    f.service.submit(&ada, &public, None).await.unwrap();
    f.service.publish(&rev, &public, None).await.unwrap();

    assert!(matches!(
        f.service.get(&focal, &draft, None),
        Err(ServiceError::Denied { .. })
    ));
    let seen = f.service.get(&focal, &public, None).unwrap();
    assert!(seen.sources_withheld && seen.assessment.content.sources.is_empty());
    let own = f.service.get(&ada, &public, None).unwrap();
    assert!(!own.sources_withheld && !own.assessment.content.sources.is_empty());

    let listed: Vec<_> = f.service.list(&focal, &ListFilter::default()).unwrap();
    assert_eq!(
        listed.iter().map(|v| v.assessment.id.clone()).collect::<Vec<_>>(),
        vec![public.clone()]
    );
    assert_eq!(f.service.list(&ada, &ListFilter::default()).unwrap().len(), 2);

    // A draft revision of the published assessment does not hide it from the focal point.
    f.service
        .revise(&ada, &public, 1, fixtures::content())
        .await
        .unwrap();
    let listed = f.service.list(&focal, &ListFilter::default()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].assessment.version, 1);
    let situations = f.service.situations(&focal, None, None).unwrap();
    assert_eq!(situations.len(), 1);
    assert_eq!(situations[0].assessment_count, 1);
    assert_eq!(
        situations[0].latest_published.as_ref().map(|a| a.version),
        Some(1)
    );
}

#[tokio::test]
async fn list_filters_by_status_risk_country_and_body() {
    let f = fixture();
    let ada = user("ada", &[Role::Analyst]);
    let mut mali = fixtures::content();
    mali.situation.countries = vec!["MLI".into()];
    mali.overall_risk = OverallRisk::Moderate;
    f.service.create(&ada, fixtures::content()).await.unwrap();
    f.service.create(&ada, mali).await.unwrap();
    let count = |filter: ListFilter| f.service.list(&ada, &filter).unwrap().len();
    assert_eq!(count(ListFilter::default()), 2);
    assert_eq!(
        count(ListFilter {
            country: Some("MLI".into()),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(ListFilter {
            min_risk: Some(OverallRisk::High),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(ListFilter {
            status: Some(AssessmentStatus::Published),
            ..Default::default()
        }),
        0
    );
    // Mali left ECOWAS on 2025-01-29 but is still in the AU.
    assert_eq!(
        count(ListFilter {
            regional_body: Some("ECOWAS".into()),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        count(ListFilter {
            regional_body: Some("AU".into()),
            ..Default::default()
        }),
        1
    );
    let situations = f.service.situations(&ada, Some("MLI"), None).unwrap();
    assert_eq!(situations.len(), 1);
    assert_eq!(situations[0].id, "MLI");
    assert_eq!(
        situations[0].m49_region.as_ref().map(|r| r.code.as_str()),
        Some("011")
    );
    assert!(f.service.situation(&ada, "XAA").is_ok());
    assert!(matches!(
        f.service.situation(&ada, "ZZZ"),
        Err(ServiceError::NotFound { .. })
    ));
}
