//! Unit tests of warnings and the response to them, with shared builders:
//! ECOWAS warns XAA's focal point and the AU's decision-makers about the
//! fictional northern XAA.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::model::assessment::Assessment;
use crate::model::fixtures;

mod content;
mod escalation;
mod lifecycle;
mod measures;
mod response;
mod threshold;
mod timeline;

/// A time given as RFC 3339 text.
fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// When the test warning was raised: 2026-11-05 08:00 UTC.
fn t0() -> DateTime<Utc> {
    t("2026-11-05T08:00:00Z")
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

/// The published assessment `a1` version 1 the warning rests on.
fn assessment() -> Assessment {
    let draft = Assessment::new_draft(
        "a1".into(),
        fixtures::content(),
        "ecowas",
        "ana",
        t0() - hours(48),
    );
    let review = draft.submit(t0() - hours(30)).unwrap();
    review.publish("rita", t0() - hours(24)).unwrap()
}

fn addressee(organisation: &str, role: Role) -> Addressee {
    Addressee {
        organisation: organisation.into(),
        role,
    }
}

/// Valid content: a warning of expected urgency to `xaa` and `au`.
fn content() -> WarningContent {
    WarningContent {
        situation: fixtures::content().situation,
        assessment: AssessmentRef {
            id: "a1".into(),
            version: 1,
        },
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: "Warning: high risk of atrocity crimes in Northern XAA".into(),
        description: "Armed clashes spread along the northern corridor.".into(),
        instruction: "Deploy the regional envoy.".into(),
        addressees: vec![
            addressee("xaa", Role::FocalPoint),
            addressee("au", Role::DecisionMaker),
        ],
        expires: t0() + TimeDelta::days(30),
        tlp: Tlp::Amber,
        risk_factors: vec![7, 8],
    }
}

fn draft() -> Warning {
    Warning::new_draft("w1".into(), "ecowas", content(), "ana", t0())
}

/// `w1`, issued by `rita` one hour after it was raised, with the default
/// deadlines: acknowledge within 72 h, decide within 7 days.
fn issued() -> Warning {
    draft()
        .issue("rita", &ResponseDeadlines::default(), sent())
        .unwrap()
}

/// When `issued()` was sent.
fn sent() -> DateTime<Utc> {
    t0() + hours(1)
}

fn ack(organisation: &str, after: TimeDelta, kind: AckKind) -> Acknowledgement {
    Acknowledgement {
        warning_id: "w1".into(),
        organisation: organisation.into(),
        by: format!("{organisation}-officer"),
        at: sent() + after,
        kind,
    }
}

fn decision(organisation: &str, after: TimeDelta, kind: DecisionKind) -> Decision {
    Decision {
        id: format!("d-{organisation}"),
        warning_id: "w1".into(),
        organisation: organisation.into(),
        kind,
        justification: "the council mandated an envoy".into(),
        by: format!("{organisation}-chair"),
        at: sent() + after,
    }
}

/// A planned action owned by `owner`, recorded `after` the sending and due
/// `due_after` it.
fn action(id: &str, owner: &str, after: TimeDelta, due_after: TimeDelta) -> Action {
    Action {
        id: id.into(),
        warning_id: "w1".into(),
        decision_id: None,
        kind: ActionKind::PreventiveDiplomacy,
        description: "envoy visits the northern region".into(),
        owner: owner.into(),
        due: sent() + due_after,
        recorded_by: format!("{owner}-desk"),
        recorded_at: sent() + after,
        updates: Vec::new(),
    }
}

fn reference() -> crate::model::reference::ReferenceData {
    crate::model::reference::ReferenceData::embedded().unwrap()
}
