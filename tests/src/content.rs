//! Wire-level assessment content for tests: one valid assessment of the
//! fictional country XAA, to be bent into invalid shapes case by case.

use tocsin_proto::v1 as pb;

/// A valid assessment of northern XAA.
pub fn valid() -> pb::AssessmentContent {
    pb::AssessmentContent {
        situation: Some(pb::SituationSpec {
            title: "Northern XAA".into(),
            countries: vec!["XAA".into()],
            admin1: vec![],
            admin2: vec![],
            crimes_at_risk: vec![pb::Crime::CrimesAgainstHumanity as i32],
            protected_groups: vec![pb::ProtectedGroup {
                basis: "ethnic".into(),
                label: "Herders".into(),
            }],
        }),
        factors: vec![
            pb::FactorAssessment {
                factor: 1,
                level: pb::FactorLevel::High as i32,
                indicators: vec!["1.1".into()],
                note: String::new(),
            },
            pb::FactorAssessment {
                factor: 8,
                level: pb::FactorLevel::Medium as i32,
                indicators: vec!["8.8".into()],
                note: "election".into(),
            },
        ],
        overall_risk: pb::OverallRisk::High as i32,
        ongoing: false,
        trend: pb::Trend::Deteriorated as i32,
        confidence: pb::Confidence::Medium as i32,
        horizon_months: 6,
        upcoming_triggers: vec![pb::Trigger {
            kind: "election".into(),
            description: "presidential election".into(),
            date: "2027-03-14".into(),
        }],
        narrative: "Clashes spread along the northern corridor.".into(),
        response_options: vec!["preventive diplomacy".into()],
        sources: vec![pb::Source {
            reference: "confidential field report 7".into(),
            reliability: "B".into(),
            note: String::new(),
        }],
        tlp: pb::Tlp::Amber as i32,
    }
}

/// `valid()` changed by `edit`.
pub fn with(edit: impl FnOnce(&mut pb::AssessmentContent)) -> pb::AssessmentContent {
    let mut content = valid();
    edit(&mut content);
    content
}
