//! Assessment content used by unit tests across the crate (fictional XAA).

use chrono::NaiveDate;
use std::collections::BTreeSet;

use crate::model::assessment::{
    AssessmentContent, Confidence, FactorAssessment, FactorLevel, OverallRisk, Source, Trend, Trigger,
};
use crate::model::marking::Tlp;
use crate::model::situation::{Crime, ProtectedGroup, SituationSpec};

/// A valid assessment of the fictional country XAA.
pub(crate) fn content() -> AssessmentContent {
    AssessmentContent {
        situation: SituationSpec {
            title: "Northern XAA".into(),
            countries: vec!["XAA".into()],
            admin1: vec![],
            admin2: vec![],
            crimes_at_risk: BTreeSet::from([Crime::CrimesAgainstHumanity, Crime::WarCrimes]),
            protected_groups: vec![ProtectedGroup {
                basis: "ethnic".into(),
                label: "Northern herders".into(),
            }],
        },
        factors: vec![
            FactorAssessment {
                factor: 1,
                level: FactorLevel::High,
                indicators: vec!["1.1".into(), "1.5".into()],
                note: String::new(),
            },
            FactorAssessment {
                factor: 8,
                level: FactorLevel::Medium,
                indicators: vec!["8.8".into()],
                note: "presidential election".into(),
            },
        ],
        overall_risk: OverallRisk::High,
        ongoing: false,
        trend: Trend::Deteriorated,
        confidence: Confidence::Medium,
        horizon_months: 6,
        upcoming_triggers: vec![Trigger {
            kind: "election".into(),
            description: "presidential election, first round".into(),
            date: NaiveDate::from_ymd_opt(2027, 3, 14).unwrap_or_default(),
        }],
        narrative: "Armed clashes spread along the northern corridor.".into(),
        response_options: vec!["preventive diplomacy by the regional envoy".into()],
        sources: vec![Source {
            reference: "field report 2026-11-02".into(),
            reliability: Some('B'),
            note: String::new(),
        }],
        tlp: Tlp::Amber,
    }
}
