//! The federated situation picture: the merge on its own (`store_tests`
//! goes through a real store).

use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeSet;

use super::*;
use crate::model::assessment::{Assessment, Confidence, FactorLevel, OverallRisk, Trend};
use crate::model::fixtures;
use crate::model::situation::Crime;
use crate::model::statement::{Disclosure, SharedAssessment, SharedFactor, SharedSituation};

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 10, minute, 0).unwrap()
}

pub(super) fn reference() -> ReferenceData {
    ReferenceData::embedded().unwrap()
}

/// `origin`'s summary of `assessment` version `version` about `countries`
/// (and `admin1`), published at minute `minute`.
pub(super) fn shared(
    origin: &str,
    assessment: &str,
    version: u32,
    area: (&[&str], &[&str]),
    risk: OverallRisk,
    minute: u32,
) -> SharedAssessment {
    let strings = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    SharedAssessment {
        assessment_id: assessment.into(),
        version,
        situation: SharedSituation {
            title: format!("{origin}'s view"),
            countries: strings(area.0),
            admin1: strings(area.1),
            admin2: Vec::new(),
            m49_region: "011".into(),
            regional_bodies: vec!["AU".into(), "ECOWAS".into()],
            crimes_at_risk: BTreeSet::from([Crime::WarCrimes]),
            protected_groups: Vec::new(),
        },
        overall_risk: risk,
        ongoing: false,
        trend: Trend::Deteriorated,
        confidence: Confidence::Medium,
        horizon_months: 6,
        published_at: at(minute),
        factors: Some(vec![SharedFactor {
            factor: 7,
            level: FactorLevel::High,
            indicators: None,
        }]),
        narrative: None,
        disclosed: BTreeSet::from([Disclosure::Share, Disclosure::Factors]),
    }
}

fn received(summary: SharedAssessment, origin: &str) -> ReceivedSummary {
    ReceivedSummary {
        origin: origin.into(),
        statement_id: format!("{origin}:{}:v{}:full", summary.assessment_id, summary.version),
        issued_at: summary.published_at,
        received_at: summary.published_at,
        summary,
        path: vec![origin.into(), "un-hq".into()],
    }
}

/// This node's situation `id` with a published assessment at risk `risk`.
fn local(id: &str, risk: OverallRisk) -> SituationView {
    let mut content = fixtures::content();
    content.overall_risk = risk;
    let draft = Assessment::new_draft("own-1".into(), content.clone(), "un-hq", "ada", at(0));
    SituationView {
        id: id.into(),
        spec: content.situation,
        m49_region: None,
        regional_bodies: vec!["AU".into(), "ECOWAS".into()],
        latest_published: Some(draft.submit(at(1)).unwrap().publish("rev", at(2)).unwrap()),
        assessment_count: 1,
    }
}

fn risks(s: &FederatedSituation) -> Vec<(&str, OverallRisk)> {
    s.shared
        .iter()
        .map(|r| (r.origin.as_str(), r.summary.overall_risk))
        .collect()
}

#[test]
fn disagreeing_organisations_are_listed_side_by_side_with_this_node() {
    let merged = merge(
        vec![local("XAA", OverallRisk::High)],
        vec![
            received(
                shared("ecowas", "e1", 1, (&["XAA"], &[]), OverallRisk::VeryHigh, 5),
                "ecowas",
            ),
            received(
                shared("au", "a1", 1, (&["XAA"], &[]), OverallRisk::Moderate, 6),
                "au",
            ),
        ],
        &reference(),
    );
    assert_eq!(merged.len(), 1);
    let xaa = &merged[0];
    assert_eq!(
        xaa.situation
            .latest_published
            .as_ref()
            .map(|a| a.content.overall_risk),
        Some(OverallRisk::High)
    );
    assert_eq!(
        risks(xaa),
        [("au", OverallRisk::Moderate), ("ecowas", OverallRisk::VeryHigh)]
    );
}

#[test]
fn each_organisation_counts_once_with_its_latest_summary() {
    let merged = merge(
        Vec::new(),
        vec![
            received(
                shared("ecowas", "e2", 3, (&["XAA"], &[]), OverallRisk::Low, 9),
                "ecowas",
            ),
            received(
                shared("ecowas", "e1", 4, (&["XAA"], &[]), OverallRisk::High, 5),
                "ecowas",
            ),
        ],
        &reference(),
    );
    assert_eq!(risks(&merged[0]), [("ecowas", OverallRisk::Low)]);
}

#[test]
fn a_situation_known_only_from_peers_is_described_by_its_latest_summary() {
    let merged = merge(
        vec![local("XAA", OverallRisk::High)],
        vec![
            received(
                shared("au", "a1", 1, (&["XAB"], &["XB01"]), OverallRisk::High, 5),
                "au",
            ),
            received(
                shared("ecowas", "e1", 1, (&["XAB"], &["XB01"]), OverallRisk::Low, 7),
                "ecowas",
            ),
        ],
        &reference(),
    );
    let ids: Vec<&str> = merged.iter().map(|s| s.situation.id.as_str()).collect();
    assert_eq!(ids, ["XAA", "XAB/XB01"]);
    let peers_only = &merged[1];
    let view = &peers_only.situation;
    assert_eq!(view.spec.title, "ecowas's view");
    assert_eq!(
        (view.spec.countries.as_slice(), view.spec.admin1.as_slice()),
        (&["XAB".to_owned()][..], &["XB01".to_owned()][..])
    );
    assert_eq!(view.spec.crimes_at_risk, BTreeSet::from([Crime::WarCrimes]));
    assert_eq!(
        view.m49_region
            .as_ref()
            .map(|r| (r.code.as_str(), r.name.as_str())),
        Some(("011", "Western Africa"))
    );
    assert_eq!(view.regional_bodies, ["AU", "ECOWAS"]);
    assert_eq!(
        (view.latest_published.is_none(), view.assessment_count),
        (true, 0)
    );
    assert_eq!(risks(peers_only).len(), 2);
}

#[test]
fn a_local_situation_down_to_admin_2_does_not_take_admin_1_summaries() {
    let merged = merge(
        vec![local("XAA/XA01/XA0101", OverallRisk::High)],
        vec![received(
            shared("au", "a1", 1, (&["XAA"], &["XA01"]), OverallRisk::Low, 5),
            "au",
        )],
        &reference(),
    );
    let ids: Vec<(&str, usize)> = merged
        .iter()
        .map(|s| (s.situation.id.as_str(), s.shared.len()))
        .collect();
    assert_eq!(ids, [("XAA/XA01", 1), ("XAA/XA01/XA0101", 0)]);
}

#[test]
fn a_body_filter_matches_what_this_node_or_any_peer_says() {
    let mut mine = local("XAA", OverallRisk::High);
    mine.regional_bodies = vec!["AU".into()];
    let mut summary = shared("ecowas", "e1", 1, (&["XAA"], &[]), OverallRisk::High, 5);
    summary.situation.regional_bodies = vec!["ECOWAS".into()];
    let merged = merge(vec![mine], vec![received(summary, "ecowas")], &reference());
    let s = &merged[0];
    assert!(s.matches(Some("XAA"), Some("ECOWAS")));
    assert!(s.matches(None, Some("AU")));
    assert!(!s.matches(None, Some("SADC")));
    assert!(!s.matches(Some("MLI"), None));
}
