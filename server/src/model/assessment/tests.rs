//! The steps of an assessment's life, withdrawal in particular.

use chrono::{DateTime, TimeZone, Utc};

use crate::model::assessment::{
    Assessment, AssessmentStatus, LifecycleError, MAX_WITHDRAWAL_REASON, Withdrawal, check_withdrawal_reason,
};
use crate::model::fixtures;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, hour, 0, 0).unwrap()
}

fn draft() -> Assessment {
    Assessment::new_draft("a-1".into(), fixtures::content(), "xaa", "ada", at(9))
}

fn published() -> Assessment {
    draft().submit(at(10)).unwrap().publish("rev", at(11)).unwrap()
}

#[test]
fn a_published_version_is_withdrawn_with_its_reason_who_and_when() {
    let published = published();
    let withdrawn = published.withdraw("rev2", "source retracted", at(12)).unwrap();
    assert_eq!(withdrawn.status, AssessmentStatus::Withdrawn);
    assert_eq!(
        withdrawn.withdrawn,
        Some(Withdrawal {
            reason: "source retracted".into(),
            by: "rev2".into(),
            at: at(12),
        })
    );
    assert_eq!(withdrawn.updated_at, at(12));
    // What was published stays as it was.
    assert_eq!(
        (
            &withdrawn.content,
            withdrawn.version,
            &withdrawn.published_by,
            withdrawn.published_at
        ),
        (
            &published.content,
            published.version,
            &published.published_by,
            published.published_at
        )
    );
}

#[test]
fn only_a_published_version_can_be_withdrawn() {
    let draft = draft();
    let review = draft.submit(at(10)).unwrap();
    let published = review.publish("rev", at(11)).unwrap();
    let superseded = published.supersede(at(12)).unwrap();
    let withdrawn = published.withdraw("rev", "wrong", at(12)).unwrap();
    for (version, status) in [
        (&draft, "draft"),
        (&review, "in_review"),
        (&superseded, "superseded"),
        (&withdrawn, "withdrawn"),
    ] {
        let err = version.withdraw("rev", "why", at(13)).unwrap_err();
        assert!(
            matches!(
                err,
                LifecycleError::WrongStatus {
                    action: "withdrawn",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains(&format!("is {status}")), "{err}");
    }
}

#[test]
fn a_withdrawn_version_is_never_superseded_or_published_again() {
    let withdrawn = published().withdraw("rev", "wrong", at(12)).unwrap();
    assert!(withdrawn.supersede(at(13)).is_err());
    assert!(withdrawn.publish("rev", at(13)).is_err());
    assert!(withdrawn.submit(at(13)).is_err());
}

#[test]
fn revising_a_withdrawn_version_starts_a_new_draft_without_the_withdrawal() {
    let withdrawn = published().withdraw("rev", "wrong", at(12)).unwrap();
    let next = withdrawn.revise(1, fixtures::content(), "bea", at(13)).unwrap();
    assert_eq!(
        (next.version, next.status, next.author.as_str()),
        (2, AssessmentStatus::Draft, "bea")
    );
    assert_eq!(next.withdrawn, None);
    assert_eq!(next.published_at, None);
}

#[test]
fn a_reason_is_required_and_bounded() {
    assert!(check_withdrawal_reason("the source recanted").is_ok());
    for bad in [
        String::new(),
        "x".repeat(MAX_WITHDRAWAL_REASON + 1),
        "bell\u{7}".into(),
    ] {
        let err = check_withdrawal_reason(&bad).unwrap_err();
        assert_eq!(err.field, "reason", "{err}");
    }
    assert!(check_withdrawal_reason(&"é".repeat(MAX_WITHDRAWAL_REASON)).is_ok());
}

#[test]
fn records_stored_before_withdrawal_existed_still_read() {
    let mut json = serde_json::to_value(published()).unwrap();
    assert!(json.get("withdrawn").is_none(), "{json}");
    json.as_object_mut().unwrap().remove("withdrawn");
    let read: Assessment = serde_json::from_value(json).unwrap();
    assert_eq!(read, published());
    let withdrawn = published().withdraw("rev", "wrong", at(12)).unwrap();
    let round: Assessment = serde_json::from_value(serde_json::to_value(&withdrawn).unwrap()).unwrap();
    assert_eq!(round, withdrawn);
}
